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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from billsync.daemon.store.db import database
from billsync.daemon.store.models import Connection

LEASE = dt.timedelta(seconds=10)


class LeaseLost(Exception):
    """Another daemon claimed the connection after this one did: its cycle must stop and
    write nothing more."""


def database_now(ahead: dt.timedelta = dt.timedelta()) -> peewee.Node:
    """The database's clock, ``ahead`` later, as naive UTC like every time stored here."""
    seconds = ahead.total_seconds()
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return peewee.SQL(f"((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') + interval '{seconds} seconds')")
    return peewee.fn.strftime("%Y-%m-%d %H:%M:%f", "now", f"{seconds:+} seconds")


def claimable(owner: str) -> peewee.Expression:
    """Rows ``owner`` may claim: held by no one, by a lapsed lease, or by ``owner`` already."""
    return (
        Connection.lease_owner.is_null() | (Connection.lease_until < database_now()) | (Connection.lease_owner == owner)
    )


def held(connection_id: int) -> bool:
    """Whether a live lease holds the connection, by the database's clock."""
    live = Connection.lease_owner.is_null(False) & (Connection.lease_until >= database_now())
    return Connection.select().where(Connection.id == connection_id, live).exists()


def claim(connection_id: int, owner: str) -> Connection | None:
    """Claims the connection for ``owner`` unless another's live lease holds it. Returns the
    row as claimed, whose ``lease_owner`` and ``fence`` every write of the cycle carries
    (see :func:`fenced`), or None."""
    query = (
        Connection.update(lease_owner=owner, lease_until=database_now(LEASE), fence=Connection.fence + 1)
        .where(Connection.id == connection_id, claimable(owner))
        .returning(Connection)
    )
    return next(iter(query.execute()), None)


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


def release(connection: Connection) -> None:
    """Gives the lease ``connection`` was claimed under back, if it is still held."""
    Connection.update(lease_owner=None, lease_until=None).where(_unchanged(connection)).execute()


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
