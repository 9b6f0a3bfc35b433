"""The link database: one deferred peewee database, opened from a URL at start-up.

Models bind to ``database`` (a proxy) so that the same code runs on SQLite, the embedded
default, and on PostgreSQL, which several daemons share to scale out.
"""

from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.db_url import parse
from playhouse.shortcuts import ReconnectMixin

from billsync.daemon.errors import ConfigError
from billsync.locations import private_file

database = peewee.DatabaseProxy()


class ReconnectingPostgresqlDatabase(ReconnectMixin, peewee.PostgresqlDatabase):
    """Reconnects a thread whose connection the server dropped (a restart, a failover)
    instead of failing every later query of that thread."""


#: Milliseconds a PostgreSQL session may sit idle inside an open transaction before the server
#: ends it (``idle_in_transaction_session_timeout``, PostgreSQL 15 manual, "Client Connection
#: Defaults"). A daemon frozen inside a transaction (a paused VM, SIGSTOP) would hold its
#: locks as long as it stays frozen; a lock on a connection's row stops every other daemon's
#: claim of it, and a claim waiting stops that daemon's dispatch of all its connections. The
#: daemon makes no request to Clio or QuickBooks inside a transaction, so none of its own
#: sits idle this long.
IDLE_IN_TRANSACTION_MS = 30_000

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000, "synchronous": "normal"}


def open_database(url: str) -> peewee.Database:
    """Connects ``database`` to ``url`` (sqlite:///path or postgresql://…) and returns it."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path != ":memory:":  # SQLite gives its -wal and -shm files the database's mode
            private_file(Path(path))
        db = peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    elif url.startswith(("postgresql://", "postgres://")):
        params = parse(url.replace("postgres://", "postgresql://", 1))
        timeout = f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
        params["options"] = f"{params['options']} {timeout}" if params.get("options") else timeout
        db = ReconnectingPostgresqlDatabase(**params)
    else:
        raise ConfigError(
            f"BILLSYNC_DATABASE_URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]!r}"
        )
    database.initialize(db)
    return db


def let_go() -> None:
    """Closes the calling thread's connection, if it has one and no transaction is open in it.
    Peewee keeps a connection per thread: a sync cycle's thread lets go of its own each time
    it gives its turn up (``turns``, ``sync.scheduler``), so the connections open follow the
    cycles at work, not every cycle active; its next query opens one again."""
    if not database.is_closed() and not database.in_transaction():
        database.close()
