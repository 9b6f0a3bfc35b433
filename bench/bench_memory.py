"""Issue 13's figure: the daemon's peak memory through an initial sync, as the firm grows.
The goal is a peak that stays flat (≤ 150 MiB) from 10,000 to 100,000 bills.

Each size runs in a sandbox and daemon of its own, one after the other: the initial sync,
then the catch-up cycle (whose broken-link scan reads every object the sync wrote), with the
daemon's ``VmHWM`` (peak resident memory) read after each. The emulators live in this
process, not the daemon's.
"""

from __future__ import annotations

from bench import scenario
from bench.daemon_process import peak_rss_mb, running_daemon
from bench.report import Table

SIZES, QUICK_SIZES = (10_000, 100_000), (1_000, 10_000)
TIME_SCALE = 60.0
GOAL_MIB = 150


def measure(bills: int) -> dict[str, float]:
    with scenario.benchmark_sandbox(TIME_SCALE) as box, running_daemon(box, TIME_SCALE) as daemon:
        connection_id = scenario.connected_firm(box, daemon, bills)
        initial = scenario.measure_cycle(box, daemon, connection_id)
        after_sync = peak_rss_mb(daemon.process.pid)
        scenario.measure_cycle(box, daemon, connection_id)
        return {
            "synced": scenario.synced_objects(daemon, connection_id).get("synced", 0),
            "succeeded": initial.succeeded,
            "after_sync": after_sync,
            "after_scan": peak_rss_mb(daemon.process.pid),
        }


def run(quick: bool = False) -> Table:
    sizes = QUICK_SIZES if quick else SIZES
    results = {bills: measure(bills) for bills in sizes}
    table = Table("Daemon peak resident memory (VmHWM, MiB) through an initial sync, by firm size")
    table.add("bills", "  ".join(f"{b:>10,}" for b in sizes))
    table.add("links synced", "  ".join(f"{r['synced']:>10,}" for r in results.values()))
    for key, label in (("after_sync", "peak after the initial sync"), ("after_scan", "peak after the catch-up scan")):
        peaks = [r[key] for r in results.values()]
        table.add(
            label, "  ".join(f"{p:>10.0f}" for p in peaks), f"≤ {GOAL_MIB} at each", all(p <= GOAL_MIB for p in peaks)
        )
    table.notes.append(scenario.limits_note(TIME_SCALE))
    return table
