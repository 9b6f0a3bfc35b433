"""The panel's forms. Every POST goes through a FlaskForm, so every one checks a CSRF
token; the buttons that carry no data share ``ActionForm``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

DATE = Regexp(r"^\d{4}-\d{2}-\d{2}$", message="Use a date like 2026-01-31.")
ITEM_NAME = [Optional(), Length(max=100), Regexp(r"^[^:]*$", message="QuickBooks item names cannot contain ':'.")]


class ActionForm(FlaskForm):
    """A button: sync now, connect, revoke, re-sync all. Carries only the CSRF token."""


class ResyncForm(FlaskForm):
    link_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d+$")])


class FixForm(FlaskForm):
    key = HiddenField(validators=[DataRequired(), Length(max=100)])


class CreateConnectionForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], description="Usually the firm's name.")
    start_date = StringField(
        "Sync bills issued on or after", validators=[Optional(), DATE], description="Leave empty to sync every bill."
    )


class SettingsForm(FlaskForm):
    """The connection's settings; each field is named as the daemon names it, so the
    daemon's INVALID_ARGUMENT message can be shown beside the field it names."""

    start_date = StringField(
        "Sync bills issued on or after",
        validators=[Optional(), DATE],
        description="Bills issued before this date are skipped. Empty: every bill.",
    )
    sync_interval_seconds = IntegerField(
        "Sync every (seconds)", validators=[DataRequired(), NumberRange(min=30, max=7 * 24 * 3600)]
    )
    service_item = StringField(
        "QuickBooks item for Clio services", validators=ITEM_NAME, description="Empty: the default item, “Services”."
    )
    expense_item = StringField(
        "QuickBooks item for Clio expenses", validators=ITEM_NAME, description="Empty: the default item, “Expenses”."
    )


class PurgeForm(FlaskForm):
    confirm = StringField("Type the QuickBooks company name to confirm", validators=[DataRequired()])


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
