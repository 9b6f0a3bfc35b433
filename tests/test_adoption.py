"""Objects billsync already made in QBO, found by their markers: adopted when they are this
Clio account's, left alone when another account's. No server needed."""

from __future__ import annotations

import pytest

from billsync.daemon.store.models import Kind
from billsync.daemon.sync import decisions, journal, mapping, planner, recovery
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.mapping import Marker
from billsync.daemon.sync.taxes import TaxTreatment
from tests.test_planner import BILL, LINES

ACCOUNT, OTHER = "5", "6"
PAYMENT = {"id": 30, "amount": "40.00", "date": "2024-03-05", "bill": {"id": 9}, "contact": {"id": 4}}
MEMO = {"id": 12, "amount": "15.00", "date": "2024-03-06", "contact": {"id": 4}}
TRUST = {"id": 17, "amount": "250.00", "date": "2024-03-07", "client": {"id": 4, "name": "Ana"}}


class Synced:
    state, qbo_id, sync_token, fingerprint, qbo_ref, reason, error_code = "synced", "500", "0", "x", None, "", ""


def planned_bill(bill: dict, link: Synced | None) -> Op:
    return planner.plan_bill(
        bill,
        link,
        lines=LINES,
        customer_id="77",
        item_ids={"Service": "1"},
        start_date="",
        held=None,
        account=ACCOUNT,
        tax=TaxTreatment.TOTAL_TAX,
    )


def create_invoice() -> Op:
    return planned_bill(BILL, None)


def create_payment() -> Op:
    return planner.plan_allocation(
        {**PAYMENT, "parent": {"id": 2, "type": "Payment"}},
        None,
        customer_id="77",
        invoice=Synced(),
        credit_memo_id=None,
        account=ACCOUNT,
    )


def create_credit_memo() -> Op:
    return planner.plan_credit_memo(MEMO, None, customer_id="77", item_id="1", account=ACCOUNT)


def create_journal_entry() -> Op:
    accounts = journal.TrustAccounts(bank="35", liability="36")
    return journal.plan_trust(TRUST, None, customer_id="77", accounts=accounts, start_date="", account=ACCOUNT)


CREATES = [create_invoice, create_payment, create_credit_memo, create_journal_entry]
WORD = {
    Kind.INVOICE: "bill",
    Kind.PAYMENT: "allocation",
    Kind.CREDIT_MEMO: "credit_memo",
    Kind.TRUST: "bank_transaction",
}


def in_qbo(op: Op, *, account: str, customer: str = "77", clio_id: str | None = None) -> dict:
    """The object a create would make, as QBO holds it after an earlier sync."""
    note = mapping.marker(WORD[op.kind], clio_id or op.clio_id, account=account)
    held = {**op.body, "Id": "300", "SyncToken": "4", "PrivateNote": note}
    if op.kind != Kind.TRUST:
        return held | {"CustomerRef": {"value": customer}}
    # A journal entry names its customer on the liability line only.
    lines = [dict(line, JournalEntryLineDetail=dict(line["JournalEntryLineDetail"])) for line in op.body["Line"]]
    for line in lines:
        if "Entity" in line["JournalEntryLineDetail"]:
            line["JournalEntryLineDetail"]["Entity"] = {"Type": "Customer", "EntityRef": {"value": customer}}
    return held | {"Line": lines}


@pytest.mark.parametrize("create", CREATES)
def test_a_create_of_what_qbo_holds_with_this_accounts_marker_updates_that_object(create):
    op = create()
    assert op.action is Action.CREATE
    adopted = decisions.adopt_marked(op, in_qbo(op, account=ACCOUNT))
    assert (adopted.action, adopted.qbo_id, adopted.sync_token) == (Action.UPDATE, "300", "4")
    assert adopted.body == {**op.body, "Id": "300", "SyncToken": "4", "sparse": True}
    assert adopted.fingerprint == op.fingerprint, "linked as the record is now, not as QBO held it"


@pytest.mark.parametrize("create", CREATES)
def test_another_accounts_object_is_never_adopted_even_on_the_same_customer(create):
    op = create()
    assert decisions.adopt_marked(op, in_qbo(op, account=OTHER)) == op


@pytest.mark.parametrize("create", CREATES)
def test_an_object_marked_for_another_record_is_not_adopted(create):
    op = create()
    assert decisions.adopt_marked(op, in_qbo(op, account=ACCOUNT, clio_id="999")) == op


@pytest.mark.parametrize("create", CREATES)
def test_a_marker_from_before_accounts_were_named_is_adopted_only_on_the_records_customer(create):
    op = create()
    assert decisions.adopt_marked(op, in_qbo(op, account="")).action is Action.UPDATE
    assert decisions.adopt_marked(op, in_qbo(op, account="", customer="78")) == op


def test_only_creates_are_turned_into_adoptions():
    voided = planned_bill({**BILL, "state": "void"}, Synced())
    assert decisions.adopt_marked(voided, in_qbo(create_invoice(), account=ACCOUNT)) == voided


