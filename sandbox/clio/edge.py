"""What happens around every emulated request: the API version, counting it, and maybe
failing it on purpose.

This wraps the WSGI application rather than hooking into Flask because a dropped
connection must escape the framework's error handling to reach waitress (see
:mod:`billsync.sandbox.faults`), and because a request that was faulted must be counted too.
Only the emulated API (``/api/v4``) is versioned and faulted; OAuth is counted but never
faulted, and the admin API is neither, so a test can always reset and inspect the emulator.

Versions follow the "Minor Versions" section of Clio's OpenAPI document: a request may name
one in ``X-API-VERSION``; "if the header is present but invalid, it will return a 410 Gone
response. If the header is present and valid, but it is no longer supported, it will
return a 410 Gone response"; and "an X-API-VERSION will be included in all successful
responses, with the value being set to the API version used". The document lists the
supported versions, 4.0.13 being "the default version". Clio documents no body for the
410; the emulator sends its usual error shape.
"""

from __future__ import annotations

import collections
import json
import re
import threading
import urllib.parse
from typing import Any, Callable, Iterable

from billsync.sandbox.faults import FaultInjector

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ID = re.compile(r"/\d+(?=[./]|$)")
_SERVER_ERROR = {"type": "ServiceUnavailable", "message": "Sandbox fault injection: try again later"}
#: The minor versions Clio's OpenAPI document lists (4.0.11 is not among them), and its default.
VERSIONS = ("4.0.4", "4.0.5", "4.0.6", "4.0.7", "4.0.8", "4.0.9", "4.0.10", "4.0.12", "4.0.13")
DEFAULT_VERSION = "4.0.13"


def endpoint_of(path: str) -> str:
    """``/api/v4/bills/42.json`` → ``/api/v4/bills/{id}.json``: one counter per endpoint."""
    return _ID.sub("/{id}", path)


#: Query parameters that shape an answer rather than choose its records: left out of the
#: filters a request is counted under.
NOT_FILTERS = frozenset({"fields", "limit", "page_token", "order", "offset"})


def filters_of(query_string: str) -> str:
    """The names of the filters a request sent, sorted (``"bill_id"``, ``"ids[]"``,
    ``"updated_since"``), never their values; ``""`` for none."""
    names = {name for name, _ in urllib.parse.parse_qsl(query_string, keep_blank_values=True)}
    return ",".join(sorted(names - NOT_FILTERS))


class RequestCounter:
    """Requests per ``(method, endpoint, filters, status)``, for the admin API's report: how
    a client reads (every line of the firm, or those of some ids) shows in its counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[tuple[str, str, str, int]] = collections.Counter()

    def add(self, method: str, endpoint: str, filters: str, status: int) -> None:
        with self._lock:
            self._counts[(method, endpoint, filters, status)] += 1

    def report(self) -> list[dict[str, Any]]:
        with self._lock:
            items = sorted(self._counts.items())
        return [
            {"method": method, "endpoint": endpoint, "filters": filters, "status": status, "count": count}
            for (method, endpoint, filters, status), count in items
        ]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class Edge:
    """WSGI middleware: fault injection on the emulated API and per-endpoint counts."""

    def __init__(self, app: WSGIApp, faults: FaultInjector, counter: RequestCounter) -> None:
        self.app = app
        self.faults = faults
        self.counter = counter

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox"):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        endpoint = endpoint_of(path)
        filters = filters_of(environ.get("QUERY_STRING", ""))
        version = None
        if path.startswith("/api/v4/"):
            version = environ.get("HTTP_X_API_VERSION", DEFAULT_VERSION)
            if version not in VERSIONS:
                return self._refuse(
                    (method, endpoint, filters), start_response, "410 Gone", {"type": "Gone", "message": _gone(version)}
                )
            try:
                fail = self.faults.inject()
            except Exception:
                self.counter.add(method, endpoint, filters, 0)
                raise
            if fail:
                return self._refuse(
                    (method, endpoint, filters), start_response, "503 Service Unavailable", _SERVER_ERROR
                )

        def counting_start_response(status: str, headers: list[Any], *exc: Any) -> Any:
            code = int(status.split()[0])
            self.counter.add(method, endpoint, filters, code)
            if version is not None and code < 400:
                headers = [*headers, ("X-API-VERSION", version)]
            return start_response(status, headers, *exc)

        return self.app(environ, counting_start_response)

    def _refuse(
        self,
        request: tuple[str, str, str],
        start_response: Callable[..., Any],
        status: str,
        error: dict[str, str],
    ) -> Iterable[bytes]:
        """Answer in Clio's error shape without reaching the application; ``request`` is
        what it is counted under (method, endpoint, filters)."""
        body = json.dumps({"error": error}).encode()
        self.counter.add(*request, int(status.split()[0]))
        start_response(
            status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
        )
        return [body]


def _gone(version: str) -> str:
    return f"API version {version!r} is not supported; supported versions are {', '.join(VERSIONS)}"
