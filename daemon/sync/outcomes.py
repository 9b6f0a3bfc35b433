"""What became of each planned op, kept on its link.

A create is announced here as ``pending`` (with its idempotency key) and committed
*before* the request leaves, and its outcome recorded after; no transaction is ever held
open across a call to QBO.
"""

from __future__ import annotations

import uuid

from billsync.daemon.store import events
from billsync.daemon.store.db import database
from billsync.daemon.store.links import load, upsert
from billsync.daemon.store.models import Connection, Link
from billsync.daemon.sync.planner import Op


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
            if link is not None and link.state == "pending" and link.idempotency_key
            else uuid.uuid4().hex
        )
        keys[op.clio_id] = key
        rows.append(
            {
                "kind": op.kind,
                "clio_id": op.clio_id,
                "state": "pending",
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


def record(connection: Connection, outcomes: list[tuple[Op, dict]]) -> None:
    """Stores the outcome of each op (its new link fields) in one transaction, with events
    for every change of state a person would ask about later."""
    if not outcomes:
        return
    before: dict[tuple[str, str], str] = {}
    by_kind: dict[str, list[str]] = {}
    for op, _ in outcomes:
        by_kind.setdefault(op.kind, []).append(op.clio_id)
    for kind, ids in by_kind.items():
        before.update({(kind, k): link.state for k, link in load(connection, kind, ids).items()})
    rows = []
    for op, fields in outcomes:
        rows.append({"kind": op.kind, "clio_id": op.clio_id, "label": op.label, **fields})
    with database.atomic():
        upsert(connection, rows)
        for op, fields in outcomes:
            state = fields.get("state")
            if state in ("failed", "broken") and before.get((op.kind, op.clio_id)) != state:
                link_id = Link.get(Link.connection == connection, Link.kind == op.kind, Link.clio_id == op.clio_id).id
                events.record(connection, f"link.{state}", f"{op.label}: {fields.get('reason', '')}", link_id=link_id)


def synced(op: Op, qbo_id: str, sync_token: str, reason: str = "") -> dict:
    return {
        "state": "synced",
        "qbo_id": qbo_id,
        "sync_token": sync_token,
        "fingerprint": op.fingerprint,
        "qbo_ref": op.natural_ref,
        "reason": reason,
        "error_code": "",
        "depends_on": op.depends_on or None,
        "idempotency_key": None,
    }


def failed(reason: str, code: str = "") -> dict:
    return {"state": "failed", "reason": reason, "error_code": code, "depends_on": None}


def waiting(reason: str, depends_on: str) -> dict:
    return {"state": "waiting", "reason": reason, "depends_on": depends_on, "error_code": ""}


def skipped(reason: str) -> dict:
    return {"state": "skipped", "reason": reason, "depends_on": None, "error_code": ""}
