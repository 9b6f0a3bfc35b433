"""Clio records into QBO payloads, and what QBO would refuse: no server needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billsync.daemon.sync import mapping
from billsync.daemon.sync.mapping import Invalid

ITEMS = {"Service": "1", "Expense": "2"}


def line(id, kind="Service", price="100.00", quantity="1", total=None, taxable=False):
    total = total or str(Decimal(price) * Decimal(quantity))
    return {
        "id": id,
        "kind": kind,
        "price": price,
        "quantity": quantity,
        "total": total,
        "taxable": taxable,
        "description": f"line {id}",
    }


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Smith: Estate of", "Smith - Estate of"),
        ("  Ana\tSmith\n", "Ana Smith"),
        ("大塚法律事務所", "大塚法律事務所"),
        ("x" * 600, "x" * 500),
    ],
)
def test_display_names_follow_qbo_rules(name, expected):
    assert mapping.display_name({"id": 1, "name": name}) == expected


def test_a_nameless_contact_is_invalid():
    with pytest.raises(Invalid, match="no name"):
        mapping.display_name({"id": 1, "name": " "})


def test_disambiguation_is_stable_and_fits():
    assert mapping.disambiguated("John Smith", 4) == "John Smith (Clio 4)"
    assert len(mapping.disambiguated("y" * 500, 123)) == 500


def test_invoice_total_equals_the_bill_to_the_cent_with_discount_and_taxes():
    lines = [
        line(1, price="275.50", quantity="1.5", total="413.25", taxable=True),
        line(2, "Expense", "40.00", "1", "36.00"),
    ]
    bill = {
        "id": 9,
        "number": "2024-0042",
        "issued_at": "2024-03-01",
        "due_at": "2024-03-31",
        "sub_total": "449.25",
        "tax_sum": "49.43",
        "secondary_tax_sum": "0",
        "total": "453.68",
        "state": "awaiting_payment",
    }
    body = mapping.invoice(bill, lines, "77", ITEMS, account="5")
    amounts = [Decimal(str(line["Amount"])) for line in body["Line"]]
    discount = sum(a for a, line in zip(amounts, body["Line"]) if line["DetailType"] == "DiscountLineDetail")
    sales = sum(a for a, line in zip(amounts, body["Line"]) if line["DetailType"] == "SalesItemLineDetail")
    assert sales - discount + body["TxnTaxDetail"]["TotalTax"] == Decimal("453.68")
    assert body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert "Qty" not in body["Line"][1]["SalesItemLineDetail"], "a discounted line is sent by amount only"
    assert body["DocNumber"] == "2024-0042" and body["PrivateNote"] == "billsync: Clio account 5 bill 9"


@pytest.mark.parametrize(
    "bill, lines, message",
    [
        ({"number": "CLIO-2023-LITIGATION-000002"}, [line(1)], "at most 21"),
        ({"number": ""}, [line(1)], "no number"),
        ({"number": "7"}, [], "no line items"),
        ({"number": "7", "sub_total": "90.00"}, [line(1)], "add up to 100.00"),
        ({"number": "7"}, [line(1, kind="Fee")], "kind Fee"),
    ],
)
def test_what_qbo_would_refuse_is_caught_with_a_reason(bill, lines, message):
    bill = {"id": 1, "total": "100.00", "tax_sum": "0", **bill}
    with pytest.raises(Invalid, match=message):
        mapping.invoice(bill, lines, "77", ITEMS, account="5")


@pytest.mark.parametrize(
    "state, issued, start, skipped",
    [
        ("draft", "2024-01-01", "", "Draft"),
        ("awaiting_approval", "2024-01-01", "", "approval"),
        ("awaiting_payment", "2023-12-31", "2024-01-01", "before the sync start date"),
        ("paid", "2024-01-01", "2024-01-01", ""),
    ],
)
def test_which_bills_sync(state, issued, start, skipped):
    reason = mapping.skip_reason({"state": state, "issued_at": issued}, start)
    assert (skipped in reason) if skipped else reason == ""


def test_a_credit_application_is_a_zero_payment_linking_both_documents():
    body = mapping.credit_application({"id": 5, "amount": "25.00", "date": "2024-02-02"}, "77", "12", "13", account="5")
    assert body["TotalAmt"] == 0
    assert [(line["Amount"], line["LinkedTxn"][0]["TxnType"]) for line in body["Line"]] == [
        (Decimal("25.00"), "Invoice"),
        (Decimal("25.00"), "CreditMemo"),
    ]


def test_fingerprints_change_with_the_payload_only():
    assert mapping.fingerprint({"a": Decimal("1.00"), "b": 2}) == mapping.fingerprint({"b": 2, "a": Decimal("1.00")})
    assert mapping.fingerprint({"a": Decimal("1.00")}) != mapping.fingerprint({"a": Decimal("1.01")})
