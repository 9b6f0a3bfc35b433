"""Re-sync marks: kept until a run that took them has ended, taken again after a run that
did not end well, left for the next run when marked anew meanwhile, and fenced; on SQLite
and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from billsync.daemon.store import leases, resyncs
from billsync.daemon.store.leases import LeaseLost
from billsync.daemon.store.models import Connection, Link, LinkState, ResyncMark, Run

A, B = "host-a:1:aaaa", "host-b:2:bbbb"
LANDING = dt.timedelta(seconds=120)


@pytest.fixture
def firm(db) -> Connection:
    """A connection with 1,200 failed invoices and one synced, held by daemon A."""
    connection = Connection.create(name="Firm", state="connected")
    rows = [
        {"connection": connection.id, "kind": "invoice", "clio_id": str(i), "state": LinkState.FAILED}
        for i in range(1200)
    ]
    rows.append({"connection": connection.id, "kind": "invoice", "clio_id": "ok", "state": LinkState.SYNCED})
    for i in range(0, len(rows), 500):
        Link.insert_many(rows[i : i + 500]).execute()
    return leases.claim(connection.id, A, landing=LANDING)


def problems(connection: Connection):
    return Link.select(Link.id).where(Link.connection == connection, Link.state == LinkState.FAILED)


def begin(connection: Connection) -> Run:
    return Run.create(connection=connection, trigger="resync")


def test_a_run_takes_every_mark_and_its_end_clears_them(firm):
    assert resyncs.mark(problems(firm)) == 1200
    assert resyncs.mark(problems(firm)) == 1200, "marking again marks the same items, once each"
    run = begin(firm)
    taken = resyncs.take(firm, run)
    assert taken == {"invoice": {str(i) for i in range(1200)}}
    with leases.fenced(firm):
        resyncs.done(firm, run)
    assert not ResyncMark.select().exists()


def test_a_run_that_did_not_end_well_leaves_its_marks_for_the_next(firm):
    resyncs.mark(problems(firm))
    resyncs.take(firm, begin(firm))  # and the run fails, or its daemon dies: done() is never called
    assert resyncs.take(firm, begin(firm)) == {"invoice": {str(i) for i in range(1200)}}


def test_an_item_marked_anew_while_a_run_goes_is_left_for_the_next_run(firm):
    resyncs.mark(problems(firm))
    run = begin(firm)
    resyncs.take(firm, run)
    again = Link.select(Link.id).where(Link.connection == firm, Link.clio_id == "7")
    assert resyncs.mark(again) == 1
    with leases.fenced(firm):
        resyncs.done(firm, run)
    assert resyncs.take(firm, begin(firm)) == {"invoice": {"7"}}


def test_a_stalled_daemon_can_neither_take_nor_clear_its_successors_marks(firm):
    resyncs.mark(problems(firm))
    Connection.update(lease_until=leases.database_now(-dt.timedelta(seconds=1))).where(
        Connection.id == firm.id
    ).execute()
    successor = leases.claim(firm.id, B, landing=LANDING)
    run = begin(successor)
    assert len(resyncs.take(successor, run)["invoice"]) == 1200
    with pytest.raises(LeaseLost):
        resyncs.take(firm, begin(firm))
    assert ResyncMark.select().where(ResyncMark.taken_by == run.id).count() == 1200


def test_purge_deletes_the_marks_with_the_links(firm):
    from billsync.daemon.rpc import connections

    resyncs.mark(problems(firm))
    connections.purge_links(firm, "tester")
    assert not ResyncMark.select().exists()
