"""Deciding what to write: each Clio record, with its link, becomes one ``Op``.

Pure: the engine gathers the records, the links and what is known of QBO, and the
planner answers with creates, updates, voids, deletes, or a reason to skip, wait or fail.
Nothing here talks to an API or the database, so every rule is tested without a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from billsync.daemon.sync import mapping
from billsync.daemon.sync.mapping import Invalid, Record

KIND_ENTITY = {"contact": "Customer", "invoice": "Invoice", "credit_memo": "CreditMemo", "payment": "Payment"}
#: The QBO field that finds our object again when a create's answer was lost.
NATURAL_KEY = {"contact": "DisplayName", "invoice": "DocNumber", "credit_memo": "TxnDate", "payment": "TxnDate"}
#: Holds invoice sync while QBO would renumber or accept duplicate invoice numbers.
SETTINGS_DEPENDENCY = "settings:qbo"


class LinkLike(Protocol):
    state: str
    qbo_id: str | None
    sync_token: str | None
    fingerprint: str | None
    qbo_ref: str | None
    reason: str


@dataclass
class Op:
    """One thing to do about one Clio record."""

    kind: str
    clio_id: str
    label: str
    #: create, update, void, delete, adopt, skip, wait, fail, or none (up to date).
    action: str
    body: Record | None = None
    fingerprint: str = ""
    reason: str = ""
    depends_on: str = ""
    qbo_id: str = ""
    sync_token: str = ""
    #: A second name to try when QBO says the first is taken (customers only).
    fallback_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def entity(self) -> str:
        return KIND_ENTITY[self.kind]

    @property
    def natural_ref(self) -> str | None:
        return (self.body or {}).get(NATURAL_KEY[self.kind])


def dependency(kind: str, clio_id: Any) -> str:
    return f"{kind}:{clio_id}"


def has_object(link: LinkLike | None) -> bool:
    """Whether the link has a live QBO object: synced, or waiting or failed after it was."""
    return link is not None and bool(link.qbo_id) and link.state in ("synced", "waiting", "failed")


def _write(kind: str, clio_id: str, label: str, body: Record, link: LinkLike | None, force: bool) -> Op:
    """create, update or none, by comparing the payload with what was last pushed.

    A link that has a QBO object (synced, or waiting or failed after it was synced)
    is updated, never created again. A broken one is left alone unless re-synced: then
    an inactive customer is made active again, and a deleted transaction created anew.
    """
    fp = mapping.fingerprint(body)
    if link is not None and link.state == "broken":
        if not force:
            return Op(kind, clio_id, label, "none")
        if kind == "contact" and link.qbo_id:
            return _update(kind, clio_id, label, {**body, "Active": True}, fp, link)
        return Op(kind, clio_id, label, "create", body, fp)
    if has_object(link):
        if link.state == "synced" and link.fingerprint == fp and not force:
            return Op(kind, clio_id, label, "none", fingerprint=fp)
        return _update(kind, clio_id, label, body, fp, link)
    return Op(kind, clio_id, label, "create", body, fp)


def _update(kind: str, clio_id: str, label: str, body: Record, fp: str, link: LinkLike) -> Op:
    update = {**body, "Id": link.qbo_id, "SyncToken": link.sync_token or "0", "sparse": True}
    return Op(kind, clio_id, label, "update", update, fp, qbo_id=link.qbo_id, sync_token=link.sync_token or "0")


def _retire(kind: str, clio_id: str, label: str, link: LinkLike | None, action: str, reason: str) -> Op:
    """Void or delete what was synced; skip what never was."""
    if has_object(link):
        if link.fingerprint == action:
            return Op(kind, clio_id, label, "none", fingerprint=action)
        return Op(
            kind,
            clio_id,
            label,
            action,
            fingerprint=action,
            qbo_id=link.qbo_id,
            sync_token=link.sync_token or "0",
            reason=reason,
        )
    return Op(kind, clio_id, label, "skip", reason=reason)


def contact_label(contact: Record) -> str:
    return f"Contact {contact.get('name') or contact['id']}"


def plan_contact(
    contact: Record, link: LinkLike | None, taken: dict[str, Record], linked_ids: set[str], force: bool = False
) -> Op:
    """A contact as a Customer, adopting an existing QBO customer of the same name and e-mail.

    ``taken`` maps lower-cased DisplayNames already in QBO to their customer; ``linked_ids``
    are customer ids already linked to some Clio contact, which must not be adopted twice.
    """
    clio_id, label = str(contact["id"]), contact_label(contact)
    try:
        name = mapping.display_name(contact)
    except Invalid as e:
        return Op("contact", clio_id, label, "fail", reason=str(e))
    fallback = mapping.disambiguated(name, clio_id)
    if has_object(link) or (link is not None and link.state == "broken" and link.qbo_id):
        if link.qbo_ref == fallback:
            name, fallback = fallback, ""
        op = _write("contact", clio_id, label, mapping.customer(contact, name), link, force)
        op.fallback_name = fallback
        return op
    existing = taken.get(name.lower())
    if existing is not None:
        same_person = (existing.get("PrimaryEmailAddr") or {}).get("Address", "").strip().lower() == mapping.email(
            contact
        )
        if same_person and existing["Id"] not in linked_ids:
            body = mapping.customer(contact, name)
            return Op(
                "contact",
                clio_id,
                label,
                "adopt",
                body,
                mapping.fingerprint(body),
                qbo_id=existing["Id"],
                sync_token=existing.get("SyncToken", "0"),
                reason="Matched an existing QuickBooks customer by name and e-mail",
            )
        mine = taken.get(fallback.lower())
        if mine is not None and mine.get("Notes") == mapping.marker("contact", clio_id):
            body = mapping.customer(contact, fallback)
            return Op(
                "contact",
                clio_id,
                label,
                "adopt",
                body,
                mapping.fingerprint(body),
                qbo_id=mine["Id"],
                sync_token=mine.get("SyncToken", "0"),
            )
        name, fallback = fallback, ""
    op = _write("contact", clio_id, label, mapping.customer(contact, name), link, force)
    op.fallback_name = fallback
    return op


def bill_label(bill: Record) -> str:
    client = (bill.get("client") or {}).get("name")
    return f"Invoice {bill.get('number') or bill['id']}" + (f" ({client})" if client else "")


def plan_bill(
    bill: Record,
    lines: list[Record] | None,
    link: LinkLike | None,
    customer_id: str | None,
    item_ids: dict[str, str],
    start_date: str,
    held: str,
    force: bool = False,
) -> Op:
    """A bill as an Invoice; void and delete follow Clio; drafts and early bills are skipped."""
    clio_id, label = str(bill["id"]), bill_label(bill)
    state = bill.get("state")
    if state == "void":
        return _retire("invoice", clio_id, label, link, "void", "Voided in Clio")
    if state == "deleted":
        return _retire("invoice", clio_id, label, link, "delete", "Deleted in Clio")
    if reason := mapping.skip_reason(bill, start_date):
        if link is not None and link.state == "synced":
            return Op("invoice", clio_id, label, "none")
        return Op("invoice", clio_id, label, "skip", reason=reason)
    if held:
        return Op("invoice", clio_id, label, "wait", reason=held, depends_on=SETTINGS_DEPENDENCY)
    client_id = (bill.get("client") or {}).get("id")
    if customer_id is None:
        return Op(
            "invoice",
            clio_id,
            label,
            "wait",
            reason=f"Waiting for its client (Clio contact {client_id}) to sync",
            depends_on=dependency("contact", client_id),
        )
    try:
        body = mapping.invoice(bill, lines or [], customer_id, item_ids)
    except Invalid as e:
        return Op("invoice", clio_id, label, "fail", reason=str(e))
    return _write("invoice", clio_id, label, body, link, force)


def allocation_label(allocation: Record, bill_number: str = "") -> str:
    kind = "Credit applied" if (allocation.get("parent") or {}).get("type") == "CreditMemo" else "Payment"
    return f"{kind} {mapping.money(allocation.get('amount'))} on bill {bill_number or (allocation.get('bill') or {}).get('id')}"


def plan_allocation(
    allocation: Record,
    link: LinkLike | None,
    customer_id: str | None,
    invoice: LinkLike | None,
    credit_memo_id: str | None,
    force: bool = False,
) -> Op:
    """A payment allocation as a Payment; a credit-note allocation as a zero Payment applying it.

    ``invoice`` is the link of the allocation's bill: the payment applies to its QBO
    invoice, waits while there is none yet, and is skipped with it (a draft, a bill before
    the start date) since that invoice will never come.
    """
    clio_id, label = str(allocation["id"]), allocation_label(allocation)
    if allocation.get("voided_at"):
        return _retire("payment", clio_id, label, link, "void", "Voided in Clio")
    bill_id = (allocation.get("bill") or {}).get("id")
    parent = allocation.get("parent") or {}
    if invoice is not None and invoice.state == "skipped" and not has_object(link):
        return Op("payment", clio_id, label, "skip", reason=f"Its bill is not synced: {invoice.reason}")
    if not has_object(invoice):
        return Op(
            "payment",
            clio_id,
            label,
            "wait",
            reason=f"Waiting for the invoice of Clio bill {bill_id}",
            depends_on=dependency("invoice", bill_id),
        )
    if customer_id is None:
        contact_id = (allocation.get("contact") or {}).get("id")
        return Op(
            "payment",
            clio_id,
            label,
            "wait",
            reason=f"Waiting for Clio contact {contact_id}",
            depends_on=dependency("contact", contact_id),
        )
    try:
        if parent.get("type") == "CreditMemo":
            if credit_memo_id is None:
                return Op(
                    "payment",
                    clio_id,
                    label,
                    "wait",
                    reason=f"Waiting for Clio credit note {parent.get('id')}",
                    depends_on=dependency("credit_memo", parent.get("id")),
                )
            body = mapping.credit_application(allocation, customer_id, invoice.qbo_id, credit_memo_id)
        else:
            body = mapping.payment(allocation, customer_id, invoice.qbo_id)
    except Invalid as e:
        return Op("payment", clio_id, label, "fail", reason=str(e))
    op = _write("payment", clio_id, label, body, link, force)
    op.depends_on = dependency("invoice", bill_id)
    return op


def credit_memo_label(memo: Record) -> str:
    return f"Credit note {mapping.money(memo.get('amount'))} for {(memo.get('contact') or {}).get('name') or 'contact ' + str((memo.get('contact') or {}).get('id'))}"


def plan_credit_memo(
    memo: Record, link: LinkLike | None, customer_id: str | None, item_id: str | None, force: bool = False
) -> Op:
    clio_id, label = str(memo["id"]), credit_memo_label(memo)
    if memo.get("voided_at"):
        return _retire("credit_memo", clio_id, label, link, "void", "Voided in Clio")
    contact_id = (memo.get("contact") or {}).get("id")
    if customer_id is None:
        return Op(
            "credit_memo",
            clio_id,
            label,
            "wait",
            reason=f"Waiting for Clio contact {contact_id}",
            depends_on=dependency("contact", contact_id),
        )
    if item_id is None:
        return Op("credit_memo", clio_id, label, "fail", reason="No QuickBooks item is mapped for Service line items")
    try:
        body = mapping.credit_memo(memo, customer_id, item_id)
    except Invalid as e:
        return Op("credit_memo", clio_id, label, "fail", reason=str(e))
    return _write("credit_memo", clio_id, label, body, link, force)


def plan_contacts(
    contacts: list[Record],
    existing: dict[str, LinkLike],
    taken: dict[str, Record],
    linked_ids: set[str],
    force: set[str],
) -> list[Op]:
    """Plans contacts in Clio id order, so that when two share a name the older one keeps
    it and the other is disambiguated, the same way in every run."""
    taken, linked_ids = dict(taken), set(linked_ids)
    ops = []
    for contact in sorted(contacts, key=lambda c: int(c["id"])):
        clio_id = str(contact["id"])
        op = plan_contact(contact, existing.get(clio_id), taken, linked_ids, clio_id in force)
        if op.action == "create":
            placeholder = f"planned:{clio_id}"
            taken.setdefault(op.body["DisplayName"].lower(), {"Id": placeholder})
            linked_ids.add(placeholder)
        ops.append(op)
    return ops
