"""Clio records into QBO payloads: pure functions, no I/O.

Everything QBO would refuse is caught here, before a request is spent, and raised as
``Invalid`` with a reason a bookkeeper can act on. Every object carries a marker (``PrivateNote``, a
customer's ``Notes``) naming the Clio account and record, so that an object whose create
answer was lost, or whose link a purge deleted, can be found again and adopted instead of
being made twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from billsync.daemon.qbo.lists import TaxCode, TaxRate
from billsync.daemon.sync.causes import Cause, Why
from billsync.daemon.sync.details import details
from billsync.daemon.sync.taxes import TaxKey, TaxTreatment, key_of

Record = dict[str, Any]

ISSUED_STATES = ("awaiting_payment", "paid")
DOC_NUMBER_MAX = 21
DISPLAY_NAME_MAX = 500
PERSON_NAME_MAX = 100
DESCRIPTION_MAX = 4000
ZERO = Decimal("0.00")
MARKER_PREFIX = "billsync: Clio"
#: The ``item_mapping`` key of the item Clio's tax goes on as a line (``taxes.TaxTreatment.TAX_LINE``).
TAX_ITEM = "Tax"
TAX_LINE_DESCRIPTION = "Tax (Clio)"
#: How an invoice of a company taxing by codes says its amounts are: before tax, the
#: default ("GlobalTaxCalculation … Default: TaxExcluded", Intuit's Invoice reference), as
#: Clio's are.
TAX_EXCLUDED = {"GlobalTaxCalculation": "TaxExcluded"}
#: The treatments of a US company whose sales tax keeps the invoice's tax.
US_SALES_TAX = (TaxTreatment.TOTAL_TAX, TaxTreatment.AUTOMATED)
#: What each tax key means, in the words a reason uses.
TAXED_BY = {
    TaxKey.NONE: "untaxed lines",
    TaxKey.PRIMARY: "lines taxed by Clio's primary tax",
    TaxKey.SECONDARY: "lines taxed by Clio's secondary tax",
    TaxKey.BOTH: "lines taxed by both of Clio's taxes",
}
_MARKER = re.compile(rf"{MARKER_PREFIX} (?:account (?P<account>\S+) )?(?P<kind>\w+) (?P<clio_id>\S+)")


class Invalid(Exception):
    """QBO would refuse this record; the message says why and what to change in Clio, and
    ``code`` the cause (:class:`billsync.daemon.sync.causes.Cause`)."""

    def __init__(self, message: str, *, code: Cause) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Marker:
    """What our note in a QBO object names: a Clio record of one Clio account.

    The account is named because Clio ids identify a record only within one Clio
    database (each region is its own), and two Clio accounts may sync into one QBO
    company: neither may take the other's objects for its own. Markers written before
    they named the account (``account`` empty) say only the kind and the id.
    """

    kind: str
    clio_id: str
    account: str = ""

    def __str__(self) -> str:
        account = f"account {self.account} " if self.account else ""
        return f"{MARKER_PREFIX} {account}{self.kind} {self.clio_id}"

    @classmethod
    def parse(cls, note: str | None) -> Marker | None:
        """The marker a whole note is, or None when the note is not one of ours."""
        found = _MARKER.fullmatch(note or "")
        return cls(found["kind"], found["clio_id"], found["account"] or "") if found else None

    def unnamed(self) -> Marker:
        """This marker as written before markers named the Clio account."""
        return replace(self, account="")


def marker(kind: str, clio_id: str | int, *, account: str) -> str:
    """The note that identifies our object in QBO: the Clio account, the record's kind and
    its id, stable forever. ``account`` is the connection's Clio account id; a connection
    that never learnt it writes the unnamed form."""
    return str(Marker(kind, str(clio_id), account))


def marked_id(note: Any, kind: str) -> str | None:
    """The Clio id a note names as :func:`marker` wrote it for ``kind``, or None when the
    note is not one of ours (a person's memo, or QBO's own)."""
    found = Marker.parse(str(note or ""))
    return found.clio_id if found is not None and found.kind == kind and found.clio_id.isdigit() else None


def money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def fingerprint(payload: Record) -> str:
    """A digest of what was pushed, to tell whether a record changed since."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


#: Why a bill in each state not issued is not synced.
NOT_ISSUED = {
    "draft": Why(Cause.SKIP_DRAFT, "Draft bills are not synced"),
    "awaiting_approval": Why(Cause.SKIP_AWAITING_APPROVAL, "Bills awaiting approval are not synced until approved"),
    "void": Why(Cause.SKIP_VOIDED, "Void in Clio before it was synced"),
    "deleted": Why(Cause.SKIP_DELETED, "Deleted in Clio before it was synced"),
}


