"""Numbered schema migrations, applied in order by ``billsync migrate``, never on import.

Each step runs in its own transaction and is recorded in ``schema_migrations``. Step 1
creates the tables as the models define them at the first release; every later schema
change is a new step (``playhouse.migrate`` operations), and ``test_migrations`` checks
that the migrated schema matches the models.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as apply_operations

from billsync.daemon.store import counts as link_counts
from billsync.daemon.store import models
from billsync.daemon.store.db import database


class SchemaMigration(peewee.Model):
    number = peewee.IntegerField(primary_key=True)
    name = peewee.CharField()
    applied_at = peewee.DateTimeField(default=models.utcnow)

    class Meta:
        database = database
        table_name = "schema_migrations"


#: The tables of the first release: step 1 creates these, later steps the others.
INITIAL_MODELS = (models.Connection, models.Watermark, models.Link, models.Run, models.Event, models.ClioWebhook)
#: Indexes on the models that a later step adds; step 1 leaves them out (table, columns).
LATER_INDEXES = {
    ("link", ("connection_id", "id")),
    ("link", ("connection_id", "kind", "id")),
}


def m0001_initial(db: peewee.Database) -> None:
    """Creates the first release's tables from the models, minus what later steps add, so
    every later step runs on a fresh database exactly as on an upgraded one."""
    for model in INITIAL_MODELS:
        model._schema.create_table(safe=False)
        for index in model._meta.fields_to_index():
            columns = tuple(field.column_name for field in index._expressions)
            if (model._meta.table_name, columns) not in LATER_INDEXES:
                db.execute(model._schema._create_index(index, safe=False))


def m0002_link_counts_and_paging_indexes(db: peewee.Database) -> None:
    """Keeps Status and ListLinks fast at a million links: maintained per-state counts
    (a table and its triggers) and the indexes that make every keyset page a range scan."""
    db.create_tables([models.LinkCount], safe=False)
    migrator = SchemaMigrator.from_database(db)
    apply_operations(*(migrator.add_index(table, columns, False) for table, columns in sorted(LATER_INDEXES)))
    link_counts.install(db)


STEPS: list[tuple[int, Callable[[peewee.Database], None]]] = [
    (1, m0001_initial),
    (2, m0002_link_counts_and_paging_indexes),
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
