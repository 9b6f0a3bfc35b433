"""What QuickBooks made of an invoice or credit memo, checked against Clio after each write.

QuickBooks may change the amounts it is sent: a company without sales tax ignores the
invoice's tax ("TxnTaxDetail ... ignored and not stored" when sales tax is off, Intuit's
Invoice reference), and automated sales tax may compute its own. A write QuickBooks answered
is therefore not yet a match: its ``TotalAmt`` and tax are compared with the Clio record's,
to the cent, and a difference fails the link with both figures, never silently. So is the
currency QuickBooks booked it in, where it says: a ``CurrencyRef`` was seen silently ignored
(design 14 C10).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from billsync.daemon.sync.mapping import Record, money, tax_of
from billsync.daemon.sync.taxes import TaxTreatment

#: The error code a link failed by the check carries, beside QBO's own fault codes.
MISMATCH = "totals"


@dataclass(frozen=True)
class Totals:
    """A document's total and the tax within it, in ``currency`` ("": not said); ``of`` names
    the document for a person."""

    amount: Decimal
    tax: Decimal
    of: str = "QuickBooks document"
    currency: str = ""

    def __str__(self) -> str:
        return " ".join(filter(None, (self.currency, f"{self.amount:,} (tax {self.tax:,})")))


def of_bill(bill: Record, treatment: TaxTreatment, currency: str = "") -> Totals:
    """What a Clio bill's invoice must total, in the bill's ``currency``: the bill's total,
    with both of its taxes, which are the invoice's tax unless they went on a line of their own."""
    tax = money(0) if treatment is TaxTreatment.TAX_LINE else tax_of(bill)
    return Totals(money(bill.get("total")), tax, "Clio's bill", currency)


def of_credit_note(memo: Record, currency: str = "") -> Totals:
    """What a Clio credit note's credit memo must total, in its ``currency``: its amount, untaxed."""
    return Totals(money(memo.get("amount")), money(0), "Clio's credit note", currency)


def of_entity(entity: dict) -> Totals:
    """What QuickBooks shows for an invoice or credit memo it answered with."""
    return Totals(
        money(entity.get("TotalAmt")),
        money((entity.get("TxnTaxDetail") or {}).get("TotalTax")),
        currency=str((entity.get("CurrencyRef") or {}).get("value") or ""),
    )


def other_currency(expected: Totals, entity: dict) -> str:
    """Why QuickBooks booked ``entity`` in another currency than ``expected``'s, or "" when it
    did not (or does not say)."""
    booked_in = of_entity(entity).currency
    if not expected.currency or not booked_in or booked_in == expected.currency:
        return ""
    return (
        f"QuickBooks booked it in {booked_in}, but {expected.of} is in {expected.currency}: QuickBooks did not keep "
        "the currency billsync sent. Check the currency of the customer in QuickBooks, then re-sync"
    )


def mismatch(expected: Totals, entity: dict) -> str:
    """Why QuickBooks' figures for ``entity`` differ from ``expected``, or "" when they agree
    (amounts only: :func:`other_currency` checks the currency)."""
    found = replace(of_entity(entity), currency=expected.currency)
    if (found.amount, found.tax) == (expected.amount, expected.tax):
        return ""
    return (
        f"QuickBooks shows a total of {found}, but {expected.of} is {expected}: QuickBooks changed the amounts "
        "billsync sent, as it does with tax when the company's sales tax settings differ (with automated sales "
        "tax, unless it lets apps override it). Check how QuickBooks handles sales tax for this company, then "
        "re-sync"
    )
