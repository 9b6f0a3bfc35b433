"""The sync engine end to end: a demo firm in the Clio emulator, through gRPC, into the QBO emulator."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import httpx
import pytest

from billsync.daemon.store.models import Link, Run
from billsync.daemon.sync import engine
from billsync.daemon.sync.mapping import marker
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import api_requests, connect, qbo_objects, seed_firm, set_preferences, sync
from tests.harness import caught, hold_batches, settle, sync_after_changes, wait_until


def link_counts(client, connection_id) -> Counter:
    status = client.status(connection_id)
    return Counter(
        {(pb.Kind.Name(c.kind)[5:].lower(), pb.LinkState.Name(c.state)[11:].lower()): c.count for c in status.counts}
    )


def by_marker(objects: list[dict], field: str = "PrivateNote") -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for o in objects:
        found.setdefault(o.get(field, ""), []).append(o)
    return found


def assert_no_duplicates_and_amounts_match(box, firm_bills, allocations) -> None:
    """Every synced link has exactly one QBO counterpart carrying its marker, with equal amounts."""
    invoices = by_marker(qbo_objects(box, "Invoice"))
    payments = by_marker(qbo_objects(box, "Payment"))
    customers = by_marker(qbo_objects(box, "Customer"), "Notes")
    credit_memos = by_marker(qbo_objects(box, "CreditMemo"))
    assert all(len(v) == 1 for k, v in invoices.items() if k), "duplicate invoices"
    assert all(len(v) == 1 for k, v in payments.items() if k), "duplicate payments"
    assert all(len(v) == 1 for k, v in customers.items() if k), "duplicate customers"
    assert all(len(v) == 1 for k, v in credit_memos.items() if k), "duplicate credit notes"
    bills = {str(b["id"]): b for b in firm_bills}
    for link in Link.select().where(Link.kind == "invoice", Link.state == "synced"):
        [invoice] = invoices[marker("bill", link.clio_id, account=link.connection.clio_account_id)]
        bill = bills[link.clio_id]
        assert invoice["Id"] == link.qbo_id
        expected = Decimal("0.00") if bill["state"] == "void" else Decimal(str(bill["total"]))
        assert Decimal(str(invoice["TotalAmt"])) == expected, (bill["number"], invoice["TotalAmt"], bill["total"])
        assert invoice["DocNumber"] == bill["number"]
    amounts = {str(a["id"]): a for a in allocations}
    for link in Link.select().where(Link.kind == "payment", Link.state == "synced"):
        [payment] = payments[marker("allocation", link.clio_id, account=link.connection.clio_account_id)]
        allocation = amounts[link.clio_id]
        applied = sum(
            Decimal(str(line["Amount"])) for line in payment["Line"] if line["LinkedTxn"][0]["TxnType"] == "Invoice"
        )
        assert applied == (Decimal("0.00") if allocation.get("voided_at") else Decimal(str(allocation["amount"])))


def assert_every_issued_bill_once(client, connection_id, firm) -> None:
    """Every issued bill has its invoice, or a reason why not: a number over 21 characters,
    or one an earlier bill took; the others are skipped."""
    issued = [b for b in firm.bills if b["state"] in ("awaiting_payment", "paid")]
    long_numbers = {str(b["id"]) for b in issued if len(b["number"]) > 21}
    counts = link_counts(client, connection_id)
    assert counts["invoice", "synced"] + counts["invoice", "failed"] == len(issued)
    assert counts["invoice", "skipped"] == len(firm.bills) - len(issued)
    failed = {link.clio_id: link for link in Link.select().where(Link.kind == "invoice", Link.state == "failed")}
    assert long_numbers <= set(failed)
    assert all(link.reason for link in failed.values())
    assert set(failed) - long_numbers == {str(i) for i in sorted(firm.cases["duplicate_bill_number"])[1:]}


@pytest.fixture
def ready(sandbox):
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True, AutoApplyCredit=False)
    return sandbox


def test_a_firm_of_2000_bills_syncs_completely_once(ready, e2e_client):
    seed_firm(ready, bills=2000, seed=7)
    firm = generate_firm(2000, seed=7)
    connection = connect(e2e_client)
    run = sync(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error

    assert_every_issued_bill_once(e2e_client, connection.id, firm)
    drafts = Link.get(Link.kind == "invoice", Link.clio_id == str(firm.cases["draft"][0]))
    assert drafts.state == "skipped" and "Draft" in drafts.reason
    never_billed = {str(i) for i in firm.cases["contact_without_bills"]}
    assert not Link.select().where(Link.kind == "contact", Link.clio_id.in_(never_billed)).exists()
    counts = link_counts(e2e_client, connection.id)
    assert counts["contact", "synced"] > 100 and counts["payment", "synced"] > 1000
    assert_no_duplicates_and_amounts_match(ready, firm.bills, firm.allocations)

    # The next cycle reads back, through CDC, the thousands of objects the sync just wrote
    # (one scan per 1,000); from then on a cycle with nothing changed costs O(1) calls.
    for _ in range(2):
        before = api_requests(ready)
        idle = sync(e2e_client, connection.id)
        after = api_requests(ready)
        assert idle.state == pb.RUN_STATE_SUCCEEDED
        assert after["qbo_writes"] == before["qbo_writes"], "an idle cycle wrote to QuickBooks"
    assert after["qbo"] - before["qbo"] <= 3 and after["clio"] - before["clio"] <= 6


def test_a_firm_planned_a_few_records_at_a_time_syncs_completely_once(ready, e2e_client, monkeypatch):
    """A cycle keeps what it read on disk and plans and writes each kind a chunk at a time
    (``engine.CHUNK``, 1,000): here 47, so that a 600-bill firm's contacts, bills, line
    items and payments each cross chunks, and what one chunk wrote decides the next (a
    customer's name taken, a bill number an earlier bill took). Its progress counts every
    record to plan from the start, not a chunk at a time."""
    monkeypatch.setattr(engine, "CHUNK", 47)
    seed_firm(ready, bills=600, seed=11)
    firm = generate_firm(600, seed=11)
    assert len(firm.contacts) > 47 * 2 and len(firm.allocations) > 47 * 2
    hold_batches(ready, True, ["Invoice"])
    connection = connect(e2e_client)
    wait_until(lambda: caught(ready), "the first chunk's invoices held in QBO")
    first = Run.get(Run.connection == connection.id)
    assert first.progress["invoice"]["total"] == len(firm.bills), "the run's progress counts every bill from the start"
    hold_batches(ready, False)
    settle(e2e_client, connection.id)
    assert Run.get_by_id(first.id).state == "succeeded", Run.get_by_id(first.id).error
    assert_every_issued_bill_once(e2e_client, connection.id, firm)
    assert_no_duplicates_and_amounts_match(ready, firm.bills, firm.allocations)
    counts = link_counts(e2e_client, connection.id)
    billed = {b["client"]["id"] for b in firm.bills if b["state"] in ("awaiting_payment", "paid")}
    assert counts["contact", "synced"] >= len(billed) > 47 * 2


def test_invoices_hold_while_settings_are_off_and_contacts_and_credit_notes_go_on(sandbox, e2e_client):
    seed_firm(sandbox, bills=80)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    status = e2e_client.status(connection.id)
    assert status.action_required and len(status.fix_steps) == 7
    assert {c.key: (c.ok, c.fixable) for c in status.checks} == {
        "custom_txn_numbers": (False, True),
        "warn_duplicate_doc_number": (False, False),
        "auto_apply_credit": (False, True),  # on in a new company: recommended off, holds nothing
    }
    counts = link_counts(e2e_client, connection.id)
    assert counts["contact", "synced"] > 0 and counts["invoice", "synced"] == 0 and counts["invoice", "waiting"] > 0
    assert counts["credit_memo", "waiting"] == 0 and counts["credit_memo", "synced"] > 0
    assert qbo_objects(sandbox, "Invoice") == []

    before = api_requests(sandbox)
    for key in ("custom_txn_numbers", "auto_apply_credit"):
        assert e2e_client.fix_qbo_setting(connection.id, key).ok
    set_preferences(sandbox, WarnDuplicateBillNumber=True)
    sync_after_changes(e2e_client, connection.id)
    assert api_requests(sandbox)["clio"] - before["clio"] <= 20, (
        "the held bills' lines are read in bulk, not a request per bill"
    )
    status = e2e_client.status(connection.id)
    assert not status.action_required
    counts = link_counts(e2e_client, connection.id)
    assert counts["invoice", "waiting"] == 0 and counts["credit_memo", "waiting"] == 0
    assert len(qbo_objects(sandbox, "Invoice")) == counts["invoice", "synced"] > 0
    assert len(qbo_objects(sandbox, "CreditMemo")) == counts["credit_memo", "synced"] > 0


def test_edits_in_clio_reach_qbo_on_the_next_cycle(ready, e2e_client):
    seed_firm(ready, bills=30, seed=3)
    firm = generate_firm(30, seed=3)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)  # a run that read half of the edits below would end the next sync early
    clio = ready.clio_url + "/_sandbox"
    open_bills = [b for b in firm.bills if b["state"] == "awaiting_payment" and len(b["number"]) <= 21]
    edited, voided, deleted = open_bills[0], open_bills[1], open_bills[2]
    httpx.patch(f"{clio}/bills/{edited['id']}", json={"due_at": "2030-01-31"}).raise_for_status()
    httpx.post(f"{clio}/bills/{voided['id']}/void").raise_for_status()
    httpx.delete(f"{clio}/bills/{deleted['id']}").raise_for_status()
    paid = Link.get(Link.kind == "payment", Link.state == "synced")
    httpx.post(f"{clio}/allocations/{paid.clio_id}/void").raise_for_status()
    contact = Link.get(Link.kind == "contact", Link.state == "synced")
    httpx.patch(f"{clio}/contacts/{contact.clio_id}", json={"name": "Renamed & Partners"}).raise_for_status()

    run = sync(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    invoices = {i["Id"]: i for i in qbo_objects(ready, "Invoice")}
    link = lambda kind, clio_id: Link.get(Link.kind == kind, Link.clio_id == str(clio_id))  # noqa: E731
    assert invoices[link("invoice", edited["id"]).qbo_id]["DueDate"] == "2030-01-31"
    assert Decimal(str(invoices[link("invoice", voided["id"]).qbo_id]["TotalAmt"])) == 0
    assert link("invoice", deleted["id"]).qbo_id not in invoices
    assert link("invoice", deleted["id"]).reason.startswith("Deleted in Clio")
    payments = {p["Id"]: p for p in qbo_objects(ready, "Payment")}
    assert Decimal(str(payments[paid.qbo_id]["TotalAmt"])) == 0
    customers = {c["Id"]: c for c in qbo_objects(ready, "Customer")}
    assert customers[contact.qbo_id]["DisplayName"] == "Renamed & Partners"

    before = api_requests(ready)
    sync(e2e_client, connection.id)
    assert api_requests(ready)["qbo_writes"] == before["qbo_writes"]
