"""What the planners answer: each Clio record, with its link, becomes one ``Op`` that says
what to do about it, and the decisions every kind of record shares (create, update or
nothing by the fingerprint; retire; adopt an object QBO already holds).

Pure, as the planners are (:mod:`billsync.daemon.sync.planner`).
"""

from __future__ import annotations

import enum
from dataclasses import KW_ONLY, dataclass, replace
from decimal import Decimal
from typing import Protocol

from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Kind, LinkState
from billsync.daemon.sync import mapping, totals
from billsync.daemon.sync.causes import Cause, Why
from billsync.daemon.sync.mapping import Record
from billsync.daemon.sync.totals import Totals

KIND_ENTITY = {
    Kind.CONTACT: "Customer",
    Kind.INVOICE: "Invoice",
    Kind.CREDIT_MEMO: "CreditMemo",
    Kind.PAYMENT: "Payment",
    Kind.TRUST: "JournalEntry",
}
#: The QBO field that finds our object again when a create's answer was lost.
NATURAL_KEY = {
    Kind.CONTACT: "DisplayName",
    Kind.INVOICE: "DocNumber",
    Kind.CREDIT_MEMO: "TxnDate",
    Kind.PAYMENT: "TxnDate",
    Kind.TRUST: "TxnDate",
}
#: The QBO field our marker is in (:func:`billsync.daemon.sync.mapping.marker`).
MARKER_FIELD = {
    Kind.CONTACT: "Notes",
    Kind.INVOICE: "PrivateNote",
    Kind.CREDIT_MEMO: "PrivateNote",
    Kind.PAYMENT: "PrivateNote",
    Kind.TRUST: "PrivateNote",
}
#: Holds invoices while QBO would renumber or accept duplicate invoice numbers
#: (:mod:`billsync.daemon.qbo.settings`).
SETTINGS_DEPENDENCY = DependencyKey("settings", "qbo")
#: Holds trust transactions while the trust accounts are not mapped (or the ledgers differ).
TRUST_DEPENDENCY = DependencyKey("settings", "trust")
WITH_OBJECT = (LinkState.SYNCED, LinkState.WAITING, LinkState.FAILED)
#: QuickBooks' code for a document number already taken ("Duplicate Document Number Error"),
#: kept on the link of an invoice whose number is found taken before it is sent, as when
#: QuickBooks refuses it (:mod:`billsync.daemon.qbo.faults`).
DUPLICATE_NUMBER = "6140"


class Action(enum.StrEnum):
    """What to do about one record. A void or delete also becomes its link's fingerprint,
    which is how a retire already done is not done again."""

    CREATE = "create"
    UPDATE = "update"
    VOID = "void"
    DELETE = "delete"
    #: Undo a credit note voided in Clio: QBO cannot void a credit memo, so its
    #: applications are removed and then it is deleted (:mod:`billsync.daemon.sync.credits`).
    WITHDRAW = "withdraw"
    #: Link an object QBO already has, writing nothing.
    ADOPT = "adopt"
    SKIP = "skip"
    WAIT = "wait"
    FAIL = "fail"
    #: Up to date.
    NONE = "none"


class LinkLike(Protocol):
    state: str
    qbo_id: str | None
    sync_token: str | None
    fingerprint: str | None
    qbo_ref: str | None
    reason: str
    error_code: str
    currency: str | None


@dataclass(frozen=True)
class Op:
    """One thing to do about one Clio record."""

    kind: Kind
    clio_id: str
    label: str
    _: KW_ONLY
    action: Action = Action.NONE
    body: Record | None = None
    fingerprint: str = ""
    reason: str = ""
    depends_on: DependencyKey | None = None
    qbo_id: str = ""
    sync_token: str = ""
    #: A second name to try when QBO says the first is taken (customers only).
    fallback_name: str = ""
    #: What QuickBooks must show once it wrote the op's document (invoices, credit memos).
    expect: Totals | None = None
    #: Why a FAIL fails, as a code people can filter on (:data:`currency.CURRENCY`), stored on its link.
    error_code: str = ""
    #: Why a SKIP, WAIT or FAIL is one, or how a record meets what QuickBooks already holds
    #: (an adoption, a create under another name), as a code to group by (``reason`` has the words).
    code: Cause | None = None
    #: The currency a customer's contact is billed in, which the customer should be in
    #: (contacts; "" while the company's home currency is not known).
    currency: str = ""

    @property
    def entity(self) -> str:
        return KIND_ENTITY[self.kind]

    @property
    def natural_ref(self) -> str | None:
        return (self.body or {}).get(NATURAL_KEY[self.kind])


def has_object(link: LinkLike | None) -> bool:
    """Whether the link has a live QBO object: synced, or waiting or failed after it was."""
    return link is not None and bool(link.qbo_id) and link.state in WITH_OBJECT


def write(op: Op, body: Record, link: LinkLike | None, *, force: bool) -> Op:
    """create, update or none, by comparing the payload with what was last pushed.

    A link that has a QBO object (synced, or waiting or failed after it was synced)
    is updated, never created again. A broken one is left alone unless re-synced: then
    an inactive customer is made active again, and a deleted transaction created anew.
    """
    fp = mapping.fingerprint(body)
    if link is not None and link.state == LinkState.BROKEN:
        if not force:
            return op
        if op.kind == Kind.CONTACT and link.qbo_id:
            return update(op, link.qbo_id, link.sync_token, {**body, "Active": True}, fingerprint=fp)
        return replace(op, action=Action.CREATE, body=body, fingerprint=fp)
    if has_object(link):
        if link.fingerprint == fp and not force and _settled(link):
            return replace(op, fingerprint=fp)
        return update(op, link.qbo_id, link.sync_token, body, fingerprint=fp)
    return replace(op, action=Action.CREATE, body=body, fingerprint=fp)


