"""How the contract's values read on a page: a bookkeeper's words for states, kinds and
events, times, counts, what a run did, and QuickBooks' refusals.

Pure functions over billsync.v1 messages, registered as Jinja filters by the blueprint
and tested without a server. URLs keep the enums' plain words (``state=failed``); people
read the labels.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from markupsafe import Markup, escape

from billsync import words as shared
from billsync.v1 import billsync_pb2 as pb

#: The shared words (``billsync.words``), keyed by the contract's enums.
KIND_NOUNS = {v.number: shared.KINDS[shared.plain(pb.Kind, v.number)] for v in pb.Kind.DESCRIPTOR.values if v.number}
KIND_LABELS = {k: plural.capitalize() for k, (_, plural) in KIND_NOUNS.items()}
STATE_LABELS = {pb.LinkState.Value(f"LINK_STATE_{s.upper()}"): label for s, label in shared.LINK_STATES.items()}
STATE_ORDER = list(STATE_LABELS)
CONNECTION_LABELS = {
    pb.ConnectionState.Value(f"CONNECTION_STATE_{s.upper()}"): label for s, label in shared.CONNECTION_STATES.items()
}
RUN_LABELS = {pb.RunState.Value(f"RUN_STATE_{s.upper()}"): label for s, label in shared.RUN_STATES.items()}
#: Where Clio's tax goes, by the QuickBooks company's sales tax setting, as the settings page says it.
CLIO_TAX = {
    pb.TAX_TREATMENT_UNSPECIFIED: "billsync reads this QuickBooks company's sales tax setting at the next sync.",
    pb.TAX_TREATMENT_TOTAL_TAX: "This QuickBooks company has sales tax on: Clio's tax is each invoice's own sales "
    "tax, and the tax item below is not used.",
    pb.TAX_TREATMENT_TAX_LINE: "This QuickBooks company has sales tax off, which would drop an invoice's tax: "
    "Clio's tax goes on a line of its own, on the tax item below.",
    pb.TAX_TREATMENT_AUTOMATED: "This QuickBooks company has automated sales tax: Clio's tax is sent as each "
    "invoice's own, overriding what QuickBooks would compute; QuickBooks must let apps override it.",
    pb.TAX_TREATMENT_TAX_CODES: "This QuickBooks company taxes by tax codes: each invoice line bears the code "
    "mapped below to the Clio taxes on it, and the tax item is not used.",
}
#: The families of the activity log, for its filter: the type prefix and what it covers.
EVENT_FAMILIES = {
    "run.": "Syncs",
    "link.": "Problems and re-syncs",
    "connection.": "Connecting and revoking",
    "settings.": "Settings",
    "webhooks.": "Clio notifications",
    "alerts.": "Alerts",
}
#: What each alert condition reads as on the Settings page.
ALERT_CONDITION_LABELS = {
    pb.ALERT_CONDITION_NEEDS_AUTHORIZATION: "Clio or QuickBooks needs to be connected again",
    pb.ALERT_CONDITION_ACTION_REQUIRED: "Action required: a QuickBooks setting is off",
    pb.ALERT_CONDITION_ITEMS_FAILED: "New items failed or were removed in QuickBooks",
    pb.ALERT_CONDITION_RUNS_FAILING: "Syncs keep failing",
    pb.ALERT_CONDITION_WEBHOOKS_FAILING: "Clio notifications could not be renewed",
}
PROVIDERS = {"clio": pb.PROVIDER_CLIO, "qbo": pb.PROVIDER_QBO}
PROVIDER_LABELS = {"clio": "Clio", "qbo": "QuickBooks Online"}
#: What a QuickBooks fault code means for the item, when Intuit's own message does not say it plainly.
FAULT_SENTENCES = {
    "610": "QuickBooks no longer has the customer or document it refers to.",
    "6140": "Another QuickBooks invoice already has this number.",
    "6240": "Another QuickBooks customer, vendor or employee already has this name.",
    "2020": "QuickBooks needs a field that is empty in Clio.",
    "6000": "QuickBooks refused it as it stands in Clio.",
}
#: What the link to the QuickBooks document a refusal names (``Link.conflict_url``) says.
CONFLICT_LINKS = {"6140": "Open the invoice that already has this number"}
FAULT = re.compile(r"\(?QuickBooks error (?P<code>\w+): (?P<message>[^—(\[]*)(?P<rest>.*)", re.S)
#: A word a line must not break inside: one holding a digit (a bill number like
#: CLIO-2023-LITIGATION-000002, an amount, a date), with the currency code before an amount,
#: or a word of a short prefix and a hyphen ("re-sync", "e-mail").
UNBROKEN = re.compile(r"(?:\(?[A-Z]{3} )?\S*\d\S*|\b[A-Za-z]{1,2}-[A-Za-z]+\b\S*")
#: Longer than this, such a word is rather a URL or a code, which may break where it must.
UNBROKEN_MAX = 40
#: The first number in the activity log's line for a purge: how many items it forgot.
FIRST_NUMBER = re.compile(r"\d[\d,]*")


def word(enum: Any, value: int) -> str:
    """``LINK_STATE_FAILED`` → ``failed``: the enum value without its prefix, for URLs and CSS."""
    return shared.plain(enum, value)


def from_word(enum: Any, text: str | None) -> int:
    """The inverse of ``word``; 0 (UNSPECIFIED, "any") for an empty or unknown word."""
    prefix = enum.DESCRIPTOR.values[0].name.removesuffix("UNSPECIFIED")
    try:
        return enum.Value(prefix + (text or "").upper()) if text else 0
    except ValueError:
        return 0


def words(enum: Any) -> list[str]:
    """Every word of an enum but UNSPECIFIED, in declaration order (for filter menus)."""
    return [word(enum, v.number) for v in enum.DESCRIPTOR.values if v.number]


def count(n: int, kind: int) -> str:
    """``1 invoice``, ``260 invoices``, ``1,204 credit memos``."""
    return shared.count(n, word(pb.Kind, kind))


def zone_of(name: str) -> dt.tzinfo:
    """The firm's time zone; UTC when it has none, or when this machine's tz database
    lacks the name the daemon's knew."""
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.timezone.utc
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        return dt.timezone.utc


