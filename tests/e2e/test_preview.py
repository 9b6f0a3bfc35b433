"""A preview of the first sync against a QuickBooks company that already holds customers and
invoices, compared object for object with what the sync then does (issue 19)."""

from __future__ import annotations

import functools
import math
from collections import Counter
from decimal import Decimal

import grpc
import pytest

from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store import marks
from billsync.daemon.store.models import Link, PlanMark, Run
from billsync.daemon.sync import mapping
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.books import Books, seed_books
from tests.e2e.conftest import connect, qbo_objects, seed_firm, sync
from tests.e2e.test_sync import ready  # noqa: F401 - a fixture

#: A firm of a real size: its 1,500 bills and their payments and customers fill many pages and batches.
BILLS = 1500
ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo", "Item")
KIND = {
    pb.KIND_CONTACT: "contact",
    pb.KIND_INVOICE: "invoice",
    pb.KIND_PAYMENT: "payment",
    pb.KIND_CREDIT_MEMO: "credit_memo",
}
#: The link state each foreseen fate leaves.
STATE = {
    pb.FATE_CREATE: "synced",
    pb.FATE_UPDATE: "synced",
    pb.FATE_MATCH: "synced",
    pb.FATE_UNCHANGED: "synced",
    pb.FATE_SKIP: "skipped",
    pb.FATE_WAIT: "waiting",
    pb.FATE_FAIL: "failed",
}


def like_named_lookups(customers_made: int) -> int:
    """The most queries a preview sends for the customers of a like name of those it makes: a
    query per 50 family names and one per 50 company names (``dry.DryWriter``)."""
    return 2 * math.ceil(customers_made / 50)


def said(reason: str) -> str:
    """A reason without the detail in brackets at its end: QuickBooks' own words for a number
    taken by an invoice the same sync creates first, which no preview can quote."""
    return reason.split(" (")[0]


def preview(client, connection_id: int) -> tuple[list[pb.PreviewItem], pb.PreviewSummary, int]:
    """Every item a preview streams, its summary, and how many progress messages came first."""
    items, summary, progress = [], None, 0
    for message in client.preview(connection_id):
        items.extend(message.items)
        progress += bool(message.progress)
        if message.HasField("summary"):
            summary = message.summary
    return items, summary, progress


@pytest.fixture
def books(ready) -> Books:  # noqa: F811
    return seed_books(ready, BILLS, matched=4, renamed=3, taken=5, from_bill=100, alike=2)


def assert_the_sync_did_what_the_preview_said(connection_id: int, items: list[pb.PreviewItem]) -> dict:
    """Every record the sync planned, and no other, was foreseen, and ended as foreseen;
    returns the links by kind and Clio id."""
    foreseen = {(KIND[i.kind], i.clio_id): i for i in items}
    links = {(link.kind, link.clio_id): link for link in Link.select().where(Link.connection == connection_id)}
    assert set(links) == set(foreseen)
    differ = [
        (key, pb.Fate.Name(item.fate), links[key].state, links[key].reason)
        for key, item in foreseen.items()
        if links[key].state != STATE[item.fate]
        or (item.fate == pb.FATE_FAIL and said(links[key].reason) != said(item.reason))
    ]
    assert differ == [], "the sync did what the preview said"
    return links


