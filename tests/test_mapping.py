"""Clio records into QBO payloads, and what QBO would refuse: no server needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billsync.daemon.qbo.lists import TaxCode, TaxRate
from billsync.daemon.sync import journal, mapping
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.details import details
from billsync.daemon.sync.mapping import Invalid
from billsync.daemon.sync.taxes import TaxKey, TaxTreatment

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


def test_with_automated_sales_tax_clios_tax_is_sent_as_an_override_naming_a_code():
    body = mapping.invoice(TAXED_BILL, TAXED_LINES, "77", ITEMS, account="5", tax=TaxTreatment.AUTOMATED)
    assert body["TxnTaxDetail"] == {"TxnTaxCodeRef": {"value": "TAX"}, "TotalTax": Decimal("49.43")}
    assert qbo_total(body) == Decimal("453.68")


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
    with pytest.raises(Invalid, match="no QuickBooks item is mapped for Clio's tax") as refused:
        mapping.invoice(TAXED_BILL, TAXED_LINES, "77", ITEMS, account="5", tax=TaxTreatment.TAX_LINE)
    assert refused.value.code is Cause.FAIL_TAX_ITEM


def test_an_untaxed_bill_makes_the_same_invoice_whatever_the_company_does_with_tax():
    """So that a company's tax setting, or its first reading, never re-sends untaxed invoices."""
    bill = {**TAXED_BILL, "sub_total": "100.00", "tax_sum": "0", "secondary_tax_sum": "0", "total": "100.00"}
    us = (TaxTreatment.TOTAL_TAX, TaxTreatment.TAX_LINE, TaxTreatment.AUTOMATED)  # a country never changes
    bodies = [mapping.invoice(bill, [line(1)], "77", ITEMS, account="5", tax=tax) for tax in us]
    assert bodies[0] == bodies[1] == bodies[2]
    assert mapping.fingerprint(bodies[0]) == mapping.fingerprint(bodies[1])


GST, PST = TaxRate("1", "GST", Decimal("5")), TaxRate("4", "PST BC", Decimal("7"))
#: A British Columbia firm's codes: GST for its primary tax, PST its secondary, both, and exempt.
BC = {
    TaxKey.NONE: TaxCode("9", "Exempt", ()),
    TaxKey.PRIMARY: TaxCode("2", "GST", (GST,)),
    TaxKey.SECONDARY: TaxCode("6", "PST BC", (PST,)),
    TaxKey.BOTH: TaxCode("5", "GST/PST BC", (GST, PST)),
}


def bc_line(id, total, tax="0", secondary_tax="0", primary=False, secondary=False):
    return {
        **line(id, total=total),
        "taxable": primary,
        "secondary_taxable": secondary,
        "tax": tax,
        "secondary_tax": secondary_tax,
    }


#: A bill at 5 % and 7 %, its taxes as Clio computes them line by line.
BC_BILL = {**TAXED_BILL, "tax_rate": 5.0, "secondary_tax_rate": 7.0}


def test_where_quickbooks_taxes_by_codes_each_line_bears_its_code_and_the_tax_is_clios_rate_by_rate():
    # Clio rounds per line: 0.10 × 5 % is 0.01 three times, where QBO would round 0.30 × 5 % to 0.02.
    lines = [bc_line(n, "0.10", "0.01", "0.01", primary=True, secondary=True) for n in (1, 2, 3)]
    lines += [bc_line(4, "200.00", "10.00", primary=True), bc_line(5, "50.00")]
    bill = {**BC_BILL, "sub_total": "250.30", "tax_sum": "10.03", "secondary_tax_sum": "0.03", "total": "260.36"}
    body = mapping.invoice(bill, lines, "77", ITEMS, account="5", tax=TaxTreatment.TAX_CODES, codes=BC)

    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"]] == ["5", "5", "5", "2", "9"]
    assert body["GlobalTaxCalculation"] == "TaxExcluded"
    detail = body["TxnTaxDetail"]
    assert detail["TotalTax"] == Decimal("10.06")
    assert sorted(
        (t["TaxLineDetail"]["TaxRateRef"]["value"], t["Amount"], t["TaxLineDetail"]["NetAmountTaxable"])
        for t in detail["TaxLine"]
    ) == [("1", Decimal("10.03"), Decimal("200.30")), ("4", Decimal("0.03"), Decimal("0.30"))]
    assert qbo_total(body) == Decimal("260.36")


def test_a_credit_note_bears_the_code_for_untaxed_lines_where_quickbooks_taxes_by_codes():
    memo = {"id": 3, "amount": "75.00", "date": "2024-03-02", "contact": {"id": 1}}
    body = mapping.credit_memo(memo, "77", "1", account="5", untaxed=BC[TaxKey.NONE])
    assert body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "9"}
    assert body["GlobalTaxCalculation"] == "TaxExcluded"
    us = mapping.credit_memo(memo, "77", "1", account="5")
    assert us["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"} and "GlobalTaxCalculation" not in us


