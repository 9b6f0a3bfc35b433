"""A cycle that writes nothing: what a sync would do, foreseen (issue 19's preview).

The same :meth:`Cycle.steps <billsync.daemon.sync.engine.Cycle.steps>` plans, reading Clio
and QuickBooks as a sync does, with three seams swapped:

- :class:`Overlay`: the links as the store has them, each foreseen outcome laid over them,
  so that what follows a create plans as it will (an invoice of a customer made just now
  finds its customer);
- :class:`DryEffects`: reads what the live effects read, and records and creates nothing;
- :class:`DryWriter`: the outcome of every op foreseen as QuickBooks would answer it, and
  sent nowhere.

Nothing is stored but the line index, a cache of what Clio said (:mod:`billsync.daemon.clio.lines`).
What no read foretells is not foreseen: QuickBooks totalling a document otherwise than Clio
(found once it is written), a name a vendor or an employee holds (only customers are
read), a currency QuickBooks will not add, the totals check of a connection's first run, and
links broken in QuickBooks since the last sync (the next sync finds them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from billsync.daemon.clio.client import Clio
from billsync.daemon.qbo import lists as qbo_lists
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store import links, marks
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import currency, decisions, outcomes, recovery
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.effects import Effects, vanished
from billsync.daemon.sync.engine import Cycle
from billsync.daemon.sync.items import find_items
from billsync.daemon.sync.linkview import LinkView
from billsync.daemon.sync.outcomes import Outcome
from billsync.daemon.sync.progress import Progress
from billsync.daemon.sync.taxes import TaxTreatment
from billsync.daemon.sync.writer import RETIRES, WRITES, Done, Writer


def new_id(kind: str, clio_id: str) -> str:
    """The QBO id a foreseen create stands in with: none of QuickBooks' (all digits)."""
    return f"new:{kind}:{clio_id}"


@dataclass(frozen=True)
class Foreseen:
    """One op of the foreseen sync and the outcome it is foreseen to have."""

    op: Op
    outcome: Outcome


@dataclass
class Forecast:
    """What a dry cycle foresaw: the last op of each record, in the order planned, and the
    QuickBooks items the sync would create to write lines on."""

    foreseen: dict[tuple[str, str], Foreseen] = field(default_factory=dict)
    items_to_create: set[str] = field(default_factory=set)
    #: The company's home currency, as the cycle read it.
    home_currency: str = ""

    def add(self, op: Op, outcome: Outcome) -> None:
        self.foreseen[(op.kind, op.clio_id)] = Foreseen(op, outcome)


