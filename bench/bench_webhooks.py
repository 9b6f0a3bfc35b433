"""Issue 13's figure: how soon a bill edited in Clio shows in QuickBooks, with webhooks,
during a burst of edits: 20 bills renumbered 2 s apart.

Both emulators run at their real limits in real time (Clio 50 requests a minute, QBO 500 a
minute and 40 batches): a run a webhook starts reads only the bill it names, by id, with its
lines (``Cycle.targeted``), so the burst stays within Clio's 50 a minute; a full read per
edit would not (5 reads and more each: 150 a minute). Each edit's latency is the time from
its edit in Clio until the QBO emulator holds the invoice with the new number, watched in
the emulator's own store.
"""

from __future__ import annotations

import statistics
import threading
import time

import httpx

from bench import scenario
from bench.daemon_process import running_daemon
from bench.report import Table
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.server import Sandbox
from tests import harness

BILLS = 200
EDITS, QUICK_EDITS = 20, 5
SPACING = 2.0
#: Goal per edit, Clio edit to QBO invoice, in seconds.
GOAL = 10.0
#: Clio's rate limit window, in real time (50 requests a minute).
CLIO_WINDOW = 60.0


def invoice_numbers(box: Sandbox) -> dict[str, str]:
    """DocNumber of every invoice in the QBO emulator, by Id."""
    return {i["Id"]: i.get("DocNumber", "") for i in harness.qbo_objects(box, "Invoice")}


def run(quick: bool = False) -> Table:
    edits = QUICK_EDITS if quick else EDITS
    hook = f"127.0.0.1:{harness.free_port()}"
    extra = {"BILLSYNC_WEBHOOK_ADDRESS": hook, "BILLSYNC_WEBHOOK_URL": f"http://{hook}"}
    with (
        Sandbox(time_scale=1.0, qbo_config=QBOConfig(), clio_config=ClioConfig()) as box,
        running_daemon(box, 1.0, extra=extra) as daemon,
    ):
        harness.make_ready(box)
        connection_id = scenario.connected_firm(box, daemon, BILLS)
        harness.sync(daemon.client, connection_id)
        harness.settle(daemon.client, connection_id)
        # The burst starts as an idle firm's would, in a Clio window of its own: the set-up's
        # initial sync has spent part of the one it ran in.
        time.sleep(CLIO_WINDOW)
        with box.clio.store.lock:
            bills = [b for b in box.clio.store["bills"].records.values() if b["state"] == "awaiting_payment"][:edits]
        first_run = daemon.client.status(connection_id).last_run.id
        harness.reset_request_counts(box)
        edited: dict[str, float] = {}  # new number: when it was made in Clio
        seen: dict[str, float] = {}  # new number: when QBO held it
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                now = invoice_numbers(box)
                at = time.monotonic()
                for number in list(edited):
                    if number not in seen and number in now.values():
                        seen[number] = at
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        for n, bill in enumerate(bills):
            number = f"W{n}-{bill['id']}"
            edited[number] = time.monotonic()
            httpx.patch(f"{box.clio_url}/_sandbox/bills/{bill['id']}", json={"number": number}).raise_for_status()
            time.sleep(SPACING)
        harness.wait_until(lambda: len(seen) == len(edited), "every edited invoice in QuickBooks")
        done.set()
        watcher.join()
        requests = harness.api_requests(box)
        runs = daemon.client.status(connection_id).last_run.id - first_run
    in_order = [seen[n] - edited[n] for n in edited]
    latencies = sorted(in_order)
    table = Table(f"Clio edit → QBO invoice with webhooks: {edits} bills renumbered {SPACING:g} s apart")
    table.add("latency p50 (s)", f"{statistics.median(latencies):.1f}")
    table.add("latency max (s)", f"{latencies[-1]:.1f}", f"each < {GOAL:g}", latencies[-1] < GOAL)
    table.add("Clio requests in the burst", f"{requests['clio']:,}")
    table.add("Clio 429s", f"{requests['clio_429']:,}", "0", requests["clio_429"] == 0)
    table.add("runs in the burst", f"{runs:,}")
    table.notes.append("each edit's latency, in order (s): " + ", ".join(f"{t:.1f}" for t in in_order))
    table.notes.append(
        f"a {BILLS}-bill demo firm synced first, then a minute's rest (a fresh Clio window); "
        "both emulators at their real limits in real time "
        "(Clio 50 requests a minute; QBO 500 a minute, 40 batches a minute)"
    )
    return table
