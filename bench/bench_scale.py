"""Issue 7's scale-out figures on PostgreSQL: sync throughput of 1, 2 and 4 daemons over
200 connections, the takeover after a SIGKILL, and the daemon's memory per connection.
(Status and ListLinks latency at 10k–1M links is the ``status`` benchmark.)

Every part runs ``billsync daemon`` subprocesses on a throwaway PostgreSQL cluster against
the in-process emulators: one QBO company (realm) per connection, all connections reading
the same Clio demo firm, each with its own tokens (so Clio's per-token limit is per
connection, and it is raised anyway).

Connections are stored directly, with tokens minted by the emulators' admin APIs and
written through the daemon's models, instead of through the two consent pages: a
connection becomes due the moment its QBO consent completes, so 200 OAuth flows would
start 200 syncs over tens of seconds and no wall time could be read. Here every
connection is parked (due tomorrow) while the daemons start, and made due in one UPDATE.
What each daemon did is read from the database it shares: ``run`` rows for times and
outcomes, the connection rows' ``lease_owner`` (sampled) for which daemon synced what —
the daemons are not changed to report anything.

Run: ``python -m bench scale [--quick]``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import httpx
import peewee

from bench import scenario
from bench.daemon_process import CLOCK_TICKS, RunningDaemon, cpu_seconds, stop
from bench.report import Table
from billsync.daemon.rpc import connections
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.db import open_database
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Connection, Link, Run, utcnow
from billsync.sandbox.server import Sandbox
from tests import harness
from tests.postgres import throwaway_cluster

#: Throughput: connections, daemon counts, bills of the shared Clio firm, time scale.
CONNECTIONS, QUICK_CONNECTIONS = 200, 20
DAEMON_COUNTS, QUICK_DAEMON_COUNTS = (1, 2, 4), (1, 2)
BILLS = 20
TIME_SCALE = 20.0
#: Failover: fewer connections with a bigger firm, so their syncs are still running when
#: the daemon is killed, at a slower scale (a minute lasts 15 s).
FAILOVER_CONNECTIONS, QUICK_FAILOVER_CONNECTIONS = 20, 6
FAILOVER_BILLS = QUICK_FAILOVER_BILLS = 300
FAILOVER_SCALE = 4.0
#: Memory: connections of one daemon, growing; the Clio firm is empty (nothing to sync).
MEMORY_SIZES, QUICK_MEMORY_SIZES = (1, 100, 1000), (1, 20, 100)
#: The scheduler's lease (daemon/sync/scheduler.py LEASE) and its dispatch poll.
LEASE_SECONDS, DISPATCH_POLL = 10.0, 1.0
#: A takeover slower than this is a problem to report (the issue: "within seconds").
TAKEOVER_GOAL = 15.0
#: Sockets each emulator keeps open: every synced connection keeps its own keep-alive one.
SOCKETS = 5000
SAMPLE = 0.25


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from ``/proc/stat``:
    PostgreSQL's backends and anything else running count too, which is the point."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    total = sum(ticks[:8])  # guest time is already inside user
    return (total - ticks[3] - ticks[4]) / CLOCK_TICKS, total / CLOCK_TICKS


def realm_id(n: int) -> str:
    """A QBO-like realm id (a long digit string), distinct per connection."""
    return f"9341{n:012d}"


@contextmanager
def companies(time_scale: float, count: int, bills: int) -> Iterator[tuple[Sandbox, list[str]]]:
    """The benchmark sandbox with ``count`` QBO companies, both settings on in each (as
    an admin would switch them, so invoices are not held), and a Clio firm of ``bills``."""
    realms = [realm_id(n) for n in range(1, count + 1)]
    with scenario.benchmark_sandbox(time_scale, connection_limit=SOCKETS) as box, httpx.Client(timeout=60) as http:
        for realm in realms:
            http.post(f"{box.qbo_url}/_sandbox/seed", json={"realm_id": realm}).raise_for_status()
            harness.make_ready(box, realm)
        if bills:
            harness.seed_firm(box, bills=bills, seed=7)
        yield box, realms


def _grant(answer: dict, now: float) -> dict:
    """An emulator's token answer as the daemon stores a grant (``daemon.oauth.Tokens``)."""
    tokens = {
        "access_token": answer["access_token"],
        "refresh_token": answer["refresh_token"],
        "expires_at": now + float(answer["expires_in"]),
    }
    if "x_refresh_token_expires_in" in answer:
        tokens["refresh_expires_at"] = now + float(answer["x_refresh_token_expires_in"])
    return tokens


