"""Alerts: which state raises which condition (pure), each announced once per state even
by two daemons, the outbox retried with backoff, and the recipients' RPCs."""

from __future__ import annotations

import dataclasses
import datetime as dt

import grpc
import pytest

from billsync.daemon.alerts import outbox
from billsync.daemon.alerts import worker as alert_worker
from billsync.daemon.alerts.conditions import Condition, Facts, Setting, evaluate
from billsync.daemon.alerts.worker import AlertWorker, Backoff
from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store.models import AlertDelivery, AlertSubscription, Connection, Event
from billsync.v1 import billsync_pb2 as pb
from tests.harness import PATIENCE, wait_until
from tests.inboxes import webhook_inbox  # noqa: F401 - a fixture

CUSTOM = Setting("custom_txn_numbers", "Custom transaction numbers", "Numbers clash.")
WARN = Setting("warn_duplicate_doc_number", "Warn if duplicate bill number is used", "Duplicates pass.")
FINE = Facts(connection_id=7, name="Smith LLP", state="connected")
TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (FINE, []),
        (dataclasses.replace(FINE, state="needs_authorization"), []),  # never authorized: nobody to tell yet
        (
            dataclasses.replace(
                FINE, state="needs_authorization", lost_authorization=(41, "QuickBooks access expired")
            ),
            [(Condition.NEEDS_AUTHORIZATION, "41")],
        ),
        (
            dataclasses.replace(FINE, settings_off=(WARN, CUSTOM)),
            [(Condition.ACTION_REQUIRED, "custom_txn_numbers,warn_duplicate_doc_number")],
        ),
        (
            dataclasses.replace(FINE, failed=2, broken=1, last_problem=(90, "Bill 7: refused")),
            [(Condition.ITEMS_FAILED, "90")],
        ),
        (dataclasses.replace(FINE, failed_runs=2, failing_since=5, last_error="x"), []),
        (dataclasses.replace(FINE, failed_runs=3, failing_since=5, last_error="x"), [(Condition.RUNS_FAILING, "5")]),
        (dataclasses.replace(FINE, webhooks_failed=(12, "Clio said 500")), [(Condition.WEBHOOKS_FAILING, "12")]),
        (dataclasses.replace(FINE, state="revoked", settings_off=(CUSTOM,), failed=3), []),  # someone chose to stop it
    ],
)
def test_the_state_raises_the_conditions_keyed_by_what_started_them(facts, expected):
    alerts = evaluate(facts)
    assert [(a.condition, a.key) for a in alerts] == expected
    for alert in alerts:
        assert alert.path == "/connections/7" and "Smith LLP" in alert.text


def subscribe(connection: Connection, url: str, *conditions: Condition) -> AlertSubscription:
    return AlertSubscription.create(
        connection=connection, channel="webhook", target=url, conditions=list(conditions), secret="s3cret"
    )


def announce(facts: Facts) -> int:
    return outbox.announce(facts, evaluate(facts), "https://panel.test", TODAY)


def test_a_condition_is_announced_once_per_state_even_by_two_daemons(db):
    connection = Connection.create(name="Smith LLP", state="connected")
    subscribe(connection, "https://hooks.test/a", Condition.ACTION_REQUIRED)
    subscribe(connection, "https://hooks.test/b", Condition.ITEMS_FAILED)
    fine = dataclasses.replace(FINE, connection_id=connection.id)
    off = dataclasses.replace(fine, settings_off=(CUSTOM,))

    assert announce(fine) == 0
    assert announce(off) == 1, "the recipient of Action required is told"
    assert announce(off) == 0, "the same state again (another daemon, another run): nobody is told twice"
    assert announce(dataclasses.replace(off, settings_off=(CUSTOM, WARN))) == 1, "another setting off: a change"
    assert announce(fine) == 0, "fixed: nothing to say"
    assert announce(off) == 1, "broken again: told again"
    message = AlertDelivery.select().order_by(AlertDelivery.id.desc()).first()
    assert message.link == f"https://panel.test/connections/{connection.id}"
    assert "Custom transaction numbers" in message.text


