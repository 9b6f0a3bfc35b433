"""Customers in their client's currency (design 14, slice C2): no server needed.

A contact billed in another currency than the QBO company's home one gets a customer in that
currency when the company has multicurrency on, and none at all while it is off; a customer
already linked is never sent a currency, and its link says when it is not its contact's; a
document in another currency still fails (booking it is slice C3). Home-currency bodies are
what they were before currencies were read, so an upgrade sends nothing again.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from billsync.daemon.clio import reader
from billsync.daemon.qbo import currencies
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.store.models import Kind
from billsync.daemon.sync import currency, mapping, outcomes, planner, writer
from billsync.daemon.sync.currency import CURRENCY, Books
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.writer import Writer
from tests.test_planner import ACCOUNT, BILL, FakeLink, plan

OFF, ON = Books("CAD", multicurrency=False), Books("CAD", multicurrency=True)
EUR, CAD = {"code": "EUR"}, {"code": "CAD"}
MULLER = {"id": 8, "name": "Müller GmbH", "type": "Company", "primary_email_address": "b@mueller.example"}
ANA = {"id": 4, "name": "Ana", "type": "Person", "first_name": "Ana", "primary_email_address": "ana@x"}


def contact_op(contact, link=None, *, books, taken=None, linked=(), force=False) -> Op:
    return planner.plan_contact(
        contact, link, taken=taken or {}, linked_ids=set(linked), account=ACCOUNT, books=books, force=force
    )


def customer(name: str, code: str | None, *, email: str = "b@mueller.example", notes: str = "") -> dict:
    found = {"Id": "12", "DisplayName": name, "SyncToken": "0", "PrimaryEmailAddr": {"Address": email}}
    return found | ({"CurrencyRef": {"value": code}} if code else {}) | ({"Notes": notes} if notes else {})


@pytest.mark.parametrize(
    ("preferences", "on"),
    [
        ({}, False),
        ({"CurrencyPrefs": {"HomeCurrency": {"value": "CAD"}}}, False),
        ({"CurrencyPrefs": {"MultiCurrencyEnabled": False}}, False),
        ({"CurrencyPrefs": {"MultiCurrencyEnabled": "true"}}, False),
        ({"CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "CAD"}}}, True),
    ],
)
def test_multicurrency_is_read_from_the_preferences(preferences, on):
    assert qbo_settings.multicurrency(preferences) is on


@pytest.mark.parametrize(
    ("record", "books", "code", "ref"),
    [
        ({"currency": EUR}, ON, "EUR", {"value": "EUR"}),
        ({"currency": EUR}, OFF, "EUR", {"value": "EUR"}),
        ({"currency": CAD}, ON, "CAD", None),
        ({}, ON, "CAD", None),
        ({"currency": None}, OFF, "CAD", None),
        ({"currency": EUR}, Books(""), "EUR", None),  # the home currency unknown: nothing is sent
    ],
)
def test_a_records_currency_and_the_reference_a_body_carries(record, books, code, ref):
    assert currency.of_contact(record, books) == currency.of_bill(record, books) == code
    assert currency.of_credit_note({"contact": record}, books) == code
    assert currency.reference(code, books) == ref


@pytest.mark.parametrize("books", [None, OFF, ON])
@pytest.mark.parametrize("contact", [ANA, {**ANA, "currency": CAD}, MULLER | {"currency": CAD}])
def test_a_home_currency_customer_is_the_same_body_as_before_currencies_were_read(contact, books):
    """The fingerprints links hold stay valid: an upgrade sends no customer again."""
    before = mapping.customer(contact, contact["name"], account=ACCOUNT)
    op = contact_op(contact, books=books)
    assert op.action is Action.CREATE and op.body == before and "CurrencyRef" not in op.body
    assert op.fingerprint == mapping.fingerprint(before)
    assert contact_op(contact, FakeLink("synced", fingerprint=op.fingerprint), books=books).action is Action.NONE


def test_without_multicurrency_a_contact_billed_in_another_currency_gets_no_customer():
    op = contact_op({**MULLER, "currency": EUR}, books=OFF)
    assert (op.action, op.error_code, op.body) == (Action.FAIL, CURRENCY, None)
    assert op.reason == (
        "Clio bills Müller GmbH in EUR; this QuickBooks company keeps its books in CAD with multicurrency off. "
        "Turn it on in QuickBooks (Settings → Account and settings → Advanced → Currency; it cannot be turned off "
        "again) or bill in CAD"
    )
    assert outcomes.planned(op).error_code == CURRENCY
    # Nor is a customer of its name adopted: it is in CAD, as everything in such a company.
    taken = {"müller gmbh": customer("Müller GmbH", "CAD")}
    assert contact_op({**MULLER, "currency": EUR}, books=OFF, taken=taken).action is Action.FAIL


def test_with_multicurrency_a_new_customer_is_made_in_its_contacts_currency_outside_the_fingerprint():
    op = contact_op({**MULLER, "currency": EUR}, books=ON)
    assert op.action is Action.CREATE and op.body["CurrencyRef"] == {"value": "EUR"} and op.currency == "EUR"
    home = contact_op(MULLER, books=ON)
    assert op.fingerprint == home.fingerprint == mapping.fingerprint(home.body)
    # Linked, it is never sent a currency again: QBO keeps the one it was made in.
    link = FakeLink("synced", fingerprint=op.fingerprint, currency="EUR")
    assert contact_op({**MULLER, "currency": EUR}, link, books=ON).action is Action.NONE
    again = contact_op({**MULLER, "currency": EUR, "name": "Müller AG"}, link, books=ON, force=True)
    assert again.action is Action.UPDATE and "CurrencyRef" not in again.body


@pytest.mark.parametrize(
    ("found_in", "adopted"),
    [("EUR", True), (None, False), ("CAD", False), ("USD", False)],
)
def test_an_existing_customer_is_adopted_only_in_the_contacts_currency(found_in, adopted):
    taken = {"müller gmbh": customer("Müller GmbH", found_in)}
    op = contact_op({**MULLER, "currency": EUR}, books=ON, taken=taken)
    if adopted:
        assert op.action is Action.ADOPT and op.qbo_id == "12"
        assert outcomes.planned(op).currency == "EUR"
    else:
        assert op.action is Action.CREATE and op.body["DisplayName"] == "Müller GmbH (Clio 8)"
        assert op.body["CurrencyRef"] == {"value": "EUR"}


@pytest.mark.parametrize(("found_in", "adopted"), [("EUR", True), ("CAD", False)])
def test_a_customer_billsync_made_under_the_other_name_is_adopted_only_in_the_contacts_currency(found_in, adopted):
    """Someone else holds the name; billsync's own customer holds the disambiguated one."""
    ours = mapping.marker("contact", 8, account=ACCOUNT)
    taken = {
        "müller gmbh": customer("Müller GmbH", "EUR", email="someone@else.example"),
        "müller gmbh (clio 8)": customer("Müller GmbH (Clio 8)", found_in, notes=ours) | {"Id": "13"},
    }
    op = contact_op({**MULLER, "currency": EUR}, books=ON, taken=taken)
    assert (op.action, op.qbo_id) == ((Action.ADOPT, "13") if adopted else (Action.CREATE, ""))


