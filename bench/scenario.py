"""The pieces every daemon benchmark shares: a time-scaled sandbox, a demo firm connected
through the real OAuth flows, and one measured sync cycle.

QBO keeps its real limits (500 requests/min, 10/s, 10 in flight, 40 batches/min) with the
minute and the second shortened by ``time_scale``; the daemon gets the same scale, so its limiter aims
at the ceiling the emulator enforces. Clio's limit is raised far above its real 50/min:
reading a 10,000-bill firm at 50 (scaled) requests a minute would measure Clio's
throttle, not billsync, and every benchmark prints that it was raised.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.daemon_process import RunningDaemon
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests import harness

#: Clio requests per scaled minute allowed in benchmarks (Clio's real peak: 50).
CLIO_LIMIT = 100_000
#: QBO's real ceiling for writes through batch: 40 batch requests × 30 items per minute.
QBO_BATCHES_PER_MINUTE = 40
QBO_WRITE_CEILING = QBO_BATCHES_PER_MINUTE * 30


@contextmanager
def benchmark_sandbox(time_scale: float, connection_limit: int = 200) -> Iterator[Sandbox]:
    """Both emulators, QBO with its real limits time-scaled, Clio's limit out of the way,
    and the two QBO settings on so that invoices are not held.

    ``connection_limit``: sockets each emulator keeps open (see :class:`Sandbox`).
    """
    box = Sandbox(
        time_scale=time_scale,
        qbo_config=QBOConfig(),
        clio_config=ClioConfig(rate_limit_per_minute=CLIO_LIMIT),
        connection_limit=connection_limit,
    )
    box.start()
    try:
        harness.make_ready(box)
        yield box
    finally:
        box.stop()


def limits_note(time_scale: float) -> str:
    return (
        f"QBO real limits (500 req/min, 10 req/s, 10 in flight, 40 batches/min × 30 items) "
        f"at time_scale {time_scale:g} (a minute lasts {60 / time_scale:.2f} s), "
        f"daemon BILLSYNC_TIME_SCALE={time_scale:g}; "
        f"Clio limit raised to {CLIO_LIMIT:,}/scaled min so it is not the bottleneck"
    )


class WriteTimeline:
    """When QBO answered each write request (a batch or a single write), and when it wrote
    each object, recorded inside the in-process emulator.

    The emulator counts every request as it answers (``QBOState.count``) and tells its
    store's listeners of every object it creates or updates; wrapping that one method and
    listening costs an append each, where polling the counters would take the GIL from the
    emulator's threads and slow what is measured.
    """

    def __init__(self, box: Sandbox) -> None:
        self.state = box.qbo
        self.answers: list[float] = []
        #: When each object was created or updated.
        self.written: list[float] = []
        #: Answered batch requests and single writes (POSTs of one object).
        self.batches = 0
        self.singles = 0

    def __enter__(self) -> WriteTimeline:
        counted = self.state.count

        def count(method: str, endpoint: str, status: int) -> None:
            if method == "POST" and endpoint.startswith("/v3/") and status == 200 and not endpoint.endswith("/query"):
                self.answers.append(time.monotonic())
                if endpoint.endswith("/batch"):
                    self.batches += 1
                else:
                    self.singles += 1
            counted(method, endpoint, status)

        self.state.count = count
        self.state.store.listeners.append(self._wrote)
        return self

    def __exit__(self, *exc: object) -> None:
        del self.state.count  # the instance attribute; the class's method shows again
        self.state.store.listeners.remove(self._wrote)

    def _wrote(self, realm_id: str, name: str, entity_id: str, operation: str, when: str) -> None:
        if operation in ("Create", "Update"):
            self.written.append(time.monotonic())

    @property
    def seconds(self) -> float:
        """First to last write answer (0 with fewer than two)."""
        return self.answers[-1] - self.answers[0] if len(self.answers) > 1 else 0.0


@dataclass
class Cycle:
    """What one sync cycle cost, from outside the daemon.

    Attributes:
        run: the finished run, as Sync streamed it.
        wall: seconds the Sync RPC took.
        cpu: daemon CPU seconds spent meanwhile.
        requests: the emulators' request counts for the cycle (see ``harness.api_requests``).
        batch_requests: QBO batch requests answered with 200.
        single_writes: QBO single write requests (POSTs of one object) answered with 200.
        write_seconds: first to last write answer (0 when fewer than two were sent).
        written: when QBO created or updated each object (monotonic seconds).
    """

    run: pb.Run
    wall: float
    cpu: float
    requests: dict[str, int]
    batch_requests: int
    single_writes: int
    write_seconds: float
    written: list[float]

    @property
    def writes(self) -> int:
        """QBO objects created or updated."""
        return sum(p.created + p.updated for p in self.run.progress)

    @property
    def succeeded(self) -> bool:
        return self.run.state == pb.RUN_STATE_SUCCEEDED


def measure_cycle(box: Sandbox, daemon: RunningDaemon, connection_id: int) -> Cycle:
    """Runs one Sync and measures it; the emulators' counters are reset first."""
    harness.reset_request_counts(box)
    cpu = daemon.cpu_seconds()
    started = time.monotonic()
    with WriteTimeline(box) as timeline:
        run = harness.sync(daemon.client, connection_id, timeout=3600)
    wall = time.monotonic() - started
    cpu = daemon.cpu_seconds() - cpu
    requests = harness.api_requests(box)
    return Cycle(run, wall, cpu, requests, timeline.batches, timeline.singles, timeline.seconds, timeline.written)


def synced_objects(daemon: RunningDaemon, connection_id: int) -> dict[str, int]:
    """Links by state (synced, failed, skipped, …) across every kind, from Status."""
    status = daemon.client.status(connection_id)
    totals: dict[str, int] = {}
    for c in status.counts:
        state = pb.LinkState.Name(c.state).removeprefix("LINK_STATE_").lower()
        totals[state] = totals.get(state, 0) + c.count
    return totals


def connected_firm(box: Sandbox, daemon: RunningDaemon, bills: int, seed: int = 1, *, hold: bool = False) -> int:
    """Seeds a demo firm of ``bills`` bills and connects it (``hold``: its first sync waits
    for a Sync); returns the connection id."""
    harness.seed_firm(box, bills=bills, seed=seed)
    return harness.connect(daemon.client, hold=hold).id
