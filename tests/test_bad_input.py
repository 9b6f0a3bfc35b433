"""Bad input stays bad input: bounded strings, short echoes, INTERNAL for the daemon's own
faults, and a way back from connections nobody can list (paging, DeleteConnection)."""

from __future__ import annotations

import base64
import logging

import grpc
import pytest

from billsync.daemon.rpc import connections as connections_module
from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store.models import Connection, Link
from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc
from tests.conftest import BACKEND

#: Far more than any status message may carry (gRPC's trailing metadata holds 8 KiB).
HUGE = "x" * 200_000


def refused(call, *args, **kwargs) -> DaemonError:
    with pytest.raises(DaemonError) as e:
        call(*args, **kwargs)
    return e.value


@pytest.fixture
def connection(client):
    return client.create_connection("Firm")


@pytest.fixture
def connected(connection):
    """A connection the RPCs that need one connected accept, without the providers behind it."""
    Connection.update(state="connected").where(Connection.id == connection.id).execute()
    return connection


@pytest.mark.parametrize(
    "name, why",
    [
        ("n" * 201, "at most 200"),
        ("Smith\x00Jones", "control characters"),
        ("Smith\nJones", "control characters"),
        ("   ", "must not be empty"),
    ],
    ids=["too-long", "nul", "line-break", "blank"],
)
def test_a_bad_connection_name_is_refused_and_nothing_is_created(client, name, why):
    error = refused(client.create_connection, name)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT and why in str(error)
    assert client.list_connections().connections == []
    assert client.create_connection("é" * 200).name == "é" * 200


@pytest.mark.parametrize(
    "call",
    [
        lambda c, cid: c.update_settings(cid, start_date=HUGE),
        lambda c, cid: c.update_settings(cid, item_mapping={HUGE: "Services"}),
        lambda c, cid: c.update_settings(cid, item_mapping={"Service": "tab\there"}),
        lambda c, cid: c.update_settings(cid, deposit_account_id=HUGE),
        lambda c, cid: c.list_links(cid, query=HUGE),
        lambda c, cid: c.list_events(cid, type_prefix="run.\x00"),
        lambda c, cid: c.purge(cid, confirm=HUGE),
        lambda c, cid: c.start_authorization(cid, pb.PROVIDER_QBO, redirect_uri="http://localhost/" + HUGE),
        lambda c, cid: c.complete_authorization(pb.PROVIDER_QBO, state=HUGE, code="c", redirect_uri=""),
        lambda c, cid: c.complete_authorization(pb.PROVIDER_QBO, state="s", code=HUGE, redirect_uri=""),
        lambda c, cid: c.complete_authorization(pb.PROVIDER_QBO, state="s", code="c", realm_id="12a", redirect_uri=""),
        lambda c, cid: c.complete_authorization(
            pb.PROVIDER_QBO, state="s", code="c", realm_id="1" * 21, redirect_uri=""
        ),
    ],
    ids=[
        "start-date",
        "mapping-key",
        "mapping-value",
        "deposit-account",
        "query",
        "type-prefix",
        "confirm",
        "redirect-uri",
        "state",
        "code",
        "realm-not-digits",
        "realm-too-long",
    ],
)
def test_a_bad_string_is_invalid_argument_with_a_short_message(client, connection, call):
    error = refused(call, client, connection.id)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT, str(error)
    assert len(str(error)) < 300, "the message echoes at most ~100 characters of what was sent"


def test_a_new_connection_cannot_name_a_deposit_account_before_quickbooks_is_authorized(client, address, config):
    with grpc.insecure_channel(address) as channel:
        request = pb.CreateConnectionRequest(name="Firm", settings=pb.Settings(deposit_account_id="35"))
        with pytest.raises(grpc.RpcError) as e:
            billsync_pb2_grpc.BillSyncStub(channel).CreateConnection(
                request, metadata=[("authorization", f"Bearer {config.api_token}")], timeout=5
            )
    assert e.value.code() is grpc.StatusCode.FAILED_PRECONDITION and "authorize QuickBooks first" in e.value.details()
    assert not Connection.select().exists(), "nothing is created"


def test_a_missing_link_list_names_ten_ids_and_the_real_error_arrives(client, connected):
    """1,000 ids of 19 digits would make a 20 KB message, past gRPC's trailing metadata: the
    caller used to get a transport error instead of NOT_FOUND."""
    ids = [10**18 + i for i in range(1000)]
    error = refused(client.resync, connected.id, link_ids=ids)
    assert error.code is grpc.StatusCode.NOT_FOUND
    assert str(error).endswith("has no link " + ", ".join(map(str, ids[:10])) + " and 990 more")
    too_many = refused(client.resync, connected.id, link_ids=range(1, 1002))
    assert too_many.code is grpc.StatusCode.INVALID_ARGUMENT and "at most 1000" in str(too_many)