def test_the_daily_digest_goes_once_a_day_to_those_who_want_it(db):
    connection = Connection.create(name="Smith LLP", state="connected")
    AlertSubscription.create(connection=connection, channel="email", target="a@firm.test", conditions=[], digest=True)
    facts = dataclasses.replace(FINE, connection_id=connection.id, settings_off=(CUSTOM,))
    assert outbox.announce(facts, evaluate(facts), "", TODAY) == 1
    assert outbox.announce(facts, evaluate(facts), "", TODAY) == 0
    assert outbox.announce(facts, evaluate(facts), "", TODAY + dt.timedelta(days=1)) == 1
    digest = AlertDelivery.get(AlertDelivery.topic == "digest")
    assert "action required in QuickBooks" in digest.text and digest.link == ""


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(db, config, webhook_inbox):
    connection = Connection.create(name="Smith LLP", state="connected")
    subscribe(connection, webhook_inbox.url, Condition.ACTION_REQUIRED, Condition.ITEMS_FAILED)
    webhook_inbox.failures = [503, 500]
    worker = AlertWorker(config, backoff=Backoff(base=0.05, cap=0.2, attempts=3)).start()
    try:
        announce(dataclasses.replace(FINE, connection_id=connection.id, settings_off=(CUSTOM,)))
        worker.notice(connection.id)
        delivered = webhook_inbox.next()
        assert delivered.signed_with("s3cret") and delivered.json()["topic"] == "action_required"
        assert webhook_inbox.attempts == 3, "two failures, then delivered"
        assert worker.await_idle(PATIENCE), "the worker did not finish recording it"
        row = AlertDelivery.get(AlertDelivery.topic == "action_required")
        assert (row.attempts, row.error, row.next_attempt_at) == (3, "", None) and row.delivered_at
        assert delivered.headers["X-Billsync-Delivery"] == str(row.id)

        webhook_inbox.failures = [500, 500, 500]
        announce(dataclasses.replace(FINE, connection_id=connection.id, failed=1, last_problem=(3, "Bill 1: refused")))
        worker.notice(connection.id)
        given_up = wait_until(
            lambda: Event.get_or_none(Event.connection == connection, Event.type == "alerts.undelivered"),
            "the delivery to be given up",
        )
        assert "after 3 attempts" in given_up.message and "HTTP 500" in given_up.message
        assert worker.await_idle(PATIENCE) and webhook_inbox.received.empty()
    finally:
        worker.stop(5)


@pytest.mark.parametrize("off_by", [dt.timedelta(minutes=-7), dt.timedelta(minutes=7)])
def test_a_message_is_due_and_held_on_the_databases_clock_whatever_the_hosts(
    db, config, skewed_host, monkeypatch, off_by
):
    """A daemon whose clock is minutes off queues a message and takes it for an attempt: a
    daemon on time finds it due at once, then held by that attempt, not sent twice."""
    connection = Connection.create(name="Smith LLP", state="connected")
    subscribe(connection, "https://hooks.test/a", Condition.ACTION_REQUIRED)

    def on_time() -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    skewed_host(off_by)
    announce(dataclasses.replace(FINE, connection_id=connection.id, settings_off=(CUSTOM,)))
    [message] = outbox.due(on_time())
    taken_again: list[list[AlertDelivery]] = []
    monkeypatch.setattr(alert_worker, "send", lambda *args: taken_again.append(outbox.due(on_time())))
    AlertWorker(config)._attempt(message)
    assert taken_again == [[]], "another daemon's worker could take the message while it was being sent"
    assert AlertDelivery.get_by_id(message.id).delivered_at


def test_recipients_are_set_listed_tested_and_removed_through_the_rpcs(client, webhook_inbox):
    connection = client.create_connection("Smith LLP")
    hook = client.set_alert_subscription(
        connection.id,
        channel=pb.ALERT_CHANNEL_WEBHOOK,
        target=webhook_inbox.url,
        conditions=[pb.ALERT_CONDITION_ACTION_REQUIRED],
    )
    assert hook.secret, "a new webhook's secret is returned once"
    again = client.set_alert_subscription(
        connection.id,
        channel=pb.ALERT_CHANNEL_WEBHOOK,
        target=webhook_inbox.url,
        conditions=[pb.ALERT_CONDITION_ACTION_REQUIRED, pb.ALERT_CONDITION_RUNS_FAILING],
        digest=True,
    )
    assert again.id == hook.id and not again.secret
    (listed,) = client.list_alert_subscriptions(connection.id).subscriptions
    assert list(listed.conditions) == [pb.ALERT_CONDITION_ACTION_REQUIRED, pb.ALERT_CONDITION_RUNS_FAILING]
    assert listed.digest and not listed.secret

    assert client.send_test_alert(connection.id, hook.id).delivered
    test = webhook_inbox.next()
    assert test.signed_with(hook.secret) and test.json()["topic"] == "test"

    refusals = [
        (pb.ALERT_CHANNEL_EMAIL, "not an address", grpc.StatusCode.INVALID_ARGUMENT),
        (pb.ALERT_CHANNEL_WEBHOOK, "ftp://hooks.test/x", grpc.StatusCode.INVALID_ARGUMENT),
        (pb.ALERT_CHANNEL_EMAIL, "books@firm.test", grpc.StatusCode.FAILED_PRECONDITION),  # no SMTP configured
    ]
    for channel, target, code in refusals:
        with pytest.raises(DaemonError) as refused:
            client.set_alert_subscription(connection.id, channel=channel, target=target, conditions=[])
        assert refused.value.code == code
    assert "BILLSYNC_SMTP_HOST" in str(refused.value)

    client.delete_alert_subscription(connection.id, hook.id)
    assert not client.list_alert_subscriptions(connection.id).subscriptions
    with pytest.raises(DaemonError) as gone:
        client.send_test_alert(connection.id, hook.id)
    assert gone.value.code == grpc.StatusCode.NOT_FOUND
