"""Broken links and re-sync, revoke and reconnect, purge: what an admin does on the Bill Syncing page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import httpx
import pytest

from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.daemon.store.models import Connection, Link, PlanMark, Run, Watermark, utcnow
from billsync.daemon.sync import mapping
from billsync.daemon.sync.decisions import KIND_ENTITY
from billsync.daemon.sync.mapping import marker
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import api_requests, authorize, connect, qbo_objects, seed_firm, sync
from tests.harness import PATIENCE, caught, hold_batches, make_ready, resync, settle, stop_in_process, wait_until


@pytest.fixture
def synced(sandbox, e2e_client):
    """A connected demo firm, synced once, with no run going or due: authorizing asks for
    a run too, and the first sync may have joined it or been followed by another, which
    must not overlap what a test does next."""
    seed_firm(sandbox, bills=40, seed=5)
    make_ready(sandbox)
    connection = connect(e2e_client)
    assert sync(e2e_client, connection.id).state == pb.RUN_STATE_SUCCEEDED
    settle(e2e_client, connection.id)
    return connection


def act_in_qbo(box, entity: str, qbo_id: str, action: str) -> None:
    httpx.post(f"{box.qbo_url}/_sandbox/user/{box.qbo_config.realm_id}/{entity}/{qbo_id}/{action}").raise_for_status()


def problems(client, connection_id) -> dict[int, pb.Link]:
    return {link.id: link for link in client.status(connection_id).problems}


def test_invoice_deleted_in_qbo_breaks_and_resync_recreates_it_with_its_payments(sandbox, e2e_client, synced):
    payment = Link.get(Link.kind == "payment", Link.state == "synced", Link.depends_on.is_null(False))
    invoice = Link.get(Link.kind == "invoice", Link.clio_id == payment.depends_on.split(":")[1])
    act_in_qbo(sandbox, "Invoice", invoice.qbo_id, "delete")

    sync(e2e_client, synced.id)
    shown = problems(e2e_client, synced.id)
    assert shown[invoice.id].state == pb.LINK_STATE_BROKEN
    assert "Deleted in QuickBooks" in shown[invoice.id].reason
    assert Link.get_by_id(payment.id).state == "waiting"
    assert Link.get_by_id(payment.id).reason.endswith("which was deleted in QuickBooks")

    resync(e2e_client, synced.id, link_ids=[invoice.id])
    assert Link.get_by_id(invoice.id).state == "synced"
    note = marker("bill", invoice.clio_id, account=invoice.connection.clio_account_id)
    recreated = [i for i in qbo_objects(sandbox, "Invoice") if i.get("PrivateNote") == note]
    assert len(recreated) == 1 and recreated[0]["DocNumber"] == invoice.qbo_ref and recreated[0]["Id"] != invoice.qbo_id
    relinked = Link.get_by_id(payment.id)
    assert relinked.state == "synced" and relinked.qbo_id == payment.qbo_id
    [qbo_payment] = [p for p in qbo_objects(sandbox, "Payment") if p["Id"] == payment.qbo_id]
    assert qbo_payment["Line"][0]["LinkedTxn"][0]["TxnId"] == recreated[0]["Id"]
    assert Decimal(str(recreated[0]["Balance"])) < Decimal(str(recreated[0]["TotalAmt"]))
    types = [e.type for e in e2e_client.list_events(synced.id, page_size=1000).events]
    assert "link.broken" in types and "link.resync" in types


def broken_invoice(sandbox, client, connection) -> Link:
    """An invoice deleted in QuickBooks, found so by a sync."""
    invoice = Link.get(Link.kind == "invoice", Link.state == "synced")
    act_in_qbo(sandbox, "Invoice", invoice.qbo_id, "delete")
    sync(client, connection.id)
    assert Link.get_by_id(invoice.id).state == "broken"
    return invoice


def test_a_resync_answers_at_once_and_the_run_it_asked_for_pushes_the_item(sandbox, e2e_client, synced):
    """Resync marks and answers; it does not wait for the run (which once took the panel past
    its patience): here the run's batch is still held in QuickBooks when the answer is in."""
    invoice = broken_invoice(sandbox, e2e_client, synced)
    hold_batches(sandbox, True)
    try:
        answer = e2e_client.resync(synced.id, link_ids=[invoice.id])
        assert answer.requested == 1 and [link.state for link in answer.links] == [pb.LINK_STATE_BROKEN]
        wait_until(lambda: caught(sandbox), "the re-sync's batch held in QuickBooks")
        assert Run.get(Run.state == "running").id > answer.after_run_id
    finally:
        hold_batches(sandbox, False)
    followed = [p.run for p in e2e_client.sync(synced.id, follow_after_run_id=answer.after_run_id)]
    assert followed[-1].state == pb.RUN_STATE_SUCCEEDED and followed[-1].trigger == "resync"
    assert Link.get_by_id(invoice.id).state == "synced"
    assert not PlanMark.select().exists(), "the run's end clears what it pushed"


