"""Re-sync of every problem of a large firm: 25,000 failed items. Listing each in the answer
would pass gRPC's 4 MB message limit; the answer lists the first 100 and counts them all,
through the RPC, the CLI and the panel's sentence alike."""

from __future__ import annotations

import os

from billsync.daemon.store.models import Link, LinkState
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin.actions import describe_resync
from tests.e2e.conftest import connect
from tests.e2e.test_cli_sync import billsync
from tests.harness import make_ready, settle

PROBLEMS = 25_000
#: What QuickBooks said, as long as such reasons are (a validation fault with its details).
REASON = (
    "QuickBooks error 6000: A business validation error has occurred while processing your request — "
    "Business Validation Error: the customer is inactive [intuit_tid 1-6b09db7b-73af83c1a25f310c6d061acb]"
)


def failed_invoices(connection_id: int) -> None:
    """Invoices of bills Clio no longer has, each refused by QBO: they fail again."""
    rows = [
        {
            "connection": connection_id,
            "kind": "invoice",
            "clio_id": str(1_000_000 + i),
            "state": LinkState.FAILED,
            "label": f"Invoice 2024-{i:05d}",
            "reason": REASON,
            "error_code": "6000",
        }
        for i in range(PROBLEMS)
    ]
    for i in range(0, len(rows), 500):
        Link.insert_many(rows[i : i + 500]).execute()


def test_resync_of_every_problem_answers_the_first_hundred_and_counts_them_all(
    sandbox, e2e_client, e2e_daemon, e2e_config
):
    make_ready(sandbox)
    connection = connect(e2e_client)
    settle(e2e_client, connection.id)
    failed_invoices(connection.id)

    answer = e2e_client.resync(connection.id, all_problems=True)

    assert answer.requested == PROBLEMS
    assert [link.label for link in answer.links] == [f"Invoice 2024-{i:05d}" for i in range(100)]
    assert [(c.kind, c.state, c.count) for c in answer.counts] == [(pb.KIND_INVOICE, pb.LINK_STATE_FAILED, PROBLEMS)]
    assert describe_resync(answer) == "Re-synced 25,000 items: 25,000 failed."

    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}
    shell = billsync("resync", "--all", "--connection", str(connection.id), env=env)
    assert shell.returncode == 1, shell.stderr
    lines = shell.stdout.splitlines()
    assert len(lines) == 101 and "failed   Invoice 2024-00000: QuickBooks error 6000" in lines[0]
    assert lines[-1].startswith("… and 24,900 more: billsync links --state failed"), lines[-1]
    assert "billsync: 25,000 items still fail" in shell.stderr
