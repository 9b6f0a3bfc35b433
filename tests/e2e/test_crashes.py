"""Crash safety: SIGKILL the daemon again and again during an initial sync, and under
injected faults; QBO must end with every object once and every link recorded.

The kills follow observed states (``tests/crashloop.py``: a batch held by the QBO emulator,
one it just answered, one whose answer it dropped after applying it), never a delay: each
provably interrupts a run, however fast the machine. The deadlines only stop a hung test.
``python -m bench crashloop`` runs the same loop with fifty kills and more."""

from __future__ import annotations

import os

import httpx

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.models import Link, Run
from billsync.daemon.sync.mapping import marker
from billsync.v1 import billsync_pb2 as pb
from tests.crashloop import SUITE_TRIGGERS, ClioStaff, CrashLoop, compare, converge
from tests.e2e.conftest import connect, qbo_objects, sandbox_env, seed_firm, sync
from tests.harness import free_port, make_ready, migrate, stop_daemon

#: Kills during one initial sync, whose firm needs several times more rounds of batches:
#: two of each trigger.
KILLS = 2 * len(SUITE_TRIGGERS)


def assert_every_object_once_and_linked(box) -> None:
    checks = (
        ("Customer", "Notes", "contact", "contact"),
        ("Invoice", "PrivateNote", "invoice", "bill"),
        ("Payment", "PrivateNote", "payment", "allocation"),
        ("CreditMemo", "PrivateNote", "credit_memo", "credit_memo"),
        ("JournalEntry", "PrivateNote", "trust", "bank_transaction"),
    )
    for entity, field, kind, word in checks:
        objects = [o for o in qbo_objects(box, entity) if o.get(field, "").startswith("billsync:")]
        markers = [o[field] for o in objects]
        assert len(markers) == len(set(markers)), f"duplicate {entity} in QuickBooks"
        links = {
            marker(word, link.clio_id, account=link.connection.clio_account_id): link
            for link in Link.select().where(Link.kind == kind)
        }
        for o in objects:
            link = links.get(o[field])
            assert link is not None and link.qbo_id == o["Id"], f"{entity} {o['Id']} has no link"


def with_trust(client: DaemonClient, connection_id: int, accounts: dict[str, str]) -> int:
    """Turns the trust sync on with the emulator's trust accounts (the run that connecting
    started may have begun without it; the next ones have it)."""
    client.update_settings(
        connection_id,
        trust_enabled=True,
        trust_bank_account_id=accounts["Client Trust Account"],
        trust_liability_account_id=accounts["Client Trust Liability"],
    )
    return connection_id


def test_sigkill_mid_sync_never_duplicates(sandbox, database_url, db, tmp_path):
    """Every kill lands in a run in progress, at a state the test has seen in QBO: while it
    holds batches the daemon sent (applied once the daemon is dead, their answers lost),
    just after it answered them (the daemon may not have recorded them), and just after it
    applied one and dropped the answer. Between kills the firm's staff edit bill numbers,
    void and delete bills, take and void payments in Clio. Each restart takes the connection
    over at once (the dead daemon's lease is given back). The trust sync is on: trust
    transactions go as journal entries through the same kills. QBO must end with every Clio
    record's twin exactly once, of the right amount, and every twin linked."""
    make_ready(sandbox)
    seed_firm(sandbox, bills=800, seed=11)
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"trust": True}).raise_for_status()
    accounts = {a["Name"]: a["Id"] for a in qbo_objects(sandbox, "Account")}
    env = {
        **os.environ,
        **sandbox_env(sandbox, database_url, str(tmp_path / "data")),
        "BILLSYNC_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    migrate(env)
    crashes = CrashLoop(sandbox, env, SUITE_TRIGGERS, staff=ClioStaff(sandbox, seed=11), changes=2)
    try:
        connection_id = crashes.start(lambda client: with_trust(client, connect(client).id, accounts))
        loop = crashes.run(KILLS)
        # A fast machine may finish the sync before the last kills: what must hold is that
        # each state was struck before the end, and that every kill interrupted a run.
        assert set(loop.kills) == set(SUITE_TRIGGERS), loop
        with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
            run = converge(client, connection_id)
            assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
        # Each kill left its cycle's spill file; each restart swept the dead one's. What is
        # left is at most the file of a cycle running now.
        left = list((tmp_path / "data" / "spill").iterdir())
        assert len(left) <= 1, f"spill files of killed daemons left: {left}"
    finally:
        if crashes.process is not None:
            stop_daemon(crashes.process)
    interrupted = Run.select().where(Run.connection == connection_id, Run.error.contains("Interrupted")).count()
    assert interrupted == loop.total, "every kill interrupted a run"
    assert not Link.select().where(Link.state == "pending").exists()
    comparison = compare(sandbox, connection_id)
    assert comparison.clio["Invoice"] > 200 and comparison.clio["Payment"] > 150
    assert comparison.clio["JournalEntry"] > 30
    assert not comparison.problems, "\n".join(comparison.problems[:20])


def test_sync_converges_under_throttling_faults_and_token_expiry(sandbox, e2e_client):
    seed_firm(sandbox, bills=150, seed=13)
    make_ready(sandbox)
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"trust": True}).raise_for_status()
    connection = connect(e2e_client)
    with_trust(e2e_client, connection.id, {a["Name"]: a["Id"] for a in qbo_objects(sandbox, "Account")})
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
    assert Link.select().where(Link.kind == "trust", Link.state == "synced").count() > 10
    assert_every_object_once_and_linked(sandbox)
    stats = httpx.get(f"{sandbox.qbo_url}/_sandbox/stats").json()["requests"]
    seen = {r["status"] for r in stats}
    assert {401, 503} <= seen, seen
