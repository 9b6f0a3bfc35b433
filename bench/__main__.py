"""``python -m bench [NAME ...] [--quick]``: runs the benchmarks and prints their tables.

The registry below is the one place a benchmark is added: a module under ``bench/``
exposing ``run(quick: bool) -> bench.report.Table``. Modules are imported only when run,
so one benchmark's heavy imports or a missing optional one never stop the others.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import os
import platform
import sys
import time

#: name -> (module, what it measures). Order is the order ``python -m bench`` runs them.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "emulators": ("bench.bench_emulators", "QBO and Clio emulator throughput, requests/s (issue 3)"),
    "sync": (
        "bench.bench_sync",
        "10,000-bill initial sync: requests/object, ceiling fraction, idle cycle, CPU (issue 4)",
    ),
    "broken": ("bench.bench_broken", "QBO calls of an idle cycle (broken-link detection) vs. firm size (issue 5)"),
    "status": (
        "bench.bench_status",
        "Status and ListLinks p50/p99 at 10k, 100k and 1M links, SQLite and PostgreSQL (issue 7)",
    ),
    "scale": (
        "bench.bench_scale",
        "PostgreSQL: sync throughput of 1/2/4 daemons over 200 connections, failover after SIGKILL, memory per "
        "connection (issue 7)",
    ),
    "change": (
        "bench.bench_change",
        "Clio requests of the cycle after 26 and 2,600 bills changed in a 10,000-bill firm (issue 13)",
    ),
    "preview": (
        "bench.bench_preview",
        "Preview of a 10,000-bill first sync: requests, time, CPU, memory beside the sync; fates kept (issue 19)",
    ),
    "memory": (
        "bench.bench_memory",
        "daemon peak RSS through an initial sync at 10,000 and 100,000 bills, and after its catch-up scan (issue 13)",
    ),
    "fairness": (
        "bench.bench_fairness",
        "a small firm's first sync alone and beside ten large firms' initial syncs, real limits (issue 13)",
    ),
    "webhooks": (
        "bench.bench_webhooks",
        "Clio edit to QBO invoice latency for a burst of 20 edits 2 s apart, with webhooks, at real limits (issue 13)",
    ),
    "crashloop": (
        "bench.bench_crashloop",
        "SQLite and PostgreSQL: 50+ SIGKILLs at observed QBO states during a 2,000-bill initial sync with Clio "
        "changes; duplicates, losses, amount mismatches (issue 12)",
    ),
}


def available() -> dict[str, tuple[str, str]]:
    """The registered benchmarks whose module exists yet."""
    return {n: b for n, b in BENCHMARKS.items() if importlib.util.find_spec(b[0]) is not None}


def main(argv: list[str] | None = None) -> int:
    ready = available()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
        epilog="benchmarks: " + "; ".join(f"{n}: {d}" for n, (_, d) in ready.items()),
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all of {', '.join(ready)})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke run in a minute, not figures to quote"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in ready]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(ready)}")
    print(
        f"billsync benchmarks, {dt.date.today()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs{', QUICK sizes' if args.quick else ''}\n",
        flush=True,
    )
    for name in args.names or list(ready):
        started = time.monotonic()
        table = importlib.import_module(ready[name][0]).run(quick=args.quick)
        table.notes.append(f"benchmark '{name}' took {time.monotonic() - started:.0f} s")
        table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