def why_skipped(bill: Record, start_date: str) -> Why | None:
    """Why a bill is not synced by rule, or None when it is eligible."""
    state = bill.get("state", "")
    if state not in ISSUED_STATES:
        return NOT_ISSUED.get(state) or Why(Cause.SKIP_NOT_ISSUED, f"Bills in state {state!r} are not synced")
    if start_date and str(bill.get("issued_at") or "") < start_date:
        return Why(Cause.SKIP_BEFORE_START, f"Issued {bill.get('issued_at')}, before the sync start date {start_date}")
    return None


# --- contacts -------------------------------------------------------------------------


def display_name(contact: Record) -> str:
    """Clio's name made acceptable as a QBO DisplayName: no ':' tab or newline, ≤ 500."""
    name = re.sub(r"[\t\r\n]+", " ", str(contact.get("name") or "")).replace(":", " -")
    name = re.sub(r" {2,}", " ", name).strip()
    if not name:
        raise Invalid("The contact has no name; give it one in Clio", code=Cause.FAIL_NAME)
    return name[:DISPLAY_NAME_MAX]


def disambiguated(name: str, clio_id: str | int) -> str:
    """The name used when another QBO customer already has ``name``: same for every run."""
    suffix = f" (Clio {clio_id})"
    return name[: DISPLAY_NAME_MAX - len(suffix)] + suffix


def email(contact: Record) -> str:
    return str(contact.get("primary_email_address") or "").strip().lower()


def customer(contact: Record, name: str, *, account: str) -> Record:
    """A contact as a QBO Customer: its name, our marker, and the phones, e-mail and
    addresses Clio's own integration carries (:mod:`billsync.daemon.sync.details`)."""
    body: Record = {"DisplayName": name, "Notes": marker("contact", contact["id"], account=account)}
    if contact.get("type") == "Company":
        body["CompanyName"] = name[:PERSON_NAME_MAX]
    else:
        for clio_field, qbo_field in (("first_name", "GivenName"), ("last_name", "FamilyName")):
            if contact.get(clio_field):
                body[qbo_field] = str(contact[clio_field]).replace(":", " -")[:PERSON_NAME_MAX]
    return body | details(contact).fields


# --- bills ----------------------------------------------------------------------------


def qbo_date(value: Any) -> str:
    """A Clio date or timestamp as a QBO date; today when Clio gives none."""
    return str(value)[:10] if value else dt.date.today().isoformat()


def _sales_line(line: Record, item_id: str, tax_code: str) -> Record:
    amount = money(line.get("total"))
    detail: Record = {"ItemRef": {"value": item_id}, "TaxCodeRef": {"value": tax_code}}
    quantity, price = Decimal(str(line.get("quantity") or 0)), Decimal(str(line.get("price") or 0))
    if quantity and money(quantity * price) == amount:
        detail.update(Qty=quantity, UnitPrice=price)
    body: Record = {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}
    if line.get("description"):
        body["Description"] = str(line["description"])[:DESCRIPTION_MAX]
    if line.get("date"):
        detail["ServiceDate"] = qbo_date(line["date"])
    return body


