"""Faults that strike a write after it was applied, and ``requestid`` replay around them.

A 503 or a dropped connection *before* a write leaves nothing done; the same *after* it is
the case that makes duplicates, since the client cannot tell the two apart. Each test
strikes exactly the writes it means to (``after_next``) or draws them from a seed; the one
about a request still in flight catches it with the hold, never with a delay.

Sources: Intuit Developer blog, "Request ID update for QuickBooks Online integration"
(2015): a client that "loses its connection and does not receive the response" sends the
request again with the same RequestID, and "instead of performing the operation again or
returning an error, the service sends the same response as it did for the original
request"; intuit/QuickBooks-V3-DotNET-SDK issue #373 ("Not getting IDs from Batch"): "The
Response Stream was null or empty", received "after successful execution of a batch".
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import httpx
import pytest

#: Seconds before a wait gives up; only a hung test reaches it.
PATIENCE = 60.0


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def customers(qbo) -> list[dict]:
    return qbo.admin("GET", f"/objects/{qbo.realm}/Customer")["Customer"]


def create_batch(*names: str) -> dict:
    return {
        "BatchItemRequest": [
            {"bId": f"b{i}", "operation": "create", "Customer": {"DisplayName": name}} for i, name in enumerate(names)
        ]
    }


WRITES = {
    "write": ("/customer?requestid=r-1", {"DisplayName": "Applied Once"}),
    "batch": ("/batch?requestid=r-1", create_batch("Applied Once")),
}


def lose_next(qbo, count: int, kind: str) -> None:
    qbo.admin("PATCH", "/config", json={"faults": {"after_next": count, "after_kinds": [kind]}})


@pytest.fixture(autouse=True)
def after_faults_off(qbo):
    yield
    qbo.admin(
        "PATCH",
        "/config",
        json={"faults": {"after_rate": 0.0, "after_next": 0, "after_kinds": ["error", "drop", "omit"]}},
    )


@pytest.mark.parametrize("target", WRITES)
@pytest.mark.parametrize("kind", ["error", "drop"])
def test_a_write_applied_then_its_answer_lost_is_replayed_by_requestid(qbo, kind, target) -> None:
    path, body = WRITES[target]
    lose_next(qbo, 1, kind)
    if kind == "error":
        lost = qbo.api("POST", path, json=body)
        assert lost.status_code == 503 and lost.json()["Fault"]["type"] == "SystemFault"
    else:
        with pytest.raises(httpx.RemoteProtocolError):
            qbo.api("POST", path, json=body)
    [made] = customers(qbo)
    assert made["DisplayName"] == "Applied Once", "applied although the answer was lost"
    assert qbo.admin("GET", "/config")["faults"]["after_next"] == 0

    again = qbo.api("POST", path, json=body)
    assert again.status_code == 200
    answered = again.json()["Customer"] if target == "write" else again.json()["BatchItemResponse"][0]["Customer"]
    assert answered["Id"] == made["Id"], "the re-send is answered with the object the first made"
    assert len(customers(qbo)) == 1


def test_a_batch_answer_can_leave_out_an_item_it_ran_and_replays_as_given(qbo) -> None:
    """*Doubt*: no source shows QBO answering part of a batch that ran (issue #373 lost the
    whole answer); ``omit`` exists so a client's handling of an item whose outcome it never
    learnt can be tested. The replay is the answer as given, per the RequestID post."""
    qbo.admin("DELETE", "/stats")
    lose_next(qbo, 1, "omit")
    path, body = "/batch?requestid=r-2", create_batch("First", "Second")
    answer = qbo.api("POST", path, json=body).json()["BatchItemResponse"]
    assert len(answer) == 1
    assert sorted(c["DisplayName"] for c in customers(qbo)) == ["First", "Second"], "both items ran"
    assert qbo.api("POST", path, json=body).json()["BatchItemResponse"] == answer
    assert qbo.admin("GET", "/stats")["lost_answers"] == {"omit": 1}, "the replay lost nothing more"


def test_omit_needs_a_batch_and_reads_lose_nothing(qbo) -> None:
    qbo.admin("PATCH", "/config", json={"faults": {"after_rate": 1.0, "after_kinds": ["omit"]}})
    assert qbo.api("POST", "/customer", json={"DisplayName": "Single"}).status_code == 200
    qbo.admin("PATCH", "/config", json={"faults": {"after_kinds": ["error", "drop"]}})
    assert qbo.api("GET", "/preferences").status_code == 200
    assert qbo.api("GET", "/query", params={"query": "select * from Customer"}).status_code == 200


def test_a_rate_with_a_seed_strikes_the_same_writes_again(qbo) -> None:
    def strikes(run: int) -> list[int]:
        qbo.admin("PATCH", "/config", json={"faults": {"after_rate": 0.5, "after_kinds": ["error"], "seed": 7}})
        return [qbo.api("POST", "/customer", json={"DisplayName": f"R{run}-{i}"}).status_code for i in range(12)]

    first, second = strikes(1), strikes(2)
    assert first == second and {200, 503} == set(first)
    assert len(customers(qbo)) == 24, "every write was applied, struck or not"


def test_an_identical_request_in_flight_waits_for_the_first_answer(qbo) -> None:
    """The first is held after QBO took its requestid; the second, same requestid, must
    not apply the batch again but wait, and get the first's answer.

    *Doubt* (as in ``sandbox/qbo/replay.py``): Intuit does not say what becomes of a second
    request arriving while the first is still being applied, as when a client gives up
    waiting and sends again at once. Remembering finished requests only would apply that one
    twice, the duplicate the id exists to prevent; waiting is the reading that keeps the
    RequestID post's promise."""
    path, body = "/batch?requestid=r-3", create_batch("Only Once")
    qbo.admin("POST", "/hold", json={"batches": True})
    with ThreadPoolExecutor(2) as pool:
        try:
            first = pool.submit(qbo.api, "POST", path, json=body)
            wait_for(lambda: qbo.admin("GET", "/hold")["caught"], "the first batch to be held")
            second = pool.submit(qbo.api, "POST", path, json=body)
            wait_for(lambda: qbo.admin("GET", "/hold")["waiting"], "the second to wait for the first")
            assert len(qbo.admin("GET", "/hold")["caught"]) == 1, "the second was not let in"
        finally:
            qbo.admin("POST", "/hold", json={"batches": False})
        answers = [first.result(), second.result()]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].text == answers[1].text
    assert len(customers(qbo)) == 1
    assert qbo.admin("GET", "/hold")["waiting"] == []


