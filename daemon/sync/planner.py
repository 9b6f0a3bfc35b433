"""Deciding what to write: each Clio record, with its link, becomes one ``Op``.

Pure: the engine gathers the records, the links and what is known of QBO, and the
planner answers with creates, updates, voids, deletes, or a reason to skip, wait or fail.
Nothing here talks to an API or the database, so every rule is tested without a server.

Each ``plan_*`` starts from an op that only names its record (action ``NONE``) and
answers with a copy of it that says what to do (:mod:`billsync.daemon.sync.decisions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from billsync.daemon.qbo.lists import TaxCode
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Kind, LinkState
from billsync.daemon.sync import currency, mapping, totals
from billsync.daemon.sync.causes import Cause, Why
from billsync.daemon.sync.currency import CURRENCY, Books
from billsync.daemon.sync.decisions import (
    MARKER_FIELD,
    SETTINGS_DEPENDENCY,
    Action,
    LinkLike,
    Op,
    adopt,
    claims,
    has_object,
    retire,
    update,
    write,
)
from billsync.daemon.sync.details import details
from billsync.daemon.sync.mapping import Invalid, Record
from billsync.daemon.sync.taxes import TaxKey, TaxTreatment

CREDIT_VOIDED = "Its credit note was voided in Clio"
#: How every reason of a record retired after its deletion in Clio begins.
DELETED_IN_CLIO = "Deleted in Clio"
#: Why a record retired in Clio is: voided (a bill, payment or credit note) or deleted there.
VOIDED = Why(Cause.SKIP_VOIDED, "Voided in Clio")
DELETED = Why(Cause.SKIP_DELETED, DELETED_IN_CLIO)


def wait_for_customer(op: Op, contact: Record | None) -> Op:
    """``op`` waiting for the QBO customer of the Clio contact ``contact``."""
    contact = contact or {}
    return replace(
        op,
        action=Action.WAIT,
        reason=f"Waiting for customer {customer_name(contact)}",
        code=Cause.WAIT_CUSTOMER,
        depends_on=DependencyKey(Kind.CONTACT, str(contact.get("id"))),
    )


def _email_of(customer: Record) -> str:
    return (customer.get("PrimaryEmailAddr") or {}).get("Address", "").strip().lower()


def _foreign(customer: Record, *, account: str) -> bool:
    """Whether billsync made this customer for another Clio account syncing into the same
    QBO company: that account's, never to be adopted by this one."""
    theirs = mapping.Marker.parse(customer.get("Notes"))
    return theirs is not None and theirs.account not in ("", account)


# --- labels and reasons --------------------------------------------------------------
# Each item is named as a bookkeeper finds it in QuickBooks: by the kind QuickBooks calls
# it (``billsync.words``), the bill number, the client's name and, for an amount, the
# currency the document is in: its customer's (a trust journal entry: the home one).


def customer_name(contact: Record | None) -> str:
    """A Clio contact (or a reference to one) as the customer it becomes: ``Amy Alder``."""
    contact = contact or {}
    return contact.get("name") or f"Clio contact {contact.get('id')}"


def invoice_name(bill: Record | None, client: Record | None = None) -> str:
    """A Clio bill (or a reference to one) as the invoice it becomes: ``invoice 1042 (Amy Alder)``."""
    bill = bill or {}
    client = bill.get("client") or client or {}
    number = f"invoice {bill['number']}" if bill.get("number") else f"the invoice of Clio bill {bill.get('id')}"
    return number + (f" ({client['name']})" if client.get("name") else "")


def amount(value: object, currency: str) -> str:
    """``USD 250.00``; the bare amount while the company's currency is not known."""
    return f"{currency} {mapping.money(value)}" if currency else str(mapping.money(value))


def contact_label(contact: Record) -> str:
    return f"Customer {customer_name(contact)}"


