"""The webhook receiver without servers: what it verifies, and whom it triggers."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from werkzeug.test import Client

from billsync.daemon.clio import webhooks as clio_webhooks
from billsync.daemon.clio.client import Clio, ClioError
from billsync.daemon.rpc.receiver import Receiver, clio_signature, qbo_realms, qbo_signature
from billsync.daemon.store.models import ClioWebhook, Connection, Event
from billsync.daemon.sync.providers import Providers

VERIFIER = "verifier-token"


def notification(realm: str, *names: str) -> dict:
    return {
        "realmId": realm,
        "dataChangeEvent": {
            "entities": [
                {"name": n, "id": "1", "operation": "Update", "lastUpdated": "2025-01-01T00:00:00.000Z"} for n in names
            ]
        },
    }


@pytest.mark.parametrize(
    ("payload", "realms"),
    [
        (
            {
                "eventNotifications": [
                    notification("1", "Invoice"),
                    notification("2", "Vendor"),
                    notification("3", "Preferences"),
                ]
            },
            {"1", "3"},
        ),
        ({"eventNotifications": [notification("1", "Bill", "Customer")]}, {"1"}),
        ({"eventNotifications": []}, set()),
        (
            [
                {"type": "qbo.payment.created.v1", "intuitaccountid": "4"},
                {"type": "qbo.vendor.updated.v1", "intuitaccountid": "5"},
            ],
            {"4"},
        ),
    ],
)
def test_only_changes_to_what_billsync_reads_or_writes_count(payload, realms) -> None:
    assert qbo_realms(payload) == realms


@pytest.fixture
def triggered() -> list[tuple[int, str]]:
    return []


@pytest.fixture
def http(db, triggered) -> Client:
    return Client(Receiver(lambda cid, why: triggered.append((cid, why)), VERIFIER))


def qbo_post(http: Client, payload: object, signature: str | None = "sign") -> int:
    body = json.dumps(payload).encode()
    headers = (
        {}
        if signature is None
        else {"intuit-signature": qbo_signature(VERIFIER, body) if signature == "sign" else signature}
    )
    return http.post("/webhooks/qbo", data=body, headers=headers).status_code


def test_a_signed_qbo_notification_triggers_the_connected_connections_of_its_realm(http, triggered) -> None:
    mine = Connection.create(name="A", state="connected", qbo_realm_id="111")
    Connection.create(name="B", state="revoked", qbo_realm_id="111")
    Connection.create(name="C", state="connected", qbo_realm_id="222")
    assert qbo_post(http, {"eventNotifications": [notification("111", "Invoice")]}) == 200
    assert triggered == [(mine.id, "webhook")]


def test_unsigned_forged_or_unconfigured_qbo_notifications_trigger_nothing(db, http, triggered) -> None:
    Connection.create(name="A", state="connected", qbo_realm_id="111")
    payload = {"eventNotifications": [notification("111", "Invoice")]}
    assert qbo_post(http, payload, signature=None) == 401
    assert qbo_post(http, payload, signature=qbo_signature("guess", b"{}")) == 401
    assert qbo_post(Client(Receiver(lambda *a: triggered.append(a), "")), payload) == 404
    assert triggered == []
    body = b"not json"
    assert (
        http.post("/webhooks/qbo", data=body, headers={"intuit-signature": qbo_signature(VERIFIER, body)}).status_code
        == 400
    )


@pytest.mark.parametrize(
    "payload",
    [
        "nonsense",
        42,
        {"eventNotifications": "x"},
        {"eventNotifications": [1, 2]},
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": ["x"]}]},
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": {"entities": "Invoice"}}]},
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": {"entities": [None]}}]},
        ["qbo.invoice.updated.v1"],
    ],
)
def test_a_signed_but_malformed_qbo_notification_is_a_400_and_triggers_nothing(http, triggered, payload) -> None:
    Connection.create(name="A", state="connected", qbo_realm_id="111")
    assert qbo_post(http, payload) == 400
    assert triggered == []


def test_a_replayed_notification_is_answered_but_starts_no_second_run(http, triggered) -> None:
    mine = Connection.create(name="A", state="connected", qbo_realm_id="111")
    first = {"eventNotifications": [notification("111", "Invoice")]}
    assert [qbo_post(http, first) for _ in range(3)] == [200, 200, 200]
    assert triggered == [(mine.id, "webhook")]
    assert qbo_post(http, {"eventNotifications": [notification("111", "Payment")]}) == 200
    assert triggered == [(mine.id, "webhook")] * 2, "a new notification still counts"


def test_clio_handshake_then_signed_deliveries(http, triggered) -> None:
    connection = Connection.create(name="A", state="needs_authorization")
    row = ClioWebhook.create(connection=connection, model="bill", token="tok", url="https://x")
    answer = http.post("/webhooks/clio/tok", data=b"{}", headers={"X-Hook-Secret": "s3cret"})
    assert answer.status_code == 200 and answer.headers["X-Hook-Secret"] == "s3cret"
    assert ClioWebhook.get_by_id(row.id).secret == "s3cret"
    body = b'{"data":{"id":7},"meta":{"event":"updated","webhook_id":1}}'
    signed = {"X-Hook-Signature": clio_signature("s3cret", body)}
    assert http.post("/webhooks/clio/tok", data=body, headers=signed).status_code == 200
    assert triggered == [], "a connection that is not connected is not synced"
    Connection.update(state="connected").execute()
    assert http.post("/webhooks/clio/tok", data=body, headers=signed).status_code == 200
    assert triggered == [(connection.id, "webhook")]
    assert http.post("/webhooks/clio/tok", data=body + b" ", headers=signed).status_code == 401
    assert http.post("/webhooks/clio/other", data=body, headers=signed).status_code == 404
    assert http.get("/webhooks/clio/tok").status_code == 405


def test_a_failing_subscription_is_recorded_once_however_often_it_is_retried(db, config, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise ClioError(403, "the webhooks scope was not granted")

    monkeypatch.setattr(Clio, "create_webhook", refuse)
    providers = Providers(replace(config, webhook_url="https://hooks.example"))
    connection = Connection.create(name="A", clio_tokens={"access_token": "a", "refresh_token": "r"})
    for _ in range(3):
        assert clio_webhooks.subscribe(providers.clio, connection, providers.config.webhook_url) is False
    assert [e.type for e in Event.select().where(Event.type.startswith("webhooks."))] == ["webhooks.failed"]
