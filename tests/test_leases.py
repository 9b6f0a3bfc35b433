"""Leases decided on the database's clock, and link writes fenced by the claim they run under."""

from __future__ import annotations

import datetime as dt
import threading

import peewee
import pytest

from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.client import QboRef
from billsync.daemon.store import db as db_module
from billsync.daemon.store import leases, links, migrations, models
from billsync.daemon.store.db import database, open_database
from billsync.daemon.store.leases import LeaseLost
from billsync.daemon.store.models import Connection, Link, LinkState, Run, Watermark
from billsync.daemon.sync import broken
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.engine import Cycle
from billsync.daemon.sync.progress import Progress
from tests import harness
from tests.conftest import fresh_postgres_database

A, B = "host-a:1:aaaa", "host-b:2:bbbb"
#: How long a write may take to land in QBO after it was sent (its execution limit).
LANDING = dt.timedelta(seconds=120)


def pending(clio_id: str, key: str) -> dict:
    return {"kind": "invoice", "clio_id": clio_id, "state": LinkState.PENDING, "idempotency_key": key}


def lapse(connection_id: int) -> None:
    """Ends the lease now, as its holder stalling past the expiry would."""
    Connection.update(lease_until=leases.database_now(-dt.timedelta(seconds=1))).where(
        Connection.id == connection_id
    ).execute()


def test_a_link_write_under_a_taken_over_lease_is_refused_and_writes_nothing(db):
    connection = Connection.create(name="Firm", state="connected")
    stalled = leases.claim(connection.id, A, landing=LANDING)
    links.upsert(stalled, [pending("1", "key-a")])
    lapse(connection.id)
    holder = leases.claim(connection.id, B, landing=LANDING)
    assert holder.fence == stalled.fence + 1
    links.upsert(holder, [pending("1", "key-b")])

    with pytest.raises(LeaseLost):
        links.upsert(stalled, [pending("1", "key-a2"), pending("2", "key-a2")])
    with pytest.raises(LeaseLost):
        links.upsert(stalled, [])  # what a batch of updates alone announces before it is sent

    assert list(Link.select(Link.clio_id, Link.idempotency_key).tuples()) == [("1", "key-b")]
    assert leases.renew(A, {connection.id: stalled.fence}) == {connection.id}
    assert leases.renew(B, {connection.id: holder.fence}) == set()


def test_the_same_daemon_claiming_again_fences_out_its_earlier_claim(db):
    connection = Connection.create(name="Firm", state="connected")
    earlier = leases.claim(connection.id, A, landing=LANDING)
    later = leases.claim(connection.id, A, landing=LANDING)
    with pytest.raises(LeaseLost):
        links.upsert(earlier, [pending("1", "key")])
    links.upsert(later, [pending("1", "key")])
    assert leases.renew(A, {connection.id: earlier.fence}) == {connection.id}


@pytest.mark.parametrize("days", [-1, 1])
def test_a_skewed_host_clock_neither_steals_a_live_lease_nor_keeps_a_lapsed_one(db, skewed_host, days):
    live, lapsed = Connection.create(name="Live", state="connected"), Connection.create(name="Lapsed")
    holder = {c.id: leases.claim(c.id, A, landing=LANDING) for c in (live, lapsed)}
    lapse(lapsed.id)
    skewed_host(dt.timedelta(days=days))

    assert leases.claim(live.id, B, landing=LANDING) is None
    assert leases.renew(A, {live.id: holder[live.id].fence}) == set()
    assert leases.claim(lapsed.id, B, landing=LANDING) is not None
    assert leases.renew(A, {lapsed.id: holder[lapsed.id].fence}) == {lapsed.id}
    assert Connection.get_by_id(live.id).lease_owner == A


def test_a_takeover_knows_the_writes_of_the_lapsed_lease_may_still_land(db):
    """The stalled holder sent its last write at the latest as its lease lapsed; QBO may take
    ``LANDING`` to apply it, and until then a create not found may yet appear."""
    connection = Connection.create(name="Firm", state="connected")
    assert leases.prior_writes_settled(leases.claim(connection.id, A, landing=LANDING)), "a first claim"
    lapse(connection.id)
    assert not leases.prior_writes_settled(leases.claim(connection.id, B, landing=LANDING))

    landed = Connection.create(name="Firm whose writes landed at once", state="connected")
    leases.claim(landed.id, A, landing=dt.timedelta())
    lapse(landed.id)
    assert leases.prior_writes_settled(leases.claim(landed.id, B, landing=dt.timedelta()))


