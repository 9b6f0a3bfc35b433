"""What to write for each record, given its link: no server needed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Kind
from billsync.daemon.sync import decisions, journal, mapping, planner, totals, writer
from billsync.daemon.sync.causes import Cause, Why
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.decisions import Action
from billsync.daemon.sync.taxes import TaxTreatment

ITEMS = {"Service": "1", "Expense": "2"}
#: The Clio account every marker here names.
ACCOUNT = "5"


@dataclass
class FakeLink:
    state: str
    qbo_id: str | None = "50"
    sync_token: str | None = "3"
    fingerprint: str | None = None
    qbo_ref: str | None = None
    reason: str = ""
    error_code: str = ""
    currency: str | None = None


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


def plan(bill=BILL, link=None, customer="77", held=None, force=False, books=None, customer_currency="", start_date=""):
    return planner.plan_bill(
        bill,
        link,
        lines=LINES,
        customer_id=customer,
        item_ids=ITEMS,
        start_date=start_date,
        held=held,
        account=ACCOUNT,
        tax=TaxTreatment.TOTAL_TAX,
        books=books,
        customer_currency=customer_currency,
        force=force,
    )


def allocate(allocation, link, *, invoice):
    return planner.plan_allocation(
        allocation, link, customer_id="77", invoice=invoice, credit_memo_id=None, account=ACCOUNT
    )


def test_new_bill_is_created_then_unchanged_then_updated():
    created = plan()
    assert created.action is Action.CREATE
    assert plan(link=FakeLink("synced", fingerprint=created.fingerprint)).action is Action.NONE
    changed = plan(bill={**BILL, "due_at": "2024-05-01"}, link=FakeLink("synced", fingerprint=created.fingerprint))
    assert (
        changed.action is Action.UPDATE
        and changed.body["Id"] == "50"
        and changed.body["SyncToken"] == "3"
        and changed.body["sparse"]
    )


def test_an_invoice_quickbooks_totalled_otherwise_is_written_again_only_once_it_changes():
    """Sending the same body again would meet the same figures: a mismatch waits for a change
    in Clio or a re-sync, and any other failure is retried as before."""
    created = plan()
    assert created.expect == totals.Totals(Decimal("100.00"), Decimal("0.00"), "Clio's bill")
    mismatched = FakeLink("failed", fingerprint=created.fingerprint, error_code=totals.MISMATCH)
    assert plan(link=mismatched).action is Action.NONE
    assert plan(link=mismatched, force=True).action is Action.UPDATE
    assert plan(bill={**BILL, "due_at": "2024-05-01"}, link=mismatched).action is Action.UPDATE
    refused = FakeLink("failed", fingerprint=created.fingerprint, error_code="6000")
    assert plan(link=refused).action is Action.UPDATE


@pytest.mark.parametrize(
    "state, link_state, action, code",
    [
        ("void", "synced", Action.VOID, None),
        ("void", None, Action.SKIP, Cause.SKIP_VOIDED),
        ("deleted", "synced", Action.DELETE, None),
        ("deleted", None, Action.SKIP, Cause.SKIP_DELETED),
        ("draft", None, Action.SKIP, Cause.SKIP_DRAFT),
    ],
)
def test_void_and_delete_follow_clio(state, link_state, action, code):
    link = FakeLink(link_state) if link_state else None
    op = plan(bill={**BILL, "state": state}, link=link)
    assert (op.action, op.code) == (action, code)


def test_invoices_wait_for_their_customer_and_for_the_settings():
    waiting = plan(customer=None)
    assert waiting.action is Action.WAIT and waiting.depends_on == DependencyKey(Kind.CONTACT, "4")
    assert waiting.code is Cause.WAIT_CUSTOMER
    held = plan(held=Why(Cause.WAIT_SETTINGS, "Held until…"))
    assert held.action is Action.WAIT and held.depends_on == decisions.SETTINGS_DEPENDENCY
    assert (held.code, held.reason) == (Cause.WAIT_SETTINGS, "Held until…")


def test_broken_links_wait_for_a_resync_then_are_created_again():
    assert plan(link=FakeLink("broken")).action is Action.NONE
    assert plan(link=FakeLink("broken"), force=True).action is Action.CREATE


def test_a_broken_customer_is_made_active_again_not_duplicated():
    contact = {"id": 4, "name": "Ana", "type": "Person"}
    link = FakeLink("broken", qbo_ref="Ana")
    op = planner.plan_contact(contact, link, taken={}, linked_ids=set(), account=ACCOUNT, force=True)
    assert op.action is Action.UPDATE and op.body["Active"] is True and op.body["Id"] == "50"


def test_a_contacts_details_are_written_and_what_did_not_fit_is_said_on_its_link():
    contact = {
        "id": 4,
        "name": "Ana",
        "type": "Person",
        "phone_numbers": [{"name": "Work", "number": "(512) 555-0100", "primary": True}],
        "addresses": [{"name": "Work", "city": "Austin", "postal_code": "9" * 31}],
    }
    op = planner.plan_contact(contact, None, taken={}, linked_ids=set(), account=ACCOUNT)
    assert op.action is Action.CREATE and op.body["PrimaryPhone"] == {"FreeFormNumber": "(512) 555-0100"}
    assert op.body["ShipAddr"] == {"City": "Austin"}
    outcome = writer.written(op, {"Id": "50", "SyncToken": "0"})
    assert outcome.state == "synced" and outcome.reason.startswith(
        "Left out of QuickBooks, too long for it: Shipping address postal code (31 characters, at most 30)"
    )
    # Synced with what was sent, an unchanged contact plans nothing; a new number, an update.
    link = FakeLink("synced", fingerprint=op.fingerprint, qbo_ref="Ana")
    assert planner.plan_contact(contact, link, taken={}, linked_ids=set(), account=ACCOUNT).action is Action.NONE
    contact["phone_numbers"][0]["number"] = "(512) 555-0199"
    update = planner.plan_contact(contact, link, taken={}, linked_ids=set(), account=ACCOUNT)
    assert update.action is Action.UPDATE and update.body["sparse"] is True
    assert update.body["PrimaryPhone"] == {"FreeFormNumber": "(512) 555-0199"} and "Mobile" not in update.body
    fitting = {**contact, "addresses": [{"name": "Work", "city": "Austin"}]}
    fixed = planner.plan_contact(fitting, link, taken={}, linked_ids=set(), account=ACCOUNT)
    assert writer.written(fixed, {"Id": "50", "SyncToken": "1"}).reason == ""


def test_same_name_contacts_are_disambiguated_the_same_way_every_time():
    contacts = [
        {"id": 7, "name": "John Smith", "primary_email_address": "b@x"},
        {"id": 3, "name": "John Smith", "primary_email_address": "a@x"},
    ]
    ops = planner.plan_contacts(contacts, {}, taken={}, linked_ids=set(), account=ACCOUNT, force=set())
    assert [(op.clio_id, op.body["DisplayName"]) for op in ops] == [("3", "John Smith"), ("7", "John Smith (Clio 7)")]


def test_an_existing_customer_with_the_same_name_and_email_is_adopted_once():
    existing = {"Id": "12", "DisplayName": "Ana", "PrimaryEmailAddr": {"Address": "ana@x"}, "SyncToken": "0"}
    contact = {"id": 4, "name": "Ana", "primary_email_address": "ANA@x"}
    first = planner.plan_contact(contact, None, taken={"ana": existing}, linked_ids=set(), account=ACCOUNT)
    assert first.action is Action.ADOPT
    second = planner.plan_contact(contact, None, taken={"ana": existing}, linked_ids={"12"}, account=ACCOUNT)
    assert second.action is Action.CREATE and second.body["DisplayName"] == "Ana (Clio 4)"


def test_an_inactive_customer_of_the_name_takes_it_but_is_never_adopted():
    """QuickBooks refuses a name an inactive customer has (6240); adopting it would book
    invoices to a customer made inactive on purpose."""
    inactive = {"Id": "12", "DisplayName": "Ana", "PrimaryEmailAddr": {"Address": "ana@x"}, "Active": False}
    contact = {"id": 4, "name": "Ana", "primary_email_address": "ana@x"}
    op = planner.plan_contact(contact, None, taken={"ana": inactive}, linked_ids=set(), account=ACCOUNT)
    assert (op.action, op.body["DisplayName"], op.code) == (Action.CREATE, "Ana (Clio 4)", Cause.CREATE_NAME_TAKEN)
    decided = planner.plan_contact(
        contact,
        None,
        taken={"ana": {**inactive, "Active": True}},
        linked_ids=set(),
        account=ACCOUNT,
        match_by_name=False,
    )
    assert (decided.action, decided.body["DisplayName"]) == (Action.CREATE, "Ana (Clio 4)"), "a decision to create anew"


def test_two_contacts_of_one_name_and_email_adopt_a_customer_each():
    """As after a takeover: both customers made by a create whose answer was lost."""
    email = {"PrimaryEmailAddr": {"Address": "maria@x"}, "SyncToken": "0"}
    taken = {
        "maria garcia": {
            "Id": "6",
            "DisplayName": "Maria Garcia",
            "Notes": mapping.marker("contact", 6, account=ACCOUNT),
            **email,
        },
        "maria garcia (clio 7)": {
            "Id": "7",
            "DisplayName": "Maria Garcia (Clio 7)",
            "Notes": mapping.marker("contact", 7, account=ACCOUNT),
            **email,
        },
    }
    contacts = [{"id": i, "name": "Maria Garcia", "primary_email_address": "maria@x"} for i in (6, 7)]
    ops = planner.plan_contacts(contacts, {}, taken=taken, linked_ids=set(), account=ACCOUNT, force=set())
    assert [(op.clio_id, op.action, op.qbo_id) for op in ops] == [("6", Action.ADOPT, "6"), ("7", Action.ADOPT, "7")]


def test_payments_wait_for_their_invoice_and_remember_it():
    allocation = {
        "id": 30,
        "amount": "40.00",
        "bill": {"id": 9},
        "contact": {"id": 4},
        "parent": {"id": 2, "type": "Payment"},
    }
    on_invoice = DependencyKey(Kind.INVOICE, "9")
    waiting = allocate(allocation, None, invoice=None)
    assert waiting.action is Action.WAIT and waiting.depends_on == on_invoice
    assert allocate(allocation, None, invoice=FakeLink("broken", qbo_id="500")).action is Action.WAIT
    created = allocate(allocation, None, invoice=FakeLink("synced", qbo_id="500"))
    assert created.action is Action.CREATE and created.depends_on == on_invoice
    relinked = allocate(
        allocation, FakeLink("waiting", fingerprint=created.fingerprint), invoice=FakeLink("synced", qbo_id="501")
    )
    assert relinked.action is Action.UPDATE and relinked.body["Line"][0]["LinkedTxn"][0]["TxnId"] == "501"
    voided = {**allocation, "voided_at": "2024-01-01"}
    assert allocate(voided, FakeLink("synced"), invoice=FakeLink("synced")).action is Action.VOID
    assert allocate(voided, FakeLink("waiting"), invoice=FakeLink("broken")).action is Action.VOID, (
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
    op = allocate(allocation, None, invoice=FakeLink("skipped", qbo_id=None, reason="Draft bills are not synced"))
    assert op.action is Action.SKIP and op.reason == "Its bill is not synced: Draft bills are not synced"


@pytest.mark.parametrize("state", ["failed", "waiting"])
def test_a_bill_voided_while_its_link_waits_or_failed_is_voided_in_qbo(state):
    assert plan(bill={**BILL, "state": "void"}, link=FakeLink(state)).action is Action.VOID


def test_a_failed_customer_update_keeps_its_name():
    contact = {"id": 12, "name": "Acme LLP", "type": "Company"}
    ours = {"Id": "50", "DisplayName": "Acme LLP"}
    link = FakeLink("failed", qbo_ref="Acme LLP")
    op = planner.plan_contact(contact, link, taken={"acme llp": ours}, linked_ids={"50"}, account=ACCOUNT)
    assert op.action is Action.UPDATE and op.body["DisplayName"] == "Acme LLP"


def test_markers_name_the_clio_account_and_record():
    assert mapping.marker("allocation", 30, account=ACCOUNT) == "billsync: Clio account 5 allocation 30"
    assert mapping.marker("allocation", 30, account="") == "billsync: Clio allocation 30", "as before accounts"


def test_dependencies_keep_the_spelling_stored_links_have():
    assert DependencyKey(Kind.INVOICE, "9").to_column() == "invoice:9"
    assert DependencyKey.from_column("contact:4") == DependencyKey(Kind.CONTACT, "4")
    assert DependencyKey.from_column("settings:qbo") == decisions.SETTINGS_DEPENDENCY


def test_items_are_named_by_bill_number_client_and_amount_with_currency() -> None:
    allocation = {
        "id": 7,
        "amount": 250,
        "bill": {"id": 123, "number": "1042"},
        "contact": {"id": 4, "name": "Amy Alder"},
        "parent": {"type": "Payment"},
    }
    assert planner.allocation_label(allocation, "USD") == "Payment USD 250.00 on invoice 1042 (Amy Alder)"
    credit = {**allocation, "bill": {"id": 123}, "parent": {"type": "CreditMemo"}}
    assert (
        planner.allocation_label(credit, "USD")
        == "Credit applied USD 250.00 on the invoice of Clio bill 123 (Amy Alder)"
    )
    memo = {"id": 8, "amount": "75", "contact": {"id": 4, "name": "Amy Alder"}}
    assert planner.credit_memo_label(memo, "GBP") == "Credit memo GBP 75.00 for Amy Alder"
    assert planner.contact_label({"id": 4, "name": "Amy Alder"}) == "Customer Amy Alder"
    assert planner.bill_label({**BILL, "number": "1042"}) == "Invoice 1042 (Ana)"


PAYMENT = {
    "id": 30,
    "amount": "250.00",
    "bill": {"id": 9, "number": "1042"},
    "contact": {"id": 4, "name": "Amy Alder"},
    "parent": {"id": 2, "type": "Payment"},
}
CREDIT = {**PAYMENT, "parent": {"id": 5, "type": "CreditMemo"}}
MEMO = {"id": 5, "amount": "75.00", "contact": {"id": 4, "name": "Amy Alder"}}


def plan_payment(allocation=PAYMENT, **given) -> decisions.Op:
    """A new allocation whose invoice, customer and credit memo are in QuickBooks, but for ``given``."""
    found = {"customer_id": "77", "invoice": FakeLink("synced", qbo_id="500"), "credit_memo_id": "88", **given}
    return planner.plan_allocation(allocation, None, account=ACCOUNT, books=Books("USD"), **found)


def plan_memo(memo=MEMO, **given) -> decisions.Op:
    """A new credit note whose customer is in QuickBooks, but for ``given``."""
    found = {"customer_id": "77", "item_id": "1", "books": Books("USD"), **given}
    return planner.plan_credit_memo(memo, None, account=ACCOUNT, **found)


def test_waiting_items_say_what_they_wait_for_as_quickbooks_will_show_it() -> None:
    """The bill number, the client and the amount's currency, never Clio's internal ids."""
    assert plan(customer=None).reason == "Waiting for customer Ana"

    def waits(allocation, **given) -> tuple[str, str]:
        op = plan_payment(allocation, **given)
        assert op.action is Action.WAIT
        return op.label, op.reason

    assert waits(PAYMENT, invoice=None) == (
        "Payment USD 250.00 on invoice 1042 (Amy Alder)",
        "Waiting for invoice 1042 (Amy Alder)",
    )
    assert waits(PAYMENT, customer_id=None)[1] == "Waiting for customer Amy Alder"
    assert waits(CREDIT, credit_memo_id=None)[1] == "Waiting for the credit memo of Amy Alder that it applies"
    waiting = plan_memo(customer_id=None)
    assert (waiting.label, waiting.reason) == ("Credit memo USD 75.00 for Amy Alder", "Waiting for customer Amy Alder")


EURO = {"currency": {"code": "EUR"}}
TAX_CODES_HELD = Why(Cause.WAIT_TAX_CODES, "Held until the tax codes are mapped")


@pytest.mark.parametrize(
    "planned, code",
    [
        (lambda: plan(bill={**BILL, "state": "awaiting_approval"}), Cause.SKIP_AWAITING_APPROVAL),
        (lambda: plan(bill={**BILL, "state": "archived"}), Cause.SKIP_NOT_ISSUED),
        (lambda: plan(start_date="2024-04-01"), Cause.SKIP_BEFORE_START),
        (lambda: plan(held=TAX_CODES_HELD), Cause.WAIT_TAX_CODES),
        (lambda: plan(bill={**BILL, **EURO}, books=Books("USD")), Cause.FAIL_CURRENCY),
        (lambda: plan(bill={**BILL, "number": "A" * 22}), Cause.FAIL_NUMBER_LENGTH),
        (lambda: plan(bill={**BILL, "number": ""}), Cause.FAIL_NO_NUMBER),
        (lambda: plan(bill={**BILL, "total": "120.00"}), Cause.FAIL_SUMS),
        (lambda: planner.plan_contact({"id": 4, "name": " "}, None, taken={}, linked_ids=set(), account=ACCOUNT),
         Cause.FAIL_NAME),
        (lambda: planner.plan_contact({"id": 4, "name": "Ana", **EURO}, None, taken={}, linked_ids=set(),
                                      account=ACCOUNT, books=Books("USD")), Cause.FAIL_CURRENCY),
        (lambda: plan_payment(invoice=None), Cause.WAIT_INVOICE),
        (lambda: plan_payment(customer_id=None), Cause.WAIT_CUSTOMER),
        (lambda: plan_payment(CREDIT, credit_memo_id=None), Cause.WAIT_CREDIT_MEMO),
        (lambda: plan_payment(invoice=FakeLink("skipped", qbo_id=None, reason="Draft")), Cause.SKIP_BILL_SKIPPED),
        (lambda: plan_payment(credit_memo_withdrawn=True), Cause.SKIP_CREDIT_VOIDED),
        (lambda: plan_payment({**PAYMENT, "voided_at": "2024-05-01"}), Cause.SKIP_VOIDED),
        (lambda: plan_payment({**PAYMENT, "amount": "0"}), Cause.FAIL_AMOUNT),
        (lambda: plan_memo({**MEMO, "voided_at": "2024-05-01"}), Cause.SKIP_VOIDED),
        (lambda: plan_memo(held=TAX_CODES_HELD), Cause.WAIT_TAX_CODES),
        (lambda: plan_memo(item_id=None), Cause.FAIL_ITEM),
        (lambda: plan_memo({**MEMO, "amount": "-5"}), Cause.FAIL_AMOUNT),
        (lambda: plan_memo({**MEMO, "contact": {**MEMO["contact"], **EURO}}), Cause.FAIL_CURRENCY),
    ],
    ids=[
        "bill awaiting approval",
        "bill in another state",
        "bill before start",
        "bill held for tax codes",
        "bill currency",
        "bill number length",
        "bill without number",
        "bill sums",
        "contact name",
        "contact currency",
        "payment waits for invoice",
        "payment waits for customer",
        "credit waits for memo",
        "payment of skipped bill",
        "credit of voided note",
        "payment voided",
        "payment of zero",
        "memo voided",
        "memo held for tax codes",
        "memo without item",
        "memo negative",
        "memo currency",
    ],
)  # fmt: skip
def test_every_skip_wait_and_fail_says_its_cause_as_a_code_of_its_action(planned, code):
    """A preview groups what will not be written by these codes, never by the words."""
    op = planned()
    assert op.code is code and op.reason
    assert code.startswith(f"{op.action}:")


def test_a_run_ends_in_the_activity_log_in_the_words_the_panel_and_the_cli_use() -> None:
    from billsync.daemon.sync.scheduler import run_message

    progress = {
        "contact": {"created": 1, "updated": 0, "failed": 0},
        "invoice": {"created": 1200, "updated": 2, "failed": 12},
        "payment": {"created": 0, "updated": 0, "failed": 1},
    }
    assert run_message("schedule", "succeeded", progress, "") == (
        "Started on schedule. Created 1 customer and 1,200 invoices. Updated 2 invoices. "
        "12 invoices and 1 payment failed."
    )
    assert run_message("sync", "failed", {}, "QuickBooks is down") == "Started on request. Stopped: QuickBooks is down"


TRUST_ACCOUNTS = journal.TrustAccounts(bank="B", liability="L")
DEPOSIT = {"id": 17, "date": "2024-04-02", "amount": "250.00", "client": {"id": 4, "name": "Ana"}}


def plan_trust(transaction=DEPOSIT, link=None, customer="77", accounts=TRUST_ACCOUNTS, **extra):
    return journal.plan_trust(
        transaction,
        link,
        customer_id=customer,
        accounts=accounts,
        start_date=extra.pop("start_date", ""),
        account=ACCOUNT,
        **extra,
    )


def test_a_trust_transaction_is_created_then_unchanged_then_updated_when_edited():
    created = plan_trust()
    assert created.action is Action.CREATE and created.entity == "JournalEntry"
    assert created.label == "Journal entry T-17: 250.00 into trust for Ana"
    synced = FakeLink("synced", fingerprint=created.fingerprint)
    assert plan_trust(link=synced).action is Action.NONE
    edited = plan_trust({**DEPOSIT, "amount": "-40.00"}, link=synced)
    assert edited.action is Action.UPDATE and edited.body["Id"] == "50" and edited.body["sparse"]
    assert plan_trust({**DEPOSIT, "amount": "-40.00"}).label == "Journal entry T-17: 40.00 out of trust for Ana"


@pytest.mark.parametrize(
    "extra, link_state, action, depends_on, code",
    [
        ({"deleted": True}, "synced", Action.DELETE, None, None),
        ({"deleted": True}, None, Action.SKIP, None, Cause.SKIP_DELETED),
        ({"start_date": "2024-05-01"}, None, Action.SKIP, None, Cause.SKIP_BEFORE_START),
        ({"start_date": "2024-05-01"}, "synced", Action.NONE, None, None),
        ({"customer": None}, None, Action.WAIT, DependencyKey(Kind.CONTACT, "4"), Cause.WAIT_CUSTOMER),
        ({"accounts": None}, None, Action.WAIT, decisions.TRUST_DEPENDENCY, Cause.WAIT_TRUST_ACCOUNTS),
        (
            {"held": "Clio's trust balance differs"},
            None,
            Action.WAIT,
            decisions.TRUST_DEPENDENCY,
            Cause.WAIT_TRUST_LEDGERS,
        ),
        ({"transaction": {**DEPOSIT, "amount": "0.00"}}, None, Action.FAIL, None, Cause.FAIL_AMOUNT),
    ],
    ids=[
        "deleted",
        "deleted unsynced",
        "before start",
        "synced before start",
        "no customer",
        "no accounts",
        "held",
        "zero",
    ],
)
def test_trust_transactions_follow_clio_and_wait_for_what_they_need(extra, link_state, action, depends_on, code):
    link = FakeLink(link_state) if link_state else None
    op = plan_trust(link=link, **extra)
    assert op.action is action and op.depends_on == depends_on and op.code == code
    if action is Action.DELETE:
        assert op.qbo_id == "50" and op.reason == "Deleted in Clio"
        assert plan_trust(link=FakeLink("synced", fingerprint=Action.DELETE), **extra).action is Action.NONE


def test_a_journal_entry_found_by_its_marker_is_adopted_after_a_lost_answer():
    created = plan_trust()
    found = {"Id": "88", "SyncToken": "2", **created.body}
    adopted = decisions.adopt_marked(created, found)
    assert adopted.action is Action.UPDATE and adopted.qbo_id == "88"
    others = {**found, "PrivateNote": "billsync: Clio account 6 bank_transaction 17"}
    assert decisions.adopt_marked(created, others).action is Action.CREATE
