"""The QBO emulator's limits (500 requests a minute, 10 a second, 40 batches a minute, 10 in
flight, per realm) and its hold, as a client of the real API meets them.

Windows are tested on a stopped clock the test moves on, and the concurrency ceiling and
the hold with requests the emulator holds: nothing depends on how fast the machine is.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.sandbox.test_qbo_behaviour import clock  # noqa: F401 - a fixture, a parameter of the tests

#: A second of QBO's time at the time scale of these tests (60).
SECOND = 1 / 60


def test_ten_requests_a_second_then_429(qbo, clock) -> None:  # noqa: F811
    """QBO admits "10 requests per second, per realm ID and app" (developer.intuit.com, *API
    call limits and throttles*); the emulator's second is scaled like its minute."""
    qbo.admin("PATCH", "/config", json={"limits_enabled": True, "time_scale": 60.0})
    statuses = [qbo.api("GET", "/preferences").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    clock.advance(SECOND)
    assert qbo.api("GET", "/preferences").status_code == 200


def test_throttle_answers_429_xml_after_the_ceiling(qbo, clock) -> None:  # noqa: F811
    qbo.admin("PATCH", "/config", json={"limits_enabled": True, "requests_per_minute": 20, "time_scale": 60.0})
    statuses = []
    for _ in range(3):  # ten a (scaled) second, as QBO admits
        statuses += [qbo.api("GET", "/preferences").status_code for _ in range(10)]
        clock.advance(SECOND)
    assert statuses == [200] * 20 + [429] * 10
    throttled = qbo.api("GET", "/preferences")
    assert throttled.status_code == 429 and '<Error code="3001">' in throttled.text
    clock.advance(0.9 - 3 * SECOND)  # most of a "minute", a second at time_scale 60
    assert qbo.api("GET", "/preferences").status_code == 429
    clock.advance(0.2)
    assert qbo.api("GET", "/preferences").status_code == 200


def test_concurrency_ceiling(qbo) -> None:
    qbo.admin("PATCH", "/config", json={"limits_enabled": True, "max_concurrent": 2})
    qbo.admin("POST", "/hold", json={"batches": True})
    query = {"BatchItemRequest": [{"bId": "q", "Query": "select * from Customer"}]}
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(qbo.api, "POST", "/batch", json=query) for _ in range(2)]
        deadline = time.monotonic() + 60  # only against a hang
        while len(qbo.admin("GET", "/hold")["caught"]) < 2:
            assert time.monotonic() < deadline, "the two batches were not held"
            time.sleep(0.01)
        assert qbo.api("GET", "/preferences").status_code == 429, "both slots are taken"
        qbo.admin("POST", "/hold", json={"batches": False})
        assert [future.result().status_code for future in held] == [200, 200]
    assert qbo.api("GET", "/preferences").status_code == 200


def test_a_hold_narrowed_to_an_entity_parks_only_batches_writing_it(qbo) -> None:
    qbo.admin("POST", "/hold", json={"batches": True, "entities": ["Customer"]})
    customers = {"BatchItemRequest": [{"bId": "c", "operation": "create", "Customer": {"DisplayName": "Held"}}]}
    query = {"BatchItemRequest": [{"bId": "q", "Query": "select * from Customer"}]}
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(qbo.api, "POST", "/batch", json=customers)
        deadline = time.monotonic() + 60  # only against a hang
        while not (caught := qbo.admin("GET", "/hold")["caught"]):
            assert time.monotonic() < deadline, "the batch of customers was not held"
            time.sleep(0.01)
        assert [c["entities"] for c in caught] == ["Customer"]
        assert qbo.api("POST", "/batch", json=query).status_code == 200, "a batch writing no customer goes on"
        assert not held.done()
        qbo.admin("POST", "/hold", json={"batches": False})
        assert held.result().status_code == 200
    assert qbo.admin("GET", "/hold")["entities"] == []


def test_a_hold_on_writes_parks_single_writes_too(qbo) -> None:
    qbo.admin("POST", "/hold", json={"batches": True, "writes": True, "entities": ["Customer"]})
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(qbo.api, "POST", "/customer", json={"DisplayName": "Held"})
        deadline = time.monotonic() + 60  # only against a hang
        while not (caught := qbo.admin("GET", "/hold")["caught"]):
            assert time.monotonic() < deadline, "the customer's create was not held"
            time.sleep(0.01)
        assert [(c["path"].rsplit("/", 1)[-1], c["entities"]) for c in caught] == [("customer", "Customer")]
        item = {"Name": "Fees", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
        assert qbo.api("POST", "/item", json=item).status_code == 200, "an item is not held"
        qbo.admin("POST", "/hold", json={"batches": False})
        assert held.result().status_code == 200
    assert qbo.admin("GET", "/hold")["writes"] is False


def test_a_hold_on_batches_lets_single_writes_go_on(qbo) -> None:
    qbo.admin("POST", "/hold", json={"batches": True})
    try:
        assert qbo.api("POST", "/customer", json={"DisplayName": "Not held"}).status_code == 200
    finally:
        qbo.admin("POST", "/hold", json={"batches": False})
