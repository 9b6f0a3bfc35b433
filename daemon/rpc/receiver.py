"""The webhook receiver: QuickBooks and Clio say something changed, and a sync starts now.

Webhooks are a fast path only. A verified notification does nothing but make its
connection due (``Scheduler.request(id, "webhook")``); the cycle that follows reads
what changed since its watermarks, as every cycle does, so a lost or reordered
notification costs nothing, and polling remains the safety net. A replayed QBO
notification (the same signed body again: each names its changes' ``lastUpdated``) is
answered and starts nothing. Clio's cannot be told apart that way (a delivery carries the
record's id only, the same for every edit), and one costs a cycle at most.

The receiver is a small WSGI app served by waitress on ``BILLSYNC_WEBHOOK_ADDRESS``:

``POST /webhooks/qbo``
    Intuit's notifications. ``intuit-signature`` must be base64(HMAC-SHA256(verifier,
    raw body)) with ``BILLSYNC_QBO_WEBHOOK_VERIFIER``; anything else is a 401 and
    triggers nothing. Every connected connection of each notified ``realmId`` with a
    change to an entity billsync reads or writes is triggered.
``POST /webhooks/clio/<token>``
    One Clio subscription (see :mod:`billsync.daemon.clio.webhooks`). A request carrying
    ``X-Hook-Secret`` is Clio's handshake: the secret is kept and echoed, which enables
    the webhook. A delivery must carry ``X-Hook-Signature`` = hex HMAC-SHA256(secret,
    raw body).

Setting up, against the real services:

* QuickBooks webhooks are not made through the API: in Intuit's developer portal, open
  the app's *Webhooks* settings, enter ``<BILLSYNC_WEBHOOK_URL>/webhooks/qbo`` (HTTPS),
  tick Customer, Invoice, Payment, CreditMemo and Preferences, and copy the portal's
  *verifier token* into ``BILLSYNC_QBO_WEBHOOK_VERIFIER``. One endpoint serves every
  company the app is connected to. (The QBO emulator takes the same two values at
  ``POST /_sandbox/webhooks {"url", "verifier"}``.)
* Clio webhooks are made by billsync through Clio's API when Clio is authorized, if
  ``BILLSYNC_WEBHOOK_URL`` is set; Clio requires it to be ``https://`` and the app to
  have the ``webhooks`` scope, besides Contacts and Billing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from billsync.daemon.clio import webhooks as clio_webhooks
from billsync.daemon.config import Config
from billsync.daemon.store import marks
from billsync.daemon.store.models import ClioWebhook, Connection, Kind
from billsync.daemon.sync.providers import Providers
from billsync.daemon.sync.scheduler import WEBHOOK
from billsync.serving import BackgroundServer

log = logging.getLogger(__name__)

#: What each watched Clio model names: the kind of record a delivery's ``data.id`` is.
KIND_OF_MODEL = {"contact": Kind.CONTACT, "bill": Kind.INVOICE}
#: QBO entities whose changes can matter to a connection: what billsync writes (a
#: deletion or deactivation breaks a link) and Preferences (a fixed setting releases
#: held invoices). Changes to anything else (vendors, bills, …) start no run.
QBO_ENTITIES = frozenset({"customer", "invoice", "payment", "creditmemo", "journalentry", "preferences"})
#: Notifications are small; anything larger is not one.
MAX_BODY = 1 << 20
SWEEP_EVERY = 3600.0

Trigger = Callable[[int, str], None]


def qbo_signature(verifier: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(verifier.encode(), body, hashlib.sha256).digest()).decode()


def clio_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def named_record(body: bytes) -> str | None:
    """The id of the record a Clio delivery names (``{"data": {"id": …}, "meta": …}``, the
    subscription asking for ``id``, Clio's webhooks guide), None when the body holds none."""
    try:
        record_id = json.loads(body).get("data", {}).get("id")
    except (ValueError, AttributeError):
        return None
    return str(record_id) if isinstance(record_id, int) and not isinstance(record_id, bool) else None


def _same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.strip().encode())


class Malformed(ValueError):
    """A signed QBO notification that is not shaped as Intuit documents it."""


