"""Customers and documents in their client's currency (design 14, slices C2 and C3): no
server needed.

A contact billed in another currency than the QBO company's home one gets a customer in that
currency when the company has multicurrency on, and none at all while it is off; a customer
already linked is never sent a currency, and its link says when it is not its contact's.
Invoices, credit memos and payments are in their customer's currency, at QuickBooks' rate for
their date; a document QuickBooks cannot book in its currency fails, naming why. Home-currency
bodies are what they were before currencies were read, so an upgrade sends nothing again.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from billsync.daemon.clio import reader
from billsync.daemon.qbo import currencies
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.faults import QboFault, dumps
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


def test_without_multicurrency_a_bill_in_another_currency_fails_at_once_even_before_its_customer_exists():
    for customer_id in (None, "77"):
        op = plan(bill={**BILL, "currency": EUR}, customer=customer_id, books=OFF)
        assert (op.action, op.error_code) == (Action.FAIL, CURRENCY)
        assert op.reason.startswith("Bill A-1 is in EUR; this QuickBooks company keeps its books in CAD with multicur")
        assert "Turn it on in QuickBooks" in op.reason
    assert plan(bill={**BILL, "currency": CAD}, books=OFF, customer_currency="CAD").action is Action.CREATE


@pytest.mark.parametrize(
    ("billed", "customer_in", "action", "ref"),
    [
        (EUR, "EUR", Action.CREATE, {"value": "EUR"}),
        (CAD, "CAD", Action.CREATE, None),
        (None, "CAD", Action.CREATE, None),
        (EUR, "CAD", Action.FAIL, None),
        (CAD, "EUR", Action.FAIL, None),
    ],
)
def test_with_multicurrency_an_invoice_is_in_its_bills_currency_which_must_be_its_customers(
    billed, customer_in, action, ref
):
    op = plan(bill={**BILL, "currency": billed}, books=ON, customer_currency=customer_in)
    assert op.action is action
    if action is Action.FAIL:
        code = (billed or CAD)["code"]
        assert op.error_code == CURRENCY
        assert op.reason.startswith(f"Bill A-1 is in {code}; its client's QuickBooks customer is in {customer_in}")
    else:
        assert op.body.get("CurrencyRef") == ref and "ExchangeRate" not in op.body


def test_a_bill_of_a_client_without_customer_yet_waits_for_it_in_any_currency_quickbooks_can_hold():
    op = plan(bill={**BILL, "currency": EUR}, customer=None, books=ON)
    assert (op.action, op.reason) == (Action.WAIT, "Waiting for customer Ana")


def test_a_home_currency_invoice_is_the_body_it_was_before_currencies_were_read():
    before = plan()
    for books in (OFF, ON):
        op = plan(bill={**BILL, "currency": CAD}, books=books, customer_currency="CAD")
        assert (op.body, op.fingerprint) == (before.body, before.fingerprint)


MEMO = {"id": 3, "amount": "75.00", "date": "2024-03-02", "contact": {"id": 8, "name": "Müller GmbH"}}
EUR_MEMO = {**MEMO, "contact": {**MEMO["contact"], "currency": EUR}}


def plan_memo(memo, *, books, customer_id="77", customer_currency=""):
    return planner.plan_credit_memo(
        memo,
        None,
        customer_id=customer_id,
        item_id="1",
        account=ACCOUNT,
        books=books,
        customer_currency=customer_currency if customer_id else "",
    )


def test_a_credit_note_is_in_its_contacts_currency_and_fails_where_quickbooks_cannot_hold_it():
    off = plan_memo(EUR_MEMO, books=OFF, customer_id=None)
    assert (off.action, off.error_code) == (Action.FAIL, CURRENCY)
    assert off.reason.startswith("The credit note for Müller GmbH is in EUR; this QuickBooks company keeps its books")
    assert plan_memo(EUR_MEMO, books=ON, customer_id=None).action is Action.WAIT
    made = plan_memo(EUR_MEMO, books=ON, customer_currency="EUR")
    assert (made.action, made.body["CurrencyRef"], made.label) == (
        Action.CREATE,
        {"value": "EUR"},
        "Credit memo EUR 75.00 for Müller GmbH",
    )
    elsewhere = plan_memo(EUR_MEMO, books=ON, customer_currency="CAD")
    assert (elsewhere.action, elsewhere.error_code) == (Action.FAIL, CURRENCY)
    home = plan_memo(MEMO, books=ON, customer_currency="CAD")
    assert (home.action, "CurrencyRef" in home.body, home.label) == (
        Action.CREATE,
        False,
        "Credit memo CAD 75.00 for Müller GmbH",
    )


@pytest.mark.parametrize("credit", [False, True])
def test_a_payment_is_in_its_customers_currency_and_named_in_it(credit):
    allocation = {
        "id": 5,
        "amount": "250.00",
        "date": "2024-03-05",
        "bill": {"id": 9, "number": "A-1"},
        "contact": {"id": 8, "name": "Müller GmbH"},
        "parent": {"type": "CreditMemo", "id": 3} if credit else {"type": "Payment", "id": 2},
    }
    invoice = FakeLink("synced", qbo_id="300")
    for customer_in, ref, named in (("EUR", {"value": "EUR"}, "EUR 250.00"), ("CAD", None, "CAD 250.00")):
        op = planner.plan_allocation(
            allocation,
            None,
            customer_id="77",
            invoice=invoice,
            credit_memo_id="40",
            account=ACCOUNT,
            books=ON,
            customer_currency=customer_in,
        )
        assert (op.action, op.body.get("CurrencyRef")) == (Action.CREATE, ref)
        assert named in op.label


class RatedQuickBooks:
    """What the writer asks of QBO for rates: ``GET exchangerate``, counted."""

    def __init__(self, rates: dict[tuple[str, str], object]) -> None:
        self.rates, self.asked = rates, []

    def exchange_rate(self, code: str, as_of: str) -> dict:
        self.asked.append((code, as_of))
        if code == "XXX":
            raise QboFault("610", "Object Not Found", "XXX", element="sourcecurrencycode")
        return {"SourceCurrencyCode": code, "TargetCurrencyCode": "CAD", "AsOfDate": as_of} | (
            {"Rate": self.rates[code, as_of]} if (code, as_of) in self.rates else {}
        )


def document(clio_id: str, code: str | None, day: str, *, action=Action.CREATE, kind=Kind.INVOICE) -> Op:
    body = {"TxnDate": day, "TotalAmt": 1} | ({"CurrencyRef": {"value": code}} if code else {})
    return Op(kind, clio_id, f"Invoice {clio_id}", action=action, body=body, fingerprint=mapping.fingerprint(body))


def test_each_foreign_write_carries_quickbooks_rate_for_its_date_read_once_per_currency_and_date():
    qbo = RatedQuickBooks({("EUR", "2024-03-01"): Decimal("1.47"), ("EUR", "2024-03-02"): Decimal("1.48")})
    ops = [
        document("1", "EUR", "2024-03-01"),
        document("2", "EUR", "2024-03-01", action=Action.UPDATE),
        document("3", "EUR", "2024-03-02", kind=Kind.PAYMENT),
        document("4", None, "2024-03-01"),
        document("5", "EUR", "2024-03-01", action=Action.VOID),
        replace(contact_op({**MULLER, "currency": EUR}, books=ON)),
    ]
    rated = Writer(None, qbo, lambda op, done: None)._at_quickbooks_rates(ops)
    assert [op.body.get("ExchangeRate") for op in rated[:3]] == [Decimal("1.47"), Decimal("1.47"), Decimal("1.48")]
    assert rated[3:] == ops[3:]
    assert qbo.asked == [("EUR", "2024-03-01"), ("EUR", "2024-03-02")]
    assert [op.fingerprint for op in rated] == [op.fingerprint for op in ops]


@pytest.mark.parametrize(("code", "rate"), [("EUR", None), ("EUR", "0"), ("EUR", "n/a"), ("XXX", "1.2")])
def test_a_foreign_write_quickbooks_gives_no_rate_for_fails_naming_the_currency_asking_once(code, rate):
    qbo = RatedQuickBooks({(code, "2024-03-01"): rate} if rate is not None else {})
    ops = [document("1", code, "2024-03-01"), document("2", code, "2024-03-01")]
    failed = Writer(None, qbo, lambda op, done: None)._at_quickbooks_rates(ops)
    assert [(op.action, op.error_code) for op in failed] == [(Action.FAIL, CURRENCY)] * 2
    assert qbo.asked == [(code, "2024-03-01")]
    if code == "EUR":
        assert failed[0].reason.startswith(
            "QuickBooks has no EUR exchange rate for 2024-03-01; add one (Settings → Curr"
        )
    else:
        assert failed[0].reason.startswith("QuickBooks error 610")


def test_a_rate_of_more_digits_than_a_json_number_carries_is_sent_as_near_as_one_can():
    qbo = RatedQuickBooks({("JPY", "2024-03-01"): Decimal("0.0073529411764705882")})
    (op,) = Writer(None, qbo, lambda op, done: None)._at_quickbooks_rates([document("1", "JPY", "2024-03-01")])
    assert op.body["ExchangeRate"] == Decimal("0.007352941176470588")
    assert '"ExchangeRate":0.007352941176470588' in dumps(op.body)


ONE_CURRENCY = "You can only use one foreign currency per transaction."


@pytest.mark.parametrize(
    ("code", "message", "detail", "about_currency"),
    [
        ("2410", "Curreny, ExchangeRate is missing.", "", True),
        (
            "6000",
            "A business validation error has occurred",
            "You can only use one foreign currency per transaction.",
            True,
        ),
        ("6000", "A business validation error has occurred", "Customer is inactive", False),
        ("6240", "Duplicate Name Exists Error", "", False),
    ],
)
def test_quickbooks_refusing_a_documents_currency_fails_it_as_a_currency_problem(code, message, detail, about_currency):
    fault = QboFault(code, message, detail)
    op = document("1", "EUR", "2024-03-01")
    outcome = writer._fault_outcome(op, fault)
    assert (outcome.error_code == CURRENCY) is about_currency
    assert outcome.reason.startswith(f"QuickBooks error {code}")


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


def test_a_credit_memo_in_quickbooks_stays_in_its_customers_currency_when_its_contacts_changes():
    """Clio keeps no currency on a credit note: a new one is in its contact's, one already in
    QuickBooks in the currency it was booked in."""
    booked = FakeLink("synced", qbo_id="40", fingerprint="old")
    for books in (OFF, ON):
        op = planner.plan_credit_memo(
            EUR_MEMO, booked, customer_id="77", item_id="1", account=ACCOUNT, books=books, customer_currency="CAD"
        )
        assert (op.action, "CurrencyRef" in op.body) == (Action.UPDATE, False)


def allocation_to(deposit_currency: str, *, customer_in: str = "EUR") -> Op:
    allocation = {"id": 5, "amount": "250.00", "date": "2024-03-05", "bill": {"id": 9, "number": "A-1"}}
    allocation |= {"contact": {"id": 8, "name": "Müller GmbH"}, "parent": {"type": "Payment", "id": 2}}
    return planner.plan_allocation(
        allocation,
        None,
        customer_id="77",
        invoice=FakeLink("synced", qbo_id="300"),
        credit_memo_id=None,
        account=ACCOUNT,
        books=ON,
        customer_currency=customer_in,
        deposit_account_id="35",
        deposit_account_currency=deposit_currency,
    )


@pytest.mark.parametrize(("account_in", "deposited"), [("", True), ("CAD", True), ("EUR", True), ("USD", False)])
def test_a_foreign_payment_goes_to_the_chosen_account_only_in_the_home_or_its_own_currency(account_in, deposited):
    op = allocation_to(account_in)
    assert ("DepositToAccountRef" in op.body) is deposited
    if not deposited:
        assert op.reason.startswith(
            "Deposited to Undeposited Funds: the deposit account chosen in the settings is in USD"
        )


def test_home_currency_payments_and_credit_memos_are_the_bodies_they_were_before_currencies_were_read():
    home = allocation_to("CAD", customer_in="CAD")
    assert "CurrencyRef" not in home.body and home.label == "Payment CAD 250.00 on invoice A-1 (Müller GmbH)"
    before = planner.plan_credit_memo(MEMO, None, customer_id="77", item_id="1", account=ACCOUNT)
    after = plan_memo(MEMO, books=ON, customer_currency="CAD")
    assert (after.body, after.fingerprint) == (before.body, before.fingerprint)