@pytest.mark.parametrize("answered", [True, False])
def test_a_release_tells_the_next_claim_whether_writes_may_be_on_their_way(db, answered):
    """A cycle that ended with every write answered leaves none behind; one that failed may
    have, and so may a failed one before a clean one: a clean release forgets no window."""
    connection = Connection.create(name="Firm", state="connected")
    leases.release(leases.claim(connection.id, A, landing=LANDING), answered=answered)
    second = leases.claim(connection.id, A, landing=LANDING)
    assert leases.prior_writes_settled(second) is answered
    leases.release(second, answered=True)
    assert leases.prior_writes_settled(leases.claim(connection.id, B, landing=LANDING)) is answered


def test_a_cycle_taken_over_moves_no_watermark_and_records_no_settings(db, tmp_path):
    """A holder paused past its lease resumes at the end of its cycle: what it read is the
    new holder's to record."""
    connection = Connection.create(name="Firm", state="connected")
    stalled = leases.claim(connection.id, A, landing=LANDING)
    cycle = Cycle(
        stalled, None, None, Progress.of_run(Run.create(connection=connection, trigger="test")), spill_dir=tmp_path
    )
    lapse(connection.id)
    leases.claim(connection.id, B, landing=LANDING)

    with pytest.raises(LeaseLost):
        cycle.effects.advance({"bills": clio_reader.Mark("2030-01-01T00:00:00+00:00", {})}, Books("USD"))
    with pytest.raises(LeaseLost):  # as QBO's Preferences read
        cycle.effects.record_checks(qbo_settings.read_checks({"SalesFormsPrefs": {"CustomTxnNumbers": True}}))

    assert not Watermark.select().exists()
    assert Connection.get_by_id(connection.id).qbo_checks is None


def test_a_broken_link_check_taken_over_marks_nothing_and_keeps_the_cdc_point(db):
    """What the stalled holder found deleted in QBO, and the point it read CDC up to, are the
    new holder's to record: a CDC point moved by the old one would skip deletions it missed."""
    connection = Connection.create(name="Firm", state="connected")
    Link.create(connection=connection, kind="invoice", clio_id="1", state=LinkState.SYNCED, qbo_id="7")
    stalled = leases.claim(connection.id, A, landing=LANDING)
    lapse(connection.id)
    leases.claim(connection.id, B, landing=LANDING)

    with pytest.raises(LeaseLost):
        broken.mark_broken(stalled, {QboRef("Invoice", "7"): "Deleted"}, cdc_since=models.utcnow())

    assert Link.get().state == LinkState.SYNCED
    assert Connection.get_by_id(connection.id).cdc_since is None


def test_a_daemon_frozen_inside_a_transaction_does_not_keep_another_from_taking_over(postgres_server, monkeypatch):
    """A daemon stopped (SIGSTOP) while its fenced transaction held the lock on its
    connection's row: the survivor's claim waited for as long as it stayed stopped, and its
    dispatch of every other connection with it. PostgreSQL now ends the frozen session."""
    url = fresh_postgres_database(postgres_server)
    migrations.migrate(open_database(url))
    database.close()
    # Shortened after the migrations, whose transactions a loaded machine may leave idle
    # for a moment between statements; long enough that no other transaction here is.
    monkeypatch.setattr(db_module, "IDLE_IN_TRANSACTION_MS", 2000)
    open_database(url)
    connection = Connection.create(name="Firm", state="connected")
    frozen = leases.claim(connection.id, A, landing=LANDING)
    lapse(connection.id)
    locked, thawed, failed = threading.Event(), threading.Event(), []

    def freeze_inside_a_transaction() -> None:
        try:
            with leases.fenced(frozen):
                locked.set()
                thawed.wait(harness.PATIENCE)
        except peewee.PeeweeException as e:  # the server ended the session: its commit fails
            failed.append(e)

    holder = threading.Thread(target=freeze_inside_a_transaction)
    holder.start()
    assert locked.wait(harness.PATIENCE)
    survivor = leases.claim(connection.id, B, landing=LANDING)
    thawed.set()
    holder.join(harness.PATIENCE)
    assert survivor is not None and survivor.lease_owner == B
    assert failed, "the frozen transaction committed after the takeover"
