"""The Clio API v4 client: who am I, cursor-paged listings, single records.

Clio allows about 50 requests a minute per token and says how many are left in
``X-RateLimit-Remaining`` (until the unix time in ``X-RateLimit-Reset``, on Clio's clock,
docs.developers.clio.com/api-docs/rate-limits: what remains of the window is reckoned
from the answer's ``Date``, not from our clock). Running into the limit costs a 429 and
its ``Retry-After`` wait, so the client spreads the last few requests of a window over
what remains of it instead; a 429 that still happens is retried by
:mod:`billsync.daemon.http`. Money comes back as Decimal.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from billsync.daemon import turns
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.errors import AuthorizationLost, BillsyncError, NotFound, Unavailable
from billsync.daemon.http import RETRIABLE_STATUS, Http, scrub

PAGE_LIMIT = 200
#: Start pacing when fewer than this share of the window's requests remain.
PACE_BELOW = 0.2
WEBHOOK_FIELDS = "id,status,shared_secret,expires_at"


class ClioError(BillsyncError):
    """Clio refused a request for a reason other than authorization or a missing record."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Clio error (HTTP {status}): {message}")
        self.status = status


@dataclass(frozen=True)
class Page:
    """One page of a listing, and Clio's clock when it answered (see :meth:`Clio.pages`)."""

    records: list[dict[str, Any]]
    server_time: datetime


