"""Flask application factory of the QBO Accounting API v3 emulator.

``create_app(QBOConfig(...))`` gives a WSGI app serving the emulated API, Intuit's OAuth
endpoints and the sandbox admin API; :class:`billsync.sandbox.server.Sandbox` serves it with
waitress. State lives in ``app.extensions["qbo_sandbox"]`` (a :class:`QBOState`).

Every answer carries QBO's tracing header, ``intuit_tid``: Intuit asks integrators to log
it for support ("Capture the intuit_tid value", intuitdeveloper.github.io, Fix Intuit
Ecosystem API errors) and the real service sends it with an underscore even on a 503
(minimul/qbo_api issue #81). The recordings in ``shared/fixtures/qbo-recorded`` show
``Intuit-Tid`` only because their recorder rewrote header names; their values
(``1-5f7349e0-0fd2bee86a8a83c67a77fbb2``) give the shape. A path or method the API has no
resource for is answered in QBO's fault envelope, not a web server's HTML 404.
"""

from __future__ import annotations

import secrets
import time

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from billsync.sandbox.qbo import admin, api, oauth, screens, seed
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.qbo.errors import unknown_method, unknown_path
from billsync.sandbox.qbo.state import QBOState


def intuit_tid() -> str:
    """A fresh tracing id shaped like the recorded ones: 1, the epoch second in hex, 24 hex digits."""
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def create_app(config: QBOConfig | None = None) -> Flask:
    """Build an emulator; load ``config.state_file`` if it exists, else seed if asked."""
    config = config or QBOConfig()
    app = Flask(__name__)
    # Let DroppedConnection (fault injection) reach waitress, which then closes the
    # socket without answering; other errors still become a 500 there.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    state = QBOState(config)
    app.extensions["qbo_sandbox"] = state
    if not state.load() and config.seed:
        seed.seed_company(state.store, config.realm_id, config.kind, config.multicurrency)
    app.register_blueprint(api.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(screens.bp)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _no_resource(error: HTTPException) -> Response:
        fault = unknown_method(request.method) if error.code == 405 else unknown_path(request.path, request.url)
        return api.json_response(fault.body(), fault.status, stamp=False)

    @app.after_request
    def _trace_and_count(response: Response) -> Response:
        response.headers.setdefault("intuit_tid", intuit_tid())
        rule = request.url_rule.rule if request.url_rule else "<unrouted>"
        entity = (request.view_args or {}).get("entity")
        state.count(request.method, rule.replace("<entity>", entity.lower()) if entity else rule, response.status_code)
        if state.saver is not None and request.method != "GET" and response.status_code < 400:
            state.saver.mark_dirty()  # writes and token grants, saved within a second
        return response

    return app
