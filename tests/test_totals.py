"""The figures a write must leave in QuickBooks, compared to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billsync.daemon.sync import totals
from billsync.daemon.sync.taxes import TaxTreatment

BILL = {"total": "1130.00", "tax_sum": "100.00", "secondary_tax_sum": "30.00"}


def test_a_bills_invoice_must_show_its_total_and_both_taxes_as_its_tax_or_on_a_line():
    assert totals.of_bill(BILL, TaxTreatment.TOTAL_TAX) == totals.Totals(
        Decimal("1130.00"), Decimal("130.00"), "Clio's bill"
    )
    as_a_line = totals.Totals(Decimal("1130.00"), Decimal("0.00"), "Clio's bill")
    assert totals.of_bill(BILL, TaxTreatment.TAX_LINE) == as_a_line, "the taxes are a line, not the invoice's tax"
    credit = totals.Totals(Decimal("25.00"), Decimal("0.00"), "Clio's credit note")
    assert totals.of_credit_note({"amount": 25}) == credit


@pytest.mark.parametrize(
    "total, tax",
    [(1130, 130), ("1130.00", "130.0"), (Decimal("1130"), Decimal("130.00"))],
    ids=["numbers", "strings", "decimals"],
)
def test_equal_figures_in_any_notation_agree(total, tax):
    assert (
        totals.mismatch(
            totals.of_bill(BILL, TaxTreatment.TOTAL_TAX), {"TotalAmt": total, "TxnTaxDetail": {"TotalTax": tax}}
        )
        == ""
    )


@pytest.mark.parametrize(
    "entity",
    [
        {"TotalAmt": "1000.00", "TxnTaxDetail": {"TotalTax": 0}},  # the tax ignored
        {"TotalAmt": "1130.01", "TxnTaxDetail": {"TotalTax": "130.01"}},  # computed otherwise
        {"TotalAmt": "1130.00", "TxnTaxDetail": {"TotalTax": "129.99"}},  # the same total, other tax
        {"TotalAmt": "1130.00"},  # no tax at all
    ],
    ids=["tax-ignored", "a-cent-more", "tax-moved", "no-tax"],
)
def test_a_difference_of_a_cent_names_both_figures(entity):
    why = totals.mismatch(totals.of_bill(BILL, TaxTreatment.TOTAL_TAX), entity)
    shown = totals.of_entity(entity)
    assert f"QuickBooks shows a total of {shown.amount:,} (tax {shown.tax:,})" in why
    assert "Clio's bill is 1,130.00 (tax 130.00)" in why


@pytest.mark.parametrize(
    ("booked_in", "differs"),
    [("EUR", False), (None, False), ("CAD", True)],
    ids=["the-bills", "not-said", "another"],
)
def test_a_document_quickbooks_booked_in_another_currency_than_clios_is_named_with_both(booked_in, differs):
    expected = totals.of_bill(BILL, TaxTreatment.TOTAL_TAX, "EUR")
    entity = {"TotalAmt": "1130.00", "TxnTaxDetail": {"TotalTax": "130.00"}}
    entity |= {"CurrencyRef": {"value": booked_in}} if booked_in else {}
    why = totals.other_currency(expected, entity)
    assert bool(why) is differs and totals.mismatch(expected, entity) == ""
    if differs:
        assert why.startswith("QuickBooks booked it in CAD, but Clio's bill is in EUR")


def test_figures_in_another_currency_than_the_home_one_name_it():
    expected = totals.of_bill(BILL, TaxTreatment.TOTAL_TAX, "EUR")
    why = totals.mismatch(expected, {"TotalAmt": "1000.00", "CurrencyRef": {"value": "EUR"}})
    assert "QuickBooks shows a total of EUR 1,000.00 (tax 0.00), but Clio's bill is EUR 1,130.00 (tax 130.00)" in why