def test_a_linked_customer_in_another_currency_than_its_contact_says_why_once():
    """Clio now bills the client in EUR; its customer, made before, stays in CAD."""
    made = contact_op(MULLER, books=ON)
    link = FakeLink("synced", fingerprint=made.fingerprint, qbo_ref="Müller GmbH")
    op = contact_op({**MULLER, "currency": EUR}, link, books=ON)
    assert op.action is Action.UPDATE and "CurrencyRef" not in op.body  # sent as it is, to learn its currency
    outcome = writer.written(op, {"Id": "50", "SyncToken": "4", "CurrencyRef": {"value": "CAD", "name": "Canadian"}})
    why = "Clio now bills this client in EUR; its QuickBooks customer is in CAD and QuickBooks keeps one currency "
    assert outcome.state == "synced" and outcome.reason == why + "per customer" and outcome.currency == "CAD"
    said = replace(link, currency="CAD", reason=outcome.reason)
    assert contact_op({**MULLER, "currency": EUR}, said, books=ON).action is Action.NONE


@pytest.mark.parametrize(
    ("answered", "state", "code", "stored"),
    [
        ({"value": "EUR", "name": "Euro"}, "synced", "", "EUR"),
        ({"value": "CAD", "name": "Canadian Dollar"}, "failed", CURRENCY, "CAD"),
        (None, "failed", CURRENCY, None),
    ],
)
def test_a_customer_quickbooks_made_in_another_currency_than_sent_fails_and_stays_linked(answered, state, code, stored):
    """QBO was seen ignoring a CurrencyRef (design 14 C10): its invoices must not follow."""
    op = contact_op({**MULLER, "currency": EUR}, books=ON)
    entity = {"Id": "70", "SyncToken": "0"} | ({"CurrencyRef": answered} if answered else {})
    outcome = writer.written(op, entity)
    assert (outcome.state, outcome.error_code, outcome.currency, outcome.qbo_id) == (state, code, stored, "70")
    if state == "failed":
        made_in = stored or "its home currency"
        assert outcome.reason.startswith(f"QuickBooks made customer Müller GmbH in {made_in}, not EUR: change its")


@pytest.mark.parametrize("books", [OFF, ON])
def test_a_bill_in_another_currency_fails_at_once_even_before_its_customer_exists(books):
    """Booking a bill in its client's currency is slice C3; until then it fails, naming both."""
    bill = {**BILL, "currency": EUR}
    for customer_id in (None, "77"):
        op = plan(bill=bill, customer=customer_id, currency=books.home)
        assert (op.action, op.error_code) == (Action.FAIL, CURRENCY)
        assert op.reason.startswith("Bill A-1 is in EUR, and the QuickBooks company books in CAD")
    assert plan(bill={**BILL, "currency": CAD}, currency="CAD").action is Action.CREATE