def unset(ts: Timestamp | None) -> bool:
    """Whether a time is missing: absent, or the zero a message field reads as when unset."""
    return ts is None or (ts.seconds == 0 and ts.nanos == 0)


def when(ts: Timestamp | None, zone: str = "", empty: str = "—") -> str:
    """A timestamp as ``2026-01-31 14:05 GMT`` in the firm's ``zone`` (an IANA name), in
    UTC without one; ``empty`` when unset."""
    if unset(ts):
        return empty
    return ts.ToDatetime(tzinfo=dt.timezone.utc).astimezone(zone_of(zone)).strftime("%Y-%m-%d %H:%M %Z")


def time_tag(ts: Timestamp | None, zone: str = "", empty: str = "—") -> Markup | str:
    """A timestamp as a ``<time>`` element: in the firm's ``zone``; without one, in UTC and
    marked ``data-local`` for ``local-time.js`` to show in the browser's zone."""
    if unset(ts):
        return empty
    iso = ts.ToDatetime(tzinfo=dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}"{}>{}</time>').format(iso, Markup("" if zone else " data-local"), when(ts, zone))


def unbroken(text: str) -> Markup:
    """``text`` escaped, each bill number and each amount with its currency in a span that
    never breaks across lines ("CLIO-2023-/LITIGATION-000002", "(USD / 75.00)" never)."""
    parts, last = [], 0
    for found in UNBROKEN.finditer(text):
        if len(found.group()) > UNBROKEN_MAX:
            continue
        parts += [escape(text[last : found.start()]), Markup('<span class="keep">{}</span>').format(found.group())]
        last = found.end()
    return Markup("").join([*parts, escape(text[last:])])


