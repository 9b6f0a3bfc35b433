"""What became of each planned op, kept on its link.

A create is announced here as ``pending`` (with its idempotency key) and committed
*before* the request leaves, and its outcome recorded after; no transaction is ever held
open across a call to QBO.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import uuid
from dataclasses import KW_ONLY, dataclass
from typing import Any

from billsync.daemon.observe import context
from billsync.daemon.observe.logs import concerning
from billsync.daemon.store import events
from billsync.daemon.store.db import database
from billsync.daemon.store.leases import fenced
from billsync.daemon.store.links import DependencyKey, load, upsert
from billsync.daemon.store.models import Connection, Link, LinkState
from billsync.daemon.sync import totals
from billsync.daemon.sync.decisions import Action, Op

log = logging.getLogger(__name__)


class Keep(enum.Enum):
    """A link column an outcome leaves as it is (``None`` would clear it)."""

    KEEP = enum.auto()


KEEP = Keep.KEEP


@dataclass(frozen=True)
class Outcome:
    """The link's new state, why, and the other columns the op changed.

    Columns left at ``KEEP`` are not written: a retired or broken link keeps what it
    waits for, and only an op that reached QBO sets the object's id and token.
    """

    state: LinkState
    reason: str = ""
    error_code: str = ""
    _: KW_ONLY
    depends_on: DependencyKey | None | Keep = KEEP
    qbo_id: str | Keep = KEEP
    sync_token: str | Keep = KEEP
    fingerprint: str | None | Keep = KEEP
    qbo_ref: str | None | Keep = KEEP
    #: A customer's currency in QBO (contacts; None: the home one, or not said).
    currency: str | None | Keep = KEEP

    def fields(self) -> dict[str, Any]:
        """The link columns to write. A link that has its QBO object no longer needs the
        idempotency key of its create."""
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row = {name: value for name, value in row.items() if value is not KEEP}
        if isinstance(self.depends_on, DependencyKey):
            row["depends_on"] = self.depends_on.to_column()
        if self.qbo_id is not KEEP:
            row["idempotency_key"] = None
        return row


def synced(op: Op, qbo_id: str, sync_token: str, reason: str = "", *, currency: str | None | Keep = KEEP) -> Outcome:
    """Written or linked; ``currency``: the customer's, as QuickBooks answered it (contacts)."""
    return Outcome(
        LinkState.SYNCED,
        reason,
        depends_on=op.depends_on,
        qbo_id=qbo_id,
        sync_token=sync_token,
        fingerprint=op.fingerprint,
        qbo_ref=op.natural_ref,
        currency=currency,
    )


def mismatched(
    op: Op, qbo_id: str, sync_token: str, reason: str, code: str = totals.MISMATCH, **columns: Any
) -> Outcome:
    """Written, but QuickBooks shows other amounts (or, ``code`` ``currency``, another
    currency) than Clio: failed, keeping the object, so that what follows updates it instead
    of creating another."""
    return Outcome(
        LinkState.FAILED,
        reason,
        code,
        depends_on=None,
        qbo_id=qbo_id,
        sync_token=sync_token,
        fingerprint=op.fingerprint,
        qbo_ref=op.natural_ref,
        **columns,
    )


def failed(reason: str, code: str = "") -> Outcome:
    return Outcome(LinkState.FAILED, reason, code, depends_on=None)


def waiting(reason: str, depends_on: DependencyKey) -> Outcome:
    return Outcome(LinkState.WAITING, reason, depends_on=depends_on)


def skipped(reason: str) -> Outcome:
    return Outcome(LinkState.SKIPPED, reason, depends_on=None)


