"""The retry layer and the rate limiter, without servers: what waits, what gives up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from billsync.daemon.errors import Unavailable
from billsync.daemon.http import Http, RetryPolicy, retry_after, scrub
from billsync.daemon.ratelimit import READ_RESERVE, Limits, RateLimiter

Step = Callable[[httpx.Request], httpx.Response]


def answer(status: int, **headers: str) -> Step:
    return lambda request: httpx.Response(status, headers=headers, text="x")


def fail(error: type[httpx.TransportError]) -> Step:
    def raise_(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    return raise_


def scripted(*steps: Step, policy: RetryPolicy = RetryPolicy()) -> tuple[Http, list[float], list[httpx.Request]]:
    """An Http whose server follows ``steps`` (the last repeats) and whose sleeps are recorded."""
    waits: list[float] = []
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return steps[min(len(sent), len(steps)) - 1](request)

    http = Http(policy=policy, sleep=waits.append, jitter=lambda: 0.5, transport=httpx.MockTransport(handler))
    return http, waits, sent


@pytest.mark.parametrize(
    "first",
    [
        answer(429),
        answer(500),
        answer(502),
        answer(503),
        answer(504),
        fail(httpx.ConnectError),
        fail(httpx.ReadTimeout),
        fail(httpx.RemoteProtocolError),
        fail(httpx.ReadError),
    ],
    ids=["429", "500", "502", "503", "504", "refused", "timeout", "dropped", "reset"],
)
def test_transient_failures_are_retried(first: Step) -> None:
    http, waits, sent = scripted(first, answer(200))
    assert http.request("POST", "https://qbo.test/v3/x", content=b"{}").status_code == 200
    assert len(sent) == 2 and waits == [0.25]  # jitter 0.5 × base 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_other_answers_are_returned_at_once(status: int) -> None:
    http, waits, sent = scripted(answer(status))
    assert http.request("GET", "https://qbo.test/").status_code == status
    assert len(sent) == 1 and waits == []


def test_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    policy = RetryPolicy(max_attempts=7, base=1.0, cap=8.0, max_wait=1000.0)
    http, waits, sent = scripted(answer(503), policy=policy)
    assert http.request("GET", "https://qbo.test/").status_code == 503, "the last answer is handed back"
    assert len(sent) == 7 and waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_retry_after_is_honoured_and_capped() -> None:
    http, waits, _ = scripted(
        answer(429, **{"Retry-After": "7"}),
        answer(429, **{"Retry-After": "900"}),
        answer(200),
        policy=RetryPolicy(cap=30.0),
    )
    assert http.request("GET", "https://clio.test/").status_code == 200
    assert waits == [7.0, 30.0]


def test_total_wait_is_capped() -> None:
    http, waits, sent = scripted(
        answer(429, **{"Retry-After": "4"}), policy=RetryPolicy(max_attempts=50, max_wait=10.0)
    )
    assert http.request("GET", "https://qbo.test/").status_code == 429
    assert waits == [4.0, 4.0] and len(sent) == 3


def test_no_answer_at_all_becomes_unavailable() -> None:
    http, waits, sent = scripted(fail(httpx.ConnectError), policy=RetryPolicy(max_attempts=3))
    with pytest.raises(Unavailable, match="qbo.test could not be reached after 3 attempts"):
        http.request("GET", "https://qbo.test/")
    assert len(sent) == 3 and len(waits) == 2


def test_every_attempt_passes_through_around() -> None:
    entered: list[int] = []

    class Slot:
        def __enter__(self) -> None:
            entered.append(1)

        def __exit__(self, *exc: object) -> None:
            return None

    http, _, sent = scripted(answer(503), answer(200))
    http.request("GET", "https://qbo.test/", around=Slot)
    assert len(entered) == len(sent) == 2


def test_retry_after_accepts_an_http_date() -> None:
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 20))
    assert 18 <= (retry_after(httpx.Response(429, headers={"Retry-After": later}), 60.0) or 0) <= 20
    assert retry_after(httpx.Response(429), 60.0) is None


@pytest.mark.parametrize("ours_off_by", [-420, 420])
def test_an_http_date_to_retry_after_is_counted_on_the_servers_clock(ours_off_by: int) -> None:
    """A server whose clock is minutes off ours asks for 20 s: 20 s it is, not 20 s ± minutes."""
    theirs = time.time() - ours_off_by
    stamp = lambda t: time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))  # noqa: E731
    answer = httpx.Response(429, headers={"Date": stamp(theirs), "Retry-After": stamp(theirs + 20)})
    assert retry_after(answer, 600.0) == 20


def test_scrub_removes_tokens() -> None:
    text = "Token expired: AB01601390262kxzxOlnHYdhtEVRXISU7piPqQrCmmbDN35Yjd; header Bearer eyJhbGciOi.x.y; s3cr3t!"
    cleaned = scrub(text, secrets=("s3cr3t!",))
    assert "AB0160" not in cleaned and "eyJhbG" not in cleaned and "s3cr3t" not in cleaned


# -- rate limiter ---------------------------------------------------------------------------


def test_limiter_caps_requests_in_flight() -> None:
    limiter = RateLimiter(Limits(per_minute=1000, concurrent=3, per_second=1000))
    in_flight, peak, lock = 0, 0, threading.Lock()

    # Inside a slot each waits until three are: the cap is reached however slowly threads start.
    three_in = threading.Barrier(3, timeout=60)

    def work() -> None:
        nonlocal in_flight, peak
        with limiter.slot("realm"):
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            three_in.wait()
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 3


def test_limiter_paces_a_window_and_keys_are_independent() -> None:
    clock = [0.0]  # stopped: a slot that had to wait would wait for ever
    limiter = RateLimiter(Limits(per_minute=5), clock=lambda: clock[0])
    for _ in range(5):
        with limiter.slot("a"):
            pass
    with limiter.slot("b"):
        pass
    assert limiter.capacity("a") == (0, 60.0)
    clock[0] += 60.0
    assert limiter.capacity("a") == (5, 0.0)


def test_a_full_window_makes_a_slot_wait_for_it() -> None:
    limiter = RateLimiter(Limits(per_minute=1), time_scale=600)  # a 0.1 s "minute"
    start = time.monotonic()
    for _ in range(2):
        with limiter.slot("a"):
            pass
    assert time.monotonic() - start >= 0.1


def test_limiter_counts_batches_separately() -> None:
    clock = [0.0]
    limiter = RateLimiter(Limits(per_minute=100, batch_per_minute=2, per_second=100), clock=lambda: clock[0])
    for _ in range(2):
        with limiter.slot("a", batch=True):
            pass
    for _ in range(10):
        with limiter.slot("a"):
            pass
    assert limiter.capacity("a", batch=True) == (0, 60.0)
    assert limiter.capacity("a")[0] > 0, "plain requests do not wait for batch slots"


def test_limiter_capacity_says_how_many_may_start_and_else_how_long_to_wait() -> None:
    clock = [100.0]
    limiter = RateLimiter(Limits(per_minute=100, batch_per_minute=3, concurrent=8), clock=lambda: clock[0])
    assert limiter.capacity("realm", batch=True) == (3, 0.0)
    with limiter.slot("realm", batch=True):
        assert limiter.capacity("realm", batch=True) == (2, 0.0)
    clock[0] += 10
    with limiter.slot("realm", batch=True), limiter.slot("realm", batch=True):
        assert limiter.capacity("realm", batch=True) == (0, 50.0), "the first batch leaves the window in 50 s"
        assert limiter.capacity("realm") == (6, 0.0), "plain requests are still admitted, 8 in flight less the 2"
        assert limiter.capacity("other", batch=True) == (3, 0.0)
        assert limiter.capacity("realm", batch=True, announce=False) == (0, 50.0)


def test_a_request_counts_in_a_window_until_a_window_after_its_answer() -> None:
    """QBO counts a request when it arrives, at some moment between its sending and its
    answer: counted from sending until a minute after the answer, none QBO counts in one of
    its minutes is missed here, however long it travelled."""
    clock = [0.0]
    limiter = RateLimiter(Limits(per_minute=2, per_second=100), clock=lambda: clock[0])
    with limiter.slot("realm"):
        clock[0] += 45.0  # a slow answer: QBO may have counted it at any moment until now
    with limiter.slot("realm"):
        pass
    assert limiter.capacity("realm") == (0, 60.0), "the slow one counts until a minute after its answer came"
    clock[0] += 60.0
    assert limiter.capacity("realm") == (2, 0.0)


def test_limiter_paces_a_second_too_scaled_like_the_minute() -> None:
    """Intuit's 10 requests a second: a burst the minute would admit still waits."""
    clock = [0.0]
    limiter = RateLimiter(Limits(per_minute=100, per_second=2), time_scale=10, clock=lambda: clock[0])
    for _ in range(2):
        with limiter.slot("realm"):
            pass
    assert limiter.capacity("realm") == (0, 0.1), "a tenth of a second is the second at time scale 10"
    clock[0] += 0.1
    assert limiter.capacity("realm") == (2, 0.0)


def test_singles_leave_the_minute_room_for_the_batches_it_still_allows_and_for_reads() -> None:
    clock = [0.0]
    limits = Limits(per_minute=100, batch_per_minute=3, concurrent=8, per_second=100)
    limiter = RateLimiter(limits, clock=lambda: clock[0])
    assert limiter.singles("realm") == (8, 0.0), "as many as may be in flight"
    assert limiter.singles("realm", sending=3) == (5, 0.0), "besides the batches about to leave"
    for _ in range(80):
        with limiter.slot("realm"):
            pass
    assert limiter.singles("realm") == (100 - 80 - 3 - READ_RESERVE, 0.0)
    clock[0] += 1.0
    with limiter.slot("realm", batch=True):
        pass
    assert limiter.singles("realm") == (100 - 81 - 2 - READ_RESERVE, 0.0), "a batch sent was room kept for it"
    for _ in range(7):
        with limiter.slot("realm"):
            pass
    assert limiter.singles("realm") == (0, 59.0), "until the first request leaves the window"
    assert limiter.unused_batches("realm") == 2