def failing_since(link: pb.Link) -> Timestamp | None:
    """Since when a problem fails, when that is a minute earlier than its last change, as
    times are shown (it failed again since, or failed before it was removed in QuickBooks);
    None otherwise, as the row's own time already says it."""
    since, changed = link.failing_since, link.updated_at
    if unset(since) or since.seconds // 60 >= changed.seconds // 60:
        return None
    return since


def event_label(type_: str) -> str:
    """``link.failed`` → ``Item failed``; an event type this panel does not know yet reads
    as its own words rather than its code."""
    return shared.event(type_)


#: What Revoke keeps, as the activity log and the CLI also say it.
kept = shared.kept


def who(actor: str) -> str:
    """The person who acted, not the token they acted through."""
    return shared.who(actor)


def count_table(counts: Any) -> list[dict]:
    """Status.counts as rows per kind with a cell per state, in a stable order, so the
    table keeps its shape as numbers change; each cell carries the words of its filter."""
    table: dict[int, dict[int, int]] = {}
    for c in counts:
        table.setdefault(c.kind, {})[c.state] = c.count
    return [
        {
            "kind": KIND_LABELS[k],
            "kind_word": word(pb.Kind, k),
            "cells": [(word(pb.LinkState, s), table[k].get(s, 0)) for s in STATE_ORDER],
            "total": sum(table[k].values()),
        }
        for k in KIND_LABELS
        if k in table
    ]


def totals(counts: Any, states: list[int]) -> list[tuple[int, int]]:
    """(state, links in that state of every kind), for each of ``states``."""
    return [(s, sum(c.count for c in counts if c.state == s)) for s in states]


def run_outcome(run: pb.Run) -> str:
    """What a finished run did, in one sentence: "Created 40 invoices and 2 customers.
    12 invoices failed." — never "300/300" for a run that sent nothing."""
    return shared.run_outcome(run)


def settings_hold(status: pb.StatusResponse) -> bool:
    """Whether a required QuickBooks setting is off, which holds invoices; a recommended
    one (Automatically apply credits) holds nothing."""
    return any(not c.ok and c.severity != pb.CHECK_SEVERITY_RECOMMENDED for c in status.checks)


def waiting_notes(status: pb.StatusResponse) -> list[str]:
    """Why items wait, per kind: "260 invoices waiting for the QuickBooks settings"."""
    notes = []
    for c in status.counts:
        if c.state != pb.LINK_STATE_WAITING or not c.count:
            continue
        if c.kind == pb.KIND_INVOICE and settings_hold(status):
            cause = "the QuickBooks settings below"
        elif c.kind == pb.KIND_PAYMENT:
            cause = "their invoices"
        else:
            cause = "what they depend on"
        notes.append(f"{count(c.count, c.kind)} waiting for {cause}")
    return notes


def run_summary(run: pb.Run) -> dict:
    """A run as plain data for the page and its JSON poll: state, trigger, what it did, and
    per kind how far it got (``percent`` is None while the total is unknown). Its times are
    drawn by the page, in the firm's zone (``time_tag``)."""
    return {
        "id": run.id,
        "state": word(pb.RunState, run.state),
        "label": RUN_LABELS.get(run.state, ""),
        "trigger": shared.trigger(run.trigger),
        "outcome": run_outcome(run) if run.state != pb.RUN_STATE_RUNNING else "",
        "progress": [
            {
                "kind": KIND_LABELS.get(p.kind, word(pb.Kind, p.kind)),
                "done": p.done,
                "total": p.total,
                "failed": p.failed,
                "percent": round(100 * p.done / p.total) if p.total else None,
            }
            for p in run.progress
        ],
    }


