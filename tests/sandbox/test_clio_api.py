"""The Clio emulator's read API: fields, paging, versions, filters, ordering, ETags, exact money,
bank accounts."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from billsync.sandbox.demo import generate_firm
from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio


def _follow(clio: Clio, url: str) -> dict:
    response = clio.http.get(url, headers={"Authorization": f"Bearer {clio.token}"})
    assert response.status_code == 200, response.text
    return response.json()


def _pages(clio: Clio, resource: str, **params) -> list[dict]:
    """Every page from the first, following ``meta.paging.next`` to the end, as a Clio client must."""
    pages = [clio.get(f"/{resource}.json", **params)]
    while "next" in pages[-1]["meta"]["paging"]:
        pages.append(_follow(clio, pages[-1]["meta"]["paging"]["next"]))
    return pages


def _all(clio: Clio, resource: str, **params) -> list[dict]:
    return [record for page in _pages(clio, resource, **params) for record in page["data"]]


def _ids(page: dict) -> list[int]:
    return [record["id"] for record in page["data"]]


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_without_fields_only_id_and_etag(clio: Clio) -> None:
    record = clio.get("/bills.json", limit=1)["data"][0]
    assert set(record) == {"id", "etag"}


def test_fields_with_one_nesting_level(clio: Clio) -> None:
    bill = clio.get("/bills/1.json", fields="id,number,client{id,name},discount")["data"]
    assert bill["client"] == {"id": 1, "name": "José Müller"}
    assert set(bill["discount"]) == {"rate", "type", "note", "early_payment_rate", "early_payment_period"}
    default_nested = clio.get("/bills/1.json", fields="client")["data"]["client"]
    assert set(default_nested) == {"id", "etag"}
    # A second level shows its default fields only (docs.developers.clio.com/api-docs/fields).
    second = clio.get("/bills/1.json", fields="client{name,currency}")["data"]["client"]
    assert second == {"name": "José Müller", "currency": {"id": 1, "etag": '"usd"'}}


def test_a_contacts_addresses_phones_and_emails(clio: Clio) -> None:
    """Clio's OpenAPI document (``../shared/fixtures/clio/openapi.json``), schema ``Contact``:
    ``addresses``, ``email_addresses`` and ``phone_numbers`` are arrays of ``Address_base``,
    ``EmailAddress_base`` and ``PhoneNumber_base`` (each with ``primary``; an address's
    ``name`` one of Work, Home, Billing, Other), ``primary_address`` and
    ``secondary_address`` one ``Address_base`` each; ``Contact_base`` has
    ``primary_email_address``, ``primary_phone_number`` and ``sales_tax_number`` as strings
    and ``currency`` as an object. A nested resource named without braces shows ``id`` and
    ``etag`` only (docs.developers.clio.com/api-docs/fields). Which address is the secondary
    one (the first that is not primary) the document does not say: the emulator's choice."""
    muller = _all(clio, "contacts", query="Müller GmbH", fields="id")[0]["id"]
    contact = clio.get(
        f"/contacts/{muller}.json",
        fields="name,addresses{street,city,country,name,primary},primary_address{name},secondary_address{name},"
        "email_addresses{address,primary},phone_numbers,primary_email_address,sales_tax_number,currency{code}",
    )["data"]
    assert contact["addresses"] == [
        {"street": "Friedrichstraße 12", "city": "Berlin", "country": "Germany", "name": "Work", "primary": True},
        {"street": "Postfach 10 20 30", "city": "Berlin", "country": "Germany", "name": "Billing", "primary": False},
    ]
    assert (contact["primary_address"], contact["secondary_address"]) == ({"name": "Work"}, {"name": "Billing"})
    assert contact["email_addresses"] == [{"address": contact["primary_email_address"], "primary": True}]
    assert all(set(phone) == {"id", "etag"} for phone in contact["phone_numbers"])
    assert (contact["sales_tax_number"], contact["currency"]) == ("DE123456789", {"code": "USD"})
    phones = clio.get("/contacts/1.json", fields="primary_phone_number,phone_numbers{number,primary}")["data"]
    assert phones["phone_numbers"][0] == {"number": phones["primary_phone_number"], "primary": True}


