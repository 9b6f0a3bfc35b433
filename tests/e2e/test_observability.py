"""Operating billsync: its metrics agree with what the emulators saw and with Status, and
its JSON log quotes ids and ``intuit_tid`` but no token, secret or client's data."""

from __future__ import annotations

import collections
import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Run, Watermark
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import DEFAULT_CLIENT_SECRET
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.e2e.conftest import sandbox_env
from tests.harness import connect, make_ready, reset_request_counts, seed_firm, settle, stop_daemon, sync

#: A route of the QBO emulator (Flask's rule) → the daemon's template of the same route.
FLASK_TO_TEMPLATE = {"<realm_id>": "{realm}", "<entity_id>": "{id}"}
API_PREFIXES = ("/v3/", "/api/v4/")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Every sample the daemon's metrics endpoint serves, by name and labels."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def summed(samples: Samples, name: str, *by: str) -> collections.Counter:
    """The samples of ``name`` summed over every label but ``by``."""
    totals: collections.Counter = collections.Counter()
    for (sample, labels), value in samples.items():
        if sample == name:
            found = dict(labels)
            totals[tuple(found.get(label, "") for label in by)] += value
    return totals


def api_requests_seen_by_daemon(samples: Samples) -> collections.Counter:
    seen = summed(samples, "billsync_api_requests_total", "method", "endpoint", "status")
    return collections.Counter({key: n for key, n in seen.items() if n and key[1].startswith(API_PREFIXES)})


def api_requests_seen_by_emulators(box) -> collections.Counter:
    """What both emulators counted, by method, route template and status (their own reports)."""
    qbo = httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]
    clio = httpx.get(f"{box.clio_url}/_sandbox/requests").json()["requests"]
    seen: collections.Counter = collections.Counter()
    for row in [*qbo, *clio]:
        endpoint = row["endpoint"]
        for rule, template in FLASK_TO_TEMPLATE.items():
            endpoint = endpoint.replace(rule, template)
        if endpoint.startswith(API_PREFIXES):
            seen[(row["method"], endpoint, str(row["status"]))] += row["count"]
    return seen


