"""Rules of the sales transactions: Invoice, CreditMemo, SalesReceipt, Estimate, Payment.

The server, not the client, computes money: line amounts are checked against Qty x
UnitPrice, discounts and the subtotal line are derived, ``TotalAmt`` (with the sales tax
:mod:`billsync.sandbox.qbo.tax` computes for the company's kind) and ``Balance`` follow, and a Payment's
``Line[].LinkedTxn`` lowers the Balance of the invoices (and credit memos) it applies to.
Customer balances move by the same deltas, so every write costs O(objects touched),
never O(company size); the one exception is QBO applying credits on its own
(:func:`auto_application`), which looks through the company's credit memos, and the
customer's invoices when some credit is open, only with the setting on.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from typing import Iterator

from billsync.sandbox.qbo import currency, jsonutil, names, prefs, tax
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import CENT, check_length, money, named_ref, require, resolve
from billsync.sandbox.qbo.store import Company, Entity

FIRST_DOC_NUMBER = 1000
UNDEPOSITED_FUNDS_ID = "4"  # as seeded by sandbox.qbo.seed
AUTO_APPLY_NOTE = "Created by QB Online to link credits to charges."
INVOICE_DEFAULTS = (
    ("AllowIPNPayment", False),
    ("AllowOnlinePayment", False),
    ("AllowOnlineCreditCardPayment", False),
    ("AllowOnlineACHPayment", False),
)
FORM_DEFAULTS = (
    ("CustomField", []),
    ("ApplyTaxAfterDiscount", False),
    ("PrintStatus", "NeedToPrint"),
    ("EmailStatus", "NotSet"),
)


def _price_lines(company: Company, entity: Entity) -> tuple[Decimal, Decimal]:
    """Validate lines, number them, and return (subtotal, discount)."""
    lines = [line for line in entity.get("Line") or [] if line.get("DetailType") != "SubTotalLineDetail"]
    if not any(line.get("DetailType") == "SalesItemLineDetail" for line in lines):
        raise QBOFault("2020", element="Line")
    used = {int(line["Id"]) for line in lines if str(line.get("Id", "")).isdigit()}
    subtotal, discounts = Decimal("0.00"), []
    for number, line in enumerate(lines, start=1):
        kind = line.get("DetailType")
        if kind == "SalesItemLineDetail":
            detail = line.setdefault("SalesItemLineDetail", {})
            detail["ItemRef"] = named_ref(resolve(company, "Item", detail.get("ItemRef"), "ItemRef"), "Name")
            line["Amount"] = money(require(line, "Amount", "Line.Amount"), "Line.Amount")
            expected = (Decimal(str(detail.get("Qty") or 0)) * Decimal(str(detail.get("UnitPrice") or 0))).quantize(
                CENT
            )
            if expected and expected != line["Amount"]:  # zeros mean "not given", as clients send them
                raise QBOFault("6070", element="Line.Amount", amount=line["Amount"])
            subtotal += line["Amount"]
        elif kind == "DiscountLineDetail":
            discounts.append(line)
        elif kind != "DescriptionOnly":
            raise QBOFault("2020", element="Line.DetailType")
        if "Id" not in line:
            line["Id"] = str(max(used, default=0) + 1)
            used.add(int(line["Id"]))
        line["LineNum"] = number
    discount = Decimal("0.00")
    for line in discounts:
        detail = line.setdefault("DiscountLineDetail", {})
        if detail.get("PercentBased"):
            line["Amount"] = money(subtotal * Decimal(str(detail.get("DiscountPercent", 0))) / 100, "Amount")
        discount += money(line.get("Amount", 0), "Line.Amount")
    entity["Line"] = lines + [{"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}]
    return subtotal, discount


def _doc_number(company: Company, name: str, entity: Entity, old: Entity | None, include: set[str]) -> None:
    """DocNumber as the two preferences dictate.

    A sent number is kept as sent (≤ 21 characters), whether custom transaction numbers
    are on or off: Intuit's reference says that with them off, if "a value is supplied,
    that value is stored even if it is a duplicate" (the wording up to 2016, quoted in
    projects built on it), later "do not send a value as it can lead to unwanted
    duplicates", and that a number sent in an update "just updates that particular invoice
    and does not alter the internal system DocNumber". With them off, a form sent without one gets
    QBO's own next number, "the last number by 1", from a sequence sent numbers never
    move; with them on it has none. Only with both settings on is a second invoice with a
    used number refused (6140), unless ``include=allowduplicatedocnum``; so is an update that
    takes another invoice's number, which no source says QBO does (the stricter reading, see
    ``sandbox/README.md``).
    """
    check_length(entity.get("DocNumber"), 21, "DocNumber")
    custom = prefs.custom_txn_numbers(company)
    if "DocNumber" not in entity and not custom:  # an update keeps the number the form has
        kept = old.get("DocNumber") if old else str(FIRST_DOC_NUMBER + int(company.next_id(f"{name}.DocNumber")))
        if kept:
            entity["DocNumber"] = kept
    number = entity.get("DocNumber")
    if (
        name == "Invoice"
        and number
        and custom
        and prefs.warn_duplicate_doc_number(company)
        and "allowduplicatedocnum" not in include
    ):
        for other in company.numbered(name, number):
            if other["Id"] != entity.get("Id"):
                raise QBOFault("6140", element="DocNumber", doc=number, txn=other["Id"])


def prepare_form(company: Company, name: str, entity: Entity, old: Entity | None, include: set[str]) -> None:
    """Invoice, CreditMemo, SalesReceipt, Estimate: references, numbering and totals."""
    customer = None
    if name != "Estimate" or entity.get("CustomerRef"):
        customer = resolve(company, "Customer", require(entity, "CustomerRef"), "CustomerRef")
        entity["CustomerRef"] = named_ref(customer)
        for address in ("BillAddr", "ShipAddr"):
            if address in customer:
                entity.setdefault(address, copy.deepcopy(customer[address]))
    currency.transaction_currency(company, name, entity, customer)
    _doc_number(company, name, entity, old, include)
    subtotal, discount = _price_lines(company, entity)
    entity["TotalAmt"] = subtotal - discount + tax.compute(company, entity, subtotal=subtotal, discount=discount)
    currency.home_total(company, entity)
    today = jsonutil.now().date()
    entity.setdefault("TxnDate", today.isoformat())
    for key, default in FORM_DEFAULTS:
        entity.setdefault(key, default)
    settled = (old["TotalAmt"] - old.get("Balance", old["TotalAmt"])) if old else Decimal("0.00")
    if name == "Invoice":
        for key, default in INVOICE_DEFAULTS:
            entity.setdefault(key, default)
        txn_date = jsonutil.parse_time(entity["TxnDate"]).date()
        entity.setdefault("DueDate", (txn_date + timedelta(days=30)).isoformat())
        entity["LinkedTxn"] = (old or {}).get("LinkedTxn", [])
        entity["Balance"] = entity["TotalAmt"] - settled
    elif name == "CreditMemo":
        entity["Balance"] = entity["RemainingCredit"] = entity["TotalAmt"] - settled
    elif name == "SalesReceipt":
        entity["Balance"] = Decimal("0.00")
        deposit = company.get("Account", UNDEPOSITED_FUNDS_ID)
        if deposit and "DepositToAccountRef" not in entity:
            entity["DepositToAccountRef"] = named_ref(deposit, "Name")
    if entity.get("Balance", 0) < 0:
        raise QBOFault("6000", element="TotalAmt", detail="The new total is less than the amount already paid")


def _applications(payment: Entity | None) -> Iterator[tuple[str, str, Decimal]]:
    """(doc type, doc id, amount) for each invoice or credit memo a payment line links."""
    for line in (payment or {}).get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            yield link.get("TxnType"), str(link.get("TxnId")), Decimal(str(line.get("Amount", 0)))


#: The account types a payment may be deposited to: "Account.AccountType is Other Current
#: Asset or Bank" (Intuit's Payment reference, ``DepositToAccountRef``).
DEPOSIT_TYPES = frozenset({"Bank", "Other Current Asset"})


def _deposit_account(company: Company, entity: Entity, old: Entity | None, code: str) -> Entity:
    """The account a payment in ``code`` goes to: the one named, the one it had, or Undeposited
    Funds ("If you do not specify this account the payment is applied to the Undeposited Funds
    account", Intuit's Payment reference). Another type is refused with QBO's words for it
    ("Invalid account type: You need to select a different type of account for this
    transaction", quickbooks-ruby issues #229 and #532, answered for a Purchase's account;
    *doubt*: no recording shows the Payment's, whose code is taken to be the same 6000). So is
    an account in a third currency: "The currency of the account must be either in home
    currency or the transaction currency" (QuickBooks Desktop's error 3140, quoted in
    https://help.syncwithconnex.com/hc/the-currency-of-the-account-must-be-either-in-home-currency-or-the-transaction-currency
    and http://helpcenter.webgility.com/en/articles/8701146; *doubt*: QBO's code and words,
    taken to be 6000 with Desktop's)."""
    ref = entity.get("DepositToAccountRef") or (old or {}).get("DepositToAccountRef")
    account = resolve(company, "Account", ref or {"value": UNDEPOSITED_FUNDS_ID}, "DepositToAccountRef")
    if account.get("AccountType") not in DEPOSIT_TYPES:
        raise QBOFault(
            "6000",
            element="DepositToAccountRef",
            detail="Invalid account type: You need to select a different type of account for this transaction.",
        )
    if currency.code_of(company, account) not in (code, currency.home_code(company)):
        raise QBOFault(
            "6000",
            element="DepositToAccountRef",
            detail="The currency of the account must be either in home currency or the transaction currency.",
        )
    return account


def prepare_payment(company: Company, name: str, entity: Entity, old: Entity | None, include: set[str]) -> None:
    """Payment: amounts applied to this customer's open invoices and credit memos."""
    customer = resolve(company, "Customer", require(entity, "CustomerRef"), "CustomerRef")
    entity["CustomerRef"] = named_ref(customer)
    code = currency.transaction_currency(company, name, entity, customer)
    entity["DepositToAccountRef"] = named_ref(_deposit_account(company, entity, old, code), "Name")
    if entity.get("PaymentMethodRef"):
        # "Reference to a PaymentMethod associated with this transaction" (Intuit's Payment
        # reference): one the company has, active, or 610 as for any reference.
        method = resolve(company, "PaymentMethod", entity["PaymentMethodRef"], "PaymentMethodRef")
        entity["PaymentMethodRef"] = named_ref(method, "Name")
    total = money(require(entity, "TotalAmt"), "TotalAmt")
    previously = {(kind, doc_id): amount for kind, doc_id, amount in _applications(old)}
    applied = Decimal("0.00")
    for line in entity.get("Line") or []:
        line["Amount"] = money(require(line, "Amount", "Line.Amount"), "Line.Amount")
    for kind, doc_id, amount in _applications(entity):
        if kind not in ("Invoice", "CreditMemo"):
            raise QBOFault("6000", element="LinkedTxn.TxnType", detail=f"Cannot apply a payment to {kind}")
        doc = company.get(kind, doc_id)
        if doc is None:
            raise QBOFault("610", element="LinkedTxn.TxnId")
        if doc["CustomerRef"]["value"] != customer["Id"]:
            raise QBOFault("6000", element="LinkedTxn", detail=f"{kind} {doc_id} belongs to another customer")
        if currency.code_of(company, doc) != code:  # as for the payment's own currency
            raise QBOFault("6000", element="LinkedTxn", detail=currency.ONE_CURRENCY)
        if amount > doc.get("Balance", 0) + previously.get((kind, doc_id), 0):
            raise QBOFault(
                "6000", element="Line.Amount", detail=f"The amount applied exceeds the open balance of {kind} {doc_id}"
            )
        applied += amount if kind == "Invoice" else -amount
    if applied > total:
        raise QBOFault("6000", element="TotalAmt", detail="The amount applied exceeds the payment total")
    entity["TotalAmt"] = total
    entity["UnappliedAmt"] = total - applied
    entity.setdefault("TxnDate", jsonutil.now().date().isoformat())
    entity.setdefault("ProcessPayment", False)


def _open_forms(company: Company, kind: str, customer_id: str) -> list[Entity]:
    """The customer's invoices or credit memos with an open balance, oldest first."""
    forms = [
        form
        for form in company.objects.get(kind, {}).values()
        if (form.get("CustomerRef") or {}).get("value") == customer_id and form.get("Balance", 0) > 0
    ]
    return sorted(forms, key=lambda form: (form.get("TxnDate", ""), int(form["Id"])))


def auto_application(company: Company, name: str, created: Entity) -> Entity | None:
    """The Payment QBO makes on its own when *Automatically apply credits* is on and a new
    invoice or credit memo leaves both open for one customer; None when there is nothing to apply.

    Intuit's blog "How to automatically apply credits" (quickbooks.intuit.com/blog/
    how-to-automatically-apply-quickbooks-credits/): saving a credit memo for a customer
    with an open invoice makes QBO apply it "by creating a special payment transaction" whose
    amount received is zero and whose memo says "Created by QB Online to link credits to
    charges"; a credit goes to "the customer's next invoice, assuming there are no older open
    invoices", otherwise to the oldest open invoice (begincodingnow.com, "Applying Customer
    Credits Setting"). So open credits, oldest first, are applied to open invoices, oldest
    first, as far as they go, whichever of the two was just created.
    """
    if name not in ("Invoice", "CreditMemo") or not prefs.auto_apply_credit(company):
        return None
    customer_id = created["CustomerRef"]["value"]
    credits = [[memo, memo["Balance"]] for memo in _open_forms(company, "CreditMemo", customer_id)]
    applied: dict[tuple[str, str], Decimal] = {}
    for invoice in _open_forms(company, "Invoice", customer_id) if credits else ():
        due = invoice["Balance"]
        while due and credits:
            memo, available = credits[0]
            amount = min(due, available)
            for key in (("Invoice", invoice["Id"]), ("CreditMemo", memo["Id"])):
                applied[key] = applied.get(key, Decimal("0.00")) + amount
            due, credits[0][1] = due - amount, available - amount
            if not credits[0][1]:
                credits.pop(0)
    if not applied:
        return None
    return {
        "CustomerRef": {"value": customer_id},
        **{key: created[key] for key in ("CurrencyRef", "ExchangeRate") if key in created},
        "TotalAmt": Decimal("0.00"),
        "TxnDate": created["TxnDate"],
        "PrivateNote": AUTO_APPLY_NOTE,
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": doc_id, "TxnType": kind}]}
            for (kind, doc_id), amount in applied.items()
        ],
    }


def void(name: str, entity: Entity) -> None:
    """Zero the transaction in place, keeping it on the books, as QBO's void does."""
    entity["PrivateNote"] = f"Voided{(' - ' + entity['PrivateNote']) if entity.get('PrivateNote') else ''}"
    if name == "Payment":
        entity["Line"] = []
        entity["TotalAmt"] = entity["UnappliedAmt"] = Decimal("0.00")
        return
    for line in entity.get("Line") or []:
        if "Amount" in line:
            line["Amount"] = Decimal("0.00")
    if "TxnTaxDetail" in entity:  # a form stored without one (no sales tax) gains none
        entity["TxnTaxDetail"] = {"TotalTax": Decimal("0.00")}
    entity["TotalAmt"] = entity["Balance"] = Decimal("0.00")
    if "HomeTotalAmt" in entity:  # only with multicurrency on
        entity["HomeTotalAmt"] = Decimal("0.00")


def contribution(name: str, entity: Entity | None) -> Decimal:
    """What a transaction adds to its customer's open balance."""
    if entity is None:
        return Decimal("0.00")
    if name == "Invoice":
        return entity.get("Balance", 0)
    if name == "CreditMemo":
        return -entity.get("Balance", 0)
    if name == "Payment":
        return -entity.get("UnappliedAmt", 0)
    return Decimal("0.00")


def _shift_customer(company: Company, entity: Entity | None, delta: Decimal) -> None:
    """Move the customer's Balance, and the BalanceWithJobs of it and every customer above it."""
    customer = entity and company.get("Customer", entity.get("CustomerRef", {}).get("value"))
    if customer and delta:
        customer["Balance"] = money(customer.get("Balance", 0), "Balance") + delta
        for holder in (customer, *names.ancestors(company, customer)):
            holder["BalanceWithJobs"] = money(holder.get("BalanceWithJobs", 0), "BalanceWithJobs") + delta


def _apply(company: Company, kind: str, doc_id: str, payment_id: str, amount: Decimal) -> None:
    doc = company.get(kind, doc_id)
    if doc is None:
        return
    before = contribution(kind, doc)
    doc["Balance"] = doc.get("Balance", 0) - amount
    if kind == "CreditMemo":
        doc["RemainingCredit"] = doc["Balance"]
    links = [link for link in doc.get("LinkedTxn", []) if link.get("TxnId") != payment_id]
    doc["LinkedTxn"] = links + ([{"TxnId": payment_id, "TxnType": "Payment"}] if amount > 0 else [])
    _shift_customer(company, doc, contribution(kind, doc) - before)


def settle(company: Company, name: str, old: Entity | None, new: Entity | None) -> None:
    """Move invoice, credit memo and customer balances after a write (None = absent)."""
    if name == "Payment":
        payment_id = (old or new)["Id"]
        for kind, doc_id, amount in _applications(old):
            _apply(company, kind, doc_id, payment_id, -amount)
        for kind, doc_id, amount in _applications(new):
            _apply(company, kind, doc_id, payment_id, amount)
    _shift_customer(company, old, -contribution(name, old))
    _shift_customer(company, new, contribution(name, new))


def linked_payments(company: Company, entity: Entity) -> list[Entity]:
    """Payments applied to this invoice or credit memo."""
    ids = [link["TxnId"] for link in entity.get("LinkedTxn", []) if link.get("TxnType") == "Payment"]
    return [payment for payment in (company.get("Payment", i) for i in ids) if payment]


def detach(payment: Entity, kind: str, doc_id: str) -> Entity:
    """A copy of ``payment`` without its lines applied to (kind, doc_id): the money stays
    on the payment as unapplied credit, as when a QBO user deletes a paid invoice."""
    changed = copy.deepcopy(payment)
    changed["Line"] = [
        line
        for line in changed.get("Line") or []
        if not any(
            link.get("TxnType") == kind and str(link.get("TxnId")) == doc_id for link in line.get("LinkedTxn") or []
        )
    ]
    applied = sum((amount if k == "Invoice" else -amount for k, _, amount in _applications(changed)), Decimal("0.00"))
    changed["UnappliedAmt"] = changed["TotalAmt"] - applied
    return changed
