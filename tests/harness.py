"""Driving a billsync daemon against the emulators: shared by the end-to-end tests and bench/.

Everything a user would do to point the daemon at the sandbox (its environment), connect
a firm through the real OAuth flows with the consent pages approved as a person would,
run a sync through gRPC, and read what each emulated API answered. The tests and the
benchmarks must exercise the very same path, so it lives here once instead of twice.
This is the one sandbox module that knows the daemon's client: the emulators themselves
stay independent of billsync.
"""

from __future__ import annotations

import faulthandler
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, TypeVar

import httpx
from cryptography.fernet import Fernet

from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.consent import approve, callback_params
from billsync.sandbox.qbo.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests.postgres import free_port  # noqa: F401 - a daemon subprocess is told its port up front

if TYPE_CHECKING:
    from billsync.daemon.process import Daemon

T = TypeVar("T")
#: Seconds before a wait gives up; only a hung test (or a daemon that cannot start) reaches it.
PATIENCE = 300.0
REDIRECT_URI = "http://127.0.0.1:9/callback"


def seed_firm(box: Sandbox, bills: int, seed: int = 1, region: str = "us", *, foreign: bool = False) -> dict:
    """Loads a deterministic demo firm of ``bills`` bills of ``region`` into the Clio emulator
    (``foreign``: with Müller GmbH billed in EUR)."""
    body = {"bills": bills, "seed": seed, "region": region} | ({"foreign": True} if foreign else {})
    return httpx.post(f"{box.clio_url}/_sandbox/seed", json=body, timeout=300).json()


def set_preferences(box: Sandbox, **values: bool) -> None:
    """Switches QBO company settings as the company's admin would."""
    httpx.post(f"{box.qbo_url}/_sandbox/user/{box.qbo_config.realm_id}/preferences", json=values).raise_for_status()


#: The QBO company settings billsync needs (see daemon/qbo/settings.py): a new company has
#: none of them as wanted.
READY = {"CustomTxnNumbers": True, "WarnDuplicateBillNumber": True, "AutoApplyCredit": False}


def make_ready(box: Sandbox, realm_id: str | None = None) -> None:
    """Sets the company's settings as billsync needs them, as its admin would."""
    realm = realm_id or box.qbo_config.realm_id
    httpx.post(f"{box.qbo_url}/_sandbox/user/{realm}/preferences", json=READY).raise_for_status()


def qbo_objects(box: Sandbox, entity: str) -> list[dict]:
    return httpx.get(f"{box.qbo_url}/_sandbox/objects/{box.qbo_config.realm_id}/{entity}", timeout=60).json()[entity]


def sandbox_env(box: Sandbox, database_url: str, data_dir: str, time_scale: float) -> dict[str, str]:
    """The daemon's configuration for a sandbox: what a user sets to point it anywhere.

    ``time_scale`` must equal the emulators' so the daemon's limiter paces at the same
    scaled ceiling the emulators enforce.
    """
    return {
        "BILLSYNC_ADDRESS": "127.0.0.1:0",
        "BILLSYNC_DATA_DIR": data_dir,
        "BILLSYNC_DATABASE_URL": database_url,
        "BILLSYNC_API_TOKEN": secrets.token_urlsafe(16),
        "BILLSYNC_SECRET_KEY": Fernet.generate_key().decode(),
        "BILLSYNC_QBO_API_URL": box.qbo_url,
        "BILLSYNC_QBO_OAUTH_URL": box.qbo_url,
        "BILLSYNC_QBO_CLIENT_ID": DEFAULT_CLIENT_ID,
        "BILLSYNC_QBO_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "BILLSYNC_CLIO_URL": box.clio_url,
        "BILLSYNC_CLIO_CLIENT_ID": ClioConfig.client_id,
        "BILLSYNC_CLIO_CLIENT_SECRET": ClioConfig.client_secret,
        "BILLSYNC_TIME_SCALE": str(time_scale),
        "BILLSYNC_REDIRECT_URIS": REDIRECT_URI,
    }


def authorize(client: DaemonClient, connection_id: int, provider: pb.Provider, **choices: str) -> pb.Connection:
    """One side's OAuth flow, with the consent page approved as a person would.

    ``choices`` are other fields of the consent page, e.g. ``realmId`` for the QBO company.
    """
    started = client.start_authorization(connection_id, provider, redirect_uri=REDIRECT_URI)
    params = callback_params(approve(started.authorize_url, **choices))
    return client.complete_authorization(
        provider,
        state=params["state"],
        code=params["code"],
        realm_id=params.get("realmId", ""),
        redirect_uri=REDIRECT_URI,
    )


