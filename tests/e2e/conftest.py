"""A sandbox with a demo firm, and a daemon connected to it through the real OAuth flows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.server import Sandbox
from tests import harness
from tests.harness import api_requests, authorize, connect, qbo_objects, seed_firm, set_preferences, sync  # noqa: F401 - the tests' helpers

#: Runs the emulators' limits 60 times faster: a "minute" lasts one second.
TIME_SCALE = 60.0


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(
        time_scale=TIME_SCALE,
        qbo_config=QBOConfig(webhook_delay=0.1),
        clio_config=ClioConfig(rate_limit_per_minute=600),
    )
    box.start()
    yield box
    box.stop()


def sandbox_env(box: Sandbox, database_url: str, data_dir: str) -> dict[str, str]:
    """The daemon's configuration for the tests' sandbox, at the tests' time scale."""
    return harness.sandbox_env(box, database_url, data_dir, TIME_SCALE)


@pytest.fixture
def e2e_config(sandbox: Sandbox, database_url: str, tmp_path) -> Config:
    return Config.from_env(sandbox_env(sandbox, database_url, str(tmp_path / "data")))


@pytest.fixture
def e2e_daemon(e2e_config: Config, db) -> Iterator[Daemon]:
    d = Daemon(e2e_config)
    d.start()
    yield d
    harness.stop_in_process(d, grace=1.0)


@pytest.fixture
def e2e_client(e2e_daemon: Daemon, e2e_config: Config) -> Iterator[DaemonClient]:
    with DaemonClient(f"127.0.0.1:{e2e_daemon.port}", token=e2e_config.api_token, actor="tester") as c:
        yield c
