"""Fixtures for the Clio emulator tests: a real server on a free port and a small client.

Imported by the ``test_clio_*`` modules (rather than living in ``conftest.py``, which the
QBO emulator's tests own) with ``from tests.sandbox.clio_fixtures import *``.
"""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest

from billsync.sandbox.clio.app import ClioConfig, ClioSandbox, create_app
from billsync.serving import BackgroundServer

__all__ = ["Clio", "clio", "clio_server", "serve"]


def serve(app: Any, threads: int = 16) -> BackgroundServer:
    return BackgroundServer(app, threads=threads, connection_limit=200).start()


class Clio:
    """A running Clio emulator with a token, plus helpers for its API and admin API."""

    def __init__(self, served: BackgroundServer, sandbox: ClioSandbox) -> None:
        self.url = served.url
        self.sandbox = sandbox
        self.http = httpx.Client(base_url=self.url, timeout=10.0)
        self.token = self.mint()

    def mint(self) -> str:
        return self.admin("POST", "/tokens")["access_token"]

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/_sandbox{path}", **kwargs)
        assert response.is_success, response.text
        return response.json() if response.content else None

    def api(self, path: str, token: str | None = None, method: str = "GET", **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}", **kwargs.pop("headers", {})}
        return self.http.request(method, f"/api/v4{path}", headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.api(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def clio_server() -> Iterator[tuple[BackgroundServer, ClioSandbox]]:
    app = create_app(ClioConfig())
    served = serve(app)
    yield served, app.extensions["clio"]
    served.stop()


@pytest.fixture
def clio(clio_server: tuple[BackgroundServer, ClioSandbox]) -> Iterator[Clio]:
    """The emulator reset to default limits, no faults, a 40-bill demo firm and a token."""
    served, sandbox = clio_server
    client = Clio(served, sandbox)
    client.admin("POST", "/reset")
    client.admin(
        "PATCH",
        "/config",
        json={"rate_limit_per_minute": 100000, "time_scale": 1, "faults": {"rate": 0}, "clock_offset_seconds": 0},
    )
    client.admin("POST", "/seed", json={"bills": 40, "seed": 7})
    client.token = client.mint()
    yield client
    client.http.close()