def test_a_twin_of_a_request_that_left_no_answer_goes_ahead(qbo) -> None:
    """A request refused before it was applied (here a 503) keeps nothing to replay: the
    same requestid is then applied when it comes again."""
    qbo.admin("PATCH", "/config", json={"faults": {"rate": 1.0, "kinds": ["error"]}})
    path, body = "/customer?requestid=r-4", {"DisplayName": "Second Time Lucky"}
    assert qbo.api("POST", path, json=body).status_code == 503
    qbo.admin("PATCH", "/config", json={"faults": {"rate": 0.0}})
    assert qbo.api("POST", path, json=body).status_code == 200
    assert len(customers(qbo)) == 1


def test_a_request_held_past_the_execution_limit_times_out_unapplied(qbo) -> None:
    """QBO times out what runs longer than its limit ("Any requests that take longer than 120
    seconds to execute will time out", developer.intuit.com, *API call limits and
    throttles*): whatever is held that long answers 504 and leaves nothing, so the same
    requestid applies when it comes again, once.

    *Doubt*: Intuit documents the limit, not what a timed-out write leaves; "nothing, and
    never later" is the emulator's reading (``sandbox/README.md``, *Hold*)."""
    path, body = "/batch?requestid=r-5", create_batch("Timed Out First")
    limit = qbo.admin("GET", "/config")["execution_limit"]
    qbo.admin("PATCH", "/config", json={"execution_limit": 0.5})
    qbo.admin("POST", "/hold", json={"batches": True})
    try:
        timed_out = qbo.api("POST", path, json=body)
    finally:
        qbo.admin("POST", "/hold", json={"batches": False})
        qbo.admin("PATCH", "/config", json={"execution_limit": limit})
    assert timed_out.status_code == 504
    assert timed_out.json()["fault"]["error"][0]["code"] == "504"
    assert customers(qbo) == [] and qbo.admin("GET", "/hold")["caught"] == []

    assert qbo.api("POST", path, json=body).status_code == 200
    assert qbo.api("POST", path, json=body).status_code == 200
    assert [c["DisplayName"] for c in customers(qbo)] == ["Timed Out First"]