def test_a_user_changes_a_contacts_phones_and_addresses(clio: Clio) -> None:
    """Saving a contact's page replaces its phone numbers and addresses, the first of each
    primary; names are those Clio's contact write schemas list (a phone's Mobile, Home, Fax…,
    an address's Work, Home, Billing, Other), and the contact is dated anew, so
    ``updated_since`` finds it. Anything else is a 400."""
    before = clio.get("/contacts/2.json", fields="etag,updated_at")["data"]
    phones = [{"name": "Mobile", "number": "(555) 010-0001"}, {"name": "Fax", "number": "(555) 010-0002"}]
    work = {"name": "Work", "street": "1 Main St\nSuite 5", "city": "Austin", "province": "TX", "postal_code": "78701"}
    clio.admin("PATCH", "/contacts/2", json={"phones": phones, "addresses": [work]})
    fields = "id,etag,primary_phone_number,phone_numbers{name,number,primary},addresses{name,street,primary}"
    changed = clio.get("/contacts.json", updated_since=before["updated_at"], fields=fields)["data"]
    [contact] = [c for c in changed if c["id"] == 2]
    assert contact["etag"] != before["etag"]
    assert contact["phone_numbers"] == [
        {"name": "Mobile", "number": "(555) 010-0001", "primary": True},
        {"name": "Fax", "number": "(555) 010-0002", "primary": False},
    ]
    assert contact["primary_phone_number"] == "(555) 010-0001"
    assert contact["addresses"] == [{"name": "Work", "street": "1 Main St\nSuite 5", "primary": True}]
    for body in ({"phones": [{"name": "Cell", "number": "1"}]}, {"addresses": [{"name": "Work", "state": "TX"}]}):
        response = clio.http.patch("/_sandbox/contacts/2", json=body)
        assert response.status_code == 400 and response.json()["error"]["type"] == "BadRequest"


def test_unkept_nested_resources_are_synthesized(clio: Clio) -> None:
    bill = clio.get("/bills.json", fields="id,client,user{id,name},matters{client_id,display_number,status},group")
    bill = bill["data"][0]
    me = clio.get("/users/who_am_i.json", fields="id,name")["data"]
    assert (bill["user"], bill["group"]) == (me, None)
    client_id = bill["client"]["id"]
    (matter,) = bill["matters"]
    assert (matter["client_id"], matter["status"]) == (client_id, "Open")
    assert matter["display_number"].startswith(f"{client_id:05d}-")
    line = clio.get("/line_items.json", fields="matter{id,client_id},activity", bill_id=bill["id"])["data"][0]
    assert line == {"matter": {"id": client_id, "client_id": client_id}, "activity": None}
    contact = clio.get(f"/contacts/{client_id}.json", fields="custom_field_values,avatar")["data"]
    assert contact == {"custom_field_values": [], "avatar": None}


@pytest.mark.parametrize(
    "fields,message",
    [
        ("nonsense", "nonsense is not a valid field"),
        ("client{id,company{id}}", "Nested fields may only be requested one level deep"),
        ("client{currency{code}}", "Nested fields may only be requested one level deep"),
        ("client{bogus}", "client{bogus} is not a valid field"),
        ("client{addresses}", "client{addresses} is not a valid field"),
        ("number{x}", "number has no nested fields"),
        ("matters{client}", "matters{client} is not a valid field"),
    ],
)
def test_invalid_fields_are_400(clio: Clio, fields: str, message: str) -> None:
    response = clio.api("/bills.json", params={"fields": fields})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "InvalidFields", "message": message}


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


def test_cursor_pages_link_back_with_previous(clio: Clio) -> None:
    """docs.developers.clio.com/api-docs/paging: cursor pagination is what ``order=id(asc)``
    without ``offset`` gets; "the previous and next fields will be URLs that can be used to
    retrieve the previous and next page of results. If there is no previous or next page, the
    field will be omitted." The ``page_token`` the links carry is the emulator's cursor."""
    forward = _pages(clio, "line_items", limit=7, order="id(asc)")
    assert len(forward) > 3
    assert "previous" not in forward[0]["meta"]["paging"] and "next" not in forward[-1]["meta"]["paging"]
    backward = [forward[-1]]
    while "previous" in backward[-1]["meta"]["paging"]:
        link = backward[-1]["meta"]["paging"]["previous"]
        assert _query(link)["limit"] == ["7"] and "page_token" in _query(link)
        backward.append(_follow(clio, link))
    assert [_ids(page) for page in backward] == [_ids(page) for page in reversed(forward)]


def test_offset_paging_of_custom_orders(clio: Clio) -> None:
    # docs.developers.clio.com/api-docs/paging: "Limited Offset Pagination".
    pages = _pages(clio, "allocations", limit=4, fields="id,date")
    assert [r["date"] for page in pages for r in page["data"]] == sorted(r["date"] for p in pages for r in p["data"])
    links = [_query(page["meta"]["paging"]["next"]) for page in pages[:-1]]
    assert [link["offset"] for link in links] == [[str(4 * n)] for n in range(1, len(pages))]
    assert all("page_token" not in link for link in links)
    assert _query(pages[2]["meta"]["paging"]["previous"])["offset"] == ["4"]
    parallel = [clio.get("/allocations.json", limit=4, fields="id,date", offset=4 * n) for n in range(len(pages))]
    assert [_ids(page) for page in parallel] == [_ids(page) for page in pages]
    by_offset = clio.get("/bills.json", order="id(asc)", offset=5, limit=5)
    assert _ids(by_offset) == [6, 7, 8, 9, 10]
    assert _query(by_offset["meta"]["paging"]["next"])["offset"] == ["10"]
    assert _query(by_offset["meta"]["paging"]["previous"])["offset"] == ["0"]


