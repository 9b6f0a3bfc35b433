"""Clio webhooks from the emulator: registration, X-Hook-Secret handshake, signed deliveries.

Deliveries leave from the emulator's own thread; the tests wait for it to drain, never
for a while. The timeouts only stop a hung test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
from typing import Any, Iterator

import pytest
from flask import Flask, Response, request

from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio, serve

#: Seconds before a wait gives up; only a hung test ever reaches it.
PATIENCE = 60.0


class Receiver:
    """A webhook endpoint that completes the handshake and records deliveries."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        app = Flask("receiver")

        @app.post("/hook")
        def hook() -> Response:
            self.received.put((dict(request.headers), request.get_data()))
            secret = request.headers.get("X-Hook-Secret")
            headers = {"X-Hook-Secret": secret} if secret and self.echo else {}
            return Response(status=200, headers=headers)

        self.served = serve(app, threads=2)
        self.url = f"{self.served.url}/hook"

    def next(self) -> tuple[dict[str, str], bytes]:
        return self.received.get(timeout=PATIENCE)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.served.stop()


def _create(clio: Clio, url: str, **data: Any) -> dict[str, Any]:
    body = {
        "data": {
            "url": url,
            "model": "bill",
            "events": ["updated", "deleted"],
            "fields": "id,number,state,total,client{id,name}",
            **data,
        }
    }
    response = clio.api(
        "/webhooks.json", method="POST", json=body, params={"fields": "id,status,shared_secret,model,events,fields"}
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _status(clio: Clio, webhook_id: int) -> str:
    """The webhook's status once every handshake and delivery queued so far is done."""
    assert clio.sandbox.webhooks.drain(PATIENCE), "the emulator's deliveries hung"
    return clio.get(f"/webhooks/{webhook_id}.json", fields="status")["data"]["status"]


def test_handshake_enables_and_deliveries_are_signed(clio: Clio, receiver: Receiver) -> None:
    webhook = _create(clio, receiver.url)
    assert webhook["status"] == "pending" and webhook["events"] == ["updated", "deleted"]
    headers, _ = receiver.next()
    assert headers["X-Hook-Secret"] == webhook["shared_secret"]
    assert _status(clio, webhook["id"]) == "enabled"

    clio.admin("POST", "/bills/1/void")
    headers, body = receiver.next()
    expected = hmac.new(webhook["shared_secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hook-Signature"] == expected
    delivery = json.loads(body)
    assert delivery["meta"] == {"event": "updated", "webhook_id": webhook["id"]}
    assert delivery["data"]["id"] == 1 and delivery["data"]["state"] == "void"
    assert delivery["data"]["client"] == {"id": 1, "name": "José Müller"}

    clio.admin("PATCH", "/contacts/1", json={"name": "José Müller-Ortiz"})
    clio.admin("DELETE", "/bills/2")
    _, body = receiver.next()
    assert json.loads(body)["meta"]["event"] == "deleted", "contact changes are not bill events"


def test_receiver_that_does_not_echo_stays_pending(clio: Clio) -> None:
    silent = Receiver(echo=False)
    try:
        webhook = _create(clio, silent.url)
        silent.next()
        assert _status(clio, webhook["id"]) == "pending"
        clio.admin("POST", "/bills/1/void")
        assert clio.sandbox.webhooks.drain(PATIENCE), "the emulator's deliveries hung"
        assert silent.received.empty(), "a pending webhook gets no deliveries"
    finally:
        silent.served.stop()


def test_webhook_validation_update_and_delete(clio: Clio, receiver: Receiver) -> None:
    bad = clio.api(
        "/webhooks.json", method="POST", json={"data": {"url": receiver.url, "model": "allocation", "fields": "id"}}
    )
    assert bad.status_code == 400
    bad_fields = clio.api(
        "/webhooks.json", method="POST", json={"data": {"url": receiver.url, "model": "contact", "fields": "id,nope"}}
    )
    assert bad_fields.status_code == 400
    webhook = _create(clio, receiver.url, model="contact", fields="id,name")
    patched = clio.api(
        f"/webhooks/{webhook['id']}.json",
        method="PATCH",
        json={"data": {"events": ["created"]}},
        params={"fields": "events"},
    )
    assert patched.json()["data"] == {"events": ["created"]}
    assert clio.api(f"/webhooks/{webhook['id']}.json", method="DELETE").status_code == 204
    assert clio.api(f"/webhooks/{webhook['id']}.json").status_code == 404
