"""The trust part of a cycle: Clio's primary trust account as journal entries in QBO.

Each cycle with the trust sync on reads what changed in the account since its watermark
(:mod:`billsync.daemon.clio.trust`), finds the transactions deleted in Clio, names the
clients whose customers the liability lines need, and plans a journal entry per
transaction (:func:`billsync.daemon.sync.journal.plan_trust`); the cycle writes them after
the payments, through the same writer, with the same crash safety.

The first entry waits until the two ledgers agree: "If the ledgers for your primary trust
account in Clio and QuickBooks Online are balanced, you can start immediately syncing"
(Clio help, "Syncing Trust Transactions with QuickBooks Online"). Clio's side is the trust
balance before the first transaction to sync (the account's ``balance`` less the
transactions dated from the trust start date on, all of which this cycle holds); QBO's is
the trust liability account's balance, the negative of its ``CurrentBalance`` (QBO keeps
a debit balance positive: Intuit's Account reference shows Accounts Payable at −1,091.23;
*doubt*, sandbox/README "Journal entries"). Once one entry is in QuickBooks, the gate is
passed for good: later differences are the reconciliation report's to show.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from decimal import Decimal

from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.clio import trust as clio_trust
from billsync.daemon.clio.client import Clio
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store.models import Connection, Kind, Link
from billsync.daemon.sync import journal, planner
from billsync.daemon.sync.decisions import Op
from billsync.daemon.sync.journal import TrustAccounts
from billsync.daemon.sync.linkview import LinkView
from billsync.daemon.sync.mapping import ZERO, Record, money


class TrustSync:
    """What one cycle reads and plans of the trust account; ``on`` when the settings turn
    the trust sync on and the cycle reads everything (a webhook's targeted cycle does not)."""

    def __init__(self, connection: Connection, clio: Clio, *, on: bool) -> None:
        self.connection = connection
        self.clio = clio
        self.on = on
        #: The transactions to plan, by Clio id.
        self.records: dict[str, Record] = {}
        #: Clio ids of the transactions billsync knew that Clio no longer has.
        self.deleted: set[str] = set()
        #: The trust account's balance as Clio showed it this cycle.
        self.balance = Decimal("0.00")

    def accounts(self) -> TrustAccounts | None:
        """The QBO trust bank and liability accounts of the settings; None until both are chosen."""
        settings = self.connection.settings
        bank, liability = settings.get("trust_bank_account_id"), settings.get("trust_liability_account_id")
        return TrustAccounts(bank=bank, liability=liability) if bank and liability else None

    def read(self, watermarks: dict[str, clio_reader.Mark]) -> dict[str, clio_reader.Mark]:
        """Reads what changed in Clio's primary trust account and which of its transactions
        billsync knows were deleted; returns the trust watermark to save, named by the
        account (a mark is only valid for the same filter).

        Known transactions are those with a trust link not retired as deleted, whatever became
        of them (skipped ones included), and those read now: when Clio counts otherwise, the
        account's ids are listed to find the ones gone.
        """
        if not self.on:
            return {}
        account = clio_trust.primary(clio_trust.trust_accounts(self.clio))
        if account is None:
            return {}
        ledger = clio_trust.Ledger.of(account)
        self.balance = ledger.balance
        resource = f"{clio_trust.RESOURCE}:{ledger.account_id}"
        read, mark = clio_trust.read_transactions(self.clio, ledger.account_id, watermarks.get(resource))
        self.records = {str(t["id"]): t for t in read}
        known = {
            link.clio_id
            for link in Link.select(Link.clio_id, Link.reason).where(
                Link.connection == self.connection, Link.kind == Kind.TRUST
            )
            if not link.reason.startswith(planner.DELETED_IN_CLIO)
        } | set(self.records)
        if clio_trust.needs_sweep(ledger, len(known)):
            self.deleted = {str(i) for i in clio_trust.sweep(self.clio, ledger.account_id, known)}
        return {resource: mark}

    def fetch(self, again: set[str]) -> None:
        """Adds the transactions of ``again`` (waiting, pending, re-synced) not read yet."""
        missing = again - self.deleted - set(self.records)
        self.records |= {str(t["id"]): t for t in clio_trust.fetch(self.clio, missing)}

    def clients(self, again: set[str]) -> set[str]:
        """The Clio clients a trust transaction to write names: each needs its customer for
        the liability line, billed or not. The transactions of ``again`` are fetched for that."""
        if not self.on:
            return set()
        self.fetch(again)
        start = self.connection.settings.get("trust_start_date", "")
        return {
            str((t.get("client") or {}).get("id"))
            for t in self.records.values()
            if (t.get("client") or {}).get("id") and str(t.get("date") or "")[:10] >= start
        }

    def gate(self, qbo: QuickBooks) -> str:
        """Why the first journal entry waits (the two ledgers differ, both balances named),
        or "" (they agree, or an entry is already in QuickBooks): one Account read."""
        accounts = self.accounts()
        started = Link.select().where(
            Link.connection == self.connection, Link.kind == Kind.TRUST, Link.qbo_id.is_null(False), Link.qbo_id != ""
        )
        if accounts is None or started.exists():
            return ""
        start = self.connection.settings.get("trust_start_date", "")
        synced = sum(
            (money(t.get("amount")) for t in self.records.values() if str(t.get("date") or "")[:10] >= start), ZERO
        )
        clio = money(self.balance) - synced
        liability = -money(qbo.read("Account", accounts.liability).get("CurrentBalance"))
        if clio == liability:
            return ""
        before = f"before {start}" if start else "before its first transaction"
        return (
            f"Held until the trust ledgers agree: Clio's trust balance {before} is {clio}, the QuickBooks trust "
            f"liability is {liability}. Book the difference in QuickBooks (or choose another start date), then sync"
        )

    def plan(
        self, links: LinkView, *, force: set[str], currency: str, held: str = ""
    ) -> tuple[list[Op], dict[str, Link]]:
        """Journal entries for the transactions read and fetched (:meth:`fetch`, which
        :meth:`gate` needs first); deletes for those deleted in Clio; with ``held``, every entry
        waits (:meth:`gate`). Returns the ops and the links (of the cycle's ``links``) they were
        planned against."""
        records = sorted(self.records.values(), key=lambda t: t["id"])
        existing = links.load(Kind.TRUST, [*self.records, *self.deleted])
        customers = links.qbo_ids(Kind.CONTACT, [(t.get("client") or {}).get("id") for t in records])
        plan = functools.partial(
            journal.plan_trust,
            accounts=self.accounts(),
            start_date=self.connection.settings.get("trust_start_date", ""),
            account=self.connection.clio_account_id,
            currency=currency,
            held=held,
        )
        ops = [
            plan(
                t,
                existing.get(str(t["id"])),
                customer_id=customers.get(str((t.get("client") or {}).get("id"))),
                force=str(t["id"]) in force,
            )
            for t in records
        ]
        for clio_id in sorted(self.deleted, key=int):
            link = existing.get(clio_id)
            op = plan({"id": clio_id}, link, customer_id=None, deleted=True)
            ops.append(replace(op, label=link.label) if link is not None else op)
        return ops, existing
