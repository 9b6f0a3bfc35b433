"""Restarting the demo keeps its three processes in step, and a second demo refuses to start.

``make demo`` runs ``billsync sandbox --demo N --state-file var/demo/sandbox.json`` beside a
daemon whose database lives in ``var/demo``; honcho stops them with SIGTERM. These tests run
the same commands in subprocesses, on ports of their own. Nothing is timed: the deadlines
only stop a hung test.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from billsync.daemon.rpc.client import DaemonClient
from billsync.sandbox.qbo.config import QBOConfig
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import present
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests import harness
from tests.e2e.conftest import TIME_SCALE
from tests.postgres import free_port
from tests.test_cli import billsync
from tests.web.conftest import PASSWORD, log_in

BILLS = 30
#: What QBO calls each kind of item billsync writes.
ENTITIES = {pb.KIND_CONTACT: "Customer", pb.KIND_INVOICE: "Invoice", pb.KIND_PAYMENT: "Payment"}


class SandboxProcess:
    """``billsync sandbox`` as the demo runs it; read by the harness as it reads a Sandbox
    (its URLs and QBO company)."""

    qbo_config = QBOConfig()

    def __init__(self, state_file: Path, *options: str) -> None:
        self.ports = (free_port(), free_port())
        self.qbo_url, self.clio_url = (f"http://127.0.0.1:{port}" for port in self.ports)
        self.state_file = state_file
        self.options = options
        self.process: subprocess.Popen | None = None

    def start(self) -> SandboxProcess:
        """Returns once both emulators accept connections (the CLI says so last)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "billsync", "sandbox", f"--demo={BILLS}", f"--state-file={self.state_file}"]
            + [f"--qbo-port={self.ports[0]}", f"--clio-port={self.ports[1]}", f"--time-scale={TIME_SCALE}"]
            + list(self.options),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            text=True,
        )
        if not any(line.startswith("Admin API") for line in self.process.stdout):
            raise AssertionError(f"the emulators did not start (exit {self.process.wait()})")
        return self

    def stop(self) -> None:
        """As honcho does: SIGTERM; the emulators save their state and end cleanly. (Honcho
        kills what is left five seconds on; by then each change is on disk already, written
        within a second of it, ``sandbox.saver``. A loaded machine took longer than five
        seconds to end the process, so no deadline is asserted but a hang detector's.)"""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=harness.PATIENCE) == 0


@pytest.fixture
def emulators(tmp_path: Path) -> Iterator[SandboxProcess]:
    box = SandboxProcess(tmp_path / "demo" / "sandbox.json")
    yield box.start()
    if box.process.poll() is None:
        box.process.kill()
        box.process.wait()


@pytest.fixture
def demo_env(emulators: SandboxProcess, database_url: str, tmp_path: Path) -> dict[str, str]:
    return environment(emulators, database_url, tmp_path)


