"""The matches bookkeepers decide (``Pin``): read by every cycle, written by DecideMatch."""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from billsync.daemon.errors import FailedPrecondition
from billsync.daemon.store import events, leases, links, marks
from billsync.daemon.store.db import database
from billsync.daemon.store.models import Choice, Connection, Link, LinkState, Pin, utcnow

CHUNK = links.CHUNK


def load(connection: Connection, kind: str, clio_ids: Iterable[str]) -> dict[str, Pin]:
    """The decisions about these Clio records, by Clio id."""
    ids = sorted(set(map(str, clio_ids)))
    found: dict[str, Pin] = {}
    for i in range(0, len(ids), CHUNK):
        query = Pin.select().where(Pin.connection == connection, Pin.kind == kind, Pin.clio_id.in_(ids[i : i + CHUNK]))
        found.update({pin.clio_id: pin for pin in query})
    return found


def every(connection: Connection) -> dict[tuple[str, str], Pin]:
    """Every decision of the connection, by kind and Clio id: a few a firm."""
    return {(pin.kind, pin.clio_id): pin for pin in Pin.select().where(Pin.connection == connection)}


def decide(
    connection: Connection, kind: str, clio_id: str, choice: Choice | None, *, qbo_id: str, actor: str, said: str
) -> Pin | None:
    """Stores (or, with no ``choice``, withdraws) a decision about one record, with an entry
    in the activity log naming ``actor`` and saying what was decided (``said``).

    Refused while a sync of the connection is under way (it may be writing the record), once
    the record is in QuickBooks or being sent there (withdrawing a decision that came too late
    is always allowed), and for an object another record is linked to or chosen for. A record
    already planned (failed, waiting) is marked to be planned again by the next run (and shown
    so by the next preview), asking for no run.
    """
    if leases.held(connection.id):
        raise FailedPrecondition(
            f"a sync of {connection.name} is under way: decide once it has ended, as it may be writing this record"
        )
    with database.atomic():
        link = Link.get_or_none(Link.connection == connection, Link.kind == kind, Link.clio_id == clio_id)
        if choice is not None and link is not None and (link.qbo_id or link.state == LinkState.PENDING):
            where = f"in QuickBooks (Id {link.qbo_id})" if link.qbo_id else "being sent to QuickBooks"
            raise FailedPrecondition(
                f"{link.label or clio_id} is already {where}: a match is decided before its first write"
            )
        if qbo_id and (other := links.linked_qbo_ids(connection, kind, [qbo_id])):
            holder = Link.get(Link.connection == connection, Link.kind == kind, Link.qbo_id.in_(list(other)))
            raise FailedPrecondition(
                f"QuickBooks object {qbo_id} is already linked to {holder.label or holder.clio_id}"
            )
        chosen_for = _open(connection, kind).where(Pin.qbo_id == qbo_id, Pin.clio_id != clio_id).first()
        if qbo_id and chosen_for is not None:
            raise FailedPrecondition(
                f"QuickBooks object {qbo_id} is already chosen for Clio record {chosen_for.clio_id}"
            )
        if choice is None:
            Pin.delete().where(Pin.connection == connection, Pin.kind == kind, Pin.clio_id == clio_id).execute()
        else:
            decided = {Pin.choice: choice, Pin.qbo_id: qbo_id, Pin.actor: actor, Pin.decided_at: utcnow()}
            Pin.insert(
                connection=connection, kind=kind, clio_id=clio_id, choice=choice, qbo_id=qbo_id, actor=actor
            ).on_conflict(conflict_target=[Pin.connection, Pin.kind, Pin.clio_id], update=decided).execute()
        if link is not None and not link.qbo_id:
            marks.mark(Link.select().where(Link.id == link.id))
        events.record(connection, "link.decided", said, actor, link_id=link.id if link is not None else None)
    return load(connection, kind, [clio_id]).get(clio_id)


def chosen(connection: Connection, kind: str) -> set[str]:
    """The QuickBooks objects of ``kind`` chosen for a record not yet written: reserved for it."""
    return {pin.qbo_id for pin in _open(connection, kind)}


def _open(connection: Connection, kind: str) -> peewee.ModelSelect:
    """The decisions to match of ``kind`` whose records have no QuickBooks object yet: a
    decision is done with once its record is written, honoured or not."""
    written = Link.select(Link.clio_id).where(
        Link.connection == connection, Link.kind == kind, Link.qbo_id.is_null(False), Link.qbo_id != ""
    )
    return Pin.select().where(
        Pin.connection == connection, Pin.kind == kind, Pin.choice == Choice.MATCH, Pin.clio_id.not_in(written)
    )