HST = TaxCode("3", "HST ON", (TaxRate("2", "HST ON", Decimal("13")),))


@pytest.mark.parametrize(
    "codes, message, code",
    [
        (
            {k: c for k, c in BC.items() if k is not TaxKey.BOTH},
            "No QuickBooks tax code is mapped for lines taxed by both",
            Cause.FAIL_TAX_CODE,
        ),
        (
            {**BC, TaxKey.PRIMARY: HST},
            "primary tax at 5 %, the QuickBooks tax code 'HST ON' mapped for them at 13 %",
            Cause.FAIL_TAX_RATES,
        ),
        (
            {**BC, TaxKey.PRIMARY: BC[TaxKey.NONE]},
            "at 5 %, the QuickBooks tax code 'Exempt' mapped for them at 0 %",
            Cause.FAIL_TAX_RATES,
        ),
    ],
    ids=["unmapped", "another-rate", "exempt-for-taxed"],
)
def test_codes_that_cannot_give_clios_tax_fail_the_bill_naming_both_rates(codes, message, code):
    lines = [bc_line(1, "200.00", "10.00", primary=True), bc_line(2, "0.30", "0.02", "0.02", True, True)]
    bill = {**BC_BILL, "sub_total": "200.30", "tax_sum": "10.02", "secondary_tax_sum": "0.02", "total": "210.34"}
    with pytest.raises(Invalid, match=message) as refused:
        mapping.invoice(bill, lines, "77", ITEMS, account="5", tax=TaxTreatment.TAX_CODES, codes=codes)
    assert refused.value.code is code


@pytest.mark.parametrize(
    "bill, lines, message, code",
    [
        ({"number": "CLIO-2023-LITIGATION-000002"}, [line(1)], "at most 21", Cause.FAIL_NUMBER_LENGTH),
        ({"number": ""}, [line(1)], "no number", Cause.FAIL_NO_NUMBER),
        ({"number": "7"}, [], "no line items", Cause.FAIL_NO_LINES),
        ({"number": "7", "sub_total": "90.00"}, [line(1)], "add up to 100.00", Cause.FAIL_SUMS),
        ({"number": "7"}, [line(1, kind="Fee")], "kind Fee", Cause.FAIL_ITEM),
    ],
)
def test_what_qbo_would_refuse_is_caught_with_a_reason(bill, lines, message, code):
    bill = {"id": 1, "total": "100.00", "tax_sum": "0", **bill}
    with pytest.raises(Invalid, match=message) as refused:
        mapping.invoice(bill, lines, "77", ITEMS, account="5", tax=TaxTreatment.TOTAL_TAX)
    assert refused.value.code is code


@pytest.mark.parametrize(
    "state, issued, start, skipped, code",
    [
        ("draft", "2024-01-01", "", "Draft", Cause.SKIP_DRAFT),
        ("awaiting_approval", "2024-01-01", "", "approval", Cause.SKIP_AWAITING_APPROVAL),
        ("awaiting_payment", "2023-12-31", "2024-01-01", "before the sync start date", Cause.SKIP_BEFORE_START),
        ("paid", "2024-01-01", "2024-01-01", "", None),
    ],
)
def test_which_bills_sync(state, issued, start, skipped, code):
    why = mapping.why_skipped({"state": state, "issued_at": issued}, start)
    assert (skipped in why.reason and why.code is code) if skipped else why is None


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


# --- contact details, as Clio's own integration maps them ------------------------------


def person(**extra):
    return {"id": 4, "name": "Ana Alder", "first_name": "Ana", "last_name": "Alder", "type": "Person", **extra}


def phone(name, number, primary=False):
    return {"name": name, "number": number, "primary": primary}


def address(name, primary=False, **parts):
    return {"name": name, "street": "1 Main St", "city": "Austin", "province": "TX", "postal_code": "78701",
            "country": "United States", "primary": primary, **parts}  # fmt: skip


def test_a_contact_without_details_makes_the_customer_it_made_before():
    """What links made before details went to QuickBooks were fingerprinted with: an unchanged
    contact without phones or addresses plans no update."""
    contact = person(primary_email_address=" Ana@Example.com ", phone_numbers=[], addresses=[])
    assert mapping.customer(contact, "Ana Alder", account="5") == {
        "DisplayName": "Ana Alder",
        "Notes": "billsync: Clio account 5 contact 4",
        "GivenName": "Ana",
        "FamilyName": "Alder",
        "PrimaryEmailAddr": {"Address": "Ana@Example.com"},
    }


