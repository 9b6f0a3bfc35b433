"""DecideMatch: a decision checked against Clio (the record is there) and QuickBooks (the
object chosen is there), then kept as a pin (:mod:`billsync.daemon.store.pins`) with an
activity entry saying what was decided."""

from __future__ import annotations

from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.errors import FailedPrecondition, InvalidArgument, NotFound
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.rpc import validation
from billsync.daemon.store import pins as stored_pins
from billsync.daemon.store.models import Choice, Connection, Kind, Pin
from billsync.daemon.sync import pins as sync_pins
from billsync.daemon.sync import planner
from billsync.daemon.sync.decisions import KIND_ENTITY

#: What a bookkeeper may decide about each kind of record.
DECIDABLE = {Kind.CONTACT: (Choice.MATCH, Choice.CREATE), Kind.INVOICE: (Choice.MATCH, Choice.SKIP)}
#: Each choice as the activity log says it (a match names the object chosen).
SAID = {None: "decided by the sync again", Choice.CREATE: "a new customer", Choice.SKIP: "not synced"}


def decide(
    connection: Connection,
    qbo: QuickBooks,
    clio: Clio,
    *,
    kind: str | None,
    choice: Choice | None,
    clio_id: str,
    qbo_id: str,
    actor: str,
) -> Pin | None:
    """Keeps the decision about one record (``choice`` None withdraws it); returns its pin."""
    if kind not in DECIDABLE or (choice is not None and choice not in DECIDABLE[kind]):
        allowed = "; ".join(f"{k}: {' or '.join(c)}" for k, c in DECIDABLE.items())
        raise InvalidArgument(f"a match is decided for a contact or a bill ({allowed}), not {kind}: {choice}")
    resource = "contacts" if kind == Kind.CONTACT else "bills"
    [record] = clio_reader.fetch(clio, resource, [clio_id]) or [None]
    if record is None:
        raise NotFound(f"Clio has no {resource[:-1]} {clio_id}")
    label = planner.contact_label(record) if kind == Kind.CONTACT else planner.bill_label(record)
    said = SAID.get(choice, "")
    if choice is Choice.MATCH:
        qbo_id, entity = validation.qbo_id(qbo_id, "qbo_id"), KIND_ENTITY[kind]
        chosen = qbo.read_many(entity, [qbo_id]).get(qbo_id)
        if chosen is None:
            raise NotFound(f"QuickBooks has no {entity} {qbo_id}")
        if sync_pins.made_by_billsync(chosen, kind):
            raise FailedPrecondition(f"billsync made {entity} {qbo_id} for another record: choose one it did not make")
        said = f"linked to {entity} {chosen.get('DisplayName') or chosen.get('DocNumber')} (Id {qbo_id})"
    else:
        qbo_id = ""
    return stored_pins.decide(connection, kind, clio_id, choice, qbo_id=qbo_id, actor=actor, said=f"{label}: {said}")
