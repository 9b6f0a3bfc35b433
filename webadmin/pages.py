"""The pages that show things: the connections, a connection's Bill Syncing page and its
live status, the links browser and the activity log."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for

from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import gateway, present
from billsync.webadmin.blueprint import bp, may_administer, require_admin, status_of
from billsync.webadmin.forms import ActionForm, CreateConnectionForm, FixForm, ResyncForm


def visible_connections() -> list[pb.Connection]:
    """The connections this user may administer; the others are not mentioned."""
    found = gateway.client().list_connections().connections
    return [c for c in found if may_administer(c.id)]


@bp.route("/")
def index() -> Any:
    """The connections this user may administer, and a form to create one."""
    form = CreateConnectionForm() if may_administer(None) else None
    return render_template("billsync/index.html", connections=visible_connections(), form=form)


@bp.post("/connections")
def create_connection() -> Any:
    require_admin(None)
    form = CreateConnectionForm()
    if not form.validate_on_submit():
        return render_template("billsync/index.html", connections=visible_connections(), form=form), 400
    created = gateway.client().create_connection(form.name.data, start_date=form.start_date.data or "")
    return redirect(url_for("billsync.connection", connection_id=created.id))


@bp.route("/connections/<int:connection_id>")
def connection(connection_id: int) -> Any:
    """Bill Syncing: both sides' authorization, Action required, Sync Status, problems."""
    status = status_of(connection_id)
    return render_template(
        "billsync/connection.html",
        status=status,
        c=status.connection,
        counts=present.count_table(status.counts),
        summary=present.status_summary(status),
        action=ActionForm(),
        fix=FixForm(),
        resync=ResyncForm(),
        poll_seconds=current_app.config["BILLSYNC_POLL_SECONDS"],
    )


@bp.route("/connections/<int:connection_id>/status.json")
def status_json(connection_id: int) -> Any:
    """What the Bill Syncing page polls while a run is in progress."""
    return jsonify(present.status_summary(status_of(connection_id)))


@bp.route("/connections/<int:connection_id>/links")
def links(connection_id: int) -> Any:
    """Every link, filtered by kind and state, one keyset page at a time."""
    status = status_of(connection_id)
    kind, state = request.args.get("kind", ""), request.args.get("state", "")
    if (kind and kind not in present.words(pb.Kind)) or (state and state not in present.words(pb.LinkState)):
        abort(400)
    page = gateway.client().list_links(
        connection_id,
        kind=present.from_word(pb.Kind, kind),
        state=present.from_word(pb.LinkState, state),
        page_size=current_app.config["BILLSYNC_PAGE_SIZE"],
        page_token=request.args.get("page", ""),
    )
    return render_template(
        "billsync/links.html",
        c=status.connection,
        page=page,
        kind=kind,
        state=state,
        resync=ResyncForm(),
        first=not request.args.get("page"),
    )


@bp.route("/connections/<int:connection_id>/events")
def events(connection_id: int) -> Any:
    """The activity log: who did what, when; oldest first, one page at a time."""
    status = status_of(connection_id)
    page = gateway.client().list_events(
        connection_id,
        page_size=current_app.config["BILLSYNC_PAGE_SIZE"],
        page_token=request.args.get("page", ""),
        newest_first=True,
    )
    return render_template("billsync/events.html", c=status.connection, page=page, first=not request.args.get("page"))
