"""Where alerts land in the tests: a real SMTP server (aiosmtpd) and a webhook receiver,
each filling a queue that a test waits on, and the check of a delivery's signature."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.harness import PATIENCE
from tests.postgres import free_port


class _Mailbox:
    """aiosmtpd's handler: every message accepted goes to the queue."""

    def __init__(self, received: queue.Queue[EmailMessage]) -> None:
        self.received = received

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.put(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


@dataclass
class SmtpInbox:
    port: int
    received: queue.Queue[EmailMessage] = field(default_factory=queue.Queue)

    def next(self) -> EmailMessage:
        """The next message, waiting for it as long as a test may."""
        return self.received.get(timeout=PATIENCE)


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes

    def signed_with(self, secret: str) -> bool:
        """Whether the signature header is the HMAC-SHA256 of the raw body under ``secret``."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("X-Billsync-Signature", ""), expected)

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookInbox:
    url: str
    received: queue.Queue[Delivery] = field(default_factory=queue.Queue)
    #: Statuses to answer before the next 204s, one per request: how a test makes it fail.
    failures: list[int] = field(default_factory=list)
    attempts: int = 0

    def next(self) -> Delivery:
        return self.received.get(timeout=PATIENCE)


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox(free_port())
    controller = Controller(_Mailbox(inbox.received), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def webhook_inbox() -> Iterator[WebhookInbox]:
    inbox: WebhookInbox

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            inbox.attempts += 1
            status = inbox.failures.pop(0) if inbox.failures else 204
            if status == 204:
                inbox.received.put(Delivery(dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    inbox = WebhookInbox(f"http://127.0.0.1:{server.server_port}/hooks/billsync")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield inbox
    server.shutdown()
    server.server_close()
