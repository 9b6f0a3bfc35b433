"""The CLI over a connected firm: sync with a progress bar, status, links, resync."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from billsync.daemon.store.models import Link
from tests.e2e.conftest import connect, seed_firm, sync
from tests.harness import make_ready, settle


def billsync(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "billsync", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_sync_status_links_and_resync_from_the_shell(sandbox, e2e_client, e2e_daemon, e2e_config):
    seed_firm(sandbox, bills=30, seed=9)
    make_ready(sandbox)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)  # the run that connecting started
    settle(e2e_client, connection.id)  # and any that followed it: the new bills must wait for `billsync sync`
    client_id = Link.get(Link.kind == "contact", Link.state == "synced").clio_id
    for n in range(3):
        httpx.post(
            f"{sandbox.clio_url}/_sandbox/bills",
            json={
                "client_id": int(client_id),
                "state": "awaiting_payment",
                "number": f"CLI-{n}",
                "lines": [{"kind": "Service", "description": "Advice", "price": "150.00", "quantity": "2"}],
            },
        ).raise_for_status()
    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}

    synced = billsync("sync", env=env)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("succeeded (") and "invoice 3/3" in synced.stdout
    assert "invoice" in synced.stderr and "item" in synced.stderr, "the progress bars go to stderr"

    status = billsync("status", env=env)
    assert "invoice:" in status.stdout and "synced" in status.stdout and "need attention" in status.stdout

    failed = json.loads(billsync("--json", "links", "--kind", "invoice", "--state", "failed", env=env).stdout)["links"]
    assert failed and all(link["reason"] for link in failed)
    again = billsync("resync", failed[0]["id"], env=env)
    assert again.returncode == 0 and "failed" in again.stdout
    assert billsync("resync", env=env).returncode == 2
    events = billsync("events", "--limit", "5", env=env).stdout
    assert "link.resync" in events.splitlines()[0] or "run." in events.splitlines()[0]
    assert e2e_client.status(connection.id).problem_count == len(failed)
