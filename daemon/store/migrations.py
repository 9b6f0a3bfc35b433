"""Numbered schema migrations, applied in order by ``billsync migrate``, never on import.

Each step runs in its own transaction and is recorded in ``schema_migrations``. A step is
fixed once released: it creates the tables of its day as snapshots declared inside it, or
applies ``playhouse.migrate`` operations, and never reads today's models, so a fresh
database passes through the same states as one upgraded release by release. A schema
change is a new step; ``test_migrations`` checks that the migrated schema matches the models.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as apply_operations

from billsync.daemon.store import counts
from billsync.daemon.store.db import database
from billsync.daemon.store.models import utcnow


class SchemaMigration(peewee.Model):
    number = peewee.IntegerField(primary_key=True)
    name = peewee.CharField()
    applied_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        database = database
        table_name = "schema_migrations"


class Snapshot(peewee.Model):
    """A table as one step created it; only what reaches the DDL is declared (columns,
    nullability, indexes, foreign keys), not defaults or choices kept in Python."""

    class Meta:
        legacy_table_names = False


def create_tables(db: peewee.Database, *tables: type[Snapshot]) -> None:
    """Creates ``tables`` with their indexes on ``db``."""
    with db.bind_ctx(tables):
        db.create_tables(tables, safe=False)


def m0001_initial(db: peewee.Database) -> None:
    """Creates the first release's tables."""

    class Connection(Snapshot):
        name = peewee.CharField()
        state = peewee.CharField()
        clio_account = peewee.CharField()
        clio_account_id = peewee.CharField()
        clio_tokens = peewee.TextField(null=True)
        qbo_realm_id = peewee.CharField()
        qbo_company_name = peewee.CharField()
        qbo_tokens = peewee.TextField(null=True)
        settings = peewee.TextField()
        qbo_checks = peewee.TextField(null=True)
        cdc_since = peewee.DateTimeField(null=True)
        next_run_at = peewee.DateTimeField(null=True, index=True)
        lease_owner = peewee.CharField(null=True)
        lease_until = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField()

    class Watermark(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        resource = peewee.CharField()
        value = peewee.CharField()
        boundary = peewee.TextField(null=True)
        updated_at = peewee.DateTimeField()

        class Meta:
            indexes = ((("connection", "resource"), True),)

    class Link(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        kind = peewee.CharField()
        clio_id = peewee.CharField()
        state = peewee.CharField()
        qbo_id = peewee.CharField(null=True)
        sync_token = peewee.CharField(null=True)
        label = peewee.CharField()
        qbo_ref = peewee.CharField(null=True)
        fingerprint = peewee.CharField(null=True)
        reason = peewee.TextField()
        error_code = peewee.CharField()
        attempts = peewee.IntegerField()
        idempotency_key = peewee.CharField(null=True)
        depends_on = peewee.CharField(null=True)
        created_at = peewee.DateTimeField()
        updated_at = peewee.DateTimeField()

        class Meta:
            indexes = (
                (("connection", "kind", "clio_id"), True),
                (("connection", "state", "id"), False),
                (("connection", "kind", "state", "id"), False),
                (("connection", "kind", "qbo_id"), False),
                (("connection", "depends_on"), False),
            )

    class Run(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        trigger = peewee.CharField()
        state = peewee.CharField()
        progress = peewee.TextField()
        error = peewee.TextField()
        started_at = peewee.DateTimeField()
        finished_at = peewee.DateTimeField(null=True)

        class Meta:
            indexes = ((("connection", "id"), False),)

    class Event(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        at = peewee.DateTimeField()
        actor = peewee.CharField()
        type = peewee.CharField()
        message = peewee.TextField()
        link_id = peewee.BigIntegerField(null=True)

        class Meta:
            indexes = ((("connection", "id"), False),)

    class ClioWebhook(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        model = peewee.CharField()
        token = peewee.CharField(unique=True)
        url = peewee.CharField()
        clio_id = peewee.CharField(null=True)
        secret = peewee.TextField(null=True)
        expires_at = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField()

    create_tables(db, Connection, Watermark, Link, Run, Event, ClioWebhook)


def m0002_link_counts_and_paging_indexes(db: peewee.Database) -> None:
    """Keeps Status and ListLinks fast at a million links: maintained per-state counts
    (a table and its triggers) and the indexes that make every keyset page a range scan."""

    class Connection(Snapshot):
        """Only what the foreign key below refers to: the primary key."""

    class LinkCount(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
        kind = peewee.CharField()
        state = peewee.CharField()
        count = peewee.BigIntegerField()

        class Meta:
            indexes = ((("connection", "kind", "state"), True),)

    create_tables(db, LinkCount)
    migrator = SchemaMigrator.from_database(db)
    apply_operations(
        migrator.add_index("link", ("connection_id", "id"), False),
        migrator.add_index("link", ("connection_id", "kind", "id"), False),
    )
    counts.install(db)


def m0003_lease_fence(db: peewee.Database) -> None:
    """Numbers every claim of a connection's lease, so that writes of a daemon whose lease
    was taken over are refused. The column comes with its default in the DDL: SQLite then
    fills existing rows without rebuilding the table, which would cascade-delete the links
    (its ``foreign_keys`` pragma cannot be switched off inside the step's transaction)."""
    migrator = SchemaMigrator.from_database(db)
    fence = peewee.BigIntegerField(constraints=[peewee.SQL("DEFAULT 0")])
    apply_operations(migrator.add_column("connection", "fence", fence, allow_not_null=True))


STEPS: list[tuple[int, Callable[[peewee.Database], None]]] = [
    (1, m0001_initial),
    (2, m0002_link_counts_and_paging_indexes),
    (3, m0003_lease_fence),
]


def pending(db: peewee.Database) -> list[int]:
    """Numbers of the steps not yet applied."""
    applied = set()
    if db.table_exists(SchemaMigration._meta.table_name):
        applied = {m.number for m in SchemaMigration.select()}
    return [n for n, _ in STEPS if n not in applied]


def migrate(db: peewee.Database) -> list[str]:
    """Applies every pending step; returns their names. Safe to run again."""
    db.create_tables([SchemaMigration])
    done = []
    todo = set(pending(db))
    for number, step in STEPS:
        if number in todo:
            with db.atomic():
                step(db)
                SchemaMigration.create(number=number, name=step.__name__)
            done.append(step.__name__)
    return done