def invoice(
    bill: Record,
    lines: list[Record],
    customer_id: str,
    item_ids: dict[str, str],
    *,
    account: str,
    tax: TaxTreatment,
    codes: Mapping[TaxKey, TaxCode] | None = None,
) -> Record:
    """A Clio bill as a QBO Invoice whose TotalAmt equals the bill's total to the cent.

    Lines keep their own amounts (after any line discount); the bill-level discount is a
    discount line; both Clio taxes are the invoice's total tax, or one line on the tax item
    where the company has no sales tax (:mod:`billsync.daemon.sync.taxes`), because those are
    the figures Clio prints and QBO must show the same. An untaxed bill's invoice is the
    same either way. Where the company taxes by codes, each line bears the code ``codes``
    maps its taxes to, and the tax is given rate by rate (:func:`tax_lines`).
    """
    number = str(bill.get("number") or "").strip()
    if not number:
        raise Invalid(
            "The bill has no number; QuickBooks needs one to keep the link to Clio", code=Cause.FAIL_NO_NUMBER
        )
    if len(number) > DOC_NUMBER_MAX:
        raise Invalid(
            f"Bill number {number!r} has {len(number)} characters; QuickBooks allows at most {DOC_NUMBER_MAX}. "
            "Shorten it in Clio, then re-sync",
            code=Cause.FAIL_NUMBER_LENGTH,
        )
    if not lines:
        raise Invalid(f"Bill {number} has no line items", code=Cause.FAIL_NO_LINES)
    missing = sorted({str(line.get("kind")) for line in lines} - set(item_ids))
    if missing:
        raise Invalid(
            f"No QuickBooks item is mapped for Clio line items of kind {', '.join(missing)}", code=Cause.FAIL_ITEM
        )
    sub_total = sum((money(line.get("total")) for line in lines), ZERO)
    if sub_total != money(bill.get("sub_total", sub_total)):
        shown = money(bill.get("sub_total"))
        raise Invalid(
            f"Bill {number}: its lines add up to {sub_total}, but Clio shows a subtotal of {shown}",
            code=Cause.FAIL_SUMS,
        )
    tax_sum = tax_of(bill)
    discount = sub_total + tax_sum - money(bill.get("total"))
    if discount < 0:
        total = money(bill.get("total"))
        raise Invalid(
            f"Bill {number}: its total {total} is more than its lines and taxes add up to", code=Cause.FAIL_SUMS
        )
    ordered = sorted(lines, key=_line_order)
    line_codes = [_line_code(line, tax, codes or {}) for line in ordered]
    body_lines = [_sales_line(line, item_ids[str(line.get("kind"))], code) for line, code in zip(ordered, line_codes)]
    if tax_sum and tax is TaxTreatment.TAX_LINE:
        if TAX_ITEM not in item_ids:
            raise Invalid(
                f"Bill {number} is taxed, and no QuickBooks item is mapped for Clio's tax", code=Cause.FAIL_TAX_ITEM
            )
        body_lines.append(_tax_line(tax_sum, item_ids[TAX_ITEM]))
    if discount:
        body_lines.append(
            {"Amount": discount, "DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": False}}
        )
    body: Record = {
        "DocNumber": number,
        "TxnDate": qbo_date(bill.get("issued_at")),
        "CustomerRef": {"value": customer_id},
        "Line": body_lines,
        "TxnTaxDetail": {"TotalTax": tax_sum if tax in US_SALES_TAX else ZERO},
        "PrivateNote": marker("bill", bill["id"], account=account),
    }
    if tax is TaxTreatment.AUTOMATED and tax_sum:
        # The override of automated sales tax (taxes.AUTOMATED_NOTE); "TAX", as the value does not matter.
        body["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": "TAX"}, "TotalTax": tax_sum}
    if tax is TaxTreatment.TAX_CODES:
        by_line = [(line, codes[key_of(line)]) for line in ordered]  # type: ignore[index]
        body |= TAX_EXCLUDED
        body["TxnTaxDetail"] = {"TotalTax": tax_sum, "TaxLine": tax_lines(bill, by_line)}
    if bill.get("due_at"):
        body["DueDate"] = qbo_date(bill["due_at"])
    return body


def _line_code(line: Record, tax: TaxTreatment, codes: Mapping[TaxKey, TaxCode]) -> str:
    """The TaxCodeRef of a line: the code mapped to the taxes it bears where the company
    taxes by codes, else QBO's US pseudo code (``TAX`` or ``NON``)."""
    key = key_of(line)
    if tax is TaxTreatment.TAX_CODES:
        if key not in codes:
            reason = f"No QuickBooks tax code is mapped for {TAXED_BY[key]}; map one in the settings and re-sync"
            raise Invalid(reason, code=Cause.FAIL_TAX_CODE)
        return codes[key].id
    return "TAX" if tax in US_SALES_TAX and key is not TaxKey.NONE else "NON"


def tax_lines(bill: Record, lines: list[tuple[Record, TaxCode]]) -> list[Record]:
    """The invoice's tax rate by rate, from Clio's own figures: each line's taxes (its
    ``tax`` and ``secondary_tax``, which Clio rounds per line after the bill's discount,
    Clio's help "Tax" and "Discounts") shared among the rates of the line's code by their
    values, cent for cent. QBO would round once per rate on the rate's taxable total
    (quickbooks-ruby issue #547) and keeps a tax line sent to it (the same issue), so the
    invoice's tax is Clio's to the cent. A code must charge the rates Clio taxed its lines
    at (the bill's ``tax_rate`` and ``secondary_tax_rate``); otherwise the bill fails,
    naming both.
    """
    number = bill.get("number")
    clio_rates = {
        TaxKey.NONE: Decimal(0),
        TaxKey.PRIMARY: Decimal(str(bill.get("tax_rate") or 0)),
        TaxKey.SECONDARY: Decimal(str(bill.get("secondary_tax_rate") or 0)),
    }
    clio_rates[TaxKey.BOTH] = clio_rates[TaxKey.PRIMARY] + clio_rates[TaxKey.SECONDARY]
    net: dict[TaxRate, Decimal] = {}
    amounts: dict[TaxRate, Decimal] = {}
    for line, code in lines:
        key = key_of(line)
        if code.percent != clio_rates[key]:
            raise Invalid(
                f"Bill {number}: Clio taxes its {TAXED_BY[key]} at {clio_rates[key].normalize():f} %, the QuickBooks "
                f"tax code {code.name!r} mapped for them at {code.percent.normalize():f} %; map a code at Clio's rate "
                "in the settings, then re-sync",
                code=Cause.FAIL_TAX_RATES,
            )
        tax = money(line.get("tax")) + money(line.get("secondary_tax"))
        for rate, share in zip(code.rates, _shares(tax, [rate.value for rate in code.rates])):
            net[rate] = net.get(rate, ZERO) + money(line.get("total"))
            amounts[rate] = amounts.get(rate, ZERO) + share
    if sum(amounts.values(), ZERO) != tax_of(bill):
        reason = f"Bill {number}: its lines' taxes do not add up to the {tax_of(bill)} of tax Clio shows"
        raise Invalid(reason, code=Cause.FAIL_SUMS)
    return [
        {
            "Amount": amounts[rate],
            "DetailType": "TaxLineDetail",
            "TaxLineDetail": {
                "TaxRateRef": {"value": rate.id},
                "PercentBased": True,
                "TaxPercent": rate.value,
                "NetAmountTaxable": net[rate],
            },
        }
        for rate in amounts
    ]


