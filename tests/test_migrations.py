"""Numbered migrations on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee
import pytest
from peewee import Table

from billsync.daemon.store import migrations, models
from billsync.daemon.store.db import open_database

START = dt.datetime(2026, 1, 5, 9, 0)

#: How PostgreSQL reports the types that peewee declares under another name.
SYNONYMS = {
    "serial": "integer",
    "bigserial": "bigint",
    "varchar": "character varying",
    "timestamp": "timestamp without time zone",
}


def normalised(type_name: str) -> str:
    """One spelling per column type ("VARCHAR(255)" and "character varying(255)" alike)."""
    base, paren, size = type_name.lower().partition("(")
    return SYNONYMS.get(base.strip(), base.strip()) + paren + size


@dataclass
class TableSchema:
    """What a table is made of, in terms both the database and a model can tell."""

    name: str
    columns: dict[str, tuple[str, bool]]  # name: (normalised type, nullable)
    primary_key: list[str]
    indexes: set[tuple[str, tuple[str, ...], bool]]  # (name, columns, unique)
    foreign_keys: set[tuple[str, str, str, str, str]]  # (column, table, column, on delete, on update)


def declared(db: peewee.Database, model: type[peewee.Model]) -> TableSchema:
    """The table ``model`` would create on ``db``."""
    meta = model._meta
    ctx = db.get_sql_context()
    return TableSchema(
        name=meta.table_name,
        columns={f.column_name: (normalised(f.ddl_datatype(ctx).sql), f.null) for f in meta.sorted_fields},
        primary_key=[f.column_name for f in meta.get_primary_keys()],
        indexes={(i._name, tuple(f.column_name for f in i._expressions), i._unique) for i in meta.fields_to_index()},
        foreign_keys={
            (
                f.column_name,
                f.rel_model._meta.table_name,
                f.rel_field.column_name,
                (f.on_delete or "NO ACTION").upper(),
                (f.on_update or "NO ACTION").upper(),
            )
            for f in meta.sorted_fields
            if isinstance(f, peewee.ForeignKeyField)
        },
    )


def described(db: peewee.Database, table: str) -> TableSchema:
    """The table ``table`` as ``db`` has it."""
    primary_key = db.get_primary_keys(table)
    return TableSchema(
        name=table,
        columns={c.name: (normalised(c.full_type), c.null) for c in db.get_columns(table)},
        primary_key=primary_key,
        indexes={
            (i.name, tuple(i.columns), i.unique)
            for i in db.get_indexes(table)
            # PostgreSQL lists the primary key's own index; a model declares none.
            if (i.columns, i.unique) != (primary_key, True)
        },
        foreign_keys={
            (k.column, k.dest_table, k.dest_column, k.on_delete.upper(), k.on_update.upper())
            for k in db.get_foreign_keys(table)
        },
    )


def test_an_empty_database_migrated_step_by_step_matches_the_models(each_database_url, monkeypatch):
    db = open_database(each_database_url)
    steps = migrations.STEPS
    assert [number for number, _ in steps] == list(range(1, len(steps) + 1))
    for applied, (_, step) in enumerate(steps, 1):
        monkeypatch.setattr(migrations, "STEPS", steps[:applied])  # the release that brought this step
        assert migrations.migrate(db) == [step.__name__]
        monkeypatch.setattr(migrations, "STEPS", steps)
        assert migrations.pending(db) == [number for number, _ in steps[applied:]]
    assert migrations.migrate(db) == []
    recorded = migrations.SchemaMigration.select(migrations.SchemaMigration.number, migrations.SchemaMigration.name)
    assert list(recorded.order_by(migrations.SchemaMigration.number).tuples()) == [
        (number, step.__name__) for number, step in steps
    ]

    tables = {model._meta.table_name for model in models.MODELS}
    assert set(db.get_tables()) == tables | {migrations.SchemaMigration._meta.table_name}
    for model in models.MODELS:
        assert described(db, model._meta.table_name) == declared(db, model)
    db.close()


def test_every_step_keeps_the_links_of_a_database_in_use(each_database_url, monkeypatch):
    """A step that rebuilds the connection table on SQLite (a column added NOT NULL without
    its default in the DDL) cascade-deletes every link: each step, applied to a database
    holding links, must leave them all."""
    db = open_database(each_database_url)
    steps = migrations.STEPS
    monkeypatch.setattr(migrations, "STEPS", steps[:1])
    migrations.migrate(db)
    blank = dict.fromkeys(("clio_account", "clio_account_id", "qbo_realm_id", "qbo_company_name"), "")
    row = {"name": "Firm", "state": "connected", "settings": "{}", "created_at": models.utcnow(), **blank}
    firm = Table("connection", ("id", *row), primary_key="id").bind(db).insert(row).execute()
    # As test_link_counts writes them: the model fills what a first-release row needs.
    models.Link.insert_many(
        [{"connection": firm, "kind": "invoice", "clio_id": str(i), "state": "synced"} for i in range(20)]
    ).execute()
    links = Table("link").bind(db)
    for applied in range(2, len(steps) + 1):
        monkeypatch.setattr(migrations, "STEPS", steps[:applied])
        [name] = migrations.migrate(db)
        assert links.select().count() == 20, f"{name} lost links"
    db.close()


def test_link_is_unique_per_connection_kind_and_clio_id(db):
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


def test_the_currency_step_plans_again_what_failed_for_a_currency_before_documents_were_booked_in_it(
    each_database_url, monkeypatch
):
    """Step 15: a company with multicurrency on is read as if for the first time (its next
    run plans again every link failed for its currency), and a failure of the version before
    currencies had a code gets it."""
    db = open_database(each_database_url)
    steps = migrations.STEPS
    monkeypatch.setattr(migrations, "STEPS", steps[:14])
    migrations.migrate(db)
    firm = {"name": "Firm", "state": "connected", "clio_account": "", "clio_account_id": "", "qbo_realm_id": ""}
    firm |= {"qbo_company_name": "", "settings": "{}", "created_at": START, "multicurrency": True}
    Table("connection", list(firm)).bind(db).insert(firm).execute()
    cid = db.execute_sql("SELECT id FROM connection").fetchone()[0]
    old = "Bill 7 is in EUR, and the QuickBooks company books in CAD: billsync does not book a document in another "
    old += "currency than the company's (it would be at face value). Sync this firm to a QuickBooks company in EUR"
    failures = {"old": (old, ""), "c2": ("Bill 8 is in EUR …", "currency"), "other": ("Duplicate number", "6140")}
    rows = [
        {"connection_id": cid, "kind": "invoice", "clio_id": clio_id, "state": "failed", "label": "", "reason": why}
        | {"error_code": code, "attempts": 1, "created_at": START, "updated_at": START}
        for clio_id, (why, code) in failures.items()
    ]
    Table("link", list(rows[0])).bind(db).insert(rows).execute()

    monkeypatch.setattr(migrations, "STEPS", steps[:15])
    assert migrations.migrate(db) == ["m0015_home_currency"]
    assert db.execute_sql("SELECT multicurrency, home_currency FROM connection").fetchall() == [(None, None)]
    codes = dict(db.execute_sql("SELECT clio_id, error_code FROM link").fetchall())
    assert codes == {"old": "currency", "c2": "currency", "other": "6140"}
    db.close()