class Clio:
    """A client for one Clio account.

    Args:
        base_url: the Clio host, e.g. ``https://app.clio.com`` (Config.clio_url).
        tokens: the connection's Clio token source.
        timeout: seconds per request.
        http: the retrying HTTP client; built with ``timeout`` if omitted.
        sleep: how pacing waits happen (a cycle's give up its turn, ``turns.pause``; tests
            observe them).
        clock: epoch seconds, to read ``X-RateLimit-Reset``.
    """

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        timeout: float = 30.0,
        *,
        http: Http | None = None,
        sleep: Callable[[float], None] = turns.pause,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = f"{base_url.rstrip('/')}/api/v4"
        self.tokens = tokens
        self.http = http or Http(timeout)
        self.sleep = sleep
        self.clock = clock
        self._pace_lock = threading.Lock()
        self._not_before = 0.0

    def who_am_i(self, fields: str = "id,name,email,account{id,name}") -> dict[str, Any]:
        """The user who authorized billsync, with the firm's account."""
        return self._get(f"{self.api}/users/who_am_i.json", {"fields": fields})["data"]

    def get(self, resource: str, record_id: int | str, fields: str) -> dict[str, Any]:
        """One record, e.g. ``get("bills", 7, "id,total,state")``.

        Raises:
            NotFound: Clio has no such record (deleted, or never existed).
        """
        return self._get(f"{self.api}/{resource}/{record_id}.json", {"fields": fields})["data"]

    def get_if_changed(
        self, resource: str, record_id: int | str, fields: str, etag: str | None
    ) -> dict[str, Any] | None:
        """One record, or None while its ETag is still ``etag``: Clio answers ``If-None-Match``
        with 304 Not Modified and no body (docs.developers.clio.com/api-docs/etags), so looking
        at an unchanged record costs one small request. Ask for ``etag`` in ``fields`` to keep it.

        Raises:
            NotFound: Clio has no such record.
        """
        headers = {"If-None-Match": etag} if etag else None
        url = f"{self.api}/{resource}/{record_id}.json"
        return self._exchange("GET", url, {"fields": fields}, headers=headers)[0].get("data")

    def iterate(self, resource: str, fields: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every matching record, oldest id first (see :meth:`pages`)."""
        for page in self.pages(resource, fields, **params):
            yield from page.records

    def pages(self, resource: str, fields: str, **params: Any) -> Iterator[Page]:
        """Every page of matching records, oldest id first, following ``meta.paging.next``
        (cursor paging, docs.developers.clio.com/api-docs/paging); at least one page.

        Pages are requested one at a time as the caller asks for them, so records can
        change between two pages: each page says when Clio answered it.

        Args:
            resource: "contacts", "bills", "line_items", "allocations", "credit_memos", …
            fields: Clio's field selection, e.g. ``"id,number,client{id,name}"``.
            **params: filters; a datetime (``updated_since=…``) is sent as ISO-8601.
        """
        query = {"limit": PAGE_LIMIT, "order": "id(asc)", "fields": fields}
        query.update(
            {key: value.isoformat() if isinstance(value, datetime) else value for key, value in params.items()}
        )
        url: str | None = f"{self.api}/{resource}.json"
        while url:
            page, answered = self._exchange("GET", url, query)
            yield Page(page.get("data") or [], answered)
            url = ((page.get("meta") or {}).get("paging") or {}).get("next")
            query = None  # the next URL carries every parameter

    def create_webhook(
        self, url: str, model: str, events: Sequence[str], fields: str, expires_at: datetime | None = None
    ) -> dict[str, Any]:
        """Subscribes ``url`` to ``model`` changes; Clio then handshakes with it (``X-Hook-Secret``).

        Returns the webhook's ``id``, ``status``, ``shared_secret`` and ``expires_at``.
        """
        data: dict[str, Any] = {"url": url, "model": model, "events": list(events), "fields": fields}
        if expires_at is not None:
            data["expires_at"] = expires_at.isoformat()
        return self._request("POST", f"{self.api}/webhooks.json", {"fields": WEBHOOK_FIELDS}, {"data": data})["data"]

    def update_webhook(self, webhook_id: int | str, **data: Any) -> dict[str, Any]:
        """Changes a webhook, e.g. ``expires_at`` to keep it from lapsing (Clio caps its life)."""
        data = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}
        return self._request(
            "PATCH", f"{self.api}/webhooks/{webhook_id}.json", {"fields": WEBHOOK_FIELDS}, {"data": data}
        )["data"]

    def delete_webhook(self, webhook_id: int | str) -> None:
        """Ends a subscription. Raises NotFound if Clio no longer has it."""
        self._request("DELETE", f"{self.api}/webhooks/{webhook_id}.json", None)

    def _get(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        return self._request("GET", url, params)

    def _request(
        self, method: str, url: str, params: dict[str, Any] | None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._exchange(method, url, params, body)[0]

    def _exchange(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], datetime]:
        """A request with a refresh on 401 and pacing: the JSON body with Decimal money ({} for
        204 and 304), and Clio's clock when it answered."""
        token = self.tokens.access_token()
        for _ in range(2):
            self._pace()
            sent = self.clock()
            response = self.http.request(
                method,
                url,
                params=params,
                json=body,
                headers={"Accept": "application/json", "Authorization": f"Bearer {token}", **(headers or {})},
            )
            answered = _server_time(response, sent)
            self._note_limits(response, answered)
            if response.status_code != 401:
                return self._parse(response, token), answered
            token = self.tokens.refreshed(token)
        raise AuthorizationLost("clio")

    def _parse(self, response: httpx.Response, token: str) -> dict[str, Any]:
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        if response.status_code in (204, 304):
            return {}
        error = (body or {}).get("error") if isinstance(body, dict) else None
        message = scrub(error.get("message", "") if isinstance(error, dict) else response.text[:300], (token,))
        if response.status_code == 404:
            raise NotFound(f"Clio has no such record: {message}")
        if response.status_code in RETRIABLE_STATUS:
            raise Unavailable(f"Clio is unavailable (HTTP {response.status_code}): {message}")
        raise ClioError(response.status_code, message)

    def _pace(self) -> None:
        with self._pace_lock:
            delay = self._not_before - self.clock()
        if delay > 0:
            self.sleep(delay)

    def _note_limits(self, response: httpx.Response, answered: datetime) -> None:
        """Spread the window's remaining requests evenly over the time left of it, from
        ``answered`` (Clio's clock) to the window's end."""
        headers = response.headers
        try:
            limit = int(headers["X-RateLimit-Limit"])
            remaining = int(headers["X-RateLimit-Remaining"])
            reset = float(headers["X-RateLimit-Reset"])
        except (KeyError, ValueError):
            return
        gap = 0.0
        if remaining < max(1, limit * PACE_BELOW):
            gap = max(0.0, reset - answered.timestamp()) / max(1, remaining)
        with self._pace_lock:
            self._not_before = self.clock() + gap


def _server_time(response: httpx.Response, sent: float) -> datetime:
    """Clio's clock when it answered: the ``Date`` header, which every origin server with a
    clock sends (RFC 9110 §6.6.1); without one, our own clock when the request left."""
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return datetime.fromtimestamp(sent, timezone.utc)
