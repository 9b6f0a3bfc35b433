"""The link database's tables.

A link row is the only proof that a Clio record reached QuickBooks: it is written as
``pending`` with an idempotency key before the create is sent, and it is what every
later cycle, re-sync and crash recovery consults. All timestamps are naive UTC.
"""

from __future__ import annotations

import datetime as dt
import enum

import peewee

from billsync.daemon.store.db import database
from billsync.daemon.store.fields import EncryptedJSONField, JSONField


class Kind(enum.StrEnum):
    """What a link ties to QBO: a Clio contact, bill, allocation, credit note or trust
    transaction (a bank transaction of the trust account, written as a journal entry)."""

    CONTACT = "contact"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_MEMO = "credit_memo"
    TRUST = "trust"


class LinkState(enum.StrEnum):
    """Where a link stands. The column holds the value, so rows read back as plain strings,
    which compare equal to these."""

    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    BROKEN = "broken"
    WAITING = "waiting"
    SKIPPED = "skipped"


KINDS = tuple(Kind)
LINK_STATES = tuple(LinkState)
CONNECTION_STATES = ("needs_authorization", "connected", "revoked")
RUN_STATES = ("running", "succeeded", "failed")

DEFAULT_SETTINGS = {
    "start_date": "",
    "sync_interval_seconds": 300,
    # "Tax" is the item Clio's tax goes on where QBO's sales tax would drop it (sync.taxes).
    "item_mapping": {"Service": "Services", "Expense": "Expenses", "Tax": "Sales tax (Clio)"},
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Connection(BaseModel):
    """One Clio account paired with one QBO company (realm)."""

    name = peewee.CharField()
    state = peewee.CharField(default="needs_authorization", choices=[(s, s) for s in CONNECTION_STATES])
    clio_account = peewee.CharField(default="")
    #: The Clio account the links' Clio ids belong to.
    clio_account_id = peewee.CharField(default="")
    clio_tokens = EncryptedJSONField(null=True)
    qbo_realm_id = peewee.CharField(default="")
    qbo_company_name = peewee.CharField(default="")
    qbo_tokens = EncryptedJSONField(null=True)
    settings = JSONField(default=lambda: dict(DEFAULT_SETTINGS))
    #: The last QBO Preferences read, as settings checks, so Status needs no QBO call.
    qbo_checks = JSONField(null=True)
    #: Where Clio's tax goes in this QBO company (``sync.taxes.TaxTreatment``), as the last
    #: run read it from the company's sales tax setting; None before the first run.
    tax_treatment = peewee.CharField(null=True)
    #: ``CompanyInfo.Country`` ("US", "CA", "GB", "AU"); None until read.
    qbo_country = peewee.CharField(null=True)
    #: When the invoices synced before the totals check were checked (``sync.audit``).
    totals_checked_at = peewee.DateTimeField(null=True)
    #: Whether the QBO company has multicurrency on, as the last run read it; None before
    #: (``sync.currency``, migration 14).
    multicurrency = peewee.BooleanField(null=True)
    #: The QBO company's home currency ("CAD"), as the last run read it; None before (migration 15).
    home_currency = peewee.CharField(null=True)
    #: Where the next Change Data Capture read of QBO starts.
    cdc_since = peewee.DateTimeField(null=True)
    next_run_at = peewee.DateTimeField(null=True, index=True)
    #: Its first sync waits until someone starts it (Sync), so that a preview can show it
    #: first (created so; migration 16). Never set again once cleared.
    held = peewee.BooleanField(default=False)
    #: Which daemon syncs it now, and until when (leases let several daemons share).
    lease_owner = peewee.CharField(null=True)
    lease_until = peewee.DateTimeField(null=True)
    #: Bumped by every claim of the lease: a cycle's link writes carry its claim's number
    #: and are refused once a later claim took over (``store.leases``, migration 3).
    fence = peewee.BigIntegerField(default=0)
    #: Until when a write sent to QBO under an earlier claim may still land: a create not
    #: found there before then may yet appear (``store.leases``, migration 4).
    prior_writes_until = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)


