"""Plan marks: Clio records the next run is to plan, whatever its change reads say.

Two things mark a record, and both answer at once, leaving the work to the next run:

- **Resync** marks items *forced*: the run pushes them whatever their fingerprint says.
- **A Clio webhook** *hints* at the record it names: the run reads it by id and plans it as
  any change, so that an edit reaches QuickBooks without a read of everything changed.
  A forced mark stays forced when a webhook names its record too.

The next run takes every mark of its connection when it begins, and deletes the marks it
took once it has ended well. The marks are rows, so a restart or a takeover loses none:

- A run that fails, or whose daemon dies, leaves its marks; the next run takes them again.
- A record marked anew while a run goes is untaken again (``taken_by`` back to None), so
  the run's end leaves it for the next run, which the mark asked for.
- Taking and deleting happen under the lease's fence, so a stalled daemon cannot take or
  drop the marks of its successor's run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee

from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Kind, Link, PlanMark, Run, utcnow

FIELDS = [PlanMark.connection, PlanMark.kind, PlanMark.clio_id, PlanMark.forced, PlanMark.requested_at]
#: What marking a record already marked changes: it is untaken, and stays forced if it was.
MARKED_ANEW = {
    PlanMark.requested_at: peewee.EXCLUDED.requested_at,
    PlanMark.taken_by: None,
    PlanMark.forced: PlanMark.forced | peewee.EXCLUDED.forced,
}


@dataclass(frozen=True)
class Taken:
    """The marks a run took, as kind → Clio ids: ``forced`` to push again, ``hinted`` to read."""

    forced: dict[str, set[str]] = field(default_factory=dict)
    hinted: dict[str, set[str]] = field(default_factory=dict)


def mark(links: peewee.ModelSelect) -> int:
    """Marks the links ``links`` selects (their ``kind`` and ``clio_id``) forced, in one
    statement; returns how many were marked. An item already marked is marked anew."""
    now = peewee.Value(utcnow(), converter=PlanMark.requested_at.db_value)
    rows = links.select(Link.connection, Link.kind, Link.clio_id, peewee.Value(True), now)
    return (
        PlanMark.insert_from(rows, FIELDS)
        .on_conflict(conflict_target=FIELDS[:3], update=MARKED_ANEW)
        .as_rowcount()
        .execute()
    )


def hint(connection_id: int, kind: Kind, clio_id: str) -> None:
    """Marks the record a webhook named, to be read by id by the next run."""
    PlanMark.insert(
        connection=connection_id, kind=kind, clio_id=clio_id, forced=False, requested_at=utcnow()
    ).on_conflict(conflict_target=FIELDS[:3], update=MARKED_ANEW).execute()


def take(connection: Connection, run: Run) -> Taken:
    """Gives every mark of the connection to ``run``, which is beginning."""
    with leases.fenced(connection):
        PlanMark.update(taken_by=run.id).where(PlanMark.connection == connection).execute()
    return _marks(PlanMark.connection == connection, PlanMark.taken_by == run.id)


def waiting(connection: Connection) -> Taken:
    """Every mark of the connection, as the next run will take them, taking none (a preview's)."""
    return _marks(PlanMark.connection == connection)


def _marks(*where: peewee.Expression) -> Taken:
    taken = Taken()
    for kind, clio_id, forced in (
        PlanMark.select(PlanMark.kind, PlanMark.clio_id, PlanMark.forced).where(*where).tuples()
    ):
        (taken.forced if forced else taken.hinted).setdefault(kind, set()).add(clio_id)
    return taken


def done(connection: Connection, run: Run) -> None:
    """Deletes the marks ``run`` took and was not asked for again since; inside the fenced
    transaction that records the run's end."""
    PlanMark.delete().where(PlanMark.connection == connection, PlanMark.taken_by == run.id).execute()


def newest_run(connection: Connection) -> int:
    """The id of the connection's newest run, 0 if none: the run after it is the first to
    take marks made now."""
    return Run.select(peewee.fn.MAX(Run.id)).where(Run.connection == connection).scalar() or 0
