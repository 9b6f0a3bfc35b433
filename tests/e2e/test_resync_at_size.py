"""Re-sync of every problem of a large firm: 25,000 failed items. Listing each in the answer
would pass gRPC's 4 MB message limit; the answer lists the first 100 and says how many were
marked, and the run it asked for takes them all, through the RPC, the CLI and the panel's
sentence alike."""

from __future__ import annotations

import os

from billsync.daemon.store.models import Link, LinkState, PlanMark
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


def test_resync_of_every_problem_marks_them_all_and_the_run_it_asked_for_takes_them(
    sandbox, e2e_client, e2e_daemon, e2e_config
):
    make_ready(sandbox)
    connection = connect(e2e_client)
    settle(e2e_client, connection.id)
    failed_invoices(connection.id)

    answer = e2e_client.resync(connection.id, all_problems=True)

    assert answer.requested == PROBLEMS
    assert [link.label for link in answer.links] == [f"Invoice 2024-{i:05d}" for i in range(100)]
    assert answer.ByteSize() < 100_000
    assert describe_resync(answer) == (
        "Re-sync started for 25,000 items: the page shows how it went once the run ends."
    )
    followed = [p.run for p in e2e_client.sync(connection.id, follow_after_run_id=answer.after_run_id)]
    assert followed[-1].state == pb.RUN_STATE_SUCCEEDED
    assert not PlanMark.select().exists(), "the run took every mark"
    # Clio has none of these bills: they stay as they were, with QuickBooks' reason.
    assert Link.select().where(Link.state == LinkState.FAILED, Link.reason == REASON).count() == PROBLEMS

    env = {**os.environ, "BILLSYNC_ADDRESS": f"127.0.0.1:{e2e_daemon.port}", "BILLSYNC_API_TOKEN": e2e_config.api_token}
    shell = billsync("resync", "--all", "--connection", str(connection.id), env=env)
    assert shell.returncode == 1, shell.stderr
    assert "re-sync requested for 25,000 items" in shell.stderr
    lines = shell.stdout.splitlines()
    assert len(lines) == 21 and lines[0].split()[1:4] == ["Failed", "Invoice", "2024-00000:"], lines[0]
    assert "QuickBooks error 6000" in lines[0]
    assert lines[-1].startswith("… and 24,980 more: billsync links --state failed"), lines[-1]
    assert "billsync: 25,000 items still fail" in shell.stderr
