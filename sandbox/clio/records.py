"""Constructors of Clio records in the emulator's stored shape.

The demo-firm generator and the admin API's "act as a Clio user" actions both build
records here, so a contact or bill looks the same however it came to exist. Every field
of Clio's ``<Type>_base`` schema is set, to a value of the schema's type (``None`` where
Clio would show null): a field the firm has no use for holds what Clio shows for an
account that does not use that feature (no Clio Connect, no LEDES, no interest).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from billsync.sandbox.clio import billing
from billsync.sandbox.clio.billing import ZERO
from billsync.sandbox.clio.store import Record

#: When the emulated account and its fixed records (currency, user) were created.
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
USD = {"id": 1, "etag": '"usd"', "code": "USD", "sign": "$", "created_at": EPOCH, "updated_at": EPOCH}
#: The account's currencies (Clio's ``Currency_base``: id, code, sign), served by ``GET
#: /currencies.json``: those a firm of each region bills in, and EUR, which a firm's clients
#: abroad may be billed in.
CURRENCIES = {
    "USD": USD,
    "CAD": {**USD, "id": 2, "etag": '"cad"', "code": "CAD"},
    "GBP": {**USD, "id": 3, "etag": '"gbp"', "code": "GBP", "sign": "£"},
    "AUD": {**USD, "id": 4, "etag": '"aud"', "code": "AUD"},
    "EUR": {**USD, "id": 5, "etag": '"eur"', "code": "EUR", "sign": "€"},
}
#: A bill's ``interest`` (Clio's ``Interest_base``) when the firm charges none.
NO_INTEREST = {"balance": ZERO, "period": 0, "rate": ZERO, "total": ZERO, "type": "simple"}
#: The firm's bank accounts: payments are deposited in operating, retainers held in trust.
OPERATING_ACCOUNT = 1
TRUST_ACCOUNT = 2

#: What a user may do next with a bill in each state, as Clio lists it.
TRANSITIONS: dict[str, list[str]] = {
    "draft": ["awaiting_approval", "awaiting_payment", "deleted"],
    "awaiting_approval": ["awaiting_payment", "deleted"],
    "awaiting_payment": ["void", "deleted"],
    "paid": ["void"],
    "void": ["deleted"],
    "deleted": [],
}


def discount(rate: Decimal | int | str = 0, kind: str = "percentage", note: str = "") -> dict[str, Any]:
    """A Clio ``discount`` object (``rate`` is a percent or an amount, by ``kind``)."""
    return {
        "rate": Decimal(rate),
        "type": kind,
        "note": note,
        "early_payment_rate": 0,
        "early_payment_period": 0,
    }


def _owned(contact_id: int, kind: str, at: datetime, items: Iterable[Mapping[str, Any]]) -> list[Record]:
    """A contact's emails, phone numbers or addresses, the first one primary.

    They are numbered from the contact's id (``id * 10 + n``), so they are unique and
    stable without a sequence of their own.
    """
    return [
        {
            "id": contact_id * 10 + n,
            "etag": f'"{kind}-{contact_id}-{n}"',
            **item,
            "primary": n == 0,
            "created_at": at,
            "updated_at": at,
        }
        for n, item in enumerate(items)
    ]


def _emails(contact_id: int, email: str | None, at: datetime) -> list[Record]:
    return _owned(contact_id, "email", at, [{"address": email, "name": "Work"}] if email else [])


def contact(
    contact_id: int,
    at: datetime,
    *,
    company: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phones: Sequence[tuple[str, str]] = (),
    addresses: Sequence[Mapping[str, str]] = (),
    date_of_birth: date | None = None,
    sales_tax_number: str | None = None,
    currency: Record = USD,
) -> Record:
    """A Person (first and last name) or a Company (``company``).

    Args:
        phones: ``(name, number)`` pairs, ``name`` from Clio's enum (Work, Personal, Other).
        addresses: ``street``, ``city``, ``province``, ``postal_code``, ``country`` and
            ``name`` (Work, Home, Billing, Other) each.
    """
    is_company = company is not None
    name = company if is_company else f"{first_name} {last_name}"
    numbers = _numbers(contact_id, phones, at)
    return {
        "id": contact_id,
        "type": "Company" if is_company else "Person",
        "name": name,
        "first_name": None if is_company else first_name,
        "middle_name": None,
        "last_name": None if is_company else last_name,
        "date_of_birth": date_of_birth,
        "prefix": None,
        "title": None,
        "initials": "".join(part[:1] for part in name.split()[:2]).upper(),
        "clio_connect_email": None,
        "locked_clio_connect_email": False,
        "client_connect_user_id": None,
        "primary_email_address": email,
        "secondary_email_address": None,
        "email_addresses": _emails(contact_id, email, at),
        "primary_phone_number": numbers[0]["number"] if numbers else None,
        "secondary_phone_number": numbers[1]["number"] if len(numbers) > 1 else None,
        "phone_numbers": numbers,
        "addresses": _owned(contact_id, "address", at, addresses),
        "ledes_client_id": None,
        "has_clio_for_clients_permission": False,
        "is_client": True,
        "is_clio_for_client_user": False,
        "is_co_counsel": False,
        "is_bill_recipient": False,
        "sales_tax_number": sales_tax_number,
        "currency": currency,
        "created_at": at,
        "updated_at": at,
    }


def _numbers(contact_id: int, phones: Iterable[tuple[str, str]], at: datetime) -> list[Record]:
    return _owned(contact_id, "phone", at, ({"number": number, "name": kind} for kind, number in phones))


def set_phones(record: Record, phones: Sequence[tuple[str, str]], at: datetime) -> None:
    """Give a contact new phone numbers (``(name, number)`` pairs, the first one primary) at
    ``at``, in every place Clio shows them."""
    numbers = _numbers(record["id"], phones, at)
    record["phone_numbers"] = numbers
    record["primary_phone_number"] = numbers[0]["number"] if numbers else None
    record["secondary_phone_number"] = numbers[1]["number"] if len(numbers) > 1 else None


def set_addresses(record: Record, addresses: Sequence[Mapping[str, str]], at: datetime) -> None:
    """Give a contact new addresses (as :func:`contact` takes them, the first one primary) at ``at``."""
    record["addresses"] = _owned(record["id"], "address", at, addresses)


def set_email(record: Record, email: str | None, at: datetime) -> None:
    """Give a contact a new primary email (or none) at ``at``, in both places Clio shows it."""
    record["primary_email_address"] = email
    record["email_addresses"] = _emails(record["id"], email, at)


def rename(record: Record, name: str) -> None:
    """Give a contact a new display name, splitting a Person's into first and last."""
    record["name"] = name
    if record["type"] == "Person":
        first, _, last = name.partition(" ")
        record["first_name"], record["last_name"] = first, last


