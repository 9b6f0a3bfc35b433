"""The pages that show things: the connections, a connection's Bill Syncing page and its
live status, the links browser, the activity log, and the Preview of the next sync with the
search for the QuickBooks customer a contact is to be linked to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for

from billsync.daemon.rpc.client import DaemonError
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import gateway, present
from billsync.webadmin.blueprint import bp, may_administer, require_admin, status_of
from billsync.webadmin.forms import ActionForm, CreateConnectionForm, DecideForm, FixForm, ResyncForm


def visible_connections() -> list[pb.Connection]:
    """The connections this user may administer; the others are not mentioned."""
    return [c for c in gateway.client().all_connections() if may_administer(c.id)]


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
    created = gateway.client().create_connection(
        form.name.data, start_date=form.start_date.data or "", hold_first_sync=bool(form.hold_first_sync.data)
    )
    return redirect(url_for("billsync.connection", connection_id=created.id))


@bp.route("/connections/<int:connection_id>")
def connection(connection_id: int) -> Any:
    """Bill Syncing: both sides' authorization, Action required, Sync Status, problems."""
    status = status_of(connection_id)
    return render_template(
        "billsync/connection.html",
        status=status,
        c=status.connection,
        purged=None if status.counts else last_purge(connection_id),
        counts=present.count_table(status.counts),
        summary=present.status_summary(status),
        action=ActionForm(),
        fix=FixForm(),
        resync=ResyncForm(),
        poll_seconds=current_app.config["BILLSYNC_POLL_SECONDS"],
    )


def last_purge(connection_id: int) -> pb.Event | None:
    """The connection's latest purge, if any: asked only when it has no links, to say
    what the purge left instead of "nothing synced yet"."""
    found = (
        gateway.client()
        .list_events(connection_id, page_size=1, newest_first=True, type_prefix="connection.purged")
        .events
    )
    return found[0] if found else None


@bp.route("/connections/<int:connection_id>/status.json")
def status_json(connection_id: int) -> Any:
    """What the Bill Syncing page polls while a run is in progress."""
    return jsonify(present.status_summary(status_of(connection_id)))


@bp.route("/connections/<int:connection_id>/links")
def links(connection_id: int) -> Any:
    """Every item, filtered by kind and state and found by bill number or client name,
    one keyset page at a time."""
    status = status_of(connection_id)
    kind, state = request.args.get("kind", ""), request.args.get("state", "")
    query = request.args.get("q", "").strip()
    if kind and kind not in present.words(pb.Kind):
        abort(400, description=f"There is no kind of item called {kind!r}: choose one from the list.")
    if state and state not in present.words(pb.LinkState):
        abort(400, description=f"There is no state called {state!r}: choose one from the list.")
    page = gateway.client().list_links(
        connection_id,
        kind=present.from_word(pb.Kind, kind),
        state=present.from_word(pb.LinkState, state),
        query=query[:200],
        page_size=current_app.config["BILLSYNC_PAGE_SIZE"],
        page_token=request.args.get("page", ""),
    )
    return render_template(
        "billsync/links.html",
        status=status,
        c=status.connection,
        purged=None if status.counts else last_purge(connection_id),
        page=page,
        kind=kind,
        state=state,
        query=query,
        resync=ResyncForm(),
        first=not request.args.get("page"),
    )


def day(name: str, zone: str) -> dt.datetime | None:
    """The request's date field ``name`` (YYYY-MM-DD) as the start of that day in the
    firm's ``zone`` (UTC without one)."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=present.zone_of(zone))
    except ValueError:
        abort(400, description=f"{text!r} is not a date: use a date like 2026-01-31.")


@bp.route("/connections/<int:connection_id>/events")
def events(connection_id: int) -> Any:
    """The activity log: who did what, when; newest first, of one kind and within dates
    when asked, one page at a time."""
    status = status_of(connection_id)
    family = request.args.get("type", "")
    if family and family not in present.EVENT_FAMILIES:
        abort(400, description=f"There is no kind of activity called {family!r}: choose one from the list.")
    zone = present.zone(status)
    since, until = day("from", zone), day("to", zone)
    page = gateway.client().list_events(
        connection_id,
        page_size=current_app.config["BILLSYNC_PAGE_SIZE"],
        page_token=request.args.get("page", ""),
        newest_first=True,
        type_prefix=family,
        since=since,
        until=until + dt.timedelta(days=1) if until else None,
    )
    return render_template(
        "billsync/events.html",
        c=status.connection,
        page=page,
        family=family,
        filtered=bool(family or since or until),
        backwards=bool(since and until and until < since),
        first=not request.args.get("page"),
    )


@bp.route("/connections/<int:connection_id>/trust")
def trust(connection_id: int) -> Any:
    """The trust reconciliation: per client, Clio's trust balance beside the QuickBooks trust
    liability, the differences first; what the daemon refuses (the trust sync off) is said."""
    status = status_of(connection_id)
    only = request.args.get("only") == "differences"
    try:
        report, refused = gateway.client().trust_reconciliation(connection_id, differences_only=only), ""
    except DaemonError as e:
        if not gateway.refused(e):
            raise
        report, refused = None, str(e)
    return render_template(
        "billsync/trust.html", status=status, c=status.connection, report=report, refused=refused, only=only
    )


@bp.route("/connections/<int:connection_id>/preview")
def preview(connection_id: int) -> Any:
    """What the next sync (a held connection's first) would do, writing nothing: the sums per
    kind, fate and cause, per month, the items it would create, and the records to settle or
    check, each with the decisions a bookkeeper may make about it (DecideMatch)."""
    status = status_of(connection_id)
    c = status.connection
    connected = c.state == pb.CONNECTION_STATE_CONNECTED
    items, summary, refused = [], None, ""
    if connected:
        try:
            items, summary = gateway.preview(connection_id)
        except DaemonError as e:
            if not gateway.refused(e):
                raise
            refused = str(e)
    listed = present.settling(items)
    shown = current_app.config["BILLSYNC_PREVIEW_ITEMS"]
    kinds, months = present.preview_months(summary) if summary else ([], [])
    return render_template(
        "billsync/preview.html",
        status=status,
        c=c,
        connected=connected,
        refused=refused,
        summary=summary,
        counts=present.preview_counts(summary) if summary else [],
        month_kinds=kinds,
        months=months,
        listed=listed[:shown],
        unlisted=len(listed) - min(len(listed), shown),
        action=ActionForm(),
        decide=DecideForm(),
    )


@bp.route("/connections/<int:connection_id>/preview/customers")
def customers(connection_id: int) -> Any:
    """Finds the QuickBooks customer a contact of the preview is to be linked to: by a part of
    the name, an e-mail address or a balance; each found is a choice of one form."""
    status = status_of(connection_id)
    c = status.connection
    contact = request.args.get("contact", "").strip()[:64]
    label = request.args.get("label", "").strip()[:300]
    query = request.args.get("q", "").strip()[:200]
    found, refused = None, ""
    if contact and query and c.state != pb.CONNECTION_STATE_CONNECTED:
        refused = "Connect both Clio and QuickBooks Online to find QuickBooks' customers."
    elif contact and query:
        try:
            found = gateway.client().search_qbo_customers(connection_id, query).customers
        except DaemonError as e:
            if not gateway.refused(e):
                raise
            refused = str(e)
    return render_template(
        "billsync/customers.html",
        c=c,
        contact=contact,
        label=label,
        query=query,
        found=found,
        refused=refused,
        decide=DecideForm(),
    )
