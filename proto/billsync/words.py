"""The words people read, one of each: what the activity log, the CLI and the panel call
kinds, states, runs, the reasons a run starts, events, the people acting and settings.

The rule for kinds: each is named as QuickBooks names what billsync writes there (a
customer, an invoice, a payment, a credit memo), since every item billsync lists is one it
put, or is to put, in QuickBooks; a sentence about Clio keeps Clio's words ("Voided in
Clio"). Everything here is keyed by the plain words the daemon stores and the contract's
enums end with (``credit_memo``, ``synced``, ``needs_authorization``), which the panel also
puts in its URLs. Pure and dependency-free, so the daemon and the panel can both use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from billsync.v1 import billsync_pb2 as pb

#: Each kind as one item and as several.
KINDS = {
    "contact": ("customer", "customers"),
    "invoice": ("invoice", "invoices"),
    "payment": ("payment", "payments"),
    "credit_memo": ("credit memo", "credit memos"),
    "trust": ("journal entry", "journal entries"),
}
#: A link's state, as a column heading or a badge says it.
LINK_STATES = {
    "synced": "In QuickBooks",
    "pending": "Being sent",
    "waiting": "Waiting",
    "failed": "Failed",
    "broken": "Removed in QuickBooks",
    "skipped": "Not synced",
}
#: What a preview foresees of a record (``Fate``), after a count: "12 to create".
FATES = {
    "create": "to create",
    "update": "to update",
    "match": "to link to what QuickBooks has",
    "retire": "to void or delete",
    "unchanged": "unchanged",
    "skip": "not to sync",
    "wait": "to wait",
    "fail": "refused",
}
#: Why, by cause code, in brackets after a preview's count: "(by name and e-mail)".
CAUSES = {
    "adopt:name_email": "by name and e-mail",
    "adopt:marker": "made by billsync before",
    "adopt:decided": "as decided",
    "create:name_taken": "under another name: theirs is taken",
    "create:like_named": "though customers of a like name exist",
    "skip:draft": "drafts",
    "skip:awaiting_approval": "awaiting approval",
    "skip:not_issued": "not issued",
    "skip:before_start": "before the start date",
    "skip:voided": "voided in Clio",
    "skip:deleted": "deleted in Clio",
    "skip:bill_skipped": "of bills not synced",
    "skip:credit_voided": "of credit notes voided",
    "skip:decided": "as decided",
    "wait:settings": "for QuickBooks settings",
    "wait:tax_codes": "for tax codes to be mapped",
    "wait:customer": "for their customer",
    "wait:invoice": "for their invoice",
    "wait:credit_memo": "for their credit memo",
    "wait:trust_accounts": "for the trust accounts to be chosen",
    "wait:trust_ledgers": "for the trust ledgers to agree",
    "fail:currency": "currency",
    "fail:name": "no usable name",
    "fail:no_number": "no number",
    "fail:number_length": "number too long",
    "fail:number_taken": "number taken by another invoice",
    "fail:no_lines": "no lines",
    "fail:item": "no item mapped",
    "fail:tax_item": "no tax item",
    "fail:tax_code": "tax code not mapped",
    "fail:tax_rates": "tax rates differ",
    "fail:sums": "Clio's figures do not add up",
    "fail:amount": "zero or negative amount",
    "fail:decision": "the match decided cannot be made",
}
CONNECTION_STATES = {
    "needs_authorization": "Needs connecting",
    "connected": "Connected",
    "revoked": "Access revoked",
}
RUN_STATES = {"running": "Running", "succeeded": "Finished", "failed": "Stopped"}
#: Why a run started (``Run.trigger``), as it reads after "Started" or in brackets.
TRIGGERS = {
    "schedule": "on schedule",
    "sync": "on request",
    "resync": "to re-sync items",
    "webhook": "after a change in Clio or QuickBooks",
    "authorized": "after connecting",
    "settings": "after a QuickBooks setting changed",
    "removed_in_qbo": "after an item was deleted or made inactive in QuickBooks",
}
#: What each event of the activity log is.
EVENTS = {
    "run.succeeded": "Sync finished",
    "run.failed": "Sync stopped",
    "link.failed": "Item failed",
    "link.broken": "Removed in QuickBooks",
    "link.resync": "Re-sync asked for",
    "link.decided": "Match decided",
    "connection.created": "Connection created",
    "connection.started": "First sync started",
    "connection.authorized": "Connected",
    "connection.needs_authorization": "Access refused",
    "connection.revoked": "Access revoked",
    "connection.revoke_failed": "Revoking failed",
    "connection.purged": "Purged",
    "settings.changed": "Settings changed",
    "settings.qbo_changed": "QuickBooks settings changed",
    "settings.qbo_fixed": "QuickBooks setting turned on",
    "settings.qbo_tax": "QuickBooks sales tax",
    "settings.qbo_currency": "QuickBooks currencies",
    "settings.totals_audit": "Invoices checked",
    "webhooks.subscribed": "Clio notifications on",
    "webhooks.failed": "Clio notifications failed",
    "webhooks.renewed": "Clio notifications renewed",
    "alerts.subscribed": "Alert recipient added",
    "alerts.changed": "Alert recipient changed",
    "alerts.unsubscribed": "Alert recipient removed",
    "alerts.undelivered": "Alert not delivered",
}
#: Each setting of a connection as its field is labelled; an item mapping by its line kind.
SETTINGS = {
    "start_date": "Sync bills issued on or after",
    "sync_interval_seconds": "Sync every",
    "time_zone": "Time zone",
    "deposit_account_name": "Deposit new payments to",
    "tax_as_line": "Clio's tax as a line on the tax item",
    "trust_enabled": "Sync the trust account",
    "trust_bank_account_name": "QuickBooks trust bank account",
    "trust_liability_account_name": "QuickBooks trust liability account",
    "trust_start_date": "Sync trust transactions dated on or after",
    "item_mapping": {
        "Service": "QuickBooks item for Clio services",
        "Expense": "QuickBooks item for Clio expenses",
        "Tax": "QuickBooks item for Clio's tax",
    },
    "tax_code_names": {
        "none": "QuickBooks tax code for untaxed lines",
        "primary": "QuickBooks tax code for lines with Clio's primary tax",
        "secondary": "QuickBooks tax code for lines with Clio's secondary tax",
        "both": "QuickBooks tax code for lines with both of Clio's taxes",
    },
}
#: The settings that are on or off; one never set is off.
SWITCHES = frozenset({"tax_as_line", "trust_enabled"})
#: What an empty setting means.
UNSET = {
    "start_date": "every bill",
    "time_zone": "the browser's",
    "deposit_account_name": "Undeposited Funds",
    "trust_bank_account_name": "none",
    "trust_liability_account_name": "none",
    "trust_start_date": "every trust transaction",
}
#: How the activity log names whoever acted through a token (``rpc.access.label``).
_VIA = re.compile(r"^(?P<person>.+) via (?:api|token \d+(?: \(.*\))?)$", re.S)


def count(n: int, kind: str) -> str:
    """``1 invoice``, ``260 invoices``, ``1,204 credit memos``."""
    one, many = KINDS.get(kind, (kind, kind))
    return f"{n:,} {one if n == 1 else many}"


def amount(decimal: str) -> str:
    """A money amount as the API gives it ("1234.5") as people read it: ``1,234.50``."""
    return f"{Decimal(decimal):,.2f}"


def foreseen(n: int, fate: str, cause: str) -> str:
    """A preview's count: ``12 to create (under another name: theirs is taken)``."""
    why = CAUSES.get(cause, cause)
    return f"{n:,} {FATES.get(fate, fate)}" + (f" ({why})" if why else "")