def test_a_resync_asked_for_while_another_daemon_holds_the_connection_survives_a_restart(
    sandbox, e2e_config, e2e_daemon, e2e_client, synced
):
    """The marks are rows: a re-sync asked of a daemon that stops before any run takes it is
    carried out by the next daemon to hold the connection."""
    invoice = broken_invoice(sandbox, e2e_client, synced)
    elsewhere = {"lease_owner": "elsewhere:1:parked", "lease_until": utcnow() + dt.timedelta(hours=1)}
    Connection.update(**elsewhere).where(Connection.id == synced.id).execute()
    answer = e2e_client.resync(synced.id, link_ids=[invoice.id])
    assert answer.requested == 1
    stop_in_process(e2e_daemon, grace=1.0)
    assert [(m.kind, m.clio_id) for m in PlanMark.select()] == [("invoice", invoice.clio_id)]
    Connection.update(lease_owner=None, lease_until=None).where(Connection.id == synced.id).execute()

    successor = Daemon(e2e_config)
    successor.start()
    try:
        with DaemonClient(f"127.0.0.1:{successor.port}", token=e2e_config.api_token) as client:
            followed = [p.run for p in client.sync(synced.id, follow_after_run_id=answer.after_run_id)]
    finally:
        stop_in_process(successor, grace=1.0)
    assert followed[-1].state == pb.RUN_STATE_SUCCEEDED
    assert Link.get_by_id(invoice.id).state == "synced"
    assert not PlanMark.select().exists()


def test_customer_made_inactive_breaks_and_resync_restores_it(sandbox, e2e_client, synced):
    contact = Link.get(Link.kind == "contact", Link.state == "synced")
    act_in_qbo(sandbox, "Customer", contact.qbo_id, "deactivate")
    sync(e2e_client, synced.id)
    assert problems(e2e_client, synced.id)[contact.id].reason.startswith("Made inactive in QuickBooks")

    resync(e2e_client, synced.id, all_problems=True)
    [customer] = [c for c in qbo_objects(sandbox, "Customer") if c["Id"] == contact.qbo_id]
    assert customer["Active"] is True and customer["DisplayName"] == contact.qbo_ref
    assert Link.get_by_id(contact.id).state == "synced"
    note = marker("contact", contact.clio_id, account=contact.connection.clio_account_id)
    assert len([c for c in qbo_objects(sandbox, "Customer") if c.get("Notes") == note]) == 1


