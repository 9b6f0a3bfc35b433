"""Metrics and log lines of requests, without servers: route templates, what is counted, what
a line says and what it never says."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from cryptography.fernet import Fernet

from billsync.daemon.config import Config
from billsync.daemon.errors import ConfigError
from billsync.daemon.http import Http, RetryPolicy
from billsync.daemon.observe import context, logs
from billsync.daemon.observe.metrics import Metrics
from billsync.daemon.observe.requests import RequestObserver, endpoint_of
from billsync.daemon.ratelimit import Limits, RateLimiter

QBO = "https://quickbooks.example"
CLIO = "https://clio.example"
ENV = {"BILLSYNC_API_TOKEN": "t" * 16, "BILLSYNC_SECRET_KEY": Fernet.generate_key().decode()}


@pytest.mark.parametrize(
    ("path", "template", "realm", "record_id"),
    [
        ("/v3/company/9130/batch", "/v3/company/{realm}/batch", "9130", ""),
        ("/v3/company/9130/invoice/42", "/v3/company/{realm}/invoice/{id}", "9130", "42"),
        ("/v3/company/9130/companyinfo/9130", "/v3/company/{realm}/companyinfo/{id}", "9130", "9130"),
        ("/api/v4/bills/42.json", "/api/v4/bills/{id}.json", "", "42"),
        ("/api/v4/webhooks/7.json", "/api/v4/webhooks/{id}.json", "", "7"),
        ("/api/v4/users/who_am_i.json", "/api/v4/users/who_am_i.json", "", ""),
        ("/oauth2/v1/tokens/bearer", "/oauth2/v1/tokens/bearer", "", ""),
    ],
)
def test_a_url_path_becomes_a_route_template(path, template, realm, record_id):
    assert endpoint_of(path) == (template, realm, record_id)


class Lines:
    """The JSON lines logged so far."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def read(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """The daemon's JSON log set up as ``billsync daemon`` does, then pytest's handlers restored."""
    root = logging.getLogger()
    kept, level = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure("json", stream)
    yield Lines(stream)
    root.handlers[:] = kept
    root.setLevel(level)


def observed_http(metrics: Metrics, answers: list[httpx.Response | Exception]) -> Http:
    def answer(request: httpx.Request) -> httpx.Response:
        found = answers.pop(0)
        if isinstance(found, Exception):
            raise found
        return found

    config = Config.from_env({**ENV, "BILLSYNC_QBO_API_URL": QBO, "BILLSYNC_CLIO_URL": CLIO})
    return Http(
        policy=RetryPolicy(base=0.0),
        sleep=lambda seconds: None,
        transport=httpx.MockTransport(answer),
        observe=RequestObserver.for_config(metrics, config),
    )


def test_every_attempt_is_counted_by_connection_endpoint_and_status(log_lines):
    metrics = Metrics()
    http = observed_http(
        metrics,
        [
            httpx.Response(429),
            httpx.ConnectError("refused"),
            httpx.Response(200, headers={"intuit_tid": "1-abc"}, json={}),
            httpx.Response(401),
        ],
    )
    with context.bound(7, run=70):
        http.request("POST", f"{QBO}/v3/company/9130/batch", params={"requestid": "r"})
        http.request("GET", f"{CLIO}/api/v4/bills/42.json", params={"fields": "id"})

    def count(api: str, method: str, endpoint: str, status: str) -> float:
        labels = {"connection": "7", "api": api, "method": method, "endpoint": endpoint, "status": status}
        return metrics.registry.get_sample_value("billsync_api_requests_total", labels)

    batch = "/v3/company/{realm}/batch"
    assert [count("qbo", "POST", batch, status) for status in ("429", "none", "200")] == [1, 1, 1]
    assert count("clio", "GET", "/api/v4/bills/{id}.json", "401") == 1
    answered = [line for line in log_lines.read() if line.get("status") == "200"]
    assert answered == [
        {
            **answered[0],
            "connection": 7,
            "run": 70,
            "api": "qbo",
            "endpoint": batch,
            "realm": "9130",
            "intuit_tid": "1-abc",
        }
    ]
    assert log_lines.read()[-1]["clio_id"] == "42"


def test_a_request_line_quotes_no_query_string(log_lines):
    http = observed_http(Metrics(), [httpx.Response(200, json={})])
    http.request(
        "GET", f"{QBO}/v3/company/9130/query", params={"query": "select * from Customer where DisplayName = 'Ann Lee'"}
    )
    (line,) = log_lines.read()
    assert line["endpoint"] == "/v3/company/{realm}/query" and "Ann" not in json.dumps(line)
    assert "connection" not in line, "outside a cycle, a request names no connection"


def test_the_limiter_reports_the_waits_it_imposes():
    clock = [0.0]
    waits: list[float] = []
    limiter = RateLimiter(Limits(per_minute=1), clock=lambda: clock[0], on_wait=waits.append)
    with limiter.slot("realm"):
        pass
    clock[0] = 15.0
    assert limiter.capacity("realm") == (0, 45.0)
    assert waits == [45.0]


def test_a_traceback_in_the_log_has_its_bearer_tokens_scrubbed(log_lines):
    try:
        raise RuntimeError("refused: Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.secret")
    except RuntimeError:
        logging.getLogger("billsync.test").exception("failed")
    (line,) = log_lines.read()
    assert "eyJhbGci" not in json.dumps(line) and "[redacted]" in line["traceback"]


def test_a_wrong_log_format_or_metrics_address_is_refused():
    with pytest.raises(ConfigError, match="BILLSYNC_LOG_FORMAT"):
        Config.from_env({**ENV, "BILLSYNC_LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="BILLSYNC_METRICS_ADDRESS"):
        Metrics().serve("9100", owner="me")
