"""Webhooks end to end: both emulators notify the daemon's receiver, which starts a run at once.
And without a webhook, a page that asks for Status sees what someone removed in QuickBooks.

Connections sync every hour here and each run records its trigger, so a run marked
``webhook`` that follows a change was started by the webhook, not by polling. No test
times anything: the deadlines below only stop a hung test.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest

from billsync.daemon.clio import webhooks as clio_webhooks
from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc import glance
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.rpc.receiver import clio_signature, qbo_signature
from billsync.daemon.store.models import ClioWebhook, Connection, Event, Link, PlanMark, Run, Watermark, utcnow
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests.conftest import GlanceClock
from tests.e2e.conftest import sandbox_env
from tests.harness import (
    connect,
    free_port,
    make_ready,
    qbo_objects,
    seed_firm,
    settle,
    stop_in_process,
    sync,
    wait_until,
)

VERIFIER = secrets.token_urlsafe(16)
#: Seconds before a wait gives up: far beyond any healthy run, far below the hour of polling.
PATIENCE = 120.0


@pytest.fixture
def hook_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def daemon(sandbox: Sandbox, database_url: str, tmp_path, db, hook_url: str) -> Iterator[Daemon]:
    """A daemon receiving webhooks at ``hook_url``, with a firm ready to sync."""
    env = sandbox_env(sandbox, database_url, str(tmp_path / "data"))
    env.update(
        BILLSYNC_WEBHOOK_ADDRESS=hook_url.removeprefix("http://"),
        BILLSYNC_WEBHOOK_URL=hook_url,
        BILLSYNC_QBO_WEBHOOK_VERIFIER=VERIFIER,
    )
    d = Daemon(Config.from_env(env))
    d.start()
    make_ready(sandbox)
    seed_firm(sandbox, bills=20, seed=3)
    yield d
    stop_in_process(d, grace=1.0)


@pytest.fixture
def client(daemon: Daemon) -> Iterator[DaemonClient]:
    with DaemonClient(f"127.0.0.1:{daemon.port}", token=daemon.config.api_token, actor="tester") as c:
        yield c


@pytest.fixture
def synced(client: DaemonClient) -> pb.Connection:
    """A connection after its first sync, once no run is due (authorizing asks for one too)."""
    connection = connect(client)
    assert sync(client, connection.id).state == pb.RUN_STATE_SUCCEEDED
    settle(client, connection.id)
    return connection


def last_run(client: DaemonClient, connection_id: int) -> pb.Run:
    status = client.status(connection_id)
    return status.current_run if status.HasField("current_run") else status.last_run


def wait_for_webhook_run(client: DaemonClient, connection_id: int, after: int, finished: bool = False) -> pb.Run:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        run = last_run(client, connection_id)
        if run.id > after and (not finished or run.state != pb.RUN_STATE_RUNNING):
            assert run.trigger == "webhook"
            return run
        time.sleep(0.1)
    raise AssertionError(f"no run started by a webhook within {PATIENCE} s")


def assert_no_run_after(daemon: Daemon, client: DaemonClient, connection_id: int, after: int) -> None:
    """The receiver makes a connection due before it answers, and the next dispatch pass
    starts every due connection: once a pass that began after the refusals has ended, a
    trigger would show as a new run."""
    assert daemon.scheduler.await_dispatch(PATIENCE), "the scheduler made no dispatch pass"
    assert last_run(client, connection_id).id == after


def post(url: str, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(url, content=body, headers={"content-type": "application/json", **headers})


def test_a_qbo_change_triggers_a_run_of_its_connection(sandbox: Sandbox, client, synced, hook_url) -> None:
    before = last_run(client, synced.id).id
    httpx.post(
        f"{sandbox.qbo_url}/_sandbox/webhooks", json={"url": f"{hook_url}/webhooks/qbo", "verifier": VERIFIER}
    ).raise_for_status()
    customer = Link.select().where(Link.kind == "contact", Link.state == "synced").first()
    realm = sandbox.qbo_config.realm_id
    httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/Customer/{customer.qbo_id}/deactivate").raise_for_status()

    wait_for_webhook_run(client, synced.id, before)
    deliveries = httpx.get(f"{sandbox.qbo_url}/_sandbox/webhooks").json()["deliveries"]
    assert deliveries and deliveries[-1]["status"] == 200


def delete_synced_invoice(sandbox: Sandbox) -> Link:
    """Deletes in QBO, as one of its users would, an invoice billsync synced; its link."""
    invoice = Link.select().where(Link.kind == "invoice", Link.state == "synced").order_by(Link.id).first()
    realm = sandbox.qbo_config.realm_id
    httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/Invoice/{invoice.qbo_id}/delete").raise_for_status()
    return invoice


def runs_after(connection_id: int, run_id: int) -> list[Run]:
    return list(Run.select().where(Run.connection == connection_id, Run.id > run_id).order_by(Run.id))


def test_an_invoice_deleted_in_qbo_is_broken_by_the_webhook_of_its_deletion(
    sandbox: Sandbox, client, synced, hook_url
) -> None:
    """Nothing but QBO's notification can start the run here: the schedule is an hour off,
    and the test reads links, not Status (whose glance at QBO could start a run too)."""
    before = Run.select().where(Run.connection == synced.id).order_by(Run.id.desc()).first().id
    httpx.post(
        f"{sandbox.qbo_url}/_sandbox/webhooks", json={"url": f"{hook_url}/webhooks/qbo", "verifier": VERIFIER}
    ).raise_for_status()

    def broken() -> list[pb.Link]:
        found = client.list_links(synced.id, kind=pb.KIND_INVOICE, state=pb.LINK_STATE_BROKEN).links
        return [link for link in found if link.id == invoice.id]

    httpx.delete(f"{sandbox.clio_url}/_sandbox/requests").raise_for_status()
    invoice = delete_synced_invoice(sandbox)
    [link] = wait_until(broken, "the deleted invoice to show as removed in QuickBooks")
    assert clio_reads(sandbox) == {}, "QuickBooks named the change: nothing is read from Clio"
    assert link.reason.startswith("Deleted in QuickBooks")
    assert link.failing_since == link.updated_at
    assert {run.trigger for run in runs_after(synced.id, before)} == {"webhook"}
    assert httpx.get(f"{sandbox.qbo_url}/_sandbox/webhooks").json()["deliveries"][-1]["status"] == 200


def test_an_invoice_deleted_in_qbo_is_broken_once_a_page_asks_for_status(
    clock: GlanceClock, sandbox: Sandbox, daemon: Daemon, client, synced
) -> None:
    """No QBO webhook is subscribed and the schedule is an hour off: the Status a page asks
    for, once its glance at QBO is due, is what finds the deletion and starts the run."""
    before = Run.select().where(Run.connection == synced.id).order_by(Run.id.desc()).first().id
    logged = Event.select().where(Event.connection == synced.id).order_by(Event.id.desc()).first().id
    assert httpx.get(f"{sandbox.qbo_url}/_sandbox/webhooks").json()["url"] is None
    invoice = delete_synced_invoice(sandbox)
    status = client.status(synced.id)  # within the glance's minute: QBO is not asked again
    assert invoice.id not in [p.id for p in status.problems]
    assert daemon.scheduler.await_dispatch(PATIENCE) and runs_after(synced.id, before) == []

    clock.now += glance.MAX_AGE + 1  # the page is opened a minute later

    def shown() -> list[pb.Link]:
        return [p for p in client.status(synced.id).problems if p.id == invoice.id]

    [problem] = wait_until(shown, "the deleted invoice to show on the status page")
    assert problem.state == pb.LINK_STATE_BROKEN
    assert problem.reason == "Deleted in QuickBooks; re-sync to create it again", "what happened, not QBO's raw time"
    [run] = runs_after(synced.id, before)
    assert run.trigger == glance.TRIGGER
    ended = wait_until(lambda: run_ended(synced.id, after=logged), "the run to end in the activity log")
    assert ended.type == "run.succeeded"
    assert ended.message.startswith("Started after an item was deleted or made inactive in QuickBooks. ")


def run_ended(connection_id: int, after: int) -> Event | None:
    """The first run's end the activity log records after event ``after``."""
    ends = Event.select().where(
        Event.connection == connection_id, Event.type.in_(["run.succeeded", "run.failed"]), Event.id > after
    )
    return ends.order_by(Event.id).first()


