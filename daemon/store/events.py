"""The audit log: every run, state change, re-sync, revoke, purge and settings change."""

from __future__ import annotations

from billsync.daemon.store.models import Connection, Event


def record(
    connection: Connection | int, type: str, message: str, actor: str = "billsync", link_id: int | None = None
) -> Event:
    """Appends one event; call it inside the transaction that made the change it describes."""
    return Event.create(connection=connection, type=type, message=message, actor=actor, link_id=link_id)