def connect(
    client: DaemonClient,
    name: str = "Sandbox Law LLP",
    interval: int = 3600,
    *,
    hold: bool = False,
    realm: str | None = None,
    start_date: str = "",
) -> pb.Connection:
    """Creates a connection and authorizes Clio then QBO (the company ``realm``, else the
    sandbox's); a long interval keeps the schedule from starting runs the caller did not ask
    for, and ``hold`` the first sync from starting before a Sync."""
    connection = client.create_connection(
        name, start_date=start_date, sync_interval_seconds=interval, hold_first_sync=hold
    )
    authorize(client, connection.id, pb.PROVIDER_CLIO)
    return authorize(client, connection.id, pb.PROVIDER_QBO, **({"realmId": realm} if realm else {}))


def sync(client: DaemonClient, connection_id: int, timeout: float = 600) -> pb.Run:
    """Runs one cycle through the Sync RPC and returns the finished run."""
    events = list(client.sync(connection_id, timeout=timeout))
    return events[-1].run


def resync(
    client: DaemonClient, connection_id: int, *, link_ids: Iterable[int] = (), all_problems: bool = False
) -> pb.Run:
    """Re-syncs the links named, or every problem, and follows the run that pushes them to
    its end, as ``billsync resync`` does; returns that run."""
    marked = client.resync(connection_id, link_ids=link_ids, all_problems=all_problems)
    assert marked.requested, "something to re-sync"
    events = list(client.sync(connection_id, follow_after_run_id=marked.after_run_id, timeout=600))
    return events[-1].run


def sync_after_changes(client: DaemonClient, connection_id: int) -> pb.Run:
    """Syncs until a run that began after this call has ended: what a person means by
    pressing Sync after changing something, whatever runs the change itself started."""
    status = client.status(connection_id)
    seen = max(status.last_run.id, status.current_run.id)
    while (run := sync(client, connection_id)).id <= seen:
        pass
    return run


def settle(client: DaemonClient, connection_id: int) -> None:
    """Waits until no run of the connection is going or due: authorizing asks for a run
    too, and a sync may have joined it or been followed by another."""

    def settled() -> bool:
        status = client.status(connection_id)
        return not status.HasField("current_run") and status.next_run_at.seconds > time.time() + 600

    wait_until(settled, "the connection to settle")


def api_requests(box: Sandbox) -> dict[str, int]:
    """Requests each emulated API answered (not the admin API, not OAuth), by product."""
    qbo = httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]
    clio = httpx.get(f"{box.clio_url}/_sandbox/requests").json()["requests"]
    return {
        "qbo": sum(r["count"] for r in qbo if r["endpoint"].startswith("/v3/")),
        "qbo_writes": sum(r["count"] for r in qbo if r["endpoint"].startswith("/v3/") and r["method"] == "POST"),
        "qbo_429": sum(r["count"] for r in qbo if r["endpoint"].startswith("/v3/") and r["status"] == 429),
        "clio": sum(r["count"] for r in clio if r["endpoint"].startswith("/api/v4/")),
        "clio_429": sum(r["count"] for r in clio if r["endpoint"].startswith("/api/v4/") and r["status"] == 429),
    }


def reset_request_counts(box: Sandbox) -> None:
    """Zeroes both emulators' request counts, so the next reading covers one stretch of work."""
    httpx.delete(f"{box.qbo_url}/_sandbox/stats").raise_for_status()
    httpx.delete(f"{box.clio_url}/_sandbox/requests").raise_for_status()


#: libfaketime (Debian's ``faketime`` package). Not its build for programs with threads
#: (libfaketimeMT), which now and then leaves a Python process deaf to SIGTERM; a fixed
#: offset needs none of the state that build guards.
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


#: ``python -m billsync`` for a daemon under libfaketime. Python 3.11's ``time.sleep`` waits
#: with ``clock_nanosleep`` on the monotonic clock, which libfaketime 0.9.10 (Debian 12) makes
#: fail with EINVAL when told to leave that clock alone (wolfcw/libfaketime issue #426); a
#: wait on an event that is never set reads the same clock and works.
SLEEP_ON_AN_EVENT = (
    "import runpy, threading, time; "
    "time.sleep = lambda seconds, never=threading.Event(): never.wait(seconds) and None; "
    "runpy.run_module('billsync', run_name='__main__')"
)


