"""The audit log: every run, state change, re-sync, revoke, purge and settings change."""

from __future__ import annotations

import datetime as dt

import peewee

from billsync.daemon.store.models import Connection, Event


def record(
    connection: Connection | int, type: str, message: str, actor: str = "billsync", link_id: int | None = None
) -> Event:
    """Appends one event; call it inside the transaction that made the change it describes."""
    return Event.create(connection=connection, type=type, message=message, actor=actor, link_id=link_id)


def selection(
    connection: Connection, type_prefix: str = "", since: dt.datetime | None = None, until: dt.datetime | None = None
) -> peewee.ModelSelect:
    """The connection's events of one family or type (``"link."``, ``"run.failed"``), within
    ``since`` (inclusive) and ``until`` (exclusive) when given."""
    query = Event.select().where(Event.connection == connection)
    if type_prefix:
        query = query.where(Event.type.startswith(type_prefix))
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at < until)
    return query
