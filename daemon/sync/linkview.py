"""The links a cycle reads, as one object: the store's rows today, which a preview's cycle
can see with predicted outcomes laid over them (design 19 §2), so that the same
``Cycle.steps`` plans either way."""

from __future__ import annotations

from collections.abc import Iterable

from billsync.daemon.store import links, pins
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Connection, Kind, Link, LinkState, Pin


class LinkView:
    """What a cycle reads of one connection's links (:mod:`billsync.daemon.store.links`)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def load(self, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
        """The links of these Clio records, by Clio id."""
        return links.load(self.connection, kind, clio_ids)

    def synced(self, kind: str, clio_ids: Iterable[str]) -> dict[str, Link]:
        """The synced links among these Clio records, by Clio id."""
        return links.synced(self.connection, kind, clio_ids)

    def qbo_ids(self, kind: str, clio_ids: Iterable[str]) -> dict[str, str]:
        """QBO ids of the synced links among these Clio records."""
        return links.qbo_ids(self.connection, kind, clio_ids)

    def linked_qbo_ids(self, kind: str, qbo_ids: Iterable[str]) -> set[str]:
        """Which of these QBO ids some link already claims."""
        return links.linked_qbo_ids(self.connection, kind, qbo_ids)

    def failed_with(self, error_code: str) -> dict[str, set[str]]:
        """The Clio ids of the links failed with ``error_code``, by kind."""
        return links.failed_with(self.connection, error_code)

    def pins(self, kind: str, clio_ids: Iterable[str]) -> dict[str, Pin]:
        """The matches decided for these Clio records, by Clio id (:mod:`billsync.daemon.sync.pins`)."""
        return pins.load(self.connection, kind, clio_ids)

    def chosen(self, kind: str) -> set[str]:
        """The QuickBooks objects of ``kind`` a decision chose for some record."""
        return pins.chosen(self.connection, kind)

    def waiting(self, kind: Kind) -> dict[str, DependencyKey]:
        """What each waiting link of ``kind`` waits for, by Clio id (those naming nothing left out)."""
        query = Link.select(Link.clio_id, Link.depends_on).where(
            Link.connection == self.connection, Link.kind == kind, Link.state == LinkState.WAITING
        )
        return {link.clio_id: DependencyKey.from_column(link.depends_on) for link in query if link.depends_on}
