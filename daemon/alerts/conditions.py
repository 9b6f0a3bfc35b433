"""What in a connection's state needs a person, in a bookkeeper's words: pure, no I/O.

:func:`evaluate` turns :class:`Facts` (read from the database by ``alerts.outbox``) into
the conditions that hold now, each with a *key* naming the state it was raised in: the
same key after the next run means nothing changed and nobody hears about it again; a new
key (another setting turned off, another item failed) is a new message. The keys are ids
of the events and runs that started the condition, or the settings that are off, so they
stay the same however often the condition is looked at.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Consecutive failed runs that make "a run failing repeatedly".
FAILING_RUNS = 3


class Condition(enum.StrEnum):
    """What a recipient can choose to hear about."""

    NEEDS_AUTHORIZATION = "needs_authorization"
    ACTION_REQUIRED = "action_required"
    ITEMS_FAILED = "items_failed"
    RUNS_FAILING = "runs_failing"
    WEBHOOKS_FAILING = "webhooks_failing"


CONDITIONS = tuple(Condition)


@dataclass(frozen=True)
class Setting:
    """A QuickBooks company setting not as billsync needs it (from ``Connection.qbo_checks``)."""

    key: str
    title: str
    explanation: str


@dataclass(frozen=True)
class Facts:
    """A connection's state, as far as alerts care.

    Attributes:
        connection_id, name: which connection.
        state: the connection's state (``needs_authorization``, ``connected``, ``revoked``).
        lost_authorization: the last ``connection.needs_authorization`` event, (id, message).
        settings_off: the QuickBooks settings that are not as wanted.
        failed, broken: how many links are in each state.
        last_problem: the last ``link.failed``/``link.broken`` event, (id, message).
        failed_runs: how many runs failed since the last one that succeeded.
        failing_since: the first of those runs' id.
        last_error: why the last of them failed.
        webhooks_failed: the last ``webhooks.*`` event when it is a failure, (id, message).
    """

    connection_id: int
    name: str
    state: str
    lost_authorization: tuple[int, str] | None = None
    settings_off: tuple[Setting, ...] = ()
    failed: int = 0
    broken: int = 0
    last_problem: tuple[int, str] | None = None
    failed_runs: int = 0
    failing_since: int = 0
    last_error: str = ""
    webhooks_failed: tuple[int, str] | None = None


@dataclass(frozen=True)
class Alert:
    """One condition that holds, and the message that announces it.

    Attributes:
        condition: which condition.
        key: the state it holds in; a message goes out once per (connection, condition, key).
        subject: the e-mail subject, the webhook's ``subject``.
        text: what happened and what to do, in a bookkeeper's words.
        path: the panel page that fixes it, relative to the panel's base URL.
    """

    condition: Condition
    key: str
    subject: str
    text: str
    path: str


def evaluate(facts: Facts) -> list[Alert]:
    """The conditions that hold for the connection now; none for a revoked one (someone
    chose to stop it)."""
    if facts.state == "revoked":
        return []
    found = [
        _needs_authorization(facts),
        _action_required(facts),
        _items_failed(facts),
        _runs_failing(facts),
        _webhooks_failing(facts),
    ]
    return [alert for alert in found if alert is not None]


def _page(facts: Facts, tail: str = "") -> str:
    return f"/connections/{facts.connection_id}{tail}"


def _needs_authorization(facts: Facts) -> Alert | None:
    if facts.state != "needs_authorization" or facts.lost_authorization is None:
        return None
    event_id, reason = facts.lost_authorization
    return Alert(
        Condition.NEEDS_AUTHORIZATION,
        str(event_id),
        f"{facts.name}: syncing stopped, billsync needs to be connected again",
        f"billsync stopped syncing {facts.name}: {reason}. Nothing is lost: once someone with access to the "
        "account connects it again on the Bill Syncing page, syncing resumes where it stopped, without duplicates.",
        _page(facts),
    )


def _action_required(facts: Facts) -> Alert | None:
    if facts.state != "connected" or not facts.settings_off:
        return None
    titles = " and ".join(f"“{s.title}”" for s in facts.settings_off)
    why = " ".join(s.explanation for s in facts.settings_off)
    return Alert(
        Condition.ACTION_REQUIRED,
        ",".join(sorted(s.key for s in facts.settings_off)),
        f"{facts.name}: action required in QuickBooks",
        f"A QuickBooks company setting of {facts.name} is not as billsync needs it: {titles}. {why} "
        "Under Action required on the Bill Syncing page, “Change it for me” sets it, or the steps there say how.",
        _page(facts),
    )


def _items_failed(facts: Facts) -> Alert | None:
    total = facts.failed + facts.broken
    if total == 0:
        return None
    event_id, latest = facts.last_problem or (0, "")
    parts = [f"{n} {what}" for n, what in ((facts.failed, "refused"), (facts.broken, "removed in QuickBooks")) if n]
    return Alert(
        Condition.ITEMS_FAILED,
        str(event_id),
        f"{facts.name}: {total} item{'' if total == 1 else 's'} did not reach QuickBooks",
        f"{total} item{' is' if total == 1 else 's are'} of {facts.name} not in QuickBooks as in Clio "
        f"({', '.join(parts)})." + (f" The latest: {latest}." if latest else "") + " Each one says why under "
        "Problems on the Bill Syncing page; fix it there or in Clio, then press Re-sync.",
        _page(facts),
    )


def _runs_failing(facts: Facts) -> Alert | None:
    if facts.state != "connected" or facts.failed_runs < FAILING_RUNS:
        return None
    return Alert(
        Condition.RUNS_FAILING,
        str(facts.failing_since),
        f"{facts.name}: syncs keep failing",
        f"The last {facts.failed_runs} syncs of {facts.name} failed, so new bills and payments are not reaching "
        f"QuickBooks. The latest said: {facts.last_error or 'no reason given'}. The Bill Syncing page shows each run; "
        "if the reason is not yours to fix, pass this message to whoever runs billsync.",
        _page(facts),
    )


def _webhooks_failing(facts: Facts) -> Alert | None:
    if facts.state != "connected" or facts.webhooks_failed is None:
        return None
    event_id, reason = facts.webhooks_failed
    return Alert(
        Condition.WEBHOOKS_FAILING,
        str(event_id),
        f"{facts.name}: Clio stopped announcing changes",
        f"billsync could not keep Clio announcing changes of {facts.name} ({reason}). Nothing is missed: changes "
        "still reach QuickBooks at the next scheduled sync, only later than within seconds. Connecting Clio again "
        "on the Bill Syncing page usually fixes it.",
        _page(facts),
    )


def digest(facts: Facts, raised: list[Alert]) -> tuple[str, str]:
    """The daily digest's subject and text: every condition that holds, or that none does."""
    if not raised:
        return f"{facts.name}: daily summary, nothing needs you", f"Nothing about {facts.name} needs you today."
    lines = "\n".join(f"- {alert.subject.removeprefix(facts.name + ': ')}: {alert.text}" for alert in raised)
    return f"{facts.name}: daily summary, {len(raised)} thing(s) need you", lines
