"""Crash safety: SIGKILL the daemon again and again during an initial sync, and under
injected faults; QBO must end with every object once and every link recorded."""

from __future__ import annotations

import os
import random
import signal
import time

import httpx
import pytest

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.models import Link
from billsync.daemon.sync.mapping import marker
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, qbo_objects, sandbox_env, seed_firm, set_preferences, sync
from tests.harness import free_port, migrate, start_daemon


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


@pytest.fixture
def slow_sandbox(sandbox):
    """QBO limits at 1/5 of a real minute, so an initial sync lasts long enough to be killed."""
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": 5}).raise_for_status()
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True)
    return sandbox


def test_sigkill_at_random_moments_never_duplicates(slow_sandbox, database_url, db, tmp_path):
    seed_firm(slow_sandbox, bills=300, seed=11)
    env = {
        **os.environ,
        **sandbox_env(slow_sandbox, database_url, str(tmp_path / "data")),
        "BILLSYNC_ADDRESS": f"127.0.0.1:{free_port()}",
        "BILLSYNC_TIME_SCALE": "5",
    }
    migrate(env)
    process = start_daemon(env)
    with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
        connection = connect(client)
    rng = random.Random(5)
    kills = 0
    for _ in range(8):
        time.sleep(rng.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        process = start_daemon(env)
    try:
        with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
            for _ in range(3):
                run = sync(client, connection.id)
                if run.state == pb.RUN_STATE_SUCCEEDED and not Link.select().where(Link.state == "pending").exists():
                    break
            assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert kills == 8
    assert Link.select().where(Link.kind == "invoice", Link.state == "synced").count() > 150
    assert not Link.select().where(Link.state == "pending").exists()
    assert_every_object_once_and_linked(slow_sandbox)


def test_sync_converges_under_throttling_faults_and_token_expiry(sandbox, e2e_client):
    seed_firm(sandbox, bills=150, seed=13)
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True)
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
