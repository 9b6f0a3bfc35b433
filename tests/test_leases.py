"""Leases decided on the database's clock, and link writes fenced by the claim they run under."""

from __future__ import annotations

import datetime as dt

import pytest

from billsync.daemon.store import leases, links, models
from billsync.daemon.store.leases import LeaseLost
from billsync.daemon.store.models import Connection, Link, LinkState
from billsync.daemon.sync import scheduler

A, B = "host-a:1:aaaa", "host-b:2:bbbb"


def pending(clio_id: str, key: str) -> dict:
    return {"kind": "invoice", "clio_id": clio_id, "state": LinkState.PENDING, "idempotency_key": key}


def lapse(connection_id: int) -> None:
    """Ends the lease now, as its holder stalling past the expiry would."""
    Connection.update(lease_until=leases.database_now(-dt.timedelta(seconds=1))).where(
        Connection.id == connection_id
    ).execute()


@pytest.fixture
def skewed_host(monkeypatch):
    """Sets this host's clock ``days`` off, wherever the daemon reads it."""

    def skew(days: int) -> None:
        def wrong() -> dt.datetime:
            return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=days)

        monkeypatch.setattr(models, "utcnow", wrong)
        monkeypatch.setattr(scheduler, "utcnow", wrong)

    return skew


def test_a_link_write_under_a_taken_over_lease_is_refused_and_writes_nothing(db):
    connection = Connection.create(name="Firm", state="connected")
    stalled = leases.claim(connection.id, A)
    links.upsert(stalled, [pending("1", "key-a")])
    lapse(connection.id)
    holder = leases.claim(connection.id, B)
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
    earlier = leases.claim(connection.id, A)
    later = leases.claim(connection.id, A)
    with pytest.raises(LeaseLost):
        links.upsert(earlier, [pending("1", "key")])
    links.upsert(later, [pending("1", "key")])
    assert leases.renew(A, {connection.id: earlier.fence}) == {connection.id}


@pytest.mark.parametrize("days", [-1, 1])
def test_a_skewed_host_clock_neither_steals_a_live_lease_nor_keeps_a_lapsed_one(db, skewed_host, days):
    live, lapsed = Connection.create(name="Live", state="connected"), Connection.create(name="Lapsed")
    holder = {c.id: leases.claim(c.id, A) for c in (live, lapsed)}
    lapse(lapsed.id)
    skewed_host(days)

    assert leases.claim(live.id, B) is None
    assert leases.renew(A, {live.id: holder[live.id].fence}) == set()
    assert leases.claim(lapsed.id, B) is not None
    assert leases.renew(A, {lapsed.id: holder[lapsed.id].fence}) == {lapsed.id}
    assert Connection.get_by_id(live.id).lease_owner == A
