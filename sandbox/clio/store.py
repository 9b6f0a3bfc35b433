"""The emulator's in-memory database: Clio records by type, indexed for the API's queries.

Records are plain dicts in Clio's own field names, with references to other records kept
as Clio's nested shape (``bill["client"] == {"id": 7}``) and resolved when serialized, so
renaming a contact is seen by every bill that points at it. Money is ``Decimal``,
timestamps are timezone-aware ``datetime`` truncated to the second (Clio shows seconds,
and a client's ``updated_since`` watermark should compare with exactly what it was shown).

Three indexes keep a request O(page) rather than O(firm) at 100,000 bills: ids in sorted
order (cursor paging), ``(updated_at, id)`` in sorted order (``updated_since`` on an idle
cycle finds nothing in O(log n)), and reverse references (a bill's line items and
allocations, a credit memo's allocations).
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping

Record = dict[str, Any]
Listener = Callable[[str, str, Record], None]

#: Collections and the reference fields each is indexed by.
REFERENCES: dict[str, tuple[str, ...]] = {
    "contacts": (),
    "bills": ("client",),
    "line_items": ("bill",),
    "payments": ("contact",),
    "allocations": ("bill", "parent", "contact"),
    "credit_memos": ("contact",),
    "bank_accounts": (),
    "bank_transactions": ("bank_account", "client", "matter"),
    "webhooks": (),
}


def utcnow() -> datetime:
    """Now, to the second, in UTC: the resolution Clio's timestamps have."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def ref_key(ref: dict[str, Any]) -> Hashable:
    """Index key of a nested reference; polymorphic ones (``parent``) include their type."""
    return (ref["type"], ref["id"]) if "type" in ref else ref["id"]


class Collection:
    """All records of one type, with the indexes the list endpoints need."""

    def __init__(self, name: str, references: tuple[str, ...]) -> None:
        self.name = name
        self.records: dict[int, Record] = {}
        self.ids: list[int] = []
        self.by_updated: list[tuple[float, int]] = []
        self.references = references
        # What each record was indexed under: callers change records in place, so the old
        # values cannot be read back from the record when it is saved again.
        self._indexed: dict[int, tuple[float, dict[str, Hashable]]] = {}
        self._referrers: dict[str, defaultdict[Hashable, set[int]]] = {field: defaultdict(set) for field in references}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, record_id: int) -> Record | None:
        return self.records.get(record_id)

    def referrer_ids(self, field: str, key: Hashable) -> set[int]:
        """Ids of the records whose ``field`` points at ``key``."""
        return self._referrers[field].get(key, set())

    def referring(self, field: str, key: Hashable) -> list[Record]:
        """Records whose ``field`` points at ``key``, in id order."""
        return [self.records[i] for i in sorted(self.referrer_ids(field, key))]

    def updated_since(self, since: datetime) -> list[int]:
        """Ids of records updated at or after ``since``; the list filter then decides whether
        ``since`` itself counts (``query.build``, ``ClioConfig.inclusive_since``)."""
        start = bisect.bisect_left(self.by_updated, (since.timestamp(), -1))
        return [record_id for _, record_id in self.by_updated[start:]]

    def put(self, record: Record) -> None:
        """Insert or replace a record, keeping every index in step."""
        record_id = record["id"]
        if record_id in self._indexed:
            self._unindex(record_id)
        elif self.ids and record_id < self.ids[-1]:
            bisect.insort(self.ids, record_id)
        else:
            self.ids.append(record_id)
        self.records[record_id] = record
        stamp = record["updated_at"].timestamp()
        bisect.insort(self.by_updated, (stamp, record_id))
        keys = {field: ref_key(record[field]) for field in self.references if record.get(field)}
        for field, key in keys.items():
            self._referrers[field][key].add(record_id)
        self._indexed[record_id] = (stamp, keys)

    def remove(self, record_id: int) -> None:
        """Forget a record entirely (only webhooks are ever really destroyed)."""
        self._unindex(record_id)
        del self.records[record_id]
        del self.ids[bisect.bisect_left(self.ids, record_id)]

    def _unindex(self, record_id: int) -> None:
        stamp, keys = self._indexed.pop(record_id)
        del self.by_updated[bisect.bisect_left(self.by_updated, (stamp, record_id))]
        for field, key in keys.items():
            self._referrers[field][key].discard(record_id)


class Store:
    """Every collection of one emulated Clio account, guarded by one lock.

    Writers hold :attr:`lock` across a whole business action (recording a payment
    touches an allocation and a bill) so readers never see half of it. Listeners (the
    webhook dispatcher) are told about each saved record after the fact.

    Args:
        clock: the account's "now" for the timestamps it stamps (the emulator's clock can
            be moved, so tests order changes in time without waiting).
        user: the account's one user, which Clio nests as the ``user`` of what it made.
        fixed: collections the account has from the start and keeps as they are (its
            currencies): listed like the others, but never reset, saved, counted or changed.
    """

    def __init__(
        self,
        clock: Callable[[], datetime] = utcnow,
        user: Callable[[], Record | None] = lambda: None,
        fixed: Mapping[str, Iterable[Record]] | None = None,
    ) -> None:
        self.now = clock
        self.user = user
        self.lock = threading.RLock()
        self.listeners: list[Listener] = []
        self.fixed: dict[str, Collection] = {}
        for name, records in (fixed or {}).items():
            self.fixed[name] = Collection(name, ())
            for record in records:
                self.fixed[name].put(dict(record))
        self.reset()

    def reset(self) -> None:
        """Empty every collection and restart id sequences."""
        with self.lock:
            self.collections = {name: Collection(name, refs) for name, refs in REFERENCES.items()}
            self._last_id: dict[str, int] = {name: 0 for name in REFERENCES}
            self._revision = 0

    def __getitem__(self, name: str) -> Collection:
        return self.fixed[name] if name in self.fixed else self.collections[name]

    def next_id(self, name: str) -> int:
        """Allocate the next id of a collection."""
        with self.lock:
            self._last_id[name] += 1
            return self._last_id[name]

    def save(self, name: str, record: Record, event: str | None = None) -> Record:
        """Store ``record`` with a fresh etag; tell listeners about ``event`` if given.

        Loading a demo firm passes no event: Clio does not fire webhooks for history.
        """
        with self.lock:
            self._revision += 1
            self._last_id[name] = max(self._last_id[name], record["id"])
            digest = hashlib.md5(f"{name}:{record['id']}:{self._revision}".encode()).hexdigest()
            record["etag"] = f'"{digest}"'
            self.collections[name].put(record)
        if event:
            for listener in self.listeners:
                listener(name, event, record)
        return record

    def touch(self, name: str, record: Record, event: str = "updated") -> Record:
        """Save a changed record with ``updated_at`` set to now."""
        record["updated_at"] = self.now()
        return self.save(name, record, event)

    def items(self) -> Iterator[tuple[str, Record]]:
        """Every record with its collection name (for snapshots)."""
        for name, collection in self.collections.items():
            for record_id in collection.ids:
                yield name, collection.records[record_id]

    def counts(self) -> dict[str, int]:
        return {name: len(collection) for name, collection in self.collections.items()}
