"""The one place billsync retries HTTP: backoff with full jitter, a cap, Retry-After.

Both providers fail transiently in the same ways (throttling, 5xx, slow or dropped
connections), so the API clients send every request through :class:`Http` and only
classify what it finally returns. Retrying a write is safe here because every attempt
sends the very same request, ``requestid`` included, which every QBO write carries (see
``qbo.client``), and the engine looks objects up by natural key before it creates anew.
Timeouts are the client's unless a request names its own (``timeout=``: QBO's writes
outwait QBO). A request that still fails after the budget is spent is handed back
(a response) or raised as :class:`~billsync.daemon.errors.Unavailable` (no response at all).
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import httpx

from billsync.daemon import turns
from billsync.daemon.errors import Unavailable

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving a failure back.

    Attributes:
        max_attempts: requests sent at most, the first included.
        max_wait: seconds slept at most across all retries of one request; a wait that
            would exceed it ends the retries instead, so a caller is never stuck longer.
        base: the first backoff ceiling in seconds; it doubles per retry.
        cap: the largest single backoff ceiling (and the most a Retry-After is honoured).
    """

    max_attempts: int = 6
    max_wait: float = 120.0
    base: float = 0.5
    cap: float = 30.0


class Http:
    """An httpx client with a timeout on every call and retries for transient failures.

    Args:
        timeout: seconds for connect, read, write and pool of every request.
        policy: the retry budget.
        sleep: how waits happen (a cycle's waits give up its turn, ``turns.pause``); tests
            pass a recorder to observe them without waiting.
        jitter: returns a float in [0, 1); full jitter multiplies the backoff ceiling by it.
        transport: an httpx transport, e.g. ``httpx.MockTransport`` to replay recordings.
        observe: called after each attempt with its method, URL and response (None when
            none came): the daemon's metrics and request log (``observe.requests``).
    """

    def __init__(
        self,
        timeout: float = 30.0,
        policy: RetryPolicy = RetryPolicy(),
        *,
        sleep: Callable[[float], None] = turns.pause,
        jitter: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
        observe: Callable[[str, str, httpx.Response | None], None] = lambda method, url, response: None,
    ) -> None:
        self.policy = policy
        self.observe = observe
        self.sleep = sleep
        self.jitter = jitter
        self.client = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        around: Callable[[], AbstractContextManager[Any]] = nullcontext,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, retrying 429, 5xx, timeouts and connection errors; return the last response.

        Args:
            method: HTTP method.
            url: absolute URL.
            around: entered around each attempt (a rate limiter's slot), so that retries
                count against the limits like any other request.
            **kwargs: passed to ``httpx.Client.request`` (params, headers, content, …).

        Raises:
            Unavailable: no response arrived within the retry budget.
        """
        waited = 0.0
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                with around():
                    response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as error:  # timeouts, refused and dropped connections
                self.observe(method, url, None)
                failure: httpx.Response | httpx.TransportError = error
                delay = self.backoff(attempt)
            else:
                self.observe(method, url, response)
                if response.status_code not in RETRIABLE_STATUS:
                    return response
                failure = response
                delay = retry_after(response, self.policy.cap)
                if delay is None:
                    delay = self.backoff(attempt)
            if attempt == self.policy.max_attempts or waited + delay > self.policy.max_wait:
                break
            waited += delay
            self.sleep(delay)
        if isinstance(failure, httpx.Response):
            return failure
        host = httpx.URL(url).host
        raise Unavailable(f"{host} could not be reached after {attempt} attempts: {failure!r}") from failure

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))) (AWS architecture blog)."""
        return self.jitter() * min(self.policy.cap, self.policy.base * 2 ** (attempt - 1))


def retry_after(response: httpx.Response, cap: float) -> float | None:
    """Seconds the server asked us to wait (delta-seconds or an HTTP date), capped; None if absent.

    An HTTP date is on the server's clock, so it is counted from the answer's own ``Date``
    (RFC 9110 §10.2.3 and §6.6.1), or from ours when the answer has none.
    """
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        until, now = _http_date(value), _http_date(response.headers.get("Date", ""))
        if until is None:
            return None
        seconds = until - (now if now is not None else time.time())
    return min(cap, max(0.0, seconds))


def _http_date(value: str) -> float | None:
    """An HTTP date as epoch seconds; None if it is not one."""
    return email.utils.parsedate_to_datetime(value).timestamp() if email.utils.parsedate_tz(value) else None


_TOKENISH = re.compile(r"(?i)(bearer\s+|token(?:\s+(?:expired|invalid))?\s*[:=]\s*)[\w.~+/=-]{8,}")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove tokens from text shown to people or logged (QBO's 401 echoes a token prefix)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _TOKENISH.sub(r"\1[redacted]", text)
