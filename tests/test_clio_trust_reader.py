"""Reading the trust ledger from the Clio emulator: the trust account, what changed in it,
and what was deleted from it, at the cost the design promises (one request per idle read,
a 304 for an unchanged account, no sweep unless the counts differ).

The trust activity is made through the emulator's admin API, as a Clio user makes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billsync.daemon.clio import reader, trust
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import Harness, admin, clio_firm, harness, sandbox  # noqa: F401

#: Transactions made for the paging test: more than a page of 200.
MANY = 260


def deposit(sandbox: Sandbox, client_id: int, amount: str, **extra: Any) -> dict[str, Any]:
    body = {"client_id": client_id, "amount": amount, **extra}
    return admin(sandbox, "POST", "/trust/deposits", json=body)["data"]


def requests_to(sandbox: Sandbox, endpoint: str) -> dict[tuple[str, int], int]:
    """(filters, status) -> count of the API requests to ``endpoint`` since the last reset."""
    return {
        (entry["filters"], entry["status"]): entry["count"]
        for entry in admin(sandbox, "GET", "/requests")["requests"]
        if entry["endpoint"] == f"/api/v4/{endpoint}"
    }


@pytest.fixture
def account(harness: Harness) -> int:
    found = trust.primary(trust.trust_accounts(harness.clio))
    assert found is not None
    return int(found["id"])


@pytest.fixture
def clients(harness: Harness) -> list[int]:
    contacts = harness.clio.iterate("contacts", "id,type", type="Person")
    return [int(c["id"]) for c in contacts][:3]


def test_the_primary_trust_account_is_the_firms_trust_account(harness: Harness) -> None:
    accounts = trust.trust_accounts(harness.clio)
    assert accounts and {a["type"] for a in accounts} == {"Trust"}
    assert trust.primary(accounts) == next(a for a in accounts if a["default_account"])
    assert trust.primary([]) is None


def test_hundreds_of_transactions_page_then_an_idle_read_is_one_request_and_an_edit_comes_back(
    harness: Harness, sandbox: Sandbox, account: int, clients: list[int]
) -> None:
    for n in range(MANY):
        deposit(sandbox, clients[n % len(clients)], f"{n + 1}.00", description=f"Retainer {n}")
    # The deposits are older than the lag allowance when the ledger is read, so the next read's
    # overlap holds none of them (it would hold all 260, two pages, had they been made within it).
    later = int(reader.LAG_ALLOWANCE.total_seconds()) + 1
    admin(sandbox, "PATCH", "/config", json={"clock_offset_seconds": later})
    records, mark = trust.read_transactions(harness.clio, account, None)
    current = trust.ledger(harness.clio, account, None)
    assert len(records) == current.transactions >= MANY
    assert len({r["id"] for r in records}) == len(records)
    assert sum(Decimal(str(r["amount"])) for r in records) == current.balance
    assert {r["bank_account_id"] for r in records} == {account}
    sample = next(r for r in records if r["description"] == "Retainer 7")
    assert sample["client"]["id"] == clients[7 % len(clients)] and sample["matter"]["display_number"]
    assert sample["funds_in"] == sample["amount"] == Decimal("8.00") and sample["funds_out"] == 0

    admin(sandbox, "DELETE", "/requests")
    idle, mark = trust.read_transactions(harness.clio, account, mark)
    assert idle == []
    assert requests_to(sandbox, "bank_transactions.json") == {("bank_account_id,updated_since", 200): 1}

    admin(sandbox, "PATCH", f"/bank_transactions/{sample['id']}", json={"amount": "9.50", "description": "Fixed"})
    edited, _ = trust.read_transactions(harness.clio, account, mark)
    assert [(r["id"], r["amount"], r["description"]) for r in edited] == [(sample["id"], Decimal("9.5"), "Fixed")]


def test_a_deletion_is_found_by_the_count_and_the_sweep_and_nothing_is_swept_otherwise(
    harness: Harness, sandbox: Sandbox, account: int, clients: list[int]
) -> None:
    made = [deposit(sandbox, clients[0], f"{10 + n}.00")["id"] for n in range(3)]
    records, mark = trust.read_transactions(harness.clio, account, None)
    known = {int(r["id"]) for r in records}
    first = trust.ledger(harness.clio, account, None)
    assert not trust.needs_sweep(first, len(known))

    admin(sandbox, "DELETE", "/requests")
    assert trust.ledger(harness.clio, account, first) is first
    assert requests_to(sandbox, "bank_accounts/{id}.json") == {("", 304): 1}

    admin(sandbox, "DELETE", f"/bank_transactions/{made[1]}")
    new, mark = trust.read_transactions(harness.clio, account, mark)
    assert new == []  # a deletion leaves nothing to read
    after = trust.ledger(harness.clio, account, first)
    assert after.transactions == first.transactions - 1
    assert after.balance == first.balance - Decimal("11.00")
    assert trust.needs_sweep(after, len(known))
    assert trust.sweep(harness.clio, account, known) == {made[1]}
    assert not trust.needs_sweep(after, len(known - {made[1]}))


def test_a_deletion_hidden_by_a_creation_is_found_once_the_creation_is_read(
    harness: Harness, sandbox: Sandbox, account: int, clients: list[int]
) -> None:
    gone = deposit(sandbox, clients[1], "5.00")["id"]
    records, mark = trust.read_transactions(harness.clio, account, None)
    known = {int(r["id"]) for r in records}
    last = trust.ledger(harness.clio, account, None)
    admin(sandbox, "DELETE", f"/bank_transactions/{gone}")
    added = deposit(sandbox, clients[1], "6.00")["id"]
    last = trust.ledger(harness.clio, account, last)
    assert not trust.needs_sweep(last, len(known)), "one gone, one new: the counts agree"
    new, mark = trust.read_transactions(harness.clio, account, mark)
    known |= {int(r["id"]) for r in new}
    assert [r["id"] for r in new] == [added]
    last = trust.ledger(harness.clio, account, last)
    assert trust.needs_sweep(last, len(known))
    assert trust.sweep(harness.clio, account, known) == {gone}


def test_money_a_bill_paid_from_trust_puts_in_operating_is_not_read_with_trust(
    harness: Harness, sandbox: Sandbox, account: int, clients: list[int]
) -> None:
    deposit(sandbox, clients[2], "800.00")
    bill = admin(
        sandbox, "POST", "/bills", json={"client_id": clients[2], "lines": [{"price": "300.00", "quantity": 1}]}
    )
    payment = admin(sandbox, "POST", "/trust/bill_payments", json={"bill_id": bill["data"]["id"]})["data"]
    records, _ = trust.read_transactions(harness.clio, account, None)
    paid = [r for r in records if r["allocation"] == {"id": payment["id"]}]
    assert len(paid) == 1 and paid[0]["amount"] == Decimal("-300.0")
    assert paid[0]["bill"]["id"] == bill["data"]["id"] and paid[0]["bank_account_id"] == account