def _list_of_objects(value: Any, what: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Malformed(f"{what} is not a list of objects")
    return value


def qbo_realms(payload: Any) -> set[str]:
    """The realms with a relevant change, from Intuit's classic payload or its CloudEvents list.

    Raises:
        Malformed: the payload is neither (a 400 for the sender, not a 500 and a traceback).
    """
    realms = set()
    if isinstance(payload, dict):
        for notification in _list_of_objects(payload.get("eventNotifications", []), "eventNotifications"):
            change = notification.get("dataChangeEvent") or {}
            if not isinstance(change, dict):
                raise Malformed("dataChangeEvent is not an object")
            entities = _list_of_objects(change.get("entities") or [], "entities")
            if any(str(e.get("name", "")).lower() in QBO_ENTITIES for e in entities):
                realms.add(str(notification.get("realmId", "")))
    elif isinstance(payload, list):  # CloudEvents: type "qbo.invoice.updated.v1", intuitaccountid = realm
        for event in _list_of_objects(payload, "the event list"):
            parts = str(event.get("type", "")).split(".")
            if len(parts) > 1 and parts[1].lower() in QBO_ENTITIES:
                realms.add(str(event.get("intuitaccountid", "")))
    else:
        raise Malformed("a notification is an object or a list of events")
    realms.discard("")
    return realms


class RecentlySeen:
    """The signatures of the last ``size`` notifications acted on, so that a replayed one
    (same signature, same body) starts no run. Bounded: an attacker cannot grow it."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, signature: str) -> bool:
        with self._lock:
            return signature in self._seen

    def add(self, signature: str) -> None:
        with self._lock:
            self._seen[signature] = None
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)


class Receiver:
    """The WSGI app; ``trigger`` is ``Scheduler.request``."""

    def __init__(self, trigger: Trigger, qbo_verifier: str) -> None:
        self.trigger = trigger
        self.qbo_verifier = qbo_verifier
        self.seen = RecentlySeen()
        self.routes = Map(
            [
                Rule("/webhooks/qbo", endpoint=self.qbo, methods=["POST"]),
                Rule("/webhooks/clio/<token>", endpoint=self.clio, methods=["POST"]),
            ]
        )

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        request.max_content_length = MAX_BODY
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
            response = endpoint(request, **args)
        except HTTPException as e:
            response = e.get_response(environ)
        except Exception:  # noqa: BLE001 - a 500 makes the provider retry, which is right
            log.exception("webhook %s failed", request.path)
            response = _text(500, "internal error")
        return response(environ, start_response)

    def qbo(self, request: Request) -> Response:
        if not self.qbo_verifier:
            return _text(404, "QuickBooks webhooks are not configured here (BILLSYNC_QBO_WEBHOOK_VERIFIER)")
        body = request.get_data()
        signature = qbo_signature(self.qbo_verifier, body)
        if not _same(signature, request.headers.get("intuit-signature")):
            return _text(401, "bad intuit-signature")
        try:
            realms = qbo_realms(json.loads(body))
        except Malformed as e:
            return _text(400, f"not a QuickBooks notification: {e}")
        except ValueError:
            return _text(400, "not JSON")
        if signature in self.seen:
            return _text(200, "already received")
        if realms:
            due = Connection.select(Connection.id).where(
                Connection.qbo_realm_id.in_(list(realms)), Connection.state == "connected"
            )
            for row in due:
                self.trigger(row.id, WEBHOOK)
        self.seen.add(signature)  # only once acted on: a notification that failed is retried
        return _text(200, "ok")

    def clio(self, request: Request, token: str) -> Response:
        row = ClioWebhook.get_or_none(ClioWebhook.token == token)
        if row is None:
            return _text(404, "no such subscription")
        secret = request.headers.get("X-Hook-Secret")
        if secret is not None:
            return self._handshake(row, secret)
        body = request.get_data()
        if not row.secret or not _same(clio_signature(row.secret, body), request.headers.get("X-Hook-Signature")):
            return _text(401, "bad X-Hook-Signature")
        if Connection.select().where(Connection.id == row.connection_id, Connection.state == "connected").exists():
            # The signed body names the record that changed: the run reads that one by id.
            # A delivery may come late or twice (Clio retries); the record is read as it is now.
            if (clio_id := named_record(body)) is not None and row.model in KIND_OF_MODEL:
                marks.hint(row.connection_id, KIND_OF_MODEL[row.model], clio_id)
            self.trigger(row.connection_id, WEBHOOK)
        return _text(200, "ok")

    def _handshake(self, row: ClioWebhook, secret: str) -> Response:
        """Accepts the first secret only: a later, different one would let its sender sign."""
        if row.secret and not _same(row.secret, secret):
            return _text(401, "this subscription already has its secret")
        if not row.secret:
            ClioWebhook.update(secret=secret).where(ClioWebhook.id == row.id).execute()
        response = _text(200, "ok")
        response.headers["X-Hook-Secret"] = secret
        return response


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


class WebhookServer:
    """The receiver on waitress in a background thread, and the hourly subscription sweep."""

    def __init__(self, config: Config, providers: Providers, trigger: Trigger) -> None:
        host, _, port = config.webhook_address.rpartition(":")
        self.providers = providers
        self.served = BackgroundServer(
            Receiver(trigger, config.qbo_webhook_verifier),
            host.strip("[]") or "0.0.0.0",
            int(port or 0),
            threads=4,
            ident="billsync",
        )
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="webhooks-sweep", daemon=True)

    @property
    def port(self) -> int:
        return self.served.port

    def start(self) -> WebhookServer:
        self.served.start()
        self._sweeper.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        self.served.stop(timeout)

    def join(self, timeout: float) -> bool:
        """Waits until the sweeper's thread has ended; False if it still runs after ``timeout``."""
        self._sweeper.join(timeout)
        return not self._sweeper.is_alive()

    def _sweep(self) -> None:
        while True:
            try:
                clio_webhooks.sweep(self.providers.clio, self.providers.config.webhook_url)
            except Exception:  # noqa: BLE001 - the next sweep tries again
                log.exception("keeping Clio webhook subscriptions alive failed")
            if self._stop.wait(SWEEP_EVERY):
                return
