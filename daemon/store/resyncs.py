"""Re-sync marks: the items a Resync asked to push again, until a run has pushed them.

Resync marks and answers at once; the next run takes every mark of its connection when it
begins, pushes those items whatever their fingerprint says, and deletes the marks it took
once it has ended. The marks are rows, so a restart or a takeover loses none:

- A run that fails, or whose daemon dies, leaves its marks; the next run takes them again.
- An item marked anew while a run goes is untaken again (``taken_by`` back to None), so
  the run's end leaves it for the next run, which the Resync asked for.
- Taking and deleting happen under the lease's fence, so a stalled daemon cannot take or
  drop the marks of its successor's run.
"""

from __future__ import annotations

import peewee

from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Link, ResyncMark, Run, utcnow


def mark(links: peewee.ModelSelect) -> int:
    """Marks the links ``links`` selects (their ``kind`` and ``clio_id``) in one statement;
    returns how many were marked. An item already marked is marked anew."""
    rows = links.select(
        Link.connection, Link.kind, Link.clio_id, peewee.Value(utcnow(), converter=ResyncMark.requested_at.db_value)
    )
    return (
        ResyncMark.insert_from(
            rows, [ResyncMark.connection, ResyncMark.kind, ResyncMark.clio_id, ResyncMark.requested_at]
        )
        .on_conflict(
            conflict_target=[ResyncMark.connection, ResyncMark.kind, ResyncMark.clio_id],
            update={ResyncMark.requested_at: peewee.EXCLUDED.requested_at, ResyncMark.taken_by: None},
        )
        .as_rowcount()
        .execute()
    )


def take(connection: Connection, run: Run) -> dict[str, set[str]]:
    """Gives every mark of the connection to ``run``, which is beginning; returns them as
    kind → Clio ids, for the run to push again."""
    with leases.fenced(connection):
        ResyncMark.update(taken_by=run.id).where(ResyncMark.connection == connection).execute()
    taken: dict[str, set[str]] = {}
    for kind, clio_id in (
        ResyncMark.select(ResyncMark.kind, ResyncMark.clio_id)
        .where(ResyncMark.connection == connection, ResyncMark.taken_by == run.id)
        .tuples()
    ):
        taken.setdefault(kind, set()).add(clio_id)
    return taken


def done(connection: Connection, run: Run) -> None:
    """Deletes the marks ``run`` took and was not asked for again since; inside the fenced
    transaction that records the run's end."""
    ResyncMark.delete().where(ResyncMark.connection == connection, ResyncMark.taken_by == run.id).execute()


def newest_run(connection: Connection) -> int:
    """The id of the connection's newest run, 0 if none: the run after it is the first to
    take marks made now."""
    return Run.select(peewee.fn.MAX(Run.id)).where(Run.connection == connection).scalar() or 0
