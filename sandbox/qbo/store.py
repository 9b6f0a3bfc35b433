"""In-memory companies (realms) and their objects.

The store knows nothing about QBO's rules; it keeps objects per type, tombstones of
deleted ones (CDC must report them), per-type id counters, the answers remembered for
``requestid`` replay, and it tells listeners (webhooks) about every change. One lock
guards everything: the emulator is I/O-bound and a request touches a handful of objects,
so a single lock is both correct and fast enough.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator

from billsync.sandbox.qbo import jsonutil

Entity = dict[str, Any]
ChangeListener = Callable[[str, str, str, str, str], None]
"""Called with (realm_id, entity name, id, operation, lastUpdated)."""


@dataclass
class Company:
    """One QBO company: objects by type and id, plus the bookkeeping around them; ``kind`` is
    the region it was seeded as (:class:`billsync.sandbox.qbo.regions.CompanyKind`), "us" for a
    company saved before there were others."""

    realm_id: str
    objects: dict[str, dict[str, Entity]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Entity]] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)
    replies: dict[str, list[Any]] = field(default_factory=dict)
    kind: str = "us"
    _numbered: dict[tuple[str, str], set[str]] = field(default_factory=dict, init=False, repr=False)
    """Ids by (type, DocNumber), kept by :meth:`put` and :meth:`remove` so that a duplicate-number
    check costs a look-up, not a scan of every invoice (a company of 100,000 invoices made each
    create take some 30 ms). Derived from ``objects``, so not saved."""

    def __post_init__(self) -> None:
        for name, table in self.objects.items():
            for entity in table.values():
                self._file_number(name, entity)

    def saved_fields(self) -> dict[str, Any]:
        """What :class:`Store` saves and gives back to the constructor."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}

    def table(self, name: str) -> dict[str, Entity]:
        return self.objects.setdefault(name, {})

    def get(self, name: str, entity_id: Any) -> Entity | None:
        return self.objects.get(name, {}).get(str(entity_id))

    def next_id(self, name: str) -> str:
        """Ids are increasing decimal strings per type, as in QBO."""
        self.last_ids[name] = self.last_ids.get(name, 0) + 1
        return str(self.last_ids[name])

    def put(self, name: str, entity: Entity) -> None:
        """Store ``entity`` under its Id, keeping the id counter ahead of seeded ids."""
        entity_id = str(entity["Id"])
        if entity_id.isdigit():
            self.last_ids[name] = max(self.last_ids.get(name, 0), int(entity_id))
        table = self.table(name)
        if entity_id in table:
            self._unfile_number(name, table[entity_id])
        table[entity_id] = entity
        self._file_number(name, entity)
        self.deleted.get(name, {}).pop(entity_id, None)

    def remove(self, name: str, entity_id: str, when: str) -> Entity:
        """Delete and leave the tombstone CDC reports as ``status: Deleted``."""
        self._unfile_number(name, self.table(name).pop(entity_id))
        tombstone = {"domain": "QBO", "status": "Deleted", "Id": entity_id, "MetaData": {"LastUpdatedTime": when}}
        self.deleted.setdefault(name, {})[entity_id] = tombstone
        return tombstone

    def numbered(self, name: str, number: str) -> Iterator[Entity]:
        """The live objects of type ``name`` whose DocNumber is ``number``."""
        for entity_id in self._numbered.get((name, number), ()):
            yield self.objects[name][entity_id]

    def _file_number(self, name: str, entity: Entity) -> None:
        if entity.get("DocNumber"):
            self._numbered.setdefault((name, entity["DocNumber"]), set()).add(str(entity["Id"]))

    def _unfile_number(self, name: str, entity: Entity) -> None:
        ids = self._numbered.get((name, entity.get("DocNumber")))
        if ids is not None:
            ids.discard(str(entity["Id"]))
            if not ids:
                del self._numbered[(name, entity["DocNumber"])]


class Store:
    """All companies of one emulator, a lock, and change listeners."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.companies: dict[str, Company] = {}
        self.listeners: list[ChangeListener] = []

    def company(self, realm_id: str) -> Company | None:
        return self.companies.get(realm_id)

    def ensure_company(self, realm_id: str) -> Company:
        with self.lock:
            return self.companies.setdefault(realm_id, Company(realm_id))

    def clear(self) -> None:
        with self.lock:
            self.companies.clear()

    def notify(self, realm_id: str, name: str, entity_id: str, operation: str, when: datetime | str) -> None:
        """Tell listeners an object changed; ``operation`` is Create/Update/Delete/Void."""
        stamp = when if isinstance(when, str) else jsonutil.iso(when)
        for listener in self.listeners:
            listener(realm_id, name, entity_id, operation, stamp)

    def snapshot(self, realm_id: str, name: str) -> list[Entity]:
        """Deep copies of every live object of a type, for the admin API and tests."""
        with self.lock:
            company = self.companies.get(realm_id)
            rows = company.objects.get(name, {}).values() if company else ()
            return [copy.deepcopy(row) for row in rows]

    def dump(self) -> dict[str, Any]:
        """Every company as plain data; the caller holds ``lock`` while it serializes them."""
        return {realm: company.saved_fields() for realm, company in self.companies.items()}

    def restore(self, companies: dict[str, Any]) -> None:
        """Replace the companies with those :meth:`dump` gave."""
        with self.lock:
            self.companies = {realm: Company(**fields) for realm, fields in companies.items()}
