"""A daemon stalled past its lease mid-batch, on a PostgreSQL shared by two daemons: its batch
lands in QBO after the other daemon took the connection over, and once resumed it writes
nothing more, neither to QBO nor to the database.

The emulator holds the holder's batch until after the takeover, the worst case: the writes a
stalled daemon sent land while the new holder already decides what is missing. QBO executes
a request for up to 120 s; the daemons and the QBO emulator run at one pace, under which that
limit outlasts the 10-s lease, so the held batch is applied, not timed out, once released.

Every state is observed, never waited for: the stall (SIGSTOP) follows a batch of the holder
held by the QBO emulator, the release follows the other daemon's claim seen in the database,
the resumption follows the end of its work. The deadlines only stop a hung test."""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.db import open_database
from billsync.daemon.store.fields import set_secret_key
from billsync.daemon.store.models import Connection, Link, Run, Watermark
from billsync.daemon.sync.scheduler import LEASE_LOST
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.conftest import fresh_postgres_database
from tests.crashloop import compare
from tests.e2e.conftest import connect, sandbox_env, seed_firm
from tests.e2e.test_crashes import assert_every_object_once_and_linked
from tests.harness import api_requests, caught, hold_batches, stop_daemon, wait_until

#: The pace of the daemons and the QBO emulator: QBO's 120-s execution limit lasts 30 s, so
#: a batch held as its daemon stalls is still applied after the 10-s lease lapsed and the
#: other daemon claimed the connection.
TIME_SCALE = 4.0


def every_link() -> list[tuple]:
    return list(Link.select().order_by(Link.id).tuples())


def every_watermark() -> list[tuple]:
    return list(Watermark.select().order_by(Watermark.id).tuples())


def timed_out(box) -> int:
    """Requests QBO gave up on past its execution limit (504)."""
    rows = httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]
    return sum(r["count"] for r in rows if r["status"] == 504)


@pytest.mark.parametrize("entity", ["Customer", "Payment"])
def test_a_daemon_stalled_past_its_lease_writes_nothing_after_the_takeover(entity, sandbox, postgres_server, tmp_path):
    """Paused while QBO holds a batch of ``entity`` creates: customers come first in a
    cycle, payments last, after the invoices they apply to."""
    harness.make_ready(sandbox)
    seed_firm(sandbox, bills=60, seed=41)
    httpx.patch(f"{sandbox.qbo_url}/_sandbox/config", json={"time_scale": TIME_SCALE}).raise_for_status()
    url = fresh_postgres_database(postgres_server)
    base = {
        **os.environ,
        **sandbox_env(sandbox, url, str(tmp_path / "data")),
        "BILLSYNC_TIME_SCALE": str(TIME_SCALE),
    }
    envs = [{**base, "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}"} for _ in range(2)]
    harness.migrate(envs[0])
    set_secret_key(base["BILLSYNC_SECRET_KEY"])
    db = open_database(url)  # to watch the lease
    hold_batches(sandbox, True, [entity])
    daemons = []
    try:
        daemons = [harness.start_daemon(env) for env in envs]
        with DaemonClient(envs[0]["BILLSYNC_ADDRESS"], token=base["BILLSYNC_API_TOKEN"]) as client:
            connection_id = connect(client).id
        wait_until(lambda: caught(sandbox), f"a batch of {entity} creates held in QBO")
        claimed = Connection.get_by_id(connection_id)
        stalled_run = Run.get(Run.connection == connection_id, Run.state == "running")
        stalled = [p.pid for p in daemons].index(int(claimed.lease_owner.split(":")[1]))
        daemons[stalled].send_signal(signal.SIGSTOP)

        def taken_over() -> Connection | None:
            connection = Connection.get_by_id(connection_id)
            return connection if connection.fence > claimed.fence else None

        holder = wait_until(taken_over, "the other daemon to take the lease over")
        # Its run may have ended already (with nothing to write but what the stalled one sent)
        # and given the lease back.
        assert holder.lease_owner is None or int(holder.lease_owner.split(":")[1]) == daemons[1 - stalled].pid
        hold_batches(sandbox, False)  # the stalled daemon's batch is applied now; its answer waits for it
        wait_until(lambda: not caught(sandbox), "QBO to apply the batches it held")
        assert not timed_out(sandbox), "a held batch timed out instead of landing after the takeover"
        with DaemonClient(envs[1 - stalled]["BILLSYNC_ADDRESS"], token=base["BILLSYNC_API_TOKEN"]) as survivor:

            def survivor_done() -> bool:
                """Its last run over, and no create left pending: one the stalled daemon's batch
                might still have landed when the survivor looked is decided by a run of its own
                soon after (``scheduler.next_due``)."""
                status = survivor.status(connection_id)
                settled = not Link.select().where(Link.state == "pending").exists()
                return (
                    status.last_run.state == pb.RUN_STATE_SUCCEEDED and not status.HasField("current_run") and settled
                )

            wait_until(survivor_done, "the other daemon to finish the sync")
            synced, marks, fence = every_link(), every_watermark(), Connection.get_by_id(connection_id).fence
            writes = api_requests(sandbox)["qbo_writes"]

            daemons[stalled].send_signal(signal.SIGCONT)
            wait_until(
                lambda: Run.get_by_id(stalled_run.id).error == LEASE_LOST, "the resumed daemon to give its run up"
            )

            assert api_requests(sandbox)["qbo_writes"] == writes, "the resumed daemon sent a write to QBO"
            assert every_link() == synced, "the resumed daemon changed links after the takeover"
            assert every_watermark() == marks, "the resumed daemon moved a watermark after the takeover"
            assert Connection.get_by_id(connection_id).fence == fence, "the resumed daemon claimed the lease again"
    finally:
        hold_batches(sandbox, False)
        for process in daemons:
            process.send_signal(signal.SIGCONT)
            stop_daemon(process)
    assert not Link.select().where(Link.state == "pending").exists()
    assert Link.select().where(Link.kind == "payment", Link.state == "synced").count() > 20
    comparison = compare(sandbox, connection_id)
    assert not comparison.problems, "\n".join(comparison.problems)
    assert_every_object_once_and_linked(sandbox)
    db.close()
