"""Acting as a Clio user: the changes a person makes in Clio's web app, applied to the store.

A sync client must cope with bills edited, voided and deleted after it synced them,
payments voided, contacts renamed. Tests and demos cause those changes through the admin
API, which calls these functions; each one updates every record the real change touches
(a voided payment reopens its bill and takes its deposit back out of the bank account),
bumps ``updated_at`` so ``updated_since`` sees it, and fires the webhook events Clio would.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from billsync.sandbox.clio import billing, records
from billsync.sandbox.clio.errors import bad_request, not_found
from billsync.sandbox.clio.store import Record, Store

EDITABLE_BILL_FIELDS = ("number", "subject", "memo", "purchase_order", "issued_at", "due_at")
#: Bills whose lines a user can still change (a void, deleted or paid bill is closed).
EDITABLE_BILL_STATES = ("draft", "awaiting_approval", "awaiting_payment")


def get_record(store: Store, name: str, record_id: int, kind: str) -> Record:
    record = store[name].get(record_id)
    if record is None:
        raise not_found(kind, record_id)
    return record


def parse_money(value: Any, what: str) -> Decimal:
    try:
        return billing.money(Decimal(str(value)))
    except ArithmeticError:
        raise bad_request(f"{what} must be a number, got {value!r}") from None


def move_money(store: Store, allocation: Record, on: date, at: datetime, reverse: bool = False) -> None:
    """Save the bank transactions a payment allocation makes (or, voided, undoes) and the
    accounts they change; a credit allocation moves no money."""
    accounts = store["bank_accounts"]
    for transaction in records.transfers(
        allocation, accounts.get, lambda: store.next_id("bank_transactions"), on, at, reverse=reverse
    ):
        store.save("bank_transactions", transaction, "created")
        store.save("bank_accounts", accounts.records[transaction["bank_account_id"]], "updated")


def reprice(store: Store, bill: Record, event: str = "updated") -> Record:
    """Recompute a bill's amounts from its lines and allocations, then save it."""
    lines = store["line_items"].referring("bill", bill["id"])
    records.price(bill, lines)
    billing.settle(bill, store["allocations"].referring("bill", bill["id"]))
    return store.touch("bills", bill, event)


def create_contact(store: Store, data: Mapping[str, Any]) -> Record:
    """A new Person (``first_name``/``last_name``) or Company (``name``)."""
    with store.lock:
        record = records.contact(
            store.next_id("contacts"),
            store.now(),
            company=data.get("name") if data.get("type") == "Company" else None,
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            email=data.get("email"),
        )
        return store.save("contacts", record, "created")


#: Phone names: those Clio's contact create and update schemas take (Work, Home, Mobile, Fax,
#: Pager, Skype, Other), and "Personal", which its response schema lists and the demo firm uses.
PHONE_NAMES = ("Work", "Home", "Mobile", "Fax", "Pager", "Skype", "Other", "Personal")
#: Address names and parts, as Clio's contact schemas list them.
ADDRESS_NAMES = ("Work", "Home", "Billing", "Other")
ADDRESS_PARTS = ("name", "street", "city", "province", "postal_code", "country")


def _phones(value: Any) -> list[tuple[str, str]]:
    """``[{name, number}, …]`` as (name, number) pairs, checked as Clio's schemas name them."""
    if not isinstance(value, list) or not all(isinstance(p, Mapping) for p in value):
        raise bad_request("phones must be a list of {name, number}")
    for phone in value:
        if phone.get("name") not in PHONE_NAMES:
            raise bad_request(f"A phone's name must be one of {', '.join(PHONE_NAMES)}, got {phone.get('name')!r}")
    return [(phone["name"], str(phone.get("number") or "")) for phone in value]


def _addresses(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(a, Mapping) for a in value):
        raise bad_request("addresses must be a list of {name, street, city, province, postal_code, country}")
    for address in value:
        if address.get("name") not in ADDRESS_NAMES:
            raise bad_request(f"An address's name must be one of {', '.join(ADDRESS_NAMES)}")
        if unknown := set(address) - set(ADDRESS_PARTS):
            raise bad_request(f"An address has no {', '.join(sorted(unknown))}")
    return [{part: address.get(part) for part in ADDRESS_PARTS} for address in value]


