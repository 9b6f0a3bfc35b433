"""One sync cycle of one connection, in dependency order.

1. Read QBO Preferences (one call): while invoice numbers cannot be trusted, invoices hold.
2. Resolve pending links left by a crash or a lost answer (``recovery``), and find links
   broken in QBO through Change Data Capture (``broken``).
3. Read Clio changes since the watermarks, plus the records that must be planned again:
   pending creates not found in QBO, waiting records whose dependency is now synced,
   and what an admin asked to re-sync.
4. Plan and write contacts → invoices → credit notes → payments and credit applications →
   trust transactions (journal entries), when the trust sync is on.
5. Advance each watermark only when no write it covers is still pending.

What a cycle reads of Clio waits on disk (``clio.spill``), and each kind is planned and
written :data:`CHUNK` records at a time: memory follows the chunk, not the size of the firm
or of the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from billsync.daemon.clio import lines as clio_lines
from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.clio.spill import Spill
from billsync.daemon.qbo import lists as qbo_lists
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.client import QuickBooks, quote
from billsync.daemon.store import marks
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import DEFAULT_SETTINGS, Choice, Connection, Kind, Link, LinkState
from billsync.daemon.sync import credits, currency, decisions, mapping, pins, planner, recovery, taxes
from billsync.daemon.sync.causes import Cause, Why
from billsync.daemon.sync.decisions import SETTINGS_DEPENDENCY, TRUST_DEPENDENCY, Action, Op
from billsync.daemon.sync.effects import Effects
from billsync.daemon.sync.linkview import LinkView
from billsync.daemon.sync.mapping import Record
from billsync.daemon.sync.progress import Progress
from billsync.daemon.sync.taxes import TaxKey, TaxTreatment
from billsync.daemon.sync.trust import TrustSync
from billsync.daemon.sync.writer import Writer

#: Records planned and written at once, of one kind.
CHUNK = 1000
T = TypeVar("T")


def chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def written(link: Link | None) -> bool:
    """Whether the record was ever written to QuickBooks (its link has an object, even one
    deleted there since): what was decided about it is then done with (``sync.pins``)."""
    return link is not None and bool(link.qbo_id)


@dataclass(frozen=True)
class Customer:
    """What a document's plan takes of its QBO customer: its Id (None: none yet) and the
    currency it is in ("": none yet)."""

    qbo_id: str | None
    currency: str


class Cycle:
    """Everything one run does. ``marked`` names records (kind → Clio ids) to push again
    (forced) or to read by id (hinted by a webhook, ``store.marks``). A ``targeted`` cycle
    reads only those, by id, and moves no watermark: what a webhook asks for costs a few
    requests, and the periodic full read stays the safety net (``scheduler``)."""

    def __init__(
        self,
        connection: Connection,
        qbo: QuickBooks,
        clio: Clio,
        progress: Progress,
        marked: marks.Taken | None = None,
        *,
        spill_dir: Path,
        targeted: bool = False,
    ) -> None:
        self.connection = connection
        self.spill_dir = spill_dir
        self.qbo = qbo
        self.clio = clio
        self.progress = progress
        marked = marked or marks.Taken()
        self.force = marked.forced
        self.hinted = marked.hinted
        self.targeted = targeted
        self.writer = Writer(connection, qbo, progress.done)
        #: The links this cycle reads, and the side effects it has besides the writer's.
        self.links = LinkView(connection)
        self.effects = Effects(connection, qbo, clio)
        self.start_date = connection.settings.get("start_date", "")
        #: The QBO item of each ``item_mapping`` kind this cycle needed so far.
        self._item_ids: dict[str, str] = {}
        #: (kind, Clio id) of every op this cycle planned of a pending create QBO does not have.
        self.planned: set[tuple[str, str]] = set()
        #: QBO ids of the credit memos this cycle created, which QBO may have applied by itself,
        #: until the first payments planned undo that.
        self.memos_created: set[str] = set()
        #: Trust transactions read this cycle by Clio id, and the ids found deleted in Clio.
        self.trust = TrustSync(connection, clio, on=bool(connection.settings.get("trust_enabled")) and not targeted)

    def steps(self) -> Iterator[float]:
        """The cycle as steps: it yields after each Clio read and each round of writes, so
        that connections take turns to work (see ``scheduler``). Each
        yield is the seconds to wait before the next step: QBO's limits for this realm."""
        self.records = Spill(self.spill_dir)
        try:
            yield from self._steps()
        finally:
            self.records.close()

    def _steps(self) -> Iterator[float]:
        preferences = self.qbo.preferences()
        self.checks = qbo_settings.read_checks(preferences)
        self.effects.record_checks(self.checks)
        self.tax = taxes.treatment(
            preferences, self.effects.country(), as_line=bool(self.connection.settings.get("tax_as_line"))
        )
        self.currency = qbo_settings.home_currency(preferences)
        self.books = currency.Books(self.currency, qbo_settings.multicurrency(preferences))
        self.retry_in_currencies()
        self.effects.note_tax(self.tax)
        #: The tax codes mapped in the settings, where the company taxes by codes.
        self.codes = (
            taxes.mapped_codes(self.connection.settings.get("tax_codes") or {}, qbo_lists.read_tax_codes(self.qbo))
            if self.tax is TaxTreatment.TAX_CODES
            else {}
        )
        tax_held = taxes.held(self.tax, self.codes)
        self.tax_held = Why(Cause.WAIT_TAX_CODES, tax_held) if tax_held else None
        if differ := self.effects.audit_totals(self.tax):
            self.force = {**self.force, Kind.INVOICE: self.force.get(Kind.INVOICE, set()) | differ}
        self.pending = self.effects.resolve_pending()
        self.again: dict[str, set[str]] = {}
        for kind, ids in [*self.pending.adopted.items(), *self.pending.unresolved.items(), *self.force.items()]:
            self.again.setdefault(kind, set()).update(ids)
        self.effects.detect_broken()
        watermarks = clio_reader.watermarks(self.connection)
        newest: dict[str, clio_reader.Mark] = {}
        if not self.targeted:
            for resource in clio_reader.FIELDS:
                newest[resource] = clio_reader.read_pages(
                    self.clio, resource, watermarks.get(resource), lambda page, r=resource: self.keep(r, page)
                )
                yield 0.0
            clio_lines.build(self.clio, self.connection, watermarks)
            newest[clio_lines.INDEX] = newest["line_items"]
            newest |= self.trust.read(watermarks)
        # What webhooks named is read by id and taken as changed: a contact is then written
        # only if it is linked or billed, as any changed contact.
        self.fetch("contacts", self.hinted.get(Kind.CONTACT, set()))
        self.fetch("bills", self.hinted.get(Kind.INVOICE, set()))
        complete_lines = "line_items" not in watermarks
        # Bills whose lines changed are written again (their lines are read in full then).
        self.fetch(
            "bills", self.ids_to_plan(Kind.INVOICE) | (set() if complete_lines else self.records.bill_ids_of_lines())
        )
        self.fetch("credit_memos", self.ids_to_plan(Kind.CREDIT_MEMO))
        self.fetch("allocations", self.ids_to_plan(Kind.PAYMENT))
        bills = self.records.ids("bills")
        yield 0.0
        yield from self.sync_contacts(
            again=self.ids_to_plan(Kind.CONTACT), trust_clients=self.trust.clients(self.ids_to_plan(Kind.TRUST))
        )
        yield from self.sync_invoices(bills, complete_lines=complete_lines)
        # Bills waiting on contacts written just now (a create decided late, once no earlier
        # daemon's write could still land) follow at once.
        if late := self.records.missing("bills", self.ready_waiting(Kind.INVOICE)):
            self.fetch("bills", late)
            yield from self.sync_invoices(sorted(late), complete_lines=False)
        # Credit notes and payments waiting on what was written just now (a re-sync, a lifted
        # hold) follow at once.
        self.fetch("credit_memos", self.ids_to_plan(Kind.CREDIT_MEMO))
        yield from self.sync_credit_memos(self.records.ids("credit_memos"))
        self.fetch("allocations", self.ids_to_plan(Kind.PAYMENT))
        yield from self.sync_allocations(self.records.ids("allocations"))
        if self.trust.on:
            self.trust.fetch(self.ids_to_plan(Kind.TRUST))  # those ready only now, too
            ops, existing = self.trust.plan(
                self.links,
                force=self.force.get(Kind.TRUST, set()),
                currency=self.currency,
                held=self.trust.gate(self.qbo),
            )
            yield from self.write(self.adopt_marked(Kind.TRUST, ops), existing)
        self.effects.retire_vanished(self.pending.unresolved, self.planned)
        self.effects.advance(newest, self.books)

    def ids_to_plan(self, kind: Kind) -> set[str]:
        """Records of ``kind`` to plan whatever Clio says changed: pending creates not found
        in QBO, re-syncs asked for, and waiting records whose dependency is ready now."""
        return self.again.get(kind, set()) | self.ready_waiting(kind)

    # --- settings and what to plan again --------------------------------------------

    def retry_in_currencies(self) -> None:
        """Plans again, in this cycle, every item failed for its currency once QuickBooks has
        multicurrency on where the last cycle to end saw it off: a client billed in another
        currency may have a customer now, and its documents be booked. The change is noted when
        the cycle ends (``Effects.advance``), so one cut short leaves it for the next."""
        if not self.books.multicurrency or self.connection.multicurrency:
            return
        for kind, ids in self.links.failed_with(currency.CURRENCY).items():
            self.force = {**self.force, kind: self.force.get(kind, set()) | ids}

    def held(self, kind: Kind) -> Why | None:
        """Why settings hold records of ``kind`` back: QBO's, or the tax codes not mapped."""
        if reason := qbo_settings.held(self.checks, kind):
            return Why(Cause.WAIT_SETTINGS, reason)
        return self.tax_held if kind in (Kind.INVOICE, Kind.CREDIT_MEMO) else None

    def ready_waiting(self, kind: Kind) -> set[str]:
        """Waiting records of ``kind`` whose dependency is synced now (or whose settings hold lifted)."""
        waits_for = self.links.waiting(kind)
        wanted: dict[str, set[str]] = {}
        for dependency in waits_for.values():
            if dependency not in (SETTINGS_DEPENDENCY, TRUST_DEPENDENCY):
                wanted.setdefault(dependency.kind, set()).add(dependency.clio_id)
        synced = {DependencyKey(k, i) for k, ids in wanted.items() for i in self.links.qbo_ids(k, ids)}
        return {
            clio_id
            for clio_id, dependency in waits_for.items()
            if dependency in synced
            or (dependency == SETTINGS_DEPENDENCY and not self.held(kind))
            or (dependency == TRUST_DEPENDENCY and self.trust.accounts() is not None)
        }

    def keep(self, resource: str, page: list[Record]) -> None:
        """Keeps a page of what the cycle read of ``resource`` until it is planned; the bill
        of each line, before the line watermark can move (``clio.lines``)."""
        if resource == "line_items":
            clio_lines.index(self.connection, page)
        self.records.add(resource, page)

    def fetch(self, resource: str, ids: Iterable[str | int]) -> None:
        """Reads from Clio, by id, those of ``ids`` this cycle has not read yet."""
        self.records.add(resource, clio_reader.fetch(self.clio, resource, self.records.missing(resource, ids)))

    def lines(self, bills: dict[int, Record], *, complete: bool) -> dict[int, list[Record]]:
        """Every line of each of ``bills``: as read, when the read of lines was ``complete``
        (the first); else read by id (``clio.lines``), for the bills to write."""
        read = self.records.lines_of(bills)
        if complete:
            return read
        writable = {b: bill for b, bill in bills.items() if bill.get("state") in mapping.ISSUED_STATES}
        return clio_lines.of(self.clio, self.connection, writable, read)

    # --- the four kinds -----------------------------------------------------------------

    def billed_contacts(self) -> set[str]:
        """The Clio ids of the contacts of what this cycle read to sync: the clients of bills
        it writes, the contacts of credit notes and payments."""
        needed = {
            str((b.get("client") or {}).get("id"))
            for b in self.records.each("bills")
            if mapping.why_skipped(b, self.start_date) is None
        }
        for resource in ("credit_memos", "allocations"):
            needed |= {str((r.get("contact") or {}).get("id")) for r in self.records.each(resource)}
        needed.discard("None")
        return needed

    def sync_contacts(self, *, again: set[str], trust_clients: set[str] = frozenset()) -> Iterator[float]:
        """Contacts billed on what syncs now or named by trust transactions to write, and
        renamed contacts already linked."""
        needed = self.billed_contacts() | again | trust_clients
        changed = {str(i) for i in self.records.ids("contacts")}
        linked = {i for chunk in chunks(sorted(changed)) for i in self.links.load(Kind.CONTACT, chunk)}
        yield from self.in_chunks(
            Kind.CONTACT,
            sorted(needed | linked, key=int),
            lambda chunk: self.sync_contacts_among(chunk, changed=changed, again=again),
        )

    def sync_contacts_among(self, ids: Sequence[str], *, changed: set[str], again: set[str]) -> Iterator[float]:
        """:meth:`sync_contacts`, for the contacts of ``ids``."""
        existing = self.links.load(Kind.CONTACT, ids)
        self.fetch(
            "contacts",
            {
                i
                for i in ids
                if i not in changed and (i not in existing or existing[i].state != LinkState.SYNCED or i in again)
            },
        )
        records = list(self.records.get("contacts", [int(i) for i in ids]).values())
        taken = self.customers_named(records)
        decided = self.links.pins(Kind.CONTACT, [c["id"] for c in records if not written(existing.get(str(c["id"])))])
        wanted = {pin.qbo_id for pin in decided.values() if pin.choice == Choice.MATCH}
        chosen = self.qbo.read_many("Customer", wanted) if wanted else {}
        linked = self.links.linked_qbo_ids(Kind.CONTACT, [c["Id"] for c in taken.values()] + sorted(wanted))
        force = self.force.get(Kind.CONTACT, set())
        ops = planner.plan_contacts(
            records,
            existing,
            taken=taken,
            # A customer chosen for a contact is adopted by no other, whichever this cycle plans.
            linked_ids=linked | self.links.chosen(Kind.CONTACT),
            account=self.connection.clio_account_id,
            force=force,
            books=self.books,
            anew={i for i, pin in decided.items() if pin.choice == Choice.CREATE},
        )
        yield from self.write(pins.contacts(ops, decided, chosen, linked=linked, books=self.books), existing)

    def customers_named(self, contacts: list[Record]) -> dict[str, Record]:
        """QBO customers already holding any name these contacts could take, by lower-cased name."""
        names = set()
        for contact in contacts:
            try:
                name = mapping.display_name(contact)
            except mapping.Invalid:
                continue
            names |= {name, mapping.disambiguated(name, contact["id"])}
        found: dict[str, Record] = {}
        ordered = sorted(names)
        for i in range(0, len(ordered), recovery.IN_LIST):
            values = ", ".join(quote(n) for n in ordered[i : i + recovery.IN_LIST])
            # Inactive customers too: their names are taken as well (QuickBooks refuses them, 6240).
            query = f"select * from Customer where DisplayName in ({values}) and Active in (true, false)"
            for customer in self.qbo.query(query):
                found[customer["DisplayName"].lower()] = customer
        return found

    def item_ids(self, *, taxed: bool = False) -> dict[str, str]:
        """QBO item ids for each Clio line kind, and for Clio's tax when ``taxed`` records are
        to be written and it goes on a line; the mapped Service items are made if missing."""
        mapped = {**DEFAULT_SETTINGS["item_mapping"], **self.connection.settings.get("item_mapping", {})}
        if not (taxed and self.tax is TaxTreatment.TAX_LINE):
            del mapped[mapping.TAX_ITEM]
        if wanted := {kind: name for kind, name in mapped.items() if kind not in self._item_ids}:
            self._item_ids |= self.effects.ensure_items(wanted)
        return {kind: self._item_ids[kind] for kind in mapped}

    def in_chunks(
        self, kind: Kind, ids: Sequence[T], sync_chunk: Callable[[Sequence[T]], Iterator[float]]
    ) -> Iterator[float]:
        """Plans and writes the records of ``kind`` of ``ids`` a chunk at a time, with
        ``sync_chunk``. The run's progress counts every one of them to plan from the start,
        and what was planned of each chunk once it is (``write``)."""
        self.progress.planned(kind, len(ids))
        for chunk in chunks(ids):
            self.progress.planned(kind, -len(chunk))
            yield from sync_chunk(chunk)

    def sync_invoices(self, ids: Sequence[int], *, complete_lines: bool) -> Iterator[float]:
        """Writes the bills of ``ids`` as invoices."""

        def sync_chunk(chunk: Sequence[int]) -> Iterator[float]:
            bills = self.records.get("bills", chunk)
            return self.sync_bills(bills, self.lines(bills, complete=complete_lines))

        yield from self.in_chunks(Kind.INVOICE, ids, sync_chunk)

    def sync_bills(self, bills: dict[int, Record], lines: dict[int, list[Record]]) -> Iterator[float]:
        records = list(bills.values())
        existing = self.links.load(Kind.INVOICE, [b["id"] for b in records])
        customers = self.customers(records, "client")
        eligible = [b for b in records if mapping.why_skipped(b, self.start_date) is None]
        held = self.held(Kind.INVOICE)
        items = self.item_ids(taxed=any(mapping.tax_of(b) for b in eligible)) if eligible and not held else {}
        force = self.force.get(Kind.INVOICE, set())
        ops = [
            planner.plan_bill(
                b,
                existing.get(str(b["id"])),
                lines=lines.get(b["id"]),
                customer_id=customers[b["id"]].qbo_id,
                customer_currency=customers[b["id"]].currency,
                item_ids=items,
                start_date=self.start_date,
                held=held,
                account=self.connection.clio_account_id,
                tax=self.tax,
                codes=self.codes,
                books=self.books,
                force=str(b["id"]) in force,
            )
            for b in records
        ]
        yield from self.write(self.decided_invoices(self.adopt_marked(Kind.INVOICE, ops), existing), existing)

    def decided_invoices(self, ops: list[Op], existing: dict[str, Link]) -> list[Op]:
        """``ops`` with the decisions about bills not yet in QuickBooks honoured (``sync.pins``)."""
        decided = self.links.pins(Kind.INVOICE, [op.clio_id for op in ops if not written(existing.get(op.clio_id))])
        if not decided:
            return ops
        wanted = {pin.qbo_id for pin in decided.values() if pin.choice == Choice.MATCH}
        chosen = self.qbo.read_many("Invoice", wanted) if wanted else {}
        return pins.invoices(ops, decided, chosen, linked=self.links.linked_qbo_ids(Kind.INVOICE, wanted))

    def sync_credit_memos(self, ids: Sequence[int]) -> Iterator[float]:
        yield from self.in_chunks(
            Kind.CREDIT_MEMO, ids, lambda chunk: self.sync_memos(list(self.records.get("credit_memos", chunk).values()))
        )

    def sync_memos(self, records: list[Record]) -> Iterator[float]:
        existing = self.links.load(Kind.CREDIT_MEMO, [m["id"] for m in records])
        customers = self.customers(records, "contact")
        item = self.item_ids().get("Service") if records else None
        force = self.force.get(Kind.CREDIT_MEMO, set())
        ops = [
            planner.plan_credit_memo(
                m,
                existing.get(str(m["id"])),
                customer_id=customers[m["id"]].qbo_id,
                customer_currency=customers[m["id"]].currency,
                item_id=item,
                account=self.connection.clio_account_id,
                books=self.books,
                held=self.tax_held,
                untaxed=self.codes.get(TaxKey.NONE),
                force=str(m["id"]) in force,
            )
            for m in records
        ]
        ops = self.adopt_marked(Kind.CREDIT_MEMO, ops)
        yield from self.write(self.effects.withdraw_credits(ops), existing)
        created = [op.clio_id for op in ops if op.action is Action.CREATE]
        self.memos_created |= set(self.links.qbo_ids(Kind.CREDIT_MEMO, created).values())

    def sync_allocations(self, ids: Sequence[int]) -> Iterator[float]:
        yield from self.in_chunks(
            Kind.PAYMENT, ids, lambda chunk: self.sync_payments(list(self.records.get("allocations", chunk).values()))
        )

    def sync_payments(self, records: list[Record]) -> Iterator[float]:
        existing = self.links.load(Kind.PAYMENT, [a["id"] for a in records])
        invoices = self.links.load(Kind.INVOICE, [(a.get("bill") or {}).get("id") for a in records])
        customers = self.customers(records, "contact")
        parents = [a.get("parent") or {} for a in records]
        memo_ids = [p.get("id") for p in parents if p.get("type") == "CreditMemo"]
        memos = self.links.qbo_ids(Kind.CREDIT_MEMO, memo_ids)
        withdrawn = {
            clio_id
            for clio_id, link in self.links.load(Kind.CREDIT_MEMO, memo_ids).items()
            if link.fingerprint == Action.WITHDRAW
        }
        force = self.force.get(Kind.PAYMENT, set())
        cards = any(a.get("payment_type") == mapping.CARD_PAYMENT for a in records)
        card_method = qbo_lists.card_method(self.qbo) if cards else None
        deposit_to = self.connection.settings.get("deposit_account_id", "")
        abroad = any(self.books.foreign(customer.currency) for customer in customers.values())
        deposit_currency = qbo_lists.account_currency(self.qbo, deposit_to) if deposit_to and abroad else ""
        ops = [
            planner.plan_allocation(
                a,
                existing.get(str(a["id"])),
                customer_id=customers[a["id"]].qbo_id,
                customer_currency=customers[a["id"]].currency,
                invoice=invoices.get(str((a.get("bill") or {}).get("id"))),
                credit_memo_id=memos.get(str((a.get("parent") or {}).get("id"))),
                account=self.connection.clio_account_id,
                books=self.books,
                deposit_account_id=deposit_to,
                deposit_account_currency=deposit_currency,
                card_method=card_method,
                credit_memo_withdrawn=str((a.get("parent") or {}).get("id")) in withdrawn,
                force=str(a["id"]) in force,
            )
            for a in records
        ]
        ops = self.adopt_marked(Kind.PAYMENT, ops)
        # What QBO applied by itself goes before the credits are applied where Clio applied them.
        self.effects.undo_auto_applications(self.memos_created | credits.applied_memos(ops))
        self.memos_created = set()
        yield from self.write(ops, existing)

    def customers(self, records: list[Record], field: str) -> dict[Any, Customer]:
        """The customer of each record's contact (its ``field``, a reference to a Clio contact),
        by the record's id."""
        contact_ids = {r["id"]: str((r.get(field) or {}).get("id")) for r in records}
        synced = self.links.synced(Kind.CONTACT, contact_ids.values())
        return {
            record_id: Customer(link.qbo_id, link.currency or self.books.home) if link else Customer(None, "")
            for record_id, link in ((i, synced.get(c)) for i, c in contact_ids.items())
        }

    def adopt_marked(self, kind: Kind, ops: list[Op]) -> list[Op]:
        """The creates among ``ops`` whose objects QBO already holds with their markers, made
        updates of those objects (``decisions.adopt_marked``): a purge deleted the links, not the
        objects; and the invoice creates whose number another QBO invoice has, failed before they
        are sent (``decisions.number_taken``). Only creates are looked up, 50 natural keys a
        query, so a cycle that creates nothing asks QBO nothing more."""
        creates = {op.clio_id: op.natural_ref for op in ops if op.action is Action.CREATE}
        if not creates:
            return ops
        found = recovery.find_marked(self.qbo, kind, creates, account=self.connection.clio_account_id)
        ops = [decisions.adopt_marked(op, found.marked[op.clio_id]) if op.clio_id in found.marked else op for op in ops]
        if kind is Kind.INVOICE:
            renumbered = {op.qbo_id: op.natural_ref for op in ops if op.action is Action.UPDATE}
            ops = [
                decisions.number_taken(op, found.by_key.get(op.natural_ref or "", []), renumbered=renumbered)
                for op in ops
            ]
        return ops

    def write(self, ops: list[Op], existing: dict[str, Link]) -> Iterator[float]:
        """Writes ``ops``, but none of a create that an earlier claim may still be landing
        (``recovery``): whatever the plan, its link decides once that create is found or
        known missing."""
        ops = [op for op in ops if op.clio_id not in self.pending.in_flight.get(op.kind, set())]
        self.planned.update(
            (op.kind, op.clio_id) for op in ops if op.clio_id in self.pending.unresolved.get(op.kind, ())
        )
        if ops:
            self.progress.planned(ops[0].kind, len(ops))
            yield from self.writer.apply(ops, existing)
