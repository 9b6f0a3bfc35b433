"""The Clio client on the Clio emulator: paging, filters, tokens, rate limits, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billsync.daemon.auth.oauth import OAuth
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.clio.client import Clio
from billsync.daemon.errors import AuthorizationLost, NotFound
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import MemoryRow, config_for, fast_http, sandbox  # noqa: F401

BILLS = 230  # more than one page of 200


def admin(sandbox: Sandbox, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{sandbox.clio_url}/_sandbox{path}", timeout=30, **kwargs)
    assert response.is_success, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def firm(sandbox: Sandbox) -> dict[str, int]:
    if not sandbox.clio_url:
        pytest.skip("the Clio emulator is not served yet")
    admin(sandbox, "POST", "/reset")
    return admin(sandbox, "POST", "/seed", json={"bills": BILLS, "seed": 7})["counts"]


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
def harness(sandbox: Sandbox, firm: dict[str, int]) -> Iterator[Harness]:
    made = Harness(sandbox)
    yield made
    made.close()
    admin(
        sandbox,
        "PATCH",
        "/config",
        json={"rate_limit_per_minute": 50, "faults": {"rate": 0.0, "kinds": ["error", "slow", "drop"]}},
    )


def test_who_am_i(harness: Harness, sandbox: Sandbox) -> None:
    me = harness.clio.who_am_i()
    assert me["name"] == sandbox.clio_config.user_name
    assert me["account"]["name"] == sandbox.clio_config.account_name


def test_iterate_follows_every_page_in_id_order(harness: Harness, firm: dict[str, int]) -> None:
    bills = list(harness.clio.iterate("bills", "id,number,state,total,balance"))
    assert len(bills) == firm["bills"] > 200
    assert [b["id"] for b in bills] == sorted(b["id"] for b in bills)
    assert all(isinstance(b["total"], (Decimal, int)) for b in bills)
    assert any(isinstance(b["total"], Decimal) for b in bills), "money is Decimal, never float"


def test_updated_since_and_get(harness: Harness, sandbox: Sandbox) -> None:
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    first = next(harness.clio.iterate("contacts", "id,name"))
    admin(sandbox, "PATCH", f"/contacts/{first['id']}", json={"name": "Renamed & Sons"})
    changed = list(harness.clio.iterate("contacts", "id,name,updated_at", updated_since=since))
    assert [c["id"] for c in changed] == [first["id"]]
    assert harness.clio.get("contacts", first["id"], "id,name")["name"] == "Renamed & Sons"
    with pytest.raises(NotFound):
        harness.clio.get("bills", 10_000_000, "id")


def test_expired_token_is_refreshed_once(harness: Harness, sandbox: Sandbox) -> None:
    admin(sandbox, "POST", "/tokens/expire", json={})
    assert harness.clio.who_am_i()["id"]
    assert len(harness.row.saved) == 1
    assert harness.row.tokens["refresh_token"] == harness.row.saved[0]["refresh_token"]


def test_revoked_grant_loses_authorization(harness: Harness, sandbox: Sandbox) -> None:
    OAuth(config_for(sandbox), fast_http()).revoke("clio", harness.row.tokens["access_token"])
    with pytest.raises(AuthorizationLost, match="Clio access was revoked or expired; authorize again"):
        harness.clio.who_am_i()


def test_pacing_avoids_the_rate_limit(harness: Harness, sandbox: Sandbox) -> None:
    admin(sandbox, "PATCH", "/config", json={"rate_limit_per_minute": 10})  # 10 per second at scale 60
    admin(sandbox, "DELETE", "/requests")
    for _ in range(25):
        harness.clio.who_am_i()
    assert harness.statuses() == {200: 25}
    assert harness.paced, "the client slowed down as the window ran out"


@pytest.mark.parametrize(
    "change, status",
    [
        ({"faults": {"rate": 0.4, "kinds": ["error"], "seed": 1}}, 503),
        ({"faults": {"rate": 0.3, "kinds": ["slow"], "slow_seconds": 0.6, "seed": 2}}, None),
        ({"faults": {"rate": 0.3, "kinds": ["drop"], "seed": 3}}, 0),
    ],
    ids=["5xx", "slow", "dropped"],
)
def test_faults_are_survived(sandbox: Sandbox, harness: Harness, change: dict[str, Any], status: int | None) -> None:
    survivor = Harness(sandbox, http_timeout=0.3, max_attempts=12)
    admin(sandbox, "DELETE", "/requests")
    admin(sandbox, "PATCH", "/config", json=change)
    try:
        contacts = list(survivor.clio.iterate("contacts", "id", limit=20))
    finally:
        admin(sandbox, "PATCH", "/config", json={"faults": {"rate": 0.0}})
        survivor.close()
    assert len(contacts) == admin(sandbox, "GET", "/counts")["counts"]["contacts"]
    if status is not None:
        assert survivor.statuses().get(status, 0) > 0, "the fault was never injected"


def test_429_retry_after_is_honoured(sandbox: Sandbox, harness: Harness) -> None:
    harness.clio.sleep = lambda seconds: None  # no pacing: run into the limit on purpose
    admin(sandbox, "PATCH", "/config", json={"rate_limit_per_minute": 5})
    admin(sandbox, "DELETE", "/requests")
    for _ in range(12):
        harness.clio.who_am_i()
    assert harness.statuses()[200] == 12 and harness.statuses()[429] > 0
