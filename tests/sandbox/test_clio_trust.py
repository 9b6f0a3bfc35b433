"""The Clio emulator's trust ledger: bank accounts and bank transactions as Clio's OpenAPI
document serves them, and the trust activity Clio's QuickBooks Online sync pushes (deposits,
disbursements, matter-to-matter transfers, bills paid from trust, edits, deletions), made
through the admin API and read back through the API a sync client uses."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from billsync.sandbox.clio import records
from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio
from tests.sandbox.test_clio_openapi import _every_field, _validate, _validate_error, openapi, registry  # noqa: F401

TRUST = records.TRUST_ACCOUNT
OPERATING = records.OPERATING_ACCOUNT
#: A client of the 40-bill demo firm with no trust activity of its own (John Smith, alpha).
CLIENT = 3
LEDGER = "id,amount,funds_in,funds_out,transaction_type,source,type,date,description,updated_at,client{id},matter{id}"


def _decimal(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.content, parse_float=Decimal)


def _all(clio: Clio, resource: str, **params: Any) -> list[dict]:
    """Every record, following ``meta.paging.next`` as a Clio client must; money as Decimal."""
    page = _decimal(clio.api(f"/{resource}.json", params=params))
    found = list(page["data"])
    while "next" in page["meta"]["paging"]:
        page = _decimal(
            clio.http.get(page["meta"]["paging"]["next"], headers={"Authorization": f"Bearer {clio.token}"})
        )
        found += page["data"]
    return found


def _account(clio: Clio, account_id: int = TRUST) -> dict:
    return _decimal(
        clio.api(
            f"/bank_accounts/{account_id}.json", params={"fields": "id,balance,bank_transactions_count,updated_at"}
        )
    )["data"]


def _held(clio: Clio, client_id: int) -> Decimal | None:
    """The client's trust balance as Clio shows it: ``account_balances`` of the contact."""
    contact = _decimal(clio.api(f"/contacts/{client_id}.json", params={"fields": "account_balances"}))["data"]
    return next((b["balance"] for b in contact["account_balances"] if b["id"] == TRUST), None)


def _deposit(clio: Clio, amount: str, client_id: int = CLIENT, **extra: Any) -> dict:
    return clio.admin("POST", "/trust/deposits", json={"client_id": client_id, "amount": amount, **extra})["data"]


def _refused(clio: Clio, method: str, path: str, **kwargs: Any) -> str:
    response = clio.http.request(method, f"/_sandbox{path}", **kwargs)
    assert response.status_code == 400, response.text
    return response.json()["error"]["message"]


def _later(clio: Clio, seconds: int) -> None:
    """Move the emulator's clock, so what follows is stamped after what came before."""
    clio.admin("PATCH", "/config", json={"clock_offset_seconds": seconds})


@pytest.fixture
def activity(clio: Clio) -> dict[str, Any]:
    """One of each trust activity for CLIENT: deposit, disbursement, transfer, bill paid from trust."""
    deposit = _deposit(clio, "2000.00", description="Retainer", confirmation="CHK-1001")
    disbursement = clio.admin(
        "POST", "/trust/disbursements", json={"client_id": CLIENT, "amount": "150.25", "description": "Filing fee"}
    )["data"]
    legs = clio.admin("POST", "/trust/transfers", json={"client_id": CLIENT, "amount": "300.00", "to_matter_id": None})[
        "data"
    ]
    bill = clio.admin("POST", "/bills", json={"client_id": CLIENT, "lines": [{"price": "500.00", "quantity": 1}]})
    payment = clio.admin("POST", "/trust/bill_payments", json={"bill_id": bill["data"]["id"]})["data"]
    return {
        "deposit": deposit,
        "disbursement": disbursement,
        "transfer": legs,
        "bill": bill["data"],
        "payment": payment,
    }


@pytest.mark.parametrize("resource", ["bank_accounts", "bank_transactions"])
def test_every_documented_field_is_served_and_valid(openapi, registry, clio: Clio, activity, resource) -> None:
    every = _every_field(openapi, resource)
    listing = clio.get(f"/{resource}.json", fields=every, limit=200)
    _validate(openapi, registry, f"/{resource}.json", "get", "200", listing)
    for record in listing["data"]:
        shown = clio.get(f"/{resource}/{record['id']}.json", fields=every)
        _validate(openapi, registry, f"/{resource}/{{id}}.json", "get", "200", shown)
        assert shown["data"] == record
    contacts = clio.api("/contacts.json", params={"fields": _every_field(openapi, "contacts"), "ids[]": CLIENT})
    _validate(openapi, registry, "/contacts.json", "get", "200", contacts.json())
    assert [b["type"] for b in contacts.json()["data"][0]["account_balances"]] == ["Trust"]