def next_run(status: pb.StatusResponse) -> Markup | str:
    """When the next run starts, as a person can act on it: never a time already past."""
    if status.connection.state != pb.CONNECTION_STATE_CONNECTED:
        return "None until both Clio and QuickBooks are connected"
    if status.HasField("current_run"):
        return "After this run"
    if status.run_due or not status.HasField("next_run_at"):
        return "Due now"
    at = status.next_run_at.ToDatetime(tzinfo=dt.timezone.utc)
    return "Due now" if at <= dt.datetime.now(dt.timezone.utc) else time_tag(status.next_run_at, zone(status))


def status_summary(status: pb.StatusResponse) -> dict:
    """What the Bill Syncing page's poll needs to redraw progress and know when to reload."""
    return {
        "connection_state": word(pb.ConnectionState, status.connection.state),
        # A run due is as good as started: the page follows it from the moment it is asked for.
        "running": status.HasField("current_run") or status.run_due,
        "current_run": run_summary(status.current_run) if status.HasField("current_run") else None,
        "last_run": run_summary(status.last_run) if status.HasField("last_run") else None,
        "next_run": next_run(status),
        "waiting": waiting_notes(status),
        "problem_count": status.problem_count,
        "action_required": status.action_required,
    }


def zone(status: pb.StatusResponse) -> str:
    """The firm's time zone, "" for the browser's."""
    return status.connection.settings.time_zone


def ended(run: pb.Run) -> Timestamp:
    """When a run finished, or started if it never did."""
    return run.finished_at if run.HasField("finished_at") else run.started_at


def purge_note(event: pb.Event) -> str:
    """What a purge left, for a connection whose links are gone: "billsync forgot 625
    items" (the number from the activity log's line for it), so an empty table under a
    finished run does not read as "nothing synced yet"."""
    found = FIRST_NUMBER.search(event.message)
    if not found:
        return event.message
    n = int(found.group().replace(",", ""))
    if not n:
        return "billsync had synced nothing yet, so there was nothing to forget."
    items = f"{n:,} item{'' if n == 1 else 's'}"
    return f"billsync forgot the {items} it had synced; nothing was deleted in QuickBooks or Clio."


def books(c: pb.Connection) -> str:
    """How the connection's QBO company keeps its books (its currency), "" before a run read it."""
    return shared.books(c.home_currency, c.multicurrency)


def access_refused(c: pb.Connection) -> bool:
    """Both sides hold tokens, yet the connection needs authorizing: a provider refused
    them at the last sync (expired, revoked in Clio or QuickBooks, or for another company)."""
    return c.state == pb.CONNECTION_STATE_NEEDS_AUTHORIZATION and c.clio_authorized and c.qbo_authorized


@dataclass(frozen=True)
class Fault:
    """A refusal as a bookkeeper reads it: a sentence, and Intuit's own words for support."""

    sentence: str
    raw: str = ""


def fault(link: pb.Link) -> Fault:
    """Splits a link's reason into the sentence to show and the raw QuickBooks fault
    (code, TxnIds, ``intuit_tid``) to keep behind a "details" toggle."""
    found = FAULT.search(link.reason)
    if not found:
        return Fault(link.reason)
    before = link.reason[: found.start()].strip()
    raw = link.reason[found.start() :].strip().removeprefix("(").removesuffix(")")
    sentence = before or FAULT_SENTENCES.get(found["code"]) or f"QuickBooks refused it: {found['message'].strip()}."
    return Fault(sentence, raw)


# --- the Preview page -------------------------------------------------------------------

#: What a bookkeeper decided, after "Decided by alice …:" (contacts and bills say it alike).
CHOICE_WORDS = {
    pb.CHOICE_MATCH: "link it to QuickBooks {entity} Id {qbo_id}",
    pb.CHOICE_CREATE: "make a new QuickBooks customer",
    pb.CHOICE_SKIP: "never sync it",
}
ENTITY = {pb.KIND_CONTACT: "customer", pb.KIND_INVOICE: "invoice"}