class Watermark(BaseModel):
    """How far Clio has been read, per record kind: the ``updated_since`` of the next read."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    resource = peewee.CharField()
    value = peewee.CharField()
    #: ETags of the records read that were updated at or after ``value``: the next read,
    #: which overlaps this one, drops them unless they changed (see ``clio.reader``).
    boundary = JSONField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("connection", "resource"), True),)


class Link(BaseModel):
    """Ties a Clio record to its QBO counterpart, with what was last pushed and why not."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    kind = peewee.CharField(choices=[(k, k) for k in KINDS])
    clio_id = peewee.CharField()
    state = peewee.CharField(choices=[(s, s) for s in LINK_STATES])
    qbo_id = peewee.CharField(null=True)
    sync_token = peewee.CharField(null=True)
    label = peewee.CharField(default="")
    #: The natural key in QBO: a customer's DisplayName, an invoice's DocNumber.
    qbo_ref = peewee.CharField(null=True)
    fingerprint = peewee.CharField(null=True)
    reason = peewee.TextField(default="")
    error_code = peewee.CharField(default="")
    attempts = peewee.IntegerField(default=0)
    idempotency_key = peewee.CharField(null=True)
    #: The link this one waits for ("contact:12"), or "settings:qbo".
    depends_on = peewee.CharField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    #: When the link's current run of problems (failed, broken) began; None while it has
    #: none. Kept across the retries in between (``store.links.upsert``, migration 8).
    failing_since = peewee.DateTimeField(null=True)
    #: A customer's currency in QBO, as QuickBooks last answered it (contacts only); None
    #: means the home currency, which every customer made before migration 14 is in.
    currency = peewee.CharField(null=True)

    class Meta:
        indexes = (
            (("connection", "kind", "clio_id"), True),
            (("connection", "state", "id"), False),
            (("connection", "kind", "state", "id"), False),
            # Keyset pages of ListLinks, unfiltered and by kind (migration 2).
            (("connection", "id"), False),
            (("connection", "kind", "id"), False),
            (("connection", "kind", "qbo_id"), False),
            (("connection", "depends_on"), False),
        )


class PlanMark(BaseModel):
    """A Clio record the next run plans whatever Clio's change reads say (``store.marks``):
    pushed again whatever its fingerprint says (``forced``: a Resync), or read by id (a
    webhook named it). Kept until a run that took it has ended, so that neither a restart
    nor a takeover loses it. A table of its own, so marking never locks the link rows a
    cycle is writing, nor moves their counts."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
    kind = peewee.CharField(choices=[(k, k) for k in KINDS])
    clio_id = peewee.CharField()
    forced = peewee.BooleanField(default=True)
    requested_at = peewee.DateTimeField(default=utcnow)
    #: The run that took the mark; None until one has, and again once it is marked anew.
    taken_by = peewee.BigIntegerField(null=True)

    class Meta:
        indexes = ((("connection", "kind", "clio_id"), True),)


class ClioLine(BaseModel):
    """Which Clio bill each line item seen is on (``clio.lines``): the lines of changed bills
    are then read by their own ids, at a cost that follows the change, not the firm."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
    line_id = peewee.BigIntegerField()
    bill_id = peewee.BigIntegerField()

    class Meta:
        indexes = ((("connection", "line_id"), True), (("connection", "bill_id"), False))


class Choice(enum.StrEnum):
    """How a bookkeeper decided one Clio record meets what QuickBooks holds (a ``Pin``)."""

    #: Link it to this QuickBooks object (a customer; an invoice of its number).
    MATCH = "match"
    #: Make a new customer, whatever QuickBooks holds of its name and e-mail.
    CREATE = "create"
    #: Never sync it.
    SKIP = "skip"


class Pin(BaseModel):
    """A bookkeeper's decision about one Clio record not yet in QuickBooks, which every
    cycle honours (``sync.pins``) until its first write links it; changed until then."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
    kind = peewee.CharField(choices=[(k, k) for k in KINDS])
    clio_id = peewee.CharField()
    choice = peewee.CharField(choices=[(c, c) for c in Choice])
    #: The QuickBooks object a MATCH links to.
    qbo_id = peewee.CharField(default="")
    #: Who decided (as the activity log names them), and when.
    actor = peewee.CharField(default="")
    decided_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("connection", "kind", "clio_id"), True),)


class LinkCount(BaseModel):
    """How many links a connection has of each kind in each state.

    Status shows these counts, and counting a million links on every call is too slow,
    so the database keeps them: triggers on ``link`` (daemon/store/counts.py, installed by
    migration 2) adjust them on every insert, update and delete, whoever the writer is.
    Rows are never deleted when they reach zero; readers skip zeros.
    """

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
    kind = peewee.CharField(choices=[(k, k) for k in KINDS])
    state = peewee.CharField(choices=[(s, s) for s in LINK_STATES])
    count = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("connection", "kind", "state"), True),)


class Run(BaseModel):
    """One sync cycle of a connection, with per-kind progress."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    trigger = peewee.CharField()
    state = peewee.CharField(default="running", choices=[(s, s) for s in RUN_STATES])
    progress = JSONField(default=dict)
    error = peewee.TextField(default="")
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("connection", "id"), False),)


