"""Reading and writing link rows: the only proof that a record reached QBO."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass

import peewee
from peewee import fn

from billsync.daemon.store.leases import fenced
from billsync.daemon.store.models import Connection, Link, LinkState, utcnow

CHUNK = 500
#: The states a person must act on: Status lists them, and ``failing_since`` dates them.
PROBLEM_STATES = (LinkState.FAILED, LinkState.BROKEN)


@dataclass(frozen=True)
class DependencyKey:
    """What a waiting link waits for: another link, by kind and Clio id (or, for an
    invoice held back, the QBO settings).

    ``Link.depends_on`` stores it as ``"kind:id"``; this class alone writes and reads
    that spelling, which the ``(connection, depends_on)`` index looks up.
    """

    kind: str
    clio_id: str

    def to_column(self) -> str:
        return f"{self.kind}:{self.clio_id}"

    @classmethod
    def from_column(cls, value: str) -> DependencyKey:
        kind, _, clio_id = value.partition(":")
        return cls(kind, clio_id)


def load(connection: Connection, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
    """The links of these Clio records, by Clio id."""
    ids = sorted(set(map(str, clio_ids)))
    found: dict[str, Link] = {}
    for i in range(0, len(ids), CHUNK):
        query = Link.select().where(
            Link.connection == connection, Link.kind == kind, Link.clio_id.in_(ids[i : i + CHUNK])
        )
        found.update({link.clio_id: link for link in query})
    return found


def synced(connection: Connection, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
    """The synced links among these Clio records, by Clio id."""
    links = load(connection, kind, clio_ids)
    return {k: link for k, link in links.items() if link.state == LinkState.SYNCED and link.qbo_id}


def qbo_ids(connection: Connection, kind: str, clio_ids: Iterable[str]) -> dict[str, str]:
    """QBO ids of the synced links among these Clio records."""
    return {k: link.qbo_id for k, link in synced(connection, kind, clio_ids).items()}


def failed_with(connection: Connection, error_code: str) -> dict[str, set[str]]:
    """The Clio ids of the connection's links failed with ``error_code``, by kind."""
    found: dict[str, set[str]] = {}
    query = Link.select(Link.kind, Link.clio_id).where(
        Link.connection == connection, Link.state == LinkState.FAILED, Link.error_code == error_code
    )
    for kind, clio_id in query.tuples():
        found.setdefault(kind, set()).add(clio_id)
    return found


def linked_qbo_ids(connection: Connection, kind: str, qbo_ids_: Iterable[str]) -> set[str]:
    """Which of these QBO ids some link already claims."""
    ids = sorted(set(qbo_ids_))
    found: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        query = Link.select(Link.qbo_id).where(
            Link.connection == connection, Link.kind == kind, Link.qbo_id.in_(ids[i : i + CHUNK])
        )
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
        rows.extend(
            Link.select().where(Link.connection == connection, Link.state == state).order_by(Link.id).limit(limit)
        )
    return sorted(rows, key=lambda link: link.id)[:limit]


def matching(query: peewee.ModelSelect, text: str) -> peewee.ModelSelect:
    """Narrows a selection of links to those a person finds by ``text``: every word in the
    label ("Invoice 1043 (Amy's Bird Sanctuary)": bill number, client), ignoring case, or
    the Clio id itself. A typed ``%`` or ``_`` widens the match, never narrows it."""
    words = text.split()
    if not words:
        return query
    in_label = functools.reduce(operator.and_, (Link.label.contains(w) for w in words))
    return query.where(in_label | (Link.clio_id == text.strip()))


def upsert(connection: Connection, rows: list[dict]) -> None:
    """Inserts or updates rows by (connection, kind, clio_id), touching only the fields
    each row names: rows are grouped by their field sets so none overwrites another column.

    A row that names ``state`` also sets ``failing_since`` (see ``_failing_since``).

    Only under the lease ``connection`` was claimed with (see ``leases.fenced``): raises
    ``LeaseLost``, writing nothing, once another daemon took the connection over. Checked
    even with no rows, so that a writer announcing nothing before a batch still learns it.
    """
    now = utcnow()
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        row = {**row, "connection": connection.id, "updated_at": now}
        if "state" in row:
            row["failing_since"] = now if row["state"] in PROBLEM_STATES else None
        groups.setdefault(tuple(sorted(row)), []).append(row)
    with fenced(connection):
        for fields, group in groups.items():
            preserve = [getattr(Link, f) for f in fields if f not in ("connection", "kind", "clio_id", "failing_since")]
            update = {Link.failing_since: _failing_since()} if "failing_since" in fields else None
            for i in range(0, len(group), CHUNK):
                Link.insert_many(group[i : i + CHUNK]).on_conflict(
                    conflict_target=[Link.connection, Link.kind, Link.clio_id], preserve=preserve, update=update
                ).execute()


def _failing_since() -> peewee.Node:
    """What an upsert's conflict writes to ``failing_since``: the time the link's unbroken run
    of problems began. A link failed or broken again keeps the time stored (a new problem
    inserts it as now), one sent again (pending) keeps it too, since a retry that fails
    goes on failing, and any other state ends the run (NULL)."""
    stays = peewee.EXCLUDED.state.in_([*PROBLEM_STATES, LinkState.PENDING])
    return peewee.Case(None, [(stays, fn.COALESCE(Link.failing_since, peewee.EXCLUDED.failing_since))], None)
