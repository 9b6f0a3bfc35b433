"""Resolving pending links: creates whose outcome is unknown after a crash or a lost answer.

Before anything else a cycle looks each one up in QBO by its natural key (a customer's
DisplayName, an invoice's DocNumber, a payment's date) and our marker in ``Notes`` or
``PrivateNote``. Found: the link is adopted. Not found: the create never happened, and
the record is planned again, with the same idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from billsync.daemon.qbo.client import QuickBooks, quote
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import mapping, outcomes
from billsync.daemon.sync.planner import KIND_ENTITY, NATURAL_KEY, Action, Op

#: The QBO field our marker is in.
MARKER_FIELD = {
    Kind.CONTACT: "Notes",
    Kind.INVOICE: "PrivateNote",
    Kind.CREDIT_MEMO: "PrivateNote",
    Kind.PAYMENT: "PrivateNote",
}
#: The Clio record a marker names.
MARKER_KIND = {
    Kind.CONTACT: "contact",
    Kind.INVOICE: "bill",
    Kind.CREDIT_MEMO: "credit_memo",
    Kind.PAYMENT: "allocation",
}
IN_LIST = 50


@dataclass(frozen=True)
class Resolution:
    """Per kind, the Clio ids of the pending creates QBO has (now adopted) and has not."""

    adopted: dict[Kind, set[str]] = field(default_factory=dict)
    unresolved: dict[Kind, set[str]] = field(default_factory=dict)


def resolve_pending(connection: Connection, qbo: QuickBooks) -> Resolution:
    """Adopts what QBO already has. Both sides are to be planned again: an adopted object
    holds what was sent, which the record may have changed since; the rest is created."""
    resolution = Resolution()
    pending = list(Link.select().where(Link.connection == connection, Link.state == LinkState.PENDING))
    for kind in KIND_ENTITY:
        mine = [link for link in pending if link.kind == kind]
        if not mine:
            continue
        found = _find(qbo, kind, mine)
        adopted = []
        for link in mine:
            entity = found.get(link.clio_id)
            if entity is None:
                resolution.unresolved.setdefault(kind, set()).add(link.clio_id)
            else:
                resolution.adopted.setdefault(kind, set()).add(link.clio_id)
                op = Op(kind, link.clio_id, link.label, action=Action.ADOPT, body={NATURAL_KEY[kind]: link.qbo_ref})
                reason = "Recovered after an interrupted sync"
                outcome = outcomes.synced(op, str(entity["Id"]), str(entity.get("SyncToken", "0")), reason)
                # What the object holds is unknown: no fingerprint, so the next plan updates it.
                adopted.append((op, replace(outcome, fingerprint=None)))
        outcomes.record(connection, adopted)
    return resolution


def _find(qbo: QuickBooks, kind: Kind, pending: list[Link]) -> dict[str, dict]:
    """The QBO objects carrying the markers of these pending links, by Clio id."""
    key_field, marker_field = NATURAL_KEY[kind], MARKER_FIELD[kind]
    wanted = {mapping.marker(MARKER_KIND[kind], link.clio_id): link.clio_id for link in pending}
    refs = sorted({link.qbo_ref for link in pending if link.qbo_ref})
    found = {}
    for i in range(0, len(refs), IN_LIST):
        values = ", ".join(quote(v) for v in refs[i : i + IN_LIST])
        for entity in qbo.query(f"select * from {KIND_ENTITY[kind]} where {key_field} in ({values})"):
            clio_id = wanted.get(entity.get(marker_field, ""))
            if clio_id is not None:
                found[clio_id] = entity
    return found