def test_a_forged_qbo_notification_is_refused_and_triggers_nothing(
    sandbox: Sandbox, daemon, client, synced, hook_url
) -> None:
    before = last_run(client, synced.id).id
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": sandbox.qbo_config.realm_id,
                    "dataChangeEvent": {
                        "entities": [
                            {"name": "Invoice", "id": "1", "operation": "Delete", "lastUpdated": "2025-01-01T00:00:00Z"}
                        ]
                    },
                }
            ]
        }
    ).encode()
    url = f"{hook_url}/webhooks/qbo"
    assert post(url, body).status_code == 401
    assert post(url, body, **{"intuit-signature": qbo_signature("not-the-verifier", body)}).status_code == 401
    assert post(url, body + b" ", **{"intuit-signature": qbo_signature(VERIFIER, body)}).status_code == 401
    assert_no_run_after(daemon, client, synced.id, before)
    assert post(url, body, **{"intuit-signature": qbo_signature(VERIFIER, body)}).status_code == 200
    wait_for_webhook_run(client, synced.id, before)


def test_a_bill_edited_in_clio_reaches_qbo_within_seconds(sandbox: Sandbox, client, synced) -> None:
    rows = list(ClioWebhook.select().where(ClioWebhook.connection == synced.id))
    assert sorted(r.model for r in rows) == ["bill", "contact"] and all(r.secret and r.clio_id for r in rows), (
        "handshake not done"
    )
    enabled = {w["id"]: w["status"] for w in sandbox.clio.store["webhooks"].records.values()}
    assert [enabled[int(r.clio_id)] for r in rows] == ["enabled", "enabled"]
    before = last_run(client, synced.id).id
    link = Link.select().where(Link.kind == "invoice", Link.state == "synced").first()
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{link.clio_id}", json={"number": "WEBHOOK-1"}).raise_for_status()

    run = wait_for_webhook_run(client, synced.id, before, finished=True)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    [invoice] = [i for i in qbo_objects(sandbox, "Invoice") if i["Id"] == link.qbo_id]
    assert invoice["DocNumber"] == "WEBHOOK-1"