def _settled(link: LinkLike) -> bool:
    """Whether sending the same body again would change nothing: it is in QuickBooks, or
    QuickBooks already turned it into other amounts (only a change, or a re-sync, retries)."""
    return link.state == LinkState.SYNCED or (link.state == LinkState.FAILED and link.error_code == totals.MISMATCH)


def update(op: Op, qbo_id: str, sync_token: str | None, body: Record, *, fingerprint: str) -> Op:
    token = sync_token or "0"
    sparse = {**body, "Id": qbo_id, "SyncToken": token, "sparse": True}
    return replace(op, action=Action.UPDATE, body=sparse, fingerprint=fingerprint, qbo_id=qbo_id, sync_token=token)


def retire(op: Op, link: LinkLike | None, *, action: Action, why: Why) -> Op:
    """Void, delete or withdraw what was synced; skip what never was (``why`` has its cause)."""
    if not has_object(link):
        return replace(op, action=Action.SKIP, reason=why.reason, code=why.code)
    if link.fingerprint == action:
        return replace(op, fingerprint=action)
    token = link.sync_token or "0"
    return replace(op, action=action, fingerprint=action, qbo_id=link.qbo_id, sync_token=token, reason=why.reason)


def adopt(op: Op, body: Record, customer: Record, *, code: Cause, reason: str = "") -> Op:
    return replace(
        op,
        action=Action.ADOPT,
        body=body,
        fingerprint=mapping.fingerprint(body),
        qbo_id=customer["Id"],
        sync_token=customer.get("SyncToken", "0"),
        reason=reason,
        code=code,
    )


def claims(found: Record, body: Record, field: str, *, unnamed_too: bool) -> bool:
    """Whether ``found`` carries the marker ``body`` carries: this Clio account's for this
    record, or, if ``unnamed_too``, the form written before markers named the account."""
    ours, theirs = mapping.Marker.parse(body[field]), mapping.Marker.parse(found.get(field))
    return theirs is not None and (theirs == ours or (unnamed_too and theirs == ours.unnamed()))


def _customer_of(body: Record) -> str | None:
    """The customer a document is for: its ``CustomerRef``, or the customer a journal
    entry's line names."""
    if "CustomerRef" in body:
        return (body.get("CustomerRef") or {}).get("value")
    named = ((line.get("JournalEntryLineDetail") or {}).get("Entity") for line in body.get("Line") or [])
    return next((str((e.get("EntityRef") or {}).get("value")) for e in named if e), None)


def adopt_marked(op: Op, found: Record) -> Op:
    """A create as an update of ``found``, the object QBO already holds with the marker the
    create would write: billsync made it for this record of this Clio account before (its
    link was purged, or the answer to its create was lost). The update links it and writes
    the record as it is now, which may have changed since.

    A marker that names no account (written before markers did) is taken only on an
    object of this record's customer. Anything else leaves the create as it is: the object
    is not ours, and QBO says so if it is in the way (an invoice number taken).
    """
    if op.action is not Action.CREATE:
        return op
    same_customer = _customer_of(found) == _customer_of(op.body)
    if not claims(found, op.body, MARKER_FIELD[op.kind], unnamed_too=same_customer):
        return op
    adopted = update(op, str(found["Id"]), str(found.get("SyncToken", "0")), op.body, fingerprint=op.fingerprint)
    return replace(adopted, code=Cause.ADOPT_MARKER)


def number_taken_reason(number: str, detail: str) -> str:
    """Why an invoice of a number QuickBooks already has is not there; ``detail``: what names the holder."""
    return f"Another QuickBooks invoice already has number {number}. Renumber one of them, then re-sync. ({detail})"


def voided(entity: dict) -> bool:
    """Whether QBO shows the transaction voided: zeroed, with "Voided" leading its note.

    QBO keeps no void flag on Online transactions: voiding zeroes "the Invoice Amounts and
    Quantities" and marks "PrivateNote ... as 'Voided'" (Intuit developer blog, *Voiding
    Invoice Objects*, 2016-04-06), prepended to a note already there.
    """
    return str(entity.get("PrivateNote", "")).startswith("Voided") and Decimal(str(entity.get("TotalAmt", 0))) == 0


def number_taken(op: Op, holders: list[Record], *, renumbered: dict[str, str] | None = None) -> Op:
    """An invoice create failed before it is sent when QuickBooks already has an invoice of
    its number (``holders``, none billsync made for this bill: that one was adopted): with
    duplicate numbers refused, as the settings checks require before any invoice is written
    (:mod:`billsync.daemon.qbo.settings`), QuickBooks would answer 6140. The reason names
    the holder as QuickBooks' 6140 does, so that the link leads to it
    (:func:`billsync.daemon.qbo.faults.holder`). Left for QuickBooks to answer: a holder this
    cycle gives another number (``renumbered``: the new number of each invoice it updates, by
    Id), and a voided one (whether QuickBooks counts a voided invoice's number is not documented)."""
    renumbered = renumbered or {}
    holders = [h for h in holders if renumbered.get(str(h["Id"]), op.natural_ref) == op.natural_ref and not voided(h)]
    if op.action is not Action.CREATE or not holders:
        return op
    return refuse_number(op, f"DocNumber={op.natural_ref} is assigned to TxnType=Invoice with TxnId={holders[0]['Id']}")


def refuse_number(op: Op, detail: str) -> Op:
    """``op``, an invoice create, failed for its number, which ``detail`` says who has."""
    reason = number_taken_reason(op.natural_ref, detail)
    return replace(op, action=Action.FAIL, reason=reason, error_code=DUPLICATE_NUMBER, code=Cause.FAIL_NUMBER_TAKEN)
