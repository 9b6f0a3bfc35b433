"""Scoped API tokens (issue 17): what each role may call, the connections a token reaches,
revocation, and the activity log naming the token."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import grpc
import pytest

from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.daemon.store.models import ApiToken
from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["BillSync"]
#: The documented roles (README, Security): read, operate adds three, admin may call every RPC.
READ = {
    "Status",
    "ListLinks",
    "ListEvents",
    "GetSettings",
    "ListConnections",
    "ListQboChoices",
    "TrustReconciliation",
    "SearchQboCustomers",
}
OPERATE = READ | {"Sync", "Resync", "Preview"}
ROLES = {"read": pb.API_TOKEN_ROLE_READ, "operate": pb.API_TOKEN_ROLE_OPERATE, "admin": pb.API_TOKEN_ROLE_ADMIN}
MAY_CALL = {"read": READ, "operate": OPERATE, "admin": {m.name for m in SERVICE.methods}}
NOT_ALLOWED = (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)


def mint(client: DaemonClient, role: str, *connection_ids: int, **options: object) -> str:
    """A token's secret: for the connections given, or every one."""
    made = client.create_api_token(
        ROLES[role], connection_ids=connection_ids, all_connections=not connection_ids, **options
    )
    return made.secret


def call(address: str, secret: str, rpc: str, connection_id: int) -> grpc.StatusCode:
    """The status of ``rpc`` called with the token, its request empty but for the connection."""
    method = SERVICE.methods_by_name[rpc]
    request = getattr(pb, method.input_type.name)()
    if "connection_id" in method.input_type.fields_by_name:
        request.connection_id = connection_id
    with grpc.insecure_channel(address) as channel:
        stub = getattr(billsync_pb2_grpc.BillSyncStub(channel), rpc)
        try:
            answer = stub(request, metadata=[("authorization", f"Bearer {secret}")], timeout=30)
            if method.server_streaming:
                next(answer, None)
        except grpc.RpcError as e:
            return e.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_call_its_rpcs_and_no_other(role, address, client):
    """Refused: PERMISSION_DENIED. Allowed: past the access check, to OK or to the RPC's own
    answer to an empty request (e.g. FAILED_PRECONDITION for a connection not authorized)."""
    connection = client.create_connection("Firm")
    secret = mint(client, role)
    last = sorted(SERVICE.methods, key=lambda m: m.name == "DeleteConnection")  # the others need the connection
    codes = {m.name: call(address, secret, m.name, connection.id) for m in last}
    refused = {rpc for rpc, code in codes.items() if code == grpc.StatusCode.PERMISSION_DENIED}
    assert refused == {m.name for m in SERVICE.methods} - MAY_CALL[role], codes
    assert not {rpc: code for rpc, code in codes.items() if code == grpc.StatusCode.UNAUTHENTICATED}


def test_a_token_reaches_only_its_connections(address, client):
    mine, other = client.create_connection("Mine"), client.create_connection("Other")
    with DaemonClient(address, token=mint(client, "admin", mine.id)) as scoped:
        assert [c.id for c in scoped.list_connections().connections] == [mine.id]
        assert scoped.status(mine.id).connection.name == "Mine"
        for rpc in (scoped.status, scoped.list_events, scoped.get_settings, scoped.revoke):
            with pytest.raises(DaemonError) as hidden:
                rpc(other.id)
            # The same answer as for a connection that does not exist: its existence is not told.
            assert hidden.value.code == grpc.StatusCode.NOT_FOUND
            assert str(hidden.value) == f"there is no connection {other.id}"
        # Beyond its connections: new ones, and tokens (an admin of one must not mint one for all).
        for beyond in (lambda: scoped.create_connection("New"), lambda: mint(scoped, "read")):
            with pytest.raises(DaemonError) as denied:
                beyond()
            assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert client.status(other.id).connection.state == pb.CONNECTION_STATE_NEEDS_AUTHORIZATION


def test_a_revoked_token_is_refused_at_once(address, client):
    made = client.create_api_token(pb.API_TOKEN_ROLE_READ, name="reporting", all_connections=True)
    with DaemonClient(address, token=made.secret) as reporting:
        reporting.list_connections()
        revoked = client.revoke_api_token(made.token.id)
        assert revoked.HasField("revoked_at")
        with pytest.raises(DaemonError) as refused:
            reporting.list_connections()
    assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert [t.HasField("revoked_at") for t in client.list_api_tokens().tokens] == [True]


def test_only_the_hash_of_a_token_is_stored(client):
    made = client.create_api_token(pb.API_TOKEN_ROLE_ADMIN, all_connections=True)
    row = ApiToken.get_by_id(made.token.id)
    assert row.secret_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in str(row.__data__)
    assert len(made.secret) > 40


@pytest.mark.parametrize(
    "may_name_actor, recorded",
    [(False, "token {id} (ci)"), (True, "josé via token {id} (ci)")],
    ids=["a name it may not give", "a name it may give"],
)
def test_the_activity_log_names_the_token(may_name_actor, recorded, address, client):
    made = client.create_api_token(
        pb.API_TOKEN_ROLE_ADMIN, name="ci", all_connections=True, may_name_actor=may_name_actor
    )
    with DaemonClient(address, token=made.secret, actor="josé") as ci:
        connection = ci.create_connection("Firm")
        ci.update_settings(connection.id, sync_interval_seconds=600)
    actors = {e.actor for e in client.list_events(connection.id).events}
    assert actors == {recorded.format(id=made.token.id)}


def test_the_cli_mints_lists_and_revokes_tokens(address, client, config):
    connection = client.create_connection("Firm")
    env = {**os.environ, "BILLSYNC_ADDRESS": address, "BILLSYNC_API_TOKEN": config.api_token}

    def billsync(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "billsync", "tokens", *args], env=env, capture_output=True, text=True, timeout=120
        )

    created = billsync("create", "--connection", str(connection.id), "--role", "read", "--name", "reporting")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    with DaemonClient(address, token=secret) as reporting:
        assert [c.id for c in reporting.list_connections().connections] == [connection.id]
    (token,) = client.list_api_tokens().tokens
    assert f"{token.id}  reporting  read on connection(s) {connection.id}" in billsync("list").stdout
    assert billsync("revoke", str(token.id)).returncode == 0
    with DaemonClient(address, token=secret) as reporting, pytest.raises(DaemonError):
        reporting.list_connections()
    assert billsync("create", "--role", "read").returncode == 2  # neither --connection nor --all-connections


def test_a_token_of_some_connections_completes_an_authorization_only_naming_one(address, client):
    mine = client.create_connection("Mine")
    with DaemonClient(address, token=mint(client, "admin", mine.id)) as scoped:
        started = scoped.start_authorization(mine.id, pb.PROVIDER_CLIO, redirect_uri="http://127.0.0.1:9/callback")
        for connection_id, code in ((0, grpc.StatusCode.PERMISSION_DENIED), (mine.id + 1, grpc.StatusCode.NOT_FOUND)):
            with pytest.raises(DaemonError) as refused:
                scoped.complete_authorization(
                    pb.PROVIDER_CLIO,
                    state=started.state,
                    code="code",
                    redirect_uri="http://127.0.0.1:9/callback",
                    connection_id=connection_id,
                )
            assert refused.value.code == code
