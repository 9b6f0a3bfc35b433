"""The two QBO company settings without which invoice numbers cannot be trusted.

With *Custom transaction numbers* off, QBO numbers invoices itself and the Clio bill
number is lost; with *Warn if duplicate bill number is used* off, QBO silently accepts a
second invoice with a used number. While either is off, invoice sync holds (contacts go
on) and Status shows the steps below. The API can switch the first on; the second it
keeps read-only, so only the steps help there.
"""

from __future__ import annotations

from typing import Any

from billsync.daemon.errors import FailedPrecondition, InvalidArgument

FIX_STEPS = (
    'Open your "Company Settings".',
    'Click on the "Sales" tab, then the pencil icon to edit the "Sales Form Content" settings.',
    'Check the box beside "Custom Transaction numbers", then click "Save".',
    'Click on the "Advanced" tab, then the pencil icon to edit the "Miscellaneous" settings.',
    'Check the box beside "Warn if duplicate bill number is used", then click "Save".',
)

CUSTOM_TXN_NUMBERS = "custom_txn_numbers"
WARN_DUPLICATE = "warn_duplicate_doc_number"

CHECKS = {
    CUSTOM_TXN_NUMBERS: (
        "Custom transaction numbers",
        "Without it QuickBooks numbers invoices itself, and an invoice no longer carries its Clio bill number.",
        True,
    ),
    WARN_DUPLICATE: (
        "Warn if duplicate bill number is used",
        "Without it QuickBooks silently accepts a second invoice with a number already used, so a duplicate goes "
        "unnoticed.",
        False,
    ),
}

HELD_REASON = "Held until the QuickBooks settings under Action required are on"


def _other_pref(prefs: dict[str, Any], name: str) -> str:
    for pair in (prefs.get("OtherPrefs") or {}).get("NameValue") or []:
        if pair.get("Name") == name:
            return str(pair.get("Value", "")).lower()
    return ""


def read_checks(prefs: dict[str, Any]) -> list[dict[str, Any]]:
    """The settings checks from a QBO Preferences object, as stored on the connection."""
    values = {
        CUSTOM_TXN_NUMBERS: bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers")),
        WARN_DUPLICATE: _other_pref(prefs, "WarnDuplicateBillNumber") == "true",
    }
    return [
        {"key": key, "title": title, "ok": values[key], "fixable": fixable, "explanation": why}
        for key, (title, why, fixable) in CHECKS.items()
    ]


def held(checks: list[dict[str, Any]] | None) -> str:
    """Why invoices wait, or "" when every check passes."""
    return HELD_REASON if checks and not all(c["ok"] for c in checks) else ""


def fix_body(key: str) -> dict[str, Any]:
    """The sparse Preferences update that turns the setting on."""
    if key not in CHECKS:
        raise InvalidArgument(f"unknown setting {key!r}; the settings are {', '.join(CHECKS)}")
    if not CHECKS[key][2]:
        raise FailedPrecondition(
            f"QuickBooks does not let apps change {CHECKS[key][0]!r}; follow steps 4 and 5 under Action required"
        )
    return {"SalesFormsPrefs": {"CustomTxnNumbers": True}}