class Fleet:
    """Daemons sharing one PostgreSQL database and one sandbox, as one deployment (one
    secret key, one API token), started one at a time; the benchmark process reads the
    same database through the daemon's models.
    """

    def __init__(self, box: Sandbox, url: str, data_dir: str, time_scale: float) -> None:
        self.box = box
        self.env = {**os.environ, **harness.sandbox_env(box, url, data_dir, time_scale)}
        harness.migrate(self.env)
        set_secret_key(self.env["BILLSYNC_SECRET_KEY"])
        self.db = open_database(url)
        self.daemons: list[RunningDaemon] = []
        self._stack = ExitStack()

    def add(self) -> RunningDaemon:
        """Starts one more daemon; returns once it answers RPCs."""
        env = {**self.env, "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}"}
        process = harness.start_daemon(env)
        self._stack.callback(stop, process)
        client = self._stack.enter_context(
            DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"], actor="bench")
        )
        self.daemons.append(RunningDaemon(process, client, env))
        return self.daemons[-1]

    def close(self) -> None:
        self._stack.close()
        self.db.close()

    def connect(self, realms: list[str]) -> list[int]:
        """A connected connection per realm, parked (due tomorrow) until :meth:`release`."""
        ids = []
        with httpx.Client(timeout=30) as http:
            for realm in realms:
                qbo = http.post(f"{self.box.qbo_url}/_sandbox/tokens", json={"realm_id": realm}).json()
                clio = http.post(f"{self.box.clio_url}/_sandbox/tokens", json={}).json()
                now = time.time()
                connection = connections.create(f"Firm {realm}", {"sync_interval_seconds": 3600}, actor="bench")
                Connection.update(
                    state="connected",
                    qbo_realm_id=realm,
                    qbo_company_name=f"Company {realm}",
                    clio_account="Sandbox Law LLP",
                    qbo_tokens=_grant(qbo, now),
                    clio_tokens=_grant(clio, now),
                    next_run_at=utcnow() + dt.timedelta(days=1),
                ).where(Connection.id == connection.id).execute()
                ids.append(connection.id)
        return ids

    def release(self, ids: list[int]) -> dt.datetime:
        """Makes the connections due now, at once; returns when (UTC, the runs' clock)."""
        now = utcnow()
        Connection.update(next_run_at=now).where(Connection.id.in_(ids)).execute()
        return now


@contextmanager
def fleet(box: Sandbox, time_scale: float) -> Iterator[Fleet]:
    """A :class:`Fleet` on a fresh throwaway PostgreSQL cluster, every daemon stopped after."""
    with throwaway_cluster() as url, tempfile.TemporaryDirectory(prefix="billsync-bench-") as tmp:
        f = Fleet(box, url, f"{tmp}/data", time_scale)
        try:
            yield f
        finally:
            f.close()


@dataclass
class Outcome:
    """How the first runs of a set of connections went, read from the database.

    Attributes:
        succeeded: connections with a succeeded run.
        failed_runs: runs that ended failed (an interrupted one included).
        runs: every run of the connections.
        owners: for each lease owner (one per daemon) sampled, the connections first seen held by it.
        last_finished: when the last succeeded run ended (UTC), or None.
    """

    succeeded: int = 0
    failed_runs: int = 0
    runs: int = 0
    owners: Counter = field(default_factory=Counter)
    last_finished: dt.datetime | None = None