def kind_label(kind: str) -> str:
    """``Customers``: the kind as a heading or a filter."""
    return KINDS.get(kind, (kind, kind))[1].capitalize()


def lower(label: str) -> str:
    """A label inside a sentence: ``Removed in QuickBooks`` → ``removed in QuickBooks``."""
    return label[:1].lower() + label[1:]


def join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def trigger(name: str) -> str:
    return TRIGGERS.get(name, name.replace("_", " "))


def event(type_: str) -> str:
    """``link.failed`` → ``Item failed``; a type not known here reads as its own words."""
    return EVENTS.get(type_) or type_.replace(".", " ").replace("_", " ").capitalize()


def who(actor: str) -> str:
    """The person who acted, as the activity log records them: ``alice via token 4 (panel)``
    → ``alice``; without a person, the token, or ``billsync`` for billsync itself."""
    found = _VIA.match(actor)
    return found["person"] if found else actor


def outcome(progress: Iterable[tuple[str, Mapping[str, int]]], *, failed: bool = False, error: str = "") -> str:
    """What a run did, from its counts per kind, in sentences: "Created 40 invoices and 2
    customers. 12 invoices failed." — never "300/300" for a run that sent nothing. A run
    that ``failed`` ends with why it stopped."""
    progress = list(progress)
    parts = []
    for verb, field in (("Created", "created"), ("Updated", "updated")):
        if done := [count(counts[field], kind) for kind, counts in progress if counts.get(field)]:
            parts.append(f"{verb} {join(done)}.")
    if failures := [count(counts["failed"], kind) for kind, counts in progress if counts.get("failed")]:
        parts.append(f"{join(failures)} failed.")
    if failed:
        parts.append(f"Stopped: {error}" if error else "Stopped before it finished.")
    return " ".join(parts) or "Nothing new to send to QuickBooks."


