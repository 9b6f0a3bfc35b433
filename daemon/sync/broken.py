"""Finding links that someone broke in QBO: objects deleted, customers made inactive.

Each cycle reads QBO's Change Data Capture for the four entities since the last CDC
point: one request, whatever the number of links. When that point is older than CDC
allows (30 days), or an entity's changes alone exceed the 1,000 objects CDC answers, a
verification scan lists the entity's current ids instead (one request per 1,000
objects, rarely: after a large initial sync).

The CDC point is QBO's time, never ours: the time of the last CDC answer, or of an
answer taken before a scan began. A host whose clock ran ahead of QBO's would otherwise
set it in QBO's future, and every deletion until then would go unseen for good.

A broken link keeps its QBO id (an inactive customer is reactivated by a re-sync; a
deleted invoice is created again), and the payments applied to a broken invoice wait
for it, so that re-syncing the invoice re-links them instead of creating them again.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
from collections.abc import Iterable, Iterator

from peewee import fn

from billsync import words
from billsync.daemon.qbo.client import QboRef, QuickBooks
from billsync.daemon.store import events
from billsync.daemon.store.leases import fenced
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Connection, Kind, Link, LinkState, utcnow
from billsync.daemon.sync.decisions import KIND_ENTITY

CDC_MAX_AGE = dt.timedelta(days=30)
#: A CDC point this much short of CDC's limit is old enough to scan for instead: the point
#: is QBO's time, and this host's clock, which tells its age, may be off by minutes.
CDC_MARGIN = dt.timedelta(days=1)
CDC_MAX_OBJECTS = 1000
#: The next read starts this much before QBO's time of the last answer (its timestamps
#: are to the millisecond).
GRAIN = dt.timedelta(seconds=1)
ENTITY_KIND = {entity: kind for kind, entity in KIND_ENTITY.items()}


def detect(connection: Connection, qbo: QuickBooks) -> int:
    """Marks broken every synced link whose QBO object is gone or inactive; returns how many."""
    since = connection.cdc_since
    found: dict[QboRef, str] = {}
    if too_old(since):
        # QBO's time before the scan: what is deleted while it reads is the next read's.
        next_since = _naive(qbo.server_time())
        if Link.select().where(Link.connection == connection, Link.state == LinkState.SYNCED).exists():
            found = scan(connection, qbo, KIND_ENTITY.values())
    else:
        answered, next_since = changes(qbo, since)
        for entity, removals in answered.items():
            if removals is None:
                found.update(scan(connection, qbo, [entity]))
                continue
            # What happened, not when: the link's own time and "Failing since" say that.
            found.update({QboRef(entity, qbo_id): what for qbo_id, what in removals.items()})
    # Without QBO's time (an answer that gave none), the point stays: the next read covers more.
    next_since = next_since - GRAIN if next_since else since
    broken = mark_broken(connection, found, cdc_since=next_since)
    connection.cdc_since = next_since
    return broken


def too_old(since: dt.datetime | None) -> bool:
    """Whether CDC may no longer answer from the point ``since`` (or there is none yet)."""
    return since is None or utcnow() - since > CDC_MAX_AGE - CDC_MARGIN


def changes(qbo: QuickBooks, since: dt.datetime) -> tuple[dict[str, dict[str, str] | None], dt.datetime | None]:
    """Per entity, the objects CDC reports removed since ``since`` (Id → what happened, as
    :func:`removed` says; None where its answer was cut), and QBO's time of the answer, as
    naive UTC.

    CDC answers at most 1,000 objects in all, so one request usually covers the four
    entities; a full answer is asked again entity by entity, and an entity that fills
    one alone needs a scan. Only what was removed is kept of each answer: four full
    answers of whole objects held at once made the peak of a catch-up after a large sync.
    """
    stamp = since.replace(tzinfo=dt.timezone.utc)
    answer = qbo.cdc(ENTITY_KIND, stamp)
    as_of = _naive(answer.as_of)
    if sum(len(objects) for objects in answer.objects.values()) < CDC_MAX_OBJECTS:
        return {entity: _removals(entity, objects) for entity, objects in answer.objects.items()}, as_of
    del answer
    found: dict[str, dict[str, str] | None] = {}
    for entity in ENTITY_KIND:
        objects = qbo.cdc([entity], stamp).objects[entity]
        found[entity] = _removals(entity, objects) if len(objects) < CDC_MAX_OBJECTS else None
    return found, as_of


def _removals(entity: str, objects: list[dict]) -> dict[str, str]:
    return {str(obj["Id"]): what for obj in objects if (what := removed(entity, obj))}


def _naive(moment: dt.datetime | None) -> dt.datetime | None:
    """A time of QBO's as naive UTC, like every time stored here."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment else None


