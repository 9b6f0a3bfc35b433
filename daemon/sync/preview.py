"""A preview: what the next sync of a connection would do, object by object and in sum,
before it writes anything (issue 19).

A :class:`~billsync.daemon.sync.dry.DryCycle` plans the sync as a sync would, and this
module says what it foresaw as a bookkeeper reads it: each record's :class:`Fate` (created,
updated, matched to what QuickBooks already has, skipped, waiting, refused…) with its cause,
the money per kind and per month, and the conflicts to settle first.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from billsync.daemon.clio.client import Clio
from billsync.daemon.qbo import faults
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store.models import Connection
from billsync.daemon.sync import currency, mapping
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import DUPLICATE_NUMBER, Action, Op
from billsync.daemon.sync.dry import DryCycle, Forecast, Foreseen
from billsync.daemon.sync.progress import Progress
from billsync.daemon.sync.writer import RETIRES


class Fate(enum.StrEnum):
    """What the sync would do about one record."""

    CREATE = "create"
    UPDATE = "update"
    #: Linked to an object QuickBooks already has (by name and e-mail, or by billsync's marker).
    MATCH = "match"
    #: Voided or deleted in QuickBooks, as in Clio.
    RETIRE = "retire"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    WAIT = "wait"
    #: Refused: the record cannot be written as it is.
    FAIL = "fail"


#: The fates that write to QuickBooks, whose money a preview adds up.
WRITTEN = (Fate.CREATE, Fate.UPDATE, Fate.MATCH)
#: What a bookkeeper settles before the sync, or sees done differently than asked.
CONFLICTS = frozenset(
    {
        Cause.FAIL_NUMBER_TAKEN,
        Cause.CREATE_NAME_TAKEN,
        Cause.CREATE_LIKE_NAMED,
        Cause.FAIL_CURRENCY,
        Cause.FAIL_TAX_CODE,
        Cause.FAIL_TAX_RATES,
        Cause.FAIL_TAX_ITEM,
        Cause.WAIT_TAX_CODES,
    }
)
_FATES = {
    Action.CREATE: Fate.CREATE,
    Action.UPDATE: Fate.UPDATE,
    Action.ADOPT: Fate.MATCH,
    Action.SKIP: Fate.SKIP,
    Action.WAIT: Fate.WAIT,
    Action.FAIL: Fate.FAIL,
    Action.NONE: Fate.UNCHANGED,
}


@dataclass(frozen=True)
class Money:
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class Item:
    """One record's fate: ``qbo_id`` is the QuickBooks object it would update or match."""

    kind: str
    clio_id: str
    label: str
    fate: Fate
    cause: Cause | None
    reason: str
    qbo_id: str
    money: Money | None
    #: ``YYYY-MM`` of the document's date ("" for a customer).
    month: str

    @property
    def conflict(self) -> bool:
        return self.cause in CONFLICTS


@dataclass
class Count:
    """How many records of a kind share a fate and cause, and their money by currency."""

    kind: str
    fate: Fate
    cause: Cause | None
    count: int = 0
    money: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class MonthTotal:
    """What the sync writes of a kind in one month, in one currency."""

    kind: str
    month: str
    currency: str
    count: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Summary:
    items: list[Item]
    counts: list[Count]
    months: list[MonthTotal]
    items_to_create: list[str]
    home_currency: str


def fate_of(foreseen: Foreseen) -> Fate:
    op = foreseen.op
    if op.action in RETIRES:
        return Fate.RETIRE
    if op.action is Action.UPDATE and op.code in (Cause.ADOPT_MARKER, Cause.ADOPT_DECIDED):
        return Fate.MATCH
    return _FATES[op.action]