def plan_contact(
    contact: Record,
    link: LinkLike | None,
    *,
    taken: dict[str, Record],
    linked_ids: set[str],
    account: str,
    books: Books | None = None,
    force: bool = False,
    match_by_name: bool = True,
) -> Op:
    """A contact as a Customer, adopting an existing QBO customer of the same name, e-mail
    and currency (unless not ``match_by_name``: a bookkeeper decided it is another person).

    ``taken`` maps lower-cased DisplayNames already in QBO to their customer; ``linked_ids``
    are customer ids already linked to some Clio contact, which must not be adopted twice;
    a customer billsync made for another Clio account (``account`` is this connection's) is
    that account's, whatever its name and e-mail. ``books``: how the company keeps them
    (unknown: every contact taken in the home currency). A new customer is made in its
    contact's currency, or not at all while the company cannot hold that currency.
    """
    books = books or Books("")
    # What of the contact QuickBooks cannot hold is said on the link its write leaves synced.
    billed_in = currency.of_contact(contact, books)
    op = Op(
        Kind.CONTACT, str(contact["id"]), contact_label(contact), reason=details(contact).reason, currency=billed_in
    )
    try:
        name = mapping.display_name(contact)
    except Invalid as e:
        return replace(op, action=Action.FAIL, reason=str(e), code=e.code)
    fallback = mapping.disambiguated(name, op.clio_id)
    if has_object(link) or (link is not None and link.state == LinkState.BROKEN and link.qbo_id):
        if link.qbo_ref == fallback:
            name, fallback = fallback, ""
        body = mapping.customer(contact, name, account=account)
        return _linked_customer(replace(op, fallback_name=fallback), body, link, books=books, force=force)
    if books.foreign(billed_in) and not books.multicurrency:
        reason = currency.not_booked(customer_name(contact), billed_in, books)
        return replace(op, action=Action.FAIL, reason=reason, code=Cause.FAIL_CURRENCY, error_code=CURRENCY)
    existing = taken.get(name.lower())
    if existing is not None:
        same_person = _email_of(existing) == mapping.email(contact) and not _foreign(existing, account=account)
        same_person &= currency.of_customer(existing, books) == billed_in and existing.get("Active", True) is not False
        if same_person and match_by_name and existing["Id"] not in linked_ids:
            reason = "Matched an existing QuickBooks customer by name and e-mail"
            body = mapping.customer(contact, name, account=account)
            return adopt(op, body, existing, reason=reason, code=Cause.ADOPT_NAME_EMAIL)
        mine, body = taken.get(fallback.lower()), mapping.customer(contact, fallback, account=account)
        ours = mine is not None and claims(mine, body, MARKER_FIELD[Kind.CONTACT], unnamed_too=True)
        if ours and currency.of_customer(mine, books) == billed_in and mine.get("Active", True) is not False:
            return adopt(op, body, mine, code=Cause.ADOPT_MARKER)
        name, fallback, op = fallback, "", replace(op, code=Cause.CREATE_NAME_TAKEN)
    body = mapping.customer(contact, name, account=account)
    op = write(replace(op, fallback_name=fallback), body, link, force=force)
    if op.action is Action.CREATE and (ref := currency.reference(billed_in, books)):
        # On a create only, and outside the fingerprint: a customer's currency is fixed once made.
        return replace(op, body={**op.body, "CurrencyRef": ref})
    return op


def _linked_customer(op: Op, body: Record, link: LinkLike, *, books: Books, force: bool) -> Op:
    """The write of a customer already linked, never sending a currency (QBO keeps the one it
    was made in). If it is not the one its contact is billed in now, its link says why, once:
    an unchanged contact is sent again so that QuickBooks' answer says what it is in."""
    op = write(op, body, link, force=force)
    customer_in = link.currency or books.home
    unsaid = link.state == LinkState.SYNCED and link.reason != currency.said(op.reason, op.currency, customer_in)
    if op.action is Action.NONE and op.currency != customer_in and books.home and unsaid:
        return update(op, link.qbo_id, link.sync_token, body, fingerprint=op.fingerprint)
    return op


