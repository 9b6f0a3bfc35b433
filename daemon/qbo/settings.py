"""The QBO company settings without which invoice numbers and credits cannot be trusted.

With *Custom transaction numbers* off, QBO keeps numbering invoices from its own
sequence beside the Clio bill numbers sent to it, which Intuit's reference warns "can lead
to unwanted duplicates"; with *Warn if duplicate bill number is used* off, QBO silently
accepts a second invoice with a used number. Clio's help asks for both: they are
*required*, and while either is off, invoice sync holds (contacts go on).

With *Automatically apply credits* on (Account and Settings → Advanced → Automation;
``SalesFormsPrefs.AutoApplyCredit``, on in a new company as in Intuit's sample
Preferences), QBO applies each new credit memo to the customer's oldest open invoices by
itself, through a zero payment of its own ("Created by QB Online to link credits to
charges", Intuit's blog "How to automatically apply credits"), which need not be the bill
Clio applied the credit note to. billsync undoes that and applies the credit where Clio did
(:mod:`billsync.daemon.sync.credits`), so nothing waits on it: turning it off is only
*recommended*, to spare QBO the payments billsync deletes. Status shows the steps for every
setting not as wanted. The API can change the sales-form settings; the duplicate-number
warning it keeps read-only, so only the steps help there.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billsync.daemon.errors import FailedPrecondition, InvalidArgument
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store import events, leases
from billsync.daemon.store.models import Connection, Kind

CUSTOM_TXN_NUMBERS = "custom_txn_numbers"
WARN_DUPLICATE = "warn_duplicate_doc_number"
AUTO_APPLY_CREDIT = "auto_apply_credit"

OPEN_SETTINGS = 'Open your "Company Settings".'
HELD_REASON = "Held until the QuickBooks settings under Action required are fixed"


def _sales_forms(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda prefs: bool((prefs.get("SalesFormsPrefs") or {}).get(name))


def _other_pref(name: str) -> Callable[[dict[str, Any]], bool]:
    def read(prefs: dict[str, Any]) -> bool:
        pairs = (prefs.get("OtherPrefs") or {}).get("NameValue") or []
        return any(p.get("Name") == name and str(p.get("Value", "")).lower() == "true" for p in pairs)

    return read


class Severity(enum.StrEnum):
    """What it costs that a setting is not as billsync wants it."""

    #: What the setting affects waits until it is changed.
    REQUIRED = "required"
    #: Nothing waits; billsync works around it, and changing it is advised.
    RECOMMENDED = "recommended"


@dataclass(frozen=True)
class Check:
    """One setting billsync needs a certain way.

    Attributes:
        title: the setting's name in QuickBooks.
        explanation: why it matters, in a bookkeeper's words.
        read: the setting's value in a Preferences object.
        wanted: the value billsync needs.
        holds: what waits while the setting is not as wanted; None for a recommended one.
        steps: how a person changes it, after opening Company Settings (Clio's help
            article "QuickBooks Online Integration Updates – Action Required" for the two
            numbering settings).
        fix: the sparse Preferences update that sets it, or None when the API cannot.
    """

    title: str
    explanation: str
    read: Callable[[dict[str, Any]], bool]
    wanted: bool
    holds: Kind | None
    steps: tuple[str, ...]
    fix: dict[str, Any] | None = None

    @property
    def severity(self) -> Severity:
        return Severity.REQUIRED if self.holds else Severity.RECOMMENDED


CHECKS = {
    CUSTOM_TXN_NUMBERS: Check(
        "Custom transaction numbers",
        "Without it QuickBooks numbers invoices from its own sequence, which runs into the Clio bill numbers "
        "sent beside it and duplicates them.",
        _sales_forms("CustomTxnNumbers"),
        wanted=True,
        holds=Kind.INVOICE,
        steps=(
            'Click on the "Sales" tab, then the pencil icon to edit the "Sales Form Content" settings.',
            'Check the box beside "Custom Transaction numbers", then click "Save".',
        ),
        fix={"SalesFormsPrefs": {"CustomTxnNumbers": True}},
    ),
    WARN_DUPLICATE: Check(
        "Warn if duplicate bill number is used",
        "Without it QuickBooks silently accepts a second invoice with a number already used, so a duplicate goes "
        "unnoticed.",
        _other_pref("WarnDuplicateBillNumber"),
        wanted=True,
        holds=Kind.INVOICE,
        steps=(
            'Click on the "Advanced" tab, then the pencil icon to edit the "Miscellaneous" settings.',
            'Check the box beside "Warn if duplicate bill number is used", then click "Save".',
        ),
    ),
    AUTO_APPLY_CREDIT: Check(
        "Automatically apply credits",
        "With it on QuickBooks applies each new credit note to the client's oldest open invoice by itself, which "
        "may not be the bill it was given for in Clio. billsync undoes that and applies the credit where Clio did, "
        "so nothing waits; turning it off is recommended, so that QuickBooks stops making payments billsync deletes.",
        _sales_forms("AutoApplyCredit"),
        wanted=False,
        holds=None,
        steps=(
            'Click on the "Advanced" tab, then the pencil icon to edit the "Automation" settings.',
            'Uncheck the box beside "Automatically apply credits", then click "Save".',
        ),
        fix={"SalesFormsPrefs": {"AutoApplyCredit": False}},
    ),
}


def read_checks(prefs: dict[str, Any]) -> list[dict[str, Any]]:
    """The settings checks from a QBO Preferences object, as stored on the connection."""
    return [
        {
            "key": key,
            "title": check.title,
            "ok": check.read(prefs) == check.wanted,
            "fixable": check.fix is not None,
            "explanation": check.explanation,
        }
        for key, check in CHECKS.items()
    ]


def _off(checks: list[dict[str, Any]] | None) -> list[Check]:
    return [CHECKS[c["key"]] for c in checks or [] if not c["ok"] and c["key"] in CHECKS]


def held(checks: list[dict[str, Any]] | None, kind: Kind | None) -> str:
    """Why records of ``kind`` wait, or "" when no setting holds them."""
    return HELD_REASON if kind and any(check.holds == kind for check in _off(checks)) else ""


def action_required(checks: list[dict[str, Any]] | None) -> bool:
    """Whether any setting, required or recommended, is not as billsync wants it."""
    return bool(_off(checks))


def severity(key: str) -> Severity:
    """The severity of the check ``key``: derived, not stored, so that checks saved on a
    connection by an earlier version read the same."""
    return CHECKS[key].severity


def fix_steps(checks: list[dict[str, Any]] | None) -> tuple[str, ...]:
    """What a person does in QuickBooks for the settings that are off."""
    off = _off(checks)
    return (OPEN_SETTINGS, *(step for check in off for step in check.steps)) if off else ()


def describe(checks: list[dict[str, Any]]) -> str:
    """The settings as they are now, e.g. "Custom transaction numbers on, …"."""
    return ", ".join(
        f"{c['title']} {'on' if c['ok'] == CHECKS[c['key']].wanted else 'off'}" for c in checks if c["key"] in CHECKS
    )


def country(qbo: QuickBooks) -> str:
    """The QBO company's country ("US" when CompanyInfo does not say): one read."""
    return str(qbo.company_info().get("Country") or "US")


