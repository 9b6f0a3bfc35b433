"""Honouring the matches bookkeepers decide (``Pin``, issue 19): a cycle plans each record
as always, then the decision about a record not yet in QuickBooks has the last word.

- A contact to **match** is linked to the customer chosen, if that customer is still there,
  linked to no other contact, and in the currency the contact is billed in.
- A contact to **create** is made anew, under its disambiguated name when a customer has
  its name, rather than linked to a customer of its name and e-mail
  (:func:`billsync.daemon.sync.planner.plan_contact`, ``match_by_name``).
- A bill to **match** is written over the invoice chosen (one of its number that billsync
  did not make) when the two total the same in the same currency: the update gives it the
  bill's customer, lines and billsync's marker, so payments apply to it and a purge finds it
  again. A bill to **skip** is never synced.

What cannot be honoured fails, saying why, and waits for another decision. Pure: the engine
reads the pins and the objects chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from billsync import words
from billsync.daemon.store.models import Choice, Kind, Pin
from billsync.daemon.sync import currency, mapping
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.decisions import MARKER_FIELD, Action, Op, adopt, update
from billsync.daemon.sync.mapping import Record


def decided_by(pin: Pin) -> str:
    return f"as {words.who(pin.actor)} decided"


def contacts(
    ops: list[Op], decided: dict[str, Pin], chosen: dict[str, Record], *, linked: set[str], books: Books
) -> list[Op]:
    """Contacts' ops with the decisions to match them honoured (``chosen``: the customers
    chosen, by Id, as QuickBooks has them now; ``linked``: customers other contacts have)."""
    return _honoured(
        ops, decided, linked, lambda op, pin, taken: _contact(op, pin, chosen.get(pin.qbo_id), taken, books)
    )


def invoices(ops: list[Op], decided: dict[str, Pin], chosen: dict[str, Record], *, linked: set[str]) -> list[Op]:
    """Bills' ops with the decisions honoured (``chosen``: the invoices chosen, by Id)."""
    return _honoured(ops, decided, linked, lambda op, pin, taken: _invoice(op, pin, chosen.get(pin.qbo_id), taken))


def _honoured(
    ops: list[Op], decided: dict[str, Pin], linked: set[str], honour: Callable[[Op, Pin, set[str]], Op]
) -> list[Op]:
    """Each op with its record's decision honoured, in order: an object one record is linked
    to is taken for the next (two decisions never link one object twice)."""
    taken, honoured = set(linked), []
    for op in ops:
        if (pin := decided.get(op.clio_id)) is not None:
            op = honour(op, pin, taken)
            if op.code is Cause.ADOPT_DECIDED:
                taken.add(op.qbo_id)
        honoured.append(op)
    return honoured


def _refused(op: Op, reason: str) -> Op:
    return replace(
        op, action=Action.FAIL, body=None, reason=f"{reason}; decide again", error_code="", code=Cause.FAIL_DECISION
    )


def _chosen(op: Op, pin: Pin, chosen: Record | None, linked: set[str]) -> Op | None:
    """The op refused when the object chosen is gone, linked to another record, or made by
    billsync (:func:`made_by_billsync`); else None."""
    what = f"The QuickBooks {op.entity.lower()} chosen (Id {pin.qbo_id})"
    if chosen is None:
        return _refused(op, f"{what} is not there any more")
    if pin.qbo_id in linked:
        return _refused(op, f"{what} is linked to another record")
    if made_by_billsync(chosen, op.kind):
        return _refused(op, f"{what} was made by billsync for another record")
    return None


def made_by_billsync(found: Record, kind: Kind) -> bool:
    """Whether billsync made ``found`` (it carries a marker), for this Clio account or another
    syncing into the same company: never another record's to take, nor to be written over."""
    return mapping.Marker.parse(found.get(MARKER_FIELD[kind])) is not None


def _contact(op: Op, pin: Pin, chosen: Record | None, linked: set[str], books: Books) -> Op:
    """A contact linked to the customer chosen, under that customer's own name: the plan may
    have named it otherwise (its name being that customer's, or another's), and a linked
    customer takes Clio's name only when its contact next changes, as every synced one does."""
    if pin.choice != Choice.MATCH or op.action not in (Action.CREATE, Action.ADOPT):
        return op
    if refused := _chosen(op, pin, chosen, linked):
        return refused
    if (made_in := currency.of_customer(chosen, books)) != op.currency and op.currency:
        return _refused(op, f"The customer chosen is in {made_in}, the contact is billed in {op.currency}")
    name = str(chosen["DisplayName"])
    body = {k: v for k, v in op.body.items() if k != "CurrencyRef"}  # a customer's currency stays as it is
    body = {**body, "DisplayName": name} | (
        {"CompanyName": name[: mapping.PERSON_NAME_MAX]} if "CompanyName" in body else {}
    )
    reason = f"Linked to customer {name} {decided_by(pin)}"
    return adopt(replace(op, fallback_name=""), body, chosen, code=Cause.ADOPT_DECIDED, reason=reason)


def _invoice(op: Op, pin: Pin, chosen: Record | None, linked: set[str]) -> Op:
    """A bill skipped, or written over the invoice chosen: one of its own number, currency and
    total, which the update gives the bill's customer, lines and billsync's marker."""
    if pin.choice == Choice.SKIP:
        return replace(
            op, action=Action.SKIP, body=None, reason=f"Not synced, {decided_by(pin)}", code=Cause.SKIP_DECIDED
        )
    if op.action is not Action.CREATE and op.code is not Cause.FAIL_NUMBER_TAKEN:
        return op
    if refused := _chosen(op, pin, chosen, linked):
        return refused
    number, ours = chosen.get("DocNumber"), op.expect
    if number != op.natural_ref:
        return _refused(op, f"Invoice {number} chosen has another number than the bill's, {op.natural_ref}")
    theirs_in = str((chosen.get("CurrencyRef") or {}).get("value") or "")
    if ours is not None and ours.currency and theirs_in and theirs_in != ours.currency:
        return _refused(op, f"Invoice {number} chosen is in {theirs_in}, the bill in {ours.currency}")
    theirs = mapping.money(chosen.get("TotalAmt"))
    if ours is None or theirs != ours.amount:
        return _refused(op, f"Invoice {number} chosen totals {theirs:,}, Clio's bill {ours.amount if ours else '?'}")
    token = str(chosen.get("SyncToken", "0"))
    written = update(replace(op, error_code=""), str(chosen["Id"]), token, op.body, fingerprint=op.fingerprint)
    return replace(
        written, code=Cause.ADOPT_DECIDED, reason=f"Linked to invoice {number} (Id {chosen['Id']}) {decided_by(pin)}"
    )
