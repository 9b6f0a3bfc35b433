"""Connections, settings, links and events through the RPCs, with their errors."""

from __future__ import annotations

import grpc
import pytest

from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store.models import Link
from billsync.daemon.store.paging import encode
from billsync.v1 import billsync_pb2 as pb


@pytest.fixture
def connection(client):
    return client.create_connection("Firm")


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(start_date="31/01/2026"), "start_date must be a date"),
        (dict(sync_interval_seconds=5), "sync_interval_seconds must be between"),
        (dict(item_mapping={"Fee": "Services"}), "item_mapping keys are"),
        (dict(item_mapping={"Service": "Legal:Fees"}), "no ':'"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(client, connection, change, message):
    with pytest.raises(DaemonError) as e:
        client.update_settings(connection.id, **change)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in str(e.value)


def test_settings_change_only_what_is_set_and_are_logged(client, connection):
    s = client.update_settings(connection.id, start_date="2026-02-01", item_mapping={"Expense": "Disbursements"})
    assert (s.start_date, s.sync_interval_seconds, dict(s.item_mapping)) == (
        "2026-02-01",
        300,
        {"Service": "Services", "Expense": "Disbursements", "Tax": "Sales tax (Clio)"},
    )
    events = client.list_events(connection.id).events
    assert events[-1].type == "settings.changed" and events[-1].actor == "tester via api"
    assert events[-1].message == (
        "Sync bills issued on or after: every bill → 2026-02-01; QuickBooks item for Clio expenses: Expenses → "
        "Disbursements"
    )


def test_settings_changes_are_logged_in_the_words_of_the_settings_page(client, connection):
    client.update_settings(connection.id, sync_interval_seconds=600, time_zone="Europe/London")
    assert client.list_events(connection.id).events[-1].message == (
        "Sync every: 5 minutes → 10 minutes; Time zone: the browser's → Europe/London"
    )
    client.update_settings(connection.id, sync_interval_seconds=90, time_zone="")
    assert client.list_events(connection.id).events[-1].message == (
        "Sync every: 10 minutes → 90 seconds; Time zone: Europe/London → the browser's"
    )
    assert "item_mapping" not in client.list_events(connection.id).events[-1].message


def test_unknown_connection_is_not_found(client):
    with pytest.raises(DaemonError) as e:
        client.status(404)
    assert e.value.code == grpc.StatusCode.NOT_FOUND


def test_list_links_pages_through_everything_with_filters(client, connection):
    Link.insert_many(
        [
            {
                "connection": connection.id,
                "kind": ("invoice", "contact")[i % 2],
                "clio_id": str(i),
                "state": ("synced", "failed")[i % 3 == 0],
            }
            for i in range(250)
        ]
    ).execute()
    seen, token = [], ""
    while True:
        page = client.list_links(connection.id, kind=pb.KIND_INVOICE, page_size=40, page_token=token)
        seen += [link.clio_id for link in page.links]
        token = page.next_page_token
        if not token:
            break
    assert seen == [str(i) for i in range(0, 250, 2)]
    failed = client.list_links(connection.id, state=pb.LINK_STATE_FAILED, page_size=1000).links
    assert len(failed) == len(range(0, 250, 3))
    status = client.status(connection.id)
    assert status.problem_count == len(failed) and len(status.problems) == 20
    assert sum(c.count for c in status.counts) == 250


def test_a_forged_page_token_is_refused(client, connection):
    with pytest.raises(DaemonError) as e:
        client.list_links(connection.id, page_token="bm9wZQ==")
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_purge_deletes_links_but_keeps_the_audit_log(client, connection):
    Link.create(connection=connection.id, kind="invoice", clio_id="1", state="synced", qbo_id="9")
    r = client.purge(connection.id, confirm="Firm")
    assert r.links_deleted == 1 and r.connection.state == pb.CONNECTION_STATE_REVOKED
    assert client.list_links(connection.id).links == []
    revoked, purged = client.list_events(connection.id).events[-2:]
    assert (revoked.type, revoked.message) == (
        "connection.revoked",
        "billsync keeps what it knows of the 1 item it synced, so reconnecting to the same QuickBooks company "
        "resumes without duplicates",
    )
    assert (purged.type, purged.message) == (
        "connection.purged",
        "billsync forgot the 1 item it had synced; nothing was deleted in QuickBooks or in Clio",
    )


def test_the_activity_log_pages_latest_first(client, connection):
    for day in range(1, 6):
        client.update_settings(connection.id, start_date=f"2026-03-0{day}")
    seen, token = [], ""
    while True:
        page = client.list_events(connection.id, page_size=2, page_token=token, newest_first=True)
        seen += list(page.events)
        token = page.next_page_token
        if not token:
            break
    assert [e.id for e in seen] == sorted((e.id for e in seen), reverse=True)
    assert len(seen) == 6 and "2026-03-05" in seen[0].message and seen[-1].type == "connection.created"
    with pytest.raises(DaemonError) as e:
        client.list_events(connection.id, page_token=encode("before", seen[0].id))
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT, (
        "a latest-first token must not page the oldest-first listing"
    )
