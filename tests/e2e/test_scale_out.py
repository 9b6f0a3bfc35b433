"""Several daemons on one PostgreSQL: one owner per connection at a time, a killed
daemon's connections taken over once its leases lapse, and no duplicate through it all.

Nothing here depends on how fast the machine is: the kill follows an observed state (a
batch of the victim held by the QBO emulator, see ``POST /_sandbox/hold``), and the
deadlines only stop a hung test."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store import migrations
from billsync.daemon.store.db import open_database
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Connection, Link, Run
from billsync.daemon.sync.mapping import marker
from billsync.daemon.sync.scheduler import STOPPED
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.conftest import fresh_postgres_database
from tests.e2e.conftest import sandbox_env, seed_firm
from tests.harness import caught, hold_batches, stop_daemon, wait_until

REALMS = [f"46208163650000000{i:02d}" for i in range(1, 5)]
#: A small firm syncs the bills issued since then: a few of the demo firm's.
SMALL_SINCE = "2024-11-20"


def lease_pid(connection_id: int) -> int | None:
    """The process holding the connection's lease (the owner reads ``host:pid:random``)."""
    owner = Connection.select(Connection.lease_owner).where(Connection.id == connection_id).scalar()
    return int(owner.split(":")[1]) if owner else None


def prepare_companies(box) -> None:
    for realm in REALMS:
        httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"realm_id": realm}).raise_for_status()
        harness.make_ready(box, realm)


@contextmanager
def one_worker(sandbox, database_url: str, tmp_path, **env: str) -> Iterator[DaemonClient]:
    """A daemon in this process with one worker (and ``env`` besides), and a client of it."""
    from billsync.daemon.config import Config
    from billsync.daemon.process import Daemon

    config = Config.from_env(
        {**sandbox_env(sandbox, database_url, str(tmp_path / "data")), "BILLSYNC_WORKERS": "1", **env}
    )
    daemon = Daemon(config)
    daemon.start()
    try:
        with DaemonClient(f"127.0.0.1:{daemon.port}", token=config.api_token) as client:
            yield client
    finally:
        harness.stop_in_process(daemon, grace=1.0)


def connect(client: DaemonClient, realm: str, start_date: str) -> int:
    """A firm connected to the company ``realm``, syncing the bills issued since ``start_date``."""
    return harness.connect(client, f"Firm {realm}", realm=realm, start_date=start_date).id


def synced(client: DaemonClient, connection_id: int) -> None:
    """Waits until a run of the connection succeeded."""
    wait_until(lambda: client.status(connection_id).last_run.state == pb.RUN_STATE_SUCCEEDED, "a sync to end")


def invoices_in(box, realm: str) -> list[dict]:
    return httpx.get(f"{box.qbo_url}/_sandbox/objects/{realm}/Invoice").json()["Invoice"]


def test_two_daemons_never_sync_one_connection_at_once_and_take_over_a_killed_one(sandbox, postgres_server, tmp_path):
    """QBO holds every batch until a daemon is caught mid-write; that daemon is killed."""
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": 4}).raise_for_status()
    prepare_companies(sandbox)
    seed_firm(sandbox, bills=250, seed=21)
    url = fresh_postgres_database(postgres_server)
    base = {
        **os.environ,
        **sandbox_env(sandbox, url, str(tmp_path / "data")),
        "BILLSYNC_TIME_SCALE": "4",
        "BILLSYNC_WORKERS": "2",
    }
    envs = [{**base, "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}"} for _ in range(2)]
    harness.migrate(envs[0])
    set_secret_key(base["BILLSYNC_SECRET_KEY"])
    db = open_database(url)  # to read who holds each lease
    hold_batches(sandbox, True)
    daemons = []
    try:
        for env in envs:
            daemons.append(harness.start_daemon(env))
        ids = []
        for i, realm in enumerate(REALMS):  # authorized through either daemon: each starts the runs it is told of
            with DaemonClient(envs[i % 2]["BILLSYNC_ADDRESS"], token=base["BILLSYNC_API_TOKEN"]) as client:
                connection = client.create_connection(f"Firm {realm[-2:]}", sync_interval_seconds=3600)
                harness.authorize(client, connection.id, pb.PROVIDER_CLIO)
                harness.authorize(client, connection.id, pb.PROVIDER_QBO, realmId=realm)
                ids.append(connection.id)
        [first, *_] = wait_until(lambda: caught(sandbox), "a batch held in QBO")
        victim = [p.pid for p in daemons].index(lease_pid(ids[REALMS.index(first["realm_id"])]))
        daemons[victim].send_signal(signal.SIGKILL)
        daemons[victim].wait()
        hold_batches(sandbox, False)  # the victim's batch is applied now, its answer lost
        with DaemonClient(envs[1 - victim]["BILLSYNC_ADDRESS"], token=base["BILLSYNC_API_TOKEN"]) as survivor:

            def all_done() -> bool:
                """Every last run over, and no create left pending: one the victim may still
                have been sending is decided by a later run of the survivor's own."""
                statuses = [survivor.status(i) for i in ids]
                settled = not Link.select().where(Link.state == "pending").exists()
                return settled and all(
                    s.last_run.state == pb.RUN_STATE_SUCCEEDED and not s.HasField("current_run") for s in statuses
                )

            wait_until(all_done, "the surviving daemon to finish every connection")
    finally:
        for process in daemons:
            stop_daemon(process)

    assert not migrations.pending(db)
    interrupted = 0
    for connection_id in ids:
        runs = list(Run.select().where(Run.connection == connection_id).order_by(Run.started_at))
        for earlier, later in zip(runs, runs[1:]):
            assert earlier.finished_at is not None and earlier.finished_at <= later.started_at, (
                "two runs of one connection overlapped"
            )
        interrupted += sum("Interrupted" in r.error for r in runs)
    assert interrupted >= 1, "the kill interrupted no run"
    assert not Link.select().where(Link.state == "pending").exists()
    for connection_id, realm in zip(ids, REALMS):
        notes = [i["PrivateNote"] for i in invoices_in(sandbox, realm)]
        assert len(notes) == len(set(notes)), f"duplicate invoices in realm {realm}"
        linked = {
            marker("bill", link.clio_id, account=link.connection.clio_account_id)
            for link in Link.select().where(
                Link.connection == connection_id, Link.kind == "invoice", Link.state == "synced"
            )
        }
        assert set(notes) == linked and len(linked) > 80
    db.close()


