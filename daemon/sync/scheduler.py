"""The continuous loop: every connected connection's cycle, when it is due, fairly.

A cycle is a series of steps (one Clio read or one round of QBO batches each, see
``Cycle.steps``), stepped on a thread of its own. A step runs only while its cycle holds
one of the ``workers`` turns (``daemon.turns``), taken in the order asked for and given
back after each step. Between steps, and during every wait inside one (Clio's pacing, a
retry's backoff, its QBO realm's limits), a cycle holds no turn. A big firm's initial sync
therefore never starves a small firm's: both advance a step per turn, each at the pace of
its own accounts' limits, and a firm waiting on them leaves the turns to the others.

A connection is synced by one daemon at a time: the one holding its lease (see
``store.leases``), renewed every few seconds while its cycle lasts, and taken over by
another daemon soon after it expires on the database's clock. The lease names its holder as
``host:pid:random``, so whoever reads the row knows which process to look at. A daemon that
finds its lease taken over (a renewal that renews nothing, a link write refused under the
fence of its claim) abandons the cycle at once: its run is marked interrupted, and nothing
else is written, since the connection is the new holder's now. Nor is anything sent to QBO:
each write is sent only while the lease is known to last a while yet (renewed on the spot
if the last renewal is too old), so a stalled daemon that wakes up sends nothing, and the
writes it did send land soon enough for the next holder to wait them out.

When a connection is due and when its runs start and end are the database's times too
(``store.clock``), since daemons compare them with each other's: a sync requested through
one daemon while another runs the connection is told from one requested before that run
began by the database's clock alone, whatever the two hosts' clocks say.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import peewee

from billsync import words
from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.clio.client import ClioError
from billsync.daemon.errors import AuthorizationLost, BillsyncError
from billsync.daemon.observe import context
from billsync.daemon.qbo.client import EXECUTION_LIMIT
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.store import events, leases, marks
from billsync.daemon.store.clock import at_resolution, database_now, database_time
from billsync.daemon.store.db import let_go
from billsync.daemon.store.leases import LeaseLost
from billsync.daemon.store.models import Connection, Link, LinkState, Run
from billsync.daemon.sync.engine import Cycle
from billsync.daemon.sync.progress import Progress
from billsync.daemon.sync.providers import Providers
from billsync.daemon.turns import Stopping, Turns

log = logging.getLogger(__name__)

HEARTBEAT = 3.0
#: The trigger of a run a webhook asked for (``rpc.receiver``).
WEBHOOK = "webhook"
NO_THREAD = "The daemon could not start a thread for the run (at its host's limit of processes?)"
STOPPED = "Stopped by a daemon shutdown; the next run resumes where it left off"
LEASE_LOST = (
    "Interrupted: this daemon stalled past its lease and another daemon took the connection over; "
    "that daemon's run carries on"
)


@dataclass
class Active:
    """A cycle in progress: its run row, its counters and its remaining steps."""

    connection: Connection
    run: Run
    progress: Progress
    steps: Iterator[float]
    #: When the connection's last full read of Clio was, if this cycle reads only what
    #: marks name (``Cycle.targeted``): the next full read is due an interval after it.
    full_read_at: dt.datetime | None = None


class Scheduler:
    """Starts due cycles, each on a thread of its own, and steps them ``workers`` at a time."""

    def __init__(
        self,
        providers: Providers,
        workers: int = 4,
        poll: float = 1.0,
        max_active: int = 2000,
        owner: str | None = None,
    ) -> None:
        self.providers = providers
        self.poll = poll
        self.max_active = max_active
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # A cycle giving its turn up lets go of its database connection (peewee keeps one per
        # thread): the connections open follow the cycles at work, not every cycle active.
        self.turns = Turns(workers, on_release=let_go)
        providers.metrics.count_waiting(self.turns)
        self._active: dict[int, Active | None] = {}  # None: a cycle being set up
        self._leases: dict[int, int] = {}  # connection id: fence of the claim held here
        self._renewed: dict[int, float] = {}  # connection id: monotonic start of its last kept claim or renewal
        self._triggers: dict[int, str] = {}
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._requested = threading.Event()  # a connection was made due: dispatch without waiting for the poll
        self._stop = threading.Event()
        self._ending = threading.Lock()  # see _end_stopped
        self._threads: list[threading.Thread] = []
        self._passes = threading.Condition()
        #: How long a write sent to QBO may take to land: QBO's execution limit, at the pace
        #: of its other limits (BILLSYNC_TIME_SCALE).
        self.landing = dt.timedelta(seconds=EXECUTION_LIMIT / providers.config.time_scale)
        self._begun = self._ended = 0  # dispatch passes, see await_dispatch

    def start(self) -> None:
        for target in (self._loop, self._heartbeat):
            self._spawn(target, f"scheduler-{target.__name__.strip('_')}")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        with self._guard:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def stop(self, timeout: float) -> None:
        """Lets each cycle finish the step it is in (within ``timeout``; a pause inside one,
        as Clio's pacing, ends at once), then ends every active cycle: its run is recorded
        as stopped and its lease released."""
        self._stop.set()
        self._wake.set()
        self.turns.stop()
        deadline = time.monotonic() + timeout
        with self._guard:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._guard:
            left = [active for active in self._active.values() if active is not None]
        for active in left:
            self._end_stopped(active)

    def _end_stopped(self, active: Active) -> None:
        """Records the run of a cycle the stop ended (left to the process if still inside a
        step), once: :meth:`stop` and a dispatch pass that claimed during it may both try."""
        with self._ending:
            with self._guard:
                if self._active.get(active.connection.id) is not active:
                    return
            try:
                active.steps.close()
            except ValueError:  # still inside a step past the timeout: the process ends it
                return
            try:
                self._finish(active, "failed", STOPPED)
            except Exception:  # noqa: BLE001 - shutting down: the next claim ends the run
                log.exception("recording the end of run %s failed", active.run.id)

    def join(self, timeout: float) -> bool:
        """Waits, after :meth:`stop`, until every thread of this scheduler (its loop, its
        heartbeat, its cycles, one started by a dispatch pass that outlived the stop) has
        ended; False if one still runs after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            with self._guard:
                running = [thread for thread in self._threads if thread.is_alive()]
            if not running:
                return True
            for thread in running:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._guard:
                    return not any(thread.is_alive() for thread in self._threads)

    def request(self, connection_id: int, trigger: str) -> None:
        """Makes the connection due now; the loop picks it up at once. A webhook does not
        replace another reason a run was asked for: that run reads everything, as asked."""
        with self._guard:
            if trigger != WEBHOOK or connection_id not in self._triggers:
                self._triggers[connection_id] = trigger
        Connection.update(next_run_at=database_now()).where(Connection.id == connection_id).execute()
        self._requested.set()
        self._wake.set()

    def await_dispatch(self, timeout: float) -> bool:
        """Waits until a dispatch pass that began after this call has ended: by then every
        connection due at the call has been started, or found not to be startable. How a
        test shows that something did *not* start a run, without sleeping. False if
        ``timeout`` passed first."""
        with self._passes:
            after = self._begun
        self._requested.set()
        self._wake.set()
        with self._passes:
            return self._passes.wait_for(lambda: self._ended > after, timeout)

    # --- the loop and the cycles --------------------------------------------------------

    def _loop(self) -> None:
        next_dispatch = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_dispatch:
                next_dispatch = now + self.poll
                with self._passes:
                    self._begun += 1
                try:
                    self._dispatch()
                except Exception:  # noqa: BLE001 - the loop must outlive a database hiccup
                    log.exception("dispatching due connections failed")
                with self._passes:
                    self._ended += 1
                    self._passes.notify_all()
            self._wake.wait(max(0.0, next_dispatch - time.monotonic()))
            self._wake.clear()
            if self._requested.is_set():
                self._requested.clear()
                next_dispatch = 0.0

    def _dispatch(self) -> None:
        """Starts cycles for due connections, oldest due first, up to ``max_active``."""
        with self._guard:
            busy = list(self._active)
            room = self.max_active - len(busy)
        if room <= 0:
            return
        due = (
            Connection.select(Connection.id)
            .where(
                Connection.state == "connected",
                Connection.held == False,  # noqa: E712 - a peewee expression
                Connection.next_run_at.is_null() | (Connection.next_run_at <= database_now()),
                leases.claimable(self.owner),
                Connection.id.not_in(busy) if busy else True,
            )
            .order_by(Connection.next_run_at)
            .limit(room)
        )
        for row in due:
            if self._stop.is_set():
                return
            with self._guard:
                trigger = self._triggers.get(row.id, "schedule")
            active = self._start(row.id, trigger)
            if active is None:
                continue
            with self._guard:
                self._triggers.pop(row.id, None)
            if self._stop.is_set():  # began to stop during the claim, past stop's look at the cycles
                self._end_stopped(active)
                return
            try:
                self._spawn(lambda active=active: self._cycle(active), f"cycle-{row.id}")
            except RuntimeError as e:  # no thread to be had (a limit on processes): the run fails, said why
                log.error("could not start run %s of connection %s: %s", active.run.id, row.id, e)
                self._finish(active, "failed", f"{NO_THREAD}: {e}")

    def _cycle(self, active: Active) -> None:
        """Steps one cycle to its end: a turn per step, and none while it rests between steps
        for as long as its realm's QBO limits say. Stopping leaves it to :meth:`stop`."""
        wait: float | None = 0.0
        try:
            while wait is not None and self.turns.rest(wait):
                with self.turns.turn():
                    wait = self._step(active)
        except Stopping:
            return
        except Exception:  # noqa: BLE001 - recording the end failed too (the database is away): forget the cycle
            log.exception("ending run %s of connection %s failed", active.run.id, active.connection.id)
            self._forget(active)

    # --- one cycle ------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            try:
                with self._guard:
                    held = dict(self._leases)
                started = time.monotonic()
                lost = leases.renew(self.owner, held)
                self._renewed_at(started, held, lost)
                if lost:
                    log.warning("other daemons took over connections %s", ", ".join(map(str, sorted(lost))))
            except Exception:  # noqa: BLE001
                log.exception("renewing leases failed")

    def _renewed_at(self, started: float, held: dict[int, int], lost: set[int]) -> None:
        """Records a renewal begun at ``started`` (monotonic) of the claims ``held``: those
        ``lost`` are dropped, the others known to last until ``started`` + the lease at least.
        A claim made since is left alone."""
        with self._guard:
            for connection_id, fence in held.items():
                if self._leases.get(connection_id) != fence:
                    continue
                if connection_id in lost:
                    del self._leases[connection_id]
                    self._renewed.pop(connection_id, None)
                else:
                    self._renewed[connection_id] = max(started, self._renewed.get(connection_id, started))

    def _sendable(self, connection: Connection) -> None:
        """Called before each write to QBO: returns once the lease of this claim lasts
        ``leases.SEND_WINDOW`` more, renewing it now if the last renewal is too old.

        Raises:
            LeaseLost: the lease was taken over, so the write must not leave.
        """
        with self._guard:
            fence = self._leases.get(connection.id)
            renewed = self._renewed.get(connection.id)
        if fence != connection.fence or renewed is None:
            raise LeaseLost(f"connection {connection.id} was claimed again after claim {connection.fence}")
        if time.monotonic() - renewed < (leases.LEASE - leases.SEND_WINDOW).total_seconds():
            return
        started = time.monotonic()
        held = {connection.id: fence}
        lost = leases.renew(self.owner, held)
        self._renewed_at(started, held, lost)
        if lost:
            raise LeaseLost(f"connection {connection.id} was claimed again after claim {connection.fence}")

    def _start(self, connection_id: int, trigger: str) -> Active | None:
        """Claims the connection and registers its cycle; None if a cycle of it is active
        here already, or another daemon holds it. The slot is reserved under the guard
        before the claim, so that no second claim of this daemon bumps the fence under a
        cycle of its own; the database work happens outside the guard."""
        with self._guard:
            if connection_id in self._active:
                return None
            self._active[connection_id] = None
        active = None
        try:
            started = time.monotonic()
            connection = leases.claim(connection_id, self.owner, landing=self.landing)
            if connection is not None:
                with self._guard:
                    self._leases[connection_id] = connection.fence
                    self._renewed[connection_id] = started
                active = self._begin(connection, trigger)
        finally:
            with self._guard:
                if active is None:
                    self._active.pop(connection_id, None)
                    self._leases.pop(connection_id, None)
                    self._renewed.pop(connection_id, None)
                else:
                    self._active[connection_id] = active
        return active

    def _begin(self, connection: Connection, trigger: str) -> Active:
        """A cycle of the connection just claimed, with its run, which takes every plan mark
        of the connection (Resync's and webhooks', ``store.marks``)."""
        # Holding the lease, any run still marked running belongs to a daemon that died or stalled.
        interrupted = (
            Run.update(
                state="failed",
                error="Interrupted: the daemon running it stopped; this run takes over",
                finished_at=database_now(),
            )
            .where(Run.connection == connection, Run.state == "running")
            .execute()
        )
        run = Run.create(connection=connection, trigger=trigger, started_at=database_time())
        # Settings saved since the claim read the connection were saved before this run began,
        # which is when a caller waiting for "a run after my change" takes it to start.
        saved = Connection.select(Connection.settings).where(Connection.id == connection.id).get()
        connection.settings = saved.settings
        if interrupted:
            self.providers.metrics.took_over(connection.id, run.id)
        progress = Progress.of_run(run, on_written=self.providers.metrics.object_written)
        qbo, clio = self.providers.clients(connection)
        qbo = qbo.guarded(lambda: self._sendable(connection))
        taken = marks.take(connection, run)
        full_read_at = clio_reader.full_read_at(connection) if trigger == WEBHOOK else None
        if full_read_at is not None and full_read_at <= run.started_at - interval(connection):
            full_read_at = None  # the periodic full read is due: it covers what the webhook named
        cycle = Cycle(
            connection,
            qbo,
            clio,
            progress,
            taken,
            spill_dir=self.providers.config.spill_dir,
            targeted=full_read_at is not None,
        )
        return Active(connection, run, progress, cycle.steps(), full_read_at)

    def _holds(self, active: Active) -> bool:
        """Whether the last renewal found this cycle's lease still held."""
        with self._guard:
            return self._leases.get(active.connection.id) == active.connection.fence

    def _step(self, active: Active) -> float | None:
        """Runs one step; returns the seconds to wait before the next, or None when the cycle
        has ended. Failures end the cycle and are recorded on its run, in words the admin
        can act on."""
        if not self._holds(active):
            self._abandon(active)
            return None
        try:
            with context.bound(active.connection.id, active.run.id):
                return next(active.steps)
        except StopIteration:
            self._finish(active, "succeeded", "")
        except LeaseLost:
            self._abandon(active)
        except AuthorizationLost as e:
            Connection.update(state="needs_authorization").where(
                Connection.id == active.connection.id, Connection.state == "connected"
            ).execute()
            events.record(active.connection, "connection.needs_authorization", str(e))
            self._finish(active, "failed", str(e))
        except (QboFault, ClioError, BillsyncError, httpx.HTTPError) as e:
            # "Stopped: …" is how the run's end reads (``words.outcome``): the error is only the why.
            self._finish(active, "failed", f"{type(e).__name__}: {e}" if isinstance(e, httpx.HTTPError) else str(e))
        except Exception as e:  # noqa: BLE001 - recorded on the run, and logged with its traceback
            log.exception("run %s of connection %s failed", active.run.id, active.connection.id)
            self._finish(active, "failed", f"Internal error: {e}")
        return None

    def _finish(self, active: Active, state: str, error: str) -> None:
        """Records the end of the cycle, schedules the next and gives the lease back, all
        under the lease: taken over meanwhile, the cycle is abandoned instead."""
        connection, run = active.connection, active.run
        active.progress.flush(force=True)
        now = database_time()
        due = next_due(connection, now, active.full_read_at)
        try:
            with leases.fenced(connection):
                Run.update(state=state, error=error, finished_at=now).where(Run.id == run.id).execute()
                if state == "succeeded":
                    marks.done(connection, run)
                schedule_next(connection, run, due)
                leases.release(connection, answered=state == "succeeded")
        except LeaseLost:
            self._abandon(active)
            return
        events.record(
            connection, f"run.{state}", run_message(run.trigger, state, Run.get_by_id(run.id).progress, error)
        )
        self.providers.metrics.run_ended(connection.id, run.id, state)
        self.providers.alerts.notice(connection.id)
        self._forget(active)

    def _abandon(self, active: Active) -> None:
        """Ends a cycle whose connection another daemon claimed since (this one stalled past
        its lease's expiry). Everything but its own run is the new holder's: the run is
        marked interrupted, nothing else is written."""
        log.warning("run %s of connection %s abandoned: its lease was taken over", active.run.id, active.connection.id)
        active.steps.close()
        Run.update(
            state="failed", error=LEASE_LOST, finished_at=peewee.fn.COALESCE(Run.finished_at, database_now())
        ).where(Run.id == active.run.id).execute()
        self.providers.metrics.run_ended(active.connection.id, active.run.id, "interrupted")
        self._forget(active)

    def _forget(self, active: Active) -> None:
        """Drops a cycle from this daemon. Its lease is no longer renewed, so should its end
        not have been recorded, the next claim (here or elsewhere) ends its run."""
        with self._guard:
            self._active.pop(active.connection.id, None)
            self._leases.pop(active.connection.id, None)
            self._renewed.pop(active.connection.id, None)


def schedule_next(connection: Connection, run: Run, due: dt.datetime) -> None:
    """Makes the connection due at ``due`` once ``run`` ends, unless a run was requested while
    it ran: ``next_run_at`` moved to its start or past it, which stays due. Both times are
    compared as the database's clock writes them (milliseconds on SQLite), so a request made
    in the very millisecond the run began is not taken for one made before it."""
    Connection.update(next_run_at=due).where(
        Connection.id == connection.id,
        Connection.state == "connected",
        Connection.next_run_at.is_null()
        | (at_resolution(Connection.next_run_at) < at_resolution(peewee.Value(run.started_at))),
    ).execute()


def interval(connection: Connection) -> dt.timedelta:
    return dt.timedelta(seconds=connection.settings.get("sync_interval_seconds", 300))


def next_due(connection: Connection, now: dt.datetime, full_read_at: dt.datetime | None = None) -> dt.datetime:
    """When the connection's next cycle is due: an interval after this one, or after the last
    full read of Clio when this one read only what webhooks named (webhooks never put the
    periodic full read off); or as soon as the creates a cycle left pending because an
    earlier claim's writes might still land them can be decided on (``sync.recovery``), if
    sooner. ``now`` is the database's time, which that moment is reckoned on
    (``store.leases``)."""
    due = (full_read_at or now) + interval(connection)
    settles = Connection.select(Connection.prior_writes_until).where(Connection.id == connection.id).scalar()
    if settles is None or settles >= due:
        return due
    pending = Link.select().where(Link.connection == connection, Link.state == LinkState.PENDING).exists()
    return max(settles, now) if pending else due


def run_message(trigger: str, state: str, progress: dict[str, dict[str, int]], error: str) -> str:
    """A run's end in the activity log, in the words the panel and the CLI use for it:
    "Started on schedule. Created 3 invoices and 1 payment. 2 invoices failed."."""
    did = words.outcome(progress.items(), failed=state == "failed", error=error)
    return f"Started {words.trigger(trigger)}. {did}"
