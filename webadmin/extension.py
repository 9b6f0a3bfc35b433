"""``BillSyncAdmin``: mounts the Bill Syncing pages in a Flask app (the init_app pattern).

The extension keeps no reference to an app: everything it needs per app lives in
``app.config`` and ``app.extensions["billsync"]``, so one instance can serve several apps
(application factories, tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from billsync.webadmin import actions, alerts, pages  # noqa: F401  (importing them declares their routes on bp)
from billsync.webadmin import config as defaults
from billsync.webadmin.blueprint import bp


@dataclass(frozen=True)
class State:
    """What ``app.extensions["billsync"]`` holds: the extension, and where it is mounted."""

    extension: BillSyncAdmin
    url_prefix: str


class BillSyncAdmin:
    """The Bill Syncing admin pages for a Flask app that uses flask-login.

    ``BillSyncAdmin(app)``, or ``admin = BillSyncAdmin()`` then ``admin.init_app(app)`` in
    an application factory. The host app's login manager decides who is logged in;
    ``BILLSYNC_CAN_ADMINISTER`` decides which connections each user may administer.
    """

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Sets the BILLSYNC_* defaults, checks the configuration, secures the session
        cookie and registers the pages; raises RuntimeError saying what to fix."""
        if "billsync" in app.extensions:
            raise RuntimeError("BillSyncAdmin is already registered on this app; call init_app once per app.")
        for key, value in defaults.DEFAULTS.items():
            app.config.setdefault(key, value)
        check_config(app)
        secure_session_cookie(app.config, secure=bool(app.config["BILLSYNC_SECURE_COOKIES"]))
        prefix = app.config["BILLSYNC_URL_PREFIX"].rstrip("/")
        app.register_blueprint(bp, url_prefix=prefix)
        app.extensions["billsync"] = State(extension=self, url_prefix=prefix)


def check_config(app: Flask) -> None:
    """Refuses configurations that would fail later, in a worse place."""
    config = app.config
    if not config.get("SECRET_KEY"):
        raise RuntimeError(
            "BillSyncAdmin needs app.config['SECRET_KEY'] (sessions and CSRF tokens are signed with it); "
            "set it before calling init_app, e.g. from an environment variable holding secrets.token_hex(32)."
        )
    if getattr(app, "login_manager", None) is None:
        raise RuntimeError(
            "BillSyncAdmin uses the host app's flask-login users, but this app has no LoginManager: "
            "call LoginManager().init_app(app) with a user_loader before BillSyncAdmin.init_app(app), "
            "or run the panel on its own with 'billsync web'."
        )
    for key in ("BILLSYNC_CAN_ADMINISTER", "BILLSYNC_ACTOR"):
        if not callable(config[key]):
            raise RuntimeError(
                f"{key} must be a function, not {config[key]!r}; see webadmin/config.py for its signature."
            )
    prefix = config["BILLSYNC_URL_PREFIX"]
    if prefix and not prefix.startswith("/"):
        raise RuntimeError(f"BILLSYNC_URL_PREFIX must start with '/', like '/billsync', not {prefix!r}.")
    for key in (
        "BILLSYNC_RPC_TIMEOUT",
        "BILLSYNC_PREVIEW_TIMEOUT",
        "BILLSYNC_PREVIEW_ITEMS",
        "BILLSYNC_PAGE_SIZE",
        "BILLSYNC_POLL_SECONDS",
        "BILLSYNC_LOGIN_MAX_DELAY_SECONDS",
        "BILLSYNC_SESSION_HOURS",
    ):
        if not isinstance(config[key], (int, float)) or config[key] <= 0:
            raise RuntimeError(f"{key} must be a positive number, not {config[key]!r}.")
    for key in ("BILLSYNC_LOGIN_FREE_FAILURES", "BILLSYNC_TRUSTED_PROXIES"):
        if not isinstance(config[key], int) or config[key] < 0:
            raise RuntimeError(f"{key} must be a whole number, 0 or more, not {config[key]!r}.")


def secure_session_cookie(config: Any, secure: bool) -> None:
    """HttpOnly session and remember-me cookies, Secure unless BILLSYNC_SECURE_COOKIES is
    off, and SameSite=Lax unless the host chose Strict (Lax still lets the OAuth
    providers' redirects back to the callback carry the session).

    The session cookie is written only when the session changed, not on every request
    (``SESSION_REFRESH_EACH_REQUEST``): the Bill Syncing page polls while a run goes, and a
    poll carries the cookie as it was when sent; written back after a page showed (and so
    removed) a message, that stale copy would show the message again. (The standalone
    panel's login ends BILLSYNC_SESSION_HOURS after it began, however active, either way.)"""
    config["SESSION_REFRESH_EACH_REQUEST"] = False
    for cookie in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        if secure:
            config[f"{cookie}_SECURE"] = True
        config[f"{cookie}_HTTPONLY"] = True
        if config.get(f"{cookie}_SAMESITE") not in ("Lax", "Strict"):
            config[f"{cookie}_SAMESITE"] = "Lax"
