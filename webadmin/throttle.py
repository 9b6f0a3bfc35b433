"""The standalone login's throttle: failed logins make the next attempt wait, per user name
and per address, longer with each failure past a few, up to a cap. A wait, never a lock:
behind a proxy that every client shares, a stranger's bad passwords cannot shut a user out
for good, and a correct password after the wait gets in.

The counts live in a small SQLite file in the panel's data folder, so several ``billsync
web`` processes behind one proxy share them; each change is one ``BEGIN IMMEDIATE``
transaction, which SQLite serialises between processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from billsync.locations import private_file

THROTTLE_FILE = "web-throttle.db"
#: A name or address that has not failed for this long starts again from no failures.
FORGET_AFTER = 24 * 3600.0
SCHEMA = "CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, last REAL NOT NULL)"


def delay(failures: int, free: int, cap: float) -> float:
    """Seconds the next attempt waits after ``failures`` failures in a row: none for the
    first ``free``, then 1, 2, 4, 8… up to ``cap``."""
    if failures < free:
        return 0.0
    return float(min(cap, 2 ** min(failures - free, 62)))


@dataclass(frozen=True)
class LoginThrottle:
    """Failure counts by key (``user:<name>``, ``address:<ip>``) in ``path``; every method
    takes the time (seconds since the epoch) so tests move it without sleeping."""

    path: Path
    free_failures: int
    max_delay: float

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(private_file(self.path), timeout=30, isolation_level=None)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(SCHEMA)
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _counts(self, db: sqlite3.Connection, keys: list[str], now: float) -> dict[str, tuple[int, float]]:
        marks = ",".join("?" * len(keys))
        rows = db.execute(f"SELECT key, count, last FROM failures WHERE key IN ({marks})", keys)
        return {key: (count, last) for key, count, last in rows if now - last < FORGET_AFTER}

    def wait(self, keys: Iterable[str], now: float) -> float:
        """Seconds until every key may try again; 0 when they may now."""
        with self._transaction() as db:
            counts = self._counts(db, list(keys), now)
        waits = [last + delay(count, self.free_failures, self.max_delay) - now for count, last in counts.values()]
        return max([0.0, *waits])

    def failed(self, keys: Iterable[str], now: float) -> None:
        """One more failure for each key; the keys forgotten by now are dropped."""
        keys = list(keys)
        with self._transaction() as db:
            counts = self._counts(db, keys, now)
            db.execute("DELETE FROM failures WHERE last <= ?", (now - FORGET_AFTER,))
            db.executemany(
                "INSERT OR REPLACE INTO failures (key, count, last) VALUES (?, ?, ?)",
                [(key, counts.get(key, (0, 0.0))[0] + 1, now) for key in keys],
            )

    def succeeded(self, keys: Iterable[str]) -> None:
        """A login got in: its name and its address start again from no failures (behind
        a proxy not trusted, the address is everyone's, and others' typos must not pile up)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(key,) for key in keys])