def clio_reads(box: Sandbox) -> dict[str, int]:
    """Clio API reads of records since the counts were reset, by endpoint and filters."""
    reads: dict[str, int] = {}
    for r in httpx.get(f"{box.clio_url}/_sandbox/requests").json()["requests"]:
        if r["method"] == "GET" and r["endpoint"].startswith("/api/v4/") and "webhooks" not in r["endpoint"]:
            key = f"{r['endpoint'].removeprefix('/api/v4/')} [{r['filters']}]"
            reads[key] = reads.get(key, 0) + r["count"]
    return reads


def test_a_webhook_run_reads_the_bill_it_names_and_puts_off_no_full_read(sandbox: Sandbox, client, synced) -> None:
    """The delivery names the bill: the run reads it and its lines by id (two requests, not
    a read of everything changed in Clio), moves no watermark, and leaves the next full read
    where the last one put it."""
    due = Connection.get_by_id(synced.id).next_run_at
    marks = {w.resource: w.value for w in Watermark.select().where(Watermark.connection == synced.id)}
    before = last_run(client, synced.id).id
    link = Link.select().where(Link.kind == "invoice", Link.state == "synced").first()
    httpx.delete(f"{sandbox.clio_url}/_sandbox/requests").raise_for_status()
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{link.clio_id}", json={"number": "NAMED-1"}).raise_for_status()

    run = wait_for_webhook_run(client, synced.id, before, finished=True)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    [invoice] = [i for i in qbo_objects(sandbox, "Invoice") if i["Id"] == link.qbo_id]
    assert invoice["DocNumber"] == "NAMED-1"
    assert clio_reads(sandbox) == {"bills.json [ids[]]": 1, "line_items.json [ids[]]": 1}
    assert {w.resource: w.value for w in Watermark.select().where(Watermark.connection == synced.id)} == marks
    assert Connection.get_by_id(synced.id).next_run_at <= due, "the periodic full read is not put off"
    assert not PlanMark.select().exists(), "the hint is spent"


def test_a_forged_clio_delivery_is_refused_and_triggers_nothing(daemon, client, synced, hook_url) -> None:
    row = ClioWebhook.get(ClioWebhook.connection == synced.id, ClioWebhook.model == "bill")
    before = last_run(client, synced.id).id
    url = f"{hook_url}/webhooks/clio/{row.token}"
    body = json.dumps({"data": {"id": 1}, "meta": {"event": "updated", "webhook_id": int(row.clio_id)}}).encode()
    assert post(url, body).status_code == 401
    assert post(url, body, **{"X-Hook-Signature": clio_signature("guessed", body)}).status_code == 401
    assert post(url, body, **{"X-Hook-Secret": "mine-now"}).status_code == 401, (
        "a second handshake must not replace the secret"
    )
    assert (
        post(
            f"{hook_url}/webhooks/clio/not-a-token", body, **{"X-Hook-Signature": clio_signature(row.secret, body)}
        ).status_code
        == 404
    )
    assert_no_run_after(daemon, client, synced.id, before)
    assert post(url, body, **{"X-Hook-Signature": clio_signature(row.secret, body)}).status_code == 200
    wait_for_webhook_run(client, synced.id, before)


