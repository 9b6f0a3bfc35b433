"""The blueprint every page hangs on, and what all pages share: login required, the
per-connection permission check, and one rendering of the daemon's failures.
"""

from __future__ import annotations

from typing import Any

import grpc
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from billsync.daemon.rpc.client import DaemonError
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import gateway, headers, present
from billsync.webadmin.forms import ActionForm

bp = Blueprint("billsync", __name__, template_folder="templates", static_folder="static", static_url_path="/_static")
bp.teardown_app_request(gateway.close_client)
bp.after_request(headers.secure_headers)

for _name in ("word", "time_tag", "words", "count", "event_label", "who", "unbroken"):
    bp.add_app_template_filter(getattr(present, _name), f"billsync_{_name}")


@bp.context_processor
def page_context() -> dict[str, Any]:
    """The contract's enums, the display helpers and the standalone logout button, for
    this blueprint's pages only, so nothing leaks into the host app's templates."""
    standalone = "billsync_auth.logout" in current_app.view_functions
    return {
        "pb": pb,
        "present": present,
        "billsync_logout": standalone,
        "logout_form": ActionForm() if standalone else None,
    }


@bp.before_request
def require_login() -> Any:
    """Every page, the static files aside, needs a logged-in user of the host app."""
    if request.endpoint == "billsync.static":
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def may_administer(connection_id: int | None) -> bool:
    return bool(current_app.config["BILLSYNC_CAN_ADMINISTER"](current_user._get_current_object(), connection_id))


def require_admin(connection_id: int | None) -> None:
    """404 for a connection the user may not administer: they need not learn it exists.
    403 for creating connections, which is no secret."""
    if not may_administer(connection_id):
        abort(403 if connection_id is None else 404)


def status_of(connection_id: int) -> pb.StatusResponse:
    """The Status of a connection the user may administer (404 otherwise)."""
    require_admin(connection_id)
    return gateway.client().status(connection_id)


def after_action(connection_id: int, done: str | None = None) -> Response:
    """Back to the Bill Syncing page, with what happened."""
    if done:
        flash(done, "success")
    return redirect(url_for("billsync.connection", connection_id=connection_id))


#: What each error page says, by status: a title, and what the person can do.
ERROR_PAGES = {
    400: ("This page cannot be shown", "Something in its address is not right: a filter, a date, or a page link."),
    403: ("Not allowed", "You may not do this. Ask an administrator for access."),
    404: ("Not found", "There is no such page, or no such connection among those you administer."),
    405: ("This page cannot be opened", "This address is a button's, not a page: go back and use the button."),
    502: ("This page cannot be shown", ""),
    503: ("The billsync daemon is unavailable", ""),
}
#: The sentence for an INVALID_ARGUMENT answer to a page's own query (its filters, its page link).
STALE_LINK = (
    "This link is out of date or was changed by hand (a page of a list, or a filter). Start again from the first page."
)


def error_page(status: int, message: str = "") -> tuple[str, int]:
    """The panel's own page for an error: what happened, in words, and a way back."""
    title, default = ERROR_PAGES.get(status, ("Something went wrong", "billsync could not show this page."))
    connection_id = (request.view_args or {}).get("connection_id") if status != 404 else None
    back = (
        (url_for("billsync.connection", connection_id=connection_id), "Back to the connection")
        if connection_id
        else (url_for("billsync.index"), "Back to the connections")
    )
    return render_template(
        "billsync/error.html", title=title, message=message or default, status=status, back=back
    ), status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    """A page of the panel that refuses (abort) shows the panel's error page."""
    return error_page(error.code or 500, error.description if error.code == 400 else "")


@bp.errorhandler(DaemonError)
def call_failed(error: DaemonError) -> Any:
    """One rendering of every daemon failure: never a traceback.

    A refusal of an action (bad input, wrong state, not implemented yet) goes back to the
    page the admin came from with the daemon's words; an unreachable daemon, or a page
    that cannot be drawn without it, gets the error page with a banner.
    """
    if error.code == grpc.StatusCode.NOT_FOUND:
        return error_page(404)
    if error.code == grpc.StatusCode.PERMISSION_DENIED:
        return error_page(403)
    if request.method == "GET" and error.code == grpc.StatusCode.INVALID_ARGUMENT:
        return error_page(400, STALE_LINK)
    message = gateway.explain(error)
    if request.method == "POST" and not error.unreachable:
        flash(message, "error")
        return redirect(request.referrer if same_origin(request.referrer) else fallback_page())
    return error_page(503 if error.unreachable or error.code == grpc.StatusCode.UNIMPLEMENTED else 502, message)


def fallback_page() -> str:
    connection_id = (request.view_args or {}).get("connection_id")
    return url_for("billsync.connection", connection_id=connection_id) if connection_id else url_for("billsync.index")


def same_origin(url: str | None) -> bool:
    """Only redirect back to a page of this site (a referrer can be forged)."""
    return bool(url) and url.startswith(request.host_url)
