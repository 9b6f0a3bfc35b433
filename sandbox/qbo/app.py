"""Flask application factory of the QBO Accounting API v3 emulator.

``create_app(QBOConfig(...))`` gives a WSGI app serving the emulated API, Intuit's OAuth
endpoints and the sandbox admin API; :class:`billsync.sandbox.server.Sandbox` serves it with
waitress. State lives in ``app.extensions["qbo_sandbox"]`` (a :class:`QBOState`).
"""

from __future__ import annotations

from flask import Flask, Response, request

from billsync.sandbox.qbo import admin, api, oauth, screens, seed
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.qbo.state import QBOState


def create_app(config: QBOConfig | None = None) -> Flask:
    """Build an emulator; load ``config.state_file`` if it exists, else seed if asked."""
    config = config or QBOConfig()
    app = Flask(__name__)
    # Let DroppedConnection (fault injection) reach waitress, which then closes the
    # socket without answering; other errors still become a 500 there.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    state = QBOState(config)
    app.extensions["qbo_sandbox"] = state
    if not (config.state_file and state.store.load(config.state_file)) and config.seed:
        seed.seed_company(state.store, config.realm_id)
    app.register_blueprint(api.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(screens.bp)

    @app.after_request
    def _count(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule else "<unrouted>"
        entity = (request.view_args or {}).get("entity")
        state.count(request.method, rule.replace("<entity>", entity.lower()) if entity else rule, response.status_code)
        return response

    return app
