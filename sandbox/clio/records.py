"""Constructors of Clio records in the emulator's stored shape.

The demo-firm generator and the admin API's "act as a Clio user" actions both build
records here, so a contact or bill looks the same however it came to exist.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from billsync.sandbox.clio.billing import ZERO
from billsync.sandbox.clio.store import Record

#: When the emulated account and its fixed records (currency, user) were created.
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
USD = {"id": 1, "etag": '"usd"', "code": "USD", "sign": "$", "created_at": EPOCH, "updated_at": EPOCH}

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


def contact(
    contact_id: int,
    at: datetime,
    *,
    company: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
) -> Record:
    """A Person (first and last name) or a Company (``company``) with an optional email."""
    is_company = company is not None
    name = company if is_company else f"{first_name} {last_name}"
    emails = (
        []
        if not email
        else [
            {
                "id": contact_id,
                "etag": f'"email-{contact_id}"',
                "address": email,
                "name": "Work",
                "primary": True,
                "created_at": at,
                "updated_at": at,
            }
        ]
    )
    return {
        "id": contact_id,
        "type": "Company" if is_company else "Person",
        "name": name,
        "first_name": None if is_company else first_name,
        "last_name": None if is_company else last_name,
        "initials": "".join(part[:1] for part in name.split()[:2]).upper(),
        "primary_email_address": email,
        "email_addresses": emails,
        "is_client": True,
        "created_at": at,
        "updated_at": at,
    }


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
) -> Record:
    """An unpriced bill; :func:`billsync.sandbox.clio.billing.price_bill` fills in its amounts."""
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
        "currency": USD,
        "client": {"id": client_id},
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
) -> Record:
    """Money from a Payment or a CreditMemo applied to one bill."""
    return {
        "id": allocation_id,
        "date": on,
        "amount": amount,
        "interest": False,
        "voided_at": None,
        "description": "" if parent_type == "Payment" else "Credit note",
        "destroyable": True,
        "parent": {"id": parent_id, "type": parent_type},
        "bill": {"id": bill_id},
        "contact": {"id": contact_id},
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
