"""Leases: which daemon syncs a connection now, decided by the database alone.

A daemon claims a connection with a conditional UPDATE of its row (atomic on SQLite and
PostgreSQL alike) and renews the claim every few seconds while its cycle lasts. Expiry is
read on the database's clock, never a host's: a daemon whose clock runs ahead would steal
live leases, one whose clock lags would keep lapsed ones.

Every claim bumps the row's ``fence``. A daemon paused past its lease's expiry (a stopped
process, a stalled VM) wakes up believing it still holds the lease; the fence tells it
otherwise. Each link write of its cycle first checks, in the same transaction and with the
connection's row locked until it commits, that the row still names this daemon with the
fence of its claim (:func:`fenced`); a renewal that finds no such row reports the lease
lost. Either way the cycle stops (:class:`LeaseLost`) before writing over the new holder.

A write sent to QBO cannot be fenced that way: once sent, it lands whatever becomes of its
sender. A holder therefore sends only while its lease lasts (the scheduler checks before
each attempt), and ``lease_until`` outlives a holder that may have left writes unanswered
(one that died, stalled, or ended a cycle in failure). The next claim records until when
those may still land (:func:`prior_writes_settled`): until then, a create they may hold is
neither found nor missing, but unknown (``sync.recovery``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from billsync.daemon.store.clock import database_now, later
from billsync.daemon.store.db import database
from billsync.daemon.store.models import Connection

LEASE = dt.timedelta(seconds=10)
#: A write starts only with at least this much of its sender's lease left: enough to
#: connect and send the request (``qbo.client.WRITE_TIMEOUT``) before the lease can lapse.
SEND_WINDOW = dt.timedelta(seconds=7)


class LeaseLost(Exception):
    """Another daemon claimed the connection after this one did: its cycle must stop and
    write nothing more."""


def claimable(owner: str) -> peewee.Expression:
    """Rows ``owner`` may claim: held by no one, by a lapsed lease, or by ``owner`` already."""
    return (
        Connection.lease_owner.is_null() | (Connection.lease_until < database_now()) | (Connection.lease_owner == owner)
    )


def held(connection_id: int) -> bool:
    """Whether a live lease holds the connection, by the database's clock."""
    live = Connection.lease_owner.is_null(False) & (Connection.lease_until >= database_now())
    return Connection.select().where(Connection.id == connection_id, live).exists()


def claim(connection_id: int, owner: str, *, landing: dt.timedelta) -> Connection | None:
    """Claims the connection for ``owner`` unless another's live lease holds it. Returns the
    row as claimed, whose ``lease_owner`` and ``fence`` every write of the cycle carries
    (see :func:`fenced`), or None.

    ``landing`` is how long after it was sent a write may still land (QBO's execution
    limit): the writes of the claims before this one, each sent while its lease lasted, may
    land until the last lease ended plus that, or until what an earlier claim recorded, if
    later (the columns on the right are read as they were before this claim).
    """
    query = (
        Connection.update(
            lease_owner=owner,
            lease_until=database_now(LEASE),
            fence=Connection.fence + 1,
            prior_writes_until=_latest(Connection.prior_writes_until, later(Connection.lease_until, landing)),
        )
        .where(Connection.id == connection_id, claimable(owner))
        .returning(Connection)
    )
    return next(iter(query.execute()), None)


def _latest(time: peewee.Node, other: peewee.Node) -> peewee.Node:
    """The later of two times, either of which may be NULL (SQLite's ``max`` would be NULL)."""
    return peewee.Case(None, [(other.is_null(), time), (time.is_null() | (time < other), other)], time)


def prior_writes_settled(connection: Connection) -> bool:
    """Whether every write sent under an earlier claim of the connection has landed or never
    will, by the database's clock (see :func:`claim`)."""
    settled = Connection.prior_writes_until.is_null() | (Connection.prior_writes_until <= database_now())
    return Connection.select().where(Connection.id == connection.id, settled).exists()


def renew(owner: str, fences: dict[int, int]) -> set[int]:
    """Extends ``owner``'s leases, given as connection id → fence of the claim; returns the
    ids of those it holds no longer."""
    if not fences:
        return set()
    renewed = (
        Connection.update(lease_until=database_now(LEASE))
        .where(Connection.lease_owner == owner, Connection.id.in_(list(fences)))
        .returning(Connection.id, Connection.fence)
    )
    held = {(row.id, row.fence) for row in renewed.execute()}
    return {connection_id for connection_id, fence in fences.items() if (connection_id, fence) not in held}


def release(connection: Connection, *, answered: bool) -> None:
    """Gives the lease ``connection`` was claimed under back, if it is still held. Unless
    every write of the claim was ``answered`` (a cycle that failed may have left one on its
    way), ``lease_until`` keeps the release's time, from which the next claim reckons when
    such a write may still land."""
    until = None if answered else database_now()
    Connection.update(lease_owner=None, lease_until=until).where(_unchanged(connection)).execute()


@contextmanager
def fenced(connection: Connection) -> Iterator[None]:
    """A transaction that commits only under the lease ``connection`` was loaded with.

    The check is a conditional UPDATE of the connection's row, so the row stays locked
    until the transaction ends: a claim by another daemon waits for it, and cannot slip in
    between the check and the writes. Raises :class:`LeaseLost`, writing nothing, if the
    row names another holder or a later claim.
    """
    with database.atomic():
        if not Connection.update(fence=Connection.fence).where(_unchanged(connection)).execute():
            raise LeaseLost(f"connection {connection.id} was claimed again after claim {connection.fence}")
        yield


def _unchanged(connection: Connection) -> peewee.Expression:
    return (
        (Connection.id == connection.id)
        & (Connection.lease_owner == connection.lease_owner)
        & (Connection.fence == connection.fence)
    )
