"""Several daemons on one PostgreSQL: one owner per connection at a time, a killed
daemon's connections taken over within seconds, and no duplicate through it all."""

from __future__ import annotations

import os
import signal
import time

import httpx

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store import migrations
from billsync.daemon.store.db import open_database
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Link, Run
from billsync.daemon.sync.mapping import marker
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.conftest import fresh_postgres_database
from tests.e2e.conftest import sandbox_env, seed_firm

REALMS = [f"46208163650000000{i:02d}" for i in range(1, 5)]


def prepare_companies(box) -> None:
    for realm in REALMS:
        httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"realm_id": realm}).raise_for_status()
        httpx.post(
            f"{box.qbo_url}/_sandbox/user/{realm}/preferences",
            json={"CustomTxnNumbers": True, "WarnDuplicateBillNumber": True},
        ).raise_for_status()


def invoices_in(box, realm: str) -> list[dict]:
    return httpx.get(f"{box.qbo_url}/_sandbox/objects/{realm}/Invoice").json()["Invoice"]


def test_two_daemons_never_sync_one_connection_at_once_and_take_over_a_killed_one(sandbox, postgres_server, tmp_path):
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
    daemons = [harness.start_daemon(env) for env in envs]
    try:
        with DaemonClient(envs[0]["BILLSYNC_ADDRESS"], token=base["BILLSYNC_API_TOKEN"]) as first:
            ids = []
            for realm in REALMS:
                connection = first.call(
                    "CreateConnection",
                    pb.CreateConnectionRequest(
                        name=f"Firm {realm[-2:]}", settings=pb.Settings(sync_interval_seconds=3600)
                    ),
                )
                harness.authorize(first, connection.id, pb.PROVIDER_CLIO)
                harness.authorize(first, connection.id, pb.PROVIDER_QBO, realmId=realm)
                ids.append(connection.id)
            while not any(first.call("Status", pb.StatusRequest(connection_id=i)).current_run.progress for i in ids):
                time.sleep(0.1)
            time.sleep(0.5)
        daemons[0].send_signal(signal.SIGKILL)
        daemons[0].wait()
        killed_at = time.monotonic()
        with DaemonClient(envs[1]["BILLSYNC_ADDRESS"], token=base["BILLSYNC_API_TOKEN"]) as survivor:
            deadline = time.monotonic() + 90
            while True:
                statuses = [survivor.call("Status", pb.StatusRequest(connection_id=i)) for i in ids]
                if all(s.last_run.state == pb.RUN_STATE_SUCCEEDED and not s.HasField("current_run") for s in statuses):
                    break
                assert time.monotonic() < deadline, "the surviving daemon did not finish every connection"
                time.sleep(0.5)
        settled = time.monotonic() - killed_at
    finally:
        for process in daemons:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=10)

    set_secret_key(base["BILLSYNC_SECRET_KEY"])
    db = open_database(url)
    assert not migrations.pending(db)
    interrupted = 0
    for connection_id in ids:
        runs = list(Run.select().where(Run.connection == connection_id).order_by(Run.started_at))
        for earlier, later in zip(runs, runs[1:]):
            assert earlier.finished_at is not None and earlier.finished_at <= later.started_at, (
                "two runs of one connection overlapped"
            )
        interrupted += sum("Interrupted" in r.error for r in runs)
    assert interrupted >= 1, "the kill interrupted no run: it came too late to test a takeover"
    assert not Link.select().where(Link.state == "pending").exists()
    for connection_id, realm in zip(ids, REALMS):
        notes = [i["PrivateNote"] for i in invoices_in(sandbox, realm)]
        assert len(notes) == len(set(notes)), f"duplicate invoices in realm {realm}"
        linked = {
            marker("bill", link.clio_id)
            for link in Link.select().where(
                Link.connection == connection_id, Link.kind == "invoice", Link.state == "synced"
            )
        }
        assert set(notes) == linked and len(linked) > 80
    assert settled < 60
    db.close()


def test_a_big_backlog_does_not_starve_a_small_firm(sandbox, database_url, db, tmp_path):
    """One worker, two connections: the small one finishes while the big one still runs.

    The big firm needs more batches than QBO admits in a minute (40, at real pace), so its
    initial sync lasts minutes; the small firm's few writes must not wait for it to end."""
    from billsync.daemon.config import Config
    from billsync.daemon.process import Daemon

    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": 1}).raise_for_status()
    prepare_companies(sandbox)
    seed_firm(sandbox, bills=900, seed=23)
    config = Config.from_env(
        {
            **sandbox_env(sandbox, database_url, str(tmp_path / "data")),
            "BILLSYNC_TIME_SCALE": "1",
            "BILLSYNC_WORKERS": "1",
        }
    )
    daemon = Daemon(config)
    daemon.start()
    try:
        with DaemonClient(f"127.0.0.1:{daemon.port}", token=config.api_token) as client:

            def connect(realm: str, start_date: str) -> int:
                c = client.call(
                    "CreateConnection",
                    pb.CreateConnectionRequest(
                        name=realm, settings=pb.Settings(start_date=start_date, sync_interval_seconds=3600)
                    ),
                )
                harness.authorize(client, c.id, pb.PROVIDER_CLIO)
                harness.authorize(client, c.id, pb.PROVIDER_QBO, realmId=realm)
                return c.id

            big = connect(REALMS[0], "")
            while not client.call("Status", pb.StatusRequest(connection_id=big)).current_run.progress:
                time.sleep(0.05)
            small = connect(REALMS[1], "2024-11-20")
            deadline = time.monotonic() + 60
            while client.call("Status", pb.StatusRequest(connection_id=small)).last_run.state != pb.RUN_STATE_SUCCEEDED:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert client.call("Status", pb.StatusRequest(connection_id=big)).HasField("current_run"), (
                "the small firm waited for the big one"
            )
            assert len(invoices_in(sandbox, REALMS[1])) > 0
    finally:
        daemon.stop(grace=1.0)