def skewed(env: Mapping[str, str], offset: str) -> dict[str, str]:
    """``env`` for a daemon whose clock is ``offset`` off ("+7m", "-7m": libfaketime's
    syntax), as on a host whose clock drifted (:func:`start_daemon` starts it so). Only the
    time of day is off: the monotonic clock, which timeouts and waits read, and file times
    are left alone."""
    if not os.path.exists(LIBFAKETIME):
        raise RuntimeError("libfaketime is not installed: apt-get install faketime")
    return {
        **env,
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "NO_FAKE_STAT": "1",
    }


def migrate(env: Mapping[str, str]) -> None:
    """Runs ``billsync migrate`` for a daemon subprocess's database."""
    subprocess.run([sys.executable, "-m", "billsync", "migrate"], env=dict(env), check=True, capture_output=True)


def start_daemon(env: Mapping[str, str], startup: float = PATIENCE, *, log: IO[str] | None = None) -> subprocess.Popen:
    """Starts ``billsync daemon`` in a subprocess and returns once it answers RPCs.

    ``env["BILLSYNC_ADDRESS"]`` must name a fixed port (see :func:`free_port`): the
    child cannot tell its parent which port it bound. Its log goes to ``log`` if given,
    else where the caller's does (pytest shows it beside a failure).
    """
    python = ["-c", SLEEP_ON_AN_EVENT] if "FAKETIME" in env else ["-m", "billsync"]
    process = subprocess.Popen([sys.executable, *python, "daemon"], env=dict(env), stderr=log)
    with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"], timeout=2) as client:
        deadline = time.monotonic() + startup
        while True:
            try:
                client.list_connections()
                return process
            except DaemonError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise RuntimeError("the daemon did not start") from None
                time.sleep(0.1)


def stop_daemon(process: subprocess.Popen) -> None:
    """Stops a daemon subprocess still running as an operator does (SIGTERM), and checks
    that it ended cleanly (one the test killed is left as it ended). A daemon whose stop
    hangs ends itself past ``SHUTDOWN_DEADLINE`` with every thread's stack in its log, which
    pytest shows beside the failure."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=PATIENCE)
    assert code == 0, f"the daemon ended with {code} on SIGTERM (a hung stop leaves its threads' stacks in its log)"


def stop_in_process(daemon: Daemon, grace: float) -> None:
    """Stops a daemon started in this process, and waits until its threads are done with the
    database: a step still running past the stop's grace would otherwise write into the
    next test's database (the models are bound to one per process, ``store.db``)."""
    daemon.stop(grace=grace)
    if not daemon.join(PATIENCE):
        faulthandler.dump_traceback(all_threads=True)
        raise AssertionError("a thread of the stopped daemon still runs: its stack is on stderr")


def wait_until(condition: Callable[[], T], what: str) -> T:
    """Polls ``condition`` until it returns something true, and returns that."""
    deadline = time.monotonic() + PATIENCE
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
    return found


def hold_batches(box: Sandbox, on: bool, entities: Sequence[str] = (), *, writes: bool = False) -> None:
    """Makes the QBO emulator hold every batch request, and with ``writes`` every single
    write too (or those writing one of ``entities``), until switched off again."""
    hold = {"batches": on, "writes": writes, "entities": list(entities)}
    httpx.post(f"{box.qbo_url}/_sandbox/hold", json=hold).raise_for_status()


def caught(box: Sandbox) -> list[dict]:
    """The requests the hold caught and QBO has not answered yet."""
    return httpx.get(f"{box.qbo_url}/_sandbox/hold").json()["caught"]


def add_bill(box: Sandbox, client_id: str, number: str) -> None:
    """A bill of 300.00 awaiting payment, issued in Clio to contact ``client_id``."""
    httpx.post(
        f"{box.clio_url}/_sandbox/bills",
        json={
            "client_id": int(client_id),
            "state": "awaiting_payment",
            "number": number,
            "lines": [{"kind": "Service", "description": "Advice", "price": "150.00", "quantity": "2"}],
        },
    ).raise_for_status()
