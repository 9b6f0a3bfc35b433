"""Keeping the emulator's records and tokens in a JSON file across restarts.

A demo that was authorized and seeded yesterday should still work today. Saving a
100,000-bill firm takes a second or two, so saves are coalesced (:class:`billsync.sandbox.saver.Saver`).
Decimal money and timestamps are tagged in the JSON so they come back with their exact types.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from billsync.sandbox.clio.store import Store
from billsync.sandbox.clio.tokens import TokenStore


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"Cannot persist {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key == "$decimal":
            return Decimal(value)
        if key == "$datetime":
            return datetime.fromisoformat(value)
        if key == "$date":
            return date.fromisoformat(value)
    return obj


def dump(store: Store, tokens: TokenStore) -> str:
    with store.lock:
        records: dict[str, list[Any]] = {}
        for name, record in store.items():
            records.setdefault(name, []).append(record)
        text = json.dumps({"records": records, "tokens": tokens.snapshot()}, default=_encode, ensure_ascii=False)
    return text


def load(text: str, store: Store, tokens: TokenStore) -> None:
    state = json.loads(text, object_hook=_decode)
    with store.lock:
        store.reset()
        for name, items in state["records"].items():
            for record in items:
                store.save(name, record)
    tokens.restore(state["tokens"])
