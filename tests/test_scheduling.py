"""When a connection is due next, decided on the database's clock as its runs end, what a
cycle's thread holds of the database between its steps, and a stop that outlives its grace."""

from __future__ import annotations

import datetime as dt
import threading

import peewee

from billsync.daemon.process import Daemon
from billsync.daemon.store import leases
from billsync.daemon.store.clock import at_resolution, database_time
from billsync.daemon.store.db import database, let_go
from billsync.daemon.store.models import Connection, Run
from billsync.daemon.sync.scheduler import NO_THREAD, STOPPED, schedule_next
from tests import harness
from tests.harness import PATIENCE

LATER = dt.timedelta(hours=1)


def began(connection: Connection) -> Run:
    return Run.create(connection=connection, trigger="authorized", started_at=database_time())


def requested_at(connection: Connection, when: dt.datetime) -> None:
    """A Sync asked for at ``when``, written as the scheduler writes a request: by the
    database's clock (``Scheduler.request``)."""
    Connection.update(next_run_at=at_resolution(peewee.Value(when))).where(Connection.id == connection.id).execute()


def next_run_at(connection: Connection) -> dt.datetime:
    return Connection.get_by_id(connection.id).next_run_at


def test_a_run_ending_makes_the_connection_due_an_interval_later(db):
    connection = Connection.create(name="Firm", state="connected")
    run = began(connection)
    requested_at(connection, run.started_at - dt.timedelta(seconds=5))  # what this run took up
    schedule_next(connection, run, run.started_at + LATER)
    assert next_run_at(connection) == run.started_at + LATER


def test_a_sync_asked_for_while_a_run_went_on_stays_due_after_it(db):
    connection = Connection.create(name="Firm", state="connected")
    run = began(connection)
    requested_at(connection, run.started_at + dt.timedelta(seconds=2))
    schedule_next(connection, run, run.started_at + LATER)
    assert next_run_at(connection) == run.started_at + dt.timedelta(seconds=2)


def test_a_sync_asked_for_in_the_millisecond_its_run_began_stays_due_after_it(db):
    """Sync found no run going, then the newest run just begun (``Service.Sync``): it waits
    for one after that, which must come. On SQLite the two times were strings of other
    lengths, the request's the shorter, and it was overwritten: the Sync waited in vain."""
    connection = Connection.create(name="Firm", state="connected")
    run = began(connection)
    requested_at(connection, run.started_at)
    schedule_next(connection, run, run.started_at + LATER)
    assert next_run_at(connection) <= run.started_at


def test_a_revoked_connection_is_not_made_due(db):
    connection = Connection.create(name="Firm", state="revoked")
    schedule_next(connection, began(connection), database_time() + LATER)
    assert next_run_at(connection) is None


def test_a_cycle_thread_lets_go_of_its_connection_between_steps_but_never_inside_a_transaction(db):
    """One connection per thread (peewee): a thread per active cycle would hold one each while
    it waits for its turn, past PostgreSQL's max_connections with a hundred cycles active."""
    seen: dict[str, bool] = {}

    def cycle_thread() -> None:
        Connection.select().count()
        let_go()
        seen["after a step"] = database.is_closed()
        with database.atomic():
            Connection.select().count()
            let_go()
            seen["inside a transaction"] = database.is_closed()
        let_go()

    thread = threading.Thread(target=cycle_thread)
    thread.start()
    thread.join(PATIENCE)
    assert seen == {"after a step": True, "inside a transaction": False}


def test_a_claim_outliving_the_stop_is_waited_for_and_its_run_recorded_as_stopped(db, config, monkeypatch):
    """A dispatch pass inside a claim when the daemon stops goes on past the stop's grace. A
    daemon in a test's process is joined before the next test opens its database (else the
    claim lands there: a later test's run was once taken over by it), and the run it began
    is recorded as stopped, not left running until the next claim."""
    claiming, go_on = threading.Event(), threading.Event()
    claim = leases.claim

    def slow_claim(*args, **kwargs):
        claiming.set()
        go_on.wait(PATIENCE)
        return claim(*args, **kwargs)

    monkeypatch.setattr(leases, "claim", slow_claim)
    connection = Connection.create(name="Firm", state="connected")
    daemon = Daemon(config)
    daemon.start()
    assert claiming.wait(PATIENCE)
    daemon.stop(grace=0.0)
    assert not daemon.join(0.0), "the stop waited for the claim: nothing outlived it"
    go_on.set()
    assert daemon.join(PATIENCE)
    run = Run.get(Run.connection == connection)
    assert (run.state, run.error) == ("failed", STOPPED)
    assert not leases.held(connection.id)


def test_a_run_without_a_thread_to_step_it_fails_saying_why_and_holds_nothing(db, config, monkeypatch):
    """At the host's limit of processes a cycle's thread cannot start: the run used to stay
    registered, its lease renewed for ever, and the connection never synced again."""
    start = threading.Thread.start

    def refused_to_cycles(thread: threading.Thread) -> None:
        if thread.name.startswith("cycle-"):
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", refused_to_cycles)
    connection = Connection.create(name="Firm", state="connected")
    daemon = Daemon(config)
    daemon.start()
    try:
        ended = harness.wait_until(
            lambda: Run.get_or_none(Run.connection == connection, Run.state != "running"), "the run to end"
        )
        assert ended.state == "failed" and ended.error.startswith(NO_THREAD)
        assert daemon.scheduler.await_dispatch(PATIENCE)
        assert not leases.held(connection.id)
    finally:
        harness.stop_in_process(daemon, grace=0.5)