def bill(
    bill_id: int,
    client_id: int,
    number: str,
    issued_at: date,
    due_at: date,
    state: str,
    at: datetime,
    *,
    tax_rate: Decimal = ZERO,
    secondary_tax_rate: Decimal = ZERO,
    bill_discount: dict[str, Any] | None = None,
    subject: str = "",
    currency: Record = USD,
) -> Record:
    """An unpriced bill; :func:`price` fills in its amounts."""
    return {
        "id": bill_id,
        "number": number,
        "issued_at": issued_at,
        "due_at": due_at,
        "subject": subject,
        "memo": "",
        "purchase_order": "",
        "type": "MatterBill",
        "kind": "revenue_kind",
        "state": state,
        "tax_rate": tax_rate,
        "secondary_tax_rate": secondary_tax_rate,
        "discount": bill_discount or discount(),
        # Clio's OpenAPI document types this flag as a string; the emulator follows it.
        "discount_services_only": "false",
        "interest": NO_INTEREST,
        "currency": currency,
        "client": {"id": client_id},
        "original_bill": None,
        "destination_account": {"id": OPERATING_ACCOUNT},
        "pending": ZERO,
        "paid": ZERO,
        "paid_at": None,
        "credits_issued": ZERO,
        "last_sent_at": None,
        "shared": False,
        "can_update": state in ("draft", "awaiting_approval"),
        "available_state_transitions": TRANSITIONS[state],
        "created_at": at,
        "updated_at": at,
    }


#: The amounts :func:`price` adds to what billing computes.
_ITEMIZED = (
    "services_sub_total",
    "services_tax",
    "services_secondary_tax",
    "services_taxable_sub_total",
    "services_secondary_taxable_sub_total",
    "taxable_sub_total",
    "secondary_taxable_sub_total",
)