class Overlay(LinkView):
    """The connection's links with the forecast's outcomes laid over them."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.foreseen: dict[tuple[str, str], Link] = {}

    def record(self, op: Op, outcome: Outcome, stored: Link | None = None) -> None:
        """Lays ``outcome`` over the link of ``op``'s record (``stored``, when the caller has
        read it), as ``outcomes.record`` stores it."""
        key = (op.kind, op.clio_id)
        base = self.foreseen.get(key) or stored or links.load(self.connection, op.kind, [op.clio_id]).get(op.clio_id)
        columns = {**(base.__data__ if base is not None else {}), "label": op.label, **outcome.fields()}
        columns.update(connection=self.connection.id, kind=op.kind, clio_id=op.clio_id)
        self.foreseen[key] = Link(**columns)

    def _of(self, kind: str) -> dict[str, Link]:
        return {clio_id: link for (k, clio_id), link in self.foreseen.items() if k == kind}

    def load(self, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
        ids = set(map(str, clio_ids))
        return super().load(kind, ids) | {i: link for i, link in self._of(kind).items() if i in ids}

    def synced(self, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
        return {
            i: link for i, link in self.load(kind, clio_ids).items() if link.state == LinkState.SYNCED and link.qbo_id
        }

    def qbo_ids(self, kind: str, clio_ids: Iterable[str]) -> dict[str, str]:
        return {i: link.qbo_id for i, link in self.synced(kind, clio_ids).items()}

    def linked_qbo_ids(self, kind: str, qbo_ids: Iterable[str]) -> set[str]:
        ids = set(qbo_ids)
        return super().linked_qbo_ids(kind, ids) | {
            link.qbo_id for link in self._of(kind).values() if link.qbo_id in ids
        }

    def failed_with(self, error_code: str) -> dict[str, set[str]]:
        found = super().failed_with(error_code)
        for (kind, clio_id), link in self.foreseen.items():
            ids = found.setdefault(kind, set())
            ids.discard(clio_id)
            if link.state == LinkState.FAILED and link.error_code == error_code:
                ids.add(clio_id)
        return {kind: ids for kind, ids in found.items() if ids}

    def waiting(self, kind: Kind) -> dict[str, DependencyKey]:
        mine = self._of(kind)
        found = {i: dependency for i, dependency in super().waiting(kind).items() if i not in mine}
        return found | {
            i: DependencyKey.from_column(link.depends_on)
            for i, link in mine.items()
            if link.state == LinkState.WAITING and link.depends_on
        }


class DryEffects(Effects):
    """The effects of a cycle that writes nothing: what they read is read, and what they would
    record or create is laid over the links (``overlay``) or noted in the ``forecast``."""

    def __init__(self, connection: Connection, qbo: QuickBooks, clio: Clio, overlay: Overlay, forecast: Forecast):
        super().__init__(connection, qbo, clio)
        self.overlay = overlay
        self.forecast = forecast

    def record_checks(self, checks: list[dict]) -> None:
        pass

    def note_tax(self, tax: TaxTreatment) -> None:
        pass

    def country(self) -> str:
        return qbo_settings.country(self.qbo) if self.connection.qbo_country is None else self.connection.qbo_country

    def audit_totals(self, tax: TaxTreatment) -> set[str]:
        return set()

    def resolve_pending(self) -> recovery.Resolution:
        resolution, adopted = recovery.look_up_pending(self.connection, self.qbo)
        for op, outcome in adopted:
            self.overlay.record(op, outcome)
        return resolution

    def detect_broken(self) -> None:
        pass

    def ensure_items(self, wanted: dict[str, str]) -> dict[str, str]:
        found = find_items(self.qbo, set(wanted.values()))
        self.forecast.items_to_create |= set(wanted.values()) - set(found)
        return {kind: found.get(name) or new_id("item", name) for kind, name in wanted.items()}

    def withdraw_credits(self, ops: list[Op]) -> list[Op]:
        return ops

    def undo_auto_applications(self, memo_ids: Iterable[str]) -> None:
        pass

    def retire_vanished(self, unresolved: dict[str, set[str]], planned: set[tuple[str, str]]) -> None:
        for op, outcome in vanished(self.connection, unresolved, planned):
            self.overlay.record(op, outcome)
            self.forecast.add(op, outcome)

    def advance(self, newest: dict, books: currency.Books) -> None:
        self.forecast.home_currency = books.home


class DryWriter(Writer):
    """Foresees the outcome of each op as QuickBooks would answer it, sending nothing but the
    reads of exchange rates a document in another currency needs (as the writer does)."""

    def __init__(
        self, connection: Connection, qbo: QuickBooks, progress: Progress, overlay: Overlay, forecast: Forecast
    ):
        super().__init__(connection, qbo, progress.done)
        self.overlay = overlay
        self.forecast = forecast
        #: Invoice numbers this cycle foresaw created, with the label of their invoice:
        #: QuickBooks refuses a second invoice of a number (6140). (Two contacts of one name
        #: are planned apart already, ``planner.plan_contacts``.)
        self._numbers: dict[str, str] = {}

    def apply(self, ops: list[Op], existing: dict[str, Link]) -> Iterator[float]:
        for op in self._at_quickbooks_rates(self._like_named(ops)):
            if op.kind is Kind.INVOICE and op.action is Action.CREATE:
                op = self._after_earlier_creates(op)
            outcome = foreseen_outcome(op, existing.get(op.clio_id))
            if op.action is not Action.NONE:
                self.overlay.record(op, outcome, existing.get(op.clio_id))
            self.forecast.add(op, outcome)
            self.on_done(op, done_as(op, outcome))
        yield 0.0

    def _like_named(self, ops: list[Op]) -> list[Op]:
        """``ops``, each customer create saying which customers QuickBooks has of a like name
        (a person's given and family names, a company's name) under other display names: the
        same client, perhaps, for the bookkeeper to link to (``DecideMatch``). A query per 50
        family names and per 50 company names, as the sync's look-ups by name go."""
        creates = [op for op in ops if op.kind is Kind.CONTACT and op.action is Action.CREATE]
        names = {by: {n for op in creates if (n := op.body.get(by))} for by in ("FamilyName", "CompanyName")}
        alike: dict[tuple[str, ...], list[dict]] = {}
        for by, wanted in names.items():
            for customer in qbo_lists.customers_named_like(self.qbo, by, wanted) if wanted else []:
                alike.setdefault(name_key(customer), []).append(customer)
        return [self._said_alike(op, alike.get(name_key(op.body), [])) if op in creates else op for op in ops]

    @staticmethod
    def _said_alike(op: Op, customers: list[dict]) -> Op:
        others = [c for c in customers if c.get("DisplayName") != op.body.get("DisplayName")]
        if not others or op.code is Cause.CREATE_NAME_TAKEN:
            return op
        named = ", ".join(f"{c.get('DisplayName')} (Id {c['Id']})" for c in others[:5])
        reason = f"QuickBooks has customers of a like name: {named}; link it to one of them, or it is created anew"
        return replace(op, code=Cause.CREATE_LIKE_NAMED, reason=reason)

    def _after_earlier_creates(self, op: Op) -> Op:
        """An invoice create as QuickBooks takes it after the creates this cycle foresaw before it."""
        number = str(op.natural_ref or "")
        if number in self._numbers:
            return decisions.refuse_number(op, f"{self._numbers[number]} has it, and is created first")
        if number:
            self._numbers[number] = op.label
        return op