@pytest.mark.parametrize(
    "phones, expected",
    [
        ([phone("Work", "1", primary=True)], {"PrimaryPhone": "1"}),
        ([phone("Work", "1", primary=True), phone("Mobile", "2")], {"PrimaryPhone": "1", "Mobile": "2"}),
        ([phone("Work", "1", primary=True), phone("Home", "3")], {"PrimaryPhone": "1", "AlternatePhone": "3"}),
        ([phone("Work", "1", primary=True), phone("Fax", "4")], {"PrimaryPhone": "1", "Fax": "4"}),
        # Clio's mapping reads both ways for a primary mobile: Phone and Mobile.
        ([phone("Mobile", "2", primary=True)], {"PrimaryPhone": "2", "Mobile": "2"}),
        # The primary number of a name goes first; Work, Pager, Skype, Other and Personal have no field.
        ([phone("Mobile", "2"), phone("Mobile", "5", primary=True)], {"PrimaryPhone": "5", "Mobile": "5"}),
        ([phone(n, str(i)) for i, n in enumerate(("Work", "Pager", "Skype", "Other", "Personal"))], {}),
        ([phone("Home", "3")], {"AlternatePhone": "3"}),  # no primary flag, no Phone
        ([phone("Fax", "  ", primary=True), phone("Fax", " 4 ")], {"Fax": "4"}),  # blank numbers are none
        ([], {}),
    ],
)
def test_phones_go_where_clio_maps_them(phones, expected):
    body = mapping.customer(person(phone_numbers=phones), "Ana Alder", account="5")
    found = {f: body[f]["FreeFormNumber"] for f in ("PrimaryPhone", "Mobile", "AlternatePhone", "Fax") if f in body}
    assert found == expected


def test_work_is_shipping_and_billing_is_billing():
    work = address("Work", street="1 Main St\nSuite 5", city="Austin")
    billing = address("Billing", primary=True, street="PO Box 7", postal_code="78702")
    body = mapping.customer(person(addresses=[billing, address("Home"), work]), "Ana Alder", account="5")
    assert body["ShipAddr"] == {
        "Line1": "1 Main St",
        "Line2": "Suite 5",
        "City": "Austin",
        "CountrySubDivisionCode": "TX",
        "PostalCode": "78701",
        "Country": "United States",
    }
    assert body["BillAddr"]["Line1"] == "PO Box 7" and body["BillAddr"]["PostalCode"] == "78702"


@pytest.mark.parametrize(
    "addresses, ship, bill",
    [
        # Without a Work address, QuickBooks' automated sales tax still needs where the client is.
        ([address("Home", city="Dallas")], "Dallas", None),
        ([address("Other", city="Waco"), address("Home", primary=True, city="Dallas")], "Dallas", None),
        ([address("Billing", primary=True, city="Austin"), address("Other", city="Waco")], "Waco", "Austin"),
        ([address("Billing", city="Austin")], "Austin", "Austin"),  # a Billing address ships only alone
        ([], None, None),
        ([{"name": "Work", "street": " ", "city": None}], None, None),  # an empty address is none
    ],
)
def test_shipping_falls_back_to_where_the_client_is(addresses, ship, bill):
    body = mapping.customer(person(addresses=addresses), "Ana Alder", account="5")
    assert (body.get("ShipAddr") or {}).get("City") == ship
    assert (body.get("BillAddr") or {}).get("City") == bill


def test_missing_address_parts_are_left_out_and_long_streets_keep_five_lines():
    street = "\n".join(f"line {n}" for n in range(1, 8))
    body = mapping.customer(person(addresses=[{"name": "Work", "street": street}]), "Ana Alder", account="5")
    assert body["ShipAddr"] == {
        "Line1": "line 1",
        "Line2": "line 2",
        "Line3": "line 3",
        "Line4": "line 4",
        "Line5": "line 5, line 6, line 7",
    }


LONG = "9" * 22


@pytest.mark.parametrize(
    "contact, field, left_out",
    [
        (
            person(phone_numbers=[phone("Work", LONG, primary=True)]),
            "PrimaryPhone",
            "Phone (22 characters, at most 21)",
        ),
        (person(phone_numbers=[phone("Mobile", LONG)]), "Mobile", "Mobile (22 characters, at most 21)"),
        (person(phone_numbers=[phone("Home", LONG)]), "AlternatePhone", "Other phone (22 characters, at most 21)"),
        (person(phone_numbers=[phone("Fax", LONG)]), "Fax", "Fax (22 characters, at most 21)"),
        (person(primary_email_address="a" * 95 + "@x.com"), "PrimaryEmailAddr", "E-mail (101 characters, at most 100)"),
    ],
)
def test_a_value_too_long_for_quickbooks_is_left_out_whole_and_said(contact, field, left_out):
    """Cut, a phone number or e-mail address would be a wrong one; the customer still goes."""
    assert field not in mapping.customer(contact, "Ana Alder", account="5")
    said = "Shorten it in Clio and QuickBooks gets it on the next sync"
    assert details(contact).reason == f"Left out of QuickBooks, too long for it: {left_out}. {said}"


