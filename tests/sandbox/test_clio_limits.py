"""The Clio emulator's rate limit and injected faults, as a client meets them."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio


def test_rate_limit_headers_429_and_retry_after(clio: Clio) -> None:
    # 5 requests a minute: six requests always fall in one window, however slow the machine.
    clio.admin("PATCH", "/config", json={"rate_limit_per_minute": 5, "time_scale": 1})
    token = clio.mint()
    answers = [clio.api("/contacts.json", token=token) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "5"
    assert int(answers[0].headers["X-RateLimit-Reset"]) >= int(time.time())
    throttled = answers[-1]
    assert throttled.json()["error"]["type"] == "RateLimited"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert clio.api("/contacts.json").status_code == 200, "the limit is per token"
    clio.admin("PATCH", "/config", json={"clock_offset_seconds": 60})  # the window has passed
    assert clio.api("/contacts.json", token=token).status_code == 200


def test_injected_server_error_is_clio_shaped_503(clio: Clio) -> None:
    clio.admin("PATCH", "/config", json={"faults": {"rate": 1.0, "kinds": ["error"], "seed": 3}})
    response = clio.api("/bills.json")
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "ServiceUnavailable"
    assert clio.admin("GET", "/counts"), "the admin API is never faulted"


def test_injected_drop_closes_the_connection(clio: Clio) -> None:
    clio.admin("PATCH", "/config", json={"faults": {"rate": 1.0, "kinds": ["drop"]}})
    with pytest.raises(httpx.TransportError):
        clio.api("/bills.json")
    counts = clio.admin("GET", "/requests")["requests"]
    assert {"method": "GET", "endpoint": "/api/v4/bills.json", "filters": "", "status": 0, "count": 1} in counts


def test_injected_slow_answer(clio: Clio) -> None:
    clio.admin("PATCH", "/config", json={"faults": {"rate": 1.0, "kinds": ["slow"], "slow_seconds": 0.3}})
    started = time.monotonic()
    assert clio.api("/bills.json").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_request_counts_per_endpoint_filters_and_status(clio: Clio) -> None:
    clio.admin("DELETE", "/requests")
    clio.api("/bills/1.json")
    clio.api("/bills/2.json")
    clio.api("/bills.json", params={"limit": 500})
    report = clio.admin("GET", "/requests")["requests"]
    assert report == [
        {"method": "GET", "endpoint": "/api/v4/bills.json", "filters": "", "status": 400, "count": 1},
        {"method": "GET", "endpoint": "/api/v4/bills/{id}.json", "filters": "", "status": 200, "count": 2},
    ]