def planned(op: Op) -> Outcome:
    """The outcome of an op that needs no request to QBO: adopt, skip, wait or fail."""
    match op.action:
        case Action.ADOPT:  # a customer adopted is in its contact's currency (``planner.plan_contact``)
            return synced(op, op.qbo_id, op.sync_token, op.reason, currency=op.currency or KEEP)
        case Action.SKIP:
            return skipped(op.reason)
        case Action.WAIT:
            return waiting(op.reason, op.depends_on)
        case Action.FAIL:
            return failed(op.reason, op.error_code)
    raise ValueError(f"a {op.action} op needs a request to QBO")


def mark_pending(connection: Connection, ops: list[Op], existing: dict[str, Link]) -> dict[str, str]:
    """Announces creates before they are sent; returns each op's idempotency key.

    A key already on a pending link is kept: the same create retried must carry the
    same key, so that QBO can answer it with the object it already made.
    """
    keys = {}
    rows = []
    for op in ops:
        link = existing.get(op.clio_id)
        key = (
            link.idempotency_key
            if link is not None and link.state == LinkState.PENDING and link.idempotency_key
            else uuid.uuid4().hex
        )
        keys[op.clio_id] = key
        rows.append(
            {
                "kind": op.kind,
                "clio_id": op.clio_id,
                "state": LinkState.PENDING,
                "label": op.label,
                "idempotency_key": key,
                "qbo_ref": op.natural_ref,
                "reason": "",
                "error_code": "",
                "depends_on": None,
                "qbo_id": None,
                "sync_token": None,
                "attempts": (link.attempts if link else 0) + 1,
            }
        )
    with database.atomic():
        upsert(connection, rows)
    return keys


def forget_keys(connection: Connection, ops: list[Op]) -> None:
    """Drops the idempotency keys of pending creates that a batch answer left out.

    A kept key makes a create sent again carry the same requestid, so that QBO answers a
    batch that landed unseen with what it made. This batch was answered, without these
    creates, and its requestid would be answered alike, so the next announcement draws a
    new key, after ``recovery`` has looked for the objects by their markers.
    """
    by_kind: dict[str, list[str]] = {}
    for op in ops:
        by_kind.setdefault(op.kind, []).append(op.clio_id)
    with fenced(connection):
        for kind, ids in by_kind.items():
            Link.update(idempotency_key=None).where(
                Link.connection == connection, Link.kind == kind, Link.clio_id.in_(ids), Link.state == LinkState.PENDING
            ).execute()


def record(connection: Connection, results: list[tuple[Op, Outcome]]) -> None:
    """Stores the outcome of each op on its link in one transaction, with events for
    every change of state a person would ask about later."""
    if not results:
        return
    before: dict[tuple[str, str], str] = {}
    by_kind: dict[str, list[str]] = {}
    for op, _ in results:
        by_kind.setdefault(op.kind, []).append(op.clio_id)
    for kind, ids in by_kind.items():
        before.update({(kind, k): link.state for k, link in load(connection, kind, ids).items()})
    rows = [{"kind": op.kind, "clio_id": op.clio_id, "label": op.label, **outcome.fields()} for op, outcome in results]
    with database.atomic():
        upsert(connection, rows)
        for op, outcome in results:
            state = outcome.state
            if state in (LinkState.FAILED, LinkState.BROKEN) and before.get((op.kind, op.clio_id)) != state:
                link_id = Link.get(Link.connection == connection, Link.kind == op.kind, Link.clio_id == op.clio_id).id
                events.record(connection, f"link.{state}", f"{op.label}: {outcome.reason}", link_id=link_id)
    for op, outcome in results:  # a line per item: its ids, and QBO's intuit_tid when QBO answered for it
        answered = isinstance(outcome.qbo_id, str) or outcome.error_code
        fields = concerning(
            kind=op.kind,
            clio_id=op.clio_id,
            state=outcome.state,
            qbo_id=outcome.qbo_id if isinstance(outcome.qbo_id, str) else op.qbo_id,
            code=outcome.error_code,
            intuit_tid=context.intuit_tid.get() if answered else "",
        )
        log.info("%s %s %s", op.kind, op.clio_id, outcome.state, extra=fields)
