"""Turns to work: a cycle that waits - Clio's pacing, a retry's backoff, a QBO realm's limits -
gives its turn to the next, and stopping the daemon ends every wait at once.

Each test waits on events and states, never on time: a wait that would hold a turn makes
the test give up after a hung test's patience instead of passing."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from billsync.daemon import turns
from billsync.daemon.observe.metrics import Metrics
from billsync.daemon.ratelimit import Limits, RateLimiter
from billsync.daemon.turns import Stopping, Turns
from tests.harness import PATIENCE, wait_until

HOURS = 3600.0


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    """Runs ``work`` on a thread of its own, keeping what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # noqa: BLE001 - Stopping is the point
            raised.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def waiting_in_a_turn(pool: Turns, wait: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    """A cycle that takes the pool's only turn, then waits with ``wait``."""
    holding = threading.Event()

    def cycle() -> None:
        with pool.turn():
            holding.set()
            wait()

    thread, raised = in_thread(cycle)
    assert holding.wait(PATIENCE)
    return thread, raised


def another_cycle_works(pool: Turns) -> bool:
    done = threading.Event()

    def cycle() -> None:
        with pool.turn():
            done.set()

    in_thread(cycle)
    return done.wait(PATIENCE)


def test_a_cycle_pausing_for_hours_leaves_the_only_turn_to_another_and_stopping_ends_its_pause():
    pool = Turns(1)
    paused, raised = waiting_in_a_turn(pool, lambda: turns.pause(HOURS))
    assert another_cycle_works(pool)
    pool.stop()
    paused.join(PATIENCE)
    assert [type(e) for e in raised] == [Stopping]


def test_a_cycle_waiting_on_its_qbo_realms_limits_leaves_the_turn_to_another():
    # One request a "minute" of seventeen hours (time scale 1/1000).
    limiter = RateLimiter(Limits(per_minute=1, batch_per_minute=1, concurrent=1, per_second=1), time_scale=0.001)
    with limiter.slot("realm"):  # the minute's only request
        pass
    pool = Turns(1)
    stopped = threading.Event()

    def send() -> None:
        with limiter.slot("realm"):
            stopped.set()  # never: the minute is not over when the test ends

    waiting_in_a_turn(pool, send)
    assert another_cycle_works(pool)
    assert not stopped.is_set()
    pool.stop()


def test_turns_are_taken_in_the_order_asked_for():
    pool = Turns(1)
    order: list[int] = []
    threads = []
    with pool.turn():
        for n in range(5):

            def cycle(n: int = n) -> None:
                with pool.turn():
                    order.append(n)

            threads.append(in_thread(cycle)[0])
            wait_until(lambda n=n: pool.waiting == n + 1, f"cycle {n} to queue")
    for thread in threads:
        thread.join(PATIENCE)
    assert order == [0, 1, 2, 3, 4]


def test_the_cycles_waiting_for_a_turn_are_a_metric():
    pool, metrics = Turns(1), Metrics()
    metrics.count_waiting(pool)
    waiting = lambda: metrics.registry.get_sample_value("billsync_cycles_waiting_for_a_turn")  # noqa: E731
    assert waiting() == 0
    with pool.turn():
        in_thread(lambda: pool.turn().__enter__())
        wait_until(lambda: waiting() == 1, "the metric to count the cycle queued")
    pool.stop()


def test_stopping_wakes_a_cycle_waiting_for_a_turn():
    pool = Turns(1)
    with pool.turn():
        queued, raised = in_thread(lambda: pool.turn().__enter__())
        wait_until(lambda: pool.waiting == 1, "the cycle to queue")
        pool.stop()
        queued.join(PATIENCE)
    assert [type(e) for e in raised] == [Stopping]


def test_a_thread_lets_go_of_what_it_holds_each_time_it_gives_its_turn_up():
    released: list[str] = []
    pool = Turns(2, on_release=lambda: released.append(threading.current_thread().name))
    with pool.turn():
        turns.pause(0)  # a wait inside a step
    with turns.released():  # no turn held: nothing is given up
        pass
    assert released == [threading.current_thread().name] * 2


def test_no_turn_at_all_is_refused():
    with pytest.raises(ValueError, match="at least one turn"):
        Turns(0)
