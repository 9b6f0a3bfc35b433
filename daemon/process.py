"""The daemon process: opens the database, serves the RPCs, and ends cleanly on a signal."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import threading
import time

import grpc
from grpc_health.v1 import health

from billsync.daemon import doctor
from billsync.daemon.alerts.worker import AlertWorker
from billsync.daemon.clio import spill
from billsync.daemon.config import Config
from billsync.daemon.observe.metrics import Metrics
from billsync.daemon.rpc import receiver as webhooks
from billsync.daemon.rpc.server import create_server
from billsync.daemon.rpc.service import BillSyncService
from billsync.daemon.rpc.tls import ServerTls
from billsync.daemon.store import fields
from billsync.daemon.store.db import open_database
from billsync.daemon.sync.providers import Providers
from billsync.daemon.sync.scheduler import Scheduler
from billsync.serving import BackgroundServer

log = logging.getLogger(__name__)

#: Seconds in-flight RPCs get to finish on shutdown; honcho kills after 5.
SHUTDOWN_GRACE = 3.0
#: Seconds after a stop signal past which a daemon still running writes every thread's stack
#: to stderr and ends itself: the sync is crash-safe, and a stop that hangs says where.
SHUTDOWN_DEADLINE = 30.0
#: Seconds between the main thread's looks for a stop signal Python has noted.
SIGNAL_POLL = 1.0


class Daemon:
    """One daemon: what ``billsync daemon`` runs, and what tests start in-process."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.health = health.HealthServicer()
        self.server: grpc.Server | None = None
        self.scheduler: Scheduler | None = None
        self.webhooks: webhooks.WebhookServer | None = None
        self.metrics = Metrics()
        self.metrics_server: BackgroundServer | None = None
        self.alerts: AlertWorker | None = None
        self.port = 0
        self._stopped = threading.Event()

    def start(self) -> int:
        """Opens the database and starts serving; returns the port."""
        doctor.refuse_to_start(self.config)
        for left in spill.sweep(self.config.spill_dir):
            log.info("deleted %s, what a daemon that ended without closing it read of Clio", left)
        fields.set_secret_key(self.config.secret_key)
        open_database(self.config.database_url)
        self.alerts = AlertWorker(self.config)
        providers = Providers(self.config, self.metrics, self.alerts)
        self.scheduler = Scheduler(providers, workers=self.config.workers)
        service = BillSyncService(providers, self.scheduler, self.config.qbo_app_url)
        self.server, self.port = create_server(
            self.config.address, service, self.health, self.config.api_token, tls=ServerTls.of(self.config)
        )
        self.scheduler.start()
        self.alerts.start()
        if self.config.webhook_address:
            self.webhooks = webhooks.WebhookServer(self.config, providers, self.scheduler.request).start()
        if self.config.metrics_address:
            self.metrics_server = self.metrics.serve(self.config.metrics_address, self.scheduler.owner)
        return self.port

    def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Reports NOT_SERVING, lets in-flight calls finish within ``grace``, and closes."""
        self.health.enter_graceful_shutdown()
        if self.webhooks is not None:
            self.webhooks.stop()
        if self.metrics_server is not None:
            self.metrics_server.stop()
        if self.scheduler is not None:
            self.scheduler.stop(grace * 2 / 3)
        if self.alerts is not None:
            self.alerts.stop(grace / 3)
        if self.server is not None:
            self.server.stop(grace / 3).wait()
        log.info("stopped")
        self._stopped.set()

    def join(self, timeout: float) -> bool:
        """Waits, after :meth:`stop`, until every thread of this daemon that works on the
        database has ended; False if one still runs after ``timeout``. A process that goes
        on after a stop (a test's) waits on this before it opens another database: the
        models are bound to one database per process (``store.db``), so a step still running
        would write into the next one."""
        deadline = time.monotonic() + timeout
        parts = [self.scheduler, self.alerts, self.webhooks]
        return all(part.join(max(0.0, deadline - time.monotonic())) for part in parts if part is not None)

    def serve_until_signalled(self) -> None:
        """Serves until SIGTERM or SIGINT, then stops within the grace period and ends the
        process (by :data:`SHUTDOWN_DEADLINE` at the latest, with every thread's stack on
        stderr if the stop hung).
        SIGUSR1 writes every thread's stack to stderr and goes on serving."""

        def on_signal(signum: int, frame: object) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            faulthandler.dump_traceback_later(SHUTDOWN_DEADLINE, exit=True)
            threading.Thread(target=self.stop, name="shutdown").start()

        faulthandler.register(signal.SIGUSR1, all_threads=True)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        # Woken each second: a signal the kernel hands to another thread (one the main thread
        # cannot take at that instant, e.g. just resumed by SIGCONT) trips Python's flag but
        # would not interrupt an untimed wait, and the handler runs only in this thread.
        while not self._stopped.wait(SIGNAL_POLL):
            pass
        # A batch QBO has not answered would hold the interpreter's exit, which joins the
        # writer's threads, for as long as QBO takes: the process ends here instead, as a kill
        # would, which the sync survives (the batch's links are pending, found by the next run).
        logging.shutdown()
        os._exit(0)