def money(amounts: Any) -> str:
    """``USD 1,234.50; EUR 80.00``: sums in each currency; "" for none."""
    return "; ".join(f"{m.currency} {shared.amount(m.amount)}" for m in amounts if m.currency)


def fate(item: pb.PreviewItem) -> str:
    """What the sync would do about one record, in words: ``To create (under another name:
    theirs is taken)``."""
    said = shared.FATES.get(word(pb.Fate, item.fate), "")
    why = shared.CAUSES.get(item.cause, "")
    return (said[:1].upper() + said[1:]) + (f" ({why})" if why else "")


def preview_counts(summary: pb.PreviewSummary) -> list[dict]:
    """The sums per kind, in the panel's order of kinds: each line a count by fate and cause
    in words ("12 to create (under another name: theirs is taken)"), with its money."""
    by_kind: dict[int, list[dict]] = {}
    for c in summary.counts:
        line = {"said": shared.foreseen(c.count, word(pb.Fate, c.fate), c.cause), "money": money(c.money)}
        by_kind.setdefault(c.kind, []).append(line)
    ordered = [k for k in KIND_LABELS if k in by_kind] + [k for k in by_kind if k not in KIND_LABELS]
    return [{"kind": KIND_LABELS.get(k, word(pb.Kind, k)), "lines": by_kind[k]} for k in ordered]


def preview_months(summary: pb.PreviewSummary) -> tuple[list[str], list[dict]]:
    """What the sync writes per month: the kinds as columns, a row per month (oldest first),
    each cell the count and the money of that kind that month (a line per currency)."""
    kinds = [k for k in KIND_LABELS if any(m.kind == k for m in summary.months)]
    cells: dict[str, dict[int, list[str]]] = {}
    for m in summary.months:
        said = count(m.count, m.kind) + (
            f", {m.money.currency} {shared.amount(m.money.amount)}" if m.money.currency else ""
        )
        cells.setdefault(m.month, {}).setdefault(m.kind, []).append(said)
    rows = [{"month": month, "cells": [cells[month].get(k, []) for k in kinds]} for month in sorted(cells)]
    return [KIND_LABELS[k] for k in kinds], rows


def to_settle(item: pb.PreviewItem) -> bool:
    """Whether the Preview page lists a record: a conflict to settle before syncing, a
    contact matched to a customer by name and e-mail (to check), or one already decided."""
    return item.conflict or item.cause == "adopt:name_email" or item.HasField("decision")


def settling(items: list[pb.PreviewItem]) -> list[pb.PreviewItem]:
    """The records the page lists, the decided first (a decision stays in sight however
    many conflicts follow), then the conflicts, then the matches, each in the preview's order."""
    listed = [i for i in items if to_settle(i)]
    return sorted(listed, key=lambda i: (not i.HasField("decision"), not i.conflict))


def contact_name(item: pb.PreviewItem) -> str:
    """A contact's name, to find its customer by: its label without the kind the daemon
    names it by ("Customer Amy Alder")."""
    return item.label.removeprefix("Customer ").strip() or item.clio_id


def holder(item: pb.PreviewItem) -> str:
    """The Id of the QuickBooks invoice that holds a bill's number, when the preview names one."""
    return item.qbo_id if item.cause == "fail:number_taken" else ""


def decision(d: pb.Decision) -> str:
    """A decision as the page says it after who made it: ``link it to QuickBooks customer Id 58``."""
    return CHOICE_WORDS.get(d.choice, "let the sync decide").format(
        entity=ENTITY.get(d.kind, "object"), qbo_id=d.qbo_id
    )


def decided(d: pb.Decision, label: str) -> str:
    """What the page says once a decision is made or withdrawn."""
    name = label or d.clio_id
    if d.choice == pb.CHOICE_UNSPECIFIED:
        return f"Decision withdrawn: the sync decides how {name} meets QuickBooks again."
    return f"Decided for {name}: {decision(d)}. Every sync honours it until it is written."
