"""Change Data Capture: every object of the named types changed since a moment.

Deleted objects come back as ``{"status": "Deleted", "Id", "MetaData"}`` so a client can
notice that a QBO user deleted what it linked. QBO looks back at most 30 days and answers
at most 1000 objects; the look-back check can be turned off (``cdc_max_days=None``)
because recordings of the real sandbox show it answering older ``changedSince`` values.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from billsync.sandbox.qbo import entities, jsonutil
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.store import Company

MAX_OBJECTS = 1000


def run(company: Company, entity_names: str, changed_since: str, max_days: int | None) -> dict[str, Any]:
    """Answer ``GET …/cdc?entities=…&changedSince=…``."""
    if not entity_names:
        raise QBOFault("2020", element="entities")
    if not changed_since:
        raise QBOFault("2020", element="changedSince")
    try:
        since = jsonutil.parse_time(changed_since)
    except ValueError:
        raise QBOFault("6000", element="changedSince", detail=f"Invalid changedSince {changed_since}") from None
    if max_days is not None and since < jsonutil.now() - timedelta(days=max_days):
        raise QBOFault(
            "6000", element="changedSince", detail=f"changedSince may be at most {max_days} days in the past"
        )
    found: list[tuple[Any, str, dict[str, Any]]] = []
    names = [entities.entity_type(n.strip()).name for n in entity_names.split(",") if n.strip()]
    for name in names:
        for table in (company.objects.get(name, {}), company.deleted.get(name, {})):
            for entity in table.values():
                updated = jsonutil.parse_time(entity["MetaData"]["LastUpdatedTime"])
                if updated >= since:
                    found.append((updated, name, entity))
    found.sort(key=lambda row: row[0])
    responses = []
    for name in names:
        rows = [entity for _, kind, entity in found[:MAX_OBJECTS] if kind == name]
        responses.append({name: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {})
    return {"CDCResponse": [{"QueryResponse": responses}]}
