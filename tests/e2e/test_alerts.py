"""Alerts against the emulators: an expired QuickBooks grant and a QuickBooks setting turned
off each reach a person exactly once, by e-mail (read from a real SMTP server) and by a
signed webhook, and again only once the condition cleared and came back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient
from billsync.v1 import billsync_pb2 as pb
from tests.harness import (
    PATIENCE,
    authorize,
    connect,
    make_ready,
    set_preferences,
    settle,
    stop_in_process,
    sync,
    sync_after_changes,
)
from tests.inboxes import smtp_inbox, webhook_inbox  # noqa: F401 - fixtures

PANEL = "https://panel.firm.test/billsync"
CONDITIONS = [pb.ALERT_CONDITION_NEEDS_AUTHORIZATION, pb.ALERT_CONDITION_ACTION_REQUIRED]


@pytest.fixture
def alerting(e2e_config, smtp_inbox, db) -> Iterator[tuple[Daemon, DaemonClient]]:
    config = dataclasses.replace(
        e2e_config,
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox.port,
        smtp_from="billsync@firm.test",
        smtp_starttls=False,
        panel_url=PANEL,
    )
    daemon = Daemon(config)
    daemon.start()
    with DaemonClient(f"127.0.0.1:{daemon.port}", token=config.api_token, actor="tester") as client:
        yield daemon, client
    stop_in_process(daemon, grace=1.0)


def test_an_expired_grant_and_a_setting_turned_off_each_reach_a_person_once(
    sandbox, alerting, smtp_inbox, webhook_inbox
):
    daemon, client = alerting
    make_ready(sandbox)
    connection_id = connect(client).id
    client.set_alert_subscription(
        connection_id, channel=pb.ALERT_CHANNEL_EMAIL, target="books@firm.test", conditions=CONDITIONS
    )
    secret = client.set_alert_subscription(
        connection_id, channel=pb.ALERT_CHANNEL_WEBHOOK, target=webhook_inbox.url, conditions=CONDITIONS
    ).secret

    def told(topic: str, words: str) -> None:
        """One e-mail and one signed webhook delivery about ``topic``, linking to the page that fixes it."""
        mail, hook = smtp_inbox.next(), webhook_inbox.next()
        assert mail["To"] == "books@firm.test" and mail["X-Billsync-Topic"] == topic
        assert words in mail["Subject"]
        assert f"Fix it here: {PANEL}/connections/{connection_id}" in mail.get_content()
        assert hook.signed_with(secret), "the webhook's signature does not verify"
        body = hook.json()
        assert (body["topic"], body["connection"]["id"], body["link"]) == (
            topic,
            connection_id,
            f"{PANEL}/connections/{connection_id}",
        )
        assert body["subject"] == mail["Subject"].strip()  # a long subject is folded onto its own line

    def nothing_more() -> None:
        """Every run so far was looked at, every message due was sent: and none was."""
        daemon.alerts.notice(connection_id)
        assert daemon.alerts.await_idle(PATIENCE), "the alert worker made no pass"
        assert smtp_inbox.received.empty() and webhook_inbox.received.empty()

    sync_after_changes(client, connection_id)
    nothing_more()

    # A QuickBooks setting turned off: told once, however many runs follow.
    set_preferences(sandbox, CustomTxnNumbers=False)
    sync_after_changes(client, connection_id)
    told("action_required", "action required in QuickBooks")
    sync(client, connection_id)
    sync(client, connection_id)
    nothing_more()
    set_preferences(sandbox, CustomTxnNumbers=True)
    sync_after_changes(client, connection_id)
    nothing_more()
    set_preferences(sandbox, CustomTxnNumbers=False)
    sync_after_changes(client, connection_id)
    told("action_required", "action required in QuickBooks")
    set_preferences(sandbox, CustomTxnNumbers=True)
    sync_after_changes(client, connection_id)
    nothing_more()

    # The QuickBooks grant expires (access and refresh tokens): told once, until reconnected. The
    # runs asked for so far end first (each Sync asks for one more): one failing by itself would
    # leave the connection refusing the Sync that follows, for want of authorization.
    settle(client, connection_id)
    httpx.post(f"{sandbox.qbo_url}/_sandbox/tokens/expire", json={"refresh": True}).raise_for_status()
    assert sync_after_changes(client, connection_id).state == pb.RUN_STATE_FAILED
    told("needs_authorization", "needs to be connected again")
    nothing_more()
    assert authorize(client, connection_id, pb.PROVIDER_QBO).state == pb.CONNECTION_STATE_CONNECTED
    assert sync_after_changes(client, connection_id).state == pb.RUN_STATE_SUCCEEDED
    nothing_more()
    settle(client, connection_id)
    httpx.post(f"{sandbox.qbo_url}/_sandbox/tokens/expire", json={"refresh": True}).raise_for_status()
    assert sync_after_changes(client, connection_id).state == pb.RUN_STATE_FAILED
    told("needs_authorization", "needs to be connected again")
    nothing_more()
