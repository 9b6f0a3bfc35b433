"""A daemon taking a connection over while the writes of the last holder may still land.

The holder dies with its batches of creates held by the QBO emulator, and one of those
records is renamed in Clio meanwhile. The daemon taking over must neither create them again
(another request, since the payload changed) nor be answered with the reply to the old
payload (the same request), but wait until it finds what the dead holder's batches made,
then write the new name over it.

Every step follows an observed state (batches held, the successor's first run over), never
a delay; the deadlines only stop a hung test.
"""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Link, LinkState, Run
from billsync.daemon.sync.writer import BATCH_SIZE
from tests.e2e.conftest import connect, qbo_objects, sandbox_env, seed_firm
from tests.e2e.test_crashes import assert_every_object_once_and_linked
from tests.harness import (
    caught,
    free_port,
    hold_batches,
    make_ready,
    migrate,
    start_daemon,
    stop_daemon,
    sync_after_changes,
    wait_until,
)

NEW_NAME = "Renamed While In Flight"


def pending() -> list[Link]:
    return list(Link.select().where(Link.state == LinkState.PENDING))


def held(box) -> dict:
    return httpx.get(f"{box.qbo_url}/_sandbox/hold").json()


@contextmanager
def batches_held(sandbox, database_url: str, tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a daemon at QBO's real pace, while QBO holds every batch it is sent
    until :func:`hold_batches` lets them go (at the latest when the block ends)."""
    env = {
        **os.environ,
        **sandbox_env(sandbox, database_url, str(tmp_path / "data")),
        "BILLSYNC_ADDRESS": f"127.0.0.1:{free_port()}",
        # QBO's execution limit at its real pace: the successor's first cycle falls well within it.
        "BILLSYNC_TIME_SCALE": "1",
    }
    migrate(env)
    set_secret_key(env["BILLSYNC_SECRET_KEY"])  # to read the connection as the daemons write it
    config_url = f"{sandbox.qbo_url}/_sandbox/config"
    config = httpx.get(config_url).json()
    # The emulator's time scale would shorten QBO's execution limit, and a held batch would
    # time out unapplied before the takeover; at the daemon's pace it lands after it.
    httpx.patch(config_url, json={"execution_limit": config["execution_limit"] * config["time_scale"]})
    hold_batches(sandbox, True)
    try:
        yield env
    finally:
        hold_batches(sandbox, False)
        httpx.patch(config_url, json={"execution_limit": config["execution_limit"]})


def test_a_takeover_waits_for_the_creates_the_dead_holder_left_in_flight(sandbox, database_url, db, tmp_path):
    make_ready(sandbox)
    seed_firm(sandbox, bills=40, seed=43)
    with batches_held(sandbox, database_url, tmp_path) as env:
        process = start_daemon(env)
        try:
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
                connection = connect(client)

            def every_announced_create_held() -> bool:
                announced = len(pending())
                return bool(announced) and len(caught(sandbox)) == math.ceil(announced / BATCH_SIZE)

            wait_until(every_announced_create_held, "the holder's batches of creates held in QBO")
            first_run = Run.get(Run.state == "running").id
            process.send_signal(signal.SIGKILL)
            process.wait()
            renamed = pending()[0].clio_id
            httpx.patch(f"{sandbox.clio_url}/_sandbox/contacts/{renamed}", json={"name": NEW_NAME}).raise_for_status()
            dead_holders = len(caught(sandbox))

            process = start_daemon(env)

            def successor_decided() -> bool:
                over = Run.select().where(Run.id > first_run, Run.state != "running").exists()
                return over or len(caught(sandbox)) > dead_holders or bool(held(sandbox)["waiting"])

            wait_until(successor_decided, "the successor to resolve what it found pending")
            hold_batches(sandbox, False)  # the dead holder's batches are applied now, after that recovery
            wait_until(lambda: not caught(sandbox) and not held(sandbox)["waiting"], "QBO to answer what it held")
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
                wait_until(lambda: sync_after_changes(client, connection.id) and not pending(), "every create settled")
        finally:
            stop_daemon(process)

    assert_every_object_once_and_linked(sandbox)
    link = Link.get(Link.kind == "contact", Link.clio_id == renamed)
    [customer] = [c for c in qbo_objects(sandbox, "Customer") if c["Id"] == link.qbo_id]
    assert NEW_NAME in customer["DisplayName"]


def test_sigterm_while_qbo_holds_a_batch_ends_the_daemon_at_once_and_the_next_lands_it(
    sandbox, database_url, db, tmp_path
):
    """A stop does not wait for QBO to answer a batch in flight (honcho kills after 5 s, and
    QBO may take minutes): the daemon ends cleanly as if killed there, and the next daemon
    finds what the batch made."""
    make_ready(sandbox)
    seed_firm(sandbox, bills=10, seed=44)
    with batches_held(sandbox, database_url, tmp_path) as env:
        process = start_daemon(env)
        try:
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
                connection = connect(client)
            wait_until(lambda: caught(sandbox), "a batch held in QBO")
            stop_daemon(process)
            assert caught(sandbox), "the daemon waited for QBO's answer to its batch before it ended"
            hold_batches(sandbox, False)
            process = start_daemon(env)
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
                wait_until(lambda: sync_after_changes(client, connection.id) and not pending(), "every create settled")
        finally:
            stop_daemon(process)

    assert_every_object_once_and_linked(sandbox)