def test_the_preview_of_a_first_sync_is_what_the_sync_then_does(books, ready, e2e_daemon, e2e_client):  # noqa: F811
    connection = connect(e2e_client, hold=True)
    assert connection.held
    matched, renamed, taken, holders = books.matched, set(books.renamed), books.taken, list(books.taken.values())
    before = {entity: len(qbo_objects(ready, entity)) for entity in ENTITIES}
    harness.reset_request_counts(ready)

    items, summary, progress = preview(e2e_client, connection.id)

    read = harness.api_requests(ready)
    harness.reset_request_counts(ready)

    assert progress > 0, (len(items), summary)
    assert {entity: len(qbo_objects(ready, entity)) for entity in ENTITIES} == before, "nothing written to QBO"
    assert not Link.select().where(Link.connection == connection.id).exists(), "no link stored"
    foreseen = {(KIND[i.kind], i.clio_id): i for i in items}
    assert len(foreseen) == len(items), "one item per record"
    assert {k for k, i in foreseen.items() if i.fate == pb.FATE_MATCH} == {("contact", c) for c in matched}
    assert all(foreseen["contact", c].qbo_id == q for c, q in matched.items())
    assert all(foreseen["contact", c].cause == "adopt:name_email" for c in matched)
    assert {("contact", c) for c in renamed} <= {k for k, i in foreseen.items() if i.cause == "create:name_taken"}
    for clio_id, customer in books.alike.items():
        item = foreseen["contact", clio_id]
        assert (item.fate, item.cause, item.conflict) == (pb.FATE_CREATE, "create:like_named", True)
        assert f"(Id {customer})" in item.reason, item.reason
    refused = {k: i for k, i in foreseen.items() if i.cause == "fail:number_taken"}
    assert set(refused) >= {("invoice", b) for b in taken}, "every number QuickBooks already has"
    assert {refused["invoice", b].qbo_id for b in taken} == set(holders), "the invoice that has it"
    assert all(i.conflict for i in refused.values())
    assert summary.conflicts >= len(taken) + len(renamed) + len(books.alike)
    assert summary.items_to_create == ["Expenses", "Sales tax (Clio)", "Services"]

    assert e2e_daemon.scheduler.await_dispatch(harness.PATIENCE)
    assert not Run.select().where(Run.connection == connection.id).exists(), "held: no run before Sync starts one"
    sync(e2e_client, connection.id)
    assert not e2e_client.status(connection.id).connection.held
    synced = harness.api_requests(ready)
    assert read["qbo_writes"] == 0
    made = sum(i.kind == pb.KIND_CONTACT and i.fate == pb.FATE_CREATE for i in items)
    assert read["qbo"] <= synced["qbo"] - synced["qbo_writes"] + like_named_lookups(made), (
        "what the sync's own look-ups read, and its look-ups of customers of a like name"
    )
    assert read["clio"] <= synced["clio"] + 1, "the same reads (the firm's currencies are read once a process)"
    assert read["qbo"] + read["clio"] < len(items) / 20, "a query per many objects, never a request per object"

    links = assert_the_sync_did_what_the_preview_said(connection.id, items)
    assert all(links["contact", c].qbo_id == q for c, q in matched.items()), "matched to the customers seeded"
    assert all(links["contact", c].qbo_id not in (q, "") for c, q in books.alike.items()), "made anew, undecided"
    for clio_id, holder in zip(taken, holders):
        assert f"TxnId={holder}" in links["invoice", clio_id].reason
    created = Counter(KIND[i.kind] for i in items if i.fate == pb.FATE_CREATE)
    after = {entity: len(qbo_objects(ready, entity)) for entity in ENTITIES}
    entity = {"contact": "Customer", "invoice": "Invoice", "payment": "Payment", "credit_memo": "CreditMemo"}
    assert {k: after[e] - before[e] for k, e in entity.items()} == {k: created[k] for k in entity}
    names = {c["Id"]: c["DisplayName"] for c in qbo_objects(ready, "Customer")}
    contacts = {str(c["id"]): c for c in books.firm.contacts}
    for clio_id in renamed:
        assert names[links["contact", clio_id].qbo_id] == mapping.disambiguated(contacts[clio_id]["name"], clio_id)
    invoices = {i["Id"]: i for i in qbo_objects(ready, "Invoice")}
    created_invoices = [
        links["invoice", i.clio_id] for i in items if i.fate == pb.FATE_CREATE and i.kind == pb.KIND_INVOICE
    ]
    written = sum((Decimal(str(invoices[link.qbo_id]["TotalAmt"])) for link in created_invoices), Decimal("0.00"))
    [invoice_money] = [
        m for c in summary.counts if c.kind == pb.KIND_INVOICE and c.fate == pb.FATE_CREATE for m in c.money
    ]
    assert Decimal(invoice_money.amount) == written, "the money foreseen is the money written"
    months = sum((Decimal(m.money.amount) for m in summary.months if m.kind == pb.KIND_INVOICE), Decimal("0.00"))
    assert months == written > 0