def name_key(customer: dict) -> tuple[str, ...]:
    """What makes two customers of a like name: a person's given and family names, or a
    company's name, without regard to case."""
    if customer.get("FamilyName"):
        return ("person", str(customer.get("GivenName") or "").casefold(), str(customer["FamilyName"]).casefold())
    return ("company", str(customer.get("CompanyName") or "").casefold())


def foreseen_outcome(op: Op, link: Link | None) -> Outcome:
    """What QuickBooks' answer to ``op`` is foreseen to leave on its ``link``: written as sent."""
    if op.action is Action.NONE:  # up to date: the link stays as it is
        return Outcome(LinkState(link.state) if link is not None else LinkState.SYNCED, link.reason if link else "")
    if op.action in WRITES:
        qbo_id = op.qbo_id or new_id(op.kind, op.clio_id)
        made_in = (currency.sent(op.body) or None) if op.kind is Kind.CONTACT else outcomes.KEEP
        return outcomes.synced(op, qbo_id, op.sync_token or "0", op.reason, currency=made_in)
    if op.action in RETIRES:
        state = LinkState.SYNCED if op.action is Action.VOID else LinkState.SKIPPED
        return Outcome(state, op.reason, fingerprint=op.action)
    return outcomes.planned(op)


def done_as(op: Op, outcome: Outcome) -> Done:
    """How a run's progress would count ``op``."""
    if outcome.state == LinkState.FAILED:
        return Done.FAILED
    if op.action is Action.CREATE:
        return Done.CREATED
    if op.action is Action.UPDATE or op.action in RETIRES:
        return Done.UPDATED
    return Done.UNWRITTEN


class DryCycle(Cycle):
    """A whole cycle of ``connection`` (every record Clio has changed since the watermarks; all
    of them before the first sync; and what Resync and webhooks marked for the next run, the
    marks left for it) planned and foreseen, nothing written: ``forecast``."""

    def __init__(
        self, connection: Connection, qbo: QuickBooks, clio: Clio, progress: Progress, *, spill_dir: Path
    ) -> None:
        super().__init__(connection, qbo, clio, progress, marks.waiting(connection), spill_dir=spill_dir)
        self.forecast = Forecast()
        self.links = Overlay(connection)
        self.effects = DryEffects(connection, qbo, clio, self.links, self.forecast)
        self.writer = DryWriter(connection, qbo, progress, self.links, self.forecast)
