"""The Alerts section of a connection's Settings page: who hears about what, added,
tested and removed through the daemon's alert RPCs. The section draws itself: a context
processor gives the Settings page its recipients, so the settings view knows nothing of it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import gateway
from billsync.webadmin.actions import validated
from billsync.webadmin.blueprint import bp, require_admin
from billsync.webadmin.forms import ActionForm, PanelForm
from billsync.webadmin.present import ALERT_CONDITION_LABELS


class AlertForm(PanelForm):
    """A recipient of the connection's alerts, and what it hears about."""

    target = StringField(
        "E-mail address or webhook URL",
        validators=[DataRequired(), Length(max=500)],
        description="A webhook URL starts with https://; its deliveries are signed with a secret shown once.",
    )
    conditions = SelectMultipleField(
        "Tell them when",
        coerce=int,
        choices=[SelectChoice(value, label) for value, label in ALERT_CONDITION_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    digest = BooleanField("And a daily summary of what needs attention")


def channel_of(target: str) -> int:
    """A URL goes to a webhook, anything else to an e-mail address."""
    return pb.ALERT_CHANNEL_WEBHOOK if "://" in target else pb.ALERT_CHANNEL_EMAIL


@bp.context_processor
def section() -> dict[str, Any]:
    """What the Settings page needs to draw the Alerts section (its view checked the
    user's right to the connection); nothing for the other pages."""
    if request.endpoint != "billsync.settings":
        return {}
    connection_id = request.view_args["connection_id"]
    return {
        "recipients": gateway.client().list_alert_subscriptions(connection_id).subscriptions,
        "alert_form": AlertForm(formdata=None),
        "alert_action": ActionForm(),
    }


def to_settings(connection_id: int) -> Any:
    return redirect(url_for("billsync.settings", connection_id=connection_id) + "#alerts")


@bp.post("/connections/<int:connection_id>/alerts")
def add_alert(connection_id: int) -> Any:
    """Adds a recipient, or changes what an existing one hears about."""
    require_admin(connection_id)
    form = AlertForm()
    if not form.validate_on_submit():
        flash("Give an e-mail address or a webhook URL to send alerts to.", "error")
        return to_settings(connection_id)
    target = form.target.data.strip()
    added = gateway.client().set_alert_subscription(
        connection_id,
        channel=channel_of(target),
        target=target,
        conditions=form.conditions.data or [],
        digest=form.digest.data,
    )
    flash(f"Alerts for {target} saved.", "success")
    if added.secret:
        flash(
            f"Signing secret of this webhook: {added.secret} — copy it now into the receiver; it is not shown again.",
            "info",
        )
    return to_settings(connection_id)


@bp.post("/connections/<int:connection_id>/alerts/<int:subscription_id>/test")
def test_alert(connection_id: int, subscription_id: int) -> Any:
    """Sends a test message to the recipient now, and says how it went."""
    require_admin(connection_id)
    validated(ActionForm())
    result = gateway.client().send_test_alert(connection_id, subscription_id)
    if result.delivered:
        flash("Test alert delivered.", "success")
    else:
        flash(f"The test alert was not delivered: {result.error}", "error")
    return to_settings(connection_id)


@bp.post("/connections/<int:connection_id>/alerts/<int:subscription_id>/delete")
def delete_alert(connection_id: int, subscription_id: int) -> Any:
    """Removes a recipient."""
    require_admin(connection_id)
    validated(ActionForm())
    gateway.client().delete_alert_subscription(connection_id, subscription_id)
    flash("Alert recipient removed.", "success")
    return to_settings(connection_id)
