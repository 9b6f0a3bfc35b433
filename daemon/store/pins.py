"""The matches bookkeepers decide (``Pin``): read by every cycle, written by DecideMatch."""

from __future__ import annotations

from collections.abc import Iterable

from billsync.daemon.errors import FailedPrecondition
from billsync.daemon.store import events, links
from billsync.daemon.store.db import database
from billsync.daemon.store.models import Choice, Connection, Link, Pin

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
    in the activity log naming ``actor`` and saying what was decided (``said``). Refused once
    the record is in QuickBooks, and for an object another record is linked to."""
    with database.atomic():
        link = Link.get_or_none(Link.connection == connection, Link.kind == kind, Link.clio_id == clio_id)
        if link is not None and link.qbo_id:
            raise FailedPrecondition(
                f"{link.label or clio_id} is already in QuickBooks (Id {link.qbo_id}): a match is decided before "
                "the first write"
            )
        if qbo_id and (other := links.linked_qbo_ids(connection, kind, [qbo_id])):
            holder = Link.get(Link.connection == connection, Link.kind == kind, Link.qbo_id.in_(list(other)))
            raise FailedPrecondition(
                f"QuickBooks object {qbo_id} is already linked to {holder.label or holder.clio_id}"
            )
        Pin.delete().where(Pin.connection == connection, Pin.kind == kind, Pin.clio_id == clio_id).execute()
        pin = None
        if choice is not None:
            pin = Pin.create(
                connection=connection, kind=kind, clio_id=clio_id, choice=choice, qbo_id=qbo_id, actor=actor
            )
        events.record(connection, "link.decided", said, actor, link_id=link.id if link is not None else None)
    return pin
