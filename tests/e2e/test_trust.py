"""Trust sync against both emulators: every transaction of Clio's trust account a journal
entry between the two trust accounts, the client on the liability line, so that each
client's liability in QuickBooks equals their trust balance in Clio; edits and deletions in
Clio follow. Both ledgers are read from the emulators themselves: Clio's through its API,
QuickBooks' as the journal entries' lines on the liability account.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

import grpc
import httpx
import pytest

from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.v1 import billsync_pb2 as pb
from tests.harness import connect, make_ready, qbo_objects, seed_firm, settle, sync, sync_after_changes

BILLS = 60


def account(box, name: str) -> dict:
    [found] = [a for a in qbo_objects(box, "Account") if a["Name"] == name]
    return found


def seed_trust_accounts(box) -> tuple[dict, dict]:
    httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"trust": True}).raise_for_status()
    return account(box, "Client Trust Account"), account(box, "Client Trust Liability")


def clio_admin(box, method: str, path: str, **kwargs) -> dict:
    response = httpx.request(method, f"{box.clio_url}/_sandbox{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else {}


def clio_trust_balances(box) -> dict[str, Decimal]:
    """Each client's trust balance in Clio: the sum of its transactions in the trust account,
    as Clio's API lists them."""
    token = clio_admin(box, "POST", "/tokens")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    [trust] = httpx.get(
        f"{box.clio_url}/api/v4/bank_accounts.json", params={"type": "TrustAccount", "fields": "id"}, headers=headers
    ).json()["data"]
    balances: dict[str, Decimal] = defaultdict(Decimal)
    url: str | None = f"{box.clio_url}/api/v4/bank_transactions.json"
    params = {"bank_account_id": trust["id"], "fields": "id,amount,client{id}", "limit": 200}
    while url:
        page = httpx.get(url, params=params, headers=headers, timeout=30).json()
        for t in page["data"]:
            balances[str(t["client"]["id"])] += Decimal(str(t["amount"]))
        url, params = page["meta"]["paging"].get("next"), None
    return {client: balance for client, balance in balances.items() if balance}


def qbo_liability_balances(box, liability_id: str) -> dict[str, Decimal]:
    """Each Clio client's liability in QuickBooks: credits less debits of the journal entries'
    lines on the liability account, by the customer they name (mapped back to Clio by link)."""
    clio_of = {
        link.qbo_id: link.clio_id
        for link in Link.select().where(Link.kind == Kind.CONTACT, Link.state == LinkState.SYNCED)
    }
    balances: dict[str, Decimal] = defaultdict(Decimal)
    for entry in qbo_objects(box, "JournalEntry"):
        for line in entry["Line"]:
            detail = line["JournalEntryLineDetail"]
            if detail["AccountRef"]["value"] != liability_id or "Entity" not in detail:
                continue  # a bookkeeper's own entry, for no client
            sign = 1 if detail["PostingType"] == "Credit" else -1
            balances[clio_of[detail["Entity"]["EntityRef"]["value"]]] += sign * Decimal(str(line["Amount"]))
    return {client: balance for client, balance in balances.items() if balance}


def test_trust_accounts_of_the_wrong_type_are_refused(sandbox, e2e_client):
    make_ready(sandbox)
    bank, liability = seed_trust_accounts(sandbox)
    connection = connect(e2e_client)
    with pytest.raises(DaemonError) as caught:
        e2e_client.update_settings(connection.id, trust_bank_account_id=liability["Id"])
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "must be a Bank account" in str(caught.value) and "Other Current Liability" in str(caught.value)
    settings = e2e_client.update_settings(
        connection.id, trust_enabled=True, trust_bank_account_id=bank["Id"], trust_liability_account_id=liability["Id"]
    )
    assert settings.trust_enabled
    assert (settings.trust_bank_account_name, settings.trust_liability_account_name) == (
        "Client Trust Account",
        "Client Trust Liability",
    )


