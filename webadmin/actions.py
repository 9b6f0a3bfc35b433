"""The pages that change things: connecting each side (OAuth), sync, re-sync, turning a
QuickBooks setting on, the matches decided on the Preview page, settings, revoke and purge.
Each is a POST through a FlaskForm."""

from __future__ import annotations

from typing import Any

import grpc
from flask import abort, flash, redirect, render_template, request, session, url_for

from billsync import words
from billsync.daemon.rpc.client import DaemonError
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import gateway, present
from billsync.webadmin.blueprint import after_action, bp, require_admin, same_origin, status_of
from billsync.webadmin.forms import TAX_CODES, ActionForm, DecideForm, FixForm, PurgeForm, ResyncForm, SettingsForm

#: Session key of the OAuth states this browser started, each to its connection id.
OAUTH_STATES = "billsync_oauth_states"
#: Authorizations a browser may have in flight at once; older ones are forgotten.
MAX_OAUTH_STATES = 4
#: The form field of each setting, as the daemon names it at the start of a refusal.
FIELD_OF_MESSAGE = {
    "start_date": "start_date",
    "sync_interval_seconds": "sync_interval_seconds",
    "item_mapping['Service']": "service_item",
    "item_mapping['Expense']": "expense_item",
    "item_mapping['Tax']": "tax_item",
    "time_zone": "time_zone",
}


def field_error(form: Any, message: str) -> None:
    """Puts the daemon's refusal beside the field it names, speaking of the field by its
    label: "time_zone must be …" reads "Time zone must be …". A refusal naming no field
    goes above the form."""
    for name, field in FIELD_OF_MESSAGE.items():
        if message.startswith(name):
            form[field].errors.append(form[field].label.text + message[len(name) :])
            return
    form.form_errors.append(message)


def provider_or_404(provider: str) -> int:
    if provider not in present.PROVIDERS:
        abort(404)
    return present.PROVIDERS[provider]


def validated(form: Any) -> None:
    """Refuses a POST whose form (and so whose CSRF token) does not validate."""
    if not form.validate_on_submit():
        abort(400, description="This form expired or did not come from this page: go back, reload it and try again.")


def callback_url(provider: str) -> str:
    """The absolute redirect URI the provider sends the browser back to; it must be
    registered with the provider, and must be the same at both ends of the exchange."""
    return url_for("billsync.oauth_callback", provider=provider, _external=True)


@bp.post("/connections/<int:connection_id>/connect/<provider>")
def connect(connection_id: int, provider: str) -> Any:
    """Sends the browser to the provider's consent page, remembering the state it carries."""
    require_admin(connection_id)
    validated(ActionForm())
    started = gateway.client().start_authorization(
        connection_id, provider_or_404(provider), redirect_uri=callback_url(provider)
    )
    states = dict(list(session.get(OAUTH_STATES, {}).items())[-(MAX_OAUTH_STATES - 1) :])
    states[started.state] = connection_id
    session[OAUTH_STATES] = states
    return redirect(started.authorize_url)


@bp.route("/oauth/<provider>/callback")
def oauth_callback(provider: str) -> Any:
    """Where the provider sends the browser back: exchanges the code for tokens.

    Only a state this browser session started is accepted, so a link forged by someone
    else cannot attach their account to a connection.
    """
    label = present.PROVIDER_LABELS.get(provider, provider)
    kind = provider_or_404(provider)
    state = request.args.get("state", "")
    states = session.get(OAUTH_STATES, {})
    connection_id = states.pop(state, None)
    session[OAUTH_STATES] = states
    if connection_id is None:
        flash(
            f"This {label} authorization was not started from this browser session; start it again from the "
            "connection's page.",
            "error",
        )
        return redirect(url_for("billsync.index"))
    require_admin(connection_id)
    if request.args.get("error"):
        flash(
            f"{label} did not grant access ({request.args.get('error_description') or request.args['error']}); "
            "nothing was changed.",
            "error",
        )
        return after_action(connection_id)
    try:
        c = gateway.client().complete_authorization(
            kind,
            state=state,
            code=request.args.get("code", ""),
            realm_id=request.args.get("realmId", ""),
            redirect_uri=callback_url(provider),
            connection_id=connection_id,
        )
    except DaemonError as e:
        if e.unreachable:
            raise
        flash(gateway.explain(e), "error")
        return after_action(connection_id)
    account = (c.qbo_company_name or c.qbo_realm_id) if kind == pb.PROVIDER_QBO else c.clio_account
    return after_action(connection_id, f"Connected to {label}" + (f": {account}." if account else "."))


