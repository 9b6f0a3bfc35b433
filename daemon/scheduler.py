"""The continuous loop: runs each connected connection's cycle when it is due.

A connection is synced by one daemon at a time: the one holding its lease, a row-level
claim in the database (a conditional UPDATE, atomic on SQLite and PostgreSQL alike),
renewed while the run lasts and taken over by another daemon once it expires.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from daemon import events
from daemon.clio import ClioError
from daemon.engine import Cycle, Progress, Stopped
from daemon.errors import AuthorizationLost, BillsyncError, Unavailable
from daemon.models import Connection, Run, utcnow
from daemon.providers import Providers
from daemon.qbo_faults import QboFault

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=30)
HEARTBEAT = 5.0
WAIT_FOR_LEASE = 60.0


class Scheduler:
    """Dispatches due connections to a pool of workers; one run per connection at a time."""

    def __init__(self, providers: Providers, workers: int = 4, poll: float = 1.0, owner: str | None = None) -> None:
        self.providers = providers
        self.workers = workers
        self.poll = poll
        self.owner = owner or f"daemon-{uuid.uuid4().hex[:12]}"
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="sync")
        self._running: dict[int, Future] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._triggers: dict[int, str] = {}
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for target in (self._loop, self._heartbeat):
            thread = threading.Thread(target=target, name=f"scheduler-{target.__name__.strip('_')}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        """Asks running cycles to end at their next safe point and waits up to ``timeout``."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for future in list(self._running.values()):
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - a run's own failure is already recorded
                pass
        self._pool.shutdown(wait=False, cancel_futures=True)
        Connection.update(lease_owner=None, lease_until=None).where(Connection.lease_owner == self.owner).execute()

    def request(self, connection_id: int, trigger: str) -> None:
        """Makes the connection due now; the loop picks it up at once."""
        with self._guard:
            self._triggers[connection_id] = trigger
        Connection.update(next_run_at=utcnow()).where(Connection.id == connection_id).execute()
        self._wake.set()

    def run_now(self, connection_id: int, trigger: str, force: dict[str, set[str]] | None = None) -> Run:
        """Runs a cycle in the caller's thread, once any run in progress has finished."""
        deadline = time.monotonic() + WAIT_FOR_LEASE
        while not self._claim(connection_id):
            if time.monotonic() > deadline:
                raise Unavailable("another daemon is syncing this connection; try again in a minute")
            time.sleep(0.2)
        return self._run(connection_id, trigger, force)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._dispatch()
            except Exception:  # noqa: BLE001 - the loop must outlive a database hiccup
                log.exception("dispatching due connections failed")
            self._wake.wait(self.poll)
            self._wake.clear()

    def _dispatch(self) -> None:
        with self._guard:
            for cid in [c for c, f in self._running.items() if f.done()]:
                del self._running[cid]
            free = self.workers - len(self._running)
            busy = list(self._running)
        if free <= 0:
            return
        now = utcnow()
        due = (Connection.select(Connection.id)
               .where(Connection.state == "connected", Connection.next_run_at.is_null() | (Connection.next_run_at <= now),
                      Connection.id.not_in(busy) if busy else True)
               .order_by(Connection.next_run_at).limit(free))
        for row in due:
            if self._claim(row.id):
                with self._guard:
                    trigger = self._triggers.pop(row.id, "schedule")
                    self._running[row.id] = self._pool.submit(self._run, row.id, trigger)

    def _claim(self, connection_id: int) -> bool:
        now = utcnow()
        claimed = (Connection.update(lease_owner=self.owner, lease_until=now + LEASE)
                   .where(Connection.id == connection_id,
                          Connection.lease_owner.is_null() | (Connection.lease_until < now) | (Connection.lease_owner == self.owner))
                   .execute())
        return claimed == 1

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            try:
                Connection.update(lease_until=utcnow() + LEASE).where(Connection.lease_owner == self.owner).execute()
            except Exception:  # noqa: BLE001
                log.exception("renewing leases failed")

    def _lock(self, connection_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(connection_id, threading.Lock())

    def _run(self, connection_id: int, trigger: str, force: dict[str, set[str]] | None = None) -> Run:
        with self._lock(connection_id):
            connection = Connection.get_by_id(connection_id)
            run = Run.create(connection=connection, trigger=trigger)
            state, error = "succeeded", ""
            progress = Progress(run)
            try:
                Cycle(connection, *self.providers.clients(connection), progress, force, self._stop).run()
            except Stopped:
                state, error = "failed", "Stopped by a daemon shutdown; the next run resumes where it left off"
            except AuthorizationLost as e:
                state, error = "failed", str(e)
                Connection.update(state="needs_authorization").where(Connection.id == connection_id, Connection.state == "connected").execute()
                events.record(connection, "connection.needs_authorization", str(e))
            except (QboFault, ClioError, BillsyncError, httpx.HTTPError) as e:
                state, error = "failed", f"{type(e).__name__ if isinstance(e, httpx.HTTPError) else 'Sync stopped'}: {e}"
            except Exception as e:  # noqa: BLE001 - recorded on the run, and logged with its traceback
                log.exception("run %s of connection %s failed", run.id, connection_id)
                state, error = "failed", f"Internal error: {e}"
            finally:
                progress.flush(force=True)
                self._finish(connection, run, state, error)
            return Run.get_by_id(run.id)

    def _finish(self, connection: Connection, run: Run, state: str, error: str) -> None:
        now = utcnow()
        Run.update(state=state, error=error, finished_at=now).where(Run.id == run.id).execute()
        interval = dt.timedelta(seconds=connection.settings.get("sync_interval_seconds", 300))
        # A run requested while this one ran (next_run_at moved past its start) stays due.
        Connection.update(next_run_at=now + interval).where(
            Connection.id == connection.id, Connection.state == "connected",
            Connection.next_run_at.is_null() | (Connection.next_run_at <= run.started_at)).execute()
        Connection.update(lease_owner=None, lease_until=None).where(Connection.id == connection.id, Connection.lease_owner == self.owner).execute()
        progress = Run.get_by_id(run.id).progress
        summary = ", ".join(f"{k}: {p['created']} created, {p['updated']} updated, {p['failed']} failed" for k, p in progress.items()) or "nothing to do"
        events.record(connection, f"run.{state}", f"Run {run.id} ({run.trigger}) {state}: {summary}" + (f" — {error}" if error else ""))
