"""Clio webhooks: registration, the ``X-Hook-Secret`` handshake, signed deliveries.

As in Clio Manage (docs.developers.clio.com/guides/clio-manage/webhooks): a webhook
subscribes one model (``contact`` or ``bill`` here; Clio has none for allocations) to
``created``/``updated``/``deleted`` events with a ``fields`` selection. Right after it is
created (status ``pending``) the emulator POSTs to its URL with an ``X-Hook-Secret``
header; a receiver that answers 2xx echoing that header enables it. Each delivery is
``{"data": <record with the webhook's fields>, "meta": {"event", "webhook_id"}}``, signed in
``X-Hook-Signature`` with the hex HMAC-SHA256 of the raw body keyed by the shared secret.
Deliveries leave from one background thread so the change that caused them never waits.

The emulator accepts ``http://`` URLs (real Clio insists on ``https``) so that a test can
receive on localhost; webhooks expire at ``expires_at`` (default three days, as Clio).
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import queue
import secrets
import threading
from datetime import timedelta
from typing import Any

import httpx
from flask import Blueprint, Response, current_app, request

from billsync.sandbox.clio import fields
from billsync.sandbox.clio.api import clio_json, selection_for, show_record, store
from billsync.sandbox.clio.errors import bad_request, not_found
from billsync.sandbox.clio.guard import add_limit_headers, authenticate
from billsync.sandbox.clio.models import WEBHOOK_MODELS, WEBHOOKS
from billsync.sandbox.clio.query import parse_time
from billsync.sandbox.clio.store import Record, Store

EVENTS = ("created", "updated", "deleted")
DEFAULT_LIFETIME = timedelta(days=3)
MAX_LIFETIME = timedelta(days=31)
#: Collection name → webhook model identifier.
MODEL_OF = {model.collection: name for name, model in WEBHOOK_MODELS.items()}

bp = Blueprint("clio_webhooks", __name__, url_prefix="/api/v4")
bp.before_request(authenticate)
bp.after_request(add_limit_headers)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hook-Signature`` of a delivery body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Dispatcher:
    """Sends handshakes and event deliveries from a background thread.

    Attributes:
        log: the last deliveries made, newest last, for the admin API and tests.
    """

    def __init__(self, db: Store, timeout: float) -> None:
        self.db = db
        self.timeout = timeout
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=200)
        self._queue: queue.Queue[tuple[str, int, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="clio-webhooks", daemon=True)
        self._thread.start()
        db.listeners.append(self.on_change)

    def handshake(self, webhook: Record) -> None:
        self._queue.put(("handshake", webhook["id"], b"{}"))

    def on_change(self, collection: str, event: str, record: Record) -> None:
        """Store listener: queue a delivery to each enabled webhook watching this change."""
        model_name = MODEL_OF.get(collection)
        if model_name is None:
            return
        now = self.db.now()
        for webhook in list(self.db["webhooks"].records.values()):
            if (
                webhook["model"] == model_name
                and event in webhook["events"]
                and webhook["status"] == "enabled"
                and webhook["expires_at"] > now
            ):
                selection = fields.parse(webhook["fields"])
                data = fields.project(self.db, WEBHOOK_MODELS[model_name], record, selection)
                body = {"data": data, "meta": {"event": event, "webhook_id": webhook["id"]}}
                self._queue.put(("deliver", webhook["id"], json.dumps(body, ensure_ascii=False).encode()))

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has been attempted (for tests); False if
        ``timeout`` passed first."""
        done = threading.Event()
        self._queue.put(("marker", 0, done))
        return done.wait(timeout)

    def _run(self) -> None:
        # No keep-alive: each delivery is its own connection, as a receiver behind a load
        # balancer sees them, and a receiver that shuts down has no idle socket held open.
        with httpx.Client(timeout=self.timeout, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            while True:
                kind, webhook_id, body = self._queue.get()
                if kind == "marker":
                    body.set()
                    continue
                webhook = self.db["webhooks"].get(webhook_id)
                if webhook is not None:
                    self._send(client, kind, webhook, body)

    def _send(self, client: httpx.Client, kind: str, webhook: Record, body: bytes) -> None:
        secret = webhook["shared_secret"]
        header = {"X-Hook-Secret": secret} if kind == "handshake" else {"X-Hook-Signature": sign(secret, body)}
        entry: dict[str, Any] = {"kind": kind, "webhook_id": webhook["id"], "url": webhook["url"]}
        try:
            answer = client.post(webhook["url"], content=body, headers={"Content-Type": "application/json", **header})
            entry["status"] = answer.status_code
        except httpx.HTTPError as e:
            entry["error"] = str(e)
            answer = None
        self.log.append(entry)
        if (
            kind == "handshake"
            and answer is not None
            and answer.is_success
            and answer.headers.get("X-Hook-Secret") == secret
        ):
            with self.db.lock:
                if self.db["webhooks"].get(webhook["id"]) is webhook:  # not deleted meanwhile
                    webhook["status"] = "enabled"
                    self.db.touch("webhooks", webhook)


def _payload() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise bad_request('Expected a JSON body {"data": {...}}')
    return body["data"]


def _apply(webhook: Record, data: dict[str, Any]) -> None:
    """Validate and copy the writable webhook attributes."""
    if "model" in data:
        if data["model"] not in WEBHOOK_MODELS:
            raise bad_request(f"Unsupported webhook model: {data['model']}")
        webhook["model"] = data["model"]
    if "url" in data:
        if not str(data["url"]).startswith(("https://", "http://")):
            raise bad_request("url must be an http(s) URL")
        webhook["url"] = data["url"]
    if "events" in data:
        events = list(data["events"])
        if not events or set(events) - set(EVENTS):
            raise bad_request(f"events must be a non-empty subset of {', '.join(EVENTS)}")
        webhook["events"] = events
    if "fields" in data:
        try:
            fields.validate(WEBHOOK_MODELS[webhook["model"]], fields.parse(data["fields"]))
        except fields.FieldsError as e:
            raise bad_request(str(e)) from None
        webhook["fields"] = data["fields"]
    if "expires_at" in data:
        webhook["expires_at"] = min(parse_time(data["expires_at"]), store().now() + MAX_LIFETIME)


@bp.post("/webhooks.json")
def create() -> Response:
    data = _payload()
    missing = [name for name in ("url", "model", "fields") if not data.get(name)]
    if missing:
        raise bad_request(f"Missing required webhook attributes: {', '.join(missing)}")
    db = store()
    now = db.now()
    with db.lock:
        webhook: Record = {
            "id": db.next_id("webhooks"),
            "status": "pending",
            "events": list(EVENTS),
            "shared_secret": secrets.token_hex(20),
            "expires_at": now + DEFAULT_LIFETIME,
            "created_at": now,
            "updated_at": now,
        }
        _apply(webhook, data)
        db.save("webhooks", webhook)
        body = {"data": fields.project(db, WEBHOOKS, webhook, selection_for(WEBHOOKS))}
    current_app.extensions["clio"].webhooks.handshake(webhook)
    return clio_json(body, 201)


@bp.patch("/webhooks/<int:webhook_id>.json")
def update(webhook_id: int) -> Response:
    db = store()
    with db.lock:
        webhook = db["webhooks"].get(webhook_id)
        if webhook is None:
            raise not_found("Webhook", webhook_id)
        _apply(webhook, _payload())
        db.touch("webhooks", webhook)
    return show_record(WEBHOOKS, webhook, "Webhook", webhook_id)


@bp.delete("/webhooks/<int:webhook_id>.json")
def delete(webhook_id: int) -> Response:
    db = store()
    with db.lock:
        if db["webhooks"].get(webhook_id) is None:
            raise not_found("Webhook", webhook_id)
        db["webhooks"].remove(webhook_id)
    return Response(status=204)
