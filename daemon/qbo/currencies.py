"""The currencies a QBO company lists besides its home one (``CompanyCurrency``), and adding them.

With multicurrency on, a currency is added to the company's list before anything is made in
it: Intuit's steps are "turn on → Lists → Currencies → Add Currency"
(community.intuit.com/articles/1779215), and "Set up the currencies … Add customers … for
each currency" (Dummies, design 14 C4). No source says whether the API refuses a
``CurrencyRef`` not on the list or adds it by itself, so billsync adds it first.
``CompanyCurrency`` create "Requires multicurrency to be enabled"; ``Code`` is the ISO code
(Finance.xsd: "Required for the create/delete operation"; ``Name`` is output only).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.qbo.faults import QboFault


def listed(qbo: QuickBooks) -> set[str]:
    """The ISO codes of the company's active CompanyCurrency objects (one query; the home
    currency is never among them)."""
    rows = qbo.query("select * from CompanyCurrency")
    return {str(row["Code"]) for row in rows if row.get("Code") and row.get("Active") is not False}


def ensure(qbo: QuickBooks, codes: Iterable[str]) -> dict[str, str]:
    """Adds each of ``codes`` the company does not list yet; returns those it still lacks,
    with why (QuickBooks' words).

    A refused create is not taken at its word: the list is read again, and a currency on it
    now (added at the same time by someone else, or by this very create whose answer was
    lost) is as good as added. Each create has a requestid of its own, so a retry after a
    lost answer is answered with the currency made.
    """
    missing = set(codes) - listed(qbo)
    refused: dict[str, str] = {}
    for code in sorted(missing):
        try:
            qbo.create("CompanyCurrency", {"Code": code}, requestid=uuid.uuid4().hex)
        except QboFault as fault:
            if not fault.validation:
                raise
            refused[code] = fault.describe()
    if refused:
        now = listed(qbo)
        refused = {code: why for code, why in refused.items() if code not in now}
    return refused


class Rates:
    """QuickBooks' exchange rates, read once per currency and date for as long as this lives
    (a cycle): ``GET …/exchangerate`` answers "home currency units it takes to equal one
    foreign currency unit" (Intuit, *Manage multiple currencies*), the rate of that date or
    the latest before it. QBO refreshes its rates every few hours (design 14 C9), so a cycle
    never reuses another's."""

    def __init__(self, qbo: QuickBooks) -> None:
        self.qbo = qbo
        self._known: dict[tuple[str, str], Decimal | None | QboFault] = {}

    def on(self, code: str, day: str) -> Decimal | None:
        """The rate of ``code`` on ``day``, None when QuickBooks gives none; QuickBooks'
        refusal (a validation fault) is raised again for every document asking the same."""
        key = (code, day)
        if key not in self._known:
            try:
                self._known[key] = _sendable(self.qbo.exchange_rate(code, day).get("Rate"))
            except QboFault as fault:
                if not fault.validation:
                    raise
                self._known[key] = fault
        known = self._known[key]
        if isinstance(known, QboFault):
            raise known
        return known


def _sendable(value: object) -> Decimal | None:
    """A positive rate as a JSON number can carry it exactly (at most 17 significant digits,
    which ``faults.dumps`` insists on), None for anything else."""
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        return None
    if not rate.is_finite() or rate <= 0:
        return None
    return Decimal(repr(float(rate)))
