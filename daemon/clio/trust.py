"""Clio's trust ledger: the trust account, what changed in it, and what was deleted from it.

Clio tells nobody about trust: its webhooks have no model for bank accounts or bank
transactions (``Webhook_base.model`` in Clio's OpenAPI document,
``shared/fixtures/clio/openapi.json``), so changes are found by polling. Edits and new
transactions come through ``updated_since`` as for bills (:func:`reader.read_changes`, with
the list filtered to one account). A deletion leaves nothing to read: ``DELETE
/bank_transactions/{id}.json`` answers 204 and the document has no soft deletion nor a
``deleted`` state. What a deletion changes is its account: ``balance``,
``bank_transactions_count`` and ``updated_at`` (and so its ETag). Hence, each cycle:

1. :func:`read_transactions` — what is new or edited;
2. :func:`ledger` — the account, asked with ``If-None-Match``: an unchanged account costs one
   empty 304;
3. :func:`needs_sweep` — when the count Clio shows differs from the number of the account's
   transactions the caller knows (every id it has seen there and not seen deleted, whatever
   it made of them), :func:`sweep` lists the account's ids (200 a request) and returns the
   known ones that are gone. Counts equal, no sweep: an idle cycle costs two requests.

A deletion and a creation between two reads leave the count as it was; the creation is read
on the next cycle, the caller's count goes up by one, Clio's does not, and the sweep runs then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from billsync.daemon.clio import reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.clio.reader import Mark, Record

RESOURCE = "bank_transactions"
#: What a trust transaction becomes in QBO needs: its amount's sign (``amount`` = ``funds_in``
#: − ``funds_out``; ``transaction_type`` and ``source`` take values Clio does not document, so
#: nothing relies on them), date, description, the client (the liability line's customer) and
#: matter, and the bill and allocation of a payment from trust (``BankTransaction_base`` and
#: its nested resources in Clio's OpenAPI document).
TRANSACTION_FIELDS = (
    "id,etag,bank_account_id,date,amount,funds_in,funds_out,transaction_type,source,description,confirmation,"
    "client{id,name},matter{id,display_number},bill{id,number},allocation{id},updated_at"
)
#: ``BankAccount_base``: ``type`` Operating or Trust, ``default_account``, and the ledger's state.
ACCOUNT_FIELDS = "id,etag,name,type,default_account,currency,balance,bank_transactions_count,updated_at"


@dataclass(frozen=True)
class Ledger:
    """A trust account as Clio last showed it.

    Attributes:
        account_id: the Clio bank account.
        etag: its ETag then, for the next ``If-None-Match``.
        balance: the money in it (Decimal), Clio's side of the balance gate.
        transactions: ``bank_transactions_count``.
        updated_at: ISO-8601, as Clio stamped it.
    """

    account_id: int
    etag: str
    balance: Decimal
    transactions: int
    updated_at: str

    @classmethod
    def of(cls, record: Record) -> Ledger:
        return cls(
            account_id=int(record["id"]),
            etag=record["etag"],
            balance=Decimal(str(record["balance"])),
            transactions=int(record["bank_transactions_count"]),
            updated_at=record["updated_at"],
        )


def trust_accounts(clio: Clio) -> list[Record]:
    """The firm's trust accounts (the list filter ``type=TrustAccount``), oldest first."""
    return list(clio.iterate("bank_accounts", ACCOUNT_FIELDS, type="TrustAccount"))


def primary(accounts: Iterable[Record]) -> Record | None:
    """The account Clio's own sync would take: the default trust account, else the first.
    Clio syncs "your primary trust account" only (Clio help, "Syncing Trust Transactions with
    QuickBooks Online")."""
    listed = list(accounts)
    return next((a for a in listed if a.get("default_account")), listed[0] if listed else None)


def read_transactions(clio: Clio, account_id: int, mark: Mark | None) -> tuple[list[Record], Mark]:
    """The account's transactions new or edited since ``mark`` (all without), and the next mark
    (to be saved once they are processed; see :mod:`reader`)."""
    return reader.read_changes(clio, RESOURCE, mark, fields=TRANSACTION_FIELDS, bank_account_id=account_id)


def ledger(clio: Clio, account_id: int, last: Ledger | None) -> Ledger:
    """The account now: ``last`` itself when Clio answers that it has not changed (304)."""
    record = clio.get_if_changed("bank_accounts", account_id, ACCOUNT_FIELDS, last.etag if last else None)
    if record is None:  # 304 Not Modified: the answer to the ETag of ``last`` only
        assert last is not None
        return last
    return Ledger.of(record)


def needs_sweep(current: Ledger, known: int) -> bool:
    """Whether some known transaction may be gone: Clio counts other than the caller's ``known``
    (ids seen in the account, creates just read included, deletions already found excluded)."""
    return current.transactions != known


def sweep(clio: Clio, account_id: int, known: Iterable[int]) -> set[int]:
    """Of ``known`` transaction ids, those the account no longer lists: deleted in Clio."""
    listed = {int(r["id"]) for r in clio.iterate(RESOURCE, "id", bank_account_id=account_id)}
    return {int(i) for i in known} - listed


def fetch(clio: Clio, ids: Iterable[str | int]) -> list[Record]:
    """Transactions by id, however many, in requests of 200; a deleted one is not returned."""
    wanted = sorted({int(i) for i in ids})
    found: list[Record] = []
    for i in range(0, len(wanted), reader.IDS_PER_REQUEST):
        found += clio.iterate(RESOURCE, TRANSACTION_FIELDS, **{"ids[]": wanted[i : i + reader.IDS_PER_REQUEST]})
    return found
