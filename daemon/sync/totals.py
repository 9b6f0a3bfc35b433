"""What QuickBooks made of an invoice or credit memo, checked against Clio after each write.

QuickBooks may change the amounts it is sent: a company without sales tax ignores the
invoice's tax ("TxnTaxDetail ... ignored and not stored" when sales tax is off, Intuit's
Invoice reference), and automated sales tax may compute its own. A write QuickBooks answered
is therefore not yet a match: its ``TotalAmt`` and tax are compared with the Clio record's,
to the cent, and a difference fails the link with both figures, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billsync.daemon.sync.mapping import Record, money, tax_of
from billsync.daemon.sync.taxes import TaxTreatment

#: The error code a link failed by the check carries, beside QBO's own fault codes.
MISMATCH = "totals"


@dataclass(frozen=True)
class Totals:
    """A document's total and the tax within it; ``of`` names the document for a person."""

    amount: Decimal
    tax: Decimal
    of: str = "QuickBooks document"

    def __str__(self) -> str:
        return f"{self.amount:,} (tax {self.tax:,})"


def of_bill(bill: Record, treatment: TaxTreatment) -> Totals:
    """What a Clio bill's invoice must total: the bill's total, with both of its taxes, which
    are the invoice's tax unless they went on a line of their own."""
    tax = money(0) if treatment is TaxTreatment.TAX_LINE else tax_of(bill)
    return Totals(money(bill.get("total")), tax, "Clio's bill")


def of_credit_note(memo: Record) -> Totals:
    """What a Clio credit note's credit memo must total: its amount, untaxed."""
    return Totals(money(memo.get("amount")), money(0), "Clio's credit note")


def of_entity(entity: dict) -> Totals:
    """What QuickBooks shows for an invoice or credit memo it answered with."""
    return Totals(money(entity.get("TotalAmt")), money((entity.get("TxnTaxDetail") or {}).get("TotalTax")))


def mismatch(expected: Totals, entity: dict) -> str:
    """Why QuickBooks' figures for ``entity`` differ from ``expected``, or "" when they agree."""
    found = of_entity(entity)
    if (found.amount, found.tax) == (expected.amount, expected.tax):
        return ""
    return (
        f"QuickBooks shows a total of {found}, but {expected.of} is {expected}: QuickBooks changed the amounts "
        "billsync sent, as it does with tax when the company's sales tax settings differ (with automated sales "
        "tax, unless it lets apps override it). Check how QuickBooks handles sales tax for this company, then "
        "re-sync"
    )