@bp.post("/connections/<int:connection_id>/sync")
def sync(connection_id: int) -> Any:
    """Starts a run now (or joins the one in progress); the page then follows it live."""
    require_admin(connection_id)
    validated(ActionForm())
    first = gateway.start_sync(connection_id)
    if first is None or first.run.state == pb.RUN_STATE_RUNNING:
        return after_action(
            connection_id, "Joined the sync already in progress." if first and first.joined else "Sync started."
        )
    return after_action(
        connection_id, f"Sync {present.RUN_LABELS[first.run.state].lower()}: {present.run_outcome(first.run)}"
    )


#: The contract's kinds and choices a decision form names in words.
DECIDE_KINDS = {"contact": pb.KIND_CONTACT, "invoice": pb.KIND_INVOICE}
CHOICES = {
    "match": pb.CHOICE_MATCH,
    "create": pb.CHOICE_CREATE,
    "skip": pb.CHOICE_SKIP,
    "withdraw": pb.CHOICE_UNSPECIFIED,
}


@bp.post("/connections/<int:connection_id>/preview/decide")
def decide(connection_id: int) -> Any:
    """Decides how one record of the preview meets what QuickBooks holds, or withdraws the
    decision; back to the preview, at that record, which shows it. The daemon's refusal (the
    record is in QuickBooks already, the customer chosen is gone…) is said there."""
    require_admin(connection_id)
    form = DecideForm()
    validated(form)
    kind, clio_id, label = form.kind.data, form.clio_id.data, form.label.data or ""
    back = url_for("billsync.preview", connection_id=connection_id, _anchor=f"{kind}-{clio_id}")
    if form.choice.data == "match" and not form.qbo_id.data:
        flash(f"Choose what to link {label or clio_id} to first.", "error")
        return redirect(request.referrer if same_origin(request.referrer) else back)
    try:
        made = gateway.client().decide_match(
            connection_id, DECIDE_KINDS[kind], clio_id, CHOICES[form.choice.data], qbo_id=form.qbo_id.data or ""
        )
    except DaemonError as e:
        if not gateway.refused(e) and e.code != grpc.StatusCode.NOT_FOUND:
            raise
        flash(f"Not decided for {label or clio_id}: {gateway.explain(e)}", "error")
        return redirect(back)
    flash(present.decided(made, label), "success")
    return redirect(back)


def describe_resync(result: pb.ResyncResponse) -> str:
    """ "Re-sync started for invoice 1043." or "… for 25,000 items."; the page then follows
    the run that sends them, and shows where each stands once it has ended."""
    if not result.requested:
        return "Nothing needed a re-sync."
    if result.requested == 1:
        link = result.links[0]
        return f"Re-sync started for {link.label or link.clio_id}: the page shows how it went once the run ends."
    return f"Re-sync started for {result.requested:,} items: the page shows how it went once the run ends."


@bp.post("/connections/<int:connection_id>/resync")
def resync(connection_id: int) -> Any:
    """Pushes one broken or failed item again."""
    require_admin(connection_id)
    form = ResyncForm()
    validated(form)
    result = gateway.client().resync(connection_id, link_ids=[int(form.link_id.data)])
    return after_action(connection_id, describe_resync(result))


@bp.post("/connections/<int:connection_id>/resync-all")
def resync_all(connection_id: int) -> Any:
    """Pushes every broken and failed item again."""
    require_admin(connection_id)
    validated(ActionForm())
    result = gateway.client().resync(connection_id, all_problems=True)
    return after_action(connection_id, describe_resync(result))


@bp.post("/connections/<int:connection_id>/fix")
def fix(connection_id: int) -> Any:
    """Changes a QuickBooks company setting through the API ("Change it for me")."""
    require_admin(connection_id)
    form = FixForm()
    validated(form)
    check = gateway.client().fix_qbo_setting(connection_id, form.key.data)
    done = (
        f"“{check.title}” is now set in QuickBooks as billsync needs it."
        if check.ok
        else f"“{check.title}” is still off: {check.explanation}"
    )
    return after_action(connection_id, done)


