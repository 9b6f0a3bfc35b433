"""Link counts kept by the database: triggers on ``link`` maintain ``link_count``.

Status shows how many links a connection has per kind and state; a GROUP BY over a
million links on every call is too slow, so the counts are stored and kept exact by
triggers rather than by application code, because links are written by many paths
(batched upserts, ``mark_broken``'s raw updates, purge's bulk delete, a cascade from a
deleted connection) and a count that one of them forgets is wrong for good.

SQLite has row triggers only. PostgreSQL uses statement triggers with transition tables,
so a 500-row upsert or a million-row purge changes each count row once, in a fixed
order (fewer lock waits between writers of one connection). Decrements only update
existing rows: on a cascade from a deleted connection, the count rows may be gone first.
"""

from __future__ import annotations

import peewee

from billsync.daemon.store.models import KINDS, Connection, LinkCount

SQLITE_TRIGGERS = (
    """CREATE TRIGGER link_count_insert AFTER INSERT ON link BEGIN
         INSERT INTO link_count (connection_id, kind, state, "count") VALUES (NEW.connection_id, NEW.kind, NEW.state, 1)
         ON CONFLICT (connection_id, kind, state) DO UPDATE SET "count" = "count" + 1;
       END""",
    """CREATE TRIGGER link_count_delete AFTER DELETE ON link BEGIN
         UPDATE link_count SET "count" = "count" - 1
         WHERE connection_id = OLD.connection_id AND kind = OLD.kind AND state = OLD.state;
       END""",
    """CREATE TRIGGER link_count_update AFTER UPDATE OF connection_id, kind, state ON link
       WHEN OLD.connection_id IS NOT NEW.connection_id OR OLD.kind IS NOT NEW.kind OR OLD.state IS NOT NEW.state BEGIN
         UPDATE link_count SET "count" = "count" - 1
         WHERE connection_id = OLD.connection_id AND kind = OLD.kind AND state = OLD.state;
         INSERT INTO link_count (connection_id, kind, state, "count") VALUES (NEW.connection_id, NEW.kind, NEW.state, 1)
         ON CONFLICT (connection_id, kind, state) DO UPDATE SET "count" = "count" + 1;
       END""",
)

#: Adds signed deltas (connection_id, kind, state, n) to the counts, creating rows as needed.
_PG_ADD = """INSERT INTO link_count (connection_id, kind, state, "count")
             SELECT connection_id, kind, state, n FROM ({deltas}) d WHERE n <> 0 ORDER BY 1, 2, 3
             ON CONFLICT (connection_id, kind, state) DO UPDATE SET "count" = link_count."count" + EXCLUDED."count";"""
_PG_GROUPED = "SELECT connection_id, kind, state, {sign}count(*) AS n FROM {table} GROUP BY 1, 2, 3"

PG_FUNCTIONS = {
    "insert": _PG_ADD.format(deltas=_PG_GROUPED.format(sign="", table="new_links")),
    "update": _PG_ADD.format(
        deltas=(
            "SELECT connection_id, kind, state, sum(n) AS n FROM ("
            + _PG_GROUPED.format(sign="-", table="old_links")
            + " UNION ALL "
            + _PG_GROUPED.format(sign="", table="new_links")
            + ") u GROUP BY 1, 2, 3"
        )
    ),
    "delete": """UPDATE link_count c SET "count" = c."count" - d.n FROM ({deltas}) d
                 WHERE c.connection_id = d.connection_id AND c.kind = d.kind AND c.state = d.state;""".format(
        deltas=_PG_GROUPED.format(sign="", table="old_links")
    ),
}
PG_TRANSITIONS = {
    "insert": "NEW TABLE AS new_links",
    "update": "OLD TABLE AS old_links NEW TABLE AS new_links",
    "delete": "OLD TABLE AS old_links",
}


def _postgres_statements() -> list[str]:
    statements = []
    for event, body in PG_FUNCTIONS.items():
        statements.append(
            f"CREATE FUNCTION link_count_{event}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\nRETURN NULL;\nEND $$"
        )
        statements.append(
            f"CREATE TRIGGER link_count_{event} AFTER {event.upper()} ON link "
            f"REFERENCING {PG_TRANSITIONS[event]} FOR EACH STATEMENT EXECUTE FUNCTION link_count_{event}()"
        )
    return statements


def install(db: peewee.Database) -> None:
    """Creates the triggers, then counts the existing links (run inside the migration's
    transaction: on PostgreSQL creating the triggers locks out writers until it commits,
    so no link is written between the count and the triggers taking over).

    Migration 2 runs it, so this SQL is part of that step: changing the triggers takes a
    new step with its own SQL, never an edit of this one."""
    statements = _postgres_statements() if isinstance(db, peewee.PostgresqlDatabase) else SQLITE_TRIGGERS
    for sql in statements:
        db.execute_sql(sql)
    db.execute_sql('DELETE FROM link_count')
    db.execute_sql(
        'INSERT INTO link_count (connection_id, kind, state, "count") '
        'SELECT connection_id, kind, state, count(*) FROM link GROUP BY connection_id, kind, state'
    )


def in_kind_order(rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(rows, key=lambda r: (order[r[0]], r[1]))


def stored(connection: Connection) -> list[tuple[str, str, int]]:
    """(kind, state, count) of the connection's links, from the maintained counts."""
    query = LinkCount.select(LinkCount.kind, LinkCount.state, LinkCount.count).where(
        LinkCount.connection == connection, LinkCount.count > 0
    )
    return in_kind_order(list(query.tuples()))