class Event(BaseModel):
    """The audit log: who did what, when, and what the system did on its own."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    at = peewee.DateTimeField(default=utcnow)
    actor = peewee.CharField(default="billsync")
    type = peewee.CharField()
    message = peewee.TextField(default="")
    link_id = peewee.BigIntegerField(null=True)

    class Meta:
        indexes = (
            (("connection", "id"), False),
            # The last event of a type, which alerts look up after every run (migration 6).
            (("connection", "type", "id"), False),
        )


class ClioWebhook(BaseModel):
    """One Clio webhook subscription of a connection (one per model: contact, bill).

    Its URL ends in ``token``, unguessable, so a delivery names its subscription and
    connection without trusting the body; ``secret`` signs the deliveries.
    """

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    model = peewee.CharField()
    token = peewee.CharField(unique=True)
    #: The base URL the subscription points at (BILLSYNC_WEBHOOK_URL when it was made).
    url = peewee.CharField()
    clio_id = peewee.CharField(null=True)
    secret = EncryptedJSONField(null=True)
    expires_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)


# --- alerts (migration 6; see daemon/alerts) ----------------------------------------------


class AlertSubscription(BaseModel):
    """A recipient of a connection's alerts: an e-mail address or a webhook URL, the
    conditions it hears about, and whether it gets the daily digest."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    channel = peewee.CharField(choices=[("email", "email"), ("webhook", "webhook")])
    target = peewee.CharField(max_length=500)
    conditions = JSONField(default=list)
    digest = peewee.BooleanField(default=False)
    #: Signs a webhook's deliveries (HMAC-SHA256); None for e-mail.
    secret = EncryptedJSONField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("connection", "channel", "target"), True),)


class AlertRaised(BaseModel):
    """A condition announced, in the state it was announced in. Inserting the row is what
    lets one daemon, and only one, send the message (the unique key); the row goes when the
    condition clears or changes, so that its return is announced again."""

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE", index=False)
    condition = peewee.CharField()
    state_key = peewee.CharField()
    raised_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("connection", "condition", "state_key"), True),)


class AlertDelivery(BaseModel):
    """One message to one recipient, kept until it is delivered or given up: the outbox
    that the alert worker of any daemon sends from, retrying with backoff."""

    subscription = peewee.ForeignKeyField(AlertSubscription, on_delete="CASCADE")
    #: A condition, or "digest".
    topic = peewee.CharField()
    subject = peewee.TextField()
    text = peewee.TextField()
    link = peewee.TextField(default="")
    attempts = peewee.IntegerField(default=0)
    #: When to try (again); None once delivered or given up.
    next_attempt_at = peewee.DateTimeField(null=True, index=True)
    delivered_at = peewee.DateTimeField(null=True)
    error = peewee.TextField(default="")
    created_at = peewee.DateTimeField(default=utcnow)


# --- API tokens (migration 7; see daemon/rpc/access.py) ---------------------------------


class Role(enum.StrEnum):
    """What an API token may do, each role everything the one before may and more."""

    READ = "read"
    OPERATE = "operate"
    ADMIN = "admin"


class ApiToken(BaseModel):
    """A credential of the daemon's API that an admin minted. Only the SHA-256 of its
    secret is kept: the secret was shown once, when it was made."""

    name = peewee.CharField(default="")
    role = peewee.CharField(choices=[(r, r) for r in Role])
    #: Every connection, present and future; otherwise only those of ApiTokenConnection.
    all_connections = peewee.BooleanField(default=False)
    #: May name the person acting (``x-billsync-actor``) for the activity log: the panel's.
    may_name_actor = peewee.BooleanField(default=False)
    secret_hash = peewee.CharField(unique=True)
    created_by = peewee.CharField(default="")
    created_at = peewee.DateTimeField(default=utcnow)
    revoked_at = peewee.DateTimeField(null=True)


class ApiTokenConnection(BaseModel):
    """A connection an API token reaches. Deleting the connection deletes the row: the
    token then reaches one connection fewer (never, with none left, all of them)."""

    token = peewee.ForeignKeyField(ApiToken, on_delete="CASCADE", index=False)
    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")

    class Meta:
        indexes = ((("token", "connection"), True),)


class OAuthState(BaseModel):
    """An authorization a connection started and has not completed: the OAuth ``state``
    sent through the browser is a random token, kept here only as its SHA-256, so the
    callback proves which connection, provider and redirect URI it belongs to, once
    (``store.oauth_states``, migration 8)."""

    digest = peewee.CharField(primary_key=True)
    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    provider = peewee.CharField()
    redirect_uri = peewee.TextField()
    expires_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "oauth_state"


MODELS = (
    Connection,
    Watermark,
    Link,
    PlanMark,
    ClioLine,
    Pin,
    LinkCount,
    Run,
    Event,
    ClioWebhook,
    AlertSubscription,
    AlertRaised,
    AlertDelivery,
    ApiToken,
    ApiTokenConnection,
    OAuthState,
)
