"""Honouring the matches bookkeepers decide (``Pin``, issue 19): a cycle plans each record
as always, then the decision about a record not yet in QuickBooks has the last word.

- A contact to **match** is linked to the customer chosen, if that customer is still there,
  linked to no other contact, and in the currency the contact is billed in.
- A contact to **create** is made anew, under its disambiguated name when a customer has
  its name, rather than linked to a customer of its name and e-mail
  (:func:`billsync.daemon.sync.planner.plan_contact`, ``match_by_name``).
- A bill to **match** is linked to the invoice chosen (one of its number that billsync did
  not make) when the two total the same; a bill to **skip** is never synced.

What cannot be honoured fails, saying why, and waits for another decision. Pure: the engine
reads the pins and the objects chosen.
"""

from __future__ import annotations

from dataclasses import replace

from billsync import words
from billsync.daemon.store.models import Choice, Pin
from billsync.daemon.sync import currency, mapping
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.decisions import Action, Op, adopt
from billsync.daemon.sync.mapping import Record


def decided_by(pin: Pin) -> str:
    return f"as {words.who(pin.actor)} decided"


def _refused(op: Op, reason: str) -> Op:
    return replace(op, action=Action.FAIL, body=None, reason=f"{reason}; decide again", code=Cause.FAIL_DECISION)


def _chosen(op: Op, pin: Pin, chosen: Record | None, linked: set[str]) -> Op | None:
    """The op refused when the object chosen is gone or linked to another record; else None."""
    if chosen is None:
        return _refused(op, f"The QuickBooks {op.entity.lower()} chosen (Id {pin.qbo_id}) is not there any more")
    if pin.qbo_id in linked:
        return _refused(op, f"The QuickBooks {op.entity.lower()} chosen (Id {pin.qbo_id}) is linked to another record")
    return None


def contact(op: Op, pin: Pin | None, chosen: Record | None, *, linked: set[str], books: Books) -> Op:
    """A contact's op with a decision to match it honoured (``chosen``: the customer, None if gone)."""
    if pin is None or pin.choice != Choice.MATCH or op.action not in (Action.CREATE, Action.ADOPT):
        return op
    if refused := _chosen(op, pin, chosen, linked):
        return refused
    if (made_in := currency.of_customer(chosen, books)) != op.currency and op.currency:
        return _refused(op, f"The customer chosen is in {made_in}, the contact is billed in {op.currency}")
    body = {k: v for k, v in op.body.items() if k != "CurrencyRef"}  # a customer's currency stays as it is
    return adopt(
        op,
        body,
        chosen,
        code=Cause.ADOPT_DECIDED,
        reason=f"Linked to customer {chosen['DisplayName']} {decided_by(pin)}",
    )


def invoice(op: Op, pin: Pin | None, chosen: Record | None, *, linked: set[str]) -> Op:
    """A bill's op with a decision honoured (``chosen``: the invoice to match, None if gone)."""
    if pin is None:
        return op
    if pin.choice == Choice.SKIP:
        return replace(
            op, action=Action.SKIP, body=None, reason=f"Not synced, {decided_by(pin)}", code=Cause.SKIP_DECIDED
        )
    if op.action is not Action.CREATE and op.code is not Cause.FAIL_NUMBER_TAKEN:
        return op
    if refused := _chosen(op, pin, chosen, linked):
        return refused
    theirs, ours = mapping.money(chosen.get("TotalAmt")), op.expect.amount if op.expect else None
    if theirs != ours:
        return _refused(op, f"Invoice {chosen.get('DocNumber')} chosen totals {theirs:,}, Clio's bill {ours:,}")
    reason = f"Linked to invoice {chosen.get('DocNumber')} (Id {chosen['Id']}) {decided_by(pin)}"
    return adopt(replace(op, code=None), op.body, chosen, code=Cause.ADOPT_DECIDED, reason=reason)
