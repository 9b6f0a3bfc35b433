"""The writer when QBO's answers go missing: nothing written twice, nothing quietly dropped.

Each test strikes exactly the writes it means to in the QBO emulator (``after_next``): the
write is applied, then its answer is lost (a 503, a dropped connection) or, in a batch, left
out of the answer ("omit"). What a bookkeeper would notice is checked: what QBO holds, and
what the link says.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest

from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.rpc import convert
from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import outcomes, planner, recovery, totals
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import Action, Op
from billsync.daemon.sync.items import ensure_items
from billsync.daemon.sync.taxes import TaxTreatment
from billsync.daemon.sync.writer import UNCONFIRMED_REASON, Done, Writer
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import fast_http, qbo, qbo_row, sandbox  # noqa: F401 - fixtures are parameters of the tests
from tests.harness import set_preferences
from tests.test_planner import BILL, LINES


@pytest.fixture
def company(sandbox: Sandbox, qbo: QuickBooks) -> Iterator[Sandbox]:  # noqa: F811 - the imported fixtures
    """A fresh default company; the faults that strike after a write are off again after."""
    httpx.post(f"{sandbox.qbo_url}/_sandbox/reset").raise_for_status()
    yield sandbox
    sandbox.qbo.reconfigure(faults={"after_next": 0, "after_kinds": ["error", "drop", "omit"]})


def lose_answers(box: Sandbox, count: int, kind: str) -> None:
    """The next ``count`` writes QBO applies lose their answer as ``kind`` says."""
    box.qbo.reconfigure(faults={"after_next": count, "after_kinds": [kind]})


def customers(box: Sandbox) -> list[dict]:
    return box.qbo.store.snapshot(box.qbo_config.realm_id, "Customer")


def seeded_customer(box: Sandbox, name: str) -> str:
    created = httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"objects": {"Customer": [{"DisplayName": name}]}})
    return created.json()["created"]["Customer"][0]


def synced_link(connection: Connection, qbo_id: str) -> Link:
    return Link.create(
        connection=connection,
        kind=Kind.CONTACT,
        clio_id="1",
        state=LinkState.SYNCED,
        qbo_id=qbo_id,
        sync_token="0",
        fingerprint="before",
        label="Contact Jane Doe",
    )


def renaming(qbo_id: str, name: str) -> Op:
    """What the planner makes of a contact renamed in Clio, linked to customer ``qbo_id``."""
    body = {"DisplayName": name, "Id": qbo_id, "SyncToken": "0", "sparse": True}
    return Op(
        Kind.CONTACT,
        "1",
        "Contact Jane Doe",
        action=Action.UPDATE,
        body=body,
        fingerprint="after",
        qbo_id=qbo_id,
        sync_token="0",
    )


def write(connection: Connection, qbo: QuickBooks, ops: list[Op]) -> list[Done]:  # noqa: F811
    """Runs the writer over ``ops`` to the end; how each op ended, as the run counts it."""
    done: list[Done] = []
    existing = {link.clio_id: link for link in Link.select().where(Link.connection == connection)}
    for _ in Writer(connection, qbo, lambda op, outcome: done.append(outcome)).apply(ops, existing):
        pass
    return done


def invoice_create(bill: dict, customer_id: str, items: dict[str, str]) -> Op:
    """What the planner makes of a bill not linked yet, its client ``customer_id``."""
    return planner.plan_bill(
        bill,
        None,
        lines=LINES,
        customer_id=customer_id,
        item_ids=items,
        start_date="",
        held=None,
        account="5",
        tax=TaxTreatment.TOTAL_TAX,
    )


def link_of(connection: Connection) -> Link:
    return Link.get(Link.connection == connection, Link.clio_id == "1")


def test_an_update_left_out_of_the_answer_is_sent_again_and_lands(db, company, qbo) -> None:  # noqa: F811
    """QBO applied the update; its re-send meets 5010 and is written over a fresh read."""
    connection = Connection.create(name="Firm")
    qbo_id = seeded_customer(company, "Jane Doe")
    synced_link(connection, qbo_id)
    lose_answers(company, 1, "omit")

    assert write(connection, qbo, [renaming(qbo_id, "Jane Doe-Smith")]) == [Done.UPDATED]

    [customer] = customers(company)
    assert customer["DisplayName"] == "Jane Doe-Smith"
    link = link_of(connection)
    assert (link.state, link.fingerprint, link.sync_token) == (LinkState.SYNCED, "after", customer["SyncToken"])


def test_an_update_left_out_twice_is_recorded_failed_for_a_re_sync(db, company, qbo) -> None:  # noqa: F811
    connection = Connection.create(name="Firm")
    qbo_id = seeded_customer(company, "Jane Doe")
    synced_link(connection, qbo_id)
    lose_answers(company, 2, "omit")

    assert write(connection, qbo, [renaming(qbo_id, "Jane Doe-Smith")]) == [Done.FAILED]

    link = link_of(connection)
    assert (link.state, link.reason) == (LinkState.FAILED, UNCONFIRMED_REASON)
    assert link.fingerprint == "before", "a re-sync compares against what was confirmed"


def test_a_re_sync_of_an_update_left_out_twice_is_sent_anew_and_lands(db, company, qbo) -> None:  # noqa: F811
    """The re-sync sends the very same update as before: it must not be answered with what
    its last sending was answered (the item left out again), but applied and confirmed."""
    connection = Connection.create(name="Firm")
    qbo_id = seeded_customer(company, "Jane Doe")
    synced_link(connection, qbo_id)
    lose_answers(company, 2, "omit")
    assert write(connection, qbo, [renaming(qbo_id, "Jane Doe-Smith")]) == [Done.FAILED]

    assert write(connection, qbo, [renaming(qbo_id, "Jane Doe-Smith")]) == [Done.UPDATED]

    [customer] = customers(company)
    link = link_of(connection)
    assert (link.state, link.reason, link.sync_token) == (LinkState.SYNCED, "", customer["SyncToken"])


def test_a_create_left_out_of_the_answer_is_never_stuck_pending(db, company, qbo) -> None:  # noqa: F811
    """Its batch was answered, so its requestid would be answered alike: planned again after
    recovery found nothing, it must go out as a new request and get an outcome."""
    connection = Connection.create(name="Firm")
    seeded_customer(company, "Jane Doe")
    create = Op(Kind.CONTACT, "1", "Contact Jane Doe", action=Action.CREATE, body={"DisplayName": "Jane Doe"})
    lose_answers(company, 1, "omit")

    assert write(connection, qbo, [create]) == []
    assert link_of(connection).state == LinkState.PENDING
    assert recovery.resolve_pending(connection, qbo).unresolved == {Kind.CONTACT: {"1"}}

    assert write(connection, qbo, [create]) == [Done.FAILED]
    link = link_of(connection)
    assert (link.state, link.error_code) == (LinkState.FAILED, "6240")


def test_a_rewrite_whose_answer_is_lost_is_answered_not_refused(db, company, qbo) -> None:  # noqa: F811
    """Someone edited the customer in QBO (5010); the write over a fresh read is applied,
    its answer lost, and the retry must be answered with it rather than meet 5010 again."""
    connection = Connection.create(name="Firm")
    qbo_id = seeded_customer(company, "Jane Doe")
    synced_link(connection, qbo_id)
    qbo.update("Customer", {"Id": qbo_id, "SyncToken": "0", "sparse": True, "Notes": "Edited in QuickBooks"})
    lose_answers(company, 2, "error")  # the batch's answer (replayed to the retry), then the rewrite's

    assert write(connection, qbo, [renaming(qbo_id, "Jane Doe-Smith")]) == [Done.UPDATED]

    [customer] = customers(company)
    assert (customer["DisplayName"], customer["SyncToken"]) == ("Jane Doe-Smith", "2")
    assert link_of(connection).state == LinkState.SYNCED


def test_a_write_over_what_a_bookkeeper_chose_is_not_retried_over_a_fresh_read(db, company, qbo) -> None:  # noqa: F811
    """The object chosen changed in QBO since it was checked (5010): written over a fresh
    read, what the checks approved (its number, currency, total) might no longer hold."""
    connection = Connection.create(name="Firm")
    qbo_id = seeded_customer(company, "Jane Doe")
    qbo.update("Customer", {"Id": qbo_id, "SyncToken": "0", "sparse": True, "Notes": "Edited in QuickBooks"})
    decided = replace(renaming(qbo_id, "Jane Doe-Smith"), code=Cause.ADOPT_DECIDED)

    assert write(connection, qbo, [decided]) == [Done.FAILED]

    [customer] = customers(company)
    assert (customer["DisplayName"], customer["SyncToken"]) == ("Jane Doe", "1"), "not written over"
    assert (link_of(connection).state, link_of(connection).error_code) == (LinkState.FAILED, "5010")


def test_an_item_created_once_although_its_answer_was_lost(company, qbo) -> None:  # noqa: F811
    lose_answers(company, 1, "drop")
    ids = ensure_items(qbo, {"Service": "Legal services"})
    items = [
        i for i in company.qbo.store.snapshot(company.qbo_config.realm_id, "Item") if i["Name"] == "Legal services"
    ]
    assert [i["Id"] for i in items] == [ids["Service"]]


def test_a_void_applied_over_a_fresh_token_and_lost_to_a_crash_is_not_applied_again(db, company, qbo) -> None:  # noqa: F811
    """Someone edited the invoice in QBO, so the void meets 5010 and goes again over a fresh
    read; that one is applied, and the daemon dies before it hears so. Planned again from
    the same link (the old token), the void must find it done, not void it twice."""
    connection = Connection.create(name="Firm")
    customer = qbo.create("Customer", {"DisplayName": "Jane Doe"})
    item = ensure_items(qbo, {"Service": "Services"})["Service"]
    line = {"Amount": Decimal("100.00"), "DetailType": "SalesItemLineDetail"}
    invoice = qbo.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [{**line, "SalesItemLineDetail": {"ItemRef": {"value": item}}}],
            "PrivateNote": "Bill 1",
        },
    )
    Link.create(
        connection=connection,
        kind=Kind.INVOICE,
        clio_id="1",
        state=LinkState.SYNCED,
        qbo_id=invoice["Id"],
        sync_token=invoice["SyncToken"],
        fingerprint="issued",
        label="Bill 1",
    )
    qbo.update(
        "Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True, "DueDate": "2030-01-01"}
    )
    void = Op(Kind.INVOICE, "1", "Bill 1", action=Action.VOID, qbo_id=invoice["Id"], sync_token=invoice["SyncToken"])
    dying = copy.copy(qbo)
    dying.http = fast_http(max_attempts=1)  # the crash: no retry hears the answer
    lose_answers(company, 1, "error")
    with pytest.raises(QboFault):
        write(connection, dying, [void])

    assert write(connection, qbo, [void]) == [Done.UPDATED]

    [stored] = [
        i for i in company.qbo.store.snapshot(company.qbo_config.realm_id, "Invoice") if i["Id"] == invoice["Id"]
    ]
    assert stored["PrivateNote"] == "Voided - Bill 1"
    link = link_of(connection)
    assert (link.state, link.fingerprint, link.sync_token) == (LinkState.SYNCED, Action.VOID, stored["SyncToken"])


def test_a_create_not_found_while_the_last_holder_may_still_land_it_stays_pending(db, company, qbo) -> None:  # noqa: F811
    """A takeover finds a pending create QBO does not have: the stalled holder's request may
    still be on its way (QBO executes one for up to 120 s), so it is neither planned again
    nor retired until no write sent under that lease can land any more."""
    connection = Connection.create(name="Firm", state="connected")
    stalled = leases.claim(connection.id, "host-a:1:aaaa", landing=dt.timedelta(seconds=120))
    create = Op(Kind.CONTACT, "1", "Contact Jane Doe", action=Action.CREATE, body={"DisplayName": "Jane Doe"})
    outcomes.mark_pending(stalled, [create], {})
    Connection.update(lease_until=leases.database_now(-dt.timedelta(seconds=1))).execute()
    holder = leases.claim(connection.id, "host-b:2:bbbb", landing=dt.timedelta(seconds=120))

    resolution = recovery.resolve_pending(holder, qbo)
    assert (resolution.in_flight, resolution.unresolved) == ({Kind.CONTACT: {"1"}}, {})
    assert link_of(connection).state == LinkState.PENDING

    Connection.update(prior_writes_until=leases.database_now(-dt.timedelta(seconds=1))).execute()  # 120 s later
    resolution = recovery.resolve_pending(holder, qbo)
    assert (resolution.in_flight, resolution.unresolved) == ({}, {Kind.CONTACT: {"1"}})


def test_an_invoice_quickbooks_totals_otherwise_fails_with_both_figures_and_keeps_its_object(
    db,
    company,
    qbo,  # noqa: F811
) -> None:
    """QuickBooks answered the write with other figures than Clio's: the tax was sent as the
    invoice's own to a company with sales tax off, which drops it (as a company whose setting
    changed since the run read it would). The link fails and says both, and keeps the
    invoice, so that a re-sync updates it once the company keeps the tax."""
    connection = Connection.create(name="Firm")
    customer = qbo.create("Customer", {"DisplayName": "Jane Doe"})
    bill = {
        "id": 1,
        "number": "T-1",
        "state": "awaiting_payment",
        "issued_at": "2024-03-01",
        "total": "107.00",
        "sub_total": "100.00",
        "tax_sum": "7.00",
        "client": {"id": 4, "name": "Jane Doe"},
    }
    lines = [{"id": 1, "kind": "Service", "price": "100.00", "quantity": "1", "total": "100.00", "taxable": True}]

    def planned(link: Link | None) -> Op:
        return planner.plan_bill(
            bill,
            link,
            lines=lines,
            customer_id=customer["Id"],
            item_ids=ensure_items(qbo, {"Service": "Services"}),
            start_date="",
            held=None,
            account="5",
            tax=TaxTreatment.TOTAL_TAX,
            force=link is not None,
        )

    assert write(connection, qbo, [planned(None)]) == [Done.FAILED]
    link = link_of(connection)
    assert (link.state, link.error_code) == (LinkState.FAILED, totals.MISMATCH)
    assert "QuickBooks shows a total of 100.00 (tax 0.00), but Clio's bill is 107.00 (tax 7.00)" in link.reason
    [invoice] = company.qbo.store.snapshot(company.qbo_config.realm_id, "Invoice")
    assert link.qbo_id == invoice["Id"]

    set_preferences(company, UsingSalesTax=True)
    assert write(connection, qbo, [planned(link)]) == [Done.UPDATED]
    assert link_of(connection).state == LinkState.SYNCED
    assert len(company.qbo.store.snapshot(company.qbo_config.realm_id, "Invoice")) == 1


def test_a_taken_invoice_number_links_to_the_invoice_that_has_it(db, company: Sandbox, qbo: QuickBooks) -> None:  # noqa: F811
    """QuickBooks names the holder of the number in its refusal (6140); the item links to
    it, so the bookkeeper opens the invoice to renumber rather than reading its TxnId."""
    set_preferences(company, CustomTxnNumbers=True, WarnDuplicateBillNumber=True)
    connection = Connection.create(name="Firm")
    customer = qbo.create("Customer", {"DisplayName": "Amy Alder"})
    items = ensure_items(qbo, {"Service": "Services"})
    op = invoice_create(
        {**BILL, "id": 1, "number": "1042", "client": {"id": 4, "name": "Amy Alder"}}, customer["Id"], items
    )
    holder = qbo.create("Invoice", {**op.body, "PrivateNote": "made by hand"})
    assert write(connection, qbo, [op]) == [Done.FAILED]
    link = convert.link(link_of(connection), "https://qbo.example")
    assert link.error_code == "6140" and "Another QuickBooks invoice already has number 1042." in link.reason
    assert link.conflict_url == f"https://qbo.example/app/invoice?txnId={holder['Id']}"
    assert convert.link(link_of(connection)).conflict_url == "", "no QuickBooks to link to"
