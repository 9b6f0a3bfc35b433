"""Webhook deliveries of entity changes, signed the way Intuit signs them.

Changes are gathered for ``webhook_delay`` (time-scaled) and sent as one
``eventNotifications`` payload per realm, from a background thread so no API request
waits on a subscriber. ``intuit-signature`` is base64(HMAC-SHA256(verifier token, raw
body)). Every attempt is logged for the admin API; failed deliveries are not retried
(QBO retries, but a test wants to see each attempt, not a backoff schedule).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import threading
from typing import Any

import httpx

from billsync.sandbox.qbo import jsonutil
from billsync.sandbox.qbo.config import QBOConfig


def signature(verifier: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(verifier.encode(), body, hashlib.sha256).digest()).decode()


class WebhookDispatcher:
    """Collects changes and posts them to the registered URL."""

    def __init__(self, config: QBOConfig) -> None:
        self.config = config
        self.url: str | None = None
        self.verifier = ""
        self.deliveries: list[dict[str, Any]] = []
        self._pending: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def configure(self, url: str | None, verifier: str = "") -> None:
        """Register (or, with None, remove) the subscriber."""
        with self._lock:
            self.url, self.verifier = url, verifier
            if url and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="qbo-webhooks", daemon=True)
                self._thread.start()

    def record(self, realm_id: str, name: str, entity_id: str, operation: str, when: str) -> None:
        """Store listener: queue one change if someone subscribed."""
        if not self.url:
            return
        with self._lock:
            self._pending[realm_id].append({"name": name, "id": entity_id, "operation": operation, "lastUpdated": when})
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            if self._stopped.wait(self.config.scaled(self.config.webhook_delay)):
                return
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        """Deliver everything pending now, one request per realm."""
        with self._lock:
            pending, self._pending = self._pending, collections.defaultdict(list)
            url, verifier = self.url, self.verifier
        for realm_id, entities in pending.items():
            payload = {"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}
            body = jsonutil.dumps(payload).encode()
            record: dict[str, Any] = {"url": url, "payload": payload}
            try:
                response = httpx.post(
                    url,
                    content=body,
                    timeout=10.0,
                    headers={"content-type": "application/json", "intuit-signature": signature(verifier, body)},
                )
                record["status"] = response.status_code
            except httpx.HTTPError as error:
                record["error"] = str(error)
            with self._lock:
                self.deliveries.append(record)