def _whole(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price(bill: Record, lines: list[Record]) -> None:
    """Price ``bill`` and its ``lines`` (:func:`billsync.sandbox.clio.billing.price_bill`), then
    fill in what Clio shows besides: the service lines' share, the taxable bases, and the
    billing period the lines' dates span.

    A taxable base is what a tax was computed on: the taxable lines' totals less their share
    of the bill discount. Clio's OpenAPI document types the four ``*taxable_sub_total``
    fields as int64, so the emulator sends them in whole currency units.
    """
    billing.price_bill(bill, lines)
    shares = billing.spread(billing.discount_amount(bill["sub_total"], bill["discount"]), [ln["total"] for ln in lines])
    sums = dict.fromkeys(_ITEMIZED, ZERO)
    for line, share in zip(lines, shares):
        service = line["kind"] == "Service"
        if service:
            sums["services_sub_total"] += line["total"]
            sums["services_tax"] += line["tax"]
            sums["services_secondary_tax"] += line["secondary_tax"]
        for tax in ("taxable", "secondary_taxable"):
            if line[tax]:
                sums[f"{tax}_sub_total"] += line["total"] - share
                if service:
                    sums[f"services_{tax}_sub_total"] += line["total"] - share
    bill.update({name: _whole(value) if name.endswith("taxable_sub_total") else value for name, value in sums.items()})
    dates = [line["date"] for line in lines] or [bill["issued_at"]]
    bill["start_at"], bill["end_at"] = min(dates), max(dates)


def set_state(record: Record, state: str) -> None:
    """Move a bill to ``state`` with the flags that follow from it."""
    record["state"] = state
    record["can_update"] = state in ("draft", "awaiting_approval")
    record["available_state_transitions"] = TRANSITIONS[state]


def line_item(
    line_id: int,
    bill_id: int,
    kind: str,
    description: str,
    price: Decimal,
    quantity: Decimal,
    on: date,
    at: datetime,
    *,
    taxable: bool = False,
    secondary_taxable: bool = False,
    line_discount: dict[str, Any] | None = None,
    ordering: int = 0,
) -> Record:
    """A Service (hours at a rate) or Expense (a cost) line of a bill."""
    return {
        "id": line_id,
        "type": "ActivityLineItem",
        "kind": kind,
        "description": description,
        "note": "",
        "date": on,
        "price": price,
        "quantity": quantity,
        "taxable": taxable,
        "secondary_taxable": secondary_taxable,
        "discount": line_discount or discount(),
        "group_ordering": ordering,
        "bill": {"id": bill_id},
        "created_at": at,
        "updated_at": at,
    }


def payment(payment_id: int, contact_id: int, amount: Decimal, on: date, at: datetime) -> Record:
    """A payment received from a contact; allocations spread it over bills."""
    return {
        "id": payment_id,
        "amount": amount,
        "date": on,
        "reference": f"PMT-{payment_id:06d}",
        "contact": {"id": contact_id},
        "voided_at": None,
        "created_at": at,
        "updated_at": at,
    }


def allocation(
    allocation_id: int,
    parent_type: str,
    parent_id: int,
    bill_id: int,
    contact_id: int,
    amount: Decimal,
    on: date,
    at: datetime,
    *,
    from_account: int | None = None,
    online: bool = False,
) -> Record:
    """Money from a Payment or a CreditMemo applied to one bill.

    A payment is deposited in the operating account; ``from_account`` (the trust
    account) is where it came from when a bill is paid from money held in trust.
    ``online`` marks a card payment taken through Clio Payments.
    """
    is_payment = parent_type == "Payment"
    return {
        "id": allocation_id,
        "date": on,
        "amount": amount,
        "interest": False,
        "voided_at": None,
        "description": "" if is_payment else "Credit note",
        "has_online_payment": online,
        "destroyable": True,
        # Clio documents it as "whether the payment is a card or an eCheck payment"; the
        # value is one of Payment_base's payment_source_type enum.
        "payment_type": "credit_card" if online else None,
        "parent": {"id": parent_id, "type": parent_type},
        "bill": {"id": bill_id},
        "contact": {"id": contact_id},
        "source_bank_account": {"id": from_account} if from_account else None,
        "destination_bank_account": {"id": OPERATING_ACCOUNT} if is_payment else None,
        "created_at": at,
        "updated_at": at,
    }


def credit_memo(memo_id: int, contact_id: int, amount: Decimal, on: date, at: datetime, description: str) -> Record:
    """A credit note issued to a contact; its allocations apply it to bills."""
    return {
        "id": memo_id,
        "date": on,
        "amount": amount,
        "description": description,
        "discount": False,
        "voided_at": None,
        "contact": {"id": contact_id},
        "created_at": at,
        "updated_at": at,
    }


def bank_account(account_id: int, kind: str, name: str, holder: str, at: datetime) -> Record:
    """An empty ``Operating`` or ``Trust`` account in US dollars at a made-up bank (the transit
    number only has an ABA routing number's form and check digit)."""
    return {
        "id": account_id,
        "name": name,
        "type": kind,
        "holder": holder,
        "institution": "First Sandbox Bank",
        "domicile_branch": "Main Street",
        "account_number": f"40{account_id:08d}",
        "transit_number": "123456780",
        "swift": None,
        "general_ledger_number": None,
        "currency": USD["code"],
        "currency_symbol": USD["sign"],
        "currency_id": USD["id"],
        "default_account": True,
        "controlled_account": False,
        "clio_payments_enabled": False,
        "clio_payment_page_link": None,
        "clio_payment_page_qr_code": None,
        "balance": ZERO,
        "bank_transactions_count": 0,
        "created_at": at,
        "updated_at": at,
    }


def ref(record_id: int | None) -> dict[str, int] | None:
    """Clio's nested reference ``{"id": …}`` to a record, or None for no record."""
    return {"id": record_id} if record_id else None


#: What a bank transaction's ``source`` says of where it came from. Clio's OpenAPI document
#: gives the field ("Where the transaction came from.") but not its values; these are the
#: emulator's words for the trust activities Clio's help centre lists ("How does the QuickBooks
#: trust accounting sync work": manual additions and disbursements, matter-to-matter transfers,
#: payments on bills from a trust account).
MANUAL_ENTRY = "Manual entry"
PAYMENT = "Payment"
TRANSFER = "Transfer"


def set_amount(transaction: Record, amount: Decimal) -> None:
    """Give a transaction a new signed ``amount`` and the fields that follow from its sign."""
    transaction["amount"] = amount
    transaction["transaction_type"] = "Deposit" if amount > 0 else "Withdrawal"
    transaction["funds_in"] = max(amount, ZERO)
    transaction["funds_out"] = max(-amount, ZERO)


def post(
    transaction_id: int,
    account: Record,
    amount: Decimal,
    on: date,
    at: datetime,
    *,
    description: str,
    client_id: int | None = None,
    matter_id: int | None = None,
    allocation: Record | None = None,
    source: str | None = None,
    confirmation: str | None = None,
) -> Record:
    """Money into (``amount`` > 0) or out of ``account``: the bank transaction, with the
    account's balance and transaction count moved by it.

    ``matter_id`` is the matter whose ledger the money is held in (the emulator's one matter
    of a client has the client's id, :func:`.synthesized.matter`); None holds it at the
    client level, as Clio's "Transfer Funds Matter-to-Matter" moves funds "between the client
    level and/or Matters linked to a single client" (Clio help "Moving Funds in Clio").
    A transaction made by a payment (``allocation``) carries the payment's reference as
    its read-only confirmation; one entered by hand (a retainer) has what the user typed.
    ``current_account_balance`` is the account's balance once this transaction was posted.
    """
    account["balance"] += amount
    account["bank_transactions_count"] += 1
    account["updated_at"] = max(account["updated_at"], at)
    online = bool(allocation and allocation["has_online_payment"])
    transaction = {
        "id": transaction_id,
        # The list filter ``type`` takes "asset" or "liability": money in an operating
        # account is the firm's, money in trust is owed to clients.
        "type": "asset" if account["type"] == "Operating" else "liability",
        "bank_account_id": account["id"],
        "bank_account": {"id": account["id"]},
        "source": source or (PAYMENT if allocation else MANUAL_ENTRY),
        "confirmation": f"PMT-{allocation['parent']['id']:06d}" if allocation else confirmation,
        "read_only_confirmation": allocation is not None,
        "date": on,
        "currency": account["currency"],
        "currency_id": account["currency_id"],
        "exchange_rate": Decimal(1),
        "description": description,
        "clio_payments_transaction": online,
        "current_account_balance": account["balance"],
        "client": ref(client_id),
        "matter": ref(matter_id),
        "bill": ref(allocation and allocation["bill"]["id"]),
        "allocation": ref(allocation and allocation["id"]),
        "created_at": at,
        "updated_at": at,
    }
    set_amount(transaction, amount)
    return transaction


def transfers(
    allocation: Record,
    account_of: Callable[[int], Record | None],
    next_id: Callable[[], int],
    on: date,
    at: datetime,
    *,
    reverse: bool = False,
) -> list[Record]:
    """The bank transactions a payment allocation makes: into its destination account and,
    when paid from trust, out of its source account; ``reverse`` undoes them (a void)."""
    made = []
    for field, direction, what in (
        ("destination_bank_account", 1, "Payment received"),
        ("source_bank_account", -1, "Bill paid from this account"),
    ):
        ref = allocation.get(field)
        account = account_of(ref["id"]) if ref else None
        if account is not None:
            amount = allocation["amount"] * (-direction if reverse else direction)
            description = f"Voided: {what.lower()}" if reverse else what
            made.append(
                post(
                    next_id(),
                    account,
                    amount,
                    on,
                    at,
                    description=description,
                    client_id=allocation["contact"]["id"],
                    # The bill's matter: the client's one matter in the emulator.
                    matter_id=allocation["contact"]["id"],
                    allocation=allocation,
                )
            )
    return made
