"""Every request to QBO and Clio, counted and logged as one line, whoever sent it.

:class:`~billsync.daemon.http.Http` reports each attempt here (retries included, as the
providers count them). A URL becomes a route template, ``/v3/company/{realm}/invoice/{id}``
or ``/api/v4/bills/{id}.json``, so a metric label never grows with the data, and the id the
template hides goes on the log line as the QBO or Clio id. The query string never leaves
this module: a QBO query names the customers it looks for.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import httpx

from billsync.daemon.config import Config
from billsync.daemon.observe import context
from billsync.daemon.observe.logs import concerning
from billsync.daemon.observe.metrics import Metrics

log = logging.getLogger(__name__)

_REALM = re.compile(r"^/v3/company/([^/]+)")
_ID = re.compile(r"/(\d+)(?=[./]|$)")
#: The status label of an attempt that got no answer (a timeout, a refused or dropped connection).
UNANSWERED = "none"


def endpoint_of(path: str) -> tuple[str, str, str]:
    """The route template of a URL path, the realm it names and the last record id it names.

    ``/v3/company/9130/invoice/42`` → ``("/v3/company/{realm}/invoice/{id}", "9130", "42")``.
    """
    realm = ""
    if found := _REALM.match(path):
        realm = found.group(1)
        path = "/v3/company/{realm}" + path[found.end() :]
    ids = _ID.findall(path)
    return _ID.sub("/{id}", path), realm, ids[-1] if ids else ""


class RequestObserver:
    """What :class:`~billsync.daemon.http.Http` calls after each attempt.

    Args:
        metrics: the daemon's metrics.
        apis: the API (``qbo``, ``clio``) of each ``host:port`` billsync sends to.
    """

    def __init__(self, metrics: Metrics, apis: dict[str, str]) -> None:
        self.metrics = metrics
        self.apis = apis

    @classmethod
    def for_config(cls, metrics: Metrics, config: Config) -> RequestObserver:
        """QBO's API and OAuth hosts are ``qbo``, Clio's host (API and OAuth) is ``clio``."""
        qbo = (config.qbo_api_url, config.qbo_token_url, config.qbo_revoke_url)
        apis = {urlsplit(url).netloc: "qbo" for url in qbo}
        apis[urlsplit(config.clio_url).netloc] = "clio"
        return cls(metrics, apis)

    def __call__(self, method: str, url: str, response: httpx.Response | None) -> None:
        parts = urlsplit(url)
        api = self.apis.get(parts.netloc, "other")
        endpoint, realm, record_id = endpoint_of(parts.path) if api != "other" else ("", "", "")
        status = str(response.status_code) if response is not None else UNANSWERED
        self.metrics.requests.labels(context.connection_label(), api, method, endpoint, status).inc()
        seconds = _elapsed(response)
        tid = response.headers.get("intuit_tid", "") if response is not None and api == "qbo" else ""
        if api == "qbo":
            context.intuit_tid.set(tid)
            if endpoint.endswith("/batch") and seconds is not None:
                self.metrics.batch_seconds.labels(context.connection_label()).observe(seconds)
        log.info(
            "%s %s %s %s",
            api,
            method,
            endpoint,
            status,
            extra=concerning(
                api=api,
                method=method,
                endpoint=endpoint,
                status=status,
                seconds=seconds,
                realm=realm,
                qbo_id=record_id if api == "qbo" and record_id != realm else "",
                clio_id=record_id if api == "clio" else "",
                intuit_tid=tid,
            ),
        )


def _elapsed(response: httpx.Response | None) -> float | None:
    """Seconds from sending to the answer read; None without one (or from a test's mock
    transport, whose answers are never read off a connection)."""
    try:
        return response.elapsed.total_seconds() if response is not None else None
    except RuntimeError:
        return None
