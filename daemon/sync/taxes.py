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
"""

from __future__ import annotations

import enum
from typing import Any


class TaxTreatment(enum.StrEnum):
    """How an invoice carries Clio's tax."""

    #: As the invoice's total tax, which QBO's sales tax keeps.
    TOTAL_TAX = "total_tax"
    #: As a line on the tax item (:data:`billsync.daemon.sync.mapping.TAX_ITEM`).
    TAX_LINE = "tax_line"


#: What each treatment means to a bookkeeper, as the activity log and Status say it.
DESCRIPTIONS = {
    TaxTreatment.TOTAL_TAX: "QuickBooks has sales tax on: Clio's tax is each invoice's own sales tax",
    TaxTreatment.TAX_LINE: "QuickBooks has sales tax off, which would drop an invoice's tax: Clio's tax goes on "
    "a line of its own, on the tax item of the settings",
}


def treatment(preferences: dict[str, Any]) -> TaxTreatment:
    """The treatment a company with these QBO Preferences needs."""
    using = (preferences.get("TaxPrefs") or {}).get("UsingSalesTax")
    return TaxTreatment.TOTAL_TAX if using is True else TaxTreatment.TAX_LINE
