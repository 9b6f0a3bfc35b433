"""What happens around every emulated request: counting it, and maybe failing it on purpose.

This wraps the WSGI application rather than hooking into Flask because a dropped
connection must escape the framework's error handling to reach waitress (see
:mod:`billsync.sandbox.faults`), and because a request that was faulted must be counted too.
Only the emulated API (``/api/v4``) is faulted; OAuth is counted but never faulted, and
the admin API is neither, so a test can always reset and inspect the emulator.
"""

from __future__ import annotations

import collections
import json
import re
import threading
from typing import Any, Callable, Iterable

from billsync.sandbox.faults import FaultInjector

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ID = re.compile(r"/\d+(?=[./]|$)")
_SERVER_ERROR = json.dumps(
    {"error": {"type": "ServiceUnavailable", "message": "Sandbox fault injection: try again later"}}
).encode()


def endpoint_of(path: str) -> str:
    """``/api/v4/bills/42.json`` → ``/api/v4/bills/{id}.json``: one counter per endpoint."""
    return _ID.sub("/{id}", path)


class RequestCounter:
    """Requests per ``(method, endpoint, status)``, for the admin API's report."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[tuple[str, str, int]] = collections.Counter()

    def add(self, method: str, endpoint: str, status: int) -> None:
        with self._lock:
            self._counts[(method, endpoint, status)] += 1

    def report(self) -> list[dict[str, Any]]:
        with self._lock:
            items = sorted(self._counts.items())
        return [
            {"method": method, "endpoint": endpoint, "status": status, "count": count}
            for (method, endpoint, status), count in items
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
        if path.startswith("/api/v4/"):
            try:
                fail = self.faults.inject()
            except Exception:
                self.counter.add(method, endpoint, 0)
                raise
            if fail:
                self.counter.add(method, endpoint, 503)
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(_SERVER_ERROR)))],
                )
                return [_SERVER_ERROR]

        def counting_start_response(status: str, headers: list[Any], *exc: Any) -> Any:
            self.counter.add(method, endpoint, int(status.split()[0]))
            return start_response(status, headers, *exc)

        return self.app(environ, counting_start_response)
