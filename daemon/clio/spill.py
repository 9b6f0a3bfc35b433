"""The Clio records a cycle read, kept on disk until it plans them.

An initial sync reads a whole firm: at 100,000 bills, some 500,000 records, over a GiB as
Python objects. A cycle keeps what it reads here instead, in a private temporary SQLite
database (``sqlite3.connect("")``: "a private, temporary on-disk database ... automatically
deleted as soon as the database connection is closed", https://www.sqlite.org/inmemorydb.html),
and takes out a chunk at a time to plan and write (``sync.engine``): its memory follows the
chunk, not the firm. Nothing is read from Clio twice. Records are pickled, as parsed (amounts
are ``Decimal``), and only ever read back by the cycle that wrote them.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Iterator

from billsync.daemon.clio.reader import Record

#: Ids per statement: below SQLite's smallest limit on bound parameters (999).
IDS_PER_STATEMENT = 500
#: Pages of the temporary database SQLite keeps in memory, in KiB (a negative cache_size).
CACHE_KIB = 2048


class Spill:
    """Records by resource and id, the newest read of each; a line item filed under its bill.

    Used by one cycle, a step at a time (from whichever thread steps it)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False)
        for pragma in (f"cache_size = -{CACHE_KIB}", "synchronous = OFF", "journal_mode = OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE record (resource TEXT, id INTEGER, bill INTEGER, body BLOB, PRIMARY KEY (resource, id))"
        )
        self._db.execute("CREATE INDEX record_bill ON record (bill) WHERE bill IS NOT NULL")

    def close(self) -> None:
        self._db.close()

    def add(self, resource: str, records: Iterable[Record]) -> None:
        """Keeps ``records`` of ``resource``, each in place of one of the same id kept before."""
        rows = ((resource, r["id"], _bill_of(resource, r), _dump(r)) for r in records)
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO record VALUES (?, ?, ?, ?)", rows)

    def ids(self, resource: str) -> list[int]:
        """The ids of every record of ``resource`` kept, in order."""
        return [i for (i,) in self._db.execute("SELECT id FROM record WHERE resource = ? ORDER BY id", (resource,))]

    def bill_ids_of_lines(self) -> set[int]:
        """The bills of the line items kept."""
        return {i for (i,) in self._db.execute("SELECT DISTINCT bill FROM record WHERE bill IS NOT NULL")}

    def missing(self, resource: str, ids: Iterable[str | int]) -> set[int]:
        """Those of ``ids`` of which no record of ``resource`` is kept."""
        wanted = {int(i) for i in ids}
        query = "SELECT id FROM record WHERE resource = ? AND id IN ({})"
        return wanted - {i for (i,) in self._among(query, wanted, resource)}

    def get(self, resource: str, ids: Iterable[int]) -> dict[int, Record]:
        """The records of ``resource`` kept among ``ids``, by id, in order."""
        query = "SELECT id, body FROM record WHERE resource = ? AND id IN ({}) ORDER BY id"
        return {i: _load(body) for i, body in self._among(query, ids, resource)}

    def each(self, resource: str) -> Iterator[Record]:
        """Every record of ``resource`` kept, in order of id, read as iterated."""
        query = "SELECT body FROM record WHERE resource = ? ORDER BY id"
        for (body,) in self._db.execute(query, (resource,)):
            yield _load(body)

    def lines_of(self, bill_ids: Iterable[int]) -> dict[int, list[Record]]:
        """The line items kept of each of ``bill_ids`` that has any, in order of id."""
        grouped: dict[int, list[Record]] = {}
        for bill, body in self._among("SELECT bill, body FROM record WHERE bill IN ({}) ORDER BY id", bill_ids):
            grouped.setdefault(bill, []).append(_load(body))
        return grouped

    def _among(self, query: str, ids: Iterable[int], *params: object) -> Iterator[tuple]:
        """The rows of ``query`` (after ``params``, its ``{}`` the list of ids) for all of
        ``ids``, in order of id: one statement per :data:`IDS_PER_STATEMENT` of them."""
        ordered = sorted(ids)
        for i in range(0, len(ordered), IDS_PER_STATEMENT):
            chunk = ordered[i : i + IDS_PER_STATEMENT]
            yield from self._db.execute(query.format(", ".join("?" * len(chunk))), (*params, *chunk))


def _dump(record: Record) -> bytes:
    return pickle.dumps(record, pickle.HIGHEST_PROTOCOL)


def _load(body: bytes) -> Record:
    return pickle.loads(body)


def _bill_of(resource: str, record: Record) -> int | None:
    return (record.get("bill") or {}).get("id") if resource == "line_items" else None
