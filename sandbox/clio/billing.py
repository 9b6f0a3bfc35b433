"""Clio's bill arithmetic: line totals, discounts, taxes and what has been paid.

Both the demo-firm generator and the emulator's "act as a Clio user" actions price bills
here, so a bill created either way obeys one set of rules and a sync client can check its
totals to the cent. The rules follow Clio's help centre ("Discounts", "Tax"):

- A line's ``sub_total`` is ``price * quantity``; its own discount (percentage or money)
  gives its ``total``, still before tax.
- A bill's ``sub_total`` is the sum of its lines' totals. The bill-level ``discount`` is
  "applied proportionally across all line items"; its amount is
  ``round(sub_total * rate / 100)`` for a percentage, ``rate`` (capped at the sub-total)
  for money. It is spread over the lines by largest remainder so the shares add up exactly.
- "Discounts are applied before any taxes are calculated": each taxable line pays
  ``round((line total - its share of the bill discount) * tax_rate / 100)``; the secondary
  tax is computed on the same pre-tax base. ``tax_sum`` and ``secondary_tax_sum`` are the
  sums over lines, and ``total = sub_total - bill discount + tax_sum + secondary_tax_sum``.
- ``paid`` sums the non-voided allocations whose parent is a Payment, ``credits_issued``
  those whose parent is a CreditMemo; ``balance = total - paid - credits_issued``. An issued
  bill moves between ``awaiting_payment`` and ``paid`` as its balance reaches zero.

Money is :class:`~decimal.Decimal` rounded half-up to cents throughout.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

#: Bill states in which the balance decides between "awaiting_payment" and "paid".
ISSUED_STATES = ("awaiting_payment", "paid")


def money(value: Decimal | int | str) -> Decimal:
    """Round to cents the way Clio shows amounts (half-up)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def discount_amount(base: Decimal, discount: Mapping[str, Any] | None) -> Decimal:
    """The money a Clio ``discount`` object takes off ``base`` (never more than ``base``)."""
    if not discount or not discount.get("rate"):
        return ZERO
    rate = Decimal(discount["rate"])
    amount = money(base * rate / HUNDRED) if discount["type"] == "percentage" else money(rate)
    return min(amount, base)


def spread(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights`` so that the parts sum to it exactly.

    Each part is floored to cents and the leftover cents go to the largest remainders,
    which is how a bill-level discount becomes per-line shares without losing a cent.
    """
    total = sum(weights, ZERO)
    if not amount or not total:
        return [ZERO for _ in weights]
    exact = [amount * w / total for w in weights]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    leftover = int((amount - sum(parts, ZERO)) / CENT)
    by_remainder = sorted(range(len(parts)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[:leftover]:
        parts[i] += CENT
    return parts


def price_bill(bill: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Fill in the computed amounts of ``bill`` and its ``lines`` in place."""
    for line in lines:
        line["sub_total"] = money(Decimal(line["price"]) * Decimal(line["quantity"]))
        line["total"] = line["sub_total"] - discount_amount(line["sub_total"], line.get("discount"))
    sub_total = sum((line["total"] for line in lines), ZERO)
    bill_discount = discount_amount(sub_total, bill.get("discount"))
    shares = spread(bill_discount, [line["total"] for line in lines])
    tax_rate = Decimal(bill.get("tax_rate") or 0)
    secondary_rate = Decimal(bill.get("secondary_tax_rate") or 0)
    for line, share in zip(lines, shares):
        base = line["total"] - share
        line["tax"] = money(base * tax_rate / HUNDRED) if line.get("taxable") else ZERO
        line["secondary_tax"] = money(base * secondary_rate / HUNDRED) if line.get("secondary_taxable") else ZERO
    bill["sub_total"] = sub_total
    bill["tax_sum"] = sum((line["tax"] for line in lines), ZERO)
    bill["secondary_tax_sum"] = sum((line["secondary_tax"] for line in lines), ZERO)
    bill["total_tax"] = bill["tax_sum"] + bill["secondary_tax_sum"]
    bill["total"] = sub_total - bill_discount + bill["total_tax"]
    bill["due"] = bill["total"]


def settle(bill: dict[str, Any], allocations: Iterable[Mapping[str, Any]]) -> None:
    """Recompute what was paid and credited on ``bill`` and move it between issued states.

    Drafts, bills awaiting approval, void and deleted bills keep their state: only an
    issued bill becomes "paid" (or goes back to "awaiting_payment" when a payment is
    voided), as in Clio.
    """
    paid = credits = ZERO
    last_payment: datetime | None = None
    for allocation in allocations:
        if allocation.get("voided_at"):
            continue
        if allocation["parent"]["type"] == "Payment":
            paid += allocation["amount"]
            stamp = allocation["created_at"]
            last_payment = stamp if last_payment is None else max(last_payment, stamp)
        else:
            credits += allocation["amount"]
    bill["paid"] = paid
    bill["credits_issued"] = credits
    bill["paid_at"] = last_payment
    bill["balance"] = bill["total"] - paid - credits
    if bill["state"] in ISSUED_STATES:
        bill["state"] = "paid" if bill["balance"] <= ZERO else "awaiting_payment"