def bill_label(bill: Record) -> str:
    """``Invoice 1042 (Amy Alder)``."""
    client = (bill.get("client") or {}).get("name")
    return f"Invoice {bill.get('number') or bill['id']}" + (f" ({client})" if client else "")


def plan_bill(
    bill: Record,
    link: LinkLike | None,
    *,
    lines: list[Record] | None,
    customer_id: str | None,
    item_ids: dict[str, str],
    start_date: str,
    held: Why | None,
    account: str,
    tax: TaxTreatment,
    codes: Mapping[TaxKey, TaxCode] | None = None,
    books: Books | None = None,
    customer_currency: str = "",
    force: bool = False,
) -> Op:
    """A bill as an Invoice; void and delete follow Clio; drafts and early bills are skipped.

    ``held`` is why settings (QBO's, or the tax codes) hold invoices back, or None when they
    do not; ``account`` is the connection's Clio account, which the invoice's marker names;
    ``tax`` how the company takes Clio's tax, and ``codes`` the tax codes mapped where it
    taxes by codes. ``books``: how the company keeps them; ``customer_currency`` the currency
    of the bill's customer ("" while it has none). The invoice is in the bill's currency, and a
    bill QuickBooks cannot book in it fails, never booked at face value in another.
    """
    op = Op(Kind.INVOICE, str(bill["id"]), bill_label(bill))
    state = bill.get("state")
    if state == "void":
        return retire(op, link, action=Action.VOID, why=VOIDED)
    if state == "deleted":
        return retire(op, link, action=Action.DELETE, why=DELETED)
    if skipped := mapping.why_skipped(bill, start_date):
        if link is not None and link.state == LinkState.SYNCED:
            return op
        return replace(op, action=Action.SKIP, reason=skipped.reason, code=skipped.code)
    if held:
        return replace(op, action=Action.WAIT, reason=held.reason, code=held.code, depends_on=SETTINGS_DEPENDENCY)
    books = books or Books("")
    billed_in = currency.of_bill(bill, books)
    what = f"Bill {bill.get('number') or bill['id']}"
    # Before waiting: a bill the company cannot book may have a customer that never comes (``plan_contact``).
    if reason := currency.document_reason(what, billed_in, books, customer_in=customer_currency):
        return replace(op, action=Action.FAIL, reason=reason, code=Cause.FAIL_CURRENCY, error_code=CURRENCY)
    if customer_id is None:
        return wait_for_customer(op, bill.get("client"))
    try:
        body = mapping.invoice(bill, lines or [], customer_id, item_ids, account=account, tax=tax, codes=codes)
    except Invalid as e:
        return replace(op, action=Action.FAIL, reason=str(e), code=e.code)
    body = currency.carried(body, billed_in, books)
    return write(replace(op, expect=totals.of_bill(bill, tax, billed_in)), body, link, force=force)


def allocation_label(allocation: Record, currency: str = "") -> str:
    """``Payment USD 250.00 on invoice 1042 (Amy Alder)``, ``Credit applied USD 75.00 on …``."""
    kind = "Credit applied" if (allocation.get("parent") or {}).get("type") == "CreditMemo" else "Payment"
    on = invoice_name(allocation.get("bill"), allocation.get("contact"))
    return f"{kind} {amount(allocation.get('amount'), currency)} on {on}"


