"""Issue 13's fairness figure: a small firm's first sync, alone and while ten large firms are
in their initial syncs, on one daemon with its default four workers.

Both emulators keep their real limits (Clio 50 requests a minute per token; QBO 500 a
minute, 10 a second and 40 batches a minute per company) at ``TIME_SCALE``, as the daemon
does: a large firm's initial sync then spends most of its time waiting on its Clio account's
pacing and its company's limits, as in the field. Every connection reads the one Clio firm of
the emulator (so a small firm's Clio reads cost what a large one's do) and writes to a QBO
company of its own: a large firm all its bills, the small firm those issued since
``SMALL_SINCE``. The small firm's time is from its connection to the end of its first run.
"""

from __future__ import annotations

import time

import httpx

from bench.bench_scale import realm_id
from bench.daemon_process import RunningDaemon, running_daemon
from bench.report import Table
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests import harness

TIME_SCALE = 4.0
BILLS, QUICK_BILLS = 2_000, 300
LARGE, QUICK_LARGE = 10, 3
#: The small firm syncs the bills issued since then: a few dozen of the demo firm's.
SMALL_SINCE = "2024-11-20"
#: Goal: with the large firms syncing, at most this many times as long as alone.
GOAL = 2.0


def small_firm_sync(box: Sandbox, daemon: RunningDaemon, realm: str) -> tuple[float, int]:
    """Connects a small firm to ``realm`` and waits for its first run to end: the seconds it
    took, and the invoices it wrote."""
    started = time.monotonic()
    connection_id = harness.connect(daemon.client, f"Small firm {realm}", realm=realm, start_date=SMALL_SINCE).id
    harness.wait_until(
        lambda: daemon.client.status(connection_id).last_run.state == pb.RUN_STATE_SUCCEEDED,
        "the small firm's first sync to end",
    )
    took = time.monotonic() - started
    invoices = httpx.get(f"{box.qbo_url}/_sandbox/objects/{realm}/Invoice", timeout=60).json()["Invoice"]
    return took, len(invoices)


def run(quick: bool = False) -> Table:
    bills, large = (QUICK_BILLS, QUICK_LARGE) if quick else (BILLS, LARGE)
    realms = [realm_id(n) for n in range(1, large + 3)]
    with (
        Sandbox(time_scale=TIME_SCALE, qbo_config=QBOConfig(), clio_config=ClioConfig()) as box,
        running_daemon(box, TIME_SCALE) as daemon,
        httpx.Client(timeout=60) as http,
    ):
        for realm in realms:
            http.post(f"{box.qbo_url}/_sandbox/seed", json={"realm_id": realm}).raise_for_status()
            harness.make_ready(box, realm)
        harness.seed_firm(box, bills=bills, seed=7)
        alone, written_alone = small_firm_sync(box, daemon, realms[0])
        big = [harness.connect(daemon.client, f"Large firm {realm}", realm=realm).id for realm in realms[2:]]
        harness.wait_until(
            lambda: all(daemon.client.status(c).current_run.progress for c in big), "every large firm's sync to start"
        )
        beside, written_beside = small_firm_sync(box, daemon, realms[1])
        still = sum(daemon.client.status(c).HasField("current_run") for c in big)
    ratio = beside / alone
    table = Table(f"Fairness: a small firm's first sync beside {large} large firms' initial syncs, 4 workers")
    table.add("small firm alone (s)", f"{alone:.1f}")
    table.add(f"small firm beside {large} large firms (s)", f"{beside:.1f}")
    table.add("beside / alone", f"{ratio:.2f}", f"≤ {GOAL:g}", ratio <= GOAL)
    table.add("large firms still in their initial sync at its end", f"{still} of {large}")
    table.add("invoices the small firm wrote (alone, beside)", f"{written_alone}, {written_beside}")
    table.notes.append(
        f"one Clio firm of {bills:,} bills read by every connection; a large firm writes all of it to its own "
        f"QBO company, the small firm the bills since {SMALL_SINCE}"
    )
    table.notes.append(
        f"both emulators at their real limits at time_scale {TIME_SCALE:g} (Clio 50 requests a minute per token; "
        f"QBO 500 a minute, 10 a second, 40 batches a minute), daemon BILLSYNC_TIME_SCALE={TIME_SCALE:g}"
    )
    return table
