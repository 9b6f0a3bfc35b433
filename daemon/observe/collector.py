"""The gauges the database knows already, read from it at each scrape.

Links per state come from the maintained counts (``store.counts``), lease ownership from the
connection rows by the database's clock, token expiry from the stored grants, and how far
Clio is synced from the watermarks. Read at scrape time, none of them can drift from the
database through a missed update. Several daemons sharing one database report the same
links, tokens and watermarks; only ``billsync_lease_held`` differs between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import peewee
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from billsync.daemon.store.clock import database_now
from billsync.daemon.store.models import Connection, LinkCount, Watermark

#: The stored grants, by provider label.
GRANTS = {"qbo": Connection.qbo_tokens, "clio": Connection.clio_tokens}
#: When each token of a grant stops working, by token label.
EXPIRIES = {"access": "expires_at", "refresh": "refresh_expires_at"}


class StoreCollector(Collector):
    """Gauges read from the link database for the daemon named ``owner`` (its lease name)."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def describe(self) -> Iterator[Metric]:
        """The families, without reading the database at registration."""
        return iter(self._families())

    def collect(self) -> Iterator[Metric]:
        links, held, tokens, synced = self._families()
        for connection_id, kind, state, count in LinkCount.select(
            LinkCount.connection, LinkCount.kind, LinkCount.state, LinkCount.count
        ).tuples():
            links.add_metric([str(connection_id), kind, state], count)
        mine = (Connection.lease_owner == self.owner) & (Connection.lease_until >= database_now())
        rows = Connection.select(
            Connection.id, Connection.qbo_tokens, Connection.clio_tokens, mine.alias("mine")
        ).order_by(Connection.id)
        for row in rows:
            held.add_metric([str(row.id)], 1.0 if row.mine else 0.0)
            for provider, column in GRANTS.items():
                grant = getattr(row, column.name) or {}
                for token, key in EXPIRIES.items():
                    if grant.get(key):
                        tokens.add_metric([str(row.id), provider, token], float(grant[key]))
        oldest = Watermark.select(Watermark.connection, Watermark.value).order_by(Watermark.connection)
        for connection_id, value in _oldest_per_connection(oldest):
            synced.add_metric([str(connection_id)], value)
        yield from (links, held, tokens, synced)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily("billsync_links", "Links by kind and state.", labels=["connection", "kind", "state"]),
            GaugeMetricFamily(
                "billsync_lease_held", "1 while this daemon holds the connection's lease.", labels=["connection"]
            ),
            GaugeMetricFamily(
                "billsync_token_expiry_timestamp_seconds",
                "When each stored OAuth token stops working (unix time).",
                labels=["connection", "provider", "token"],
            ),
            GaugeMetricFamily(
                "billsync_synced_until_timestamp_seconds",
                "Clio's time before which every change was read and written to QBO or recorded as failed "
                "(the oldest watermark); time() minus it is the sync lag.",
                labels=["connection"],
            ),
        )


def _oldest_per_connection(rows: peewee.Query) -> Iterator[tuple[int, float]]:
    """The oldest watermark of each connection, as unix time (watermarks are ISO-8601 text)."""
    oldest: dict[int, float] = {}
    for connection_id, value in rows.tuples():
        stamp = dt.datetime.fromisoformat(value)
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)
        oldest[connection_id] = min(oldest.get(connection_id, stamp.timestamp()), stamp.timestamp())
    return iter(oldest.items())
