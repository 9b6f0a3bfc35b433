"""Authorizing a side again: the grant it replaces stops working at the provider, so a copy
of the old tokens (a backup, a log, a leaked database) opens nothing."""

from __future__ import annotations

import dataclasses

import grpc
import httpx
import pytest

from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.daemon.store.models import Connection
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests.harness import REDIRECT_URI, authorize, connect, stop_in_process


def works_in_qbo(box: Sandbox, access_token: str) -> bool:
    realm = box.qbo_config.realm_id
    answer = httpx.get(
        f"{box.qbo_url}/v3/company/{realm}/companyinfo/{realm}",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    return answer.status_code == 200


def works_in_clio(box: Sandbox, access_token: str) -> bool:
    answer = httpx.get(
        f"{box.clio_url}/api/v4/users/who_am_i.json", headers={"Authorization": f"Bearer {access_token}"}
    )
    return answer.status_code == 200


@pytest.mark.parametrize(
    ("provider", "column", "works"),
    [(pb.PROVIDER_QBO, "qbo_tokens", works_in_qbo), (pb.PROVIDER_CLIO, "clio_tokens", works_in_clio)],
)
def test_reconnecting_revokes_the_grant_it_replaces(sandbox, e2e_client, provider, column, works) -> None:
    connection = connect(e2e_client)
    old = getattr(Connection.get_by_id(connection.id), column)
    assert works(sandbox, old["access_token"])
    assert authorize(e2e_client, connection.id, provider).state == pb.CONNECTION_STATE_CONNECTED
    new = getattr(Connection.get_by_id(connection.id), column)
    assert new["access_token"] != old["access_token"]
    assert not works(sandbox, old["access_token"]), "the replaced grant still opens the account"
    assert works(sandbox, new["access_token"])


def test_an_authorization_may_only_name_a_listed_redirect_uri(e2e_client) -> None:
    connection = e2e_client.create_connection("Listed only")
    for evil in ("https://evil.example/oauth/qbo/callback", "http://127.0.0.1:9/callback/../x", "javascript:alert(1)"):
        with pytest.raises(DaemonError) as refused:
            e2e_client.start_authorization(connection.id, pb.PROVIDER_QBO, redirect_uri=evil)
        assert refused.value.code is grpc.StatusCode.INVALID_ARGUMENT
        assert "is not one of BILLSYNC_REDIRECT_URIS" in str(refused.value)
    started = e2e_client.start_authorization(connection.id, pb.PROVIDER_QBO, redirect_uri=REDIRECT_URI)
    assert "redirect_uri=" in started.authorize_url


def test_with_no_redirect_uri_listed_nothing_can_be_authorized(e2e_config, db) -> None:
    daemon = Daemon(dataclasses.replace(e2e_config, redirect_uris=()))
    daemon.start()
    try:
        with DaemonClient(f"127.0.0.1:{daemon.port}", token=e2e_config.api_token) as client:
            connection = client.create_connection("Nothing listed")
            with pytest.raises(DaemonError) as refused:
                client.start_authorization(connection.id, pb.PROVIDER_CLIO, redirect_uri=REDIRECT_URI)
    finally:
        stop_in_process(daemon, grace=1.0)
    assert refused.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert "set BILLSYNC_REDIRECT_URIS" in str(refused.value)
