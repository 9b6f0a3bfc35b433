"""``billsync doctor`` as an operator runs it, against the emulators: all good on a sound
set-up, and on each thing an operator gets wrong, the problem, its fix and exit code 1.
The daemon refuses to start on the same fatal findings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
from cryptography.fernet import Fernet

from billsync.daemon import doctor
from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.store import fields, migrations
from billsync.daemon.store.db import open_database
from billsync.daemon.store.models import Connection
from billsync.sandbox.server import Sandbox
from tests.e2e.conftest import sandbox_env
from tests.harness import free_port, stop_in_process
from tests.inboxes import smtp_inbox  # noqa: F401 - a fixture

Env = dict[str, str]


def billsync(*args: str, env: Env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "billsync", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(sandbox: Sandbox, database_url: str, tmp_path) -> Env:
    """A sound set-up: the emulators, a migrated database, every key set."""
    env = sandbox_env(sandbox, database_url, str(tmp_path / "data"))
    migrations.migrate(open_database(database_url))
    return env


def test_a_sound_setup_is_all_good(env: Env) -> None:
    run = billsync("doctor", env=env)
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1] == "all good"
    assert "[ok  ] clock against QuickBooks" in run.stdout and "[ok  ] stored tokens" in run.stdout


def _other_key(env: Env) -> None:
    """Tokens saved under one key, the daemon configured with another."""
    fields.set_secret_key(env["BILLSYNC_SECRET_KEY"])
    open_database(env["BILLSYNC_DATABASE_URL"])
    Connection.create(name="Smith & Jones", qbo_tokens={"access_token": "a", "refresh_token": "r"})
    env["BILLSYNC_SECRET_KEY"] = Fernet.generate_key().decode()


def _fresh_database(env: Env) -> None:
    env["BILLSYNC_DATABASE_URL"] = env["BILLSYNC_DATABASE_URL"].replace("billsync.db", "unmigrated.db")
    if env["BILLSYNC_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("a fresh SQLite file stands for an unmigrated database")


#: What an operator gets wrong: the change to a sound set-up, what doctor says, its fix.
BROKEN: dict[str, tuple[Callable[[Env], object], str, str]] = {
    "no secret key": (
        lambda env: env.pop("BILLSYNC_SECRET_KEY"),
        "BILLSYNC_SECRET_KEY must be set",
        "set the key",
    ),
    "malformed secret key": (
        lambda env: env.update(BILLSYNC_SECRET_KEY="not-a-key"),
        "BILLSYNC_SECRET_KEY is not a Fernet key",
        "Fernet.generate_key()",
    ),
    "API token with a space": (
        lambda env: env.update(BILLSYNC_API_TOKEN="two words"),
        "cannot travel in a gRPC header",
        "secrets.token_urlsafe",
    ),
    "workers not a number": (
        lambda env: env.update(BILLSYNC_WORKERS="four"),
        "BILLSYNC_WORKERS must be a whole number above 0, not 'four'",
        "set the key",
    ),
    "database unreachable": (
        lambda env: env.update(BILLSYNC_DATABASE_URL=f"postgresql://billsync:hunter2@127.0.0.1:{free_port()}/books"),
        "cannot open postgresql://billsync:***@127.0.0.1",
        "check BILLSYNC_DATABASE_URL",
    ),
    "data folder not writable": (
        lambda env: env.update(BILLSYNC_DATA_DIR="/etc/hostname/billsync"),
        "cannot write in /etc/hostname/billsync/spill, where each sync keeps what it reads of Clio",
        "set BILLSYNC_DATA_DIR to a folder the daemon's user may write",
    ),
    "database not migrated": (_fresh_database, "the database needs", "run 'billsync migrate'"),
    "secret key changed": (
        _other_key,
        "cannot decrypt the tokens of 1 connection(s): Smith & Jones",
        "set BILLSYNC_SECRET_KEY back",
    ),
    "Clio unreachable": (
        lambda env: env.update(BILLSYNC_CLIO_URL=f"http://127.0.0.1:{free_port()}"),
        "no answer from http://127.0.0.1:",
        "check BILLSYNC_CLIO_URL",
    ),
    "no QuickBooks app": (
        lambda env: env.pop("BILLSYNC_QBO_CLIENT_SECRET"),
        "QuickBooks cannot be authorized",
        "copy both from your QuickBooks developer app",
    ),
    "no redirect URI allowed": (
        lambda env: env.pop("BILLSYNC_REDIRECT_URIS"),
        "BILLSYNC_REDIRECT_URIS is empty: no connection can be authorized",
        "register the same URLs in the Clio and Intuit developer apps",
    ),
    "a plain http redirect URI": (
        lambda env: env.update(BILLSYNC_REDIRECT_URIS="http://panel.example.com/oauth/qbo/callback"),
        "is plain http",
        "serve the panel over https",
    ),
    "TLS certificate without its key": (
        lambda env: env.update(BILLSYNC_TLS_CERT="/etc/hostname"),
        "BILLSYNC_TLS_CERT and BILLSYNC_TLS_KEY go together",
        "TLS and mutual TLS",
    ),
    "plaintext off loopback": (
        lambda env: env.update(BILLSYNC_ADDRESS="0.0.0.0:50051"),
        "refusing to listen on 0.0.0.0:50051 in plaintext",
        "TLS and mutual TLS",
    ),
    "mail without a sender": (
        lambda env: env.update(BILLSYNC_SMTP_HOST="127.0.0.1", BILLSYNC_SMTP_PORT=str(free_port())),
        "BILLSYNC_SMTP_FROM is not",
        "set BILLSYNC_SMTP_FROM",
    ),
    "mail server unreachable": (
        lambda env: env.update(
            BILLSYNC_SMTP_HOST="127.0.0.1", BILLSYNC_SMTP_PORT=str(free_port()), BILLSYNC_SMTP_FROM="b@example.com"
        ),
        "[WARN] mail server: 127.0.0.1:",
        "check BILLSYNC_SMTP_HOST",
    ),
    "webhook URL reaching nothing": (
        lambda env: env.update(BILLSYNC_WEBHOOK_URL=f"http://127.0.0.1:{free_port()}"),
        "no answer from http://127.0.0.1:",
        "check BILLSYNC_WEBHOOK_URL",
    ),
}


def problems(env: Env) -> str:
    """What doctor finds wrong, as it prints it (run in this process: quicker than the CLI)."""
    return "\n".join(str(f) for f in doctor.examine(env) if f.severity is not doctor.Severity.OK)


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_mistake_is_named_with_its_fix(env: Env, case: str) -> None:
    breaks, problem, fix = BROKEN[case]
    breaks(env)
    report = problems(env)
    assert problem in report and fix in report, report
    assert "hunter2" not in report


def test_the_command_exits_1_on_a_problem(env: Env) -> None:
    env["BILLSYNC_SECRET_KEY"] = "not-a-key"
    run = billsync("doctor", env=env)
    assert run.returncode == 1
    assert "[FAIL] secret key: BILLSYNC_SECRET_KEY is not a Fernet key" in run.stdout
    assert run.stdout.splitlines()[-1] == "1 problem(s)"


def test_a_clock_minutes_off_is_named(env: Env, sandbox: Sandbox) -> None:
    httpx.patch(f"{sandbox.clio_url}/_sandbox/config", json={"clock_offset_seconds": 600}).raise_for_status()
    report = problems(env)
    assert re.search(r"this host's clock is (59\d|60\d) s behind Clio's", report), report
    assert "synchronize it with NTP" in report


def test_a_webhook_url_that_reaches_the_receiver_is_good(env: Env) -> None:
    port = free_port()
    env.update(BILLSYNC_WEBHOOK_ADDRESS=f"127.0.0.1:{port}", BILLSYNC_WEBHOOK_URL=f"http://127.0.0.1:{port}")
    daemon = Daemon(Config.from_env(env))
    daemon.start()
    try:
        assert problems(env) == ""
    finally:
        stop_in_process(daemon, grace=1.0)


def test_the_daemon_refuses_to_start_on_a_fatal_finding(env: Env) -> None:
    _other_key(env)
    run = billsync("daemon", env=env)
    assert run.returncode != 0
    assert "cannot decrypt the tokens of 1 connection(s)" in run.stderr


def test_a_mail_server_that_answers_is_good(env: Env, smtp_inbox) -> None:
    env.update(
        BILLSYNC_SMTP_HOST="127.0.0.1",
        BILLSYNC_SMTP_PORT=str(smtp_inbox.port),
        BILLSYNC_SMTP_STARTTLS="0",
        BILLSYNC_SMTP_FROM="alerts@example.com",
        BILLSYNC_PANEL_URL="https://panel.example.com",
    )
    findings = {f.check: f for f in doctor.examine(env)}
    assert findings["mail server"].severity is doctor.Severity.OK, findings["mail server"]
    assert problems(env) == ""
    assert smtp_inbox.received.empty(), "checking sends nothing"
