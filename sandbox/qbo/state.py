"""Everything one QBO emulator holds at runtime, kept in ``app.extensions["qbo_sandbox"]``.

Views reach state through ``current_app`` (never a module global), so several emulators
can run in one process, as the tests do.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import threading
from typing import Any

from billsync.sandbox.faults import FaultConfig, FaultInjector, Hold
from billsync.sandbox.qbo import jsonutil, regions
from billsync.sandbox.qbo.config import QBOConfig
from billsync.sandbox.qbo.replay import Replays
from billsync.sandbox.qbo.store import Store
from billsync.sandbox.qbo.tokens import TokenStore
from billsync.sandbox.qbo.webhooks import WebhookDispatcher
from billsync.sandbox.saver import Saver
from billsync.sandbox.throttle import ConcurrencyLimiter, Limit, RateLimiter


class QBOState:
    """Store, ``requestid`` replays, tokens, throttles, faults, the batch hold, statistics and
    webhooks of one emulator."""

    def __init__(self, config: QBOConfig) -> None:
        self.config = config
        self.store = Store()
        self.replays = Replays(self.store)
        self.tokens = TokenStore(config)
        self.faults = FaultInjector(config.faults)
        self.hold = Hold()  # batch requests, switched by POST /_sandbox/hold
        self.webhooks = WebhookDispatcher(config)
        self.store.listeners.append(self.webhooks.record)
        self.saver = Saver(config.state_file, self.snapshot) if config.state_file else None
        self._stats: collections.Counter[tuple[str, str, int]] = collections.Counter()
        self._stats_lock = threading.Lock()
        self._build_limiters()

    def snapshot(self) -> str:
        """The companies and live tokens, as the state file keeps them."""
        with self.store.lock:
            return jsonutil.dumps({"companies": self.store.dump(), "tokens": self.tokens.snapshot()})

    def load(self) -> bool:
        """Replace companies and tokens with the state file's; False when there is none yet."""
        if not (self.config.state_file and os.path.exists(self.config.state_file)):
            return False
        with open(self.config.state_file, encoding="utf-8") as handle:
            saved = jsonutil.loads(handle.read())
        self.store.restore(saved["companies"])
        self.tokens.restore(saved["tokens"])
        return True

    def _build_limiters(self) -> None:
        config = self.config
        self.requests = RateLimiter(Limit(config.requests_per_minute), config.time_scale)
        self.per_second = RateLimiter(Limit(config.requests_per_second, seconds=1.0), config.time_scale)
        self.batches = RateLimiter(Limit(config.batch_per_minute), config.time_scale)
        self.concurrency = ConcurrencyLimiter(config.max_concurrent)

    def reconfigure(self, **changes: Any) -> QBOConfig:
        """Apply admin changes; limiters restart so new ceilings take effect at once. Fault
        settings not named stay as they stand now (``after_next`` counted down)."""
        if isinstance(changes.get("faults"), dict):
            faults = {**dataclasses.asdict(self.faults.config), **changes["faults"]}
            changes["faults"] = FaultConfig(
                **{**faults, "kinds": tuple(faults["kinds"]), "after_kinds": tuple(faults["after_kinds"])}
            )
        unknown = set(changes) - {f.name for f in dataclasses.fields(QBOConfig)}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if "kind" in changes:
            regions.region(changes["kind"])  # a ValueError that names the kinds
        for key, value in changes.items():
            setattr(self.config, key, value)
        self.faults.configure(self.config.faults)
        self._build_limiters()
        return self.config

    def settings(self) -> QBOConfig:
        """The settings now: the faults as they stand after the writes they struck."""
        return dataclasses.replace(self.config, faults=self.faults.config)

    def count(self, method: str, endpoint: str, status: int) -> None:
        with self._stats_lock:
            self._stats[(method, endpoint, status)] += 1

    def stats(self) -> list[dict[str, Any]]:
        with self._stats_lock:
            return [
                {"method": m, "endpoint": e, "status": s, "count": n} for (m, e, s), n in sorted(self._stats.items())
            ]

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._stats.clear()
        self.faults.lost(forget=True)
