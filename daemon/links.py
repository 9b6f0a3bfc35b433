"""Reading and writing link rows: the only proof that a record reached QBO.

A create is announced here as ``pending`` (with its idempotency key) and committed
*before* the request leaves, and its outcome recorded after; no transaction is ever held
open across a call to QBO.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from daemon import events
from daemon.db import database
from daemon.models import Connection, Link, utcnow
from daemon.planner import Op

CHUNK = 500


def load(connection: Connection, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
    """The links of these Clio records, by Clio id."""
    ids = sorted(set(map(str, clio_ids)))
    found: dict[str, Link] = {}
    for i in range(0, len(ids), CHUNK):
        query = Link.select().where(Link.connection == connection, Link.kind == kind, Link.clio_id.in_(ids[i : i + CHUNK]))
        found.update({link.clio_id: link for link in query})
    return found


def qbo_ids(connection: Connection, kind: str, clio_ids: Iterable[str]) -> dict[str, str]:
    """QBO ids of the synced links among these Clio records."""
    return {k: link.qbo_id for k, link in load(connection, kind, clio_ids).items() if link.state == "synced" and link.qbo_id}


def linked_qbo_ids(connection: Connection, kind: str, qbo_ids_: Iterable[str]) -> set[str]:
    """Which of these QBO ids some link already claims."""
    ids = sorted(set(qbo_ids_))
    found: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        query = Link.select(Link.qbo_id).where(Link.connection == connection, Link.kind == kind, Link.qbo_id.in_(ids[i : i + CHUNK]))
        found.update(link.qbo_id for link in query)
    return found


def first_in_states(connection: Connection, states: Iterable[str], limit: int) -> list[Link]:
    """The first ``limit`` links by id in any of ``states``.

    One query per state, each a range scan of (connection, state, id) that stops after
    ``limit`` rows, merged here: a single ``state IN (...) ORDER BY id`` cannot be read
    in id order from that index, so the database would sort every match (100,000
    failed links) to return 20.
    """
    rows: list[Link] = []
    for state in states:
        rows.extend(Link.select().where(Link.connection == connection, Link.state == state).order_by(Link.id).limit(limit))
    return sorted(rows, key=lambda link: link.id)[:limit]


def _upsert(connection: Connection, rows: list[dict]) -> None:
    """Inserts or updates rows by (connection, kind, clio_id), touching only the fields
    each row names: rows are grouped by their field sets so none overwrites another column."""
    now = utcnow()
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        row = {**row, "connection": connection.id, "updated_at": now}
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for fields, group in groups.items():
        preserve = [getattr(Link, f) for f in fields if f not in ("connection", "kind", "clio_id")]
        for i in range(0, len(group), CHUNK):
            Link.insert_many(group[i : i + CHUNK]).on_conflict(
                conflict_target=[Link.connection, Link.kind, Link.clio_id], preserve=preserve
            ).execute()


def mark_pending(connection: Connection, ops: list[Op], existing: dict[str, Link]) -> dict[str, str]:
    """Announces creates before they are sent; returns each op's idempotency key.

    A key already on a pending link is kept: the same create retried must carry the
    same key, so that QBO can answer it with the object it already made.
    """
    keys = {}
    rows = []
    for op in ops:
        link = existing.get(op.clio_id)
        key = link.idempotency_key if link is not None and link.state == "pending" and link.idempotency_key else uuid.uuid4().hex
        keys[op.clio_id] = key
        rows.append({"kind": op.kind, "clio_id": op.clio_id, "state": "pending", "label": op.label, "idempotency_key": key, "qbo_ref": op.natural_ref,
                     "reason": "", "error_code": "", "depends_on": None, "qbo_id": None, "sync_token": None,
                     "attempts": (link.attempts if link else 0) + 1})
    with database.atomic():
        _upsert(connection, rows)
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
        _upsert(connection, rows)
        for op, fields in outcomes:
            state = fields.get("state")
            if state in ("failed", "broken") and before.get((op.kind, op.clio_id)) != state:
                link_id = Link.get(Link.connection == connection, Link.kind == op.kind, Link.clio_id == op.clio_id).id
                events.record(connection, f"link.{state}", f"{op.label}: {fields.get('reason', '')}", link_id=link_id)


def synced(op: Op, qbo_id: str, sync_token: str, reason: str = "") -> dict:
    return {"state": "synced", "qbo_id": qbo_id, "sync_token": sync_token, "fingerprint": op.fingerprint, "qbo_ref": op.natural_ref,
            "reason": reason, "error_code": "", "depends_on": op.depends_on or None, "idempotency_key": None}


def failed(reason: str, code: str = "") -> dict:
    return {"state": "failed", "reason": reason, "error_code": code, "depends_on": None}


def waiting(reason: str, depends_on: str) -> dict:
    return {"state": "waiting", "reason": reason, "depends_on": depends_on, "error_code": ""}


def skipped(reason: str) -> dict:
    return {"state": "skipped", "reason": reason, "depends_on": None, "error_code": ""}