def test_a_bill_waiting_on_its_broken_client_follows_the_clients_resync_in_the_same_run(sandbox, e2e_client, synced):
    """A client written in a run (here re-activated by a re-sync of the client alone) brings
    along, in that run, the bills that waited for it, not a run later."""
    invoice = Link.get(Link.kind == "invoice", Link.state == "synced")
    with sandbox.clio.store.lock:
        client_id = sandbox.clio.store["bills"].records[int(invoice.clio_id)]["client"]["id"]
    contact = Link.get(Link.kind == "contact", Link.clio_id == str(client_id))
    act_in_qbo(sandbox, "Customer", contact.qbo_id, "deactivate")
    sync(e2e_client, synced.id)
    assert Link.get_by_id(contact.id).state == "broken"
    number = f"W-{invoice.clio_id}"
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{invoice.clio_id}", json={"number": number}).raise_for_status()
    sync(e2e_client, synced.id)
    assert Link.get_by_id(invoice.id).state == "waiting"

    resync(e2e_client, synced.id, link_ids=[contact.id])

    assert Link.get_by_id(contact.id).state == "synced"
    assert Link.get_by_id(invoice.id).state == "synced"
    [pushed] = [i for i in qbo_objects(sandbox, "Invoice") if i["Id"] == invoice.qbo_id]
    assert pushed["DocNumber"] == number


def test_revoke_stops_every_call_until_reauthorized_then_resumes_without_duplicates(
    sandbox, e2e_daemon, e2e_client, synced
):
    revoked = e2e_client.revoke(synced.id)
    assert revoked.state == pb.CONNECTION_STATE_REVOKED and not revoked.qbo_authorized
    kept = Link.select().count()
    httpx.post(
        f"{sandbox.clio_url}/_sandbox/bills",
        json={
            "client_id": int(Link.get(Link.kind == "contact").clio_id),
            "state": "awaiting_payment",
            "number": "NEW-1",
            "lines": [{"kind": "Service", "description": "Advice", "price": "100.00", "quantity": "1"}],
        },
    ).raise_for_status()
    before, last_run = api_requests(sandbox), e2e_client.status(synced.id).last_run.id
    with pytest.raises(DaemonError) as refused:
        list(e2e_client.sync(synced.id, timeout=60))
    assert "revoked" in str(refused.value)
    # Revoking clears next_run_at, which the scheduler reads as "due": only the state keeps
    # a pass from starting it, and a pass that began after the refusal has now ended.
    assert e2e_daemon.scheduler.await_dispatch(PATIENCE), "the scheduler made no dispatch pass"
    assert api_requests(sandbox)["qbo"] == before["qbo"]
    assert Link.select().count() == kept
    status = e2e_client.status(synced.id)
    assert not status.HasField("current_run") and status.last_run.id == last_run

    authorize(e2e_client, synced.id, pb.PROVIDER_CLIO)
    assert authorize(e2e_client, synced.id, pb.PROVIDER_QBO).state == pb.CONNECTION_STATE_CONNECTED
    assert sync(e2e_client, synced.id).state == pb.RUN_STATE_SUCCEEDED
    invoices = [i.get("PrivateNote") for i in qbo_objects(sandbox, "Invoice")]
    assert len(invoices) == len(set(invoices))
    assert any(i["DocNumber"] == "NEW-1" for i in qbo_objects(sandbox, "Invoice"))


def test_purge_needs_confirmation_deletes_links_and_leaves_qbo_alone(sandbox, e2e_client, synced):
    with pytest.raises(DaemonError) as refused:
        e2e_client.purge(synced.id, confirm="yes")
    assert "To confirm" in str(refused.value)
    in_qbo = {e: len(qbo_objects(sandbox, e)) for e in ("Customer", "Invoice", "Payment")}
    company = e2e_client.status(synced.id).connection.qbo_company_name
    purged = e2e_client.purge(synced.id, confirm=company)
    assert purged.links_deleted > 50
    assert not Link.select().exists() and not Watermark.select().exists()
    assert {e: len(qbo_objects(sandbox, e)) for e in in_qbo} == in_qbo
    events = e2e_client.list_events(synced.id, page_size=1000).events
    assert events[-1].type == "connection.purged" and events[-1].actor == "tester via api"


