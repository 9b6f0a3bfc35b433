"""Who hears about what: a connection's alert recipients, as the RPCs and the panel set them.

A recipient is an e-mail address or a webhook URL, unique per connection. A webhook gets
a secret of its own when it is added, returned by that call only, which signs every
delivery (see ``alerts.delivery``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx

from billsync.daemon.alerts.conditions import CONDITIONS
from billsync.daemon.alerts.delivery import DeliveryFailed, Message, send
from billsync.daemon.config import Config
from billsync.daemon.errors import FailedPrecondition, InvalidArgument, NotFound
from billsync.daemon.store import events
from billsync.daemon.store.db import database
from billsync.daemon.store.models import AlertSubscription, Connection

CHANNELS = ("email", "webhook")
MAX_TARGET = 500
#: Deliberately loose: one @, no spaces; the mail server has the last word.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def listed(connection: Connection) -> list[AlertSubscription]:
    return list(
        AlertSubscription.select().where(AlertSubscription.connection == connection).order_by(AlertSubscription.id)
    )


def _checked(config: Config, channel: str, target: str, conditions: Iterable[str]) -> list[str]:
    """The conditions, once the recipient is one billsync can reach; InvalidArgument naming
    the field otherwise."""
    if channel not in CHANNELS:
        raise InvalidArgument("channel must be ALERT_CHANNEL_EMAIL or ALERT_CHANNEL_WEBHOOK")
    if not target or len(target) > MAX_TARGET:
        raise InvalidArgument(f"target must be an e-mail address or a URL of at most {MAX_TARGET} characters")
    if channel == "email":
        if not EMAIL.match(target):
            raise InvalidArgument(f"target {target!r} is not an e-mail address")
        if not (config.smtp_host and config.smtp_from):
            raise FailedPrecondition(
                "billsync cannot send e-mail: set BILLSYNC_SMTP_HOST and BILLSYNC_SMTP_FROM on the daemon"
            )
    else:
        parts = urlsplit(target)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidArgument(f"target {target!r} is not an http(s) URL")
    wanted = list(dict.fromkeys(conditions))
    if unknown := [c for c in wanted if c not in CONDITIONS]:
        raise InvalidArgument(f"unknown conditions {', '.join(unknown)}")
    return wanted


def put(
    config: Config,
    connection: Connection,
    *,
    channel: str,
    target: str,
    conditions: Iterable[str],
    digest: bool,
    actor: str,
) -> tuple[AlertSubscription, bool]:
    """Adds the recipient, or changes what an existing one hears about; returns it and
    whether it was added."""
    target = target.strip()
    wanted = _checked(config, channel, target, conditions)
    row = AlertSubscription.get_or_none(
        AlertSubscription.connection == connection,
        AlertSubscription.channel == channel,
        AlertSubscription.target == target,
    )
    added = row is None
    # Read before the transaction, which then writes first: on SQLite, a transaction that
    # reads and then writes fails at once if another thread wrote in between.
    with database.atomic():
        if added:
            secret = secrets.token_urlsafe(32) if channel == "webhook" else None
            row = AlertSubscription.create(
                connection=connection, channel=channel, target=target, conditions=wanted, digest=digest, secret=secret
            )
        else:
            row.conditions, row.digest = wanted, digest
            row.save()
        what = ", ".join(wanted) or "nothing"
        events.record(
            connection,
            "alerts.subscribed" if added else "alerts.changed",
            f"Alerts to {target}: {what}{', and a daily digest' if digest else ''}",
            actor,
        )
    return row, added


def _get(connection: Connection, subscription_id: int) -> AlertSubscription:
    row = AlertSubscription.get_or_none(
        AlertSubscription.id == subscription_id, AlertSubscription.connection == connection
    )
    if row is None:
        raise NotFound(f"{connection.name!r} has no alert recipient {subscription_id}")
    return row


def remove(connection: Connection, subscription_id: int, actor: str) -> None:
    """Removes the recipient, and the messages to it still waiting."""
    row = _get(connection, subscription_id)
    with database.atomic():
        row.delete_instance()
        events.record(connection, "alerts.unsubscribed", f"No more alerts to {row.target}", actor)


def send_test(config: Config, http: httpx.Client, connection: Connection, subscription_id: int) -> str:
    """Sends a test message to the recipient now; returns why it failed, or ""."""
    row = _get(connection, subscription_id)
    message = Message(
        id=0,
        topic="test",
        connection_id=connection.id,
        connection_name=connection.name,
        subject=f"{connection.name}: billsync alerts reach you",
        text=f"This is a test. Alerts about {connection.name} reach you here.",
        link=f"{config.panel_url}/connections/{connection.id}/settings" if config.panel_url else "",
    )
    try:
        send(config, http, row, message)
    except DeliveryFailed as e:
        return str(e)
    return ""
