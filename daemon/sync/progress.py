"""A run's progress: how many ops of each kind it planned and finished, saved on its row for
Sync and Status to read while it goes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from billsync.daemon.store.models import KINDS, Run
from billsync.daemon.sync.decisions import Op
from billsync.daemon.sync.writer import Done

#: Outcomes a run counts, besides how many ops it planned (total) and finished (done).
COUNTED = (Done.CREATED, Done.UPDATED, Done.FAILED)
COUNTERS = ("done", "total", *COUNTED)
FLUSH_EVERY = 0.25


class Progress:
    """Per-kind counters of a cycle, handed to ``save`` as they change (a run's are saved on
    its row for Sync and Status to read), and each op written or failed told to
    ``on_written`` (kind, result): the daemon's metrics."""

    def __init__(
        self,
        save: Callable[[dict[str, dict[str, int]]], None],
        on_written: Callable[[str, str], None] = lambda kind, result: None,
    ) -> None:
        self.save = save
        self.on_written = on_written
        self.kinds = {k: dict.fromkeys(COUNTERS, 0) for k in KINDS}
        self._flushed = 0.0
        self._lock = threading.Lock()  # batches in flight report from several threads

    def planned(self, kind: str, count: int) -> None:
        self.kinds[kind]["total"] += count
        self.flush(force=True)

    def done(self, op: Op, outcome: Done) -> None:
        with self._lock:
            counters = self.kinds[op.kind]
            counters["done"] += 1
            if outcome in COUNTED:
                counters[outcome] += 1
                self.on_written(op.kind, outcome)
        self.flush()

    def flush(self, force: bool = False) -> None:
        with self._lock:  # held while saving, so an older snapshot never overwrites a newer one
            now = time.monotonic()
            if not force and now - self._flushed < FLUSH_EVERY:
                return
            self._flushed = now
            self.save({k: dict(v) for k, v in self.kinds.items() if v["total"]})

    @classmethod
    def of_run(cls, run: Run, on_written: Callable[[str, str], None] = lambda kind, result: None) -> Progress:
        """The progress of ``run``, saved on its row."""
        return cls(lambda progress: Run.update(progress=progress).where(Run.id == run.id).execute(), on_written)
