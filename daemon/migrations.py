"""Numbered schema migrations, applied in order by ``billsync migrate``, never on import.

Each step runs in its own transaction and is recorded in ``schema_migrations``. Step 1
creates the tables as the models define them at the first release; every later schema
change is a new step (``playhouse.migrate`` operations), and ``test_migrations`` checks
that the migrated schema matches the models.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee

from daemon import models
from daemon.db import database


class SchemaMigration(peewee.Model):
    number = peewee.IntegerField(primary_key=True)
    name = peewee.CharField()
    applied_at = peewee.DateTimeField(default=models.utcnow)

    class Meta:
        database = database
        table_name = "schema_migrations"


def m0001_initial(db: peewee.Database) -> None:
    db.create_tables(models.MODELS)


STEPS: list[tuple[int, Callable[[peewee.Database], None]]] = [
    (1, m0001_initial),
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
