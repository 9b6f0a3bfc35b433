"""The sync engine end to end: a demo firm in the Clio emulator, through gRPC, into the QBO emulator."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import httpx

from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, qbo_objects, seed_firm, set_preferences, sync


def counts(client, connection_id):
    status = client.call("Status", pb.StatusRequest(connection_id=connection_id))
    return {(pb.Kind.Name(c.kind), pb.LinkState.Name(c.state)): c.count for c in status.counts}, status


def test_small_firm_syncs_with_no_duplicates(sandbox, e2e_client):
    seed_firm(sandbox, bills=40)
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True)
    connection = connect(e2e_client)
    run = sync(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    by_state, status = counts(e2e_client, connection.id)
    print(by_state)
    for link in status.problems:
        print(link.label, link.reason)
    invoices = qbo_objects(sandbox, "Invoice")
    numbers = Counter(i["DocNumber"] for i in invoices)
    assert not [n for n, k in numbers.items() if k > 1]
    assert by_state.get(("KIND_INVOICE", "LINK_STATE_SYNCED"), 0) == len(invoices)