def _shares(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` split in proportion to ``weights``, in cents that add up to it exactly:
    each share floored, the cents left to the largest remainders."""
    whole = sum(weights, Decimal(0))
    if not whole:
        return [ZERO for _ in weights]
    exact = [amount * weight / whole for weight in weights]
    shares = [share.quantize(Decimal("0.01"), ROUND_DOWN) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: int((amount - sum(shares, ZERO)) / Decimal("0.01"))]:
        shares[i] += Decimal("0.01")
    return shares


def tax_of(bill: Record) -> Decimal:
    """Both of a Clio bill's taxes."""
    return money(bill.get("tax_sum")) + money(bill.get("secondary_tax_sum"))


def _tax_line(amount: Decimal, item_id: str) -> Record:
    """Clio's taxes as one line, for a company whose sales tax would drop them."""
    detail = {"ItemRef": {"value": item_id}, "TaxCodeRef": {"value": "NON"}}
    return {
        "Amount": amount,
        "Description": TAX_LINE_DESCRIPTION,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }


def _line_order(line: Record) -> tuple:
    return (line.get("group_ordering") or 0, int(line.get("id") or 0))


# --- payments and credit notes --------------------------------------------------------


def _positive(record: Record, what: str) -> Decimal:
    amount = money(record.get("amount"))
    if amount <= 0:
        raise Invalid(f"{what} of {amount} cannot be recorded in QuickBooks", code=Cause.FAIL_AMOUNT)
    return amount


#: Clio's ``payment_type`` of a card payment taken through Clio Payments (an allocation's
#: "card or an eCheck payment", Clio's OpenAPI document ``Allocation_base``).
CARD_PAYMENT = "credit_card"


def payment(
    allocation: Record, customer_id: str, invoice_id: str, *, account: str, card_method: str | None = None
) -> Record:
    """A payment allocation as a QBO Payment applied to its invoice; a card payment names the
    company's card payment method (``card_method``), where it has one."""
    amount = _positive(allocation, "A payment")
    body = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": amount,
        "TxnDate": qbo_date(allocation.get("date")),
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
        "PrivateNote": marker("allocation", allocation["id"], account=account),
    }
    if card_method and allocation.get("payment_type") == CARD_PAYMENT:
        body["PaymentMethodRef"] = {"value": card_method}
    return body


def credit_memo(
    memo: Record, customer_id: str, item_id: str, *, account: str, untaxed: TaxCode | None = None
) -> Record:
    """A credit note as an untaxed credit memo: on QBO's ``NON`` pseudo code, or where the
    company taxes by codes on ``untaxed``, the code mapped for untaxed lines."""
    amount = _positive(memo, "A credit note")
    body = {
        "CustomerRef": {"value": customer_id},
        "TxnDate": qbo_date(memo.get("date")),
        "Line": [
            {
                "Amount": amount,
                "DetailType": "SalesItemLineDetail",
                "Description": str(memo.get("description") or "Credit note")[:DESCRIPTION_MAX],
                "SalesItemLineDetail": {
                    "ItemRef": {"value": item_id},
                    "TaxCodeRef": {"value": untaxed.id if untaxed else "NON"},
                },
            }
        ],
        "PrivateNote": marker("credit_memo", memo["id"], account=account),
    }
    return body | TAX_EXCLUDED if untaxed else body


def credit_application(
    allocation: Record, customer_id: str, invoice_id: str, credit_memo_id: str, *, account: str
) -> Record:
    """A credit note applied to a bill: in QBO, a zero Payment linking both documents."""
    amount = _positive(allocation, "A credit")
    return {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": ZERO,
        "TxnDate": qbo_date(allocation.get("date")),
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}]},
        ],
        "PrivateNote": marker("allocation", allocation["id"], account=account),
    }