def environment(box: SandboxProcess, database_url: str, tmp_path: Path) -> dict[str, str]:
    """The demo daemon's environment, its database migrated."""
    env = {
        **os.environ,
        **harness.sandbox_env(box, database_url, str(tmp_path / "demo"), TIME_SCALE),
        "BILLSYNC_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    harness.migrate(env)
    return env


@contextlib.contextmanager
def daemon(env: dict[str, str]) -> Iterator[DaemonClient]:
    """``billsync daemon`` and a client, until stopped as honcho stops it (SIGTERM)."""
    process = harness.start_daemon(env)
    try:
        with DaemonClient(env["BILLSYNC_ADDRESS"], token=env["BILLSYNC_API_TOKEN"]) as client:
            yield client
    finally:
        harness.stop_daemon(process)


def counts(client: DaemonClient, connection_id: int) -> dict[tuple[int, int], int]:
    return {(c.kind, c.state): c.count for c in client.status(connection_id).counts if c.count}


def in_quickbooks(env: dict[str, str], web_dir: Path, connection_id: int) -> dict[int, int]:
    """What the panel's Bill Syncing page reads in its "In QuickBooks" column, per kind."""
    UserStore(web_dir).set_password("alice", PASSWORD)
    app = create_app(
        web_dir,
        BILLSYNC_DAEMON_ADDRESS=env["BILLSYNC_ADDRESS"],
        BILLSYNC_API_TOKEN=env["BILLSYNC_API_TOKEN"],
        BILLSYNC_SECURE_COOKIES=False,
    )
    panel = app.test_client()
    log_in(panel)
    page = panel.get(f"/connections/{connection_id}").get_data(as_text=True)
    cells = re.findall(r'kind=(\w+)&amp;state=synced">([\d,]+)</a>', page)
    return {present.from_word(pb.Kind, kind): int(n.replace(",", "")) for kind, n in cells}


def test_a_restarted_demo_keeps_billsync_and_both_emulators_in_step(emulators, demo_env, tmp_path):
    with daemon(demo_env) as client:
        harness.make_ready(emulators)
        connection = harness.connect(client)
        harness.settle(client, connection.id)
        before = counts(client, connection.id)
    emulators.stop()

    emulators.start()
    with daemon(demo_env) as client:
        assert harness.sync(client, connection.id).state == pb.RUN_STATE_SUCCEEDED, "both tokens survived"
        assert counts(client, connection.id) == before
        shown = in_quickbooks(demo_env, tmp_path / "web", connection.id)
        for kind, entity in ENTITIES.items():
            in_qbo = len(harness.qbo_objects(emulators, entity))
            assert before[kind, pb.LINK_STATE_SYNCED] == in_qbo, entity
            assert shown[kind] == in_qbo, f"the panel's {entity} count"
        client.resync(connection.id, all_problems=True)
        assert counts(client, connection.id) == before, "Re-sync all finds nothing gone from QBO"


def test_a_second_daemon_on_a_port_in_use_refuses_to_start(emulators, demo_env):
    with daemon(demo_env):
        second = billsync("daemon", env=demo_env)
    assert second.returncode == 1
    assert f"cannot listen on {demo_env['BILLSYNC_ADDRESS']} (BILLSYNC_ADDRESS)" in second.stderr
    assert "already running" in second.stderr and "Traceback" not in second.stderr


@pytest.mark.parametrize("command", [["sandbox", "--qbo-port={port}"], ["web", "--listen=127.0.0.1:{port}"]])
def test_a_second_emulator_or_panel_says_it_is_already_running(emulators, command, tmp_path):
    port = emulators.ports[0]
    args = [arg.format(port=port) for arg in command]
    second = billsync(*args, env={**os.environ, "BILLSYNC_DATA_DIR": str(tmp_path / "panel")})
    assert second.returncode == 1
    assert second.stderr.count("\n") == 1, second.stderr
    assert f"127.0.0.1:{port} is in use" in second.stderr and "already running" in second.stderr


def test_the_multicurrency_demo_books_its_client_abroad_in_euros(database_url, tmp_path):
    """``billsync sandbox --multicurrency``: a company with multicurrency on, and Müller GmbH,
    the demo firm's client in Berlin, billed in EUR; the demo syncs it in EUR."""
    box = SandboxProcess(tmp_path / "demo" / "sandbox.json", "--multicurrency").start()
    try:
        with daemon(environment(box, database_url, tmp_path)) as client:
            harness.make_ready(box)
            connection = harness.connect(client)
            harness.settle(client, connection.id)
            shown = client.status(connection.id).connection
        assert (shown.home_currency, shown.multicurrency) == ("USD", True)
        (muller,) = [c for c in harness.qbo_objects(box, "Customer") if c["DisplayName"] == "Müller GmbH"]
        assert muller["CurrencyRef"]["value"] == "EUR"
        invoices = [i for i in harness.qbo_objects(box, "Invoice") if i["CustomerRef"]["value"] == muller["Id"]]
        assert invoices and all(i["CurrencyRef"]["value"] == "EUR" and i["ExchangeRate"] > 0 for i in invoices)
        others = [i for i in harness.qbo_objects(box, "Invoice") if i["CustomerRef"]["value"] != muller["Id"]]
        assert len(others) > 10 and {i["CurrencyRef"]["value"] for i in others} == {"USD"}
    finally:
        box.stop()