def test_values_at_quickbooks_limits_go_whole():
    contact = person(
        phone_numbers=[phone("Mobile", "9" * 21, primary=True)],
        primary_email_address="a" * 94 + "@x.com",
        addresses=[address("Work", street="s" * 500, city="c" * 255, postal_code="p" * 30)],
    )
    body = mapping.customer(contact, "Ana Alder", account="5")
    assert body["Mobile"] == body["PrimaryPhone"] == {"FreeFormNumber": "9" * 21}
    assert len(body["PrimaryEmailAddr"]["Address"]) == 100
    assert (len(body["ShipAddr"]["Line1"]), len(body["ShipAddr"]["PostalCode"])) == (500, 30)
    assert details(contact).left_out == ()


def test_an_address_part_too_long_leaves_the_rest_of_the_address():
    work = address("Work", street="s" * 501, postal_code="9" * 31)
    contact = person(addresses=[work, address("Billing", country="c" * 256)])
    body = mapping.customer(contact, "Ana Alder", account="5")
    assert body["ShipAddr"] == {"City": "Austin", "CountrySubDivisionCode": "TX", "Country": "United States"}
    assert "Country" not in body["BillAddr"] and body["BillAddr"]["Line1"] == "1 Main St"
    assert details(contact).left_out == (
        "Billing address country (256 characters, at most 255)",
        "Shipping address street (501 characters on a line, at most 500)",
        "Shipping address postal code (31 characters, at most 30)",
    )
    assert details(contact).reason.endswith("Shorten them in Clio and QuickBooks gets them on the next sync")


@pytest.mark.parametrize(
    "edit",
    [
        {"phone_numbers": [phone("Work", "(512) 555-0100", primary=True), phone("Mobile", "(512) 555-0199")]},
        {"phone_numbers": [phone("Work", "(512) 555-0100", primary=True)], "addresses": []},
        {"addresses": [address("Work", city="Dallas")]},
        {"primary_email_address": "ana@new.example"},
    ],
)
def test_a_changed_phone_address_or_email_changes_the_fingerprint(edit):
    before = person(
        primary_email_address="ana@example.com",
        phone_numbers=[phone("Work", "(512) 555-0100", primary=True)],
        addresses=[address("Work")],
    )
    fingerprint = lambda contact: mapping.fingerprint(mapping.customer(contact, "Ana Alder", account="5"))  # noqa: E731
    assert fingerprint({**before, **edit}) != fingerprint(before)
    assert fingerprint({**before}) == fingerprint(before)


# --- trust ----------------------------------------------------------------------------

DEPOSIT = {
    "id": 17,
    "date": "2024-04-02",
    "amount": "250.00",
    "description": "Retainer",
    "client": {"id": 4, "name": "Ana"},
    "matter": {"id": 4, "display_number": "00004-Ana"},
}


def postings(body: dict) -> dict[str, tuple[str, Decimal, dict | None]]:
    """Each line by account: posting type, amount and the entity it names."""
    return {
        line["JournalEntryLineDetail"]["AccountRef"]["value"]: (
            line["JournalEntryLineDetail"]["PostingType"],
            line["Amount"],
            line["JournalEntryLineDetail"].get("Entity"),
        )
        for line in body["Line"]
    }


def trust_entry(transaction):
    return journal.journal_entry(transaction, "77", bank_account_id="B", liability_account_id="L", account="5")


@pytest.mark.parametrize(
    "amount, bank, liability",
    [("250.00", "Debit", "Credit"), ("-80.50", "Credit", "Debit")],
    ids=["into trust", "out of trust"],
)
def test_a_trust_transaction_balances_and_names_the_client_on_the_liability_line_only(amount, bank, liability):
    body = trust_entry({**DEPOSIT, "amount": amount})
    lines = postings(body)
    money = abs(Decimal(amount))
    assert lines["B"] == (bank, money, None)
    assert lines["L"] == (liability, money, {"Type": "Customer", "EntityRef": {"value": "77"}})
    debits = sum(a for kind, a, _ in lines.values() if kind == "Debit")
    assert debits == sum(a for kind, a, _ in lines.values() if kind == "Credit") == money
    assert body["TxnDate"] == "2024-04-02" and body["DocNumber"] == "T-17"
    assert body["PrivateNote"] == "billsync: Clio account 5 bank_transaction 17"
    assert body["Line"][0]["Description"] == "Retainer — 00004-Ana"


def test_a_trust_transaction_of_nothing_is_refused():
    with pytest.raises(Invalid, match="0.00"):
        trust_entry({**DEPOSIT, "amount": "0"})
