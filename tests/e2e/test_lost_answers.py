"""An initial sync through lost answers: QBO applies every write it is sent, and the answer
to some is lost on the way back (a 503 or a dropped connection) or, in a batch, leaves out
an item it ran. The sync must end with every Clio object in QBO exactly once, amounts equal.

The QBO emulator draws the faults from a seed (``faults.after_*``); which writes they strike
depends on the order requests arrive in, not on time, and nothing here waits on a delay.
"""

from __future__ import annotations

import httpx
import pytest

from billsync.daemon.store.models import Link, LinkState, Run
from billsync.daemon.sync.writer import UNCONFIRMED_REASON
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, seed_firm, sync
from tests.e2e.test_sync import assert_every_issued_bill_once, assert_no_duplicates_and_amounts_match
from tests.harness import make_ready, settle, sync_after_changes

BILLS = 300
#: Half the writes QBO applies lose their answer: a 503, a dropped connection or an item left out.
LOST = {"after_rate": 0.5, "after_kinds": ["error", "drop", "omit"]}
#: Runs at most: each settles what the last left pending (creates left out of an answer).
ROUNDS = 8


def unsettled() -> list[Link]:
    """Creates whose outcome is still unknown, and updates left unconfirmed for a re-sync."""
    return list(Link.select().where((Link.state == LinkState.PENDING) | (Link.reason == UNCONFIRMED_REASON)))


@pytest.mark.parametrize("seed", [17, 19, 20])
def test_an_initial_sync_through_lost_answers_makes_each_object_once(sandbox, e2e_client, seed):
    """Each seed strikes other writes: creates, updates of adopted objects, the items."""
    make_ready(sandbox)
    seed_firm(sandbox, bills=BILLS, seed=5)
    firm = generate_firm(BILLS, seed=5)
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"faults": {**LOST, "seed": seed}}).raise_for_status()
    connection = connect(e2e_client)

    # The links are read only once no run is going: a run the last sync asked to follow it
    # may have adopted a create and not yet written the update that follows.
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    for _ in range(ROUNDS):
        if not (left := unsettled()):
            break
        unconfirmed = [link.id for link in left if link.state == LinkState.FAILED]
        if unconfirmed:  # what a bookkeeper does with "re-sync to send it again"
            e2e_client.resync(connection.id, link_ids=unconfirmed)
        sync_after_changes(e2e_client, connection.id)
        settle(e2e_client, connection.id)
    assert not unsettled(), "the sync did not settle"

    runs = list(Run.select().where(Run.connection == connection.id))
    assert all(run.state == "succeeded" for run in runs), [run.error for run in runs if run.error]
    assert_every_issued_bill_once(e2e_client, connection.id, firm)
    assert_no_duplicates_and_amounts_match(sandbox, firm.bills, firm.allocations)
    assert not Link.select().where(Link.state == LinkState.FAILED, Link.kind != "invoice").exists()
    lost = httpx.get(f"{sandbox.qbo_url}/_sandbox/stats").json()["lost_answers"]
    assert sum(lost.values()) > 0, "no answer was lost"
    assert e2e_client.status(connection.id).last_run.state == pb.RUN_STATE_SUCCEEDED