def edit_contact(store: Store, contact_id: int, data: Mapping[str, Any]) -> Record:
    """Rename a contact, change its primary email, and/or replace its phone numbers or its
    addresses (each list whole, the first one primary), as a user saving the contact's page."""
    with store.lock:
        record = get_record(store, "contacts", contact_id, "Contact")
        phones = _phones(data["phones"]) if "phones" in data else None
        addresses = _addresses(data["addresses"]) if "addresses" in data else None
        if data.get("name"):
            records.rename(record, data["name"])
        if "email" in data:
            records.set_email(record, data["email"], store.now())
        if phones is not None:
            records.set_phones(record, phones, store.now())
        if addresses is not None:
            records.set_addresses(record, addresses, store.now())
        return store.touch("contacts", record)


def create_bill(store: Store, data: Mapping[str, Any]) -> Record:
    """A bill for ``client_id`` with ``lines`` of ``{kind, description, price, quantity, taxable}``."""
    with store.lock:
        client_id = int(data["client_id"])
        get_record(store, "contacts", client_id, "Contact")
        state = data.get("state", "awaiting_payment")
        if state not in records.TRANSITIONS or state in ("void", "deleted", "paid"):
            raise bad_request(f"A new bill cannot be in state {state}")
        now = store.now()
        bill_id = store.next_id("bills")
        issued = date.fromisoformat(data.get("issued_at", now.date().isoformat()))
        bill = records.bill(
            bill_id,
            client_id,
            str(data.get("number", bill_id)),
            issued,
            date.fromisoformat(data.get("due_at", issued.isoformat())),
            state,
            now,
            tax_rate=Decimal(str(data.get("tax_rate", 0))),
            secondary_tax_rate=Decimal(str(data.get("secondary_tax_rate", 0))),
            subject=data.get("subject", ""),
        )
        for ordering, line in enumerate(data.get("lines", [])):
            _new_line(store, bill_id, line, issued, now, ordering)
        return reprice(store, bill, "created")


def _new_line(store: Store, bill_id: int, data: Mapping[str, Any], on: date, at: datetime, ordering: int) -> Record:
    """Saves a line ``{kind, description, price, quantity, taxable}`` of the bill."""
    line = records.line_item(
        store.next_id("line_items"),
        bill_id,
        data.get("kind", "Service"),
        data.get("description", ""),
        parse_money(data.get("price", 0), "price"),
        Decimal(str(data.get("quantity", 1))),
        on,
        at,
        taxable=bool(data.get("taxable", False)),
        secondary_taxable=bool(data.get("secondary_taxable", False)),
        ordering=ordering,
    )
    return store.save("line_items", line, "created")


def _editable_bill(store: Store, bill_id: int) -> Record:
    bill = get_record(store, "bills", bill_id, "Bill")
    if bill["state"] not in EDITABLE_BILL_STATES:
        raise bad_request(f"Bill {bill_id} is {bill['state']}: its lines cannot be changed")
    return bill


def add_line(store: Store, bill_id: int, data: Mapping[str, Any]) -> Record:
    """A line added to a bill in Clio's bill editor; the bill's amounts follow."""
    with store.lock:
        bill = _editable_bill(store, bill_id)
        ordering = len(store["line_items"].referring("bill", bill_id))
        line = _new_line(store, bill_id, data, bill["issued_at"], store.now(), ordering)
        reprice(store, bill)
        return line


def edit_line(store: Store, line_id: int, data: Mapping[str, Any], *, touch_bill: bool = True) -> Record:
    """A line's description, price or quantity changed; the bill's amounts follow. With
    ``touch_bill`` false the bill keeps its ``updated_at``: a Clio that dates only the line
    (no source says which Clio does), so that a client must find the bill through its lines."""
    with store.lock:
        line = get_record(store, "line_items", line_id, "Line item")
        bill = _editable_bill(store, line["bill"]["id"])
        if "description" in data:
            line["description"] = str(data["description"])
        if "price" in data:
            line["price"] = parse_money(data["price"], "price")
        if "quantity" in data:
            line["quantity"] = Decimal(str(data["quantity"]))
        if touch_bill:
            reprice(store, bill)
        else:
            records.price(bill, store["line_items"].referring("bill", bill["id"]))
            billing.settle(bill, store["allocations"].referring("bill", bill["id"]))
            store.save("bills", bill)
        return store.touch("line_items", line)


def delete_line(store: Store, line_id: int) -> Record:
    """A line removed from its bill; the bill's amounts follow. Clio lists a deleted line no
    more (``DELETE /line_items/{id}.json``), so the bill is what tells a client of it."""
    with store.lock:
        line = get_record(store, "line_items", line_id, "Line item")
        bill = _editable_bill(store, line["bill"]["id"])
        store["line_items"].remove(line_id)
        return reprice(store, bill)