def test_reconnecting_to_another_company_with_links_kept_is_refused(sandbox, e2e_client, synced):
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"realm_id": "4620816365000000001"}).raise_for_status()
    e2e_client.revoke(synced.id)
    with pytest.raises(DaemonError) as refused:
        authorize(e2e_client, synced.id, pb.PROVIDER_QBO, realmId="4620816365000000001")
    message = str(refused.value)
    assert sandbox.qbo_config.realm_id in message and "4620816365000000001" in message and "Purge" in message
    assert e2e_client.status(synced.id).connection.qbo_realm_id == sandbox.qbo_config.realm_id


def test_purge_is_not_blocked_by_the_run_of_a_daemon_that_died(sandbox, e2e_client, synced):
    dead = Run.create(connection=synced.id, trigger="schedule")  # running, and no daemon holds the lease
    company = e2e_client.status(synced.id).connection.qbo_company_name
    assert e2e_client.purge(synced.id, confirm=company).links_deleted > 0
    assert Run.get_by_id(dead.id).state == "failed" and "Interrupted" in Run.get_by_id(dead.id).error


def test_access_revoked_in_quickbooks_parks_the_connection_and_loses_nothing(sandbox, e2e_client, synced):
    """Someone disconnects the app in QBO: the next run asks for authorization, keeps every
    link, and a re-authorization resumes without a duplicate."""
    from billsync.daemon.store.models import Connection
    from billsync.sandbox.qbo.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    refresh = Connection.get_by_id(synced.id).qbo_tokens["refresh_token"]
    httpx.post(
        f"{sandbox.qbo_url}/v2/oauth2/tokens/revoke",
        json={"token": refresh},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    ).raise_for_status()
    kept = Link.select().count()
    run = sync(e2e_client, synced.id)
    assert run.state == pb.RUN_STATE_FAILED and "authorize" in run.error.lower()
    status = e2e_client.status(synced.id)
    assert status.connection.state == pb.CONNECTION_STATE_NEEDS_AUTHORIZATION
    assert Link.select().count() == kept and not Link.select().where(Link.state == "pending").exists()

    assert authorize(e2e_client, synced.id, pb.PROVIDER_QBO).state == pb.CONNECTION_STATE_CONNECTED
    assert sync(e2e_client, synced.id).state == pb.RUN_STATE_SUCCEEDED
    notes = [i.get("PrivateNote") for i in qbo_objects(sandbox, "Invoice")]
    assert len(notes) == len(set(notes))


def test_reconnecting_clio_as_another_firm_with_links_kept_is_refused(sandbox, e2e_client, synced):
    e2e_client.revoke(synced.id)
    clio = sandbox.clio_app.extensions["clio"]
    clio.config = dataclasses.replace(clio.config, account_id=99, account_name="Other Firm LLP")
    with pytest.raises(DaemonError) as refused:
        authorize(e2e_client, synced.id, pb.PROVIDER_CLIO)
    assert (
        "Sandbox Law LLP" in str(refused.value)
        and "Other Firm LLP" in str(refused.value)
        and "Purge" in str(refused.value)
    )
    assert not e2e_client.status(synced.id).connection.clio_authorized


def test_a_pending_create_whose_bill_was_deleted_in_clio_is_retired_and_holds_nothing_back(sandbox, e2e_client, synced):
    """A crash left a bill's create unconfirmed, and the bill was deleted in Clio before the
    daemon came back: QBO has no such invoice, Clio no such bill. The link is retired with
    what happened, and the watermarks move on at once."""
    gone = Link.create(
        connection=synced.id, kind="invoice", clio_id="987654", state="pending", label="Bill GONE-1",
        qbo_ref="GONE-1", idempotency_key="k-gone",
    )  # fmt: skip
    before = {w.resource: w.updated_at for w in Watermark.select()}
    edited = Link.get(Link.kind == "invoice", Link.state == "synced")
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{edited.clio_id}", json={"number": "EDITED-1"}).raise_for_status()
    sync(e2e_client, synced.id)
    retired = Link.get_by_id(gone.id)
    assert retired.state == "skipped" and "Deleted in Clio" in retired.reason
    after = {w.resource: w.updated_at for w in Watermark.select()}
    assert after["bills"] > before["bills"], "the pending link held the bills' watermark back"
    invoices = {i["Id"]: i for i in qbo_objects(sandbox, "Invoice")}
    assert invoices[Link.get_by_id(edited.id).qbo_id]["DocNumber"] == "EDITED-1"
    sync(e2e_client, synced.id)
    assert Link.get_by_id(gone.id).state == "skipped"


