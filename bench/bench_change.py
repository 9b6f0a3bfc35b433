"""Issue 13's figure: what a cycle after a change costs in Clio requests, in a firm of
10,000 bills. The goal is a cost that follows the change, not the firm.

After the initial sync and its catch-up cycle, bills are renumbered in Clio, 26 and then
2,600 of them; the next cycle's Clio requests are counted by endpoint and by the names of
the filters they sent (the Clio emulator reports both), so a read of every line of the firm
(``line_items`` with no filter) shows as such. Before the line index (``clio.lines``), past
25 changed bills a cycle read every line: some 137 pages at 10,000 bills.
"""

from __future__ import annotations

from collections import Counter

import httpx

from bench import scenario
from bench.daemon_process import running_daemon
from bench.report import Table
from billsync.sandbox.server import Sandbox

SIZE, QUICK_SIZE = 10_000, 1_000
CHANGES, QUICK_CHANGES = (26, 2_600), (26, 260)
TIME_SCALE = 60.0
#: Goals per change: about one request per 200 lines and per 200 bills, plus a cycle's reads.
GOALS = {26: 8, 260: 20, 2_600: 60}


def renumber(box: Sandbox, count: int, round_: int) -> None:
    """Renumbers ``count`` issued bills in Clio, as a user would, one edit each."""
    with box.clio.store.lock:
        issued = sorted(b["id"] for b in box.clio.store["bills"].records.values() if b["state"] == "awaiting_payment")
    for bill_id in issued[:count]:
        httpx.patch(
            f"{box.clio_url}/_sandbox/bills/{bill_id}", json={"number": f"R{round_}-{bill_id}"}
        ).raise_for_status()


def clio_reads(box: Sandbox) -> Counter[str]:
    """Clio API requests since the counts were reset, by endpoint and filters."""
    reads: Counter[str] = Counter()
    for r in httpx.get(f"{box.clio_url}/_sandbox/requests").json()["requests"]:
        if r["endpoint"].startswith("/api/v4/"):
            reads[f"{r['endpoint'].removeprefix('/api/v4/')} [{r['filters'] or 'no filter'}]"] += r["count"]
    return reads


def run(quick: bool = False) -> Table:
    size, changes = (QUICK_SIZE, QUICK_CHANGES) if quick else (SIZE, CHANGES)
    results: dict[int, tuple[scenario.Cycle, Counter[str]]] = {}
    with scenario.benchmark_sandbox(TIME_SCALE) as box, running_daemon(box, TIME_SCALE) as daemon:
        connection_id = scenario.connected_firm(box, daemon, size)
        scenario.measure_cycle(box, daemon, connection_id)  # the initial sync
        scenario.measure_cycle(box, daemon, connection_id)  # its catch-up (CDC of its own writes)
        for round_, count in enumerate(changes, 1):
            renumber(box, count, round_)
            cycle = scenario.measure_cycle(box, daemon, connection_id)
            results[count] = (cycle, clio_reads(box))
    table = Table(f"Clio requests of the cycle after a change, in a firm of {size:,} bills")
    for count, (cycle, reads) in results.items():
        updated = sum(p.updated for p in cycle.run.progress)  # a bill the demo firm makes fail stays failed
        table.add(
            f"{count:,} bills renumbered: Clio requests ({updated:,} invoices updated)",
            f"{cycle.requests['clio']:,}",
            f"≤ {GOALS[count]}",
            cycle.requests["clio"] <= GOALS[count],
        )
        every_line = reads["line_items.json [no filter]"]
        table.add("  of them, reads of every line of the firm", f"{every_line:,}", "0", every_line == 0)
        table.notes.append(f"{count:,} bills: " + ", ".join(f"{k} {v}" for k, v in sorted(reads.items())))
    table.notes.append(scenario.limits_note(TIME_SCALE))
    return table