def test_revoke_deletes_the_clio_webhooks(sandbox: Sandbox, client, synced) -> None:
    assert len(sandbox.clio.store["webhooks"].records) == 2
    client.revoke(synced.id)
    assert not sandbox.clio.store["webhooks"].records
    assert not ClioWebhook.select().exists()


def clio_webhooks_in(sandbox: Sandbox) -> dict[int, dict]:
    return dict(sandbox.clio.store["webhooks"].records)


def test_the_sweep_extends_lapsing_clio_webhooks(sandbox: Sandbox, daemon: Daemon, synced) -> None:
    soon = utcnow() + dt.timedelta(days=1)
    ClioWebhook.update(expires_at=soon).execute()
    for webhook in clio_webhooks_in(sandbox).values():
        webhook["expires_at"] = soon.replace(tzinfo=dt.timezone.utc)
    clio_webhooks.sweep(daemon.webhooks.providers.clio, daemon.webhooks.providers.config.webhook_url)
    month = utcnow() + dt.timedelta(days=29)
    rows = list(ClioWebhook.select())
    assert len(rows) == 2 and all(r.expires_at > month for r in rows)
    in_clio = clio_webhooks_in(sandbox)
    assert all(in_clio[int(r.clio_id)]["expires_at"] > month.replace(tzinfo=dt.timezone.utc) for r in rows)


def test_the_sweep_gives_a_handshake_its_grace_whatever_the_clock_of_the_daemon_that_subscribed(
    daemon: Daemon, synced, skewed_host
) -> None:
    """Subscribed by a daemon whose clock runs behind by more than the grace, still waiting
    for Clio's handshake: a daemon on time, sweeping at once, leaves it be."""
    providers = daemon.webhooks.providers
    skewed_host(-(clio_webhooks.HANDSHAKE_GRACE + dt.timedelta(minutes=1)))
    assert clio_webhooks.subscribe(providers.clio, Connection.get_by_id(synced.id), providers.config.webhook_url)
    skewed_host(dt.timedelta())
    ClioWebhook.update(secret=None).execute()  # its handshake not in yet
    made = {r.token for r in ClioWebhook.select()}
    clio_webhooks.sweep(providers.clio, providers.config.webhook_url)
    assert {r.token for r in ClioWebhook.select()} == made, "the subscriptions were made again"


def test_the_sweep_moves_subscriptions_to_a_new_webhook_url(sandbox: Sandbox, daemon: Daemon, synced) -> None:
    old = {r.token for r in ClioWebhook.select()}
    ClioWebhook.update(url="https://old.example").execute()
    clio_webhooks.sweep(daemon.webhooks.providers.clio, daemon.webhooks.providers.config.webhook_url)
    rows = list(ClioWebhook.select())
    assert len(rows) == 2 and not old & {r.token for r in rows}
    assert sorted(clio_webhooks_in(sandbox)) == sorted(int(r.clio_id) for r in rows), (
        "the old webhooks are deleted in Clio"
    )


def test_a_webhook_does_not_turn_a_sync_asked_for_into_a_targeted_run(daemon: Daemon, client, synced) -> None:
    """Asked for by Sync, a run reads everything; a webhook landing before it starts must not
    make it read only what the webhook named. The connection is held elsewhere meanwhile, so
    both requests are in before any run can start."""
    elsewhere = {"lease_owner": "elsewhere:1:parked", "lease_until": utcnow() + dt.timedelta(hours=1)}
    Connection.update(**elsewhere).where(Connection.id == synced.id).execute()
    before = last_run(client, synced.id).id
    daemon.scheduler.request(synced.id, "sync")
    daemon.scheduler.request(synced.id, "webhook")
    Connection.update(lease_owner=None, lease_until=None).where(Connection.id == synced.id).execute()

    def started() -> pb.Run | None:
        run = last_run(client, synced.id)
        return run if run.id > before else None

    assert wait_until(started, "the run asked for").trigger == "sync"


def test_a_contact_made_in_clio_goes_to_quickbooks_only_with_a_bill(sandbox: Sandbox, client, synced) -> None:
    """A webhook names a new Clio contact: the run reads it, and writes it no more than a
    full read would, since no bill of it is issued yet."""
    customers = len(qbo_objects(sandbox, "Customer"))
    before = last_run(client, synced.id).id
    contact = httpx.post(
        f"{sandbox.clio_url}/_sandbox/contacts", json={"type": "Company", "name": "Newly Met LLP"}
    ).json()["data"]

    run = wait_for_webhook_run(client, synced.id, before, finished=True)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    assert len(qbo_objects(sandbox, "Customer")) == customers
    assert not Link.select().where(Link.kind == "contact", Link.clio_id == str(contact["id"])).exists()
