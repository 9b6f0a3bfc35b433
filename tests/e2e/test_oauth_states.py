"""An OAuth state is single-use, bound to the connection that started it, and expires; a
newer start supersedes it. Through the RPCs, against the emulators' real consent flow."""

from __future__ import annotations

import datetime as dt
import threading

import grpc
import pytest

from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.daemon.store import oauth_states
from billsync.daemon.store.clock import database_time
from billsync.daemon.store.models import Connection, OAuthState, utcnow
from billsync.sandbox.consent import approve, callback_params
from billsync.v1 import billsync_pb2 as pb
from tests.harness import REDIRECT_URI


def started(client: DaemonClient, connection_id: int) -> dict[str, str]:
    """Starts a QBO authorization and approves it; returns what the callback carries."""
    start = client.start_authorization(connection_id, pb.PROVIDER_QBO, redirect_uri=REDIRECT_URI)
    return callback_params(approve(start.authorize_url))


def complete(client: DaemonClient, callback: dict[str, str], **extra) -> pb.Connection:
    return client.complete_authorization(
        pb.PROVIDER_QBO,
        state=callback["state"],
        code=callback["code"],
        realm_id=callback["realmId"],
        redirect_uri=REDIRECT_URI,
        **extra,
    )


def refusal(client: DaemonClient, callback: dict[str, str], **extra) -> DaemonError:
    with pytest.raises(DaemonError) as e:
        complete(client, callback, **extra)
    assert e.value.code is grpc.StatusCode.INVALID_ARGUMENT, str(e.value)
    return e.value


@pytest.fixture
def connection(e2e_client: DaemonClient) -> pb.Connection:
    return e2e_client.create_connection("Single Use LLP")


def test_a_state_completes_once(e2e_client, connection):
    callback = started(e2e_client, connection.id)
    assert complete(e2e_client, callback).qbo_authorized
    assert "already used" in str(refusal(e2e_client, callback))


def test_of_concurrent_completions_exactly_one_passes(e2e_client, connection):
    callback = started(e2e_client, connection.id)
    barrier = threading.Barrier(6)
    outcomes: list[object] = []

    def attempt() -> None:
        barrier.wait()
        try:
            outcomes.append(complete(e2e_client, callback))
        except DaemonError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=attempt) for _ in range(barrier.parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    passed = [o for o in outcomes if isinstance(o, pb.Connection)]
    assert len(passed) == 1, outcomes
    assert all(o.code is grpc.StatusCode.INVALID_ARGUMENT for o in outcomes if isinstance(o, DaemonError))


def test_a_state_started_for_one_connection_cannot_complete_another(e2e_client, connection):
    other = e2e_client.create_connection("Other Firm LLP")
    callback = started(e2e_client, connection.id)
    assert "another connection" in str(refusal(e2e_client, callback, connection_id=other.id))
    assert Connection.get_by_id(other.id).qbo_tokens is None
    assert Connection.get_by_id(connection.id).qbo_tokens is None
    assert "already used" in str(refusal(e2e_client, callback)), "a state shown to the wrong connection is spent"


def test_an_expired_state_is_refused(e2e_client, connection):
    callback = started(e2e_client, connection.id)
    OAuthState.update(expires_at=database_time() - dt.timedelta(seconds=1)).execute()  # TTL over
    assert "expired" in str(refusal(e2e_client, callback))
    assert Connection.get_by_id(connection.id).qbo_tokens is None


@pytest.mark.parametrize("off_by", [dt.timedelta(minutes=-16), dt.timedelta(minutes=16)])
def test_a_state_lasts_its_ttl_whatever_the_clock_of_the_daemon_that_started_it(
    e2e_client, connection, skewed_host, off_by
):
    """Started through a daemon whose clock is off by more than the state's life (15 min),
    completed through one on time (the panel may reach either): neither expired at once nor
    valid for longer, on the database's clock."""
    skewed_host(off_by)
    callback = started(e2e_client, connection.id)
    skewed_host(dt.timedelta())
    row = OAuthState.get()
    assert abs(row.expires_at - (database_time() + oauth_states.TTL)) < dt.timedelta(minutes=1)
    assert complete(e2e_client, callback).qbo_authorized


def test_a_newer_start_supersedes_the_earlier_state_and_expired_ones_are_pruned(e2e_client, connection):
    other = e2e_client.create_connection("Other Firm LLP")
    forgotten = started(e2e_client, other.id)
    OAuthState.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    first = started(e2e_client, connection.id)
    second = started(e2e_client, connection.id)
    assert OAuthState.select().count() == 1, "the expired state was pruned, the first superseded"
    assert "already used, superseded" in str(refusal(e2e_client, first))
    assert complete(e2e_client, second, connection_id=connection.id).qbo_authorized
    assert "already used, superseded" in str(refusal(e2e_client, forgotten))


def test_the_callback_must_name_the_redirect_uri_the_state_was_started_with(e2e_client, connection):
    callback = started(e2e_client, connection.id)
    with pytest.raises(DaemonError) as e:
        e2e_client.complete_authorization(
            pb.PROVIDER_QBO,
            state=callback["state"],
            code=callback["code"],
            realm_id=callback["realmId"],
            redirect_uri="http://127.0.0.1:9/other",
        )
    assert e.value.code is grpc.StatusCode.INVALID_ARGUMENT and "redirect_uri" in str(e.value)