def test_the_trust_account_and_what_each_activity_books(clio: Clio, activity) -> None:
    accounts = _all(clio, "bank_accounts", fields="id,type,name,currency,balance,default_account")
    assert [(a["id"], a["type"], a["currency"]) for a in accounts] == [
        (OPERATING, "Operating", "USD"),
        (TRUST, "Trust", "USD"),
    ]
    ledger = {
        t["id"]: t for t in _all(clio, "bank_transactions", client_id=CLIENT, bank_account_id=TRUST, fields=LEDGER)
    }
    deposit = ledger[activity["deposit"]["id"]]
    assert (deposit["amount"], deposit["funds_in"], deposit["funds_out"]) == (Decimal("2000.0"), Decimal("2000.0"), 0)
    assert (deposit["transaction_type"], deposit["type"], deposit["source"]) == ("Deposit", "liability", "Manual entry")
    assert deposit["client"]["id"] == deposit["matter"]["id"] == CLIENT
    out = ledger[activity["disbursement"]["id"]]
    assert (out["amount"], out["funds_out"], out["transaction_type"]) == (
        Decimal("-150.25"),
        Decimal("150.25"),
        "Withdrawal",
    )
    away, back = (ledger[leg["id"]] for leg in activity["transfer"])
    assert (away["amount"], away["matter"], back["amount"], back["matter"]) == (
        Decimal("-300.0"),
        {"id": CLIENT},
        Decimal("300.0"),
        None,
    )
    assert away["source"] == back["source"] == "Transfer"
    allocation = clio.get(
        f"/allocations/{activity['payment']['id']}.json", fields="amount,source_bank_account{id},bill{id,state}"
    )["data"]
    assert allocation["source_bank_account"] == {"id": TRUST} and allocation["bill"]["state"] == "paid"
    made = _all(clio, "bank_transactions", fields="amount,bank_account_id,bill{id},allocation{id}")
    by_payment = [
        (t["bank_account_id"], t["amount"]) for t in made if t["allocation"] == {"id": activity["payment"]["id"]}
    ]
    assert by_payment == [(OPERATING, Decimal("500.0")), (TRUST, Decimal("-500.0"))]
    assert _held(clio, CLIENT) == Decimal("2000.00") - Decimal("150.25") - Decimal("500.00")


def test_filters_and_their_refusals(registry, clio: Clio, activity) -> None:
    trust = _all(clio, "bank_accounts", type="TrustAccount", fields="id,type")
    assert trust == [{"id": TRUST, "type": "Trust"}]
    assert _all(clio, "bank_accounts", status="closed") == []
    liability = {t["id"] for t in _all(clio, "bank_transactions", type="liability")}
    assert liability == {t["id"] for t in _all(clio, "bank_transactions", bank_account_id=TRUST)}
    in_matter = _all(clio, "bank_transactions", matter_id=CLIENT, bank_account_id=TRUST, fields="id,matter{id}")
    assert in_matter and {t["matter"]["id"] for t in in_matter} == {CLIENT}
    assert activity["transfer"][1]["id"] not in {t["id"] for t in in_matter}, "the client-level leg has no matter"
    for params in ({"type": "Trust"}, {"status": "open"}, {"fields": "balance,nope"}, {"limit": 201}):
        response = clio.api("/bank_accounts.json", params=params)
        assert response.status_code == 400
        _validate_error(registry, response.json())
    for params in ({"type": "income"}, {"bank_account_id": "two"}, {"fields": "matter{nope}"}):
        response = clio.api("/bank_transactions.json", params=params)
        assert response.status_code == 400
        _validate_error(registry, response.json())


def test_paging_past_the_first_page_with_hundreds_of_transactions(clio: Clio) -> None:
    before = _account(clio)
    for n in range(150):
        _deposit(clio, f"{100 + n}.00", description=f"Deposit {n}")
        if n % 2:
            clio.admin("POST", "/trust/transfers", json={"client_id": CLIENT, "amount": "10.00", "to_matter_id": None})
    after = _account(clio)
    assert after["bank_transactions_count"] == before["bank_transactions_count"] + 150 + 2 * 75
    first = clio.get("/bank_transactions.json", bank_account_id=TRUST, limit=50, fields="id")
    assert "next" in first["meta"]["paging"] and "previous" not in first["meta"]["paging"]
    ledger = _all(clio, "bank_transactions", bank_account_id=TRUST, limit=50, fields="id,amount")
    ids = [t["id"] for t in ledger]
    assert len(ids) == after["bank_transactions_count"] > 300 and ids == sorted(set(ids))
    assert sum(t["amount"] for t in ledger) == after["balance"]
    mine = _all(clio, "bank_transactions", client_id=CLIENT, bank_account_id=TRUST, limit=37, fields="amount")
    assert len(mine) == 300 and sum(t["amount"] for t in mine) == _held(clio, CLIENT)


