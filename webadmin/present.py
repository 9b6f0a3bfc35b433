"""How the contract's values read on a page: enum words, times, progress, counts.

Pure functions over billsync.v1 messages, registered as Jinja filters by the blueprint
and tested without a server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from billsync.v1 import billsync_pb2 as pb

KIND_LABELS = {
    pb.KIND_CONTACT: "Contacts",
    pb.KIND_INVOICE: "Invoices",
    pb.KIND_PAYMENT: "Payments",
    pb.KIND_CREDIT_MEMO: "Credit notes",
}
STATE_ORDER = [
    pb.LINK_STATE_SYNCED,
    pb.LINK_STATE_PENDING,
    pb.LINK_STATE_WAITING,
    pb.LINK_STATE_FAILED,
    pb.LINK_STATE_BROKEN,
    pb.LINK_STATE_SKIPPED,
]
PROVIDERS = {"clio": pb.PROVIDER_CLIO, "qbo": pb.PROVIDER_QBO}
PROVIDER_LABELS = {"clio": "Clio", "qbo": "QuickBooks Online"}


def word(enum: Any, value: int) -> str:
    """``LINK_STATE_FAILED`` → ``failed``: the enum value without its prefix, for people and URLs."""
    name = enum.Name(value)
    prefix = enum.DESCRIPTOR.values[0].name.removesuffix("UNSPECIFIED")
    return name.removeprefix(prefix).lower()


def from_word(enum: Any, text: str | None) -> int:
    """The inverse of ``word``; 0 (UNSPECIFIED, "any") for an empty or unknown word."""
    prefix = enum.DESCRIPTOR.values[0].name.removesuffix("UNSPECIFIED")
    try:
        return enum.Value(prefix + (text or "").upper()) if text else 0
    except ValueError:
        return 0


def words(enum: Any) -> list[str]:
    """Every word of an enum but UNSPECIFIED, in declaration order (for filter menus)."""
    return [word(enum, v.number) for v in enum.DESCRIPTOR.values if v.number]


def when(ts: Timestamp | None, empty: str = "—") -> str:
    """A timestamp as ``2026-01-31 14:05 UTC``; ``empty`` when unset."""
    if ts is None or (ts.seconds == 0 and ts.nanos == 0):
        return empty
    return ts.ToDatetime(tzinfo=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def count_table(counts: Any) -> list[dict]:
    """Status.counts as rows per kind with a cell per state, in a stable order, so the
    table keeps its shape as numbers change."""
    table: dict[int, dict[int, int]] = {}
    for c in counts:
        table.setdefault(c.kind, {})[c.state] = c.count
    return [
        {"kind": KIND_LABELS[k], "cells": [table[k].get(s, 0) for s in STATE_ORDER], "total": sum(table[k].values())}
        for k in KIND_LABELS
        if k in table
    ]


def run_summary(run: pb.Run) -> dict:
    """A run as plain data for the page and its JSON poll: state, trigger, times, and per
    kind how far it got (``percent`` is None while the total is unknown)."""
    return {
        "id": run.id,
        "state": word(pb.RunState, run.state),
        "trigger": run.trigger,
        "started_at": when(run.started_at),
        "finished_at": when(run.finished_at, ""),
        "error": run.error,
        "progress": [
            {
                "kind": KIND_LABELS.get(p.kind, word(pb.Kind, p.kind)),
                "done": p.done,
                "total": p.total,
                "created": p.created,
                "updated": p.updated,
                "failed": p.failed,
                "percent": round(100 * p.done / p.total) if p.total else None,
            }
            for p in run.progress
        ],
    }


def status_summary(status: pb.StatusResponse) -> dict:
    """What the Bill Syncing page's poll needs to redraw progress and know when to reload."""
    return {
        "connection_state": word(pb.ConnectionState, status.connection.state),
        "running": status.HasField("current_run"),
        "current_run": run_summary(status.current_run) if status.HasField("current_run") else None,
        "last_run": run_summary(status.last_run) if status.HasField("last_run") else None,
        "next_run_at": when(status.next_run_at, ""),
        "problem_count": status.problem_count,
        "action_required": status.action_required,
    }
