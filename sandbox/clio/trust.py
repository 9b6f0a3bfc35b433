"""Acting as a Clio user on the firm's trust ledger: the trust activity Clio's QuickBooks
Online integration syncs, applied to the store.

Clio's help centre lists what its trust sync pushes ("How does the QuickBooks trust
accounting sync work", support.clio.com/hc/en-us/articles/115004791433; "Syncing trust
transactions with QuickBooks Online", …/115001166834): manual additions and disbursements
of trust funds, matter-to-matter transfers, payments made to trust requests, payments on
bills from a trust account, and edits to any of these. Each function here makes one of
them as bank transactions (``GET /api/v4/bank_transactions.json``), moves the account's
``balance`` and ``bank_transactions_count``, and stamps ``updated_at`` so ``updated_since``
sees it. Clio has no webhook for bank transactions (the document's ``Webhook_base.model``
enum has none), so none fires.

Two rules of Clio's are kept: a transfer between matters stays within one client ("This
process will only work if both Matters are listed under the same Client contact", Clio help
"How to Transfer Funds Matter to Matter"), and no ledger is overdrawn. A transaction made
by a payment is changed through its payment (void the allocation), not directly.

Clio's OpenAPI document has ``DELETE /bank_transactions/{id}.json`` (204) and documents
no soft deletion for bank transactions, so a deleted one is gone from the list and its
``show`` answers 404; what a reader still sees is its account's balance, count and
``updated_at``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from billsync.sandbox.clio import actions, records
from billsync.sandbox.clio.billing import ZERO
from billsync.sandbox.clio.errors import bad_request
from billsync.sandbox.clio.store import Record, Store

#: ``matter_id`` left out of a request: the client's matter.
CLIENT_MATTER = object()


def _trust_account(store: Store, data: Mapping[str, Any]) -> Record:
    """``data["bank_account_id"]``, which must be a trust account; default: the firm's first."""
    if "bank_account_id" in data:
        account = actions.get_record(store, "bank_accounts", int(data["bank_account_id"]), "BankAccount")
        if account["type"] != "Trust":
            raise bad_request(f"Bank account {account['id']} is not a trust account")
        return account
    for account_id in store["bank_accounts"].ids:
        account = store["bank_accounts"].records[account_id]
        if account["type"] == "Trust":
            return account
    raise bad_request("The firm has no trust account")


def _client_and_matter(store: Store, data: Mapping[str, Any], key: str = "matter_id") -> tuple[int, int | None]:
    """The client ``data["client_id"]`` and one of its matters (``key``: its id, null for the
    client level, absent for the client's one matter)."""
    if "client_id" not in data:
        raise bad_request("client_id is required")
    client_id = actions.get_record(store, "contacts", int(data["client_id"]), "Contact")["id"]
    return client_id, _matter_of(client_id, data.get(key, CLIENT_MATTER))


def _matter_of(client_id: int, value: Any) -> int | None:
    if value is CLIENT_MATTER:
        return client_id
    if value is None:
        return None
    matter_id = int(value)
    if matter_id != client_id:
        # The emulator's matter of a client has the client's id (synthesized.matter).
        raise bad_request(f"Matter {matter_id} is not a matter of client {client_id}")
    return matter_id


def _positive(data: Mapping[str, Any]) -> Decimal:
    if "amount" not in data:
        raise bad_request("amount is required")
    amount = actions.parse_money(data["amount"], "amount")
    if amount <= ZERO:
        raise bad_request(f"amount must be positive, got {amount}")
    return amount


def _on(store: Store, data: Mapping[str, Any]) -> date:
    try:
        return date.fromisoformat(data.get("date") or store.now().date().isoformat())
    except ValueError:
        raise bad_request(f"date must be an ISO-8601 date, got {data.get('date')!r}") from None


def held(store: Store, account_id: int, client_id: int, matter_id: Any = CLIENT_MATTER) -> Decimal:
    """What ``client_id`` holds in the account: all of it, or only in one matter's ledger
    (``matter_id``; None for the client level)."""
    total = ZERO
    for transaction in store["bank_transactions"].referring("client", client_id):
        if transaction["bank_account_id"] != account_id:
            continue
        if matter_id is CLIENT_MATTER or (transaction.get("matter") or {}).get("id") == matter_id:
            total += transaction["amount"]
    return total


def _check_covers(store: Store, account: Record, client_id: int, matter_id: int | None, amount: Decimal) -> None:
    available = held(store, account["id"], client_id, matter_id)
    if available < amount:
        where = f"matter {matter_id}" if matter_id is not None else "the client level"
        raise bad_request(f"Insufficient trust funds: client {client_id} holds {available} at {where}, not {amount}")


def _post(store: Store, account: Record, amount: Decimal, on: date, **kwargs: Any) -> Record:
    """Save a new transaction and the account it moves."""
    transaction = records.post(store.next_id("bank_transactions"), account, amount, on, store.now(), **kwargs)
    store.save("bank_transactions", transaction, "created")
    store.save("bank_accounts", account, "updated")
    return transaction