def name_of(enum, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower()


@pytest.fixture
def observed_daemon(sandbox, database_url, db, tmp_path) -> Iterator[Daemon]:
    env = {**sandbox_env(sandbox, database_url, str(tmp_path / "data")), "BILLSYNC_METRICS_ADDRESS": "127.0.0.1:0"}
    daemon = Daemon(Config.from_env(env))
    daemon.start()
    yield daemon
    harness.stop_in_process(daemon, grace=1.0)


def test_metrics_equal_the_emulators_counts_and_status(sandbox, observed_daemon):
    seed_firm(sandbox, 12)
    port = observed_daemon.metrics_server.port
    with DaemonClient(f"127.0.0.1:{observed_daemon.port}", token=observed_daemon.config.api_token) as client:
        # Connected as a new QBO company is: invoices wait on its settings, contacts go.
        connection = connect(client)
        settle(client, connection.id)
        assert api_requests_seen_by_daemon(scrape(port)) == api_requests_seen_by_emulators(sandbox)

        make_ready(sandbox)
        reset_request_counts(sandbox)
        before = scrape(port)
        run = sync(client, connection.id)
        settle(client, connection.id)
        after = scrape(port)
        emulated = api_requests_seen_by_emulators(sandbox)
        status = client.status(connection.id)
        row = Connection.get_by_id(connection.id)
        watermarks = [dt.datetime.fromisoformat(w.value) for w in Watermark.select().where(Watermark.connection == row)]

        # A run left "running" by a daemon that died: the next claim takes the connection over.
        Run.create(connection=connection.id, trigger="schedule")
        sync(client, connection.id)
        settle(client, connection.id)
        takeovers = summed(scrape(port), "billsync_lease_takeovers_total")

    delta = api_requests_seen_by_daemon(after) - api_requests_seen_by_daemon(before)
    assert delta == emulated
    batches = sum(n for (method, endpoint, _), n in delta.items() if endpoint.endswith("/batch"))
    assert batches > 0
    batch_count = "billsync_qbo_batch_seconds_count"
    assert summed(after, batch_count)[()] - summed(before, batch_count)[()] == batches

    assert run.id == status.last_run.id and status.last_run.state == pb.RUN_STATE_SUCCEEDED
    runs = summed(after, "billsync_runs_total", "outcome") - summed(before, "billsync_runs_total", "outcome")
    assert runs == {("succeeded",): 1}
    assert takeovers == {(): 1}
    written = summed(after, "billsync_objects_written_total", "kind", "result") - summed(
        before, "billsync_objects_written_total", "kind", "result"
    )
    progress = {
        (name_of(pb.Kind, p.kind, "KIND_"), result): getattr(p, result)
        for p in status.last_run.progress
        for result in ("created", "updated", "failed")
        if getattr(p, result)
    }
    assert progress and written == progress

    links = {key: n for key, n in summed(after, "billsync_links", "kind", "state").items() if n}
    assert links == {
        (name_of(pb.Kind, c.kind, "KIND_"), name_of(pb.LinkState, c.state, "LINK_STATE_")): c.count
        for c in status.counts
    }

    label = (("connection", str(connection.id)),)
    for provider, grant in (("qbo", row.qbo_tokens), ("clio", row.clio_tokens)):
        stored = {"access": grant["expires_at"], "refresh": grant.get("refresh_expires_at")}
        for token, expires in stored.items():
            key = ("billsync_token_expiry_timestamp_seconds", (*label, ("provider", provider), ("token", token)))
            assert after.get(key) == expires
    assert after[("billsync_synced_until_timestamp_seconds", label)] == min(watermarks).timestamp()

    assert after[("billsync_lease_held", label)] == 0
    leases.claim(connection.id, observed_daemon.scheduler.owner, landing=dt.timedelta())
    assert scrape(port)[("billsync_lease_held", label)] == 1


def test_the_json_log_names_requests_and_holds_no_secret(sandbox, database_url, db, config, tmp_path, monkeypatch):
    seed_firm(sandbox, 12)
    make_ready(sandbox)
    env = {
        **sandbox_env(sandbox, database_url, str(tmp_path / "data")),
        # The test's own database handle decrypts what the daemon stores.
        "BILLSYNC_API_TOKEN": config.api_token,
        "BILLSYNC_SECRET_KEY": config.secret_key,
        "BILLSYNC_ADDRESS": f"127.0.0.1:{harness.free_port()}",
        "BILLSYNC_LOG_FORMAT": "json",
    }
    callbacks: list[dict[str, str]] = []
    read_callback = harness.callback_params

    def recorded(url: str) -> dict[str, str]:
        callbacks.append(params := read_callback(url))
        return params

    monkeypatch.setattr(harness, "callback_params", recorded)
    tokens: list[str] = []
    log_path = tmp_path / "daemon.log"
    with open(log_path, "w") as log:
        process = harness.start_daemon(env, log=log)
        try:
            with DaemonClient(env["BILLSYNC_ADDRESS"], token=config.api_token) as client:
                connection = connect(client)
                settle(client, connection.id)
                tokens += grant_tokens(connection.id)
                # Expired access tokens: the daemon refreshes both grants, and stores new ones.
                for url in (sandbox.qbo_url, sandbox.clio_url):
                    httpx.post(f"{url}/_sandbox/tokens/expire", json={}).raise_for_status()
                sync(client, connection.id)
                settle(client, connection.id)
                tokens += grant_tokens(connection.id)
        finally:
            stop_daemon(process)
    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines()]

    batch = [line for line in lines if line.get("endpoint") == "/v3/company/{realm}/batch"]
    assert batch and all({"connection", "run", "intuit_tid", "status"} <= set(line) for line in batch)
    written = [line for line in lines if line.get("state") == "synced"]
    named = {"connection", "run", "kind", "clio_id", "qbo_id", "intuit_tid"}
    assert written and all(named <= set(line) for line in written)
    assert any(line.get("endpoint") == "/api/v4/bills.json" and "run" in line for line in lines)

    secrets = [config.api_token, config.secret_key, DEFAULT_CLIENT_SECRET, ClioConfig.client_secret, *tokens]
    secrets += [value for params in callbacks for value in (params["code"], params["state"])]
    clio = sandbox.clio_app.extensions["clio"].store
    personal = [
        value
        for contact in clio["contacts"].records.values()
        for value in (contact["name"], contact["primary_email_address"], contact["primary_phone_number"])
        if value
    ]
    readable = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert len(callbacks) == 2 and len(set(tokens)) > 4 and personal
    leaked = [value for value in [*secrets, *personal] if value in text or value in readable]
    assert not leaked


def grant_tokens(connection_id: int) -> list[str]:
    """Every access and refresh token the connection stores now."""
    row = Connection.get_by_id(connection_id)
    return [grant[key] for grant in (row.qbo_tokens, row.clio_tokens) for key in ("access_token", "refresh_token")]
