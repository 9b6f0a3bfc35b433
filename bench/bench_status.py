"""Status and ListLinks latency at 10k, 100k and 1M links, on SQLite and PostgreSQL (issue 7).

One connection is filled with links in a realistic mix (mostly synced, a few percent
failed, broken, waiting, skipped or pending, across the four kinds), straight into the
database: ``executemany`` in big transactions on SQLite, ``COPY`` on PostgreSQL, with
the link-count triggers firing as they do for the daemon's own writes. At each size an
in-process daemon answers the RPCs through gRPC, as the web panel would call it, and
each call is timed: Status, ListLinks' first page, a deep page (keyset token near the
end), and filtered first pages (by kind, by state, by both).

Run: ``python -m bench status [--quick]`` or ``.venv/bin/python bench/bench_status.py``.
"""

from __future__ import annotations

import contextlib
import io
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

import peewee
from cryptography.fernet import Fernet

from bench.report import Table
from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store import migrations, paging
from billsync.daemon.store.db import open_database
from billsync.daemon.store.models import Connection, utcnow
from billsync.v1 import billsync_pb2 as pb
from tests.postgres import throwaway_cluster

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 20_000)
CALLS, QUICK_CALLS = 200, 30
#: The p99 a panel page can afford for each call (the issue's "stay fast").
GOAL_P99_MS = 50.0
KIND_MIX = {"contact": 15, "invoice": 40, "payment": 35, "credit_memo": 10}
STATE_MIX = {"synced": 900, "failed": 30, "broken": 10, "waiting": 20, "skipped": 30, "pending": 10}
COLUMNS = (
    "connection_id",
    "kind",
    "clio_id",
    "state",
    "qbo_id",
    "label",
    "reason",
    "error_code",
    "attempts",
    "created_at",
    "updated_at",
)
#: Rows per SQLite transaction while filling.
FILL_BATCH = 50_000


def link_rows(connection_id: int, start: int, stop: int, rng: random.Random) -> Iterator[tuple]:
    """Links numbered ``start`` to ``stop`` of the connection, in the benchmark's mix."""
    now = utcnow()
    kinds = rng.choices(list(KIND_MIX), weights=list(KIND_MIX.values()), k=stop - start)
    states = rng.choices(list(STATE_MIX), weights=list(STATE_MIX.values()), k=stop - start)
    for n, kind, state in zip(range(start, stop), kinds, states):
        reason = "" if state in ("synced", "pending") else f"{state}: example reason for link {n}"
        yield (
            connection_id,
            kind,
            str(n),
            state,
            str(n) if state in ("synced", "broken") else None,
            f"{kind.title()} {n}",
            reason,
            "6240" if state == "failed" else "",
            1,
            now,
            now,
        )


def fill(db: peewee.Database, rows: Iterator[tuple]) -> None:
    """Inserts ``rows`` as fast as the backend allows: COPY on PostgreSQL, else executemany."""
    if isinstance(db, peewee.PostgresqlDatabase):
        text = io.StringIO("".join("\t".join(r"\N" if v is None else str(v) for v in row) + "\n" for row in rows))
        with db.atomic():
            db.cursor().copy_expert(f"COPY link ({', '.join(COLUMNS)}) FROM STDIN", text)
        db.execute_sql("ANALYZE link")  # what autovacuum does after a bulk load
        return
    sql = f"INSERT INTO link ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch = list(rows)
    for i in range(0, len(batch), FILL_BATCH):
        with db.atomic():
            db.cursor().executemany(sql, batch[i : i + FILL_BATCH])


def percentiles(call: Callable[[int], object], calls: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds of ``call(i)`` over ``calls`` calls, after a warm-up."""
    for i in range(5):
        call(i)
    times = []
    for i in range(calls):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[98]


def rpcs(client: DaemonClient, connection_id: int, size: int) -> dict[str, Callable[[int], object]]:
    """The timed calls, each varying what it asks so no answer is cached anywhere."""
    rng = random.Random(7)
    deep = [paging.encode("after", rng.randrange(size * 9 // 10, size - 60)) for _ in range(64)]
    links = lambda **kw: client.list_links(connection_id, page_size=50, **kw)  # noqa: E731
    return {
        "Status": lambda i: client.status(connection_id),
        "ListLinks first page": lambda i: links(),
        "ListLinks deep page (keyset, ~90%)": lambda i: links(page_token=deep[i % len(deep)]),
        "ListLinks kind=invoice": lambda i: links(kind=pb.KIND_INVOICE),
        "ListLinks state=failed, deep": lambda i: links(state=pb.LINK_STATE_FAILED, page_token=deep[i % len(deep)]),
        "ListLinks kind=payment state=broken": lambda i: links(kind=pb.KIND_PAYMENT, state=pb.LINK_STATE_BROKEN),
    }


@contextlib.contextmanager
def backend(name: str) -> Iterator[str]:
    """An empty database URL on ``name``: a temporary SQLite file or a throwaway cluster."""
    if name == "postgresql":
        with throwaway_cluster() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="billsync-bench-") as tmp:
            yield f"sqlite:///{tmp}/billsync.db"


def measure(name: str, sizes: tuple[int, ...], calls: int, table: Table) -> None:
    """Grows one connection through ``sizes`` on backend ``name``, timing the RPCs at each."""
    with backend(name) as url, tempfile.TemporaryDirectory(prefix="billsync-bench-") as data:
        config = Config.from_env(
            {
                "BILLSYNC_ADDRESS": "127.0.0.1:0",
                "BILLSYNC_DATA_DIR": data,
                "BILLSYNC_DATABASE_URL": url,
                "BILLSYNC_API_TOKEN": secrets.token_urlsafe(16),
                "BILLSYNC_SECRET_KEY": Fernet.generate_key().decode(),
            }
        )
        db = open_database(url)
        migrations.migrate(db)
        connection = Connection.create(name="Big Firm LLP")  # never authorized: the scheduler leaves it alone
        daemon = Daemon(config)
        daemon.start()
        rng, filled = random.Random(1), 0
        try:
            with DaemonClient(f"127.0.0.1:{daemon.port}", token=config.api_token, actor="bench") as client:
                for size in sizes:
                    started = time.monotonic()
                    fill(db, link_rows(connection.id, filled, size, rng))
                    table.notes.append(
                        f"{name}: {size - filled:,} links inserted in {time.monotonic() - started:.0f} s (triggers on)"
                    )
                    filled = size
                    for label, call in rpcs(client, connection.id, size).items():
                        p50, p99 = percentiles(call, calls)
                        table.add(
                            f"{name} {size:>9,}  {label}",
                            f"{p50:.1f} / {p99:.1f} ms",
                            f"p99 < {GOAL_P99_MS:.0f} ms",
                            p99 < GOAL_P99_MS,
                        )
        finally:
            daemon.stop(grace=0.5)
            db.close()


def run(quick: bool = False) -> Table:
    sizes, calls = (QUICK_SIZES, QUICK_CALLS) if quick else (SIZES, CALLS)
    table = Table(
        f"Status and ListLinks latency through gRPC, p50 / p99 over {calls} calls, one connection, page size 50"
    )
    for name in ("sqlite", "postgresql"):
        measure(name, sizes, calls, table)
    table.notes.append(
        "in-process daemon and client (one Python process); state mix: 90% synced, 3% failed, 1% broken, "
        "2% waiting, 3% skipped, 1% pending"
    )
    return table


if __name__ == "__main__":
    run(quick="--quick" in sys.argv).print()
