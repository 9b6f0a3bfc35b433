"""Where Clio's tax goes on a QBO invoice, by what the QBO company does with sales tax.

A company with sales tax on keeps an invoice's ``TxnTaxDetail.TotalTax``: the tax sits in
QBO's sales tax liability, where the tax Clio collected belongs (an automated sales tax
company "honors the amount" sent, Intuit's blog "Using QuickBooks Online API: automated
sales tax", 2017). A company with sales tax off drops it: "If sales tax is disabled
(``Preferences.TaxPrefs.UsingSalesTax`` is set to false) then TxnTaxDetail is ignored and not
stored" (Intuit's Invoice reference). There the tax goes on a line of its own, on an item
booked to a liability account, much as Clio's own integration does for US firms ("We DO NOT
sync Tax to the Sales Tax Center. It comes over as an individual line item that needs to be
mapped to an appropriate Product or Service", Clio's help "Setting up your QuickBooks Online
Integration"; aggregated, as its "Aggregate line item taxes" option does). Either way the
invoice totals what the Clio bill does, which :mod:`billsync.daemon.sync.totals` checks.

A company outside the US (``CompanyInfo.Country`` other than "US", as minimul/qbo_api issue
#85 tells clients to check) taxes each line by one of its own tax codes (Intuit, *Manage
sales tax for non-US locales*), as Clio's own integration does for Canada and EMEA, where
"the firm maps Clio's tax rates" to QBO's. A Clio line is taxed by the bill's primary tax,
its secondary tax, both or neither (``taxable``, ``secondary_taxable``); the settings map
each of the four to a code (:class:`TaxKey`). Until the codes for untaxed lines and for the
primary tax are mapped, invoices wait (a UK company needs a code on every line, "Make sure
all your transactions have a VAT rate", intuit/quickbooks-online-mcp-server issue #94).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from billsync.daemon.qbo.lists import TaxCode


class TaxTreatment(enum.StrEnum):
    """How an invoice carries Clio's tax."""

    #: As the invoice's total tax, which QBO's sales tax keeps.
    TOTAL_TAX = "total_tax"
    #: As a line on the tax item (:data:`billsync.daemon.sync.mapping.TAX_ITEM`).
    TAX_LINE = "tax_line"
    #: By the company's tax codes on each line, mapped in the settings (outside the US).
    TAX_CODES = "tax_codes"
    #: As the invoice's total tax, sent as an override of automated sales tax (see AUTOMATED_NOTE).
    AUTOMATED = "automated"


#: Why an invoice of a US company with automated sales tax names a tax code: AST computes
#: its own tax from addresses unless the form overrides it, "you will provide
#: TxnTaxDetail.TxnTaxCodeRef and TxnTaxDetail.TotalTax" (hlu2 of Intuit,
#: QuickBooks-V3-PHP-SDK issue #199), the code's value not mattering "once AST is enabled"
#: (the same author's sample), and only where the company allows apps to override it
#: (Finance.xsd ``TxnTaxDetail.UseAutomatedSalesTax``: "it will depend on the QBO user pref -
#: AllowPartnerTaxOverride").
AUTOMATED_NOTE = "automated sales tax"


class TaxKey(enum.StrEnum):
    """Which of a Clio bill's two taxes a line bears: the keys of the ``tax_codes`` setting."""

    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    BOTH = "both"


#: The keys without which no invoice can be written: every line needs a code.
REQUIRED_KEYS = (TaxKey.NONE, TaxKey.PRIMARY)
HELD_REASON = "Held until Clio's taxes are mapped to QuickBooks tax codes in the settings"


#: What each treatment means to a bookkeeper, as the activity log and Status say it.
DESCRIPTIONS = {
    TaxTreatment.TOTAL_TAX: "QuickBooks has sales tax on: Clio's tax is each invoice's own sales tax",
    TaxTreatment.TAX_LINE: "QuickBooks has sales tax off, which would drop an invoice's tax: Clio's tax goes on "
    "a line of its own, on the tax item of the settings",
    TaxTreatment.TAX_CODES: "QuickBooks taxes by tax codes (a company outside the US): each line carries the code "
    "the settings map to the Clio taxes it bears",
    TaxTreatment.AUTOMATED: "QuickBooks has automated sales tax: Clio's tax is sent as each invoice's own, "
    "overriding what QuickBooks would compute, which it keeps where it lets apps override automated sales tax",
}


def treatment(preferences: dict[str, Any], country: str = "US", *, as_line: bool = False) -> TaxTreatment:
    """The treatment a company of ``country`` with these QBO Preferences needs; ``as_line``
    is the settings' choice of a line on the tax item where the company's sales tax would
    keep an invoice's tax too (as Clio's own integration books it for US firms)."""
    if country and country != "US":
        return TaxTreatment.TAX_CODES
    prefs = preferences.get("TaxPrefs") or {}
    if prefs.get("UsingSalesTax") is not True or as_line:
        return TaxTreatment.TAX_LINE
    # "To determine if the QuickBooks Online company uses automated sales tax, query the
    # Preferences.TaxPrefs.PartnerTaxEnabled attribute" (Intuit, Manage sales tax for US locales).
    return TaxTreatment.AUTOMATED if prefs.get("PartnerTaxEnabled") is True else TaxTreatment.TOTAL_TAX


def key_of(line: Mapping[str, Any]) -> TaxKey:
    """The taxes a Clio line bears."""
    keys = {(False, False): TaxKey.NONE, (True, False): TaxKey.PRIMARY, (False, True): TaxKey.SECONDARY}
    return keys.get((bool(line.get("taxable")), bool(line.get("secondary_taxable"))), TaxKey.BOTH)


def mapped_codes(setting: Mapping[str, str], codes: Mapping[str, TaxCode]) -> dict[TaxKey, TaxCode]:
    """The ``tax_codes`` setting (key → TaxCode Id) as the company's active codes; a code
    deleted or made inactive in QBO since it was chosen counts as unmapped."""
    return {TaxKey(key): codes[code_id] for key, code_id in setting.items() if code_id in codes}


def held(treatment_: TaxTreatment, mapped: Mapping[TaxKey, TaxCode]) -> str:
    """Why invoices wait on the tax code mapping, or ""."""
    missing = treatment_ is TaxTreatment.TAX_CODES and any(key not in mapped for key in REQUIRED_KEYS)
    return HELD_REASON if missing else ""
