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


def m0004_prior_writes_until(db: peewee.Database) -> None:
    """Records, with each claim of a lease, until when the writes of earlier claims may
    still land in QBO, so that a takeover does not call a create missing while it may be
    on its way. Nullable, with no default: added in place on SQLite and PostgreSQL alike."""
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_column("connection", "prior_writes_until", peewee.DateTimeField(null=True)))


def m0005_alerts(db: peewee.Database) -> None:
    """Alerts that reach a person: who hears about what (``alert_subscription``), which
    conditions were announced (``alert_raised``, whose unique key lets one daemon only send
    each), the outbox of messages (``alert_delivery``), and an index that finds the last
    event of a type, which the conditions are read from."""

    class Connection(Snapshot):
        """Only what the foreign keys below refer to: the primary key."""

    class AlertSubscription(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        channel = peewee.CharField()
        target = peewee.CharField(max_length=500)
        conditions = peewee.TextField()
        digest = peewee.BooleanField()
        secret = peewee.TextField(null=True)
        created_at = peewee.DateTimeField()

        class Meta:
            indexes = ((("connection", "channel", "target"), True),)

    class AlertRaised(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
        condition = peewee.CharField()
        state_key = peewee.CharField()
        raised_at = peewee.DateTimeField()

        class Meta:
            indexes = ((("connection", "condition", "state_key"), True),)

    class AlertDelivery(Snapshot):
        subscription = peewee.ForeignKeyField(AlertSubscription, on_delete="CASCADE")
        topic = peewee.CharField()
        subject = peewee.TextField()
        text = peewee.TextField()
        link = peewee.TextField()
        attempts = peewee.IntegerField()
        next_attempt_at = peewee.DateTimeField(null=True, index=True)
        delivered_at = peewee.DateTimeField(null=True)
        error = peewee.TextField()
        created_at = peewee.DateTimeField()

    create_tables(db, AlertSubscription, AlertRaised, AlertDelivery)
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_index("event", ("connection_id", "type", "id"), False))


def m0006_api_tokens(db: peewee.Database) -> None:
    """Scoped API tokens (``rpc.access``): each with a role, the SHA-256 of its secret, and
    the connections it reaches (``api_token_connection``) unless it reaches them all."""

    class Connection(Snapshot):
        """Only what the foreign key below refers to: the primary key."""

    class ApiToken(Snapshot):
        name = peewee.CharField()
        role = peewee.CharField()
        all_connections = peewee.BooleanField()
        may_name_actor = peewee.BooleanField()
        secret_hash = peewee.CharField(unique=True)
        created_by = peewee.CharField()
        created_at = peewee.DateTimeField()
        revoked_at = peewee.DateTimeField(null=True)

    class ApiTokenConnection(Snapshot):
        token = peewee.ForeignKeyField(ApiToken, on_delete="CASCADE", index=False)
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")

        class Meta:
            indexes = ((("token", "connection"), True),)

    create_tables(db, ApiToken, ApiTokenConnection)


def m0007_oauth_states(db: peewee.Database) -> None:
    """Makes every OAuth state single-use: the authorizations started and not yet
    completed, each usable once and until it expires (``store.oauth_states``)."""

    class Connection(Snapshot):
        """Only what the foreign key below refers to: the primary key."""

    class OAuthState(Snapshot):
        digest = peewee.CharField(primary_key=True)
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
        provider = peewee.CharField()
        redirect_uri = peewee.TextField()
        expires_at = peewee.DateTimeField(index=True)

        class Meta:
            table_name = "oauth_state"

    create_tables(db, OAuthState)


def m0008_failing_since(db: peewee.Database) -> None:
    """Records since when a link fails, besides when it last changed, so that a problem
    retried for a week reads as a week old. Nullable, with no default: added in place on
    SQLite and PostgreSQL alike. A link failed or broken before the step has no earlier
    trace of its first failure than its last change, which it starts from."""
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_column("link", "failing_since", peewee.DateTimeField(null=True)))
    db.execute_sql("UPDATE link SET failing_since = updated_at WHERE state IN ('failed', 'broken')")


def m0009_tax_treatment(db: peewee.Database) -> None:
    """Keeps where Clio's tax goes in the QBO company, so Status shows it without a QBO
    call. Nullable: unknown until the connection's next run reads the company's Preferences."""
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_column("connection", "tax_treatment", peewee.CharField(null=True)))


