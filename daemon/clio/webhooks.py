"""Clio webhook subscriptions: made when Clio is authorized, kept alive, ended on revoke.

Each connection gets one subscription per model billsync reads and Clio can watch
(``contact`` and ``bill``; Clio has no webhooks for allocations or credit memos, which
polling still reads), each at its own unguessable URL so a delivery identifies its
connection before anything in its body is trusted. Clio signs deliveries with a secret
per subscription, sent in the ``X-Hook-Secret`` handshake and returned on creation;
:mod:`billsync.daemon.rpc.receiver` receives both.

Clio lets a webhook live at most 31 days, so :func:`sweep` (run hourly by the receiver)
extends the ones close to lapsing and re-subscribes connections whose subscriptions are
missing, half-made, or point at a URL that is no longer the configured one. Every
failure here is recorded as an event and swallowed: webhooks only make syncing faster,
and polling picks up whatever they miss.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from typing import Any

from billsync.daemon.clio.client import Clio
from billsync.daemon.errors import NotFound
from billsync.daemon.store import events
from billsync.daemon.store.clock import database_time
from billsync.daemon.store.db import database
from billsync.daemon.store.models import ClioWebhook, Connection, utcnow

log = logging.getLogger(__name__)

MODELS = ("contact", "bill")
EVENTS = ("created", "updated", "deleted")
#: Deliveries carry the changed record; billsync only needs to know that something changed.
FIELDS = "id"
LIFETIME = dt.timedelta(days=30)
RENEW_BEFORE = dt.timedelta(days=7)
#: How long a subscription may stay without its secret (no handshake) before it is redone.
HANDSHAKE_GRACE = dt.timedelta(minutes=10)
PATH = "/webhooks/clio/"

#: The last subscription failure recorded per connection, so retries add no event.
_reported: dict[int, str] = {}


#: The Clio client of a connection, with its tokens.
ClioOf = Callable[[Connection], Clio]


def url_of(base: str, token: str) -> str:
    return f"{base}{PATH}{token}"


def subscribe(clio_of: ClioOf, connection: Connection, base: str) -> bool:
    """Replaces the connection's Clio subscriptions with fresh ones; False if that failed.

    The rows are written before Clio is asked, because Clio's handshake may arrive
    before its answer to the create does.
    """
    if not base:
        return False
    clio = clio_of(connection)
    try:
        _delete(clio, connection)
        for model in MODELS:
            row = ClioWebhook.create(
                connection=connection,
                model=model,
                token=secrets.token_urlsafe(24),
                url=base,
                created_at=database_time(),  # its handshake's grace, which any daemon's sweep reckons
            )
            made = clio.create_webhook(
                url_of(base, row.token), model, EVENTS, FIELDS, expires_at=_aware(utcnow() + LIFETIME)
            )
            _store(row.id, made)
    except Exception as e:  # noqa: BLE001 - see the module docstring
        log.warning("subscribing connection %s to Clio webhooks failed: %s", connection.id, e)
        _failed(connection, f"Clio webhooks could not be set up ({e}); changes in Clio are still picked up by polling")
        return False
    _reported.pop(connection.id, None)
    events.record(
        connection, "webhooks.subscribed", f"Clio webhooks for {' and '.join(MODELS)} changes now notify {base}"
    )
    return True


def unsubscribe(clio_of: ClioOf, connection: Connection) -> None:
    """Ends the connection's Clio subscriptions (before its tokens are revoked: it needs them)."""
    if not ClioWebhook.select().where(ClioWebhook.connection == connection).exists():
        return
    if not connection.clio_tokens:
        ClioWebhook.delete().where(ClioWebhook.connection == connection).execute()
        return
    try:
        _delete(clio_of(connection), connection)
    except Exception as e:  # noqa: BLE001 - revoking must go on; an orphan webhook lapses within 31 days
        events.record(
            connection, "webhooks.failed", f"Clio webhooks could not be deleted ({e}); they lapse on their own"
        )
        ClioWebhook.delete().where(ClioWebhook.connection == connection).execute()


def sweep(clio_of: ClioOf, base: str) -> None:
    """Subscribes what should be and extends what is about to lapse, connection by connection."""
    if not base:
        return
    now = database_time()
    for connection in Connection.select().where(Connection.clio_tokens.is_null(False), Connection.state != "revoked"):
        rows = list(ClioWebhook.select().where(ClioWebhook.connection == connection))
        unfinished = [r for r in rows if not (r.clio_id and r.secret) and r.created_at < now - HANDSHAKE_GRACE]
        if sorted(r.model for r in rows) != sorted(MODELS) or unfinished or any(r.url != base for r in rows):
            subscribe(clio_of, connection, base)
        elif lapsing := [r for r in rows if r.clio_id and (r.expires_at is None or r.expires_at < now + RENEW_BEFORE)]:
            _renew(clio_of, connection, lapsing, base)


def _renew(clio_of: ClioOf, connection: Connection, rows: list[ClioWebhook], base: str) -> None:
    clio = clio_of(connection)
    try:
        for row in rows:
            _store(row.id, clio.update_webhook(row.clio_id, expires_at=_aware(utcnow() + LIFETIME)))
    except NotFound:
        subscribe(clio_of, connection, base)
        return
    except Exception as e:  # noqa: BLE001 - tried again at the next sweep
        log.warning("renewing Clio webhooks of connection %s failed: %s", connection.id, e)
        _failed(connection, f"Clio webhooks could not be renewed ({e}); they lapse unless a later try succeeds")
        return
    _reported.pop(connection.id, None)
    events.record(connection, "webhooks.renewed", f"Clio webhooks renewed for {LIFETIME.days} days")


def _failed(connection: Connection, message: str) -> None:
    """Records a failure to set up or renew the subscriptions, once per distinct failure:
    the hourly sweep retries, and alerts announce the last one (``alerts.conditions``)."""
    if _reported.get(connection.id) != message:
        _reported[connection.id] = message
        events.record(connection, "webhooks.failed", message)


def _delete(clio: Clio, connection: Connection) -> None:
    """Deletes every subscription of the connection, in Clio and here."""
    for row in ClioWebhook.select().where(ClioWebhook.connection == connection):
        if row.clio_id:
            try:
                clio.delete_webhook(row.clio_id)
            except NotFound:
                pass  # lapsed or deleted in Clio already
        row.delete_instance()


def _store(row_id: int, made: dict[str, Any]) -> None:
    """Keeps Clio's id, expiry and (when Clio returns it) the signing secret."""
    changes: dict[Any, Any] = {ClioWebhook.clio_id: str(made["id"])}
    if made.get("expires_at"):
        changes[ClioWebhook.expires_at] = _naive(dt.datetime.fromisoformat(str(made["expires_at"])))
    if made.get("shared_secret"):
        changes[ClioWebhook.secret] = made["shared_secret"]
    with database.atomic():
        ClioWebhook.update(changes).where(ClioWebhook.id == row_id).execute()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc)


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