#: The Clio emulator's limit in the test below: few enough requests that an initial sync runs
#: into its pacing, over a "minute" of about seventeen hours (time scale 1/1000).
CLIO_PACED = {"rate_limit_per_minute": 10, "time_scale": 0.001}


def test_a_firm_waiting_on_clio_leaves_the_one_worker_to_a_small_firm(sandbox, database_url, db, tmp_path):
    """One worker, two connections: the big firm's Clio account has 10 requests left in a
    window of hours, so its client paces its next request an hour or more away (a wait inside
    a step). The small firm, whose token's window is fresh, syncs meanwhile; with a worker
    held by the wait it never would. Stopping the daemon ends the wait at once."""
    prepare_companies(sandbox)
    seed_firm(sandbox, bills=250, seed=24)
    httpx.patch(f"{sandbox.clio_url}/_sandbox/config", json=CLIO_PACED).raise_for_status()
    with one_worker(sandbox, database_url, tmp_path) as client:
        big = connect(client, REALMS[0], "")
        # Clio paces once fewer than 2 of the 10 remain: the 9th answer sets the wait.
        paced_after = CLIO_PACED["rate_limit_per_minute"] - 1
        wait_until(lambda: harness.api_requests(sandbox)["clio"] >= paced_after, "the big firm's Clio to pace it")
        assert client.status(big).HasField("current_run")
        # New windows for every token; the big firm's client still waits the hours it was told.
        httpx.patch(f"{sandbox.clio_url}/_sandbox/config", json={"rate_limit_per_minute": 600}).raise_for_status()
        small = connect(client, REALMS[1], SMALL_SINCE)
        synced(client, small)
        assert client.status(big).HasField("current_run"), "the big firm's wait ended: it did not wait on Clio"
        assert len(invoices_in(sandbox, REALMS[1])) > 0
        assert invoices_in(sandbox, REALMS[0]) == [], "the big firm wrote nothing: it waits on Clio's reads"
    connection = Connection.get_by_id(big)
    last = Run.select().where(Run.connection == connection).order_by(Run.id.desc()).get()
    assert (last.state, last.error) == ("failed", STOPPED)


def test_a_big_backlog_does_not_starve_a_small_firm(sandbox, database_url, db, tmp_path):
    """One worker, two connections: the small one finishes while the big one still runs.

    The big firm needs more batches than QBO admits in a minute (40), and here a "minute"
    lasts twenty (time scale 1/20), so once it has used its minute's batches its cycle
    waits on its realm's limits for far longer than any wait below: it provably still runs
    when the small firm, whose few writes must not wait for it, finishes."""
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": 0.05}).raise_for_status()
    prepare_companies(sandbox)
    seed_firm(sandbox, bills=900, seed=23)
    with one_worker(sandbox, database_url, tmp_path, BILLSYNC_TIME_SCALE="0.05") as client:
        big = connect(client, REALMS[0], "")
        wait_until(lambda: client.status(big).current_run.progress, "the big firm's sync to start")
        small = connect(client, REALMS[1], SMALL_SINCE)
        synced(client, small)
        assert client.status(big).HasField("current_run"), "the small firm waited for the big one"
        assert len(invoices_in(sandbox, REALMS[1])) > 0
