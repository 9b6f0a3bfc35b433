"""The QuickBooks lists the settings choose from, and the deposit account of new payments.

QBO deposits a payment sent without an account to Undeposited Funds (Intuit's Payment
reference), and refuses an account of another type than Bank or Other Current Asset, as the
QBO emulator does (sandbox/README). Payments already in QuickBooks stay where they are: a
bookkeeper may have deposited them from Undeposited Funds since.
"""

from __future__ import annotations

import grpc
import httpx
import pytest

from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store.models import Kind, Link, LinkState
from billsync.daemon.sync.mapping import marker
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.harness import connect, make_ready, qbo_objects, seed_firm, settle, sync, sync_after_changes

BILLS = 300
NEW_PAYMENTS = 40


def refused(call, code: grpc.StatusCode) -> str:
    with pytest.raises(DaemonError) as caught:
        call()
    assert caught.value.code == code, caught.value
    return str(caught.value)


def account(box, name: str) -> dict:
    [found] = [a for a in qbo_objects(box, "Account") if a["Name"] == name]
    return found


def deposited_to(box) -> dict[str, str]:
    """The deposit account's name of every payment that moves money, by payment Id."""
    return {p["Id"]: p["DepositToAccountRef"]["name"] for p in qbo_objects(box, "Payment") if float(p["TotalAmt"])}


def pay_new_bills(box, client_id: int, count: int) -> None:
    """Bills issued in Clio to ``client_id`` and paid in full, as a firm does after a change."""
    for n in range(count):
        bill = httpx.post(
            f"{box.clio_url}/_sandbox/bills",
            json={
                "client_id": client_id,
                "state": "awaiting_payment",
                "number": f"DEP-{n}",
                "lines": [{"kind": "Service", "description": "Advice", "price": "120.00", "quantity": "1"}],
            },
        )
        bill.raise_for_status()
        httpx.post(f"{box.clio_url}/_sandbox/payments", json={"bill_id": bill.json()["data"]["id"]}).raise_for_status()


def test_lists_are_the_companys_active_items_and_accounts(sandbox, e2e_client):
    make_ready(sandbox)
    seed_firm(sandbox, bills=20)
    connection = connect(e2e_client)
    settle(e2e_client, connection.id)

    choices = e2e_client.list_qbo_choices(connection.id)

    accounts = {a["Id"]: a for a in qbo_objects(sandbox, "Account") if a.get("Active", True)}
    assert {a.id: (a.name, a.account_type) for a in choices.accounts} == {
        i: (a["FullyQualifiedName"], a["AccountType"]) for i, a in accounts.items()
    }
    deposits = {a.name for a in choices.accounts if a.takes_deposits}
    assert {"Checking", "Undeposited Funds"} <= deposits
    assert {accounts[a.id]["AccountType"] for a in choices.accounts if a.takes_deposits} == {
        "Bank",
        "Other Current Asset",
    }
    items = {i["Id"]: i["Name"] for i in qbo_objects(sandbox, "Item") if i.get("Active", True)}
    assert {i.id: i.name for i in choices.items} == items
    assert {"Services", "Expenses"} <= {i.name for i in choices.items}, "the items the first sync made are listed"


def test_a_deposit_account_of_the_wrong_kind_or_missing_is_refused_and_nothing_changes(sandbox, e2e_client):
    make_ready(sandbox)
    connection = connect(e2e_client)
    income = account(sandbox, "Services")  # an Income account

    why = refused(
        lambda: e2e_client.update_settings(connection.id, deposit_account_id=income["Id"]),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "Bank or Other Current Asset" in why and "'Services' is Income" in why
    assert "no account 99999" in refused(
        lambda: e2e_client.update_settings(connection.id, deposit_account_id="99999"), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "digits only" in refused(
        lambda: e2e_client.update_settings(connection.id, deposit_account_id="Checking"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    unauthorized = e2e_client.create_connection("Not yet authorized")
    assert "authorize" in refused(
        lambda: e2e_client.update_settings(unauthorized.id, deposit_account_id=account(sandbox, "Checking")["Id"]),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    settings = e2e_client.get_settings(connection.id)
    assert (settings.deposit_account_id, settings.deposit_account_name) == ("", "")


def test_payments_written_after_the_change_go_to_the_chosen_account_and_earlier_ones_stay(sandbox, e2e_client):
    make_ready(sandbox)
    seed_firm(sandbox, bills=BILLS, seed=3)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    before = {p["Id"]: p["SyncToken"] for p in qbo_objects(sandbox, "Payment")}
    assert len(deposited_to(sandbox)) > 100, "payments past the first page"
    assert set(deposited_to(sandbox).values()) == {"Undeposited Funds"}

    checking = account(sandbox, "Checking")
    settings = e2e_client.update_settings(connection.id, deposit_account_id=checking["Id"])
    assert (settings.deposit_account_id, settings.deposit_account_name) == (checking["Id"], "Checking")
    client = Link.select().where(Link.kind == Kind.CONTACT, Link.state == LinkState.SYNCED).first()
    pay_new_bills(sandbox, int(client.clio_id), NEW_PAYMENTS)
    run = sync_after_changes(e2e_client, connection.id)

    assert run.state == pb.RUN_STATE_SUCCEEDED, run
    payments = {p["Id"]: p for p in qbo_objects(sandbox, "Payment")}
    new = {i: p["DepositToAccountRef"]["name"] for i, p in payments.items() if i not in before}
    assert list(new.values()) == ["Checking"] * NEW_PAYMENTS
    assert {payments[i]["SyncToken"] for i in before} == set(before.values()) and all(
        payments[i]["SyncToken"] == token for i, token in before.items()
    ), "no payment already in QuickBooks was sent again"
    assert {payments[i]["DepositToAccountRef"]["name"] for i in before if float(payments[i]["TotalAmt"])} == {
        "Undeposited Funds"
    }
    [event] = [e for e in e2e_client.list_events(connection.id).events if e.type == "settings.changed"]
    assert "Deposit new payments to: Undeposited Funds → Checking" in event.message


def test_a_card_payment_names_the_companys_card_payment_method(sandbox, e2e_client):
    """Clio marks a payment taken by card through Clio Payments (an allocation's ``payment_type``);
    its QBO payment names the company's card method, the others none."""
    make_ready(sandbox)
    seed_firm(sandbox, bills=BILLS, seed=3)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)

    [card] = [m for m in qbo_objects(sandbox, "PaymentMethod") if m["Name"] == "Credit Card"]
    account = Link.get().connection.clio_account_id
    by_note = {p["PrivateNote"]: p for p in qbo_objects(sandbox, "Payment")}
    cards = others = 0
    for allocation in generate_firm(BILLS, seed=3).allocations:
        payment = by_note.get(marker("allocation", allocation["id"], account=account))
        if payment is None or not float(payment["TotalAmt"]):
            continue  # not synced (its bill is not), or a credit applied
        if allocation["payment_type"] == "credit_card":
            assert payment["PaymentMethodRef"] == {"value": card["Id"], "name": "Credit Card"}
            cards += 1
        else:
            assert "PaymentMethodRef" not in payment
            others += 1
    assert cards >= 3 and others > 100, (cards, others)