def test_matches_the_bookkeeper_decides_are_foreseen_and_honoured(books, ready, e2e_daemon, e2e_client):  # noqa: F811
    connection = connect(e2e_client, hold=True)
    [(named_alike, other_person), *_] = books.renamed.items()  # a customer of its name, another e-mail
    [(same_person, its_customer), *_] = books.matched.items()  # a customer of its name and e-mail
    [(linked_bill, foreign_invoice), (skipped_bill, _), (refused_bill, _), *_] = books.taken.items()  # 1st: same total
    contacts = {str(c["id"]): c for c in books.firm.contacts}
    found = e2e_client.search_qbo_customers(connection.id, contacts[named_alike]["name"][1:-1]).customers
    assert other_person in [c.id for c in found], "found by a part of its name"
    assert [c.id for c in e2e_client.search_qbo_customers(connection.id, "someone.else@example.org").customers]
    decide = functools.partial(e2e_client.decide_match, connection.id)
    decision = decide(pb.KIND_CONTACT, named_alike, pb.CHOICE_MATCH, qbo_id=other_person)
    assert (decision.choice, decision.qbo_id, decision.actor) == (pb.CHOICE_MATCH, other_person, "tester via api")
    decide(pb.KIND_CONTACT, same_person, pb.CHOICE_CREATE)
    decide(pb.KIND_INVOICE, linked_bill, pb.CHOICE_MATCH, qbo_id=foreign_invoice)
    decide(pb.KIND_INVOICE, skipped_bill, pb.CHOICE_MATCH, qbo_id=books.taken[skipped_bill])
    decide(pb.KIND_INVOICE, skipped_bill, pb.CHOICE_SKIP)  # changed: until the first write, the last word counts
    for bad, code in [
        (lambda: decide(pb.KIND_CONTACT, same_person, pb.CHOICE_SKIP), grpc.StatusCode.INVALID_ARGUMENT),
        (lambda: decide(pb.KIND_PAYMENT, "1", pb.CHOICE_SKIP), grpc.StatusCode.INVALID_ARGUMENT),
        (lambda: decide(pb.KIND_CONTACT, "99999", pb.CHOICE_CREATE), grpc.StatusCode.NOT_FOUND),
        (lambda: decide(pb.KIND_CONTACT, same_person, pb.CHOICE_MATCH, qbo_id="99999"), grpc.StatusCode.NOT_FOUND),
        (lambda: decide(pb.KIND_CONTACT, "x1", pb.CHOICE_CREATE), grpc.StatusCode.INVALID_ARGUMENT),
        # One customer is chosen for one contact: a second choice of it is refused, saying for whom.
        (
            lambda: decide(pb.KIND_CONTACT, same_person, pb.CHOICE_MATCH, qbo_id=other_person),
            grpc.StatusCode.FAILED_PRECONDITION,
        ),
    ]:
        with pytest.raises(DaemonError) as refused:
            bad()
        assert refused.value.code == code, refused.value

    items, _, _ = preview(e2e_client, connection.id)
    foreseen = {(KIND[i.kind], i.clio_id): i for i in items}
    assert (foreseen["contact", named_alike].fate, foreseen["contact", named_alike].cause) == (
        pb.FATE_MATCH,
        "adopt:decided",
    )
    assert foreseen["contact", named_alike].decision.qbo_id == other_person
    assert foreseen["contact", same_person].cause == "create:name_taken"
    assert (foreseen["invoice", linked_bill].fate, foreseen["invoice", linked_bill].qbo_id) == (
        pb.FATE_MATCH,
        foreign_invoice,
    )
    assert (foreseen["invoice", skipped_bill].fate, foreseen["invoice", skipped_bill].cause) == (
        pb.FATE_SKIP,
        "skip:decided",
    )

    sync(e2e_client, connection.id)

    links = assert_the_sync_did_what_the_preview_said(connection.id, items)
    assert links["contact", named_alike].qbo_id == other_person, "linked to the customer chosen, no duplicate"
    made = links["contact", same_person].qbo_id
    assert made != its_customer and made in {c["Id"] for c in qbo_objects(ready, "Customer")}
    assert links["invoice", linked_bill].qbo_id == foreign_invoice
    number = books.bill(linked_bill)["number"]
    [linked] = [i for i in qbo_objects(ready, "Invoice") if i.get("DocNumber") == number]
    assert linked["Id"] == foreign_invoice, "no second invoice of its number"
    client = links["contact", str(books.bill(linked_bill)["client"]["id"])].qbo_id
    assert linked["CustomerRef"]["value"] == client and "billsync" in linked["PrivateNote"], "written over: ours now"
    assert links["invoice", skipped_bill].state == "skipped" and not links["invoice", skipped_bill].qbo_id
    with pytest.raises(DaemonError) as refused:
        decide(pb.KIND_INVOICE, linked_bill, pb.CHOICE_SKIP)
    assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION and "already in QuickBooks" in str(refused.value)
    # A bill refused by the sync for its number is decided after it: the next run plans it again.
    assert links["invoice", refused_bill].state == "failed"
    decide(pb.KIND_INVOICE, refused_bill, pb.CHOICE_SKIP)
    again = {(KIND[i.kind], i.clio_id): i for i in preview(e2e_client, connection.id)[0]}
    assert again["invoice", refused_bill].cause == "skip:decided"
    sync(e2e_client, connection.id)
    assert (
        Link.get(Link.connection == connection.id, Link.kind == "invoice", Link.clio_id == refused_bill).state
        == "skipped"
    )
    logged = [e.message for e in e2e_client.list_events(connection.id, type_prefix="link.decided").events]
    assert len(logged) == 6 and all(e for e in logged)
    assert any(f"linked to Customer {contacts[named_alike]['name']} (Id {other_person})" in m for m in logged), logged