def test_a_customer_made_for_another_clio_account_is_not_adopted_by_name_and_email():
    email = {"PrimaryEmailAddr": {"Address": "ana@x"}}
    theirs = {"Id": "12", "DisplayName": "Ana", "Notes": mapping.marker("contact", 4, account=OTHER), **email}
    contact = {"id": 4, "name": "Ana", "primary_email_address": "ana@x"}
    op = planner.plan_contact(contact, None, taken={"ana": theirs}, linked_ids=set(), account=ACCOUNT)
    assert op.action is Action.CREATE and op.body["DisplayName"] == "Ana (Clio 4)"
    assert op.body["Notes"] == "billsync: Clio account 5 contact 4"
    before_accounts = {**theirs, "Notes": mapping.marker("contact", 4, account="")}
    op = planner.plan_contact(contact, None, taken={"ana": before_accounts}, linked_ids=set(), account=ACCOUNT)
    assert op.action is Action.ADOPT and op.qbo_id == "12"


@pytest.mark.parametrize("account, adopted", [(ACCOUNT, True), ("", True), (OTHER, False)])
def test_a_disambiguated_customer_is_adopted_by_this_accounts_marker_or_an_unnamed_one(account, adopted):
    first = {"Id": "11", "DisplayName": "Ana", "PrimaryEmailAddr": {"Address": "someone@else"}}
    mine = {"Id": "12", "DisplayName": "Ana (Clio 4)", "Notes": mapping.marker("contact", 4, account=account)}
    contact = {"id": 4, "name": "Ana", "primary_email_address": "ana@x"}
    taken = {"ana": first, "ana (clio 4)": mine}
    op = planner.plan_contact(contact, None, taken=taken, linked_ids=set(), account=ACCOUNT)
    assert (op.action is Action.ADOPT and op.qbo_id == "12") is adopted


@pytest.mark.parametrize(
    "note, marker",
    [
        ("billsync: Clio account 5 bill 9", Marker("bill", "9", "5")),
        ("billsync: Clio bill 9", Marker("bill", "9")),
        ("Voided - billsync: Clio account 5 bill 9", None),
        ("billsync: Clio account 5 bill 9 and more", None),
        ("paid by cheque", None),
        (None, None),
    ],
)
def test_markers_are_read_back_whole_or_not_at_all(note, marker):
    assert Marker.parse(note) == marker
    if marker is not None:
        assert str(marker) == note


class Company:
    """A QBO company that answers queries from a list of objects, like QBO: by natural key."""

    def __init__(self, objects: list[dict]) -> None:
        self.objects = objects
        self.queries: list[str] = []

    def query(self, sql: str) -> list[dict]:
        assert "PrivateNote" not in sql, "QBO cannot filter on PrivateNote (fault 4001)"
        self.queries.append(sql)
        listed = sql.split(" in (", 1)[1].rstrip(")")
        return [o for o in self.objects if f"'{o['DocNumber']}'" in listed]


def test_what_qbo_holds_is_found_for_a_whole_run_in_a_few_queries():
    bills = {str(i): f"N-{i}" for i in range(1, 121)}
    objects = [
        {"Id": "1", "DocNumber": "N-1", "PrivateNote": mapping.marker("bill", 1, account=ACCOUNT)},
        {"Id": "2", "DocNumber": "N-2", "PrivateNote": mapping.marker("bill", 2, account="")},
        {"Id": "3", "DocNumber": "N-3", "PrivateNote": mapping.marker("bill", 3, account=OTHER)},
        {"Id": "4", "DocNumber": "N-4", "PrivateNote": "typed in QBO"},
    ]
    company = Company(objects)
    found = recovery.find_marked(company, Kind.INVOICE, bills, account=ACCOUNT)
    assert {clio_id: o["Id"] for clio_id, o in found.marked.items()} == {"1": "1", "2": "2"}
    assert {key: [o["Id"] for o in held] for key, held in found.by_key.items()} == {
        "N-1": ["1"],
        "N-2": ["2"],
        "N-3": ["3"],
        "N-4": ["4"],
    }, "every invoice holding a number asked about, ours or not"
    assert len(company.queries) == 3, "50 natural keys a query, not one query a bill"


def test_an_invoice_of_a_number_quickbooks_has_fails_before_it_is_sent_unless_quickbooks_may_take_it():
    create = Op(Kind.INVOICE, "9", "Invoice 1042", action=Action.CREATE, body={"DocNumber": "1042"})
    typed = {"Id": "146", "DocNumber": "1042", "PrivateNote": "typed in QBO", "TotalAmt": 250}
    refused = decisions.number_taken(create, [typed])
    assert (refused.action, refused.error_code, refused.code) == (Action.FAIL, "6140", Cause.FAIL_NUMBER_TAKEN)
    assert refused.reason.endswith("(DocNumber=1042 is assigned to TxnType=Invoice with TxnId=146)")
    # Its holder renumbered by this very cycle, or voided: QuickBooks answers for itself.
    assert decisions.number_taken(create, [typed], renumbered={"146": "1042-A"}) == create
    assert decisions.number_taken(create, [typed], renumbered={"146": "1042"}).action is Action.FAIL, "kept"
    voided = {**typed, "PrivateNote": "Voided - typed in QBO", "TotalAmt": 0}
    assert decisions.number_taken(create, [voided]) == create