def edit_bill(store: Store, bill_id: int, data: Mapping[str, Any]) -> Record:
    """Change a bill's number, subject, dates or state (one of its allowed transitions)."""
    with store.lock:
        bill = get_record(store, "bills", bill_id, "Bill")
        for name in EDITABLE_BILL_FIELDS:
            if name in data:
                value = data[name]
                bill[name] = date.fromisoformat(value) if name.endswith("_at") else str(value)
        if "state" in data and data["state"] != bill["state"]:
            if data["state"] not in bill["available_state_transitions"]:
                raise bad_request(f"A bill cannot go from {bill['state']} to {data['state']}")
            records.set_state(bill, data["state"])
        return reprice(store, bill)


def void_bill(store: Store, bill_id: int) -> Record:
    return edit_bill(store, bill_id, {"state": "void"})


def delete_bill(store: Store, bill_id: int) -> Record:
    """Clio keeps a deleted bill findable in state "deleted"; so does the emulator."""
    with store.lock:
        bill = get_record(store, "bills", bill_id, "Bill")
        records.set_state(bill, "deleted")
        return store.touch("bills", bill, "deleted")


def put_on_bill(store: Store, data: Mapping[str, Any]) -> tuple[Record, Any, date, Any]:
    """The open bill ``data["bill_id"]``, and the amount (default: its balance), date and
    time of what is put on it."""
    bill = get_record(store, "bills", int(data["bill_id"]), "Bill")
    if bill["state"] != "awaiting_payment":
        raise bad_request(f"Bill {bill['id']} is {bill['state']}, not awaiting payment")
    amount = parse_money(data.get("amount", bill["balance"]), "amount")
    now = store.now()
    return bill, amount, date.fromisoformat(data.get("date", now.date().isoformat())), now


def create_payment(store: Store, data: Mapping[str, Any]) -> Record:
    """Record a payment of ``amount`` on ``bill_id``; returns its allocation."""
    with store.lock:
        bill, amount, on, now = put_on_bill(store, data)
        contact_id = bill["client"]["id"]
        pay = store.save("payments", records.payment(store.next_id("payments"), contact_id, amount, on, now))
        allocation = store.save(
            "allocations",
            records.allocation(
                store.next_id("allocations"), "Payment", pay["id"], bill["id"], contact_id, amount, on, now
            ),
            "created",
        )
        move_money(store, allocation, on, now)
        reprice(store, bill)
        return allocation


def void_allocation(store: Store, allocation_id: int) -> Record:
    """Void a payment or credit allocation; its bill owes the money again."""
    with store.lock:
        allocation = get_record(store, "allocations", allocation_id, "Allocation")
        if allocation["voided_at"] is None:
            voided = allocation["voided_at"] = store.now()
            store.touch("allocations", allocation)
            move_money(store, allocation, voided.date(), voided, reverse=True)
            reprice(store, get_record(store, "bills", allocation["bill"]["id"], "Bill"))
        return allocation


def create_credit(store: Store, data: Mapping[str, Any]) -> Record:
    """Issue a credit note of ``amount`` (default: the balance) and apply it to ``bill_id``,
    as Clio's "Apply credit" on a bill does; returns the credit note."""
    with store.lock:
        bill, amount, on, now = put_on_bill(store, data)
        contact_id = bill["client"]["id"]
        description = str(data.get("description") or f"Credit on bill {bill['number']}")
        memo = store.save(
            "credit_memos",
            records.credit_memo(store.next_id("credit_memos"), contact_id, amount, on, now, description),
            "created",
        )
        store.save(
            "allocations",
            records.allocation(
                store.next_id("allocations"), "CreditMemo", memo["id"], bill["id"], contact_id, amount, on, now
            ),
            "created",
        )
        reprice(store, bill)
        return memo


def void_credit(store: Store, memo_id: int, with_allocations: bool) -> Record:
    """Void a credit note. Clio's OpenAPI document gives ``voided_at`` to credit notes and
    to allocations but does not say whether voiding a note voids its allocations, so the
    caller chooses; left valid, they still credit their bills here, as in Clio's figures."""
    with store.lock:
        memo = get_record(store, "credit_memos", memo_id, "CreditMemo")
        if memo["voided_at"] is None:
            memo["voided_at"] = store.now()
            store.touch("credit_memos", memo)
            if with_allocations:
                for allocation in store["allocations"].referring("parent", ("CreditMemo", memo_id)):
                    void_allocation(store, allocation["id"])
        return memo