def test_a_preview_beside_a_sync_caught_mid_write_writes_nothing_and_the_sync_ends_as_alone(ready, e2e_client):  # noqa: F811
    seed_firm(ready, bills=30)  # its invoices fit one batch: once that is caught, the sync waits on it alone
    harness.hold_batches(ready, True, ["Invoice"])
    try:
        connection = connect(e2e_client)
        harness.wait_until(lambda: harness.caught(ready), "the sync's invoices to be caught in flight")
        assert len(harness.caught(ready)) == 1
        links = Link.select().where(Link.connection == connection.id).order_by(Link.id)
        before = [link.__data__ for link in links]
        assert any(link["state"] == "pending" for link in before), "creates announced and in flight"

        items, summary, _ = preview(e2e_client, connection.id)

        assert [link.__data__ for link in links.clone()] == before, "the preview wrote no link"
        assert summary.counts and items
    finally:
        harness.hold_batches(ready, False)
    harness.settle(e2e_client, connection.id)
    invoices = qbo_objects(ready, "Invoice")
    assert len({i["PrivateNote"] for i in invoices}) == len(invoices), "no invoice made twice"
    synced = Link.select().where(Link.connection == connection.id, Link.kind == "invoice", Link.state == "synced")
    assert synced.count() == len(invoices)


def test_a_preview_foresees_what_resync_marked_for_the_next_run_and_takes_no_mark(ready, e2e_client):  # noqa: F811
    seed_firm(ready, bills=30)
    connection = connect(e2e_client)
    harness.settle(e2e_client, connection.id)
    invoice = Link.get(Link.connection == connection.id, Link.kind == "invoice", Link.state == "synced")
    assert not [i for i in preview(e2e_client, connection.id)[0] if i.fate != pb.FATE_UNCHANGED], "nothing new"
    marks.mark(Link.select().where(Link.id == invoice.id))  # as Resync marks, without asking for a run

    items, _, _ = preview(e2e_client, connection.id)

    assert [(i.clio_id, i.fate) for i in items if i.kind == pb.KIND_INVOICE] == [(invoice.clio_id, pb.FATE_UPDATE)]
    assert PlanMark.select().where(PlanMark.connection == connection.id, PlanMark.taken_by.is_null()).count() == 1


def test_one_preview_of_a_connection_at_a_time(ready, e2e_client):  # noqa: F811
    seed_firm(ready, bills=30)
    connection = connect(e2e_client, hold=True)
    first = e2e_client.preview(connection.id)
    assert next(first).progress, "under way: it shows the kinds planned so far"
    with pytest.raises(DaemonError) as refused:
        preview(e2e_client, connection.id)
    assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION and "under way already" in str(refused.value)
    assert list(first)[-1].HasField("summary"), "the first answers in full (read to its end: its call is over)"
    assert preview(e2e_client, connection.id)[1].counts, "and the next may start"
