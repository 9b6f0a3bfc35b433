"""The Clio client on the Clio emulator: paging, filters, tokens, rate limits, faults."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from billsync.daemon.auth.oauth import OAuth
from billsync.daemon.errors import AuthorizationLost, NotFound
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import Harness, admin, clio_firm, config_for, fast_http, harness, sandbox  # noqa: F401


def test_who_am_i(harness: Harness, sandbox: Sandbox) -> None:
    me = harness.clio.who_am_i()
    assert me["name"] == sandbox.clio_config.user_name
    assert me["account"]["name"] == sandbox.clio_config.account_name


def test_iterate_follows_every_page_in_id_order(harness: Harness, clio_firm: dict[str, int]) -> None:
    bills = list(harness.clio.iterate("bills", "id,number,state,total,balance"))
    assert len(bills) == clio_firm["bills"] > 200
    assert [b["id"] for b in bills] == sorted(b["id"] for b in bills)
    assert all(isinstance(b["total"], (Decimal, int)) for b in bills)
    assert any(isinstance(b["total"], Decimal) for b in bills), "money is Decimal, never float"


@pytest.mark.parametrize("inclusive", [False, True], ids=["after", "at-or-after"])
def test_since_filters_mean_after_unless_set_inclusive(harness: Harness, sandbox: Sandbox, inclusive: bool) -> None:
    """Clio's OpenAPI document: updated_since filters "to those having the `updated_at` field
    after a specific time", created_since likewise; the emulator's setting keeps "at or after"."""
    admin(sandbox, "PATCH", "/config", json={"inclusive_since": inclusive})
    first = next(harness.clio.iterate("contacts", "id,name"))
    renamed = admin(sandbox, "PATCH", f"/contacts/{first['id']}", json={"name": "Renamed & Sons"})["data"]
    at = datetime.fromisoformat(renamed["updated_at"])
    for since, expected in ((at, inclusive), (at - timedelta(seconds=1), True)):
        changed = [c["id"] for c in harness.clio.iterate("contacts", "id", updated_since=since)]
        assert (first["id"] in changed) is expected, since
    made = admin(sandbox, "POST", "/contacts", json={"type": "Company", "name": "Since & Co"})["data"]
    created = [c["id"] for c in harness.clio.iterate("contacts", "id", created_since=made["created_at"])]
    assert (made["id"] in created) is inclusive
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


@pytest.mark.parametrize("ours_off_by", [-420.0, 420.0])
def test_pacing_reads_the_window_on_clios_clock(harness: Harness, sandbox: Sandbox, ours_off_by: float) -> None:
    """``X-RateLimit-Reset`` is a time on Clio's clock: with ours minutes off, what remains of
    a window (a second at scale 60) is still a second, not minutes, nor nothing."""
    admin(sandbox, "PATCH", "/config", json={"rate_limit_per_minute": 10})
    admin(sandbox, "DELETE", "/requests")
    harness.clio.clock = lambda: time.time() + ours_off_by
    paced: list[float] = []
    harness.clio.sleep = lambda seconds: (paced.append(seconds), time.sleep(min(seconds, 2.0)))  # type: ignore[func-returns-value]
    for _ in range(25):
        harness.clio.who_am_i()
    assert harness.statuses() == {200: 25}
    # The window's end is a whole second, the Date header's too: two seconds at most are left.
    assert paced and max(paced) <= 2.0


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
