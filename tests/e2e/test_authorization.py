"""Authorizing a side again: the grant it replaces stops working at the provider, so a copy
of the old tokens (a backup, a log, a leaked database) opens nothing."""

from __future__ import annotations

import httpx
import pytest

from billsync.daemon.store.models import Connection
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests.harness import authorize, connect


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