def money_of(foreseen: Foreseen, home: str) -> Money | None:
    """What a document the sync writes amounts to, in its currency: an invoice's or credit
    memo's total as Clio has it, a payment's amount, a journal entry's debits."""
    op, body = foreseen.op, foreseen.op.body or {}
    if op.expect is not None:
        return Money(op.expect.currency or home, op.expect.amount)
    if "TotalAmt" in body:
        return Money(currency.sent(body) or home, mapping.money(body["TotalAmt"]))
    debits = [
        line
        for line in body.get("Line") or []
        if (line.get("JournalEntryLineDetail") or {}).get("PostingType") == "Debit"
    ]
    if debits:
        return Money(home, sum((mapping.money(line.get("Amount")) for line in debits), Decimal("0.00")))
    return None


def reason_of(foreseen: Foreseen) -> str:
    """Why, in a bookkeeper's words: the op's, its outcome's, or what a create under another
    name is made as."""
    op = foreseen.op
    if op.code is Cause.CREATE_NAME_TAKEN:
        return f"QuickBooks has another customer of this name: it is created as {(op.body or {}).get('DisplayName')}"
    return op.reason or foreseen.outcome.reason


def qbo_id_of(op: Op, fate: Fate) -> str:
    """The QuickBooks object a record's fate concerns: the one it updates, is linked to or
    retires; refused for its number, the invoice that has it (as the reason names it)."""
    if fate in (Fate.UPDATE, Fate.MATCH, Fate.RETIRE):
        return op.qbo_id
    held_by = faults.holder(DUPLICATE_NUMBER, op.reason) if op.code is Cause.FAIL_NUMBER_TAKEN else None
    return held_by[1] if held_by else ""


def item_of(foreseen: Foreseen, home: str) -> Item:
    op, fate = foreseen.op, fate_of(foreseen)
    written = fate in WRITTEN
    return Item(
        kind=op.kind,
        clio_id=op.clio_id,
        label=op.label,
        fate=fate,
        cause=op.code,
        reason=reason_of(foreseen),
        qbo_id=qbo_id_of(op, fate),
        money=money_of(foreseen, home) if written else None,
        month=str((op.body or {}).get("TxnDate") or "")[:7] if written else "",
    )


def summarize(forecast: Forecast) -> Summary:
    home = forecast.home_currency
    items = [item_of(f, home) for f in forecast.foreseen.values()]
    counts: dict[tuple, Count] = {}
    months: dict[tuple, MonthTotal] = {}
    for item in items:
        count = counts.setdefault((item.kind, item.fate, item.cause), Count(item.kind, item.fate, item.cause))
        count.count += 1
        if item.money is not None:
            count.money[item.money.currency] = count.money.get(item.money.currency, Decimal("0.00")) + item.money.amount
            if item.month:
                key = (item.kind, item.month, item.money.currency)
                month = months.setdefault(key, MonthTotal(*key))
                month.count += 1
                month.amount += item.money.amount
    return Summary(
        items=items,
        counts=sorted(counts.values(), key=lambda c: (c.kind, list(Fate).index(c.fate), c.cause or "")),
        months=sorted(months.values(), key=lambda m: (m.kind, m.month, m.currency)),
        items_to_create=sorted(forecast.items_to_create),
        home_currency=home,
    )


class Preview:
    """One preview of ``connection``'s next sync: :meth:`steps` plans it (each step yields the
    seconds to rest, as a cycle's do), ``progress`` counts the records planned so far, per
    kind, and :meth:`summary` says what was foreseen once the steps are done."""

    def __init__(self, connection: Connection, qbo: QuickBooks, clio: Clio, spill_dir: Path) -> None:
        self.progress: dict[str, dict[str, int]] = {}
        self.cycle = DryCycle(connection, qbo, clio, Progress(self._saw), spill_dir=spill_dir)

    def _saw(self, progress: dict[str, dict[str, int]]) -> None:
        self.progress = progress

    def steps(self) -> Iterator[float]:
        return self.cycle.steps()

    def summary(self) -> Summary:
        return summarize(self.cycle.forecast)