def plan_allocation(
    allocation: Record,
    link: LinkLike | None,
    *,
    customer_id: str | None,
    invoice: LinkLike | None,
    credit_memo_id: str | None,
    account: str,
    books: Books | None = None,
    customer_currency: str = "",
    deposit_account_id: str = "",
    deposit_account_currency: str = "",
    card_method: str | None = None,
    credit_memo_withdrawn: bool = False,
    force: bool = False,
) -> Op:
    """A payment allocation as a Payment; a credit-note allocation as a zero Payment applying it.

    ``invoice`` is the link of the allocation's bill: the payment applies to its QBO
    invoice, waits while there is none yet, and is skipped with it (a draft, a bill before
    the start date) since that invoice will never come. ``credit_memo_withdrawn``: its
    credit note was voided in Clio and taken out of QBO, which Clio may do without voiding
    the note's allocations; such an application has nothing left to apply. ``books``: how
    the company keeps them; ``customer_currency``: the currency of the customer, which its
    invoice, and so the payment, is in ("" while it has none). ``deposit_account_id``: the
    account a new payment is deposited to ("": Undeposited Funds, QBO's default); it is sent
    on a create only, so a payment already in QuickBooks stays where a bookkeeper may have
    deposited it from, and a change of the setting re-sends nothing. A payment in another
    currency than the home one goes there only if that account is in the home currency or
    the payment's (``deposit_account_currency``, "" when not known): QuickBooks takes no
    other (design 14 C11), and the payment goes to Undeposited Funds, its link saying why.
    ``card_method``:
    the company's card payment method, which a card payment names.
    """
    books = books or Books("")
    paid_in = customer_currency or books.home
    op = Op(Kind.PAYMENT, str(allocation["id"]), allocation_label(allocation, paid_in))
    if allocation.get("voided_at"):
        return retire(op, link, action=Action.VOID, why=VOIDED)
    if credit_memo_withdrawn:
        return retire(op, link, action=Action.DELETE, why=Why(Cause.SKIP_CREDIT_VOIDED, CREDIT_VOIDED))
    bill_id = (allocation.get("bill") or {}).get("id")
    on_invoice = DependencyKey(Kind.INVOICE, str(bill_id))
    parent = allocation.get("parent") or {}
    if invoice is not None and invoice.state == LinkState.SKIPPED and not has_object(link):
        reason = f"Its bill is not synced: {invoice.reason}"
        return replace(op, action=Action.SKIP, reason=reason, code=Cause.SKIP_BILL_SKIPPED)
    contact = allocation.get("contact") or {}
    if not has_object(invoice):
        reason = f"Waiting for {invoice_name(allocation.get('bill'), contact)}"
        return replace(op, action=Action.WAIT, reason=reason, code=Cause.WAIT_INVOICE, depends_on=on_invoice)
    if customer_id is None:
        return wait_for_customer(op, contact)
    try:
        if parent.get("type") == "CreditMemo":
            if credit_memo_id is None:
                return replace(
                    op,
                    action=Action.WAIT,
                    reason=f"Waiting for the credit memo of {customer_name(contact)} that it applies",
                    code=Cause.WAIT_CREDIT_MEMO,
                    depends_on=DependencyKey(Kind.CREDIT_MEMO, str(parent.get("id"))),
                )
            body = mapping.credit_application(allocation, customer_id, invoice.qbo_id, credit_memo_id, account=account)
        else:
            body = mapping.payment(allocation, customer_id, invoice.qbo_id, account=account, card_method=card_method)
    except Invalid as e:
        return replace(op, action=Action.FAIL, reason=str(e), code=e.code)
    body = currency.carried(body, paid_in, books)
    op = write(replace(op, depends_on=on_invoice), body, link, force=force)
    if op.action is not Action.CREATE or not deposit_account_id or parent.get("type") == "CreditMemo":
        return op
    if deposit_account_currency not in ("", books.home, paid_in):
        reason = currency.undeposited(paid_in, deposit_account_currency, books)
        return replace(op, reason=". ".join(filter(None, (op.reason, reason))))
    return replace(op, body={**body, "DepositToAccountRef": {"value": deposit_account_id}})


def credit_memo_label(memo: Record, currency: str = "") -> str:
    """``Credit memo USD 75.00 for Amy Alder``."""
    return f"Credit memo {amount(memo.get('amount'), currency)} for {customer_name(memo.get('contact'))}"


