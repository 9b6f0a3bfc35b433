"""The matches a bookkeeper decides, honoured by a cycle's plan: pure rules, no server."""

from __future__ import annotations

from decimal import Decimal

from billsync.daemon.store.models import Choice, Kind, Pin
from billsync.daemon.sync import pins
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


def test_a_contact_is_linked_to_the_customer_chosen_whatever_its_name():
    op = pins.contact(contact_create(), pin(Choice.MATCH), CUSTOMER, linked=set(), books=USD)
    assert (op.action, op.qbo_id, op.sync_token, op.code) == (Action.ADOPT, "58", "2", Cause.ADOPT_DECIDED)
    assert op.reason == "Linked to customer Smith, John as alice decided"
    assert "CurrencyRef" not in op.body, "a customer's currency is never sent again"


def test_a_contact_decision_that_cannot_be_honoured_fails_saying_why():
    gone = pins.contact(contact_create(), pin(Choice.MATCH), None, linked=set(), books=USD)
    taken = pins.contact(contact_create(), pin(Choice.MATCH), CUSTOMER, linked={"58"}, books=USD)
    euro = pins.contact(contact_create("EUR"), pin(Choice.MATCH), CUSTOMER, linked=set(), books=USD)
    assert [op.code for op in (gone, taken, euro)] == [Cause.FAIL_DECISION] * 3
    assert gone.reason == "The QuickBooks customer chosen (Id 58) is not there any more; decide again"
    assert "is linked to another record" in taken.reason
    assert euro.reason == "The customer chosen is in USD, the contact is billed in EUR; decide again"


def test_only_a_contact_still_to_create_or_adopt_is_matched():
    failed = Op(Kind.CONTACT, "7", "c", action=Action.FAIL, reason="no name", code=Cause.FAIL_NAME)
    assert pins.contact(failed, pin(Choice.MATCH), CUSTOMER, linked=set(), books=USD) == failed
    create = contact_create()
    assert pins.contact(create, pin(Choice.CREATE), CUSTOMER, linked=set(), books=USD) == create, "the planner's"


def invoice_create(total: str) -> Op:
    body = {"DocNumber": "1042", "CustomerRef": {"value": "58"}}
    expect = Totals(Decimal(total), Decimal("0.00"))
    return Op(Kind.INVOICE, "9", "Invoice 1042", action=Action.CREATE, body=body, expect=expect)


def test_a_bill_is_linked_to_an_invoice_of_its_number_only_when_the_two_total_the_same():
    theirs = {"Id": "146", "DocNumber": "1042", "TotalAmt": 250, "SyncToken": "0"}
    decided = Pin(kind=Kind.INVOICE, clio_id="9", choice=Choice.MATCH, qbo_id="146", actor="bob")
    linked = pins.invoice(invoice_create("250.00"), decided, theirs, linked=set())
    assert (linked.action, linked.qbo_id, linked.code) == (Action.ADOPT, "146", Cause.ADOPT_DECIDED)
    other = pins.invoice(invoice_create("260.00"), decided, theirs, linked=set())
    assert (other.action, other.code) == (Action.FAIL, Cause.FAIL_DECISION)
    assert other.reason == "Invoice 1042 chosen totals 250.00, Clio's bill 260.00; decide again"


def test_a_bill_to_skip_is_skipped_whatever_was_planned():
    skip = Pin(kind=Kind.INVOICE, clio_id="9", choice=Choice.SKIP, actor="carol")
    for op in (invoice_create("1.00"), Op(Kind.INVOICE, "9", "Invoice 1042", action=Action.WAIT)):
        skipped = pins.invoice(op, skip, None, linked=set())
        assert (skipped.action, skipped.code, skipped.reason) == (
            Action.SKIP,
            Cause.SKIP_DECIDED,
            "Not synced, as carol decided",
        )
