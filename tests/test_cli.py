"""``billsync`` as a shell user meets it: a real daemon process, real commands.

Nothing is timed: the deadlines only stop a hung test.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from billsync.daemon.process import SHUTDOWN_GRACE
from tests.postgres import free_port

#: Seconds before a wait gives up; only a hung test ever reaches it.
PATIENCE = 120.0


def billsync(*args: str, env: dict, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "billsync", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        input=input,
    )


@pytest.fixture
def env(config, db):
    return {
        **os.environ,
        "BILLSYNC_ADDRESS": f"127.0.0.1:{free_port()}",
        "BILLSYNC_DATABASE_URL": config.database_url,
        "BILLSYNC_API_TOKEN": config.api_token,
        "BILLSYNC_SECRET_KEY": config.secret_key,
        "BILLSYNC_DATA_DIR": str(config.data_dir),
    }


@pytest.fixture
def daemon_process(env):
    process = subprocess.Popen([sys.executable, "-m", "billsync", "daemon"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + PATIENCE
    while billsync("connections", env=env).returncode == 3:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "daemon did not start"
        time.sleep(0.2)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_stopped_daemon_gives_one_clear_line_and_exit_code_3(env):
    result = billsync("status", env=env)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("billsync: cannot reach the billsync daemon at ")
    assert "Traceback" not in result.stderr


def test_daemon_refuses_to_start_without_secrets(env):
    result = billsync("daemon", env={k: v for k, v in env.items() if k != "BILLSYNC_SECRET_KEY"})
    assert result.returncode == 1
    assert "BILLSYNC_SECRET_KEY must be set" in result.stderr


def test_sigterm_ends_the_daemon_cleanly_within_its_grace(daemon_process):
    """Exit code 0 is the daemon ending itself; its grace must stay under the 5 s after
    which honcho kills. How long the exit takes on this machine is not the point."""
    assert SHUTDOWN_GRACE < 5
    daemon_process.send_signal(signal.SIGTERM)
    assert daemon_process.wait(timeout=PATIENCE) == 0


def stopped(pid: int) -> bool:
    """Whether the process is stopped by a signal (state T in ``/proc/<pid>/stat``)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "T"


def test_sigterm_at_once_after_a_resume_still_ends_the_daemon(daemon_process):
    """A daemon stopped (SIGSTOP: a paused container, a stalled host) and resumed (SIGCONT)
    while SIGTERM follows at once: the kernel may hand SIGTERM to a thread other than the main
    one, which then waited on, untimed, and never ran the handler (9 hangs in 10 tries)."""
    daemon_process.send_signal(signal.SIGSTOP)
    deadline = time.monotonic() + PATIENCE
    while not stopped(daemon_process.pid):
        assert time.monotonic() < deadline, "the daemon did not stop"
        time.sleep(0.05)
    daemon_process.send_signal(signal.SIGCONT)
    daemon_process.send_signal(signal.SIGTERM)
    assert daemon_process.wait(timeout=PATIENCE) == 0


def test_sigusr1_writes_every_threads_stack_to_the_log_and_the_daemon_goes_on(daemon_process, env):
    """What an operator sends to see where a daemon is stuck (README, Operating billsync)."""
    daemon_process.send_signal(signal.SIGUSR1)
    log = ""
    while "Current thread" not in log:  # faulthandler's heading of the thread that got the signal
        line = daemon_process.stderr.readline()
        assert line, f"the daemon ended instead of writing its stacks: {log}"
        log += line
    assert 'File "' in daemon_process.stderr.readline()
    assert billsync("connections", env=env).returncode == 0
    daemon_process.send_signal(signal.SIGTERM)
    assert daemon_process.wait(timeout=PATIENCE) == 0


def test_a_session_of_commands(daemon_process, env):
    created = billsync("connections", "create", "Amy's Law Firm", "--start-date", "2026-01-01", env=env)
    assert created.returncode == 0, created.stderr
    assert "created connection 1" in created.stdout

    status = billsync("status", env=env)
    assert status.returncode == 0, status.stderr
    assert "Amy's Law Firm: Needs connecting" in status.stdout

    listed = json.loads(billsync("--json", "connections", env=env).stdout)
    assert listed["connections"][0]["settings"]["start_date"] == "2026-01-01"

    refused = billsync("purge", "--confirm", "wrong name", env=env)
    assert refused.returncode == 1
    assert "To confirm, set confirm to" in refused.stderr

    purged = billsync("purge", env=env, input="Amy's Law Firm\n")
    assert purged.returncode == 0, purged.stderr
    assert "billsync forgot the 0 items it had synced; nothing was deleted in QuickBooks" in purged.stdout

    log = billsync("events", "--oldest-first", env=env).stdout.splitlines()
    whats = ["Connection created", "Access revoked", "Purged"]
    assert [next(what for what in whats if f" {what} " in line) for line in log] == whats, log
    assert all(f" {getpass.getuser()} " in line and " via " not in line for line in log), "the person, not the token"
    assert "connection." not in "\n".join(log)

    assert billsync("links", "--state", "nonsense", env=env).returncode == 2
    assert "no links" in billsync("links", "--kind", "invoice", env=env).stdout


def test_several_connections_need_a_choice(daemon_process, env):
    for name in ("A", "B"):
        billsync("connections", "create", name, env=env)
    result = billsync("status", env=env)
    assert result.returncode == 2
    assert "--connection" in result.stderr and "1 (A)" in result.stderr
    assert billsync("status", "-c", "2", env=env).stdout.startswith("B:")
    missing = billsync("status", "-c", "99", env=env)
    assert missing.returncode == 1 and "there is no connection 99" in missing.stderr