def removed(entity: str, obj: dict) -> str:
    """What someone did in QuickBooks to a changed object CDC reports, if it breaks a link
    to it: deleted it, or made a customer inactive; "" otherwise."""
    if obj.get("status") == "Deleted":
        return "Deleted in QuickBooks"
    if entity == "Customer" and obj.get("Active") is False:
        return "Made inactive in QuickBooks"
    return ""


def scan(connection: Connection, qbo: QuickBooks, entities: Iterable[str]) -> dict[QboRef, str]:
    """The synced links of ``entities`` whose objects QBO no longer lists as they should be."""
    found = {}
    for entity in entities:
        kind = ENTITY_KIND[entity]
        synced = Link.select(Link.qbo_id).where(
            Link.connection == connection, Link.kind == kind, Link.state == LinkState.SYNCED
        )
        if not synced.exists():
            continue
        if entity == "Customer":
            for customer in qbo.query("select Id from Customer where Active = false"):
                found[QboRef(entity, str(customer["Id"]))] = "Made inactive in QuickBooks"
            continue
        # QBO answers whole objects to any select list: a page at a time, each listed id
        # struck off, holds one page of them (a large company's every invoice would not fit),
        # and the linked ids as 8-byte numbers (100,000 of them as strings in a set: some 10 MB).
        linked = Unseen(synced.tuples().iterator())
        for page in qbo.query_pages(f"select Id from {entity}"):
            linked.strike(str(o["Id"]) for o in page)
            page.clear()  # the next page is read without this one
        # An object deleted while the pages were read shifts later rows onto pages
        # already read; what seems missing is asked for by id before it is called deleted.
        missing = set(linked.left())
        missing -= qbo.existing_ids(entity, missing)
        found.update({QboRef(entity, qbo_id): "Deleted in QuickBooks" for qbo_id in missing})
    return found


class Unseen:
    """QBO ids not struck off yet. QBO's Ids are decimal numbers as strings: held here as a
    sorted array of 8-byte numbers and a byte each; an id of another form in a set."""

    def __init__(self, rows: Iterable[tuple[str]]) -> None:
        numbers, self._others = array.array("q"), set()
        for (qbo_id,) in rows:
            if (number := _number(qbo_id)) is None:
                self._others.add(qbo_id)
            else:
                numbers.append(number)
        self._ids = array.array("q", sorted(numbers))
        self._struck = bytearray(len(self._ids))

    def strike(self, ids: Iterable[str]) -> None:
        for qbo_id in ids:
            if (number := _number(qbo_id)) is None:
                self._others.discard(qbo_id)
                continue
            at = bisect.bisect_left(self._ids, number)
            if at < len(self._ids) and self._ids[at] == number:
                self._struck[at] = 1

    def left(self) -> Iterator[str]:
        yield from (str(n) for n, struck in zip(self._ids, self._struck) if not struck)
        yield from self._others


def _number(qbo_id: str) -> int | None:
    """The number an id writes in decimal digits alone, as ``str`` would write it back."""
    if qbo_id.isascii() and qbo_id.isdecimal() and (qbo_id == "0" or not qbo_id.startswith("0")):
        number = int(qbo_id)
        return number if number < 2**63 else None
    return None


def mark_broken(connection: Connection, found: dict[QboRef, str], *, cdc_since: dt.datetime) -> int:
    """Turns synced links broken (with what happened) and their payments waiting on them,
    and moves the connection's CDC point to ``cdc_since``, in one transaction under the
    cycle's lease (``leases.fenced``): a daemon that lost the lease moves neither."""
    count = 0
    with fenced(connection):
        Connection.update(cdc_since=cdc_since).where(Connection.id == connection.id).execute()
        for ref, what in found.items():
            link = Link.get_or_none(
                Link.connection == connection,
                Link.kind == ENTITY_KIND[ref.entity],
                Link.qbo_id == ref.id,
                Link.state == LinkState.SYNCED,
            )
            if link is None:
                continue
            count += 1
            remedy = "make it active again" if link.kind == Kind.CONTACT else "create it again"
            reason = f"{what}; re-sync to {remedy}"
            now = utcnow()
            Link.update(
                state=LinkState.BROKEN,
                reason=reason,
                error_code="",
                updated_at=now,
                failing_since=fn.COALESCE(Link.failing_since, now),
            ).where(Link.id == link.id).execute()
            events.record(connection, "link.broken", f"{link.label}: {reason}", link_id=link.id)
            if link.kind == Kind.INVOICE:
                waiting = f"Waiting for {words.lower(link.label)}, which was {words.lower(what)}"
                Link.update(state=LinkState.WAITING, reason=waiting, updated_at=utcnow()).where(
                    Link.connection == connection,
                    Link.kind == Kind.PAYMENT,
                    Link.state == LinkState.SYNCED,
                    Link.depends_on == DependencyKey(Kind.INVOICE, link.clio_id).to_column(),
                ).execute()
    return count