def test_each_clients_liability_in_quickbooks_equals_their_trust_balance_in_clio_and_follows_edits(sandbox, e2e_client):
    make_ready(sandbox)
    bank, liability = seed_trust_accounts(sandbox)
    seed_firm(sandbox, bills=BILLS)
    connection = connect(e2e_client)
    settle(e2e_client, connection.id)
    assert not qbo_objects(sandbox, "JournalEntry"), "no trust sync before it is turned on"

    e2e_client.update_settings(
        connection.id, trust_enabled=True, trust_bank_account_id=bank["Id"], trust_liability_account_id=liability["Id"]
    )
    run = sync_after_changes(e2e_client, connection.id)

    assert run.state == pb.RUN_STATE_SUCCEEDED, run
    clio = clio_trust_balances(sandbox)
    assert len(clio) >= 3, "the demo firm has clients with money in trust"
    assert qbo_liability_balances(sandbox, liability["Id"]) == clio
    problems = Link.select().where(Link.kind == Kind.TRUST, Link.state != LinkState.SYNCED)
    assert [(p.label, p.state, p.reason) for p in problems] == []
    booked = {a["Id"]: Decimal(str(a["CurrentBalance"])) for a in qbo_objects(sandbox, "Account")}
    assert booked[bank["Id"]] == -booked[liability["Id"]] == sum(clio.values())

    client = next(iter(clio))
    made = clio_admin(sandbox, "POST", "/trust/deposits", json={"client_id": int(client), "amount": "500.00"})
    gone = clio_admin(sandbox, "POST", "/trust/deposits", json={"client_id": int(client), "amount": "75.00"})
    sync_after_changes(e2e_client, connection.id)
    assert qbo_liability_balances(sandbox, liability["Id"]) == clio_trust_balances(sandbox)
    entries = len(qbo_objects(sandbox, "JournalEntry"))

    clio_admin(sandbox, "PATCH", f"/bank_transactions/{made['data']['id']}", json={"amount": "420.00"})
    clio_admin(sandbox, "DELETE", f"/bank_transactions/{gone['data']['id']}")
    run = sync_after_changes(e2e_client, connection.id)

    assert run.state == pb.RUN_STATE_SUCCEEDED, run
    now = clio_trust_balances(sandbox)
    assert now[client] == clio[client] + Decimal("420.00")
    assert qbo_liability_balances(sandbox, liability["Id"]) == now
    assert len(qbo_objects(sandbox, "JournalEntry")) == entries - 1, "the deleted one's entry is deleted, no other"
    deleted = Link.get(Link.kind == Kind.TRUST, Link.clio_id == str(gone["data"]["id"]))
    assert (deleted.state, deleted.reason) == (LinkState.SKIPPED, "Deleted in Clio; deleted in QuickBooks")

    removed = Link.select().where(Link.kind == Kind.TRUST, Link.state == LinkState.SYNCED).first()
    realm = sandbox.qbo_config.realm_id
    url = f"{sandbox.qbo_url}/_sandbox/user/{realm}/JournalEntry/{removed.qbo_id}/delete"
    httpx.post(url).raise_for_status()
    sync_after_changes(e2e_client, connection.id)
    assert Link.get_by_id(removed.id).state == LinkState.BROKEN, "a journal entry deleted in QuickBooks is found"


def test_the_reconciliation_in_the_shell_names_the_one_client_whose_entry_was_edited_in_quickbooks(
    sandbox, e2e_client, e2e_daemon, e2e_config
):
    make_ready(sandbox)
    bank, liability = seed_trust_accounts(sandbox)
    seed_firm(sandbox, bills=BILLS)
    connection = connect(e2e_client)
    e2e_client.update_settings(
        connection.id, trust_enabled=True, trust_bank_account_id=bank["Id"], trust_liability_account_id=liability["Id"]
    )
    sync_after_changes(e2e_client, connection.id)
    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}
    agreed = subprocess.run(
        [sys.executable, "-m", "billsync", "trust-reconcile"], env=env, capture_output=True, text=True
    )
    assert agreed.returncode == 0 and "the two ledgers agree for every client" in agreed.stdout, agreed.stderr

    [entry, *_] = qbo_objects(sandbox, "JournalEntry")
    lines = [{**line, "Amount": str(Decimal(str(line["Amount"])) - 10)} for line in entry["Line"]]
    realm = sandbox.qbo_config.realm_id
    httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/JournalEntry/{entry['Id']}/edit", json={"Line": lines})
    parted = subprocess.run(
        [sys.executable, "-m", "billsync", "trust-reconcile", "--differences"], env=env, capture_output=True, text=True
    )
    assert parted.returncode == 1 and "1 client(s) differ" in parted.stdout, parted.stdout
    [row] = [line for line in parted.stdout.splitlines()[1:] if line.split()[-1] in ("10.00", "-10.00")]
    report = e2e_client.trust_reconciliation(connection.id)
    assert report.differing == 1 and abs(Decimal(report.clients[0].difference)) == Decimal("10.00")
    assert row.startswith(report.clients[0].name[:40])