def deposit(store: Store, data: Mapping[str, Any]) -> Record:
    """Money received into trust for a client's matter (``matter_id`` null: the client level):
    a retainer, or a payment made to a trust request."""
    with store.lock:
        account = _trust_account(store, data)
        client_id, matter_id = _client_and_matter(store, data)
        return _post(
            store,
            account,
            _positive(data),
            _on(store, data),
            description=str(data.get("description") or "Trust deposit"),
            client_id=client_id,
            matter_id=matter_id,
            confirmation=data.get("confirmation"),
        )


def disburse(store: Store, data: Mapping[str, Any]) -> Record:
    """Money paid out of trust on a client's behalf (a filing fee, a settlement, a refund)."""
    with store.lock:
        account = _trust_account(store, data)
        client_id, matter_id = _client_and_matter(store, data)
        amount = _positive(data)
        _check_covers(store, account, client_id, matter_id, amount)
        return _post(
            store,
            account,
            -amount,
            _on(store, data),
            description=str(data.get("description") or "Trust disbursement"),
            client_id=client_id,
            matter_id=matter_id,
            confirmation=data.get("confirmation"),
        )


def transfer(store: Store, data: Mapping[str, Any]) -> list[Record]:
    """Move a client's trust funds between its ledgers (``from_matter_id`` → ``to_matter_id``,
    null for the client level): a withdrawal and a deposit, in that order. The emulator's
    client has one matter, so a transfer runs between it and the client level."""
    with store.lock:
        account = _trust_account(store, data)
        client_id, source = _client_and_matter(store, data, "from_matter_id")
        target = _matter_of(client_id, data.get("to_matter_id", CLIENT_MATTER))
        if source == target:
            raise bad_request("A transfer needs two different ledgers (a matter, or null for the client level)")
        amount = _positive(data)
        _check_covers(store, account, client_id, source, amount)
        on = _on(store, data)
        description = str(data.get("description") or "Transfer between matters")
        return [
            _post(
                store,
                account,
                signed,
                on,
                description=description,
                client_id=client_id,
                matter_id=matter_id,
                source=records.TRANSFER,
            )
            for signed, matter_id in ((-amount, source), (amount, target))
        ]


def pay_bill(store: Store, data: Mapping[str, Any]) -> Record:
    """Pay ``bill_id`` (``amount``, default its balance) from the client's trust funds: as
    Clio records it, a Payment whose allocation's ``source_bank_account`` is the trust
    account, a withdrawal from trust and a deposit into operating. Returns the allocation."""
    with store.lock:
        bill, amount, on, now = actions.put_on_bill(store, data)
        account = _trust_account(store, data)
        client_id = bill["client"]["id"]
        _check_covers(store, account, client_id, client_id, amount)
        pay = store.save("payments", records.payment(store.next_id("payments"), client_id, amount, on, now))
        allocation = store.save(
            "allocations",
            records.allocation(
                store.next_id("allocations"),
                "Payment",
                pay["id"],
                bill["id"],
                client_id,
                amount,
                on,
                now,
                from_account=account["id"],
            ),
            "created",
        )
        actions.move_money(store, allocation, on, now)
        actions.reprice(store, bill)
        return allocation


def _by_hand(store: Store, transaction_id: int) -> tuple[Record, Record]:
    transaction = actions.get_record(store, "bank_transactions", transaction_id, "BankTransaction")
    if transaction["allocation"]:
        raise bad_request(
            f"Bank transaction {transaction_id} was made by a payment: void its allocation "
            f"{transaction['allocation']['id']} instead"
        )
    return transaction, store["bank_accounts"].records[transaction["bank_account_id"]]


def edit(store: Store, transaction_id: int, data: Mapping[str, Any]) -> Record:
    """Change a hand-made transaction's ``amount`` (signed: negative takes money out),
    ``date``, ``description``, ``confirmation``, client and matter, as Clio's "Edit" on a
    ledger line does (the fields of ``PATCH /bank_transactions/{id}.json``)."""
    with store.lock:
        transaction, account = _by_hand(store, transaction_id)
        if "amount" in data:
            amount = actions.parse_money(data["amount"], "amount")
            if not amount:
                raise bad_request("amount must not be zero")
            account["balance"] += amount - transaction["amount"]
            records.set_amount(transaction, amount)
            store.touch("bank_accounts", account)
        if "date" in data:
            transaction["date"] = _on(store, data)
        for name in ("description", "confirmation"):
            if name in data:
                transaction[name] = data[name]
        if "client_id" in data:
            client_id, matter_id = _client_and_matter(store, data)
            transaction["client"], transaction["matter"] = {"id": client_id}, records.ref(matter_id)
        elif "matter_id" in data and transaction["client"]:
            transaction["matter"] = records.ref(_matter_of(transaction["client"]["id"], data["matter_id"]))
        return store.touch("bank_transactions", transaction)


def delete(store: Store, transaction_id: int) -> Record:
    """Delete a hand-made transaction (``DELETE /bank_transactions/{id}.json``): it is gone,
    and its account's balance and count no longer include it. Returns the account."""
    with store.lock:
        transaction, account = _by_hand(store, transaction_id)
        store["bank_transactions"].remove(transaction_id)
        account["balance"] -= transaction["amount"]
        account["bank_transactions_count"] -= 1
        return store.touch("bank_accounts", account)
