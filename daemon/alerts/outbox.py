"""The alerts' database side: a connection's facts, each condition announced once, and
the outbox of messages that any daemon's alert worker sends.

"Once per condition until it changes" lives in ``alert_raised``: announcing a condition
inserts its (connection, condition, key) row and the messages to its recipients in one
transaction, so a restart neither repeats nor loses one, and of two daemons that see the
same condition at once only the insert of one succeeds. A condition that cleared or
changed key has its row deleted, so that its return is announced again.

When a message is due, and until when an attempt holds it from the other daemons' workers,
are the database's times (``store.clock``): every worker compares them with the same clock.
"""

from __future__ import annotations

import datetime as dt

import peewee

from billsync.daemon.alerts.conditions import Alert, Facts, Setting, digest
from billsync.daemon.store.clock import database_time
from billsync.daemon.store.db import database
from billsync.daemon.store.models import (
    AlertDelivery,
    AlertRaised,
    AlertSubscription,
    Connection,
    Event,
    LinkCount,
    Run,
    utcnow,
)

#: The topic of the daily digest, and its "condition" in ``alert_raised`` (keyed by the day).
DIGEST = "digest"


def _last_event(connection_id: int, *types: str) -> Event | None:
    return (
        Event.select(Event.id, Event.type, Event.message)
        .where(Event.connection == connection_id, Event.type.in_(types))
        .order_by(Event.id.desc())
        .first()
    )


def _pair(event: Event | None) -> tuple[int, str] | None:
    return (event.id, event.message) if event else None


def facts_of(connection: Connection) -> Facts:
    """What the conditions are evaluated on, read from the database only (no provider call),
    so that every daemon sharing it comes to the same conclusions."""
    counts = dict(
        LinkCount.select(LinkCount.state, peewee.fn.SUM(LinkCount.count))
        .where(LinkCount.connection == connection, LinkCount.state.in_(("failed", "broken")))
        .group_by(LinkCount.state)
        .tuples()
    )
    last_success = (
        Run.select(peewee.fn.MAX(Run.id)).where(Run.connection == connection, Run.state == "succeeded").scalar() or 0
    )
    failed = Run.select(Run.id, Run.error).where(
        Run.connection == connection, Run.state == "failed", Run.id > last_success
    )
    first, last = failed.order_by(Run.id).first(), failed.order_by(Run.id.desc()).first()
    webhooks = _last_event(connection.id, "webhooks.failed", "webhooks.subscribed", "webhooks.renewed")
    return Facts(
        connection_id=connection.id,
        name=connection.name,
        state=connection.state,
        lost_authorization=_pair(_last_event(connection.id, "connection.needs_authorization")),
        settings_off=tuple(
            Setting(c["key"], c["title"], c["explanation"]) for c in connection.qbo_checks or [] if not c["ok"]
        ),
        failed=int(counts.get("failed") or 0),
        broken=int(counts.get("broken") or 0),
        last_problem=_pair(_last_event(connection.id, "link.failed", "link.broken")),
        failed_runs=failed.count() if first else 0,
        failing_since=first.id if first else 0,
        last_error=last.error if last else "",
        webhooks_failed=_pair(webhooks) if webhooks and webhooks.type == "webhooks.failed" else None,
    )


def _link(panel_url: str, path: str) -> str:
    """The panel page at ``path``; none without a configured panel URL."""
    return panel_url + path if panel_url else ""


def _raise(connection_id: int, topic: str, key: str) -> bool:
    """Records the condition as announced; False if it was already (here or by another daemon)."""
    try:
        with database.atomic():
            AlertRaised.insert(connection=connection_id, condition=topic, state_key=key).execute()
    except peewee.IntegrityError:
        return False
    return True


def _enqueue(recipients: list[AlertSubscription], topic: str, subject: str, text: str, link: str) -> int:
    due = database_time()
    rows = [
        {
            "subscription": s.id,
            "topic": topic,
            "subject": subject,
            "text": text,
            "link": link,
            "next_attempt_at": due,
        }
        for s in recipients
    ]
    if rows:
        AlertDelivery.insert_many(rows).execute()
    return len(rows)


def announce(facts: Facts, alerts: list[Alert], panel_url: str, today: dt.date) -> int:
    """Queues a message for each recipient of each condition not announced yet in its
    current state, and the day's digest to those who want it; forgets the conditions that
    no longer hold. Returns how many messages were queued."""
    connection = facts.connection_id
    holding = {(a.condition.value, a.key) for a in alerts}
    gone = [
        row.id
        for row in AlertRaised.select().where(AlertRaised.connection == connection, AlertRaised.condition != DIGEST)
        if (row.condition, row.state_key) not in holding
    ]
    if gone:
        AlertRaised.delete().where(AlertRaised.id.in_(gone)).execute()
    recipients = list(AlertSubscription.select().where(AlertSubscription.connection == connection))
    queued = 0
    for alert in alerts:
        with database.atomic():
            if _raise(connection, alert.condition.value, alert.key):
                wanting = [s for s in recipients if alert.condition.value in s.conditions]
                queued += _enqueue(
                    wanting, alert.condition.value, alert.subject, alert.text, _link(panel_url, alert.path)
                )
    if digesting := [s for s in recipients if s.digest]:
        with database.atomic():
            if _raise(connection, DIGEST, today.isoformat()):
                AlertRaised.delete().where(
                    AlertRaised.connection == connection,
                    AlertRaised.condition == DIGEST,
                    AlertRaised.state_key != today.isoformat(),
                ).execute()
                subject, text = digest(facts, alerts)
                queued += _enqueue(digesting, DIGEST, subject, text, _link(panel_url, f"/connections/{connection}"))
    return queued


def due(now: dt.datetime, limit: int = 100) -> list[AlertDelivery]:
    """Messages whose (next) attempt is due, oldest first, with their recipient and connection."""
    query = (
        AlertDelivery.select(AlertDelivery, AlertSubscription, Connection)
        .join(AlertSubscription)
        .join(Connection)
        .where(AlertDelivery.next_attempt_at <= now)
    )
    return list(query.order_by(AlertDelivery.next_attempt_at).limit(limit))


def claim(delivery: AlertDelivery, until: dt.datetime) -> bool:
    """Takes the message for one attempt, which no other worker starts before ``until``;
    False if another took it first."""
    taken = AlertDelivery.update(next_attempt_at=until).where(
        AlertDelivery.id == delivery.id, AlertDelivery.next_attempt_at == delivery.next_attempt_at
    )
    return taken.execute() == 1


def settle(delivery: AlertDelivery, error: str, retry_at: dt.datetime | None) -> None:
    """Records an attempt: delivered when ``error`` is empty, else tried again at
    ``retry_at``, or given up when that is None."""
    AlertDelivery.update(
        attempts=AlertDelivery.attempts + 1,
        delivered_at=None if error else utcnow(),
        next_attempt_at=retry_at if error else None,
        error=error,
    ).where(AlertDelivery.id == delivery.id).execute()


def next_due() -> dt.datetime | None:
    """When the soonest message waiting for an attempt is due."""
    soonest = (
        AlertDelivery.select(AlertDelivery.next_attempt_at)
        .where(AlertDelivery.next_attempt_at.is_null(False))
        .order_by(AlertDelivery.next_attempt_at)
        .first()
    )
    return soonest.next_attempt_at if soonest else None
