"""What changed in Clio: per-resource reads since a watermark, and look-ups by id.

A read asks for the records of one resource updated since the watermark, paging by id. It
must lose nothing, though Clio's clock and index may lag a little behind its changes and
records change while the read pages through them:

- The new watermark is Clio's time when the read *began* (the ``Date`` of its first page),
  less :data:`LAG_ALLOWANCE`; never the newest ``updated_at`` seen. A record on a page
  already read that changes before a later page is read is stamped after that time, so
  the next read finds it; so does a change Clio stamped a little before the read but
  showed only after it (a lagging index or server clock).
- The next read therefore overlaps this one: what was updated after the watermark comes
  back. The watermark keeps the ETag of each such record this read saw, and a record seen
  again with the same ETag is dropped, so nothing is processed twice.
- Clio's OpenAPI document (``shared/fixtures/clio/openapi.json``, parameter
  ``updated_since`` of GET /bills.json, and alike on every list endpoint) says it filters
  "to those having the `updated_at` field after a specific time", i.e. exclusive; a server
  that includes the given second too only sends back a record whose ETag the watermark
  holds. Either reading loses nothing.

An idle cycle costs one request per resource, whatever the size of the firm: the overlap
holds only what changed in the last few seconds.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from billsync.daemon.clio.client import Clio
from billsync.daemon.store.clock import database_time
from billsync.daemon.store.models import Connection, Watermark

#: One Clio record, as its JSON.
Record = dict[str, Any]

#: What each read asks for. A contact's phones and addresses are nested records, named as in
#: Clio's OpenAPI document (``PhoneNumber_base``, ``Address_base``, each with ``primary``:
#: "whether it is default for this contact", which the contact's write schemas call a phone's
#: ``default_number``); ``primary_email_address`` is "the primary email address" (``Contact_base``);
#: ``currency`` is the "Currency of the *Contact*", a ``Currency_base`` (``code``: "ISO 4217 code").
#: A credit note has no currency of its own (``CreditMemo_base``): it is its contact's, which
#: a second level of braces cannot name, so it comes as ``{id, etag}`` and its code is looked
#: up in ``/currencies.json`` (:func:`currency_codes`).
FIELDS = {
    "contacts": "id,etag,name,first_name,last_name,type,primary_email_address,currency{code},"
    "phone_numbers{name,number,primary},addresses{name,street,city,province,postal_code,country,primary},updated_at",
    "bills": "id,etag,number,issued_at,due_at,state,total,sub_total,tax_rate,secondary_tax_rate,tax_sum,"
    "secondary_tax_sum,currency{code},client{id,name},updated_at",
    "line_items": "id,etag,bill{id},kind,description,date,price,quantity,total,taxable,secondary_taxable,"
    "tax,secondary_tax,group_ordering,updated_at",
    "allocations": "id,etag,amount,date,voided_at,payment_type,bill{id,number},contact{id,name},parent{id,type},"
    "updated_at",
    "credit_memos": "id,etag,amount,date,description,voided_at,contact{id,name,currency},updated_at",
}
RESOURCE_OF_KIND = {"contact": "contacts", "invoice": "bills", "credit_memo": "credit_memos", "payment": "allocations"}
IDS_PER_REQUEST = 200
#: How far a read reaches back before the time the previous one began: Clio stamps
#: ``updated_at`` to the second, and a change may become visible to a list some seconds
#: after the time it is stamped with (a lagging index, another server's clock).
LAG_ALLOWANCE = dt.timedelta(seconds=10)


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Mark:
    """Where the next read of one resource starts, and what it has seen since then.

    Attributes:
        since: ISO-8601 time, the next read's ``updated_since``.
        seen: ETag by record id of every record read that was updated at or after ``since``.
    """

    since: str
    seen: dict[str, str]


def watermarks(connection: Connection) -> dict[str, Mark]:
    """The saved mark of each resource read before."""
    return {
        w.resource: Mark(w.value, w.boundary or {})
        for w in Watermark.select().where(Watermark.connection == connection)
    }


def full_read_at(connection: Connection) -> dt.datetime | None:
    """When every resource was last read since its watermark (the watermarks' saves), None
    while one has never been."""
    saved = dict(
        Watermark.select(Watermark.resource, Watermark.updated_at)
        .where(Watermark.connection == connection, Watermark.resource.in_(list(FIELDS)))
        .tuples()
    )
    return min(saved.values()) if len(saved) == len(FIELDS) else None


def read_changes(
    clio: Clio, resource: str, mark: Mark | None, *, fields: str | None = None, **filters: Any
) -> tuple[list[Record], Mark]:
    """Records of ``resource`` changed since ``mark`` (all of them without), and the new mark.

    The mark is only to be saved once the records are processed: records it has seen are
    dropped from the next read. ``fields`` (default ``FIELDS[resource]``) and ``filters``
    (e.g. ``bank_account_id``) serve resources read outside the sync of bills (:mod:`.trust`);
    a mark is only valid for the same filters.
    """
    read: list[Record] = []
    return read, read_pages(clio, resource, mark, read.extend, fields=fields, **filters)


def read_pages(
    clio: Clio,
    resource: str,
    mark: Mark | None,
    keep: Callable[[list[Record]], None],
    *,
    fields: str | None = None,
    **filters: Any,
) -> Mark:
    """:func:`read_changes`, each page's changed records handed to ``keep`` as it is read
    (none held here): returns the new mark."""
    since = {"updated_since": mark.since} if mark else {}
    pages = clio.pages(resource, fields or FIELDS[resource], **filters, **since)
    seen = mark.seen if mark else {}
    first = next(pages)
    # The first page's query ran before Clio dated its answer; the watermark never goes back.
    start = first.server_time - LAG_ALLOWANCE
    if mark:
        start = max(start, _parse(mark.since))
    again: dict[str, str] = {}
    for page in chain([first], pages):
        keep(_with_codes(clio, resource, [r for r in page.records if seen.get(str(r["id"])) != r["etag"]]))
        again.update((str(r["id"]), r["etag"]) for r in page.records if _parse(r["updated_at"]) >= start)
    return Mark(start.isoformat(), again)


def fetch(clio: Clio, resource: str, ids: Iterable[str | int]) -> list[Record]:
    """Records of ``resource`` by id, however many, in requests of 200."""
    wanted = sorted({int(i) for i in ids})
    found: list[Record] = []
    for i in range(0, len(wanted), IDS_PER_REQUEST):
        found += clio.iterate(resource, FIELDS[resource], **{"ids[]": wanted[i : i + IDS_PER_REQUEST]})
    return _with_codes(clio, resource, found)


#: The ISO code of each currency id, per Clio client (one Clio account): a firm's currencies
#: are a short list that changes seldom, read once per process and again for an id not on it.
_CODES: weakref.WeakKeyDictionary[Clio, dict[int, str]] = weakref.WeakKeyDictionary()


def currency_codes(clio: Clio, *, again: bool = False) -> dict[int, str]:
    """The ISO code of each of the account's currencies by id (``GET /currencies.json``,
    ``Currency_base``), read once per Clio client unless ``again``."""
    if again or clio not in _CODES:
        _CODES[clio] = {int(c["id"]): str(c["code"]) for c in clio.iterate("currencies", "id,code")}
    return _CODES[clio]


def _with_codes(clio: Clio, resource: str, records: list[Record]) -> list[Record]:
    """Credit notes with their contact's currency code filled in beside its id, as a bill's
    ``currency{code}`` reads; no request while there is no credit note to complete."""
    if resource != "credit_memos":
        return records
    named = [c for r in records if (c := (r.get("contact") or {}).get("currency")) and "id" in c and "code" not in c]
    if named:
        codes = currency_codes(clio)
        if any(int(c["id"]) not in codes for c in named):
            codes = currency_codes(clio, again=True)
        for currency in named:
            currency["code"] = codes.get(int(currency["id"]), "")
    return records


def save_watermark(connection: Connection, resource: str, mark: Mark) -> None:
    """Keeps ``mark``, and when it was saved on the database's clock: the last full read's
    time (:func:`full_read_at`), which the scheduler compares with runs' times."""
    Watermark.insert(
        connection=connection, resource=resource, value=mark.since, boundary=mark.seen, updated_at=database_time()
    ).on_conflict(
        conflict_target=[Watermark.connection, Watermark.resource],
        preserve=[Watermark.value, Watermark.boundary, Watermark.updated_at],
    ).execute()
