"""The panel's forms. Every POST goes through a FlaskForm, so every one checks a CSRF
token; the buttons that carry no data share ``ActionForm``."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.utils import cached_property
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from billsync.v1 import billsync_pb2 as pb
from billsync.words import SETTINGS, UNSET, tax_code

DATE = Regexp(r"^\d{4}-\d{2}-\d{2}$", message="Use a date like 2026-01-31.")
#: The settings are labelled in the words the activity log speaks of them in.
ITEMS = SETTINGS["item_mapping"]
TAX_CODES = SETTINGS["tax_code_names"]
#: What an unmapped tax key shows.
NOT_MAPPED = SelectChoice("", "Not mapped")
#: The deposit account the daemon uses when none is chosen: QuickBooks' own default.
DEFAULT_DEPOSIT = SelectChoice("", f"{UNSET['deposit_account_name']} (QuickBooks' default)")
#: The QuickBooks account type each trust account is chosen among (the daemon checks it too).
TRUST_TYPES = {"trust_bank_account_id": "Bank", "trust_liability_account_id": "Other Current Liability"}


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
    hold_first_sync = BooleanField(
        "Wait for me to start the first sync",
        description="Preview what it would do in QuickBooks, and decide how Clio's records meet what QuickBooks "
        "already holds, before anything is sent.",
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
    service_item = SelectField(ITEMS["Service"])
    expense_item = SelectField(ITEMS["Expense"])
    tax_item = SelectField(
        ITEMS["Tax"],
        description="Used only where QuickBooks has sales tax off, which would drop the tax: it becomes a line on "
        "this item. billsync's own, “Sales tax (Clio)”, is made on a liability account “Sales tax collected (Clio)”.",
    )
    tax_as_line = BooleanField(
        SETTINGS["tax_as_line"],
        description="Where QuickBooks' sales tax would keep the invoice's tax, book Clio's tax as a line on the tax "
        "item instead, as Clio's own integration does. The invoice totals the bill either way.",
    )
    tax_code_none = SelectField(TAX_CODES["none"])
    tax_code_primary = SelectField(TAX_CODES["primary"])
    tax_code_secondary = SelectField(TAX_CODES["secondary"])
    tax_code_both = SelectField(TAX_CODES["both"])
    deposit_account_id = SelectField(
        SETTINGS["deposit_account_name"],
        description="A Bank or Other Current Asset account. Payments already in QuickBooks stay where they are.",
    )
    trust_enabled = BooleanField(SETTINGS["trust_enabled"])
    trust_bank_account_id = SelectField(
        SETTINGS["trust_bank_account_name"],
        description="A Bank account: money into trust is debited to it, money out credited.",
    )
    trust_liability_account_id = SelectField(
        SETTINGS["trust_liability_account_name"],
        description="An Other Current Liability account: money into trust is credited to it, with the client named.",
    )
    trust_start_date = StringField(
        SETTINGS["trust_start_date"],
        validators=[Optional(), DATE],
        description="Trust transactions dated before this date are skipped. Empty: every one.",
    )
    time_zone = StringField(
        SETTINGS["time_zone"],
        validators=[Optional(), Length(max=200)],
        description="The firm's, as a name like Europe/London or America/Los_Angeles. Empty: each viewer's own.",
    )

    def offer(self, settings: pb.Settings, choices: pb.QboChoices | None, *, by_codes: bool) -> None:
        """Lets each item, the deposit account, the trust accounts (each among the accounts of
        its type) and, where the company taxes ``by_codes``,
        each tax code be chosen from the QuickBooks company's lists (``choices``; None while
        they cannot be read), beside what is set now; elsewhere the tax codes are no fields.
        An item mapped but not yet in QuickBooks is offered as billsync will make it."""
        names = [item.name for item in choices.items] if choices else []
        for field, kind in ((self.service_item, "Service"), (self.expense_item, "Expense"), (self.tax_item, "Tax")):
            current = settings.item_mapping.get(kind, "")
            made = [] if not current or current in names else [SelectChoice(current, f"{current} (billsync makes it)")]
            field.choices = made + [SelectChoice(name, name) for name in names]
        accounts = [SelectChoice(a.id, a.name) for a in choices.accounts if a.takes_deposits] if choices else []
        current = settings.deposit_account_id
        listed = {a.value for a in accounts}
        kept = [] if not current or current in listed else [SelectChoice(current, settings.deposit_account_name)]
        self.deposit_account_id.choices = [DEFAULT_DEPOSIT, *kept, *accounts]
        for key, account_type in TRUST_TYPES.items():
            typed = (
                [SelectChoice(a.id, a.name) for a in choices.accounts if a.account_type == account_type]
                if choices
                else []
            )
            current, name = getattr(settings, key), getattr(settings, key.removesuffix("_id") + "_name")
            kept = [] if not current or current in {a.value for a in typed} else [SelectChoice(current, name)]
            self[key].choices = [NOT_MAPPED, *kept, *typed]
        codes = (
            [SelectChoice(c.id, tax_code(c.name, [r.percent for r in c.rates])) for c in choices.tax_codes]
            if choices
            else []
        )
        listed = {c.value for c in codes}
        if not by_codes:
            for key in TAX_CODES:
                delattr(self, f"tax_code_{key}")
        for key, field in self.tax_code_fields().items():
            current = settings.tax_codes.get(key, "")
            kept = [] if not current or current in listed else [SelectChoice(current, f"Tax code {current}")]
            field.choices = [NOT_MAPPED, *kept, *codes]

    def tax_code_fields(self) -> dict[str, SelectField]:
        """The select of each ``tax_codes`` key, where the company taxes by codes."""
        return {key: self[f"tax_code_{key}"] for key in TAX_CODES if f"tax_code_{key}" in self}


class DecideForm(PanelForm):
    """How one record of a preview meets what QuickBooks holds (DecideMatch): ``choice`` is a
    word of the contract's Choice (``withdraw`` for none), ``qbo_id`` the customer or invoice
    chosen, ``label`` the record as the page named it, for the message that follows."""

    kind = HiddenField(validators=[DataRequired(), AnyOf(["contact", "invoice"])])
    clio_id = HiddenField(validators=[DataRequired(), Length(max=64)])
    choice = HiddenField(validators=[DataRequired(), AnyOf(["match", "create", "skip", "withdraw"])])
    qbo_id = HiddenField(validators=[Optional(), Regexp(r"^\d{1,20}$")])
    label = HiddenField(validators=[Optional(), Length(max=300)])


class PurgeForm(PanelForm):
    confirm = StringField("Type the QuickBooks company name to confirm", validators=[DataRequired()])


class LoginForm(PanelForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
