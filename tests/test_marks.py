"""Plan marks (Resync's forced ones, webhooks' hints): kept until a run that took them has
ended, taken again after a run that did not end well, left for the next run when marked
anew meanwhile, and fenced; on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from billsync.daemon.store import leases, marks
from billsync.daemon.store.leases import LeaseLost
from billsync.daemon.store.models import Connection, Kind, Link, LinkState, PlanMark, Run

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
    assert marks.mark(problems(firm)) == 1200
    assert marks.mark(problems(firm)) == 1200, "marking again marks the same items, once each"
    run = begin(firm)
    taken = marks.take(firm, run)
    assert taken == marks.Taken(forced={"invoice": {str(i) for i in range(1200)}})
    with leases.fenced(firm):
        marks.done(firm, run)
    assert not PlanMark.select().exists()


def test_a_run_that_did_not_end_well_leaves_its_marks_for_the_next(firm):
    marks.mark(problems(firm))
    marks.take(firm, begin(firm))  # and the run fails, or its daemon dies: done() is never called
    assert marks.take(firm, begin(firm)).forced == {"invoice": {str(i) for i in range(1200)}}


def test_an_item_marked_anew_while_a_run_goes_is_left_for_the_next_run(firm):
    marks.mark(problems(firm))
    run = begin(firm)
    marks.take(firm, run)
    again = Link.select(Link.id).where(Link.connection == firm, Link.clio_id == "7")
    assert marks.mark(again) == 1
    with leases.fenced(firm):
        marks.done(firm, run)
    assert marks.take(firm, begin(firm)).forced == {"invoice": {"7"}}


def test_a_stalled_daemon_can_neither_take_nor_clear_its_successors_marks(firm):
    marks.mark(problems(firm))
    Connection.update(lease_until=leases.database_now(-dt.timedelta(seconds=1))).where(
        Connection.id == firm.id
    ).execute()
    successor = leases.claim(firm.id, B, landing=LANDING)
    run = begin(successor)
    assert len(marks.take(successor, run).forced["invoice"]) == 1200
    with pytest.raises(LeaseLost):
        marks.take(firm, begin(firm))
    assert PlanMark.select().where(PlanMark.taken_by == run.id).count() == 1200


def test_purge_deletes_the_marks_with_the_links(firm):
    from billsync.daemon.rpc import connections

    marks.mark(problems(firm))
    connections.purge_links(firm, "tester")
    assert not PlanMark.select().exists()


def test_a_webhooks_hint_is_read_not_forced_and_never_unforces_a_resync(firm):
    marks.hint(firm.id, Kind.CONTACT, "12")
    marks.hint(firm.id, Kind.CONTACT, "12")  # Clio delivers again
    marks.mark(Link.select(Link.id).where(Link.connection == firm, Link.clio_id == "3"))
    marks.hint(firm.id, Kind.INVOICE, "3")  # the same bill edited after its re-sync was asked for
    assert marks.take(firm, begin(firm)) == marks.Taken(forced={"invoice": {"3"}}, hinted={"contact": {"12"}})