def plain(enum: Any, value: int) -> str:
    """``KIND_CREDIT_MEMO`` → ``credit_memo``: a value of the contract's enums as the key
    it has here (and in the daemon's rows, and in the panel's URLs)."""
    prefix = enum.DESCRIPTOR.values[0].name.removesuffix("UNSPECIFIED")
    return enum.Name(value).removeprefix(prefix).lower()


def run_outcome(run: pb.Run) -> str:
    """:func:`outcome` of a run as the contract carries it."""
    progress = [
        (plain(pb.Kind, p.kind), {"created": p.created, "updated": p.updated, "failed": p.failed}) for p in run.progress
    ]
    return outcome(progress, failed=run.state == pb.RUN_STATE_FAILED, error=run.error)


def duration(seconds: int) -> str:
    """``30 seconds``, ``5 minutes``, ``1 hour``, ``7 days``: the largest whole unit."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n:,} {unit}{'' if n == 1 else 's'}"
    return f"{seconds:,} second{'' if seconds == 1 else 's'}"


def setting_value(key: str, value: object) -> str:
    """A setting's value as a person reads it."""
    if isinstance(value, bool) or key in SWITCHES:
        return "yes" if value else "no"
    if key == "sync_interval_seconds" and isinstance(value, int):
        return duration(value)
    return str(value) if value not in (None, "") else UNSET.get(key, "none")


def settings_changed(before: Mapping[str, object], after: Mapping[str, object]) -> str:
    """What changed, setting by setting: "Sync every: 5 minutes → 10 minutes; Time zone:
    the browser's → Europe/London"."""
    changes = []
    for key, label in SETTINGS.items():
        if isinstance(label, dict):
            was, now = before.get(key) or {}, after.get(key) or {}
            pairs = [(label[kind], was.get(kind), now.get(kind)) for kind in label]
        else:
            pairs = [(label, setting_value(key, before.get(key)), setting_value(key, after.get(key)))]
        changes += [f"{name}: {old or 'none'} → {new or 'none'}" for name, old, new in pairs if old != new]
    return "; ".join(changes)


def books(home_currency: str, multicurrency: bool) -> str:
    """How the QBO company keeps its books: ``Books in CAD; multicurrency on``; "" while no run has read it."""
    if not home_currency:
        return ""
    each = "on: each client in its own currency" if multicurrency else "off"
    return f"Books in {home_currency}; multicurrency {each}"


def tax_code(name: str, percents: Sequence[str]) -> str:
    """A QBO tax code as the settings name it: ``GST/PST BC (5 % + 7 %)``, ``Exempt (no tax)``."""
    return f"{name} ({' + '.join(f'{p} %' for p in percents) or 'no tax'})"


def items(n: int) -> str:
    return "1 item" if n == 1 else f"{n:,} items"


def forgotten(n: int) -> str:
    """What Purge did, as the activity log, the CLI and the panel say it."""
    return f"billsync forgot the {items(n)} it had synced; nothing was deleted in QuickBooks or in Clio"


def kept(n: int | None = None) -> str:
    """What Revoke keeps, as the activity log, the CLI and the panel say it."""
    what = "the items it synced" if n is None else f"the {items(n)} it synced"
    return (
        f"billsync keeps what it knows of {what}, so reconnecting to the same QuickBooks company resumes "
        "without duplicates"
    )
