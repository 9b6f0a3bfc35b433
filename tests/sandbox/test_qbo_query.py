"""Queries the QBO emulator answers as QBO does: what may be filtered and sorted, paging, order.

Sources: quickbooks-ruby issue #403 (a Vendor's PrimaryEmailAddr "is not queryable", code
4001) and #628 (an unknown entity: "Metadata not found for Entity"); QuickBooks-V3-DotNET-SDK
issue #163 (AcctNum is no filter); node-quickbooks issue #56 and quickbooks-ruby issue #471
(after a condition QBO's parser expects "maxresults" as well as "startposition"); the
recorded batch answer, whose rows are not in Id order.
"""

from __future__ import annotations

import httpx
import pytest

from billsync.sandbox.qbo import query


def ask(qbo, text: str) -> httpx.Response:
    return qbo.api("GET", "/query", params={"query": text})


def invalid(response: httpx.Response) -> str:
    """The Detail of a 4001 answer, after checking its envelope."""
    assert response.status_code == 400, response.text
    fault = response.json()["Fault"]
    [error] = fault["Error"]
    assert (fault["type"], error["code"], error["Message"]) == ("ValidationFault", "4001", "Invalid query")
    return error["Detail"]


@pytest.mark.parametrize(
    "text, detail",
    [
        ("select * from Vendor where PrimaryEmailAddr = 'a@b.c'", "property 'PrimaryEmailAddr' is not queryable"),
        ("select * from Customer where AcctNum = '42'", "property 'AcctNum' is not queryable"),
        (
            "select * from Invoice where PrivateNote = 'billsync: Clio bill 7'",
            "property 'PrivateNote' is not queryable",
        ),
        ("select * from Customer where DisplayNmae = 'Amy'", "property 'DisplayNmae' is not queryable"),
        (
            "select * from Invoice where DocNumber = '1' and Line.Amount > '5'",
            "property 'Line.Amount' is not queryable",
        ),
        ("select * from Customer orderby Notes", "property 'Notes' is not sortable"),
        ("select * from Payment orderby CustomerRef desc", "property 'CustomerRef' is not sortable"),
        ("select * from Invoce", "Metadata not found for Entity: Invoce"),
    ],
)
def test_what_qbo_does_not_offer_is_a_validation_error(qbo, text, detail) -> None:
    assert invalid(ask(qbo, text)) == f"QueryValidationError: {detail}"


def test_a_batch_query_is_checked_alike(qbo) -> None:
    body = {"BatchItemRequest": [{"bId": "q", "Query": "select * from Customer where Notes = 'x'"}]}
    [answer] = qbo.api("POST", "/batch", json=body).json()["BatchItemResponse"]
    assert answer["Fault"]["Error"][0]["code"] == "4001"


@pytest.mark.parametrize(
    "text",
    [
        "select * from Customer where displayname = 'Amy\\'s Bird Sanctuary' and ACTIVE = true",
        "select * from Customer where MetaData.LastUpdatedTime > '2001-01-01' orderby metadata.lastupdatedtime desc",
        "select * from Invoice where CustomerRef = '1' and TxnDate >= '2001-01-01' orderby DocNumber, Id",
        "select * from Payment where TxnDate in ('2024-01-01', '2024-01-02') orderby TxnDate",
        "select * from Item where Name in ('Services') and Type = 'Service' orderby Name",
        "select * from Account where AccountType = 'Income' orderby Name",
    ],
)
def test_filterable_and_sortable_properties_in_any_case(qbo, services, text) -> None:
    assert ask(qbo, text).status_code == 200


@pytest.fixture
def customers(qbo) -> list[str]:
    """Five customers whose last change is not in Id order (Id 1 changed last)."""
    changed = ["2024-05-01", "2024-01-01", "2024-03-01", "2024-02-01", "2024-04-01"]
    rows = [
        {
            "Id": str(i),
            "DisplayName": f"Client {i}",
            "MetaData": {"CreateTime": "2024-01-01T00:00:00-07:00", "LastUpdatedTime": f"{day}T00:00:00-07:00"},
        }
        for i, day in enumerate(changed, start=1)
    ]
    return qbo.seed({"Customer": rows}, raw=True)["Customer"]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["Id"] for row in response.json()["QueryResponse"].get("Customer", [])]


