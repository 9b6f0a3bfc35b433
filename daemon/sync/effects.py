"""What a cycle does to the store and to QuickBooks besides the writer's writes: settings
and facts noted on the connection, the one-time totals audit, recovery of pending links,
broken links, the items lines are written on, credits QuickBooks applied by itself,
watermarks. One object, so that a preview's cycle can swap it for one that reads the same
and writes nothing (design 19 §2), and plan exactly as a sync would."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store import events, leases, links
from billsync.daemon.store.models import Connection, LinkState
from billsync.daemon.sync import audit, broken, credits, outcomes, recovery, taxes
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.decisions import Op
from billsync.daemon.sync.items import ensure_items
from billsync.daemon.sync.taxes import TaxTreatment


class Effects:
    """The side effects of one connection's cycle, as a live sync performs them."""

    def __init__(self, connection: Connection, qbo: QuickBooks, clio: Clio) -> None:
        self.connection = connection
        self.qbo = qbo
        self.clio = clio

    def record_checks(self, checks: list[dict[str, Any]]) -> None:
        """Records QBO's settings checks on the connection (with an event when they changed)."""
        if checks != self.connection.qbo_checks:
            with leases.fenced(self.connection):  # a cycle taken over records nothing
                qbo_settings.record(self.connection, checks)

    def note_tax(self, tax: TaxTreatment) -> None:
        """Keeps where Clio's tax goes on the connection, with an activity entry when the
        company's sales tax setting decides it anew (a cycle taken over records nothing)."""
        if tax == self.connection.tax_treatment:
            return
        with leases.fenced(self.connection):
            Connection.update(tax_treatment=tax).where(Connection.id == self.connection.id).execute()
            events.record(self.connection, "settings.qbo_tax", taxes.DESCRIPTIONS[tax])
        self.connection.tax_treatment = tax

    def country(self) -> str:
        """The QBO company's country, read once (connections authorized before it was kept
        read it at their next run)."""
        if self.connection.qbo_country is None:
            country = qbo_settings.country(self.qbo)
            with leases.fenced(self.connection):
                Connection.update(qbo_country=country).where(Connection.id == self.connection.id).execute()
            self.connection.qbo_country = country
        return self.connection.qbo_country

    def audit_totals(self, tax: TaxTreatment) -> set[str]:
        """Clio ids of the bills whose invoices QuickBooks totals otherwise, checked once per
        connection (:mod:`billsync.daemon.sync.audit`); none once checked."""
        if self.connection.totals_checked_at is not None:
            return set()
        return audit.differing_invoices(self.connection, self.qbo, self.clio, tax)

    def resolve_pending(self) -> recovery.Resolution:
        return recovery.resolve_pending(self.connection, self.qbo)

    def detect_broken(self) -> None:
        broken.detect(self.connection, self.qbo)

    def ensure_items(self, wanted: dict[str, str]) -> dict[str, str]:
        return ensure_items(self.qbo, wanted)

    def withdraw_credits(self, ops: list[Op]) -> list[Op]:
        return credits.withdraw_applications(self.connection, self.qbo, ops)

    def undo_auto_applications(self, memo_ids: Iterable[str]) -> None:
        credits.undo_auto_applications(self.connection, self.qbo, memo_ids)

    def retire_vanished(self, unresolved: dict[str, set[str]], planned: set[tuple[str, str]]) -> None:
        """Retires the pending creates that QBO does not have (``unresolved``) and that this
        cycle could not plan again (not among ``planned``): Clio no longer returns their
        records (deleted before the create was confirmed), so nothing is left to create.
        Left pending, each would be looked up in QBO and Clio again every cycle, for ever."""
        outcomes.record(self.connection, vanished(self.connection, unresolved, planned))

    def advance(self, newest: dict[str, clio_reader.Mark], books: Books) -> None:
        """Moves every watermark past what this cycle read, and notes whether the company had
        multicurrency on (``Cycle.retry_in_currencies``) and its home currency. A create still
        pending does not hold one back: its link is remembered, and the next cycle looks it up
        in QBO and, not found there, reads its record from Clio by id (``Cycle.ids_to_plan``).
        Under the lease: a cycle taken over must not move a watermark past what its successor
        has yet to write."""
        with leases.fenced(self.connection):
            for resource, mark in newest.items():
                clio_reader.save_watermark(self.connection, resource, mark)
        qbo_settings.note_currencies(self.connection, books.home, books.multicurrency)


def vanished(
    connection: Connection, unresolved: dict[str, set[str]], planned: set[tuple[str, str]]
) -> list[tuple[Op, outcomes.Outcome]]:
    """The pending creates :meth:`Effects.retire_vanished` retires, each with its outcome."""
    reason = "Deleted in Clio before QuickBooks confirmed its creation; QuickBooks has none"
    return [
        (Op(kind, clio_id, link.label), outcomes.skipped(reason))
        for kind, ids in unresolved.items()
        for clio_id, link in links.load(connection, kind, ids).items()
        if link.state == LinkState.PENDING and (kind, clio_id) not in planned
    ]
