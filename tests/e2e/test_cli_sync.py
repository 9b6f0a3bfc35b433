"""The CLI over a connected firm: sync with a progress bar, status, links, resync."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from billsync.daemon.store.models import Link
from tests.e2e.conftest import connect, seed_firm, sync
from tests.harness import add_bill, make_ready, settle


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
        add_bill(sandbox, client_id, f"CLI-{n}")
    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}

    synced = billsync("sync", env=env)
    assert synced.returncode == 0, synced.stderr
    # As the panel says it: why it started and what it did, not "succeeded (sync …)" or "(3/3)".
    assert synced.stdout.startswith("Finished (on request, started "), synced.stdout
    assert "\n  Created 3 invoices." in synced.stdout and "/3)" not in synced.stdout, synced.stdout
    assert "Invoices" in synced.stderr and "item" in synced.stderr, "the progress bars go to stderr"

    status = billsync("status", env=env)
    assert "  Invoices: " in status.stdout and " in QuickBooks" in status.stdout, status.stdout
    assert "Clio's tax goes on a line of its own, on the tax item (QuickBooks has sales tax off)" in status.stdout
    assert "Books in USD; multicurrency off" in status.stdout
    problems = Link.select().where(Link.state.in_(["failed", "broken"])).count()
    needs = "1 item needs" if problems == 1 else f"{problems} items need"
    assert f"{needs} attention (billsync resync --all):" in status.stdout, status.stdout

    failed = json.loads(billsync("--json", "links", "--kind", "invoice", "--state", "failed", env=env).stdout)["links"]
    assert failed and all(link["reason"] for link in failed)
    again = billsync("resync", failed[0]["id"], env=env)
    assert again.returncode == 1, "the item still fails"
    assert " Failed " in again.stdout and "1 item still fails" in again.stderr
    assert billsync("resync", env=env).returncode == 2
    events = billsync("events", "--limit", "5", env=env).stdout
    latest = events.splitlines()[0]
    assert " Re-sync asked for " in latest or " Sync finished " in latest or " Sync stopped " in latest, events
    assert "link.resync" not in events and "run." not in events
    assert e2e_client.status(connection.id).problem_count == len(failed)


def test_status_says_how_many_more_problems_there_are_and_how_to_list_them(sandbox, e2e_client, e2e_daemon, e2e_config):
    seed_firm(sandbox, bills=10, seed=11)
    make_ready(sandbox)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    client_id = Link.get(Link.kind == "contact", Link.state == "synced").clio_id
    for _ in range(40):  # one bill number forty times: QBO takes the first, refuses the rest
        add_bill(sandbox, client_id, "SAME-1")
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    status = e2e_client.status(connection.id)
    shown = len(status.problems)
    assert status.problem_count > shown, "the firm has more problems than one status shows"
    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}
    text = billsync("status", env=env).stdout
    assert f"… and {status.problem_count - shown} more: billsync links --state failed" in text


def test_a_held_connection_is_previewed_then_started_from_the_shell(sandbox, e2e_client, e2e_daemon, e2e_config):
    seed_firm(sandbox, bills=60, seed=3)
    make_ready(sandbox)
    connect(e2e_client, hold=True)
    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}
    assert "Its first sync waits: 'billsync preview' shows what it would do" in billsync("status", env=env).stdout

    shown = billsync("preview", env=env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "What the next sync would do (nothing was written):"
    invoices = next(line for line in lines if line.startswith("  Invoices: "))
    created = int(invoices.split(": ")[1].split(" to create")[0].replace(",", ""))
    assert created > 0 and ", USD " in invoices, invoices
    assert "Written per month:" in lines and "Items it would create in QuickBooks" in shown.stdout
    assert " to settle before syncing:" in shown.stdout and "number taken" in shown.stdout, shown.stdout
    assert "Customers" in shown.stderr, "the progress bars go to stderr"
    every = json.loads(billsync("--json", "preview", env=env).stdout)
    assert len(every["items"]) >= created and every["summary"]["counts"]
    assert not Link.select().exists(), "a preview writes no link"

    assert billsync("sync", env=env).returncode == 0
    synced = Link.select().where(Link.kind == "invoice", Link.state == "synced", Link.qbo_id.is_null(False)).count()
    assert synced == created


def test_a_missing_token_is_named_plainly(e2e_daemon, tmp_path):
    env = {
        **os.environ,
        "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}",
        "BILLSYNC_DATA_DIR": str(tmp_path / "none"),
    }
    env.pop("BILLSYNC_API_TOKEN", None)
    run = billsync("status", env=env)
    assert run.returncode == 1
    assert "no API token" in run.stderr and "BILLSYNC_API_TOKEN" in run.stderr, run.stderr


def test_the_deposit_account_is_chosen_from_the_listed_accounts_in_the_shell(
    sandbox, e2e_client, e2e_daemon, e2e_config
):
    connection = connect(e2e_client)
    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}

    listed = billsync("qbo-lists", env=env)
    assert listed.returncode == 0, listed.stderr
    [checking] = [line.split() for line in listed.stdout.splitlines() if line.endswith("Checking  (Bank)")]
    assert checking[1] == "*", "a bank account takes payments"
    assert any(line.endswith("Services  (Income)") and " * " not in line for line in listed.stdout.splitlines())

    refused = billsync("settings", "--deposit-account", "99999", env=env)
    assert refused.returncode == 1 and "QuickBooks has no account 99999" in refused.stderr, refused.stderr
    chosen = billsync("settings", "--deposit-account", checking[0], env=env)
    assert chosen.returncode == 0, chosen.stderr
    assert f"Deposit new payments to: Checking (account {checking[0]})" in chosen.stdout
    assert e2e_client.get_settings(connection.id).deposit_account_id == checking[0]
    back = billsync("settings", "--deposit-account", "", env=env)
    assert "Deposit new payments to: Undeposited Funds" in back.stdout, back.stdout
