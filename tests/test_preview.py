"""The pieces of a preview without servers: the links a dry cycle reads with its foreseen
outcomes laid over the stored ones, what each op is foreseen to leave, and the sums."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from billsync import words
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import dry, outcomes, preview
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.totals import Totals


def stored(connection: Connection, kind: Kind, clio_id: str, state: LinkState, **columns) -> Link:
    return Link.create(
        connection=connection, kind=kind, clio_id=clio_id, state=state, label=f"{kind} {clio_id}", **columns
    )


def test_the_overlay_reads_the_store_with_the_foreseen_outcomes_over_it(db):
    connection = Connection.create(name="Firm")
    stored(connection, Kind.CONTACT, "1", LinkState.SYNCED, qbo_id="10")
    stored(connection, Kind.CONTACT, "2", LinkState.FAILED, error_code="currency")
    stored(connection, Kind.INVOICE, "7", LinkState.WAITING, depends_on="contact:2")
    overlay = dry.Overlay(connection)

    made = Op(Kind.CONTACT, "2", "Customer Two", action=Action.CREATE, body={"DisplayName": "Two"})
    overlay.record(made, dry.foreseen_outcome(made, None))
    waits = Op(Kind.INVOICE, "8", "Invoice 8", action=Action.WAIT, depends_on=DependencyKey(Kind.CONTACT, "3"))
    overlay.record(waits, outcomes.planned(waits))
    overlay.record(Op(Kind.CONTACT, "3", "Customer 3"), outcomes.failed("No name", "currency"))

    assert overlay.qbo_ids(Kind.CONTACT, ["1", "2", "3"]) == {"1": "10", "2": dry.new_id(Kind.CONTACT, "2")}
    assert overlay.linked_qbo_ids(Kind.CONTACT, ["10", dry.new_id(Kind.CONTACT, "2"), "99"]) == {
        "10",
        dry.new_id(Kind.CONTACT, "2"),
    }
    assert overlay.failed_with("currency") == {Kind.CONTACT: {"3"}}, "2 is foreseen made, 3 foreseen failed"
    assert overlay.waiting(Kind.INVOICE) == {
        "7": DependencyKey(Kind.CONTACT, "2"),
        "8": DependencyKey(Kind.CONTACT, "3"),
    }
    assert overlay.load(Kind.CONTACT, ["2"])["2"].label == "Customer Two"
    assert Link.get(Link.clio_id == "2").state == LinkState.FAILED, "the store is left as it was"
    assert Link.select().count() == 3


def test_what_each_op_is_foreseen_to_leave_on_its_link():
    create = Op(
        Kind.CONTACT, "1", "c", action=Action.CREATE, body={"DisplayName": "A", "CurrencyRef": {"value": "EUR"}}
    )
    made = dry.foreseen_outcome(create, None)
    assert (made.state, made.qbo_id, made.currency) == (LinkState.SYNCED, dry.new_id(Kind.CONTACT, "1"), "EUR")
    update = Op(Kind.INVOICE, "2", "i", action=Action.UPDATE, body={}, qbo_id="5", sync_token="3")
    assert (dry.foreseen_outcome(update, None).qbo_id, dry.foreseen_outcome(update, None).sync_token) == ("5", "3")
    void = dry.foreseen_outcome(Op(Kind.INVOICE, "2", "i", action=Action.VOID, qbo_id="5"), None)
    delete = dry.foreseen_outcome(Op(Kind.PAYMENT, "2", "p", action=Action.DELETE, qbo_id="5"), None)
    assert (void.state, void.fingerprint, delete.state) == (LinkState.SYNCED, Action.VOID, LinkState.SKIPPED)
    kept = Link(state=LinkState.FAILED, reason="QuickBooks shows a total of 1.00")
    assert dry.foreseen_outcome(Op(Kind.INVOICE, "2", "i"), kept).state == LinkState.FAILED, "unchanged stays"
    assert dry.done_as(update, dry.foreseen_outcome(update, None)) == dry.Done.UPDATED


def invoice(clio_id: str, *, action: Action, amount: str, day: str, currency: str = "", code=None) -> dry.Foreseen:
    body = {"TxnDate": day, "DocNumber": clio_id}
    expect = Totals(Decimal(amount), Decimal("0.00"), currency=currency)
    op = Op(Kind.INVOICE, clio_id, f"Invoice {clio_id}", action=action, body=body, expect=expect, code=code)
    return dry.Foreseen(op, dry.foreseen_outcome(op, None))


def test_the_sums_are_per_kind_fate_and_cause_and_per_month_in_each_currency():
    forecast = dry.Forecast(home_currency="USD")
    for f in [
        invoice("1", action=Action.CREATE, amount="100.00", day="2026-04-30"),
        invoice("2", action=Action.CREATE, amount="50.50", day="2026-05-01"),
        invoice("3", action=Action.CREATE, amount="20.00", day="2026-05-09", currency="EUR"),
        invoice("4", action=Action.UPDATE, amount="7.00", day="2026-05-09", code=Cause.ADOPT_MARKER),
    ]:
        forecast.foreseen[(f.op.kind, f.op.clio_id)] = f
    refused = Op(
        Kind.INVOICE, "5", "Invoice 5", action=Action.FAIL, reason="number taken", code=Cause.FAIL_NUMBER_TAKEN
    )
    forecast.add(refused, outcomes.planned(refused))
    payment = Op(Kind.PAYMENT, "9", "Payment", action=Action.CREATE, body={"TxnDate": "2026-05-02", "TotalAmt": 30})
    forecast.add(payment, dry.foreseen_outcome(payment, None))

    summary = preview.summarize(forecast)

    counts = {(c.kind, c.fate, c.cause): (c.count, c.money) for c in summary.counts}
    assert counts == {
        (Kind.INVOICE, preview.Fate.CREATE, None): (3, {"USD": Decimal("150.50"), "EUR": Decimal("20.00")}),
        (Kind.INVOICE, preview.Fate.MATCH, Cause.ADOPT_MARKER): (1, {"USD": Decimal("7.00")}),
        (Kind.INVOICE, preview.Fate.FAIL, Cause.FAIL_NUMBER_TAKEN): (1, {}),
        (Kind.PAYMENT, preview.Fate.CREATE, None): (1, {"USD": Decimal("30.00")}),
    }
    months = {(m.kind, m.month, m.currency): (m.count, m.amount) for m in summary.months}
    assert months == {
        (Kind.INVOICE, "2026-04", "USD"): (1, Decimal("100.00")),
        (Kind.INVOICE, "2026-05", "USD"): (2, Decimal("57.50")),
        (Kind.INVOICE, "2026-05", "EUR"): (1, Decimal("20.00")),
        (Kind.PAYMENT, "2026-05", "USD"): (1, Decimal("30.00")),
    }
    [conflict] = [item for item in summary.items if item.conflict]
    assert (conflict.clio_id, conflict.reason, conflict.money) == ("5", "number taken", None)


def test_every_fate_and_cause_has_words():
    assert set(words.FATES) == {f.value for f in preview.Fate}
    assert set(words.CAUSES) == {c.value for c in Cause}
    assert (
        words.foreseen(1200, "create", "create:name_taken") == "1,200 to create (under another name: theirs is taken)"
    )


def test_a_customer_to_make_says_which_customers_of_a_like_name_quickbooks_has():
    body = {"DisplayName": "John Smith", "GivenName": "John", "FamilyName": "Smith"}
    create = Op(Kind.CONTACT, "7", "Customer John Smith", action=Action.CREATE, body=body)
    others = [
        {"Id": str(n), "DisplayName": f"Smith, John {n}", "GivenName": "JOHN", "FamilyName": "smith"} for n in range(7)
    ]
    assert {dry.name_key(c) for c in others} == {dry.name_key(body)}, "without regard to case"
    said = dry.DryWriter._said_alike(create, [{"Id": "9", **body}, *others])
    assert said.code is Cause.CREATE_LIKE_NAMED
    assert said.reason.startswith("QuickBooks has customers of a like name: Smith, John 0 (Id 0), ")
    assert said.reason.count("(Id ") == 5, "five named at most; itself (the same display name) never"
    taken = dry.DryWriter._said_alike(replace(create, code=Cause.CREATE_NAME_TAKEN), others)
    assert taken.code is Cause.CREATE_NAME_TAKEN, "a name taken says so first"
    assert dry.DryWriter._said_alike(create, []) == create
    assert dry.name_key({"CompanyName": "Acme LLP"}) == ("company", "acme llp")
