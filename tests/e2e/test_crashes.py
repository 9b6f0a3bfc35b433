"""Crash safety: SIGKILL the daemon again and again during an initial sync, and under
injected faults; QBO must end with every object once and every link recorded.

The kills follow observed states (a batch held by the QBO emulator, see
``POST /_sandbox/hold``, or one it just answered), never a delay: each provably interrupts a
run, however fast the machine. The deadlines only stop a hung test."""

from __future__ import annotations

import os
import signal

import httpx

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.models import Connection, Link, Run
from billsync.daemon.sync.mapping import marker
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, qbo_objects, sandbox_env, seed_firm, sync
from tests.harness import PATIENCE, caught, free_port, hold_batches, make_ready, migrate, start_daemon, wait_until

#: Kills during one initial sync, whose firm needs several times more rounds of batches.
KILLS = 6


def lease_pid(connection_id: int) -> int | None:
    """The process holding the connection's lease (the owner reads ``host:pid:random``)."""
    owner = Connection.select(Connection.lease_owner).where(Connection.id == connection_id).scalar()
    return int(owner.split(":")[1]) if owner else None


def assert_every_object_once_and_linked(box) -> None:
    checks = (
        ("Customer", "Notes", "contact", "contact"),
        ("Invoice", "PrivateNote", "invoice", "bill"),
        ("Payment", "PrivateNote", "payment", "allocation"),
        ("CreditMemo", "PrivateNote", "credit_memo", "credit_memo"),
    )
    for entity, field, kind, word in checks:
        objects = [o for o in qbo_objects(box, entity) if o.get(field, "").startswith("billsync:")]
        markers = [o[field] for o in objects]
        assert len(markers) == len(set(markers)), f"duplicate {entity} in QuickBooks"
        links = {marker(word, link.clio_id): link for link in Link.select().where(Link.kind == kind)}
        for o in objects:
            link = links.get(o[field])
            assert link is not None and link.qbo_id == o["Id"], f"{entity} {o['Id']} has no link"


def test_sigkill_mid_sync_never_duplicates(sandbox, database_url, db, tmp_path):
    """Every kill lands in a run in progress, at a point the test has seen: each even kill
    while QBO holds batches the daemon sent (QBO applies them once the daemon is dead, so
    their answers are lost), each odd one just after QBO answered them (the daemon may not
    have recorded them yet). Each new daemon takes the connection over once the lease lapses."""
    make_ready(sandbox)
    seed_firm(sandbox, bills=300, seed=11)
    env = {
        **os.environ,
        **sandbox_env(sandbox, database_url, str(tmp_path / "data")),
        "BILLSYNC_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    migrate(env)
    process = start_daemon(env)
    try:
        with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
            connection = connect(client)
        for kill in range(KILLS):
            live = process.pid
            wait_until(lambda: lease_pid(connection.id) == live, "the daemon to take the connection")
            hold_batches(sandbox, True)
            wait_until(lambda: caught(sandbox), "a batch held in QBO")
            if kill % 2:
                hold_batches(sandbox, False)
                wait_until(lambda: not caught(sandbox), "QBO to answer the batches it held")
            process.send_signal(signal.SIGKILL)
            process.wait()
            hold_batches(sandbox, False)
            wait_until(lambda: not caught(sandbox), "QBO to answer the batches it held")
            process = start_daemon(env)
        with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
            for _ in range(3):  # the first may join the killed run, which ends when the new daemon takes over
                run = sync(client, connection.id)
                if run.state == pb.RUN_STATE_SUCCEEDED and not Link.select().where(Link.state == "pending").exists():
                    break
            assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=PATIENCE)
    interrupted = Run.select().where(Run.connection == connection.id, Run.error.contains("Interrupted")).count()
    assert interrupted == KILLS, "every kill interrupted a run"
    assert Link.select().where(Link.kind == "invoice", Link.state == "synced").count() > 150
    assert not Link.select().where(Link.state == "pending").exists()
    assert_every_object_once_and_linked(sandbox)


def test_sync_converges_under_throttling_faults_and_token_expiry(sandbox, e2e_client):
    seed_firm(sandbox, bills=150, seed=13)
    make_ready(sandbox)
    connection = connect(e2e_client)
    faults = {"rate": 0.15, "kinds": ["error", "slow", "drop"], "slow_seconds": 0.5, "seed": 3}
    httpx.patch(
        f"{sandbox.qbo_url}/_sandbox/config", json={"faults": faults, "requests_per_minute": 200}
    ).raise_for_status()
    httpx.patch(
        f"{sandbox.clio_url}/_sandbox/config", json={"faults": faults, "rate_limit_per_minute": 100}
    ).raise_for_status()
    for _ in range(6):
        sync(e2e_client, connection.id)
        for url in (sandbox.qbo_url, sandbox.clio_url):
            httpx.post(f"{url}/_sandbox/tokens/expire", json={}).raise_for_status()
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"faults": {"rate": 0}}).raise_for_status()
    httpx.patch(f"{sandbox.clio_url}/_sandbox/config", json={"faults": {"rate": 0}}).raise_for_status()
    final = sync(e2e_client, connection.id)
    assert final.state == pb.RUN_STATE_SUCCEEDED, final.error
    assert not Link.select().where(Link.state == "pending").exists()
    assert Link.select().where(Link.kind == "invoice", Link.state == "synced").count() > 80
    assert_every_object_once_and_linked(sandbox)
    stats = httpx.get(f"{sandbox.qbo_url}/_sandbox/stats").json()["requests"]
    seen = {r["status"] for r in stats}
    assert {401, 503} <= seen, seen