def test_without_orderby_rows_come_most_recently_changed_first(qbo, customers) -> None:
    assert ids(ask(qbo, "select * from Customer")) == ["1", "5", "3", "4", "2"]
    assert ids(ask(qbo, "select * from Customer orderby Id")) == ["1", "2", "3", "4", "5"]


def test_a_select_list_is_answered_with_whole_objects(qbo, customers) -> None:
    """ "The response set always returns all properties for each object. That is, projections
    are not supported" (Intuit, Data queries): ``select Id`` costs what ``select *`` costs."""
    answer = ask(qbo, "select Id from Customer orderby Id")
    assert answer.status_code == 200, answer.text
    rows = answer.json()["QueryResponse"]["Customer"]
    assert [(row["Id"], row["DisplayName"]) for row in rows] == [(str(i), f"Client {i}") for i in range(1, 6)]


def test_an_edit_moves_a_row_between_pages_unless_the_query_orders(qbo, customers) -> None:
    page = "select * from Customer{order} startposition {start} maxresults 2"
    first = ids(ask(qbo, page.format(order="", start=1)))
    ordered = ids(ask(qbo, page.format(order=" orderby Id", start=1)))
    edited = qbo.api("POST", "/customer", json={"Id": "2", "SyncToken": "0", "sparse": True, "Notes": "edited"})
    assert edited.status_code == 200, edited.text
    rest = ids(ask(qbo, page.format(order="", start=3))) + ids(ask(qbo, page.format(order="", start=5)))
    assert "2" not in first + rest, "paging without ORDERBY lost the row edited in between"
    ordered += ids(ask(qbo, page.format(order=" orderby Id", start=3)))
    ordered += ids(ask(qbo, page.format(order=" orderby Id", start=5)))
    assert ordered == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize(
    "paging", ["startposition 2 maxresults 3", "maxresults 3 startposition 2", "MAXRESULTS 3 STARTPOSITION 2"]
)
def test_maxresults_and_startposition_come_in_either_order(qbo, customers, paging) -> None:
    answer = ask(qbo, f"select * from Customer orderby Id {paging}")
    assert ids(answer) == ["2", "3", "4"]
    assert (answer.json()["QueryResponse"]["startPosition"], answer.json()["QueryResponse"]["maxResults"]) == (2, 3)


@pytest.mark.parametrize(
    "text", ["select * from Customer maxresults 3 maxresults 4", "select * from Customer startposition 2 orderby Id"]
)
def test_paging_keywords_once_and_last(qbo, text) -> None:
    response = ask(qbo, text)
    assert response.status_code == 400 and response.json()["Fault"]["Error"][0]["code"] == "4000"


@pytest.mark.parametrize(
    "value, options",
    [
        ("1001", ["1001.0", "999", "x"]),  # numbers compare as numbers
        ("1001", ["1002", "01001x"]),
        (True, ["true", "FALSE"]),  # a boolean as its word
        (False, ["true"]),
        ("Amy Ames", ["amy ames", "Bob"]),  # names without case
        ("Amy Ames", ["Amy Ames ", "Bob"]),
        ("2026-01-02T03:04:05-08:00", ["2026-01-02T11:04:05Z", "2026-01-03"]),  # times as instants
        ("2026-01-02T03:04:05-08:00", ["2026-01-02T03:04:05Z"]),
        ({"Address": "a@b.c"}, ["A@B.C"]),  # an e-mail address by the address it holds
        (None, ["None", ""]),  # no such field meets no condition
    ],
)
def test_in_matches_what_equals_one_of_its_options_matches(value, options) -> None:
    """``in`` compares keys, for speed (50 options over 100,000 objects made 5,000,000
    comparisons): it must match exactly where ``=`` matches one of its options."""
    row = {"Id": "1", "Field": value} if value is not None else {"Id": "1"}
    equal = any(query._matches(row, ("Field", "=", option)) for option in options)
    assert query._matcher(("Field", "in", options))(row) is equal