def book_by_hand(box, bank_id: str, liability_id: str, amount: str) -> None:
    """A journal entry a bookkeeper makes in QuickBooks on the two trust accounts, for no
    client: money into trust (or out, for a negative ``amount``)."""
    into = not amount.startswith("-")
    lines = [
        {
            "Amount": amount.lstrip("-"),
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account}},
        }
        for posting, account in (
            ("Debit", bank_id if into else liability_id),
            ("Credit", liability_id if into else bank_id),
        )
    ]
    httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"objects": {"JournalEntry": [{"Line": lines}]}}).raise_for_status()


def test_the_first_journal_entry_waits_until_the_two_trust_ledgers_agree_naming_both(sandbox, e2e_client):
    make_ready(sandbox)
    bank, liability = seed_trust_accounts(sandbox)
    seed_firm(sandbox, bills=BILLS)
    book_by_hand(sandbox, bank["Id"], liability["Id"], "100.00")
    connection = connect(e2e_client)
    e2e_client.update_settings(
        connection.id, trust_enabled=True, trust_bank_account_id=bank["Id"], trust_liability_account_id=liability["Id"]
    )
    sync_after_changes(e2e_client, connection.id)

    assert len(qbo_objects(sandbox, "JournalEntry")) == 1, "only the bookkeeper's"
    held = list(Link.select().where(Link.kind == Kind.TRUST))
    assert held and {link.state for link in held} == {LinkState.WAITING}
    assert {link.reason for link in held} == {
        "Held until the trust ledgers agree: Clio's trust balance before its first transaction is 0.00, the "
        "QuickBooks trust liability is 100.00. Book the difference in QuickBooks (or choose another start date), "
        "then sync"
    }

    book_by_hand(sandbox, bank["Id"], liability["Id"], "-100.00")
    sync_after_changes(e2e_client, connection.id)
    assert {link.state for link in Link.select().where(Link.kind == Kind.TRUST)} == {LinkState.SYNCED}
    assert qbo_liability_balances(sandbox, liability["Id"]) == clio_trust_balances(sandbox)


def test_settings_saved_after_a_run_claimed_the_connection_but_before_it_began_are_that_runs(
    sandbox, e2e_client, monkeypatch
):
    """The scheduler claims a connection, then begins its run. An admin who saves settings
    in between has saved them before the run began, so the run uses them: here trust turned
    on, whose first entry the run holds. (Seen under load: the run read trust off, and
    nothing of trust was planned.)"""
    make_ready(sandbox)
    bank, liability = seed_trust_accounts(sandbox)
    seed_firm(sandbox, bills=BILLS)
    book_by_hand(sandbox, bank["Id"], liability["Id"], "100.00")
    connection = connect(e2e_client)
    settle(e2e_client, connection.id)
    claim, saved = leases.claim, []

    def claim_then_save(connection_id: int, *args, **kwargs):
        claimed = claim(connection_id, *args, **kwargs)
        if claimed is not None and not saved:
            now = Connection.get_by_id(connection_id).settings
            trust = {"trust_enabled": True, "trust_bank_account_id": bank["Id"]}
            trust["trust_liability_account_id"] = liability["Id"]
            saved.append(Connection.update(settings={**now, **trust}).where(Connection.id == connection_id).execute())
        return claimed

    monkeypatch.setattr(leases, "claim", claim_then_save)
    run = sync(e2e_client, connection.id)
    assert saved == [1] and run.trigger == "sync"
    held = list(Link.select().where(Link.kind == Kind.TRUST))
    assert held and {link.state for link in held} == {LinkState.WAITING}