def m0010_plan_marks(db: peewee.Database) -> None:
    """Keeps the Clio records the next run is to plan in the database (``store.marks``): the
    items a Resync asked to push again, and the records a webhook named, so that Resync and
    a webhook answer at once, and a restart or a takeover does not lose them."""

    class Connection(Snapshot):
        """Only what the foreign key below refers to: the primary key."""

    class PlanMark(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
        kind = peewee.CharField()
        clio_id = peewee.CharField()
        forced = peewee.BooleanField()
        requested_at = peewee.DateTimeField()
        taken_by = peewee.BigIntegerField(null=True)

        class Meta:
            indexes = ((("connection", "kind", "clio_id"), True),)

    create_tables(db, PlanMark)


def m0011_clio_lines(db: peewee.Database) -> None:
    """Records which Clio bill each line item is on (``clio.lines``), so that the lines of
    changed bills are read by id instead of every line of the firm. Empty at first: the next
    cycle of a connection synced before fills it with one read of every line."""

    class Connection(Snapshot):
        """Only what the foreign key below refers to: the primary key."""

    class ClioLine(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
        line_id = peewee.BigIntegerField()
        bill_id = peewee.BigIntegerField()

        class Meta:
            indexes = ((("connection", "line_id"), True), (("connection", "bill_id"), False))

    create_tables(db, ClioLine)


def m0012_qbo_country(db: peewee.Database) -> None:
    """Keeps the QBO company's country (``CompanyInfo.Country``), which decides whether it
    taxes by tax codes. Nullable: unknown until authorization, or the next run, reads it."""
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_column("connection", "qbo_country", peewee.CharField(null=True)))


def m0013_totals_checked(db: peewee.Database) -> None:
    """When the invoices synced before the totals check were checked (``sync.audit``); null
    until the connection's next cycle does it."""
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_column("connection", "totals_checked_at", peewee.DateTimeField(null=True)))


def m0014_currency(db: peewee.Database) -> None:
    """Keeps a customer's currency on its contact link, and whether the QBO company has
    multicurrency on (``sync.currency``). Both nullable: a customer made before is in the
    home currency, and the company's setting is unknown until the connection's next run."""
    migrator = SchemaMigrator.from_database(db)
    apply_operations(
        migrator.add_column("link", "currency", peewee.CharField(null=True)),
        migrator.add_column("connection", "multicurrency", peewee.BooleanField(null=True)),
    )


def m0015_home_currency(db: peewee.Database) -> None:
    """Keeps the QBO company's home currency, shown beside its multicurrency setting. Nullable:
    unknown until the connection's next run reads it.

    Documents in another currency than the home one are booked from this version on, where
    they failed before, whatever multicurrency said: each connection's multicurrency is
    forgotten, so its next run, finding it on, plans again everything failed for its currency
    (``sync.engine.retry_in_currencies``), and the failures of the version before currencies
    had a code are given it, by the words they were failed with.
    """
    migrator = SchemaMigrator.from_database(db)
    apply_operations(migrator.add_column("connection", "home_currency", peewee.CharField(null=True)))
    db.execute_sql("UPDATE connection SET multicurrency = NULL")
    db.execute_sql(
        "UPDATE link SET error_code = 'currency' "
        f"WHERE state = 'failed' AND error_code = '' AND reason LIKE {db.param}",
        ("%does not book a document in another currency than the company's%",),
    )


def m0016_held(db: peewee.Database) -> None:
    """Whether a connection's first sync waits until someone starts it (``Connection.held``):
    none of the connections before did. With its default in the DDL, as in step 3: SQLite
    fills existing rows without rebuilding the table, which would cascade-delete the links."""
    migrator = SchemaMigrator.from_database(db)
    held = peewee.BooleanField(constraints=[peewee.SQL("DEFAULT FALSE")])
    apply_operations(migrator.add_column("connection", "held", held, allow_not_null=True))


def m0017_pins(db: peewee.Database) -> None:
    """The matches bookkeepers decide before a record's first write (``Pin``)."""

    class Connection(Snapshot):
        """Only what the foreign key below refers to: the primary key."""

    class Pin(Snapshot):
        connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
        kind = peewee.CharField()
        clio_id = peewee.CharField()
        choice = peewee.CharField()
        qbo_id = peewee.CharField()
        actor = peewee.CharField()
        decided_at = peewee.DateTimeField()

        class Meta:
            indexes = ((("connection", "kind", "clio_id"), True),)

    create_tables(db, Pin)


STEPS: list[tuple[int, Callable[[peewee.Database], None]]] = [
    (1, m0001_initial),
    (2, m0002_link_counts_and_paging_indexes),
    (3, m0003_lease_fence),
    (4, m0004_prior_writes_until),
    (5, m0005_alerts),
    (6, m0006_api_tokens),
    (7, m0007_oauth_states),
    (8, m0008_failing_since),
    (9, m0009_tax_treatment),
    (10, m0010_plan_marks),
    (11, m0011_clio_lines),
    (12, m0012_qbo_country),
    (13, m0013_totals_checked),
    (14, m0014_currency),
    (15, m0015_home_currency),
    (16, m0016_held),
    (17, m0017_pins),
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