@pytest.mark.parametrize("last_id", [2**63, 10**30, -1])
@pytest.mark.parametrize("listing", ["links", "events", "connections"])
def test_a_page_token_past_the_ids_a_database_holds_is_invalid_argument(client, connection, listing, last_id):
    token = base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode()
    calls = {
        "links": lambda: client.list_links(connection.id, page_token=token),
        "events": lambda: client.list_events(connection.id, page_token=token),
        "connections": lambda: client.list_connections(page_token=token),
    }
    assert refused(calls[listing]).code is grpc.StatusCode.INVALID_ARGUMENT


def test_a_time_outside_the_calendar_is_invalid_argument(client, connection, address, config):
    with grpc.insecure_channel(address) as channel:
        request = pb.ListEventsRequest(connection_id=connection.id)
        request.since.seconds = 2**62
        with pytest.raises(grpc.RpcError) as e:
            billsync_pb2_grpc.BillSyncStub(channel).ListEvents(
                request, metadata=[("authorization", f"Bearer {config.api_token}")], timeout=5
            )
    assert e.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "since" in e.value.details()


def test_an_unexpected_failure_is_internal_with_a_generic_message_and_the_details_logged(
    client, connection, monkeypatch, caplog
):
    def broken(connection):
        raise RuntimeError("SELECT secret FROM clients")

    monkeypatch.setattr(connections_module, "state_counts", broken)
    with caplog.at_level(logging.ERROR, logger="billsync.daemon.rpc.server"):
        error = refused(client.status, connection.id)
    assert error.code is grpc.StatusCode.INTERNAL
    assert "secret" not in str(error) and "its log has the details" in str(error)
    [logged] = [r for r in caplog.records if "Status failed unexpectedly" in r.getMessage()]
    assert "SELECT secret FROM clients" in str(logged.exc_info[1])
    assert logged.getMessage().split("reference ")[1].rstrip(")") in str(error)


def test_connections_are_listed_page_by_page(client):
    made = [client.create_connection(f"Firm {i}").id for i in range(5)]
    seen, token = [], ""
    while True:
        page = client.list_connections(page_size=2, page_token=token)
        assert len(page.connections) <= 2
        seen += [c.id for c in page.connections]
        if not (token := page.next_page_token):
            break
    assert seen == made == [c.id for c in client.all_connections()]


def test_a_connection_never_authorized_is_deleted_with_its_activity_log(client, connection):
    client.update_settings(connection.id, start_date="2026-01-01")
    client.delete_connection(connection.id)
    assert client.list_connections().connections == []
    assert refused(client.status, connection.id).code is grpc.StatusCode.NOT_FOUND
    assert refused(client.delete_connection, connection.id).code is grpc.StatusCode.NOT_FOUND


def test_deleting_is_refused_while_a_grant_or_links_remain(client, connection):
    Connection.update(qbo_tokens={"access_token": "a", "refresh_token": "r"}).where(
        Connection.id == connection.id
    ).execute()
    held = refused(client.delete_connection, connection.id)
    assert held.code is grpc.StatusCode.FAILED_PRECONDITION and "revoke it first" in str(held)
    Connection.update(qbo_tokens=None, state="revoked").where(Connection.id == connection.id).execute()
    Link.create(connection=connection.id, kind="invoice", clio_id="1", state="synced", qbo_id="9")
    linked = refused(client.delete_connection, connection.id)
    assert linked.code is grpc.StatusCode.FAILED_PRECONDITION and "purge it first" in str(linked)
    client.purge(connection.id, confirm="Firm")
    client.delete_connection(connection.id)
    assert client.list_connections().connections == []


@pytest.mark.skipif(BACKEND == "postgresql", reason="PostgreSQL never stored a name past 255 characters")
def test_names_stored_before_the_bound_can_be_paged_past_and_deleted(client):
    """Two 2.5 MB names, stored by an earlier release, made every ListConnections answer
    exceed the 4 MB a client accepts: no client could list, hence delete, anything."""
    giants = [Connection.create(name=c * 2_500_000).id for c in "ab"]
    kept = client.create_connection("Small Firm").id
    assert refused(client.list_connections).code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert [c.id for c in client.list_connections(page_size=1).connections] == giants[:1]
    for giant in giants:
        client.delete_connection(giant)
    assert [c.id for c in client.list_connections().connections] == [kept]


def test_bytes_that_are_no_request_message_are_invalid_argument(address, config):
    with grpc.insecure_channel(address) as channel:
        status = channel.unary_unary("/billsync.v1.BillSync/Status")
        with pytest.raises(grpc.RpcError) as e:
            status(b"\xff\xff\xff", metadata=[("authorization", f"Bearer {config.api_token}")], timeout=5)
    assert e.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "not a valid message" in e.value.details()
