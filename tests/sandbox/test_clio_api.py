"""The Clio emulator's read API: fields, paging, filters, ordering, ETags, exact money."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billsync.sandbox.demo import generate_firm
from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio


def _all(clio: Clio, resource: str, **params) -> list[dict]:
    """Follow ``meta.paging.next`` to the end, as a Clio client must."""
    response = clio.api(f"/{resource}.json", params=params)
    records = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["data"]
        next_url = body["meta"]["paging"].get("next")
        if not next_url:
            return records
        response = clio.http.get(next_url, headers={"Authorization": f"Bearer {clio.token}"})


def test_without_fields_only_id_and_etag(clio: Clio) -> None:
    record = clio.get("/bills.json", limit=1)["data"][0]
    assert set(record) == {"id", "etag"}


def test_fields_with_one_nesting_level(clio: Clio) -> None:
    bill = clio.get("/bills/1.json", fields="id,number,client{id,name},discount")["data"]
    assert bill["client"] == {"id": 1, "name": "José Müller"}
    assert set(bill["discount"]) == {"rate", "type", "note", "early_payment_rate", "early_payment_period"}
    default_nested = clio.get("/bills/1.json", fields="client")["data"]["client"]
    assert set(default_nested) == {"id", "etag"}


@pytest.mark.parametrize("fields", ["nonsense", "client{id,company{id}}", "client{bogus}", "number{x}"])
def test_invalid_fields_are_400(clio: Clio, fields: str) -> None:
    response = clio.api("/bills.json", params={"fields": fields})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "BadRequest"


@pytest.mark.parametrize("limit", ["201", "0", "abc"])
def test_limit_outside_1_to_200_is_400(clio: Clio, limit: str) -> None:
    assert clio.api("/contacts.json", params={"limit": limit}).status_code == 400


def test_cursor_paging_visits_every_record_once(clio: Clio) -> None:
    ids = [r["id"] for r in _all(clio, "line_items", limit=7, order="id(asc)")]
    assert ids == sorted(ids) and len(ids) == clio.admin("GET", "/counts")["counts"]["line_items"]
    first = clio.get("/bills.json", limit=5, order="id(asc)")
    assert first["meta"]["paging"]["next"].startswith(f"{clio.url}/api/v4/bills.json?")
    descending = [r["id"] for r in _all(clio, "bills", limit=9, order="id(desc)")]
    assert descending == list(range(40, 0, -1))
    by_date = _all(clio, "allocations", limit=4, fields="id,date")
    assert [r["date"] for r in by_date] == sorted(r["date"] for r in by_date)


def test_filters(clio: Clio) -> None:
    drafts = _all(clio, "bills", state="draft", fields="id,state")
    assert drafts and {r["state"] for r in drafts} == {"draft"}
    lines = _all(clio, "line_items", bill_id=1, fields="id,kind,bill{id}")
    assert {r["bill"]["id"] for r in lines} == {1} and {r["kind"] for r in lines} == {"Service", "Expense"}
    voided = _all(clio, "allocations", status="invalid", parent_type="Payment", fields="id,voided_at,parent")
    assert voided and all(r["voided_at"] and r["parent"]["type"] == "Payment" for r in voided)
    credits = _all(clio, "allocations", parent_type="CreditMemo", fields="id,parent")
    assert credits and {r["parent"]["type"] for r in credits} == {"CreditMemo"}
    smiths = _all(clio, "contacts", query="john smith", fields="id,name")
    assert [r["name"] for r in smiths] == ["John Smith", "John Smith"]
    assert clio.api("/bills.json", params={"state": "lost"}).status_code == 400
    assert clio.api("/bills.json", params={"updated_since": "yesterday"}).status_code == 400


def test_updated_since_sees_user_changes_including_deletion(clio: Clio) -> None:
    latest = max(r["updated_at"] for r in _all(clio, "bills", fields="id,updated_at"))
    future = "2100-01-01T00:00:00Z"
    assert clio.get("/bills.json", updated_since=future)["data"] == []
    clio.admin("PATCH", "/bills/3", json={"subject": "Revised"})
    clio.admin("DELETE", "/bills/4")
    clio.admin("PATCH", "/contacts/2", json={"name": "Smith Estate"})
    changed = _all(clio, "bills", updated_since=latest, fields="id,state,subject")
    assert {r["id"]: r["state"] for r in changed if r["id"] in (3, 4)} == {3: "paid", 4: "deleted"}
    deleted = _all(clio, "bills", state="deleted", fields="id")
    assert 4 in [r["id"] for r in deleted]
    renamed = _all(clio, "contacts", updated_since=latest, fields="id,name")
    assert renamed == [{"id": 2, "name": "Smith Estate"}]


def test_payment_and_void_move_the_bill_between_states(clio: Clio) -> None:
    balance = Decimal(str(clio.get("/bills/1.json", fields="balance")["data"]["balance"]))
    allocation = clio.admin("POST", "/payments", json={"bill_id": 1})["data"]
    assert clio.get("/bills/1.json", fields="state,balance")["data"] == {"state": "paid", "balance": 0.0}
    assert Decimal(str(allocation["amount"])) == balance
    clio.admin("POST", f"/allocations/{allocation['id']}/void")
    assert clio.get("/bills/1.json", fields="state")["data"]["state"] == "awaiting_payment"


def test_etag_header_and_304(clio: Clio) -> None:
    first = clio.api("/bills/2.json", params={"fields": "id,etag"})
    etag = first.headers["ETag"]
    assert etag == first.json()["data"]["etag"] and first.headers["Last-Modified"]
    assert clio.api("/bills/2.json", headers={"If-None-Match": etag}).status_code == 304
    clio.admin("PATCH", "/bills/2", json={"memo": "changed"})
    again = clio.api("/bills/2.json", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_unknown_record_is_404(clio: Clio) -> None:
    response = clio.api("/bills/999999.json")
    assert response.status_code == 404 and "error" in response.json()


def test_money_is_exact_to_the_cent(clio: Clio) -> None:
    firm = generate_firm(40, seed=7)
    response = clio.api("/bills.json", params={"fields": "id,total,tax_sum,balance", "limit": 200})
    served = json.loads(response.content, parse_float=Decimal)["data"]
    for bill, record in zip(firm.bills, served):
        assert (record["total"], record["tax_sum"], record["balance"]) == (
            bill["total"],
            bill["tax_sum"],
            bill["balance"],
        )