@pytest.mark.parametrize(
    "params,status,kind",
    [
        ({"offset": 10_000}, 422, "ArgumentError"),
        ({"offset": -1}, 400, "BadRequest"),
        ({"order": "issued_at(asc)", "page_token": "YWZ0ZXI6Mw"}, 400, "BadRequest"),
        ({"page_token": "bm9wZQ"}, 400, "BadRequest"),
    ],
)
def test_paging_refusals(clio: Clio, params: dict, status: int, kind: str) -> None:
    """docs.developers.clio.com/api-docs/paging: offset pagination reaches 10,000 records, and
    "attempting to retrieve a page over the limit will result in a 422 ArgumentError"; cursor
    pagination is "id(asc) only". The 400s are the emulator's: Clio documents no answer to a
    negative offset, a page_token with another order, or one it never issued."""
    response = clio.api("/bills.json", params=params)
    assert response.status_code == status and response.json()["error"]["type"] == kind


def test_api_versions(clio: Clio) -> None:
    # Clio's OpenAPI document, "Minor Versions": 4.0.13 is the default; a retired or
    # invalid X-API-VERSION is 410 Gone; successful answers name the version served.
    assert clio.api("/bills.json").headers["X-API-VERSION"] == "4.0.13"
    pinned = clio.api("/bills.json", headers={"X-API-VERSION": "4.0.9"})
    assert pinned.status_code == 200 and pinned.headers["X-API-VERSION"] == "4.0.9"
    assert clio.api("/webhooks.json", headers={"X-API-VERSION": "4.0.12"}).headers["X-API-VERSION"] == "4.0.12"
    for version in ("4.0.3", "4.0.11", "banana"):
        gone = clio.api("/bills.json", headers={"X-API-VERSION": version})
        assert gone.status_code == 410 and gone.json()["error"]["type"] == "Gone"
        assert "X-API-VERSION" not in gone.headers
    assert "X-API-VERSION" not in clio.api("/bills/999999.json").headers


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


def _open_bill_with_lines(clio: Clio) -> dict:
    bills = _all(clio, "bills", state="awaiting_payment", fields="id,total,sub_total,updated_at,etag")
    return next(b for b in bills if len(_all(clio, "line_items", bill_id=b["id"], fields="id")) >= 2)


def test_lines_added_edited_and_removed_move_their_bill(clio: Clio) -> None:
    """Clio's OpenAPI document has PATCH and DELETE of /line_items/{id}.json (and no POST: a
    line is added in Clio's bill editor, which the admin API stands for); the bill's amounts
    follow its lines, and it is dated anew."""
    bill = _open_bill_with_lines(clio)
    line = clio.admin("POST", f"/bills/{bill['id']}/lines", json={"kind": "Expense", "price": "40.00"})["data"]
    after = clio.get(f"/bills/{bill['id']}.json", fields="sub_total,updated_at")["data"]
    assert Decimal(str(after["sub_total"])) == Decimal(str(bill["sub_total"])) + 40
    assert after["updated_at"] >= bill["updated_at"]
    clio.admin("PATCH", f"/line_items/{line['id']}", json={"price": "10.00"})
    assert Decimal(str(clio.get(f"/bills/{bill['id']}.json", fields="sub_total")["data"]["sub_total"])) == (
        Decimal(str(bill["sub_total"])) + 10
    )
    clio.admin("DELETE", f"/line_items/{line['id']}")
    lines = _all(clio, "line_items", bill_id=bill["id"], fields="id")
    assert line["id"] not in [ln["id"] for ln in lines]
    assert clio.get("/line_items.json", **{"ids[]": line["id"]})["data"] == [], "a removed line is listed no more"
    assert Decimal(str(clio.get(f"/bills/{bill['id']}.json", fields="sub_total")["data"]["sub_total"])) == Decimal(
        str(bill["sub_total"])
    )