def plan_credit_memo(
    memo: Record,
    link: LinkLike | None,
    *,
    customer_id: str | None,
    item_id: str | None,
    account: str,
    books: Books | None = None,
    customer_currency: str = "",
    held: Why | None = None,
    untaxed: TaxCode | None = None,
    force: bool = False,
) -> Op:
    """A credit note as a CreditMemo, whatever QBO's *Automatically apply credits* says:
    what QBO applies by itself is undone before the note is applied where Clio applied it
    (:mod:`billsync.daemon.sync.credits`). Voided in Clio, it is withdrawn: QBO refuses to
    void a credit memo. ``books``: how the company keeps them; a new note is in its contact's
    currency (Clio keeps the contact's, not the note's), and fails where QuickBooks cannot
    book it in that, as a bill does; one in QuickBooks stays in its customer's.
    ``customer_currency``: the currency of its customer ("" while it has none). ``held``
    why the tax codes hold it back (None: they do not); ``untaxed`` the tax code mapped for
    untaxed lines where the company taxes by codes."""
    books = books or Books("")
    # Once in QuickBooks, a credit memo stays in the currency it was booked in: its customer's.
    in_books = has_object(link) and customer_currency
    credited_in = customer_currency if in_books else currency.of_credit_note(memo, books)
    op = Op(Kind.CREDIT_MEMO, str(memo["id"]), credit_memo_label(memo, credited_in))
    if memo.get("voided_at"):
        return retire(op, link, action=Action.WITHDRAW, why=VOIDED)
    contact = memo.get("contact") or {}
    what = f"The credit note for {customer_name(contact)}"
    if reason := currency.document_reason(what, credited_in, books, customer_in=customer_currency):
        return replace(op, action=Action.FAIL, reason=reason, code=Cause.FAIL_CURRENCY, error_code=CURRENCY)
    if customer_id is None:
        return wait_for_customer(op, contact)
    if held:
        return replace(op, action=Action.WAIT, reason=held.reason, code=held.code, depends_on=SETTINGS_DEPENDENCY)
    if item_id is None:
        reason = "No QuickBooks item is mapped for Service line items"
        return replace(op, action=Action.FAIL, reason=reason, code=Cause.FAIL_ITEM)
    try:
        body = mapping.credit_memo(memo, customer_id, item_id, account=account, untaxed=untaxed)
    except Invalid as e:
        return replace(op, action=Action.FAIL, reason=str(e), code=e.code)
    body = currency.carried(body, credited_in, books)
    return write(replace(op, expect=totals.of_credit_note(memo, credited_in)), body, link, force=force)


def plan_contacts(
    contacts: list[Record],
    existing: dict[str, LinkLike],
    *,
    taken: dict[str, Record],
    linked_ids: set[str],
    account: str,
    force: set[str],
    books: Books | None = None,
    anew: set[str] = frozenset(),
) -> list[Op]:
    """Plans contacts in Clio id order, so that when two share a name the older one keeps
    it and the other is disambiguated, the same way in every run; those of ``anew`` are
    never matched by name and e-mail."""
    taken, linked_ids = dict(taken), set(linked_ids)
    ops = []
    for contact in sorted(contacts, key=lambda c: int(c["id"])):
        clio_id = str(contact["id"])
        link = existing.get(clio_id)
        op = plan_contact(
            contact,
            link,
            taken=taken,
            linked_ids=linked_ids,
            account=account,
            books=books,
            force=clio_id in force,
            match_by_name=clio_id not in anew,
        )
        if op.action is Action.CREATE:
            placeholder = f"planned:{clio_id}"
            taken.setdefault(op.body["DisplayName"].lower(), {"Id": placeholder})
            linked_ids.add(placeholder)
        elif op.action is Action.ADOPT:  # no second contact of the same name and e-mail adopts it too
            linked_ids.add(op.qbo_id)
        ops.append(op)
    return ops
