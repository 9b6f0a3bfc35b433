"""The panel's forms. Every POST goes through a FlaskForm, so every one checks a CSRF
token; the buttons that carry no data share ``ActionForm``."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.utils import cached_property
from wtforms import HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from billsync.words import SETTINGS

DATE = Regexp(r"^\d{4}-\d{2}-\d{2}$", message="Use a date like 2026-01-31.")
#: The settings are labelled in the words the activity log speaks of them in.
ITEMS = SETTINGS["item_mapping"]
ITEM_NAME = [Optional(), Length(max=100), Regexp(r"^[^:]*$", message="QuickBooks item names cannot contain ':'.")]


class PanelForm(FlaskForm):
    """Every form of the panel: its CSRF token lasts no longer than a login
    (BILLSYNC_SESSION_HOURS), even in a host app whose tokens live longer."""

    class Meta(FlaskForm.Meta):
        @cached_property
        def csrf_time_limit(self) -> int:
            lifetime = int(current_app.config["BILLSYNC_SESSION_HOURS"] * 3600)
            limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
            return lifetime if limit is None else min(limit, lifetime)


class ActionForm(PanelForm):
    """A button: sync now, connect, revoke, re-sync all. Carries only the CSRF token."""


class ResyncForm(PanelForm):
    link_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d+$")])


class FixForm(PanelForm):
    key = HiddenField(validators=[DataRequired(), Length(max=100)])


class CreateConnectionForm(PanelForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], description="Usually the firm's name.")
    start_date = StringField(
        "Sync bills issued on or after", validators=[Optional(), DATE], description="Leave empty to sync every bill."
    )


class SettingsForm(PanelForm):
    """The connection's settings; each field is named as the daemon names it, so the
    daemon's INVALID_ARGUMENT message can be shown beside the field it names."""

    start_date = StringField(
        SETTINGS["start_date"],
        validators=[Optional(), DATE],
        description="Bills issued before this date are skipped. Empty: every bill.",
    )
    sync_interval_seconds = IntegerField(
        f"{SETTINGS['sync_interval_seconds']} (seconds)",
        validators=[DataRequired(), NumberRange(min=30, max=7 * 24 * 3600)],
    )
    service_item = StringField(
        ITEMS["Service"], validators=ITEM_NAME, description="Empty: the default item, “Services”."
    )
    expense_item = StringField(
        ITEMS["Expense"], validators=ITEM_NAME, description="Empty: the default item, “Expenses”."
    )
    tax_item = StringField(
        ITEMS["Tax"],
        validators=ITEM_NAME,
        description="Used only where QuickBooks has sales tax off, which would drop the tax: it becomes a line on "
        "this item. Empty: the default item, “Sales tax (Clio)”, on a liability account “Sales tax collected (Clio)”.",
    )
    time_zone = StringField(
        SETTINGS["time_zone"],
        validators=[Optional(), Length(max=200)],
        description="The firm's, as a name like Europe/London or America/Los_Angeles. Empty: each viewer's own.",
    )


class PurgeForm(PanelForm):
    confirm = StringField("Type the QuickBooks company name to confirm", validators=[DataRequired()])


class LoginForm(PanelForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
