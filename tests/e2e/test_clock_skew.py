"""Daemons whose clocks are minutes off: each runs under libfaketime, its time of day
``SKEW`` ahead or behind the emulators' and the database's (its monotonic clock, which
timeouts read, keeps time).

A daemon must read the time of whatever it compares against on that side's clock: QBO's
for its Change Data Capture point, the database's for when a connection is due, when a
run started, and leases. Alone, a skewed daemon finds an invoice deleted in QBO after the
first sync. Beside a daemon on time, on one PostgreSQL, it also keeps a sync requested
through one daemon while the other holds the lease. Either way every Clio record ends
with exactly one QBO twin, linked.

Every step follows an observed state (a batch held by the QBO emulator, a run over); the
deadlines only stop a hung test."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import httpx
import pytest

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.db import open_database
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Connection, Link, LinkState, Run
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.conftest import fresh_postgres_database
from tests.crashloop import ClioStaff, compare
from tests.e2e.conftest import connect, sandbox_env, seed_firm
from tests.harness import (
    add_bill,
    caught,
    hold_batches,
    resync,
    settle,
    stop_daemon,
    sync_after_changes,
    wait_until,
)

#: How far off the skewed daemon's clock is: more than the two minutes by which billsync's
#: CDC point once trailed the daemon's own clock.
SKEW = "7m"
#: The pace of the daemons and the QBO emulator: QBO's 120-s execution limit lasts 30 s,
#: time enough to act while a batch is held.
TIME_SCALE = 4.0


def environment(box: Sandbox, database_url: str, data_dir: str) -> dict[str, str]:
    """A daemon's environment, on a port of its own, at the tests' pace."""
    return {
        **os.environ,
        **sandbox_env(box, database_url, data_dir),
        "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}",
        "BILLSYNC_TIME_SCALE": str(TIME_SCALE),
    }


def client_of(env: dict[str, str]) -> DaemonClient:
    return DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"])


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        stop_daemon(process)


def delete_an_invoice_in_qbo(box: Sandbox) -> Link:
    """Deletes, as a QBO user would, the invoice of a synced bill no payment applies to;
    returns its link."""
    paid = {a["bill"]["id"] for a in ClioStaff(box).records("allocations")}
    link = (
        Link.select()
        .where(Link.kind == "invoice", Link.state == LinkState.SYNCED, Link.clio_id.not_in([str(b) for b in paid]))
        .order_by(Link.id)
        .first()
    )
    assert link is not None, "no synced invoice without payments to delete"
    realm = box.qbo_config.realm_id
    httpx.post(f"{box.qbo_url}/_sandbox/user/{realm}/Invoice/{link.qbo_id}/delete").raise_for_status()
    return link


def sync_then_find_the_deleted_invoice(box: Sandbox, client: DaemonClient) -> tuple[int, Link]:
    """Connects the firm through ``client``'s daemon, which syncs it; deletes an invoice in
    QBO; syncs again, which must find that invoice's link broken. Returns the connection's id
    and that link."""
    connection_id = connect(client).id
    settle(client, connection_id)
    deleted = delete_an_invoice_in_qbo(box)
    sync_after_changes(client, connection_id)
    link = Link.get_by_id(deleted.id)
    assert link.state == LinkState.BROKEN, f"the invoice deleted in QBO was not found: link {link.state}"
    return connection_id, link


def assert_every_record_has_one_twin(box: Sandbox, connection_id: int) -> None:
    assert not Link.select().where(Link.state == LinkState.PENDING).exists()
    comparison = compare(box, connection_id)
    assert not comparison.problems, "\n".join(comparison.problems)


@pytest.mark.parametrize("offset", [f"+{SKEW}", f"-{SKEW}"])
def test_a_daemon_with_its_clock_minutes_off_finds_an_invoice_deleted_in_qbo(
    offset, sandbox, database_url, db, tmp_path
):
    harness.make_ready(sandbox)
    seed_firm(sandbox, bills=40, seed=51)
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": TIME_SCALE}).raise_for_status()
    env = environment(sandbox, database_url, str(tmp_path / "data"))
    harness.migrate(env)
    set_secret_key(env["BILLSYNC_SECRET_KEY"])  # to read the links as the daemon writes them
    daemon = harness.start_daemon(harness.skewed(env, offset))
    try:
        with client_of(env) as client:
            connection_id, broken = sync_then_find_the_deleted_invoice(sandbox, client)
            assert resync(client, connection_id, link_ids=[broken.id]).state == pb.RUN_STATE_SUCCEEDED
            settle(client, connection_id)
    finally:
        stop([daemon])
    assert Link.get_by_id(broken.id).state == LinkState.SYNCED
    assert_every_record_has_one_twin(sandbox, connection_id)


@pytest.mark.parametrize("offset", [f"+{SKEW}", f"-{SKEW}"])
def test_two_daemons_one_with_its_clock_minutes_off_lose_no_sync_and_make_no_duplicate(
    offset, sandbox, postgres_server, tmp_path
):
    """The skewed daemon syncs the firm and finds an invoice deleted in QBO. Then the daemon
    whose clock is ahead re-creates that invoice while the other, beside it, is asked for a
    sync: that sync must follow, however the two clocks differ."""
    harness.make_ready(sandbox)
    seed_firm(sandbox, bills=40, seed=52)
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": TIME_SCALE}).raise_for_status()
    url = fresh_postgres_database(postgres_server)
    base = environment(sandbox, url, str(tmp_path / "data"))
    envs = {
        "off": harness.skewed(base, offset),
        "on time": {**base, "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}"},
    }
    ahead, behind = ("off", "on time") if offset.startswith("+") else ("on time", "off")
    harness.migrate(base)
    set_secret_key(base["BILLSYNC_SECRET_KEY"])
    db = open_database(url)
    daemons = {"off": harness.start_daemon(envs["off"])}
    try:
        with client_of(envs["off"]) as client:
            connection_id, broken = sync_then_find_the_deleted_invoice(sandbox, client)
        if ahead not in daemons:  # the one ahead claims the re-sync's run: it runs alone until then
            stop([daemons.pop("off")])
            daemons[ahead] = harness.start_daemon(envs[ahead])
        hold_batches(sandbox, True, ["Invoice"])
        with client_of(envs[ahead]) as holder:
            holder.resync(connection_id, link_ids=[broken.id])
        wait_until(lambda: caught(sandbox), "the re-created invoice held in QBO")
        held = Run.get(Run.connection == connection_id, Run.state == "running")
        assert Connection.get_by_id(connection_id).lease_owner.split(":")[1] == str(daemons[ahead].pid)
        daemons[behind] = harness.start_daemon(envs[behind])
        client_id = ClioStaff(sandbox).records("contacts")[0]["id"]
        add_bill(sandbox, str(client_id), "SKEW-1")  # after the held run read Clio
        with client_of(envs[behind]) as requester:
            stream = requester.sync(connection_id)
            joined = next(stream)
            assert joined.joined and joined.run.id == held.id
            hold_batches(sandbox, False)
            for _ in stream:  # the held run, to its end
                pass

            def followed_or_lost() -> str:
                """Whether a run followed the held one, or the sync asked for was lost: no
                run since, and none due for the schedule's hour."""
                if Run.select().where(Run.connection == connection_id, Run.id > held.id).exists():
                    return "followed"
                due = Connection.get_by_id(connection_id).next_run_at
                now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
                return "lost" if due is not None and due > now + dt.timedelta(minutes=10) else ""

            assert wait_until(followed_or_lost, "the sync asked for to follow") == "followed", (
                "the sync asked for while the other daemon held the lease was lost"
            )
            settle(requester, connection_id)
    finally:
        hold_batches(sandbox, False)
        stop(list(daemons.values()))
    assert Link.get_by_id(broken.id).state == LinkState.SYNCED
    assert_every_record_has_one_twin(sandbox, connection_id)
    db.close()
