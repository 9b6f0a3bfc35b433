"""Shared pieces of the API-client tests: recorded QBO exchanges, a token store, the emulators.

Import the fixtures into a test module (``from tests.clients_fixtures import qbo_sandbox``)
so they stay out of the suite-wide conftest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml

from billsync.daemon.auth.oauth import OAuth
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.clio.client import Clio
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


#: Bills of the Clio tests' firm: more than one page of 200.
CLIO_BILLS = 230


def admin(sandbox: Sandbox, method: str, path: str, **kwargs: Any) -> Any:
    """A call to the Clio emulator's admin API; its JSON answer."""
    response = httpx.request(method, f"{sandbox.clio_url}/_sandbox{path}", timeout=30, **kwargs)
    assert response.is_success, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def clio_firm(sandbox: Sandbox) -> dict[str, int]:
    """A demo firm of ``CLIO_BILLS`` bills in the Clio emulator; its record counts."""
    if not sandbox.clio_url:
        pytest.skip("the Clio emulator is not served yet")
    admin(sandbox, "POST", "/reset")
    return admin(sandbox, "POST", "/seed", json={"bills": CLIO_BILLS, "seed": 7})["counts"]


class Harness:
    """A Clio client on the emulator with its token row and the waits it chose."""

    def __init__(self, sandbox: Sandbox, http_timeout: float = 5.0, **policy: Any) -> None:
        self.sandbox = sandbox
        minted = admin(sandbox, "POST", "/tokens")
        self.row = MemoryRow(
            {
                "access_token": minted["access_token"],
                "refresh_token": minted["refresh_token"],
                "expires_at": time.time() + minted["expires_in"],
            }
        )
        config = config_for(sandbox)
        self.tokens = TokenSource("clio", self.row.load, self.row.save, config, oauth=OAuth(config, fast_http()))
        self.paced: list[float] = []
        self.clio = Clio(
            config.clio_url,
            self.tokens,
            http=fast_http(http_timeout, **policy),
            sleep=lambda s: (self.paced.append(s), time.sleep(s)),
        )  # type: ignore[func-returns-value]

    def close(self) -> None:
        self.clio.http.close()
        self.tokens.oauth.http.close()

    def statuses(self) -> dict[int, int]:
        counted: dict[int, int] = {}
        for entry in admin(self.sandbox, "GET", "/requests")["requests"]:
            if "_sandbox" not in entry["endpoint"]:
                counted[entry["status"]] = counted.get(entry["status"], 0) + entry["count"]
        return counted


@pytest.fixture
def harness(sandbox: Sandbox, clio_firm: dict[str, int]) -> Iterator[Harness]:
    """A Clio client on the firm; the emulator's settings are back to their defaults after."""
    made = Harness(sandbox)
    yield made
    made.close()
    admin(
        sandbox,
        "PATCH",
        "/config",
        json={
            "rate_limit_per_minute": 50,
            "faults": {"rate": 0.0, "kinds": ["error", "slow", "drop"]},
            "inclusive_since": False,
            "clock_offset_seconds": 0,
        },
    )


class AfterFirstPage(httpx.HTTPTransport):
    """Runs ``then`` once the first page of a query is answered: a QBO user's edit mid-read."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self.then = then
        self.pages = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/query"):
            self.pages += 1
            if self.pages == 1:
                self.then()
        return response
