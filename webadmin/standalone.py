"""The panel as an app of its own (``billsync web``): the extension mounted at the root
of a Flask app that brings its own users, login page and secret key."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from billsync.locations import read_or_create
from billsync.webadmin.auth import init_auth
from billsync.webadmin.blueprint import http_error, page_context
from billsync.webadmin.config import DEFAULTS
from billsync.webadmin.extension import BillSyncAdmin
from billsync.webadmin.headers import secure_headers
from billsync.webadmin.users import UserStore

#: The session-signing key, generated on first start and kept beside the users file.
SECRET_FILE = "web-secret.key"


def create_app(data_dir: Path | str, **config: Any) -> Flask:
    """A standalone panel keeping its users and secret key in ``data_dir``.

    ``config`` sets any Flask or BILLSYNC_* key, e.g. ``BILLSYNC_DAEMON_ADDRESS``.
    """
    app = Flask("webadmin.standalone", static_folder=None)
    app.config.update(
        DEFAULTS, SECRET_KEY=read_or_create(Path(data_dir) / SECRET_FILE, secrets.token_hex(32)), BILLSYNC_URL_PREFIX=""
    )
    app.config.update(config)
    init_auth(app, UserStore(data_dir))
    BillSyncAdmin(app)
    # The whole app is the panel: every page, an unknown address too, is drawn as its own.
    app.context_processor(page_context)
    app.register_error_handler(HTTPException, http_error)
    app.after_request(secure_headers)
    if app.config["BILLSYNC_TRUSTED_PROXIES"]:
        # The client's address as the proxies saw it, for the login throttle: behind a
        # proxy, every peer address is the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["BILLSYNC_TRUSTED_PROXIES"])
    return app
