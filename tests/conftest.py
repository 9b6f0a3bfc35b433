"""Fixtures shared by the whole suite: databases, an in-process daemon, a client.

Set BILLSYNC_TEST_DATABASE=postgresql to run the suite on a throwaway PostgreSQL cluster
instead of SQLite (CI runs both).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest
from cryptography.fernet import Fernet

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc import glance
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store import fields, migrations, models
from billsync.daemon.store.db import open_database
from tests.harness import stop_in_process
from tests.postgres import throwaway_cluster

BACKEND = os.environ.get("BILLSYNC_TEST_DATABASE", "sqlite")


def runs_on_the_database_under_test(item: pytest.Item) -> bool:
    """Whether a test's outcome depends on BILLSYNC_TEST_DATABASE: it takes ``database_url``
    (not ``each_database_url``, which runs both backends whatever the setting) or is marked
    ``database_under_test`` (a module-scoped database of that backend)."""
    names = getattr(item, "fixturenames", ())
    if "each_database_url" in names:
        return False
    return "database_url" in names or item.get_closest_marker("database_under_test") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL only the tests whose database is the one under test run: every other test
    runs just the same in the SQLite half (``make test`` runs both)."""
    if BACKEND != "postgresql":
        return
    dropped = [item for item in items if not runs_on_the_database_under_test(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if runs_on_the_database_under_test(item)]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with throwaway_cluster() as url:
        yield url


def fresh_postgres_database(server_url: str) -> str:
    """Creates an empty database on the cluster and returns its URL."""
    name = f"t_{secrets.token_hex(6)}"
    admin = peewee.PostgresqlDatabase(None)
    admin.init("postgres", dsn=server_url)
    admin.connect()
    admin.execute_sql(f"CREATE DATABASE {name}")
    admin.close()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def empty_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database on ``backend`` ("sqlite" or "postgresql")."""
    if backend == "postgresql":
        return fresh_postgres_database(request.getfixturevalue("postgres_server"))
    return f"sqlite:///{tmp_path / 'billsync.db'}"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the backend under test."""
    return empty_database(BACKEND, request, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def each_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend in turn, whatever BILLSYNC_TEST_DATABASE says:
    for tests of dialect-specific SQL (migrations, triggers)."""
    return empty_database(request.param, request, tmp_path)


@pytest.fixture
def db(database_url: str, config: Config) -> Iterator[peewee.Database]:
    """The link database, migrated, with the daemon's secret key installed."""
    fields.set_secret_key(config.secret_key)
    handle = open_database(database_url)
    migrations.migrate(handle)
    yield handle
    handle.close()


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    env = {
        "BILLSYNC_ADDRESS": "127.0.0.1:0",
        "BILLSYNC_DATA_DIR": str(tmp_path / "data"),
        "BILLSYNC_DATABASE_URL": database_url,
        "BILLSYNC_API_TOKEN": secrets.token_urlsafe(16),
        "BILLSYNC_SECRET_KEY": Fernet.generate_key().decode(),
        # The panel under test calls back on localhost (Flask's test client) or 127.0.0.1:<any port>.
        "BILLSYNC_REDIRECT_URIS": "http://localhost/* http://127.0.0.1:*/*",
    }
    return Config.from_env(env)


@pytest.fixture
def daemon(config: Config, db: peewee.Database) -> Iterator[Daemon]:
    """A daemon serving on a free port, in this process."""
    d = Daemon(config)
    d.start()
    yield d
    stop_in_process(d, grace=0.5)


@pytest.fixture
def address(daemon: Daemon) -> str:
    return f"127.0.0.1:{daemon.port}"


@pytest.fixture
def client(daemon: Daemon, config: Config, address: str) -> Iterator[DaemonClient]:
    with DaemonClient(address, token=config.api_token, actor="tester") as c:
        yield c


class GlanceClock:
    """The Status glance's monotonic clock (``rpc.glance``), moved on by a test instead of
    waiting the minute its reads of QuickBooks stay fresh."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> GlanceClock:
    c = GlanceClock()
    monkeypatch.setattr(glance, "time", c)
    return c


@pytest.fixture
def skewed_host(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.timedelta], None]:
    """Sets this host's clock off by a time wherever the daemon reads it (``utcnow``, and
    the columns stamped with it by default), as on a host whose clock drifted; the
    database's clock stays right."""
    right = models.utcnow
    readers = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("billsync.daemon") and getattr(module, "utcnow", None) is right
    ]
    # peewee calls a column's default from this list (``Metadata.get_default_dict``)
    defaults = {model._meta: list(model._meta._default_callable_list) for model in models.BaseModel.__subclasses__()}

    def skew(by: dt.timedelta) -> None:
        def wrong() -> dt.datetime:
            return right() + by

        for module in readers:
            monkeypatch.setattr(module, "utcnow", wrong)
        for meta, callables in defaults.items():
            stamped = [(name, wrong if default is right else default) for name, default in callables]
            monkeypatch.setattr(meta, "_default_callable_list", stamped)

    return skew
