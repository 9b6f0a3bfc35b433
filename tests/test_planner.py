"""What to write for each record, given its link: no server needed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from billsync.daemon.sync import mapping, planner

ITEMS = {"Service": "1", "Expense": "2"}


@dataclass
class FakeLink:
    state: str
    qbo_id: str | None = "50"
    sync_token: str | None = "3"
    fingerprint: str | None = None
    qbo_ref: str | None = None
    reason: str = ""


BILL = {
    "id": 9,
    "number": "A-1",
    "state": "awaiting_payment",
    "issued_at": "2024-03-01",
    "total": "100.00",
    "sub_total": "100.00",
    "tax_sum": "0",
    "client": {"id": 4, "name": "Ana"},
}
LINES = [{"id": 1, "kind": "Service", "price": "100.00", "quantity": "1", "total": "100.00"}]


def plan(bill=BILL, link=None, customer="77", held="", force=False):
    return planner.plan_bill(bill, LINES, link, customer, ITEMS, "", held, force)


def test_new_bill_is_created_then_unchanged_then_updated():
    created = plan()
    assert created.action == "create"
    assert plan(link=FakeLink("synced", fingerprint=created.fingerprint)).action == "none"
    changed = plan(bill={**BILL, "due_at": "2024-05-01"}, link=FakeLink("synced", fingerprint=created.fingerprint))
    assert (
        changed.action == "update"
        and changed.body["Id"] == "50"
        and changed.body["SyncToken"] == "3"
        and changed.body["sparse"]
    )


@pytest.mark.parametrize(
    "state, link_state, action",
    [
        ("void", "synced", "void"),
        ("void", None, "skip"),
        ("deleted", "synced", "delete"),
        ("deleted", None, "skip"),
        ("draft", None, "skip"),
    ],
)
def test_void_and_delete_follow_clio(state, link_state, action):
    link = FakeLink(link_state) if link_state else None
    assert plan(bill={**BILL, "state": state}, link=link).action == action


def test_invoices_wait_for_their_customer_and_for_the_settings():
    waiting = plan(customer=None)
    assert waiting.action == "wait" and waiting.depends_on == "contact:4"
    held = plan(held="Held until…")
    assert held.action == "wait" and held.depends_on == planner.SETTINGS_DEPENDENCY


def test_broken_links_wait_for_a_resync_then_are_created_again():
    assert plan(link=FakeLink("broken")).action == "none"
    assert plan(link=FakeLink("broken"), force=True).action == "create"


def test_a_broken_customer_is_made_active_again_not_duplicated():
    contact = {"id": 4, "name": "Ana", "type": "Person"}
    op = planner.plan_contact(contact, FakeLink("broken", qbo_ref="Ana"), {}, set(), force=True)
    assert op.action == "update" and op.body["Active"] is True and op.body["Id"] == "50"


def test_same_name_contacts_are_disambiguated_the_same_way_every_time():
    contacts = [
        {"id": 7, "name": "John Smith", "primary_email_address": "b@x"},
        {"id": 3, "name": "John Smith", "primary_email_address": "a@x"},
    ]
    ops = planner.plan_contacts(contacts, {}, {}, set(), set())
    assert [(op.clio_id, op.body["DisplayName"]) for op in ops] == [("3", "John Smith"), ("7", "John Smith (Clio 7)")]


def test_an_existing_customer_with_the_same_name_and_email_is_adopted_once():
    existing = {"Id": "12", "DisplayName": "Ana", "PrimaryEmailAddr": {"Address": "ana@x"}, "SyncToken": "0"}
    contact = {"id": 4, "name": "Ana", "primary_email_address": "ANA@x"}
    assert planner.plan_contact(contact, None, {"ana": existing}, set()).action == "adopt"
    second = planner.plan_contact(contact, None, {"ana": existing}, {"12"})
    assert second.action == "create" and second.body["DisplayName"] == "Ana (Clio 4)"


def test_payments_wait_for_their_invoice_and_remember_it():
    allocation = {
        "id": 30,
        "amount": "40.00",
        "bill": {"id": 9},
        "contact": {"id": 4},
        "parent": {"id": 2, "type": "Payment"},
    }
    waiting = planner.plan_allocation(allocation, None, "77", None, None)
    assert waiting.action == "wait" and waiting.depends_on == "invoice:9"
    assert planner.plan_allocation(allocation, None, "77", FakeLink("broken", qbo_id="500"), None).action == "wait"
    created = planner.plan_allocation(allocation, None, "77", FakeLink("synced", qbo_id="500"), None)
    assert created.action == "create" and created.depends_on == "invoice:9"
    relinked = planner.plan_allocation(
        allocation, FakeLink("waiting", fingerprint=created.fingerprint), "77", FakeLink("synced", qbo_id="501"), None
    )
    assert relinked.action == "update" and relinked.body["Line"][0]["LinkedTxn"][0]["TxnId"] == "501"
    voided = {**allocation, "voided_at": "2024-01-01"}
    assert planner.plan_allocation(voided, FakeLink("synced"), "77", FakeLink("synced"), None).action == "void"
    assert planner.plan_allocation(voided, FakeLink("waiting"), "77", FakeLink("broken"), None).action == "void", (
        "a payment with a QBO object is voided whatever waits"
    )


def test_payments_on_bills_that_never_sync_are_skipped_not_left_waiting():
    allocation = {
        "id": 31,
        "amount": "40.00",
        "bill": {"id": 8},
        "contact": {"id": 4},
        "parent": {"id": 2, "type": "Payment"},
    }
    op = planner.plan_allocation(
        allocation, None, "77", FakeLink("skipped", qbo_id=None, reason="Draft bills are not synced"), None
    )
    assert op.action == "skip" and op.reason == "Its bill is not synced: Draft bills are not synced"


@pytest.mark.parametrize("state", ["failed", "waiting"])
def test_a_bill_voided_while_its_link_waits_or_failed_is_voided_in_qbo(state):
    assert plan(bill={**BILL, "state": "void"}, link=FakeLink(state)).action == "void"


def test_a_failed_customer_update_keeps_its_name():
    contact = {"id": 12, "name": "Acme LLP", "type": "Company"}
    ours = {"Id": "50", "DisplayName": "Acme LLP"}
    op = planner.plan_contact(contact, FakeLink("failed", qbo_ref="Acme LLP"), {"acme llp": ours}, {"50"})
    assert op.action == "update" and op.body["DisplayName"] == "Acme LLP"


def test_markers_name_the_clio_record():
    assert mapping.marker("allocation", 30) == "billsync: Clio allocation 30"
