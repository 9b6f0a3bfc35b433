"""The database's clock: the one clock every daemon sharing the database reads alike.

Hosts' clocks drift apart by minutes (NTP off, a VM resumed from a snapshot). A time one
daemon writes and another compares — when a connection is due, when a run started, until
when a lease or an alert message is taken — is therefore taken from the database, never
from a host. (SQLite is shared by the daemons of one host only, and its clock is that
host's.) Times of local bookkeeping, read by people, stay on the host's clock.
"""

from __future__ import annotations

import datetime as dt

import peewee

from billsync.daemon.store.db import database


def database_now(ahead: dt.timedelta = dt.timedelta()) -> peewee.Node:
    """The database's clock, ``ahead`` later, as naive UTC like every time stored here: an
    expression for a statement to compare or store."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return later(peewee.SQL("(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"), ahead)
    return later(peewee.SQL("'now'"), ahead)


def later(time: peewee.Node, by: dt.timedelta) -> peewee.Node:
    """``time`` (a column or the clock), ``by`` later; NULL stays NULL."""
    seconds = by.total_seconds()
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return peewee.NodeList((time, peewee.SQL(f"+ interval '{seconds} seconds'")), parens=True)
    return peewee.fn.strftime("%Y-%m-%d %H:%M:%f", time, f"{seconds:+} seconds")


def at_resolution(time: peewee.Node) -> peewee.Node:
    """``time`` as the database's clock writes it: on SQLite a time stored from Python (to the
    microsecond) and one from :func:`database_now` (to the millisecond) are strings of other
    lengths, and compare as the same instant only once both are written alike."""
    return later(time, dt.timedelta())


def database_time() -> dt.datetime:
    """The database's clock now, read once, as naive UTC: for a time computed on before it
    is stored (a run's start, when the next run is due)."""
    value = peewee.Select(columns=[database_now()]).bind(database).scalar()
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