def home_currency(preferences: dict[str, Any]) -> str:
    """The company's home currency ("USD"), in which QuickBooks books every document billsync
    writes, as it sends none other (customers aside: :mod:`billsync.daemon.sync.currency`);
    "" when Preferences do not say."""
    return str(((preferences.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value") or "")


def multicurrency(preferences: dict[str, Any]) -> bool:
    """Whether the company keeps customers and documents in other currencies than its home one
    (``CurrencyPrefs.MultiCurrencyEnabled``, off in a new company and "cannot be disabled once
    it's been enabled": Intuit, *Manage multiple currencies*)."""
    return (preferences.get("CurrencyPrefs") or {}).get("MultiCurrencyEnabled") is True


def note_currencies(connection: Connection, home: str, on: bool) -> None:
    """Keeps the company's home currency and whether it has multicurrency on, when either
    changed, under the run's lease (a cycle taken over records nothing); multicurrency
    changed from what an earlier run read is an event."""
    if (connection.home_currency or "", connection.multicurrency) == (home, on):
        return
    with leases.fenced(connection):
        Connection.update(home_currency=home or None, multicurrency=on).where(Connection.id == connection.id).execute()
        if connection.multicurrency not in (None, on):
            said = "on: each client is booked in its own currency" if on else "off"
            events.record(connection, "settings.qbo_currency", f"QuickBooks now has multicurrency {said}")
    connection.home_currency, connection.multicurrency = home or None, on


def fixed(key: str) -> str:
    """The event recorded once billsync changed the setting in QuickBooks."""
    check = CHECKS[key]
    return f"Turned {'on' if check.wanted else 'off'} {check.title!r} in QuickBooks"


def fix_body(key: str) -> dict[str, Any]:
    """The sparse Preferences update that sets the setting as billsync needs it."""
    if key not in CHECKS:
        raise InvalidArgument(f"unknown setting {key!r}; the settings are {', '.join(CHECKS)}")
    fix = CHECKS[key].fix
    if fix is None:
        raise FailedPrecondition(
            f"QuickBooks does not let apps change {CHECKS[key].title!r}; follow the steps under Action required"
        )
    return fix


def record(connection: Connection, checks: list[dict[str, Any]]) -> None:
    """Stores ``checks`` on the connection when they changed, with an activity entry when
    they replace earlier ones (a run fences the call; a page's fresh read does not)."""
    if checks == connection.qbo_checks:
        return
    Connection.update(qbo_checks=checks).where(Connection.id == connection.id).execute()
    if connection.qbo_checks is not None:
        events.record(connection, "settings.qbo_changed", f"QuickBooks settings now: {describe(checks)}")
    connection.qbo_checks = checks
