"""A sandbox with a demo firm, and a daemon connected to it through the real OAuth flows."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from cryptography.fernet import Fernet

from billsync.v1 import billsync_pb2 as pb
from daemon.client import DaemonClient
from daemon.config import Config
from daemon.main import Daemon
from sandbox.clio.app import ClioConfig
from sandbox.consent import approve, callback_params
from sandbox.qbo.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, QBOConfig
from sandbox.server import Sandbox

#: Runs the emulators' limits 60 times faster: a "minute" lasts one second.
TIME_SCALE = 60.0
REDIRECT_URI = "http://127.0.0.1:9/callback"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(time_scale=TIME_SCALE, qbo_config=QBOConfig(webhook_delay=0.1), clio_config=ClioConfig(rate_limit_per_minute=600))
    box.start()
    yield box
    box.stop()


def seed_firm(box: Sandbox, bills: int, seed: int = 1) -> dict:
    return httpx.post(f"{box.clio_url}/_sandbox/seed", json={"bills": bills, "seed": seed}).json()


def set_preferences(box: Sandbox, **values: bool) -> None:
    httpx.post(f"{box.qbo_url}/_sandbox/user/{box.qbo_config.realm_id}/preferences", json=values).raise_for_status()


def qbo_objects(box: Sandbox, entity: str) -> list[dict]:
    return httpx.get(f"{box.qbo_url}/_sandbox/objects/{box.qbo_config.realm_id}/{entity}").json()[entity]


def sandbox_env(box: Sandbox, database_url: str, data_dir: str) -> dict[str, str]:
    """The daemon's configuration for a sandbox: what a user sets to point it anywhere."""
    return {
        "BILLSYNC_ADDRESS": "127.0.0.1:0",
        "BILLSYNC_DATA_DIR": data_dir,
        "BILLSYNC_DATABASE_URL": database_url,
        "BILLSYNC_API_TOKEN": secrets.token_urlsafe(16),
        "BILLSYNC_SECRET_KEY": Fernet.generate_key().decode(),
        "BILLSYNC_QBO_API_URL": box.qbo_url,
        "BILLSYNC_QBO_OAUTH_URL": box.qbo_url,
        "BILLSYNC_QBO_CLIENT_ID": DEFAULT_CLIENT_ID,
        "BILLSYNC_QBO_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "BILLSYNC_CLIO_URL": box.clio_url,
        "BILLSYNC_CLIO_CLIENT_ID": ClioConfig.client_id,
        "BILLSYNC_CLIO_CLIENT_SECRET": ClioConfig.client_secret,
        "BILLSYNC_TIME_SCALE": str(TIME_SCALE),
    }


@pytest.fixture
def e2e_config(sandbox: Sandbox, database_url: str, tmp_path) -> Config:
    return Config.from_env(sandbox_env(sandbox, database_url, str(tmp_path / "data")))


@pytest.fixture
def e2e_daemon(e2e_config: Config, db) -> Iterator[Daemon]:
    d = Daemon(e2e_config)
    d.start()
    yield d
    d.stop(grace=1.0)


@pytest.fixture
def e2e_client(e2e_daemon: Daemon, e2e_config: Config) -> Iterator[DaemonClient]:
    with DaemonClient(f"127.0.0.1:{e2e_daemon.port}", token=e2e_config.api_token, actor="tester") as c:
        yield c


def authorize(client: DaemonClient, connection_id: int, provider: int) -> pb.Connection:
    """One side's OAuth flow, with the consent page approved as a person would."""
    started = client.call("StartAuthorization", pb.StartAuthorizationRequest(connection_id=connection_id, provider=provider, redirect_uri=REDIRECT_URI))
    params = callback_params(approve(started.authorize_url))
    return client.call("CompleteAuthorization", pb.CompleteAuthorizationRequest(
        provider=provider, state=params["state"], code=params["code"], realm_id=params.get("realmId", ""), redirect_uri=REDIRECT_URI))


def connect(client: DaemonClient, name: str = "Sandbox Law LLP", interval: int = 3600) -> pb.Connection:
    connection = client.call("CreateConnection", pb.CreateConnectionRequest(name=name, settings=pb.Settings(sync_interval_seconds=interval)))
    authorize(client, connection.id, pb.PROVIDER_CLIO)
    return authorize(client, connection.id, pb.PROVIDER_QBO)


def sync(client: DaemonClient, connection_id: int) -> pb.Run:
    events = list(client.sync(connection_id, timeout=600))
    return events[-1].run




def api_requests(box: Sandbox) -> dict[str, int]:
    """Requests each emulated API answered (not the admin API, not OAuth), by product."""
    qbo = httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]
    clio = httpx.get(f"{box.clio_url}/_sandbox/requests").json()["requests"]
    return {
        "qbo": sum(r["count"] for r in qbo if r["endpoint"].startswith("/v3/")),
        "qbo_writes": sum(r["count"] for r in qbo if r["endpoint"].startswith("/v3/") and r["method"] == "POST"),
        "clio": sum(r["count"] for r in clio if r["endpoint"].startswith("/api/v4/")),
    }