def test_updated_since_finds_an_edit_and_the_account_it_moved(clio: Clio, activity) -> None:
    stamps = [t["updated_at"] for t in _all(clio, "bank_transactions", fields="updated_at")]
    watermark = max(stamps)
    _later(clio, 120)
    edited = clio.admin(
        "PATCH",
        f"/bank_transactions/{activity['deposit']['id']}",
        json={"amount": "2500.00", "description": "Retainer (corrected)", "date": "2024-02-01"},
    )["data"]
    assert (edited["amount"], edited["funds_in"], edited["date"]) == (2500.0, 2500.0, "2024-02-01")
    changed = _all(clio, "bank_transactions", updated_since=watermark, fields="id,amount,description")
    assert changed == [{"id": edited["id"], "amount": Decimal("2500.0"), "description": "Retainer (corrected)"}]
    moved = _all(clio, "bank_accounts", updated_since=watermark, fields="id,balance")
    assert [a["id"] for a in moved] == [TRUST]
    assert _held(clio, CLIENT) == Decimal("2500.00") - Decimal("150.25") - Decimal("500.00")
    by_payment = activity["payment"]["id"]
    made = [
        t for t in _all(clio, "bank_transactions", fields="id,allocation{id}") if t["allocation"] == {"id": by_payment}
    ]
    message = _refused(clio, "PATCH", f"/bank_transactions/{made[0]['id']}", json={"amount": "1.00"})
    assert f"void its allocation {by_payment}" in message


def test_a_deleted_transaction_is_gone_and_its_account_says_so(clio: Clio, activity) -> None:
    gone = activity["disbursement"]["id"]
    before = _account(clio)
    _later(clio, 120)
    account = clio.admin("DELETE", f"/bank_transactions/{gone}")["data"]
    assert account["id"] == TRUST
    missing = clio.api(f"/bank_transactions/{gone}.json")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "RecordNotFound"
    assert gone not in {t["id"] for t in _all(clio, "bank_transactions", bank_account_id=TRUST)}
    after = _account(clio)
    assert after["balance"] == before["balance"] + Decimal("150.25")
    assert after["bank_transactions_count"] == before["bank_transactions_count"] - 1
    assert [a["id"] for a in _all(clio, "bank_accounts", updated_since=before["updated_at"])] == [TRUST]
    assert _held(clio, CLIENT) == Decimal("2000.00") - Decimal("500.00")


def test_a_voided_payment_from_trust_gives_the_money_back(clio: Clio, activity) -> None:
    held = _held(clio, CLIENT)
    clio.admin("POST", f"/allocations/{activity['payment']['id']}/void")
    assert _held(clio, CLIENT) == held + Decimal("500.00")
    bill = clio.get(f"/bills/{activity['bill']['id']}.json", fields="state,balance")["data"]
    assert bill == {"state": "awaiting_payment", "balance": 500.0}


def test_no_ledger_is_overdrawn_and_transfers_stay_with_one_client(clio: Clio) -> None:
    _deposit(clio, "100.00")
    assert "Insufficient trust funds" in _refused(
        clio, "POST", "/trust/disbursements", json={"client_id": CLIENT, "amount": "100.01"}
    )
    assert "Insufficient trust funds" in _refused(
        clio,
        "POST",
        "/trust/transfers",
        json={"client_id": CLIENT, "amount": "1.00", "from_matter_id": None, "to_matter_id": CLIENT},
    )
    assert "not a matter of client" in _refused(
        clio, "POST", "/trust/transfers", json={"client_id": CLIENT, "amount": "1.00", "to_matter_id": CLIENT + 1}
    )
    assert "two different ledgers" in _refused(
        clio, "POST", "/trust/transfers", json={"client_id": CLIENT, "amount": "1.00", "to_matter_id": CLIENT}
    )
    bill = clio.admin("POST", "/bills", json={"client_id": CLIENT, "lines": [{"price": "100.02"}]})["data"]
    assert "Insufficient trust funds" in _refused(clio, "POST", "/trust/bill_payments", json={"bill_id": bill["id"]})
    assert "not a trust account" in _refused(
        clio, "POST", "/trust/deposits", json={"client_id": CLIENT, "amount": "1.00", "bank_account_id": OPERATING}
    )
    assert _held(clio, CLIENT) == Decimal("100.00")


def test_each_clients_trust_balance_is_the_sum_of_its_transactions(clio: Clio) -> None:
    clio.admin("POST", "/seed", json={"bills": 400, "seed": 5})
    trust = _all(clio, "bank_transactions", bank_account_id=TRUST, fields="amount,client{id},matter{id}")
    sums: dict[int, Decimal] = {}
    for transaction in trust:
        sums[transaction["client"]["id"]] = sums.get(transaction["client"]["id"], Decimal(0)) + transaction["amount"]
    contacts = _all(clio, "contacts", fields="id,account_balances")
    shown = {c["id"]: b["balance"] for c in contacts for b in c["account_balances"] if b["id"] == TRUST}
    assert len(shown) > 10 and shown == sums
    assert all(balance >= 0 for balance in shown.values())
    assert sum(shown.values()) == _account(clio)["balance"]
    kinds = {(t["amount"] > 0, t["matter"] is None) for t in trust}
    assert kinds == {(True, False), (False, False), (True, True)}, "deposits, withdrawals, client-level transfers"