def test_a_credit_note_of_a_contact_in_another_currency_fails_rather_than_book_at_face_value():
    memo = {"id": 3, "amount": "75.00", "date": "2024-03-02", "contact": {"id": 8, "name": "Müller GmbH"}}
    plan_memo = dict(customer_id=None, item_id="1", account=ACCOUNT, currency="CAD")
    op = planner.plan_credit_memo({**memo, "contact": {**memo["contact"], "currency": EUR}}, None, **plan_memo)
    assert (op.action, op.error_code) == (Action.FAIL, CURRENCY)
    assert op.reason.startswith("The credit note for Müller GmbH is in EUR, and the QuickBooks company books in CAD")
    assert planner.plan_credit_memo(memo, None, **plan_memo).action is Action.WAIT


class FakeQuickBooks:
    """What ``qbo.currencies`` asks of QBO: the CompanyCurrency list and creates."""

    def __init__(self, listed=(), refuse=(), lands=()) -> None:
        self.rows = [{"Code": code, "Active": True} for code in listed] + [{"Code": "GBP", "Active": False}]
        self.refuse, self.lands = set(refuse), set(lands)
        self.calls: list[str] = []

    def query(self, sql: str) -> list[dict]:
        self.calls.append(sql)
        return list(self.rows)

    def create(self, entity: str, body: dict, requestid: str | None = None) -> dict:
        self.calls.append(f"create {entity} {body['Code']}")
        if body["Code"] in self.lands:  # made, though the answer says otherwise
            self.rows.append({"Code": body["Code"], "Active": True})
        if body["Code"] in self.refuse | self.lands:
            raise QboFault("6000", "A business validation error has occurred", f"{body['Code']} cannot be added")
        self.rows.append({"Code": body["Code"], "Active": True})
        return {"Id": "9", **body}


@pytest.mark.parametrize(
    ("listed", "refuse", "lands", "refused", "creates"),
    [
        (("USD", "EUR"), (), (), {}, []),
        (("USD",), (), (), {}, ["EUR"]),
        ((), (), ("EUR",), {}, ["EUR"]),
        ((), ("EUR",), (), {"EUR": "QuickBooks error 6000"}, ["EUR"]),
    ],
)
def test_a_currency_the_company_lacks_is_added_before_a_customer_is_made_in_it(listed, refuse, lands, refused, creates):
    qbo = FakeQuickBooks(listed, refuse, lands)
    assert {code: why[: len("QuickBooks error 6000")] for code, why in currencies.ensure(qbo, {"EUR"}).items()} == (
        refused
    )
    assert [call.split()[-1] for call in qbo.calls if call.startswith("create")] == creates


def test_the_writer_asks_quickbooks_about_currencies_only_for_a_create_in_another_one():
    qbo = FakeQuickBooks(refuse=("EUR",))
    sending = Writer(None, qbo, lambda op, done: None)
    home = [contact_op(ANA, books=ON), contact_op(MULLER, FakeLink("synced"), books=ON, force=True)]
    assert sending._in_listed_currencies(home) == home and qbo.calls == []
    foreign = contact_op({**MULLER, "currency": EUR}, books=ON)
    ops = sending._in_listed_currencies([*home, foreign])
    assert ops[:2] == home and (ops[2].action, ops[2].error_code) == (Action.FAIL, CURRENCY)
    assert ops[2].reason.startswith("QuickBooks did not add EUR to the company's currencies (QuickBooks error 6000")


class FakeClio:
    def __init__(self) -> None:
        self.reads = 0

    def iterate(self, resource: str, fields: str, **params) -> list[dict]:
        assert (resource, fields) == ("currencies", "id,code")
        self.reads += 1
        return [{"id": 2, "code": "CAD"}, {"id": 5, "code": "EUR"}]


def test_a_credit_notes_currency_is_its_contacts_looked_up_once_by_id():
    """Clio nests one level only: ``contact{currency}`` comes as ``{id, etag}``."""
    clio = FakeClio()
    assert reader._with_codes(clio, "credit_memos", []) == [] and clio.reads == 0
    memos = [{"id": i, "contact": {"id": 8, "currency": {"id": i, "etag": '"x"'}}} for i in (5, 2)]
    assert [m["contact"]["currency"]["code"] for m in reader._with_codes(clio, "credit_memos", memos)] == ["EUR", "CAD"]
    reader._with_codes(clio, "credit_memos", [{"id": 3, "contact": {"id": 9, "currency": {"id": 5}}}])
    assert clio.reads == 1


def test_outcomes_keep_a_customers_currency_only_when_known():
    op = Op(Kind.CONTACT, "8", "Customer Müller GmbH", body={"DisplayName": "Müller GmbH"})
    assert "currency" not in outcomes.synced(op, "70", "0").fields()
    assert outcomes.synced(op, "70", "0", currency=None).fields()["currency"] is None