@bp.route("/connections/<int:connection_id>/settings", methods=["GET", "POST"])
def settings(connection_id: int) -> Any:
    """Start date, item mapping, deposit account, trust accounts and interval, items and account chosen from
    the QuickBooks company's lists; the daemon's refusals shown by their field."""
    c = status_of(connection_id).connection
    choices, unread = qbo_choices(c)
    s = c.settings
    # What is set now fills the form, and stays set for a field a post leaves out (an
    # unticked box excepted, which a browser leaves out for "off").
    form = SettingsForm(
        data={
            "start_date": s.start_date,
            "sync_interval_seconds": s.sync_interval_seconds,
            "service_item": s.item_mapping.get("Service", ""),
            "expense_item": s.item_mapping.get("Expense", ""),
            "tax_item": s.item_mapping.get("Tax", ""),
            "time_zone": s.time_zone,
            "deposit_account_id": s.deposit_account_id,
            "tax_as_line": s.tax_as_line,
            "trust_enabled": s.trust_enabled,
            "trust_start_date": s.trust_start_date,
            "trust_bank_account_id": s.trust_bank_account_id,
            "trust_liability_account_id": s.trust_liability_account_id,
            **{f"tax_code_{key}": s.tax_codes.get(key, "") for key in TAX_CODES},
        }
    )
    form.offer(s, choices, by_codes=c.tax_treatment == pb.TAX_TREATMENT_TAX_CODES)
    if request.method == "POST" and form.validate_on_submit():
        try:
            gateway.client().update_settings(
                connection_id,
                start_date=form.start_date.data or "",
                sync_interval_seconds=form.sync_interval_seconds.data,
                item_mapping={
                    "Service": form.service_item.data or "",
                    "Expense": form.expense_item.data or "",
                    "Tax": form.tax_item.data or "",
                },
                time_zone=form.time_zone.data or "",
                tax_as_line=bool(form.tax_as_line.data),
                deposit_account_id=form.deposit_account_id.data or "",
                trust_enabled=bool(form.trust_enabled.data),
                trust_bank_account_id=form.trust_bank_account_id.data or "",
                trust_liability_account_id=form.trust_liability_account_id.data or "",
                trust_start_date=form.trust_start_date.data or "",
                tax_codes={key: field.data or "" for key, field in form.tax_code_fields().items()} or None,
            )
            return after_action(connection_id, "Settings saved.")
        except DaemonError as e:
            if not gateway.refused(e):
                raise
            field_error(form, str(e))
    page = render_template("billsync/settings.html", c=c, form=form, unread=unread)
    return page, 400 if form.errors or form.form_errors else 200


def qbo_choices(c: pb.Connection) -> tuple[pb.QboChoices | None, str]:
    """The QuickBooks company's items and accounts, or None and why they are not shown."""
    if c.state != pb.CONNECTION_STATE_CONNECTED:
        return None, "Connect QuickBooks to choose from its items and accounts."
    try:
        return gateway.client().list_qbo_choices(c.id), ""
    except DaemonError as e:
        if not gateway.refused(e) and not e.unreachable:
            raise
        return None, f"QuickBooks' lists could not be read ({e}); what is set now stays."


@bp.route("/connections/<int:connection_id>/revoke", methods=["GET", "POST"])
def revoke(connection_id: int) -> Any:
    """Revoke: says what it does and when to choose it, then does it."""
    c = status_of(connection_id).connection
    form = ActionForm()
    if request.method == "POST":
        validated(form)
        gateway.client().revoke(connection_id)
        return after_action(connection_id, f"Access revoked and syncing stopped. {words.kept()}.")
    return render_template("billsync/revoke.html", c=c, form=form)


@bp.route("/connections/<int:connection_id>/purge", methods=["GET", "POST"])
def purge(connection_id: int) -> Any:
    """Revoke and Purge: demands the QuickBooks company name typed back."""
    c = status_of(connection_id).connection
    expected = c.qbo_company_name or c.qbo_realm_id or c.name
    form = PurgeForm()
    if form.validate_on_submit():
        try:
            result = gateway.client().purge(connection_id, confirm=form.confirm.data)
            return after_action(connection_id, f"Access revoked and {words.forgotten(result.links_deleted)}.")
        except DaemonError as e:
            if e.code != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            form.confirm.errors.append(f"That is not the name to type: type “{expected}” exactly, or cancel.")
    return render_template("billsync/purge.html", c=c, form=form, expected=expected), 400 if form.errors else 200
