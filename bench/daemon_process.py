"""A billsync daemon in its own process, against a sandbox, with its CPU time readable.

Benchmarks run the daemon as ``billsync daemon`` in a subprocess for two reasons: its CPU
time is then its own (read from ``/proc``, no psutil needed) rather than mixed with the
emulators', and on two cores daemon and emulators run in parallel as they would on
separate machines. Its database is a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from subprocess import Popen, TimeoutExpired

from billsync.daemon.rpc.client import DaemonClient
from billsync.sandbox.server import Sandbox
from tests import harness

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds the process has used (``/proc/<pid>/stat`` fields 14, 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (``VmHWM``), in MiB."""
    return _memory_mb(pid, "VmHWM")


def rss_mb(pid: int) -> float:
    """The process's resident memory now (``VmRSS``), in MiB."""
    return _memory_mb(pid, "VmRSS")


def _memory_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stop(process: Popen, timeout: float = 10) -> None:
    """SIGTERM, as an operator would, then SIGKILL if it outlasts ``timeout``; a process
    that already ended (killed by a benchmark) is left alone."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class RunningDaemon:
    """A started daemon: its process, a connected gRPC client and its environment."""

    process: Popen
    client: DaemonClient
    env: dict[str, str]

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.process.pid)

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)


@contextmanager
def running_daemon(
    box: Sandbox, time_scale: float, workers: int | None = None, extra: Mapping[str, str] | None = None
) -> Iterator[RunningDaemon]:
    """Migrates a fresh database, starts the daemon against ``box`` (with ``extra``
    settings, e.g. a webhook receiver), and stops it (SIGTERM) after."""
    with tempfile.TemporaryDirectory(prefix="billsync-bench-") as tmp:
        env = {
            **os.environ,
            **harness.sandbox_env(box, f"sqlite:///{tmp}/billsync.db", f"{tmp}/data", time_scale),
            "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}",
            **(extra or {}),
        }
        if workers is not None:
            env["BILLSYNC_WORKERS"] = str(workers)
        harness.migrate(env)
        process = harness.start_daemon(env)
        try:
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"], actor="bench") as client:
                yield RunningDaemon(process, client, env)
        finally:
            stop(process)
