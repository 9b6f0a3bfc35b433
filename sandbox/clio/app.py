"""The Clio API v4 emulator as a Flask application: ``create_app(ClioConfig(...))``.

One app emulates one Clio account at Clio's own paths (``/oauth/…``, ``/api/v4/…``) and adds
the sandbox admin API (``/_sandbox/…``). Serve it with a threaded WSGI server such as
waitress; the dropped-connection fault relies on waitress (see :mod:`billsync.sandbox.faults`).
"""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from billsync.sandbox.clio import admin, api, oauth, persist, webhooks
from billsync.sandbox.clio.config import ClioConfig
from billsync.sandbox.clio.edge import Edge, RequestCounter
from billsync.sandbox.clio.errors import ClioError
from billsync.sandbox.clio.records import CURRENCIES, EPOCH
from billsync.sandbox.clio.store import Record, Store, utcnow
from billsync.sandbox.clio.tokens import TokenStore
from billsync.sandbox.faults import FaultConfig, FaultInjector
from billsync.sandbox.saver import Saver
from billsync.sandbox.throttle import Limit, RateLimiter

__all__ = ["ClioConfig", "ClioSandbox", "create_app"]


class ClioSandbox:
    """Everything one emulated account holds, reachable as ``app.extensions["clio"]``."""

    def __init__(self, config: ClioConfig) -> None:
        self.config = config
        self.store = Store(clock=self.now, user=self.user, fixed={"currencies": CURRENCIES.values()})
        self.tokens = TokenStore()
        self.counter = RequestCounter()
        self.faults = FaultInjector(config.faults)
        self.limiter = self._limiter()
        self.webhooks = webhooks.Dispatcher(self.store, config.webhook_timeout)
        self.saver: Saver | None = None
        if config.state_file:
            if os.path.exists(config.state_file):
                with open(config.state_file, encoding="utf-8") as state:
                    persist.load(state.read(), self.store, self.tokens)
            self.saver = Saver(config.state_file, lambda: persist.dump(self.store, self.tokens))
            self.store.listeners.append(lambda *_: self.saver.mark_dirty())

    def flush(self) -> None:
        """Write the state file now, if there is one; call it when the server stops."""
        if self.saver is not None:
            self.saver.flush()

    def now(self) -> datetime:
        """The account's clock: the wall clock moved by ``clock_offset_seconds``."""
        return utcnow() + timedelta(seconds=self.config.clock_offset_seconds)

    def _limiter(self) -> RateLimiter:
        # Windows run on the account's clock too: moving it forward ends a window at once.
        return RateLimiter(
            Limit(self.config.rate_limit_per_minute),
            self.config.time_scale,
            clock=lambda: time.monotonic() + self.config.clock_offset_seconds,
        )

    def configure(
        self,
        rate_limit_per_minute: int | None = None,
        time_scale: float | None = None,
        token_lifetime_seconds: int | None = None,
        faults: FaultConfig | None = None,
        inclusive_since: bool | None = None,
        clock_offset_seconds: int | None = None,
    ) -> None:
        """Change limits, faults, the ``*_since`` filters and the clock while serving; a new
        limit starts with empty windows."""
        changes: dict[str, Any] = {}
        if inclusive_since is not None:
            changes["inclusive_since"] = bool(inclusive_since)
        if clock_offset_seconds is not None:
            changes["clock_offset_seconds"] = int(clock_offset_seconds)
        if rate_limit_per_minute is not None:
            changes["rate_limit_per_minute"] = int(rate_limit_per_minute)
        if time_scale is not None:
            if float(time_scale) <= 0:
                raise ValueError("time_scale must be positive")
            changes["time_scale"] = float(time_scale)
        if token_lifetime_seconds is not None:
            changes["token_lifetime_seconds"] = int(token_lifetime_seconds)
        if faults is not None:
            changes["faults"] = faults
            self.faults.configure(faults)
        self.config = dataclasses.replace(self.config, **changes)
        if "rate_limit_per_minute" in changes or "time_scale" in changes:
            self.limiter = self._limiter()

    def user(self) -> Record:
        """The Clio user behind every token, with the firm's account."""
        stamp = EPOCH
        config = self.config
        first, _, last = config.user_name.partition(" ")
        return {
            "id": 1,
            "etag": '"user-1"',
            "name": config.user_name,
            "first_name": first,
            "last_name": last,
            "initials": f"{first[:1]}{last[:1]}",
            "email": config.user_email,
            "enabled": True,
            "account_owner": True,
            "clio_connect": False,
            "court_rules_default_attendee": False,
            "default_calendar_id": None,
            "phone_number": None,
            "rate": None,
            "roles": [],
            "subscription_type": "Attorney",
            "time_zone": "UTC",
            "created_at": stamp,
            "updated_at": stamp,
            "account": {
                "id": config.account_id,
                "etag": f'"account-{config.account_id}"',
                "name": config.account_name,
                "state": "active",
                "created_at": stamp,
                "updated_at": stamp,
            },
        }


def _error_response(error: ClioError) -> Response:
    return error.response()


def _http_error(error: HTTPException) -> Response:
    return ClioError(error.code or 500, error.name.replace(" ", ""), error.description or "").response()


def create_app(config: ClioConfig | None = None) -> Flask:
    """Build the emulator for one Clio account.

    Args:
        config: the account's settings; defaults emulate Clio's limits with the sandbox's
            OAuth client (``sandbox-clio-client`` / ``sandbox-clio-secret``).
    """
    app = Flask(__name__)
    sandbox = ClioSandbox(config or ClioConfig())
    app.extensions["clio"] = sandbox
    for blueprint in (oauth.bp, api.bp, webhooks.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(ClioError, _error_response)
    app.register_error_handler(HTTPException, _http_error)

    @app.after_request
    def _date(response: Response) -> Response:
        # Every origin server with a clock sends Date (RFC 9110 §6.6.1); the emulator's comes
        # from its own clock, so it agrees with the updated_at it stamps when that clock is moved.
        response.headers["Date"] = format_datetime(sandbox.now(), usegmt=True)
        return response

    if sandbox.saver is not None:
        saver = sandbox.saver

        @app.after_request
        def _mark_dirty(response: Response) -> Response:
            if request.method != "GET" and response.status_code < 400:
                saver.mark_dirty()
            return response

    app.wsgi_app = Edge(app.wsgi_app, sandbox.faults, sandbox.counter)  # type: ignore[method-assign]
    return app
