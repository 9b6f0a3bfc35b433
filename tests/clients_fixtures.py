"""Shared pieces of the API-client tests: recorded QBO exchanges, a token store, the emulators.

Import the fixtures into a test module (``from tests.clients_fixtures import qbo_sandbox``)
so they stay out of the suite-wide conftest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from billsync.daemon.auth.oauth import OAuth
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.config import Config
from billsync.daemon.http import Http, RetryPolicy
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.ratelimit import Limits, RateLimiter
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.server import Sandbox
from tests.shared import QBO_RECORDINGS

#: ../shared beside the checkout, as in CI.
RECORDED = QBO_RECORDINGS
#: Emulator time runs this much faster: a QBO "minute" lasts a second.
TIME_SCALE = 60.0


def recorded(name: str) -> list[dict[str, Any]]:
    """The HTTP interactions of a VCR cassette recorded against a real QBO sandbox company."""
    return yaml.safe_load((RECORDED / f"{name}.yml").read_text())["http_interactions"]


def replay(interactions: list[dict[str, Any]], seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    """Answer requests with the recorded responses, in order; the last one repeats.

    The recorded bytes are the real API's, so this tests our parsing against QBO itself.
    """
    answers = iter(interactions)
    last: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal last
        last = next(answers, last)
        if seen is not None:
            seen.append(request)
        assert request.method == last["request"]["method"].upper()
        response = last["response"]
        headers = [
            (k, v)
            for k, values in response["headers"].items()
            for v in values
            if k.lower() not in ("transfer-encoding", "content-length")
        ]
        return httpx.Response(response["status"]["code"], headers=headers, content=response["body"]["string"].encode())

    return httpx.MockTransport(handler)


class FixedTokens:
    """A stand-in TokenSource for replayed exchanges: counts the refreshes asked of it."""

    def __init__(self) -> None:
        self.refreshes = 0

    def access_token(self) -> str:
        return "recorded-token"

    def refreshed(self, rejected: str) -> str:
        self.refreshes += 1
        return "refreshed-token"


class MemoryRow:
    """What the engine's Connection row does for a TokenSource: atomic load and save."""

    def __init__(self, tokens: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.tokens = dict(tokens or {})
        self.saved: list[dict[str, Any]] = []

    def load(self) -> dict[str, Any]:
        with self._lock:
            return dict(self.tokens)

    def save(self, tokens: dict[str, Any]) -> None:
        with self._lock:
            self.tokens = dict(tokens)
            self.saved.append(dict(tokens))


def config_for(sandbox: Sandbox) -> Config:
    """A daemon configuration pointing at the emulators, with their OAuth clients."""
    env = {
        "BILLSYNC_API_TOKEN": "t",
        "BILLSYNC_SECRET_KEY": "k",
        "BILLSYNC_QBO_API_URL": sandbox.qbo_url,
        "BILLSYNC_QBO_OAUTH_URL": sandbox.qbo_url,
        "BILLSYNC_QBO_CLIENT_ID": sandbox.qbo_config.client_id,
        "BILLSYNC_QBO_CLIENT_SECRET": sandbox.qbo_config.client_secret,
        "BILLSYNC_TIME_SCALE": str(TIME_SCALE),
    }
    if sandbox.clio_url:
        env.update(
            BILLSYNC_CLIO_URL=sandbox.clio_url,
            BILLSYNC_CLIO_CLIENT_ID=sandbox.clio_config.client_id,
            BILLSYNC_CLIO_CLIENT_SECRET=sandbox.clio_config.client_secret,
        )
    return Config.from_env(env)


def fast_http(timeout: float = 5.0, **policy: Any) -> Http:
    """Retries with short waits: tests exercise the retry logic, not the patience."""
    return Http(timeout, RetryPolicy(**{"base": 0.05, "cap": 0.5, "max_wait": 10.0, **policy}))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """Both emulators (QBO only until the Clio emulator's app exists), time-scaled."""
    try:
        import billsync.sandbox.clio.app  # noqa: F401

        with_clio = True
    except ImportError:
        with_clio = False
    with Sandbox(time_scale=TIME_SCALE, qbo_config=QBOConfig(), clio=with_clio) as running:
        yield running


@pytest.fixture
def qbo_row(sandbox: Sandbox) -> MemoryRow:
    """A connection row holding freshly minted QBO tokens (as if just authorized)."""
    minted = sandbox.qbo.tokens.mint(sandbox.qbo_config.realm_id)
    return MemoryRow(
        {"access_token": minted["access_token"], "refresh_token": minted["refresh_token"], "expires_at": 4e9}
    )


@pytest.fixture
def qbo(sandbox: Sandbox, qbo_row: MemoryRow) -> Iterator[QuickBooks]:
    """A QBO client on the emulator with the production limits, time-scaled like the emulator."""
    sandbox.qbo.reconfigure(faults={"rate": 0.0})
    config = config_for(sandbox)
    tokens = TokenSource("qbo", qbo_row.load, qbo_row.save, config, oauth=OAuth(config, fast_http()))
    client = QuickBooks(
        config.qbo_api_url,
        sandbox.qbo_config.realm_id,
        tokens,
        RateLimiter(Limits(), time_scale=TIME_SCALE),
        http=fast_http(),
    )
    yield client
    client.http.close()
