"""The matches a bookkeeper decides, honoured by a cycle's plan: pure rules, no server."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from decimal import Decimal

import pytest

from billsync.daemon.errors import FailedPrecondition
from billsync.daemon.store import pins as stored_pins
from billsync.daemon.store.models import Choice, Connection, Kind, Link, LinkState, Pin, PlanMark, utcnow
from billsync.daemon.sync import mapping, pins
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.totals import Totals

USD = Books("USD", multicurrency=True)
CUSTOMER = {"Id": "58", "DisplayName": "Smith, John", "SyncToken": "2"}


def contact_create(currency: str = "USD") -> Op:
    body = {"DisplayName": "John Smith", "Notes": "clio:contact:7", "CurrencyRef": {"value": currency}}
    return Op(Kind.CONTACT, "7", "Customer John Smith", action=Action.CREATE, body=body, currency=currency)


def pin(choice: Choice, qbo_id: str = "58") -> Pin:
    return Pin(kind=Kind.CONTACT, clio_id="7", choice=choice, qbo_id=qbo_id, actor="alice via token 3 (panel)")


def contact(op: Op, decided: Pin, chosen: dict | None, *, linked: frozenset = frozenset(), books: Books = USD) -> Op:
    [honoured] = pins.contacts(
        [op], {op.clio_id: decided}, {decided.qbo_id: chosen} if chosen else {}, linked=set(linked), books=books
    )
    return honoured


def test_a_contact_is_linked_to_the_customer_chosen_under_that_customers_own_name():
    op = contact(contact_create(), pin(Choice.MATCH), CUSTOMER)
    assert (op.action, op.qbo_id, op.sync_token, op.code) == (Action.ADOPT, "58", "2", Cause.ADOPT_DECIDED)
    assert op.reason == "Linked to customer Smith, John as alice decided"
    assert "CurrencyRef" not in op.body, "a customer's currency is never sent again"
    assert (op.body["DisplayName"], op.natural_ref) == ("Smith, John", "Smith, John"), "not renamed by the link"
    renamed = replace(contact_create(), body={**contact_create().body, "DisplayName": "John Smith (Clio 7)"})
    assert contact(renamed, pin(Choice.MATCH), {**CUSTOMER, "DisplayName": "John Smith"}).natural_ref == "John Smith"


def test_two_decisions_never_link_one_customer_twice():
    first, second = contact_create(), replace(contact_create(), clio_id="8")
    decided = {
        "7": pin(Choice.MATCH),
        "8": Pin(kind=Kind.CONTACT, clio_id="8", choice=Choice.MATCH, qbo_id="58", actor="bob"),
    }
    ops = pins.contacts([first, second], decided, {"58": CUSTOMER}, linked=set(), books=USD)
    assert [op.code for op in ops] == [Cause.ADOPT_DECIDED, Cause.FAIL_DECISION]
    assert "is linked to another record" in ops[1].reason


def test_a_contact_decision_that_cannot_be_honoured_fails_saying_why():
    gone = contact(contact_create(), pin(Choice.MATCH), None)
    taken = contact(contact_create(), pin(Choice.MATCH), CUSTOMER, linked=frozenset({"58"}))
    euro = contact(contact_create("EUR"), pin(Choice.MATCH), CUSTOMER)
    assert [op.code for op in (gone, taken, euro)] == [Cause.FAIL_DECISION] * 3
    assert gone.reason == "The QuickBooks customer chosen (Id 58) is not there any more; decide again"
    assert "is linked to another record" in taken.reason
    assert euro.reason == "The customer chosen is in USD, the contact is billed in EUR; decide again"


def test_only_a_contact_still_to_create_or_adopt_is_matched():
    failed = Op(Kind.CONTACT, "7", "c", action=Action.FAIL, reason="no name", code=Cause.FAIL_NAME)
    assert contact(failed, pin(Choice.MATCH), CUSTOMER) == failed
    create = contact_create()
    assert contact(create, pin(Choice.CREATE), CUSTOMER) == create, "the planner's"


def invoice_create(total: str) -> Op:
    body = {"DocNumber": "1042", "CustomerRef": {"value": "58"}}
    expect = Totals(Decimal(total), Decimal("0.00"), currency="USD")
    return Op(Kind.INVOICE, "9", "Invoice 1042", action=Action.CREATE, body=body, expect=expect)


def invoice(op: Op, decided: Pin, chosen: dict | None) -> Op:
    [honoured] = pins.invoices([op], {op.clio_id: decided}, {decided.qbo_id: chosen} if chosen else {}, linked=set())
    return honoured


def test_a_bill_is_written_over_an_invoice_of_its_number_only_when_the_two_total_the_same():
    theirs = {"Id": "146", "DocNumber": "1042", "TotalAmt": 250, "SyncToken": "3", "CustomerRef": {"value": "12"}}
    decided = Pin(kind=Kind.INVOICE, clio_id="9", choice=Choice.MATCH, qbo_id="146", actor="bob")
    linked = invoice(invoice_create("250.00"), decided, theirs)
    assert (linked.action, linked.qbo_id, linked.sync_token, linked.code) == (
        Action.UPDATE,
        "146",
        "3",
        Cause.ADOPT_DECIDED,
    )
    assert linked.body["CustomerRef"] == {"value": "58"} and linked.body["sparse"], "the bill's customer, lines, marker"
    other = invoice(invoice_create("260.00"), decided, theirs)
    assert (other.action, other.code) == (Action.FAIL, Cause.FAIL_DECISION)
    assert other.reason == "Invoice 1042 chosen totals 250.00, Clio's bill 260.00; decide again"
    renumbered = invoice(invoice_create("250.00"), decided, {**theirs, "DocNumber": "1043"})
    assert renumbered.reason == "Invoice 1043 chosen has another number than the bill's, 1042; decide again"
    euro = invoice(invoice_create("250.00"), decided, {**theirs, "CurrencyRef": {"value": "EUR"}})
    assert euro.code is Cause.FAIL_DECISION and "is in EUR" in euro.reason


def test_a_bill_to_skip_is_skipped_whatever_was_planned():
    skip = Pin(kind=Kind.INVOICE, clio_id="9", choice=Choice.SKIP, actor="carol")
    for op in (invoice_create("1.00"), Op(Kind.INVOICE, "9", "Invoice 1042", action=Action.WAIT)):
        skipped = invoice(op, skip, None)
        assert (skipped.action, skipped.code, skipped.reason) == (
            Action.SKIP,
            Cause.SKIP_DECIDED,
            "Not synced, as carol decided",
        )


def test_what_billsync_made_is_never_chosen():
    ours = {**CUSTOMER, "Notes": "billsync: Clio account 9 contact 3"}
    refused = contact(contact_create(), pin(Choice.MATCH), ours)
    assert (refused.code, refused.reason) == (
        Cause.FAIL_DECISION,
        "The QuickBooks customer chosen (Id 58) was made by billsync for another record; decide again",
    )
    invoice_of_another_account = {"Id": "146", "DocNumber": "1042", "TotalAmt": 250, "PrivateNote": "billsync: x"}
    assert pins.made_by_billsync({"PrivateNote": mapping.marker("bill", 4, account="77")}, Kind.INVOICE)
    assert not pins.made_by_billsync(invoice_of_another_account, Kind.INVOICE), "words alone are no marker"


def test_a_decision_is_refused_mid_sync_and_done_with_once_its_record_is_written(db):
    connection = Connection.create(name="Firm", lease_owner="daemon-a", lease_until=utcnow() + dt.timedelta(minutes=1))
    decide = functools.partial(stored_pins.decide, connection, Kind.CONTACT, qbo_id="58", actor="alice", said="x")
    with pytest.raises(FailedPrecondition, match="a sync of Firm is under way"):
        decide("7", Choice.MATCH)
    Connection.update(lease_owner=None).where(Connection.id == connection.id).execute()
    decide("7", Choice.MATCH)
    with pytest.raises(FailedPrecondition, match="already chosen for Clio record 7"):
        decide("8", Choice.MATCH)
    assert stored_pins.chosen(connection, Kind.CONTACT) == {"58"}
    link = Link.create(connection=connection, kind=Kind.CONTACT, clio_id="7", state=LinkState.SYNCED, qbo_id="99")
    assert stored_pins.chosen(connection, Kind.CONTACT) == set(), "written otherwise: the decision is done with"
    decide("8", Choice.MATCH)  # so customer 58 is free for another
    with pytest.raises(FailedPrecondition, match="already in QuickBooks"):
        decide("7", Choice.CREATE)
    stored_pins.decide(connection, Kind.CONTACT, "7", None, qbo_id="", actor="alice", said="withdrawn")
    assert set(stored_pins.load(connection, Kind.CONTACT, ["7", "8"])) == {"8"}
    assert not PlanMark.select().where(PlanMark.clio_id == link.clio_id).exists(), "a written record is not re-planned"
