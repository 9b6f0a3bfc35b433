"""Issue 5's figure: what finding broken links costs, as the number of links grows.

For firms of growing size, after the initial sync: the QBO and Clio calls of a catch-up
cycle (its Change Data Capture window still covers the initial sync's own writes), of an
idle cycle in the steady state, and of a cycle after someone deleted one synced invoice
in QBO, with whether that cycle found it broken. An invoice is also deleted just after
the initial sync, to show whether the catch-up cycle, whose CDC answer overflows, finds
it. The goal is that the steady-state and detection cycles cost the same few calls
whatever the size.

Each CDC read starts at QBO's own time of the previous answer, so the steady state starts
with the cycle after the catch-up. The sizes run side by side, each with its own sandbox
and daemon. Throughput is not measured here, so QBO runs at a short scaled minute to save time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from bench import scenario
from bench.daemon_process import running_daemon
from bench.report import Table
from billsync.sandbox.server import Sandbox
from tests import harness

SIZES = (200, 2_000, 10_000)
QUICK_SIZES = (50, 300)
TIME_SCALE = 60.0


def delete_one_invoice(box: Sandbox) -> str:
    """Deletes a synced invoice in QBO as a user would; returns its id (the live list
    ``qbo_objects`` reads holds no deleted invoice, so each call deletes another)."""
    invoice = next(o for o in harness.qbo_objects(box, "Invoice") if o.get("PrivateNote", "").startswith("billsync:"))
    httpx.post(
        f"{box.qbo_url}/_sandbox/user/{box.qbo_config.realm_id}/Invoice/{invoice['Id']}/delete"
    ).raise_for_status()
    return str(invoice["Id"])


def measure(bills: int) -> dict[str, object]:
    """The three cycles' costs for one firm size."""
    with scenario.benchmark_sandbox(TIME_SCALE) as box, running_daemon(box, TIME_SCALE) as daemon:
        connection_id = scenario.connected_firm(box, daemon, bills)
        initial = scenario.measure_cycle(box, daemon, connection_id)
        delete_one_invoice(box)
        first_idle = scenario.measure_cycle(box, daemon, connection_id)
        found_early = scenario.synced_objects(daemon, connection_id).get("broken", 0)
        steady = scenario.measure_cycle(box, daemon, connection_id)
        broken_before = scenario.synced_objects(daemon, connection_id).get("broken", 0)
        delete_one_invoice(box)
        detecting = scenario.measure_cycle(box, daemon, connection_id)
        links = scenario.synced_objects(daemon, connection_id)
    return {
        "links": links.get("synced", 0) + links.get("broken", 0),
        "initial": initial,
        "first_idle": first_idle,
        "steady": steady,
        "detecting": detecting,
        "found": links.get("broken", 0) - broken_before,
        "found_early": found_early,
    }


def run(quick: bool = False) -> Table:
    sizes = QUICK_SIZES if quick else SIZES
    with ThreadPoolExecutor(len(sizes)) as pool:
        results = dict(zip(sizes, pool.map(measure, sizes)))
    table = Table("Cost of finding broken links (QBO CDC) vs. firm size: QBO / Clio requests per cycle")
    table.add("bills", "  ".join(f"{b:>12,}" for b in sizes))
    table.add("synced links", "  ".join(f"{r['links']:>12,}" for r in results.values()))
    for key, label in (
        ("first_idle", "catch-up cycle (CDC covers the initial sync)"),
        ("steady", "idle cycle (steady state)"),
        ("detecting", "cycle after 1 invoice deleted in QBO"),
    ):
        cells = [f"{r[key].requests['qbo']} / {r[key].requests['clio']}" for r in results.values()]
        table.add(label, "  ".join(f"{c:>12}" for c in cells))
    for key, label in (
        ("found_early", "deleted after initial sync: found by catch-up"),
        ("found", "deleted in steady state: found"),
    ):
        found = [r[key] for r in results.values()]
        table.add(
            label,
            "  ".join(f"{'yes' if f == 1 else 'NO' if f == 0 else f:>12}" for f in found),
            "yes, within one cycle",
            all(f == 1 for f in found),
        )
    steady = {r["steady"].requests["qbo"] for r in results.values()} | {
        r["detecting"].requests["qbo"] for r in results.values()
    }
    table.add(
        "steady and detecting cycles constant in size",
        "yes" if len(steady) == 1 else f"no: {sorted(steady)}",
        "O(1)",
        len(steady) == 1,
    )
    table.notes.append(scenario.limits_note(TIME_SCALE))
    table.notes.append(
        "the catch-up cycle is the first after the initial sync: its CDC window covers that sync's own writes, "
        "more than the 1,000 objects one CDC answer holds, so it reads entity by entity and scans where one overflows"
    )
    return table