def test_a_line_edited_without_touching_its_bill_is_found_through_the_line(clio: Clio) -> None:
    bill = _open_bill_with_lines(clio)
    [first, *_] = _all(clio, "line_items", bill_id=bill["id"], fields="id,updated_at,quantity")
    clio.admin("PATCH", f"/line_items/{first['id']}", params={"touch_bill": "false"}, json={"quantity": 1000})
    after = clio.get(f"/bills/{bill['id']}.json", fields="sub_total,updated_at,etag")["data"]
    assert after["updated_at"] == bill["updated_at"] and after["sub_total"] != bill["sub_total"]
    changed = _all(clio, "line_items", updated_since=first["updated_at"], fields="id,bill")
    assert first["id"] in [ln["id"] for ln in changed]
    clio.admin("PATCH", f"/line_items/{first['id']}", json={"quantity": first["quantity"]})  # as it was


def test_requests_are_counted_by_the_names_of_their_filters(clio: Clio) -> None:
    clio.admin("DELETE", "/requests")
    clio.get("/line_items.json", fields="id", limit=5)
    clio.get("/line_items.json", bill_id=1, fields="id")
    clio.get("/line_items.json", **{"ids[]": [1, 2], "updated_since": "2020-01-01T00:00:00Z"})
    counted = {
        r["filters"]: r["count"]
        for r in clio.admin("GET", "/requests")["requests"]
        if r["endpoint"].endswith("line_items.json")
    }
    assert counted == {"": 1, "bill_id": 1, "ids[],updated_since": 1}


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


def test_bank_accounts_and_their_ledgers(clio: Clio) -> None:
    accounts = _all(clio, "bank_accounts", fields="id,name,type,balance,bank_transactions_count,currency")
    assert [(a["type"], a["currency"]) for a in accounts] == [("Operating", "USD"), ("Trust", "USD")]
    for account in accounts:
        ledger = _all(clio, "bank_transactions", bank_account_id=account["id"], fields="amount,bank_account{id}")
        assert len(ledger) == account["bank_transactions_count"]
        assert {t["bank_account"]["id"] for t in ledger} == {account["id"]}
        assert sum(Decimal(str(t["amount"])) for t in ledger) == Decimal(str(account["balance"]))
    shown = clio.get(f"/bank_accounts/{accounts[1]['id']}.json", fields="name,holder")["data"]
    assert shown == {"name": "IOLTA Trust", "holder": "Sandbox Law LLP"}
    from_trust = _all(clio, "bank_transactions", bank_account_id=accounts[1]["id"], fields="funds_out,allocation")
    assert any(t["funds_out"] and t["allocation"] for t in from_trust), "a bill paid from trust"


def test_payments_move_money_and_updated_since_sees_it(clio: Clio) -> None:
    before = _all(clio, "bank_accounts", fields="id,balance,updated_at")
    latest = max(a["updated_at"] for a in before)
    allocation = clio.admin("POST", "/payments", json={"bill_id": 1, "amount": "10.00"})["data"]
    clio.admin("POST", f"/allocations/{allocation['id']}/void")
    moved = _all(
        clio,
        "bank_transactions",
        updated_since=latest,
        fields="amount,transaction_type,allocation{id},bank_account{id},current_account_balance",
    )
    assert [(t["amount"], t["transaction_type"], t["allocation"]["id"]) for t in moved] == [
        (10.0, "Deposit", allocation["id"]),
        (-10.0, "Withdrawal", allocation["id"]),
    ]
    operating = before[0]
    assert [t["current_account_balance"] for t in moved] == [
        float(Decimal(str(operating["balance"])) + 10),
        operating["balance"],
    ]
    changed = _all(clio, "bank_accounts", updated_since=latest, fields="id,balance")
    assert changed == [{"id": operating["id"], "balance": operating["balance"]}]


def test_the_accounts_currencies_are_listed_and_kept_through_a_reset(clio: Clio) -> None:
    every = clio.get("/currencies.json", fields="id,etag,code,sign")["data"]
    assert [(c["id"], c["code"], c["sign"]) for c in every] == [
        (1, "USD", "$"),
        (2, "CAD", "$"),
        (3, "GBP", "£"),
        (4, "AUD", "$"),
        (5, "EUR", "€"),
    ]
    contact = clio.get("/contacts/1.json", fields="currency{id,etag}")["data"]["currency"]
    assert contact == {"id": every[0]["id"], "etag": every[0]["etag"]}, "a contact's currency is one of them"
    assert [c["code"] for c in clio.get("/currencies.json", fields="code", **{"ids[]": 5})["data"]] == ["EUR"]
    assert clio.api("/currencies/5.json").status_code == 404, "Clio has no such path"
    counts = clio.admin("POST", "/reset")["counts"]
    assert "currencies" not in counts and not any(counts.values())
    clio.token = clio.mint()  # a reset forgets tokens too
    assert len(clio.get("/currencies.json")["data"]) == 5
