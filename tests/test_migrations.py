"""Numbered migrations on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from billsync.daemon.store import migrations, models
from billsync.daemon.store.db import open_database


def test_migrate_applies_every_step_once_and_matches_the_models(each_database_url):
    db = open_database(each_database_url)
    assert migrations.pending(db) == [n for n, _ in migrations.STEPS]
    assert migrations.migrate(db) == [step.__name__ for _, step in migrations.STEPS]
    assert migrations.pending(db) == []
    assert migrations.migrate(db) == []
    for model in models.MODELS:
        table = model._meta.table_name
        columns = {c.name for c in db.get_columns(table)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, table
        indexed = {tuple(i.columns) for i in db.get_indexes(table)}
        for fields, _unique in model._meta.indexes:
            assert tuple(model._meta.fields[f].column_name for f in fields) in indexed, (table, fields)
    db.close()


def test_link_is_unique_per_connection_kind_and_clio_id(db):
    import peewee

    c = models.Connection.create(name="Firm")
    models.Link.create(connection=c, kind="invoice", clio_id="7", state="pending")
    models.Link.create(connection=c, kind="contact", clio_id="7", state="pending")
    with pytest.raises(peewee.IntegrityError), db.atomic():
        models.Link.create(connection=c, kind="invoice", clio_id="7", state="synced")


def test_tokens_are_encrypted_at_rest(db):
    models.Connection.create(
        name="Firm", qbo_tokens={"access_token": "secret-access", "refresh_token": "secret-refresh"}
    )
    raw = db.execute_sql("select qbo_tokens from connection").fetchone()[0]
    assert "secret" not in raw
    assert models.Connection.get().qbo_tokens["refresh_token"] == "secret-refresh"