def test_sync_that_joins_a_run_in_progress_is_followed_by_one_that_sees_what_changed_since(sandbox, e2e_client, synced):
    """Pressing Sync while a run is writing joins that run, which read Clio before the edit
    made just now: another run follows it by itself and takes the edit to QBO."""
    first, second = Link.select().where(Link.kind == "invoice", Link.state == "synced").limit(2)
    bills = f"{sandbox.clio_url}/_sandbox/bills"
    hold_batches(sandbox, True)
    try:
        httpx.patch(f"{bills}/{first.clio_id}", json={"number": "BEFORE-1"}).raise_for_status()
        running = e2e_client.sync(synced.id)
        assert not next(running).joined
        wait_until(lambda: caught(sandbox), "the run's batch held in QBO")
        httpx.patch(f"{bills}/{second.clio_id}", json={"number": "AFTER-1"}).raise_for_status()
        joining = e2e_client.sync(synced.id)
        assert next(joining).joined
    finally:
        hold_batches(sandbox, False)
    assert list(joining)[-1].run.state == pb.RUN_STATE_SUCCEEDED
    list(running)

    def doc_number(link: Link) -> str:
        invoice = next(i for i in qbo_objects(sandbox, "Invoice") if i["Id"] == link.qbo_id)
        return invoice["DocNumber"]

    wait_until(lambda: doc_number(second) == "AFTER-1", "a run after the joined one to write the edit")
    assert doc_number(first) == "BEFORE-1"


#: Each QBO entity billsync writes, with the link kind and the Clio word its marker names.
WRITTEN = {"Customer": ("contact", "contact"), "Invoice": ("invoice", "bill"), "Payment": ("payment", "allocation")}
WRITTEN["CreditMemo"] = ("credit_memo", "credit_memo")


def held_in_qbo(box) -> dict[str, dict[str, dict]]:
    """Every object of each entity billsync writes, by QBO id."""
    return {entity: {o["Id"]: o for o in qbo_objects(box, entity)} for entity in WRITTEN}


def links_in(connection_id: int, *states: str) -> dict[tuple[str, str], tuple[str, str]]:
    """The links of the connection in ``states``, with their states and QBO fault codes."""
    rows = Link.select().where(Link.connection == connection_id, Link.state.in_(states))
    return {(link.kind, link.clio_id): (link.state, link.error_code) for link in rows}


def assert_each_link_holds_its_own_object(box, connection_id: int, account: str) -> None:
    """Every synced link points to a live object carrying its own marker, one object a link."""
    held = held_in_qbo(box)
    for entity, (kind, word) in WRITTEN.items():
        field = "Notes" if entity == "Customer" else "PrivateNote"
        synced = Link.select().where(Link.connection == connection_id, Link.kind == kind, Link.state == "synced")
        ids = [link.qbo_id for link in synced if not link.reason.startswith("Voided")]
        assert len(ids) == len(set(ids)), f"two links share one {entity}"
        for link in synced:
            if not link.reason.startswith("Voided"):
                assert held[entity][link.qbo_id][field] == marker(word, link.clio_id, account=account)


