"""Issue 12's crash loop: fifty SIGKILLs and more during the initial sync of a 2,000-bill
firm, with the firm's staff changing it in Clio meanwhile, on SQLite and on PostgreSQL;
then every Clio record against its QBO twins.

The loop is ``tests/crashloop.py``, which the suite's crash test runs with a few kills.
Every kill follows a state seen in the QBO emulator (``Trigger``): batches held inside
QBO (applied after the kill, their answers lost), batches QBO just answered, a batch whose
answer QBO dropped after applying it, and batches held across the restart until the new
daemon writes. After each kill the dead daemon's lease is given back (it is reaped; it
writes nothing more), Clio changes (a bill number edited, a bill voided or deleted, a
payment taken or voided), and a new ``billsync daemon`` starts at once. After the last
kill, Sync runs until a run succeeds with no pending link, and QBO is compared with Clio.

Run: ``python -m bench crashloop [--quick]``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from bench import scenario
from bench.daemon_process import stop
from bench.report import Table
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.db import open_database
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Link, LinkState, Run
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.crashloop import ClioStaff, Comparison, CrashLoop, Loop, Trigger, compare, converge
from tests.postgres import throwaway_cluster

BILLS, QUICK_BILLS = 2_000, 300
KILLS, QUICK_KILLS = 52, 8
#: Clio changes made after each kill, while no daemon runs.
CHANGES = 2
#: Throughput is not measured: QBO's limits run at a short scaled minute (one second).
TIME_SCALE = 60.0
TRIGGERS = tuple(Trigger)
SEED = 12
ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo")
#: Problems listed under the table, per database.
SHOWN = 12


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh database URL of ``backend``: a temporary SQLite file, or a throwaway cluster."""
    if backend == "postgresql":
        with throwaway_cluster() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="billsync-crashloop-") as tmp:
            yield f"sqlite:///{tmp}/billsync.db"


def measure(backend: str, bills: int, kills: int) -> dict:
    """One crash loop on ``backend``; its counts, timings and the comparison."""
    with (
        database(backend) as url,
        tempfile.TemporaryDirectory(prefix="billsync-crashloop-") as tmp,
        scenario.benchmark_sandbox(TIME_SCALE) as box,
    ):
        harness.seed_firm(box, bills=bills, seed=SEED)
        env = {
            **os.environ,
            **harness.sandbox_env(box, url, f"{tmp}/data", TIME_SCALE),
            "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}",
        }
        harness.migrate(env)
        set_secret_key(env["BILLSYNC_SECRET_KEY"])
        handle = open_database(url)
        staff = ClioStaff(box, seed=SEED)
        crashes = CrashLoop(box, env, TRIGGERS, staff=staff, changes=CHANGES)
        started = time.monotonic()
        try:
            connection_id = crashes.start(lambda client: harness.connect(client).id)
            loop = crashes.run(kills)
            converging = time.monotonic()
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"], actor="bench") as client:
                final = converge(client, connection_id)
            converged = time.monotonic()
        finally:
            if crashes.process is not None:
                stop(crashes.process)
        comparison = compare(box, connection_id)
        result = {
            "loop": loop,
            "made": staff.made,
            "final": final,
            "converge_seconds": converged - converging,
            "seconds": converged - started,
            "comparison": comparison,
            "interrupted": Run.select()
            .where(Run.connection == connection_id, Run.error.contains("Interrupted"))
            .count(),
            "pending": Link.select().where(Link.connection == connection_id, Link.state == LinkState.PENDING).count(),
            "failed": Counter(
                link.kind for link in Link.select().where(Link.connection == connection_id, Link.state == "failed")
            ),
        }
        handle.close()
        return result


def run(quick: bool = False) -> Table:
    bills, kills = (QUICK_BILLS, QUICK_KILLS) if quick else (BILLS, KILLS)
    backends = ("sqlite", "postgresql")
    results = {b: measure(b, bills, kills) for b in backends}
    table = Table(f"Crash loop: SIGKILLs during the initial sync of a {bills:,}-bill firm (SQLite | PostgreSQL)")

    def row(label: str, cells: list, goal: str = "", met: bool | None = None) -> None:
        table.add(label, "  ".join(f"{c:>12}" for c in cells), goal, met)

    loops: list[Loop] = [r["loop"] for r in results.values()]
    comparisons: list[Comparison] = [r["comparison"] for r in results.values()]
    row("kills", [loop.total for loop in loops], f">= {kills}", all(loop.total >= kills for loop in loops))
    for trigger in TRIGGERS:
        row(f"  {trigger.value}", [loop.kills[trigger] for loop in loops])
    row(
        "runs interrupted by a kill",
        [r["interrupted"] for r in results.values()],
        "= kills",
        all(r["interrupted"] == loop.total for r, loop in zip(results.values(), loops)),
    )
    row(
        "sync ended before the last kill", ["yes" if loop.ended_early else "no" for loop in loops], "no",
        not any(loop.ended_early for loop in loops),
    )  # fmt: skip
    changes = sorted({k for r in results.values() for k in r["made"]})
    for change in changes:
        row(f"Clio: {change}", [r["made"][change] for r in results.values()])
    row("loop wall time, s", [f"{loop.seconds:.0f}" for loop in loops])
    row("final syncs until clean, s", [f"{r['converge_seconds']:.0f}" for r in results.values()])
    row(
        "last run succeeded",
        ["yes" if r["final"].state == pb.RUN_STATE_SUCCEEDED else "NO" for r in results.values()],
        "yes",
        all(r["final"].state == pb.RUN_STATE_SUCCEEDED for r in results.values()),
    )
    for entity in ENTITIES:
        row(
            f"{entity}: Clio records needing one / QBO twins",
            [f"{c.clio[entity]} / {c.qbo[entity]}" for c in comparisons],
        )
    for label, attribute in (
        ("duplicates (a record with 2+ twins)", "duplicates"),
        ("missing (no live twin)", "missing"),
        ("amount or number mismatches", "mismatches"),
        ("live twins of voided/deleted records", "unretired"),
        ("twins their link does not name", "unrecorded"),
    ):
        counts = [len(getattr(c, attribute)) for c in comparisons]
        row(label, counts, "0", not any(counts))
    row(
        "pending links left",
        [r["pending"] for r in results.values()],
        "0",
        not any(r["pending"] for r in results.values()),
    )
    row("failed links (by rule or by QBO)", [sum(r["failed"].values()) for r in results.values()])
    row("total wall time, s", [f"{r['seconds']:.0f}" for r in results.values()])
    table.notes.append(scenario.limits_note(TIME_SCALE))
    table.notes.append(
        f"{CHANGES} Clio changes after each kill, seed {SEED}; each restart takes the connection at once "
        "(the reaped daemon's lease is given back, as its expiry would 10 s later)"
    )
    for backend, comparison in zip(backends, comparisons):
        for problem in comparison.problems[:SHOWN]:
            table.notes.append(f"{backend}: {problem}")
        if len(comparison.problems) > SHOWN:
            table.notes.append(f"{backend}: … {len(comparison.problems) - SHOWN} more")
    return table
