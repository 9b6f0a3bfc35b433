"""The Clio records a cycle read, kept on disk until it plans them.

An initial sync reads a whole firm: at 100,000 bills, some 500,000 records, over a GiB as
Python objects. A cycle keeps what it reads here instead, in an SQLite file of its own in the
daemon's spill folder (``Config.spill_dir``, under ``BILLSYNC_DATA_DIR``), and takes out a
chunk at a time to plan and write (``sync.engine``): its memory follows the chunk, not the
firm. Nothing is read from Clio twice. Records are pickled, as parsed (amounts are
``Decimal``), and only ever read back by the cycle that wrote them.

The file is deleted when the cycle ends. While it is open, its cycle holds an exclusive
``flock`` on it, which the system drops when the process dies however it dies: :func:`sweep`,
run at the daemon's start, deletes the files nobody holds, a killed daemon's, and leaves
those of another daemon sharing the folder. (SQLite refuses to write to a database file
deleted while open, so a file cannot simply be unlinked at once.)
"""

from __future__ import annotations

import array
import fcntl
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from billsync.daemon.clio.reader import Record

#: Ids per statement: below SQLite's smallest limit on bound parameters (999).
IDS_PER_STATEMENT = 500
#: Pages of the database SQLite keeps in memory, in KiB (a negative cache_size).
CACHE_KIB = 2048
#: How the files are named in the spill folder.
PREFIX, SUFFIX = "cycle-", ".sqlite"


class Spill:
    """Records by resource and id, the newest read of each; a line item filed under its bill.

    Used by one cycle, a step at a time (from whichever thread steps it)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            self._held, name = tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX, dir=folder)
            fcntl.flock(self._held, fcntl.LOCK_EX)
            if _still_named(self._held, name):
                break
            os.close(self._held)  # another daemon's sweep took it before the lock: make another
        self.path = Path(name)
        self._db = sqlite3.connect(name, check_same_thread=False)
        for pragma in (f"cache_size = -{CACHE_KIB}", "synchronous = OFF", "journal_mode = OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE record (resource TEXT, id INTEGER, bill INTEGER, body BLOB, PRIMARY KEY (resource, id))"
        )
        self._db.execute("CREATE INDEX record_bill ON record (bill) WHERE bill IS NOT NULL")

    def close(self) -> None:
        """Closes and deletes the file."""
        self._db.close()
        self.path.unlink(missing_ok=True)
        os.close(self._held)

    def add(self, resource: str, records: Iterable[Record]) -> None:
        """Keeps ``records`` of ``resource``, each in place of one of the same id kept before."""
        rows = ((resource, r["id"], _bill_of(resource, r), _dump(r)) for r in records)
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO record VALUES (?, ?, ?, ?)", rows)

    def ids(self, resource: str) -> array.array[int]:
        """The ids of every record of ``resource`` kept, in order (8 bytes each: the bills
        of a firm of 100,000 would take 3.6 MB as a list)."""
        query = "SELECT id FROM record WHERE resource = ? ORDER BY id"
        return array.array("q", (i for (i,) in self._db.execute(query, (resource,))))

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


def sweep(folder: Path) -> list[Path]:
    """Deletes the files in ``folder`` that no open :class:`Spill` holds; returns them."""
    swept = []
    for path in folder.glob(f"{PREFIX}*{SUFFIX}"):
        try:
            handle = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # its cycle ended meanwhile
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live cycle's
        else:
            path.unlink(missing_ok=True)
            swept.append(path)
        finally:
            os.close(handle)
    return swept


def _still_named(handle: int, name: str) -> bool:
    try:
        return os.path.samestat(os.fstat(handle), os.stat(name))
    except FileNotFoundError:
        return False


def _dump(record: Record) -> bytes:
    return pickle.dumps(record, pickle.HIGHEST_PROTOCOL)


def _load(body: bytes) -> Record:
    return pickle.loads(body)


def _bill_of(resource: str, record: Record) -> int | None:
    return (record.get("bill") or {}).get("id") if resource == "line_items" else None