def test_reconnecting_after_a_purge_adopts_what_billsync_made_instead_of_making_it_again(sandbox, e2e_client):
    """Revoke and Purge, then the same Clio account and QBO company again: every object
    billsync made is found by its marker and linked. Nothing is made twice, and nothing is
    reported but what Clio's own records cause (a bill number too long, or another bill's)."""
    seed_firm(sandbox, bills=300, seed=8)
    make_ready(sandbox)
    connection = connect(e2e_client)
    assert sync(e2e_client, connection.id).state == pb.RUN_STATE_SUCCEEDED
    settle(e2e_client, connection.id)
    before, problems_before = held_in_qbo(sandbox), links_in(connection.id, "failed", "broken", "waiting")
    assert all(len(before[entity]) > 5 for entity in WRITTEN), {e: len(o) for e, o in before.items()}
    account = Connection.get_by_id(connection.id).clio_account_id

    e2e_client.purge(connection.id, confirm=e2e_client.status(connection.id).connection.qbo_company_name)
    authorize(e2e_client, connection.id, pb.PROVIDER_CLIO)
    assert authorize(e2e_client, connection.id, pb.PROVIDER_QBO).state == pb.CONNECTION_STATE_CONNECTED
    assert sync(e2e_client, connection.id).state == pb.RUN_STATE_SUCCEEDED
    settle(e2e_client, connection.id)

    after = held_in_qbo(sandbox)
    assert {e: set(after[e]) for e in WRITTEN} == {e: set(before[e]) for e in WRITTEN}, "an object was made twice"
    assert links_in(connection.id, "failed", "broken", "waiting") == problems_before
    assert links_in(connection.id, "synced"), "nothing was linked again"
    assert_each_link_holds_its_own_object(sandbox, connection.id, account)


def test_a_second_clio_account_in_the_same_company_makes_objects_of_its_own(sandbox, e2e_client, synced):
    """Another Clio account (another region, say) whose records have the first one's ids,
    and its clients the first one's names and e-mails, syncs into the same QBO company: it
    adopts none of the first account's objects, touches none, and a bill number the first
    account's invoice has is a conflict to resolve, not an invoice to take over."""
    first = held_in_qbo(sandbox)
    e2e_client.revoke(synced.id)
    seed_firm(sandbox, bills=40, seed=5)  # the first firm again: the same ids, names and numbers
    firm = generate_firm(40, seed=5)
    # A name billsync gave one of the first firm's namesakes ("John Smith (Clio 7)") cannot be given twice.
    names = {c["DisplayName"] for c in first["Customer"].values()}
    for contact in firm.contacts:
        if mapping.disambiguated(mapping.display_name(contact), contact["id"]) in names:
            edit = {"name": f"{contact['name']} Jr"}
            httpx.patch(f"{sandbox.clio_url}/_sandbox/contacts/{contact['id']}", json=edit).raise_for_status()
    kept = Link.get(Link.connection == synced.id, Link.kind == "invoice", Link.state == "synced")
    for bill in firm.bills:
        if str(bill["id"]) != kept.clio_id:
            edit = {"number": f"T{bill['number']}"}
            httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{bill['id']}", json=edit).raise_for_status()
    clio = sandbox.clio_app.extensions["clio"]
    clio.config = dataclasses.replace(clio.config, account_id=2, account_name="Second Firm LLP")

    second = connect(e2e_client, name="Second Firm LLP")
    assert sync(e2e_client, second.id).state == pb.RUN_STATE_SUCCEEDED
    settle(e2e_client, second.id)

    after = held_in_qbo(sandbox)
    for entity, objects in first.items():
        untouched = {i: o["SyncToken"] for i, o in objects.items()}
        assert {i: after[entity][i]["SyncToken"] for i in objects} == untouched, f"a {entity} of the first firm changed"
    theirs = Link.select().where(Link.connection == second.id, Link.qbo_id.is_null(False))
    assert theirs.count() > 50 and not [link for link in theirs if link.qbo_id in first[KIND_ENTITY[link.kind]]]
    assert_each_link_holds_its_own_object(sandbox, second.id, "2")
    refused = Link.get(Link.connection == second.id, Link.kind == "invoice", Link.clio_id == kept.clio_id)
    assert refused.state == "failed" and f"already has number {kept.qbo_ref}" in refused.reason
