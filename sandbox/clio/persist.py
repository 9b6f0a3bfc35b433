"""Keeping the emulator's records and tokens in a JSON file across restarts.

A demo that was authorized and seeded yesterday should still work today. Saving a
100,000-bill firm takes a second or two, so saves are coalesced: a change marks the state
dirty and a background timer writes it at most once per ``delay`` seconds, atomically
(write to a temporary file, then rename). Decimal money and timestamps are tagged in the
JSON so they come back with their exact types.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

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


class Saver:
    """Writes the state file a short while after the last change."""

    def __init__(self, path: str, snapshot: Callable[[], str], delay: float = 1.0) -> None:
        self.path = path
        self.snapshot = snapshot
        self.delay = delay
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def mark_dirty(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.delay, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write now (also called at shutdown and by the admin API)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
        temporary = f"{self.path}.tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(self.snapshot())
        os.replace(temporary, self.path)
