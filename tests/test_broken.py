"""Finding what someone deleted in QBO, when QBO changes while it is being read."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from billsync.daemon.http import Http
from billsync.daemon.qbo import client as qbo_client
from billsync.daemon.qbo.client import QboRef, QuickBooks
from billsync.daemon.store import leases
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Connection, Kind, Link, LinkState, utcnow
from billsync.daemon.sync import broken
from billsync.sandbox.qbo import seed
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import (  # noqa: F401 - fixtures are parameters of the tests that use them
    AfterFirstPage,
    config_for,
    qbo,
    qbo_row,
    sandbox,
)


def test_a_scan_calls_deleted_only_what_was_deleted_while_its_pages_were_read(
    db, qbo: QuickBooks, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deletion on a page already read moves the next row back onto that page: offset
    paging never lists it, and it must not be reported deleted for that. The deletion
    itself is found by the next read."""
    realm = sandbox.qbo_config.realm_id
    others = qbo.count("select count(*) from Invoice")
    ours = seed.seed_objects(
        sandbox.qbo.store, realm, {"Invoice": [{"DocNumber": f"SCAN-{i}"} for i in range(12)]}, raw=True
    )["Invoice"]
    connection = Connection.create(name="Scan")
    for n, qbo_id in enumerate(ours):
        Link.create(connection=connection, kind=Kind.INVOICE, clio_id=str(n), state=LinkState.SYNCED, qbo_id=qbo_id)
    # The first page ends five rows into ours, so the row after the deleted one crosses back.
    monkeypatch.setattr(qbo_client, "PAGE_SIZE", others + 5)

    def a_user_deletes_the_first() -> None:
        url = f"{sandbox.qbo_url}/_sandbox/user/{realm}/Invoice/{ours[0]}/delete"
        httpx.post(url).raise_for_status()

    scanning = QuickBooks(
        config_for(sandbox).qbo_api_url,
        qbo.realm_id,
        qbo.tokens,
        qbo.limiter,
        http=Http(transport=AfterFirstPage(a_user_deletes_the_first)),
    )
    assert broken.scan(connection, scanning, ["Invoice"]) == {}, "the row that crossed back is still in QBO"
    assert broken.scan(connection, qbo, ["Invoice"]) == {QboRef("Invoice", ours[0]): "Deleted in QuickBooks"}


def test_a_scan_reads_a_page_at_a_time_and_finds_what_is_gone_past_the_first(
    db, qbo: QuickBooks, sandbox: Sandbox
) -> None:
    """QBO answers whole objects to ``select Id`` (no projections): the scan of a large
    company takes its pages one at a time, never the whole list at once."""
    realm = sandbox.qbo_config.realm_id
    ours = seed.seed_objects(
        sandbox.qbo.store, realm, {"Invoice": [{"DocNumber": f"BIG-{i}"} for i in range(2500)]}, raw=True
    )["Invoice"]
    connection = Connection.create(name="Large")
    Link.insert_many(
        [
            {"connection": connection, "kind": Kind.INVOICE, "clio_id": str(n), "state": LinkState.SYNCED, "qbo_id": i}
            for n, i in enumerate(ours)
        ]
    ).execute()
    for qbo_id in (ours[1500], ours[-1]):
        httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/Invoice/{qbo_id}/delete").raise_for_status()
    counting = AfterFirstPage(lambda: None)
    scanning = QuickBooks(
        config_for(sandbox).qbo_api_url, qbo.realm_id, qbo.tokens, qbo.limiter, http=Http(transport=counting)
    )

    pages = scanning.query_pages("select Id from Invoice")
    assert "DocNumber" in next(pages)[0], "whole objects"
    assert counting.pages == 1, "the next page is asked for only once this one is taken"
    assert sum(1 for _ in pages) == 2 and counting.pages == 3
    assert broken.scan(connection, scanning, ["Invoice"]) == {
        QboRef("Invoice", ours[1500]): "Deleted in QuickBooks",
        QboRef("Invoice", ours[-1]): "Deleted in QuickBooks",
    }


def test_what_quickbooks_removed_reads_as_what_happened_and_its_payments_wait_for_it_by_name(
    db, qbo: QuickBooks, sandbox: Sandbox
) -> None:
    """Found by Change Data Capture: the reason says what someone did, not QBO's raw
    LastUpdatedTime (the row's own time and "Failing since" say when); a payment on the
    invoice waits for it by its number and client."""
    realm = sandbox.qbo_config.realm_id
    [invoice] = seed.seed_objects(sandbox.qbo.store, realm, {"Invoice": [{"DocNumber": "1042"}]}, raw=True)["Invoice"]
    connection = Connection.create(name="Gone", cdc_since=utcnow() - dt.timedelta(minutes=1))
    label = "Invoice 1042 (Amy Alder)"
    Link.create(
        connection=connection, kind=Kind.INVOICE, clio_id="9", state=LinkState.SYNCED, qbo_id=invoice, label=label
    )
    payment = Link.create(
        connection=connection,
        kind=Kind.PAYMENT,
        clio_id="30",
        state=LinkState.SYNCED,
        qbo_id="77",
        depends_on=DependencyKey(Kind.INVOICE, "9").to_column(),
    )
    httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/Invoice/{invoice}/delete").raise_for_status()
    assert broken.detect(connection, qbo) == 1
    gone = Link.get(Link.connection == connection, Link.kind == Kind.INVOICE)
    assert (gone.state, gone.reason) == (LinkState.BROKEN, "Deleted in QuickBooks; re-sync to create it again")
    waiting = Link.get_by_id(payment.id)
    assert (waiting.state, waiting.reason) == (
        LinkState.WAITING,
        "Waiting for invoice 1042 (Amy Alder), which was deleted in QuickBooks",
    )


@pytest.mark.parametrize("off_by", [dt.timedelta(minutes=-7), dt.timedelta(minutes=7)])
def test_the_cdc_point_is_qbos_time_whatever_this_hosts_clock_says(
    db, qbo: QuickBooks, sandbox: Sandbox, skewed_host, off_by: dt.timedelta
) -> None:
    """A host minutes ahead of QBO once set the first CDC point in QBO's future, and what a
    QBO user deleted before that moment went unseen for good."""
    realm = sandbox.qbo_config.realm_id
    [invoice] = seed.seed_objects(sandbox.qbo.store, realm, {"Invoice": [{"DocNumber": "CDC-1"}]}, raw=True)["Invoice"]
    connection = leases.claim(Connection.create(name="Skewed").id, "here:1:a", landing=dt.timedelta())
    skewed_host(off_by)
    assert broken.detect(connection, qbo) == 0, "the first cycle: nothing synced yet"
    Link.create(connection=connection, kind=Kind.INVOICE, clio_id="1", state=LinkState.SYNCED, qbo_id=invoice)
    httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/Invoice/{invoice}/delete").raise_for_status()
    assert broken.detect(connection, qbo) == 1
    assert Link.get().state == LinkState.BROKEN


def test_the_ids_a_scan_has_not_seen_yet_come_back_as_linked_whatever_their_form():
    """QBO's Ids are decimal numbers; one of another form is matched as written."""
    linked = broken.Unseen([("12",), ("3",), ("007",), ("x-1",), (str(2**64),), ("100000",)])
    linked.strike(["3", "7", "x-1", "100000", "99"])
    assert sorted(linked.left()) == sorted(["12", "007", str(2**64)])
