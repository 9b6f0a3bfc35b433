"""Resolving pending links: creates whose outcome is unknown after a crash or a lost answer.

Before anything else a cycle looks each one up in QBO by its natural key (a customer's
DisplayName, an invoice's DocNumber, a payment's date) and our marker in ``Notes`` or
``PrivateNote``. Found: the link is adopted. Not found: the create never happened, and
the record is planned again, with the same idempotency key. Unless a write sent under an
earlier claim of the lease (another daemon's, or a cycle that failed) may still land
(``store.leases``): then not found means not yet, and the link stays pending, neither
planned nor retired, to be looked up again by a later cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from billsync.daemon.qbo.client import QuickBooks, quote
from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import currency, mapping, outcomes
from billsync.daemon.sync.decisions import KIND_ENTITY, MARKER_FIELD, NATURAL_KEY, Action, Op

#: The Clio record a marker names.
MARKER_KIND = {
    Kind.CONTACT: "contact",
    Kind.INVOICE: "bill",
    Kind.CREDIT_MEMO: "credit_memo",
    Kind.PAYMENT: "allocation",
    Kind.TRUST: "bank_transaction",
}
IN_LIST = 50


@dataclass(frozen=True)
class Resolution:
    """Per kind, the Clio ids of the pending creates QBO has (now adopted), has not, and
    has not yet but may still get (``in_flight``: nothing is to be written for them)."""

    adopted: dict[Kind, set[str]] = field(default_factory=dict)
    unresolved: dict[Kind, set[str]] = field(default_factory=dict)
    in_flight: dict[Kind, set[str]] = field(default_factory=dict)


def resolve_pending(connection: Connection, qbo: QuickBooks) -> Resolution:
    """Adopts what QBO already has. Both sides are to be planned again: an adopted object
    holds what was sent, which the record may have changed since; the rest is created."""
    resolution, adopted = look_up_pending(connection, qbo)
    outcomes.record(connection, adopted)
    return resolution


def look_up_pending(connection: Connection, qbo: QuickBooks) -> tuple[Resolution, list[tuple[Op, outcomes.Outcome]]]:
    """What :func:`resolve_pending` finds, and the adoptions it would record, recording nothing.

    An object whose marker names no Clio account is adopted too: it is the create of a
    version that wrote markers so, and the pending link names its record and natural key."""
    resolution, adopted = Resolution(), []
    missing = resolution.unresolved if leases.prior_writes_settled(connection) else resolution.in_flight
    pending = list(Link.select().where(Link.connection == connection, Link.state == LinkState.PENDING))
    for kind in KIND_ENTITY:
        mine = [link for link in pending if link.kind == kind]
        if not mine:
            continue
        refs = {link.clio_id: link.qbo_ref for link in mine}
        found = find_marked(qbo, kind, refs, account=connection.clio_account_id).marked
        for link in mine:
            entity = found.get(link.clio_id)
            if entity is None:
                missing.setdefault(kind, set()).add(link.clio_id)
            else:
                resolution.adopted.setdefault(kind, set()).add(link.clio_id)
                op = Op(kind, link.clio_id, link.label, action=Action.ADOPT, body={NATURAL_KEY[kind]: link.qbo_ref})
                reason = "Recovered after an interrupted sync"
                made_in = currency.answered(entity) if kind == Kind.CONTACT else outcomes.KEEP
                outcome = outcomes.synced(
                    op, str(entity["Id"]), str(entity.get("SyncToken", "0")), reason, currency=made_in
                )
                # What the object holds is unknown: no fingerprint, so the next plan updates it.
                adopted.append((op, replace(outcome, fingerprint=None)))
    return resolution, adopted


@dataclass(frozen=True)
class Found:
    """What QBO holds under some natural keys: the objects carrying the marker of one of the
    records asked about (``marked``, by Clio id), and every object read, by natural key
    (``by_key``): an invoice number already taken is among them."""

    marked: dict[str, dict] = field(default_factory=dict)
    by_key: dict[str, list[dict]] = field(default_factory=dict)


def find_marked(qbo: QuickBooks, kind: Kind, refs: dict[str, str | None], *, account: str) -> Found:
    """The QBO objects of ``kind`` carrying the marker of one of these Clio records.

    ``refs`` maps each Clio id to its natural key (a DocNumber, a TxnDate). QBO cannot
    filter on the note a marker is in (a filter on ``PrivateNote`` faults 4001), so the
    objects are read by natural key, one query for up to 50 of them, and their notes
    compared here. A marker of this Clio ``account`` or one written before markers named
    the account is taken; whether the latter is ours is for the caller to judge.
    """
    key_field, marker_field = NATURAL_KEY[kind], MARKER_FIELD[kind]
    wanted = {
        mapping.marker(MARKER_KIND[kind], clio_id, account=named): clio_id
        for clio_id in refs
        for named in (account, "")
    }
    values = sorted({ref for ref in refs.values() if ref})
    found = Found()
    for i in range(0, len(values), IN_LIST):
        listed = ", ".join(quote(v) for v in values[i : i + IN_LIST])
        for entity in qbo.query(f"select * from {KIND_ENTITY[kind]} where {key_field} in ({listed})"):
            found.by_key.setdefault(str(entity.get(key_field)), []).append(entity)
            clio_id = wanted.get(entity.get(marker_field, ""))
            if clio_id is not None:
                found.marked[clio_id] = entity
    return found
