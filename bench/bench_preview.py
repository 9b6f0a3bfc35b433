"""Issue 19's figures: what a preview of a first sync costs, beside the sync itself, and
whether the sync then does what it foresaw.

A 10,000-bill firm (``--quick``: 1,000) is connected with its first sync held; a Preview
runs (its QBO and Clio requests, wall time, daemon CPU and the daemon's peak memory after
it are read), then Sync runs the first sync. Goals: the preview reads no more of QBO than
the sync's own reads (its writes aside) and no more of Clio, writes nothing, and every
record's fate is what the sync then does.
"""

from __future__ import annotations

import math
import time

from bench import scenario
from bench.daemon_process import running_daemon
from bench.report import Table
from billsync.daemon.rpc.client import DaemonClient
from billsync.v1 import billsync_pb2 as pb
from tests import harness

SIZE, QUICK_SIZE = 10_000, 1_000
TIME_SCALE = 60.0
#: The link state each foreseen fate leaves.
STATE = {
    pb.FATE_CREATE: pb.LINK_STATE_SYNCED,
    pb.FATE_UPDATE: pb.LINK_STATE_SYNCED,
    pb.FATE_MATCH: pb.LINK_STATE_SYNCED,
    pb.FATE_UNCHANGED: pb.LINK_STATE_SYNCED,
    pb.FATE_SKIP: pb.LINK_STATE_SKIPPED,
    pb.FATE_WAIT: pb.LINK_STATE_WAITING,
    pb.FATE_FAIL: pb.LINK_STATE_FAILED,
}


def foreseen(client: DaemonClient, connection_id: int) -> dict[tuple[int, str], int]:
    """Each record's fate, by kind and Clio id."""
    return {(i.kind, i.clio_id): i.fate for m in client.preview(connection_id, timeout=3600) for i in m.items}


def link_states(client: DaemonClient, connection_id: int) -> dict[tuple[int, str], int]:
    states, token = {}, ""
    while True:
        page = client.list_links(connection_id, page_size=1000, page_token=token)
        states |= {(link.kind, link.clio_id): link.state for link in page.links}
        if not (token := page.next_page_token):
            return states


def run(quick: bool = False) -> Table:
    size = QUICK_SIZE if quick else SIZE
    with scenario.benchmark_sandbox(TIME_SCALE) as box, running_daemon(box, TIME_SCALE) as daemon:
        connection_id = scenario.connected_firm(box, daemon, size, hold=True)
        harness.reset_request_counts(box)
        cpu, started = daemon.cpu_seconds(), time.monotonic()
        fates = foreseen(daemon.client, connection_id)
        wall, cpu = time.monotonic() - started, daemon.cpu_seconds() - cpu
        read, peak = harness.api_requests(box), daemon.peak_rss_mb()
        sync = scenario.measure_cycle(box, daemon, connection_id)
        states = link_states(daemon.client, connection_id)
    sync_reads = sync.requests["qbo"] - sync.batch_requests - sync.single_writes
    # The preview's own look-ups: customers of a like name, a query per 50 family names and
    # one per 50 company names of the customers it foresees made (``dry.DryWriter``).
    made = sum(1 for (kind, _), fate in fates.items() if kind == pb.KIND_CONTACT and fate == pb.FATE_CREATE)
    like_named = 2 * math.ceil(made / 50)
    differ = sum(1 for key, fate in fates.items() if states.get(key) != STATE[fate]) + len(set(states) - set(fates))
    table = Table(f"Preview of the first sync of a {size:,}-bill firm, beside the sync")
    table.add("records foreseen / links after the sync", f"{len(fates):,} / {len(states):,}")
    table.add("records whose end differs from what was foreseen", f"{differ:,}", "0", differ == 0)
    table.add(
        "QBO requests: preview / the sync's reads (its writes aside)",
        f"{read['qbo']:,} / {sync_reads:,}",
        f"preview ≤ sync + {like_named} like-name look-ups",
        read["qbo"] <= sync_reads + like_named,
    )
    table.add("QBO writes of the preview", f"{read['qbo_writes']:,}", "0", read["qbo_writes"] == 0)
    table.add(
        "Clio requests: preview / sync",
        f"{read['clio']:,} / {sync.requests['clio']:,}",
        "preview ≤ sync + 1",
        read["clio"] <= sync.requests["clio"] + 1,
    )
    table.add("wall time, s: preview / sync", f"{wall:.1f} / {sync.wall:.1f}")
    table.add("daemon CPU, s: preview / sync", f"{cpu:.1f} / {sync.cpu:.1f}")
    table.add("daemon peak RSS after the preview, MiB", f"{peak:.0f}")
    table.notes.append(
        "Clio: the firm's currencies are read once a process, by the preview here, so the sync reads them no more."
    )
    table.notes.append(scenario.limits_note(TIME_SCALE))
    return table
