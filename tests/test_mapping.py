"""Clio records into QBO payloads, and what QBO would refuse: no server needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billsync.daemon.sync import mapping
from billsync.daemon.sync.mapping import Invalid
from billsync.daemon.sync.taxes import TaxTreatment

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


TAXED_BILL = {
    "id": 9,
    "number": "2024-0042",
    "issued_at": "2024-03-01",
    "due_at": "2024-03-31",
    "sub_total": "449.25",
    "tax_sum": "41.33",
    "secondary_tax_sum": "8.10",
    "total": "453.68",
    "state": "awaiting_payment",
}
TAXED_LINES = [
    line(1, price="275.50", quantity="1.5", total="413.25", taxable=True),
    line(2, "Expense", "40.00", "1", "36.00"),
]


def qbo_total(body: dict) -> Decimal:
    """What QBO makes the invoice total: its sales lines, less the discount, plus the tax it keeps."""
    amounts = [(Decimal(str(line["Amount"])), line["DetailType"]) for line in body["Line"]]
    sales = sum(a for a, kind in amounts if kind == "SalesItemLineDetail")
    discount = sum(a for a, kind in amounts if kind == "DiscountLineDetail")
    return sales - discount + body["TxnTaxDetail"]["TotalTax"]


def test_invoice_total_equals_the_bill_to_the_cent_with_discount_and_taxes():
    body = mapping.invoice(TAXED_BILL, TAXED_LINES, "77", ITEMS, account="5", tax=TaxTreatment.TOTAL_TAX)
    assert qbo_total(body) == Decimal("453.68")
    assert body["TxnTaxDetail"] == {"TotalTax": Decimal("49.43")}, "both Clio taxes"
    assert body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert "Qty" not in body["Line"][1]["SalesItemLineDetail"], "a discounted line is sent by amount only"
    assert body["DocNumber"] == "2024-0042" and body["PrivateNote"] == "billsync: Clio account 5 bill 9"


def test_without_sales_tax_the_taxes_are_one_line_on_the_tax_item_and_the_total_is_the_same():
    items = {**ITEMS, mapping.TAX_ITEM: "3"}
    body = mapping.invoice(TAXED_BILL, TAXED_LINES, "77", items, account="5", tax=TaxTreatment.TAX_LINE)
    assert qbo_total(body) == Decimal("453.68")
    assert body["TxnTaxDetail"] == {"TotalTax": Decimal("0.00")}
    [tax_line] = [line for line in body["Line"] if line.get("Description") == mapping.TAX_LINE_DESCRIPTION]
    assert tax_line["Amount"] == Decimal("49.43")
    assert tax_line["SalesItemLineDetail"]["ItemRef"] == {"value": "3"}
    codes = {
        line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"] if "SalesItemLineDetail" in line
    }
    assert codes == {"NON"}, "no line asks QuickBooks for a tax it would not compute"
    with pytest.raises(Invalid, match="no QuickBooks item is mapped for Clio's tax"):
        mapping.invoice(TAXED_BILL, TAXED_LINES, "77", ITEMS, account="5", tax=TaxTreatment.TAX_LINE)


def test_an_untaxed_bill_makes_the_same_invoice_whatever_the_company_does_with_tax():
    """So that a company's tax setting, or its first reading, never re-sends untaxed invoices."""
    bill = {**TAXED_BILL, "sub_total": "100.00", "tax_sum": "0", "secondary_tax_sum": "0", "total": "100.00"}
    bodies = [mapping.invoice(bill, [line(1)], "77", ITEMS, account="5", tax=tax) for tax in TaxTreatment]
    assert bodies[0] == bodies[1]
    assert mapping.fingerprint(bodies[0]) == mapping.fingerprint(bodies[1])


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
        mapping.invoice(bill, lines, "77", ITEMS, account="5", tax=TaxTreatment.TOTAL_TAX)


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
