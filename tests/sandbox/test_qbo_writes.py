"""Writes the QBO emulator refuses as QBO does: properties its classes do not have (2010).

Sources: python-quickbooks issue #299 (a SalesItemLineDetail with ``Amount`` refused with
2010, the Detail naming the class and its 18 known properties), issue #80 (the same for
Item), QuickBooks-V3-DotNET-SDK issue #376 (the Fault envelope of a 2010); Intuit's schema
(QuickBooks-V3-Java-SDK ``Finance.xsd``) for the properties of each class.
"""

from __future__ import annotations

import httpx
import pytest

#: The known properties python-quickbooks issue #299 quotes for SalesItemLineDetail.
SALES_ITEM_LINE_DETAIL_299 = (
    "ItemRef DiscountRate TaxClassificationRef ServiceDate UnitPrice TaxInclusiveAmt InventorySiteRef MarkupInfo "
    "SalesItemLineDetailEx PriceLevelRef ItemAccountRef ClassRef DeferredRevenue UOMRef RatePercent DiscountAmt Qty "
    "TaxCodeRef"
).split()


def line(item: str, amount: str = "100.00", **detail) -> dict:
    return {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}, **detail},
    }


def invoice(services: dict[str, str], **extra) -> dict:
    return {"CustomerRef": {"value": services["customer"]}, "Line": [line(services["item"])], **extra}


def refused(response: httpx.Response) -> dict:
    """The one error of a 2010 answer, after checking the envelope QBO uses."""
    assert response.status_code == 400, response.text
    fault = response.json()["Fault"]
    assert fault["type"] == "ValidationFault"
    [error] = fault["Error"]
    assert (error["code"], error["Message"]) == ("2010", "Request has invalid or unsupported property")
    assert error["Detail"].startswith("Property Name:Unrecognized field ")
    assert error["Detail"].endswith("])\n specified is unsupported or invalid")
    return error


def unrecognized(error: dict) -> tuple[str, str]:
    """(field, class) as the Detail names them."""
    head = error["Detail"].split(" (class com.intuit.schema.finance.v3.", 1)
    return head[0].split('"')[1], head[1].split(")", 1)[0]


def test_the_detail_names_the_field_its_class_and_what_the_class_knows(qbo, services) -> None:
    body = invoice(services)
    body["Line"][0]["SalesItemLineDetail"]["Amount"] = "100.00"  # issue #299: Amount belongs to the line
    error = refused(qbo.api("POST", "/invoice", json=body))
    assert unrecognized(error) == ("Amount", "SalesItemLineDetail")
    assert "not marked as ignorable (19 known properties: " in error["Detail"]
    listed = error["Detail"].split("known properties: ", 1)[1]
    assert {f'"{name}"' for name in SALES_ITEM_LINE_DETAIL_299} <= set(listed.split("])")[0].split(", "))
    assert qbo.admin("GET", f"/objects/{qbo.realm}/Invoice")["Invoice"] == []


def test_a_long_list_of_known_properties_is_cut_as_jackson_cuts_it(qbo, services) -> None:
    error = refused(qbo.api("POST", "/invoice", json=invoice(services, Memo="not a property")))
    assert unrecognized(error) == ("Memo", "Invoice")
    assert error["Detail"].endswith('" [truncated]])\n specified is unsupported or invalid')


@pytest.mark.parametrize(
    "path, body, field, cls",
    [
        ("/customer", {"DisplayName": "Jane", "EmailAddr": {"Address": "jane@example.com"}}, "EmailAddr", "Customer"),
        ("/customer", {"displayName": "Jane"}, "displayName", "Customer"),  # names are case-sensitive
        ("/customer", {"DisplayName": "Jane", "PrimaryEmailAddr": {"Adress": "j@x.y"}}, "Adress", "EmailAddress"),
        (
            "/customer",
            {"DisplayName": "Jane", "BillAddr": {"Line1": "1 Main", "State": "CA"}},
            "State",
            "PhysicalAddress",
        ),
        ("/item", {"Name": "Fees", "IncomeAccountRef": {"value": "1", "id": "1"}}, "id", "ReferenceType"),
        ("/item", {"Name": "Fees", "PurchaseTaxInclusive": False}, "PurchaseTaxInclusive", "Item"),  # issue #80
        ("/account", {"Name": "Fees", "AccountType": "Income", "Balance": 0}, "Balance", "Account"),
    ],
)
def test_unknown_properties_of_names_are_refused(qbo, path, body, field, cls) -> None:
    assert unrecognized(refused(qbo.api("POST", path, json=body))) == (field, cls)


@pytest.mark.parametrize(
    "extra, line, field, cls",
    [
        ({"TxnTaxDetail": {"TotalTax": "0", "Tax": "0"}}, None, "Tax", "TxnTaxDetail"),
        ({"CustomerMemo": {"value": "Thanks", "text": "Thanks"}}, None, "text", "MemoRef"),
        (
            {},
            {"Amount": "1", "DetailType": "DiscountLineDetail", "DiscountLineDetail": {"Percent": 5}},
            "Percent",
            "DiscountLineDetail",
        ),
        ({}, {"Amount": "1", "DetailType": "SalesItemLineDetail", "Detail": {}}, "Detail", "Line"),
    ],
)
def test_unknown_properties_inside_a_transaction_are_refused(qbo, services, extra, line, field, cls) -> None:
    body = invoice(services, **extra)
    body["Line"] += [line] if line else []
    assert unrecognized(refused(qbo.api("POST", "/invoice", json=body))) == (field, cls)


