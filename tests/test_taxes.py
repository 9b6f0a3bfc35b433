"""Where Clio's tax goes, by what the QuickBooks company does with sales tax."""

from __future__ import annotations

import pytest

from billsync.daemon.sync.taxes import TaxTreatment, treatment


@pytest.mark.parametrize(
    "tax_prefs, expected",
    [
        ({"UsingSalesTax": True}, TaxTreatment.TOTAL_TAX),
        ({"UsingSalesTax": True, "PartnerTaxEnabled": True}, TaxTreatment.AUTOMATED),
        ({"UsingSalesTax": False}, TaxTreatment.TAX_LINE),
        ({"UsingSalesTax": False, "PartnerTaxEnabled": False}, TaxTreatment.TAX_LINE),
        ({}, TaxTreatment.TAX_LINE),
        (None, TaxTreatment.TAX_LINE),
    ],
    ids=["legacy", "automated", "off", "automated-not-set-up", "unsaid", "no-tax-prefs"],
)
def test_only_a_company_that_says_it_uses_sales_tax_keeps_an_invoices_tax(tax_prefs, expected):
    """Anything short of ``UsingSalesTax: true`` would drop TxnTaxDetail, so the tax goes on a line."""
    assert treatment({"TaxPrefs": tax_prefs} if tax_prefs is not None else {}) is expected


def test_a_company_outside_the_us_taxes_by_codes_whatever_its_sales_tax_says():
    assert treatment({"TaxPrefs": {"UsingSalesTax": True}}, "CA") is TaxTreatment.TAX_CODES
    assert treatment({}, "GB") is TaxTreatment.TAX_CODES
    assert treatment({"TaxPrefs": {"UsingSalesTax": True}}, "US") is TaxTreatment.TOTAL_TAX


def test_a_us_company_keeping_tax_takes_it_as_a_line_when_the_settings_say_so():
    keeps = {"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True}}
    assert treatment(keeps, "US", as_line=True) is TaxTreatment.TAX_LINE
    assert treatment(keeps, "US") is TaxTreatment.AUTOMATED
    assert treatment(keeps, "CA", as_line=True) is TaxTreatment.TAX_CODES, "outside the US the codes decide"