def wait_for_runs(ids: list[int], timeout: float, since: dt.datetime | None = None) -> Outcome:
    """Polls until every connection has a succeeded run (started after ``since``), or
    every one has ended somehow, or ``timeout``; samples the lease owners meanwhile."""
    seen: dict[int, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        for row in Connection.select(Connection.id, Connection.lease_owner).where(
            Connection.lease_owner.is_null(False)
        ):
            seen.setdefault(row.id, row.lease_owner)
        outcome = _outcome(ids, since)
        ended = outcome.succeeded + len({r.connection_id for r in _runs(ids, since).where(Run.state == "failed")})
        if outcome.succeeded == len(ids) or ended >= len(ids) or time.monotonic() > deadline:
            outcome.owners = Counter(seen.values())
            return outcome
        time.sleep(SAMPLE)


def _runs(ids: list[int], since: dt.datetime | None) -> peewee.ModelSelect:
    runs = Run.select().where(Run.connection.in_(ids))
    return runs.where(Run.started_at >= since) if since else runs


def _outcome(ids: list[int], since: dt.datetime | None) -> Outcome:
    runs = list(_runs(ids, since))
    done = [r for r in runs if r.state == "succeeded"]
    return Outcome(
        succeeded=len({r.connection_id for r in done}),
        failed_runs=sum(r.state == "failed" for r in runs),
        runs=len(runs),
        last_finished=max((r.finished_at for r in done), default=None),
    )


def duplicates(box: Sandbox, realms: list[str]) -> int:
    """Invoices in excess of one per billsync marker (``PrivateNote``), over every realm."""
    extra = 0
    with httpx.Client(timeout=60) as http:
        for realm in realms:
            notes = [
                i.get("PrivateNote", "")
                for i in http.get(f"{box.qbo_url}/_sandbox/objects/{realm}/Invoice").json()["Invoice"]
            ]
            extra += len(notes) - len(set(notes))
    return extra


def pending_links() -> int:
    """Links written as pending whose create was never confirmed: must be 0 after recovery."""
    return Link.select().where(Link.state == "pending").count()


# --- 1. throughput --------------------------------------------------------------------


def throughput(count: int, daemons: int, table: Table) -> None:
    """``count`` connections made due at once, ``daemons`` daemons sharing them."""
    with companies(TIME_SCALE, count, BILLS) as (box, realms), fleet(box, TIME_SCALE) as f:
        ids = f.connect(realms)
        for _ in range(daemons):
            f.add()
        harness.reset_request_counts(box)
        cpu, emulators, machine = [d.cpu_seconds() for d in f.daemons], cpu_seconds(os.getpid()), machine_cpu()
        released = f.release(ids)
        outcome = wait_for_runs(ids, timeout=600)
        requests = harness.api_requests(box)
        cpu, emulators = [d.cpu_seconds() - c for d, c in zip(f.daemons, cpu)], cpu_seconds(os.getpid()) - emulators
        busy = (machine_cpu()[0] - machine[0]) / (machine_cpu()[1] - machine[1])
        synced = Link.select().where(Link.state == "synced").count()
        extra, pending = duplicates(box, realms), pending_links()
    label = f"{daemons} daemon{'s' if daemons > 1 else ''}:"
    wall = (outcome.last_finished - released).total_seconds() if outcome.last_finished else float("nan")
    all_done = outcome.succeeded == count
    table.add(f"{label} connections whose first run succeeded", f"{outcome.succeeded} / {count}", f"{count}", all_done)
    table.add(f"{label} wall time until the last one succeeded, s", wall, fmt=".1f")
    table.add(f"{label} objects synced / per second", f"{synced:,} / {synced / wall:,.0f}")
    table.add(
        f"{label} QBO requests / 429s; Clio requests",
        f"{requests['qbo']:,} / {requests['qbo_429']} ; {requests['clio']:,}",
        "429s 0",
        requests["qbo_429"] == 0,
    )
    table.add(f"{label} runs / failed runs", f"{outcome.runs} / {outcome.failed_runs}")
    table.add(
        f"{label} duplicate invoices / pending links", f"{extra} / {pending}", "0 / 0", extra == 0 and pending == 0
    )
    shares = sorted(outcome.owners.values(), reverse=True) + [0] * (daemons - len(outcome.owners))
    table.add(f"{label} connections synced by each daemon (sampled)", " / ".join(map(str, shares)))
    table.add(
        f"{label} CPU s of each daemon; of the emulators", " / ".join(f"{c:.1f}" for c in cpu) + f" ; {emulators:.1f}"
    )
    table.add(f"{label} machine CPU busy (all {os.cpu_count()} cores, PostgreSQL included), %", 100 * busy, fmt=".0f")
    table.add(
        f"{label} daemon CPU ms per synced object", 1000 * sum(cpu) / synced if synced else float("nan"), fmt=".2f"
    )


# --- 2. failover ----------------------------------------------------------------------


def failover(count: int, bills: int, table: Table) -> None:
    """Daemon A alone claims every connection; B starts; A is SIGKILLed mid-sync.

    Starting A first is what tells which daemon holds the leases (an owner id is internal
    to a daemon). Takeover time per connection: from the kill to the start of its run on
    B (``run.started_at``, written by B), so no polling delay is in the figure.
    """
    with companies(FAILOVER_SCALE, count, bills) as (box, realms), fleet(box, FAILOVER_SCALE) as f:
        ids = f.connect(realms)
        victim = f.add()
        f.release(ids)
        deadline = time.monotonic() + 60
        while Connection.select().where(Connection.id.in_(ids), Connection.lease_owner.is_null(False)).count() < count:
            if time.monotonic() > deadline:
                raise RuntimeError("the first daemon did not claim every connection within 60 s")
            time.sleep(0.05)
        f.add()
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        killed = utcnow()
        held = [
            c.id
            for c in Connection.select(Connection.id).where(
                Connection.id.in_(ids), Connection.lease_owner.is_null(False)
            )
        ]
        outcome = wait_for_runs(held, timeout=300, since=killed)
        taken = {}
        for run in _runs(held, killed).order_by(Run.started_at):
            taken.setdefault(run.connection_id, run)
        interrupted = Run.select().where(Run.connection.in_(ids), Run.error.startswith("Interrupted")).count()
        extra, pending = duplicates(box, realms), pending_links()
    takeovers = sorted((r.started_at - killed).total_seconds() for r in taken.values())
    finished = [(r.finished_at - killed).total_seconds() for r in taken.values() if r.finished_at]
    p50 = statistics.median(takeovers) if takeovers else float("nan")
    worst = max(takeovers, default=float("nan"))
    table.add(
        "failover: connections mid-sync at the SIGKILL / taken over",
        f"{len(held)} / {len(taken)}",
        f"{len(held)}",
        len(taken) == len(held) > 0,
    )
    table.add(
        "failover: takeover after the kill, p50 / max, s",
        f"{p50:.1f} / {worst:.1f}",
        f"<= {TAKEOVER_GOAL:g}",
        worst <= TAKEOVER_GOAL,
    )
    table.add(
        "failover: every taken-over run finished, s after the kill", max(finished, default=float("nan")), fmt=".1f"
    )
    table.add("failover: runs interrupted (ended by the survivor)", interrupted)
    table.add("failover: succeeded after takeover / failed runs", f"{outcome.succeeded} / {outcome.failed_runs}")
    table.add(
        "failover: duplicate invoices / pending links", f"{extra} / {pending}", "0 / 0", extra == 0 and pending == 0
    )


# --- 3. memory ------------------------------------------------------------------------


def memory(sizes: tuple[int, ...], table: Table) -> None:
    """One daemon's resident memory after the first (empty) cycle of 1, 100, 1,000
    connections, grown in place: nothing to sync, so what grows is what a connection
    costs while the daemon keeps it (its clients, limiter state, cached rows)."""
    with companies(TIME_SCALE, max(sizes), 0) as (box, realms), fleet(box, TIME_SCALE) as f:
        daemon = f.add()
        points = [(0, daemon.rss_mb())]
        ids: list[int] = []
        for size in sizes:
            new = f.connect(realms[len(ids) : size])
            ids += new
            started = time.monotonic()
            f.release(new)
            outcome = wait_for_runs(ids, timeout=600)
            if outcome.succeeded < len(ids):
                table.add(f"memory: {size:,} connections", f"only {outcome.succeeded} succeeded", "all", False)
                return
            time.sleep(2)  # let the last responses and threads settle
            points.append((size, daemon.rss_mb()))
            table.add(f"memory: RSS with {size:,} connections synced, MiB", points[-1][1], fmt=".0f")
            table.add(
                f"memory:   first cycles of {len(new):,} new connections, s", time.monotonic() - started, fmt=".1f"
            )
    (n0, m0), (n1, m1) = points[-2], points[-1]
    table.add("memory: RSS of the idle daemon before any connection, MiB", points[0][1], fmt=".0f")
    table.add(f"memory: MiB per connection ({n0:,} -> {n1:,})", (m1 - m0) / (n1 - n0), fmt=".3f")


def run(quick: bool = False) -> Table:
    count = QUICK_CONNECTIONS if quick else CONNECTIONS
    table = Table(
        f"Scale-out on PostgreSQL: {count} connections × 1–{(QUICK_DAEMON_COUNTS if quick else DAEMON_COUNTS)[-1]} "
        "daemons, "
        "failover after SIGKILL, memory per connection"
    )
    for daemons in QUICK_DAEMON_COUNTS if quick else DAEMON_COUNTS:
        throughput(count, daemons, table)
    failover(
        QUICK_FAILOVER_CONNECTIONS if quick else FAILOVER_CONNECTIONS,
        QUICK_FAILOVER_BILLS if quick else FAILOVER_BILLS,
        table,
    )
    memory(QUICK_MEMORY_SIZES if quick else MEMORY_SIZES, table)
    table.notes += [
        (
            f"throughput: {count} connections, one QBO company each, all on one Clio demo firm of {BILLS} bills "
            f"(seed 7), made due in one UPDATE; {scenario.limits_note(TIME_SCALE)}"
        ),
        (
            "objects synced: links in state synced (contacts, invoices, payments, credit memos); "
            "connections per daemon: lease owners sampled every 0.25 s (a daemon's id is internal, so shares are "
            "sorted, not named)"
        ),
        (
            f"failover: {FAILOVER_SCALE:g}× time scale, {QUICK_FAILOVER_BILLS if quick else FAILOVER_BILLS}-bill "
            "firm; expected takeover "
            f"≈ lease {LEASE_SECONDS:g} s minus the time since the last renewal (≤ 3 s) plus the dispatch poll "
            f"({DISPATCH_POLL:g} s)"
        ),
        "memory: VmRSS of the daemon process after every connection's first cycle (an empty Clio firm: reads only)",
        (
            "daemons: BILLSYNC_WORKERS default (4) each; PostgreSQL: a throwaway cluster (fsync=off) per part; "
            f"emulators in the benchmark process; {os.cpu_count()} CPUs shared by all"
        ),
    ]
    return table
