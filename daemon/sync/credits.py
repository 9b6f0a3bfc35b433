"""Credit notes in QBO: applied where Clio applied them, and taken out when voided.

QBO applies a credit memo to an invoice through a zero Payment linking both documents
(Acctivate's "Credit applications in QuickBooks Online": "a $0 payment record is created
to link the credit and the invoice"). Two things can put such a link where Clio has none:

- *Automatically apply credits* (Account and Settings → Advanced → Automation): saving a
  credit memo makes QBO apply it to the customer's oldest open invoice "by creating a
  special payment transaction" whose amount is zero and whose memo says "Created by QB
  Online to link credits to charges" (Intuit's blog "How to automatically apply credits").
  Intuit's community answer for unlinking it is to delete that payment ("Make sure that
  the amount received is zero … select Delete. You'll now have the unapplied credit",
  QuickBooks Community, "…raising an invoice and it keeps raising a part payment"). So
  before billsync applies a credit memo where Clio did, it deletes what QBO applied by
  itself, and the setting need not hold anything back.
- A credit note voided in Clio: QBO cannot void a credit memo, only delete it
  (``../shared/DESIGN.md`` §4), and its applications go first, so that no zero payment is
  left linking an invoice to nothing.

Both are read from QBO each time rather than remembered, so a run killed halfway (an
application removed, the memo not yet deleted) finishes the job on the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.store import links
from billsync.daemon.store.models import Connection, Kind
from billsync.daemon.sync import mapping, outcomes
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.planner import CREDIT_VOIDED
from billsync.daemon.sync.writer import requestid_for

#: The memo of the zero payment QBO makes when it applies a credit by itself (Intuit's blog above).
AUTO_APPLY_NOTE = "Created by QB Online to link credits to charges"
APPLICATION_REMOVED = f"{CREDIT_VOIDED}; its application was removed from QuickBooks"


def applied_by_qbo(payment: dict[str, Any]) -> bool:
    """Whether QBO made this payment to apply a credit on its own: no money received, QBO's memo."""
    return Decimal(str(payment.get("TotalAmt", 0))) == 0 and str(payment.get("PrivateNote") or "").startswith(
        AUTO_APPLY_NOTE
    )


def _read_memos(qbo: QuickBooks, ids: Iterable[str]) -> list[dict[str, Any]]:
    return list(qbo.read_many("CreditMemo", ids).values())


def _payment_ids(memo: dict[str, Any]) -> set[str]:
    return {str(txn["TxnId"]) for txn in memo.get("LinkedTxn") or [] if txn.get("TxnType") == "Payment"}


def _applications(qbo: QuickBooks, memos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The payments that apply any of these credit memos."""
    return list(qbo.read_many("Payment", {i for memo in memos for i in _payment_ids(memo)}).values())


def _delete(connection: Connection, qbo: QuickBooks, payment: dict[str, Any]) -> None:
    """Deletes one payment; one already gone is as good (a run killed after deleting it)."""
    token = str(payment["SyncToken"])
    try:
        qbo.delete(
            "Payment",
            str(payment["Id"]),
            token,
            requestid=requestid_for(connection, "Payment", str(payment["Id"]), Action.DELETE, token),
        )
    except QboFault as fault:
        if not fault.not_found:
            raise


def undo_auto_applications(connection: Connection, qbo: QuickBooks, memo_ids: Iterable[str]) -> None:
    """Deletes what QBO applied by itself of these credit memos, so that each is open
    again for billsync to apply where Clio did.

    Only a memo whose ``Balance`` is below its ``TotalAmt`` has anything applied, and only
    QBO's own zero payments are undone: billsync's applications and a person's stay.
    """
    memos = [m for m in _read_memos(qbo, memo_ids) if Decimal(str(m["Balance"])) < Decimal(str(m["TotalAmt"]))]
    for payment in _applications(qbo, memos):
        if applied_by_qbo(payment):
            _delete(connection, qbo, payment)


def withdraw_applications(connection: Connection, qbo: QuickBooks, ops: list[Op]) -> list[Op]:
    """Removes every application of the credit memos these ops withdraw (billsync's own,
    whose links are retired with a reason, and QBO's automatic ones), and returns the ops
    with the memos' SyncTokens as they are after it, ready to delete the memos.

    A person's application made in QBO is left: deleting the memo unlinks it there. A
    memo already gone keeps its op: its delete finds nothing, and the link is retired.
    """
    withdrawn = {op.qbo_id for op in ops if op.action is Action.WITHDRAW}
    if not withdrawn:
        return ops
    applications = _applications(qbo, _read_memos(qbo, withdrawn))
    allocations = {str(p["Id"]): mapping.marked_id(p.get("PrivateNote"), "allocation") for p in applications}
    removed = [p for p in applications if allocations[str(p["Id"])] is not None or applied_by_qbo(p)]
    # The links are retired before the deletes: a run killed between them leaves no link
    # naming a payment that is gone, and the next run finds the payment still applied.
    ours = links.load(connection, Kind.PAYMENT, [i for i in allocations.values() if i is not None])
    outcomes.record(
        connection,
        [(Op(Kind.PAYMENT, i, link.label), outcomes.skipped(APPLICATION_REMOVED)) for i, link in ours.items()],
    )
    for payment in removed:
        _delete(connection, qbo, payment)
    if not removed:
        return ops
    tokens = {str(m["Id"]): str(m["SyncToken"]) for m in _read_memos(qbo, withdrawn)}
    return [
        replace(op, sync_token=tokens[op.qbo_id]) if op.action is Action.WITHDRAW and op.qbo_id in tokens else op
        for op in ops
    ]


def applied_memos(ops: list[Op]) -> set[str]:
    """The QBO credit memos that the credit applications among these ops will apply."""
    return {
        str(txn["TxnId"])
        for op in ops
        if op.action in (Action.CREATE, Action.UPDATE)
        for line in (op.body or {}).get("Line") or []
        for txn in line.get("LinkedTxn") or []
        if txn.get("TxnType") == "CreditMemo"
    }
