"""A customer's phones, e-mail and addresses in the QBO emulator: kept as sent, refused when
QBO would refuse them.

Sources: Intuit's IntuitBaseTypes.xsd (github.com/intuit/QuickBooks-V3-Java-SDK, October 2024)
for the classes (``TelephoneNumber``, ``EmailAddress``, ``PhysicalAddress``) and their QBO
maximum lengths; consolibyte/quickbooks-php issue #79 for the 2050 a too-long phone number
meets ("Max:21"); python-quickbooks issue #299 for the 2010 of a property a class lacks.
"""

from __future__ import annotations

import pytest

from tests.sandbox.test_qbo_writes import refused, unrecognized

DETAILS = {
    "PrimaryPhone": {"FreeFormNumber": "(512) 555-0100"},
    "Mobile": {"FreeFormNumber": "(512) 555-0101"},
    "AlternatePhone": {"FreeFormNumber": "(512) 555-0102"},
    "Fax": {"FreeFormNumber": "(512) 555-0103"},
    "PrimaryEmailAddr": {"Address": "ana@example.com"},
    "BillAddr": {"Line1": "PO Box 7", "City": "Austin", "CountrySubDivisionCode": "TX", "PostalCode": "78701"},
    "ShipAddr": {
        "Line1": "1 Main St",
        "Line2": "Suite 5",
        "City": "Austin",
        "CountrySubDivisionCode": "TX",
        "PostalCode": "78701",
        "Country": "United States",
    },
}


def fault(response) -> dict:
    assert response.status_code == 400, response.text
    [error] = response.json()["Fault"]["Error"]
    return error


def test_a_customers_details_are_kept_and_a_sparse_update_changes_only_what_it_sends(qbo) -> None:
    made = qbo.api("POST", "/customer", json={"DisplayName": "Ana Alder", **DETAILS}).json()["Customer"]
    assert {key: made[key] for key in DETAILS} == DETAILS
    # A bookkeeper adds a web address in QuickBooks; a sparse update of the mobile leaves it be.
    edited = {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "WebAddr": {"URI": "https://a.example"}}
    made = qbo.api("POST", "/customer", json=edited).json()["Customer"]
    update = {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "Mobile": {"FreeFormNumber": "1"}}
    assert qbo.api("POST", "/customer", json=update).status_code == 200
    stored = qbo.api("GET", f"/customer/{made['Id']}").json()["Customer"]
    assert stored["Mobile"] == {"FreeFormNumber": "1"}
    assert stored["WebAddr"] == {"URI": "https://a.example"}
    assert {key: stored[key] for key in DETAILS if key != "Mobile"} == {
        k: v for k, v in DETAILS.items() if k != "Mobile"
    }


@pytest.mark.parametrize(
    "detail, part, limit",
    [
        ("PrimaryPhone", "FreeFormNumber", 21),
        ("Mobile", "FreeFormNumber", 21),
        ("AlternatePhone", "FreeFormNumber", 21),
        ("Fax", "FreeFormNumber", 21),
        ("PrimaryEmailAddr", "Address", 100),
        ("BillAddr", "Line1", 500),
        ("ShipAddr", "Line5", 500),
        ("ShipAddr", "City", 255),
        ("ShipAddr", "CountrySubDivisionCode", 255),
        ("ShipAddr", "PostalCode", 30),
        ("BillAddr", "Country", 255),
    ],
)
def test_a_detail_longer_than_qbo_takes_is_refused_with_2050(qbo, detail, part, limit) -> None:
    fits = {"DisplayName": "Fits", detail: {part: "9" * limit}}
    assert qbo.api("POST", "/customer", json=fits).status_code == 200
    error = fault(qbo.api("POST", "/customer", json={"DisplayName": "Too long", detail: {part: "9" * (limit + 1)}}))
    assert error["code"] == "2050"
    assert error["element"] == f"{detail}.{part}"
    assert f"Max:{limit} supported. Supplied length:{limit + 1}" in error["Detail"]
    names = [c["DisplayName"] for c in qbo.admin("GET", f"/objects/{qbo.realm}/Customer")["Customer"]]
    assert "Too long" not in names


def test_a_sparse_update_too_long_changes_nothing(qbo) -> None:
    made = qbo.api("POST", "/customer", json={"DisplayName": "Ana Alder", **DETAILS}).json()["Customer"]
    update = {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "Fax": {"FreeFormNumber": "9" * 22}}
    assert fault(qbo.api("POST", "/customer", json=update))["code"] == "2050"
    stored = qbo.api("GET", f"/customer/{made['Id']}").json()["Customer"]
    assert (stored["Fax"], stored["SyncToken"]) == (DETAILS["Fax"], made["SyncToken"])


def test_vendors_share_the_rule(qbo) -> None:
    body = {"DisplayName": "Paper Co", "PrimaryPhone": {"FreeFormNumber": "9" * 22}}
    assert fault(qbo.api("POST", "/vendor", json=body))["code"] == "2050"


@pytest.mark.parametrize(
    "detail, value, field, cls",
    [
        ("Mobile", {"Number": "1"}, "Number", "TelephoneNumber"),
        ("ShipAddr", {"Line1": "1 Main", "Province": "TX"}, "Province", "PhysicalAddress"),
        ("PrimaryEmailAddr", {"Email": "a@b.c"}, "Email", "EmailAddress"),
    ],
)
def test_a_sub_field_its_class_lacks_is_refused_with_2010(qbo, detail, value, field, cls) -> None:
    response = qbo.api("POST", "/customer", json={"DisplayName": "Ana", detail: value})
    assert unrecognized(refused(response)) == (field, cls)


def test_a_bookkeeper_edits_a_customer_in_the_qbo_screens(qbo) -> None:
    """The admin API's ``edit`` stands for a person changing fields of a customer in QBO: a
    sparse change checked as any write, which moves the SyncToken an integration holds on."""
    made = qbo.api("POST", "/customer", json={"DisplayName": "Ana Alder", **DETAILS}).json()["Customer"]
    path = f"/user/{qbo.realm}/Customer/{made['Id']}/edit"
    edited = qbo.admin("POST", path, json={"WebAddr": {"URI": "https://ana.example"}})["Customer"]
    assert edited["WebAddr"] == {"URI": "https://ana.example"} and edited["Mobile"] == DETAILS["Mobile"]
    assert int(edited["SyncToken"]) == int(made["SyncToken"]) + 1
    response = qbo.http.post(f"/_sandbox{path}", json={"Mobile": {"Number": "1"}})
    assert unrecognized(refused(response)) == ("Number", "TelephoneNumber")
    response = qbo.http.post(f"/_sandbox{path}", json={"Mobile": {"FreeFormNumber": "9" * 22}})
    assert fault(response)["code"] == "2050"