def test_a_payment_link_is_checked_too(qbo, services) -> None:
    made = qbo.api("POST", "/invoice", json=invoice(services)).json()["Invoice"]
    body = {
        "CustomerRef": {"value": services["customer"]},
        "TotalAmt": "10.00",
        "Line": [{"Amount": "10.00", "LinkedTxn": [{"TxnID": made["Id"], "TxnType": "Invoice"}]}],
    }
    assert unrecognized(refused(qbo.api("POST", "/payment", json=body))) == ("TxnID", "LinkedTxn")
    assert qbo.api("GET", f"/invoice/{made['Id']}").json()["Invoice"]["Balance"] == 100


@pytest.mark.parametrize(
    "operation, extra",
    [("", {"sparse": True}), ("", {}), ("?operation=delete", {}), ("?operation=void", {})],
    ids=["sparse update", "full update", "delete", "void"],
)
def test_every_operation_binds_the_body_first(qbo, services, operation, extra) -> None:
    made = qbo.api("POST", "/invoice", json=invoice(services)).json()["Invoice"]
    body = {"Id": made["Id"], "SyncToken": made["SyncToken"], "Privatenote": "typo", **invoice(services), **extra}
    assert unrecognized(refused(qbo.api("POST", f"/invoice{operation}", json=body))) == ("Privatenote", "Invoice")
    after = qbo.api("GET", f"/invoice/{made['Id']}").json()["Invoice"]
    assert (after["SyncToken"], after["TotalAmt"]) == (made["SyncToken"], made["TotalAmt"])


def test_one_unknown_property_refuses_the_whole_batch(qbo, services) -> None:
    body = {
        "BatchItemRequest": [
            {"bId": "ok", "operation": "create", "Customer": {"DisplayName": "Batch Fine"}},
            {"bId": "q", "Query": "select * from Customer"},
            {"bId": "bad", "operation": "create", "Invoice": invoice(services, DocNum="1043")},
        ]
    }
    assert unrecognized(refused(qbo.api("POST", "/batch", json=body))) == ("DocNum", "Invoice")
    names = [c["DisplayName"] for c in qbo.admin("GET", f"/objects/{qbo.realm}/Customer")["Customer"]]
    assert "Batch Fine" not in names


def test_read_only_properties_bind_and_are_ignored(qbo, services) -> None:
    sent = invoice(
        services,
        TotalAmt="999.00",
        Balance="999.00",
        HomeBalance="999.00",
        InvoiceLink="https://example.com/pay",
        MetaData={"CreateTime": "2001-01-01T00:00:00-07:00", "LastUpdatedTime": "2001-01-01T00:00:00-07:00"},
    )
    made = qbo.api("POST", "/invoice", json=sent)
    assert made.status_code == 200, made.text
    stored = made.json()["Invoice"]
    assert (stored["TotalAmt"], stored["Balance"]) == (100, 100)
    assert "InvoiceLink" not in stored and "HomeBalance" not in stored
    assert stored["MetaData"]["CreateTime"] != "2001-01-01T00:00:00-07:00"
    sent = {"DisplayName": "Kept", "FullyQualifiedName": "Other", "Level": 3}
    customer = qbo.api("POST", "/customer", json=sent).json()["Customer"]
    assert customer["FullyQualifiedName"] == "Kept" and "Level" not in customer


def _one_of_each(qbo, services) -> dict[str, str]:
    """Entity -> the path that reads one object of it, for every entity the emulator serves."""
    ids = {"Invoice": qbo.api("POST", "/invoice", json=invoice(services)).json()["Invoice"]["Id"]}
    payment = {
        "CustomerRef": {"value": services["customer"]},
        "TotalAmt": "10.00",
        "Line": [{"Amount": "10.00", "LinkedTxn": [{"TxnId": ids["Invoice"], "TxnType": "Invoice"}]}],
    }
    ids["Payment"] = qbo.api("POST", "/payment", json=payment).json()["Payment"]["Id"]
    for name in ("CreditMemo", "SalesReceipt", "Estimate"):
        ids[name] = qbo.api("POST", f"/{name.lower()}", json=invoice(services)).json()[name]["Id"]
    ids["Vendor"] = qbo.api("POST", "/vendor", json={"DisplayName": "Paper Co"}).json()["Vendor"]["Id"]
    ids.update(Customer=services["customer"], Item=services["item"], Account="1", CompanyInfo=qbo.realm)
    return {**{name: f"/{name.lower()}/{made}" for name, made in ids.items()}, "Preferences": "/preferences"}


def test_what_the_emulator_answers_can_be_sent_back_whole(qbo, services) -> None:
    """Read-modify-write with the whole object: every property the emulator answers with is
    one QBO's classes know, so a client that echoes it back is never refused for that."""
    for name, read in _one_of_each(qbo, services).items():
        current = qbo.api("GET", read).json()[name]
        response = qbo.api("POST", f"/{name.lower()}", json=current)
        assert response.status_code == 200, f"{name}: {response.text}"
