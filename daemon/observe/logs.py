"""One line per event: JSON (``BILLSYNC_LOG_FORMAT=json``) or readable text.

Each line names the connection and run it concerns (``observe.context``) and the fields
its caller passes through :func:`concerning` (the Clio id, the QBO id, QBO's ``intuit_tid``,
…), so that a support ticket with Intuit can quote the request. What a line may say is
chosen where it is logged: ids, states, codes, endpoints as route templates. Never a token,
a secret, a request or response body, a query string, a name or an e-mail address: a
person's data stays in the database and reaches people through the RPCs and the panel.
Tracebacks of unexpected errors are kept, with bearer tokens scrubbed from them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

from billsync.daemon.http import scrub
from billsync.daemon.observe import context


def concerning(**fields: Any) -> dict[str, Any]:
    """The ``extra`` of a log call: what the line is about, empty values left out."""
    return {"concerns": {name: value for name, value in fields.items() if value not in (None, "")}}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The connection and run of the context the record was made in, then the caller's fields."""
    found = {"connection": context.connection_id.get(), "run": context.run_id.get()}
    found.update(getattr(record, "concerns", {}))
    return {name: value for name, value in found.items() if value is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            line["traceback"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value …``, for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{name}={value}" for name, value in fields_of(record).items())
        return super().formatMessage(record) + (f" {pairs}" if pairs else "")

    def formatException(self, ei: Any) -> str:
        return scrub(super().formatException(ei))


def configure(log_format: str, stream: TextIO = sys.stderr) -> logging.Handler:
    """Sends the daemon's log to ``stream`` at INFO, as JSON lines when ``log_format`` is
    "json" and as text otherwise (``Config.log_format``); returns the handler.

    httpx logs every request with its full URL, query string included (a QBO query names the
    customers it looks for), so it is held to warnings: ``observe.requests`` logs requests.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
