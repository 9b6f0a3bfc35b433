"""Fixtures for the emulator tests: a real QBO emulator on a free port and a client."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.server import Sandbox


class QBO:
    """A running QBO emulator plus helpers to call its API and admin API."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.qbo_url
        self.realm = sandbox.qbo_config.realm_id
        self.http = httpx.Client(base_url=self.url, timeout=10.0)
        self.token = self.mint()["access_token"]

    def mint(self) -> dict:
        return self.admin("POST", "/tokens", json={"realm_id": self.realm})

    def admin(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"/_sandbox{path}", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}
        return self.http.request(method, f"/v3/company/{self.realm}{path}", headers=headers, **kwargs)

    def seed(self, objects: dict, raw: bool = False) -> dict:
        return self.admin("POST", "/seed", json={"objects": objects, "raw": raw})["created"]


@pytest.fixture(scope="session")
def qbo_sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(clio=False, qbo_config=QBOConfig(limits_enabled=False)).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def qbo(qbo_sandbox: Sandbox) -> Iterator[QBO]:
    """A freshly reset default company, limits off and at QBO's ceilings, faults off: a test
    that changes a ceiling leaves it to no other (the emulator outlives each test)."""
    client = QBO(qbo_sandbox)
    ceilings = QBOConfig()
    client.admin(
        "PATCH",
        "/config",
        json={
            "limits_enabled": False,
            "requests_per_minute": ceilings.requests_per_minute,
            "requests_per_second": ceilings.requests_per_second,
            "batch_per_minute": ceilings.batch_per_minute,
            "max_concurrent": ceilings.max_concurrent,
            "faults": {"rate": 0.0},
            "cdc_max_days": 30,
            "time_scale": 1.0,
            "access_token_lifetime": 3600.0,
            "refresh_grace": 86400.0,
        },
    )
    client.admin("POST", "/reset")
    yield client
    client.http.close()


@pytest.fixture
def services(qbo: QBO) -> dict[str, str]:
    """The "Services" item and a customer most transaction tests need."""
    item = qbo.seed({"Item": [{"Name": "Services", "IncomeAccountRef": {"value": "1"}}]})["Item"][0]
    customer = qbo.seed({"Customer": [{"DisplayName": "Amy's Bird Sanctuary"}]})["Customer"][0]
    return {"item": item, "customer": customer}
