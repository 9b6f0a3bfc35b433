"""The trust reconciliation report: per client, Clio's trust balance beside the QuickBooks
trust liability, and where they part.

Law firms reconcile trust three ways (bank, trust ledger, client ledgers); a journal entry
edited or added by hand in QuickBooks makes a client's liability there differ from their
trust balance in Clio without anything failing. The report reads both sides as they are
now: Clio's primary trust account's transactions, summed per client (``amount`` is
``funds_in`` − ``funds_out``, Clio's OpenAPI document ``BankTransaction_base``), and every
journal entry of the company, its lines on the trust liability account summed per customer
(credits less debits, a liability's increase), whoever made them. A customer is a Clio
client through its link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from billsync.daemon.clio import trust as clio_trust
from billsync.daemon.clio.client import Clio
from billsync.daemon.errors import FailedPrecondition
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store.models import Connection, Kind, Link
from billsync.daemon.sync.mapping import ZERO, Record, money


@dataclass(frozen=True)
class ClientBalance:
    """One client's trust money in each ledger. ``clio_client_id`` is empty for a QuickBooks
    customer no Clio client is linked to; ``qbo_customer_id`` for a client without one."""

    clio_client_id: str
    qbo_customer_id: str
    name: str
    clio: Decimal
    qbo: Decimal

    @property
    def difference(self) -> Decimal:
        return self.clio - self.qbo


def clio_balances(transactions: Iterable[Record]) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Each client's trust balance, and their names, from the trust account's transactions."""
    balances: dict[str, Decimal] = defaultdict(Decimal)
    names: dict[str, str] = {}
    for transaction in transactions:
        client = transaction.get("client") or {}
        if client.get("id") is not None:
            balances[str(client["id"])] += money(transaction.get("amount"))
            names[str(client["id"])] = str(client.get("name") or "")
    return dict(balances), names


def qbo_balances(entries: Iterable[Record], liability_account_id: str) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Each customer's trust liability, and their names, from the journal entries' lines on
    the liability account."""
    balances: dict[str, Decimal] = defaultdict(Decimal)
    names: dict[str, str] = {}
    for entry in entries:
        for line in entry.get("Line") or []:
            detail = line.get("JournalEntryLineDetail") or {}
            if str((detail.get("AccountRef") or {}).get("value")) != liability_account_id:
                continue
            customer = (detail.get("Entity") or {}).get("EntityRef") or {}
            sign = 1 if detail.get("PostingType") == "Credit" else -1
            balances[str(customer.get("value") or "")] += sign * money(line.get("Amount"))
            names[str(customer.get("value") or "")] = str(customer.get("name") or "")
    return dict(balances), names


def rows(
    clio: Mapping[str, Decimal],
    qbo: Mapping[str, Decimal],
    client_of: Mapping[str, str],
    names: Mapping[str, str],
) -> list[ClientBalance]:
    """Every client with money in either ledger, the largest difference first, then by name.
    ``client_of`` maps a QuickBooks customer to its Clio client; ``names`` names both."""
    customer_of = {client: customer for customer, client in client_of.items()}
    found = [
        ClientBalance(
            client,
            customer_of.get(client, ""),
            names.get(client, ""),
            clio.get(client, ZERO),
            qbo.get(customer_of.get(client, ""), ZERO),
        )
        for client in set(clio) | {client_of[c] for c in qbo if c in client_of}
    ]
    found += [ClientBalance("", c, names.get(c, ""), ZERO, qbo[c]) for c in qbo if c not in client_of]
    return sorted(
        (row for row in found if row.clio or row.qbo),
        key=lambda row: (-abs(row.difference), row.name.casefold(), row.clio_client_id),
    )


def report(connection: Connection, qbo: QuickBooks, clio: Clio) -> list[ClientBalance]:
    """The report as both ledgers are now: the trust account's transactions (200 a request)
    and the company's journal entries (1,000 a request)."""
    liability = str(connection.settings.get("trust_liability_account_id") or "")
    if not connection.settings.get("trust_enabled") or not liability:
        raise FailedPrecondition("the trust sync is off: turn it on and choose its accounts in the settings first")
    account = clio_trust.primary(clio_trust.trust_accounts(clio))
    if account is None:
        raise FailedPrecondition("Clio has no trust account")
    transactions, _ = clio_trust.read_transactions(clio, int(account["id"]), None)
    clio_side, clio_names = clio_balances(transactions)
    qbo_side, qbo_names = qbo_balances(qbo.query("select * from JournalEntry"), liability)
    client_of = {
        link.qbo_id: link.clio_id
        for link in Link.select(Link.qbo_id, Link.clio_id).where(
            Link.connection == connection, Link.kind == Kind.CONTACT, Link.qbo_id.in_(list(qbo_side))
        )
    }
    return rows(clio_side, qbo_side, client_of, {**qbo_names, **clio_names})
