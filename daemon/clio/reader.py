"""What changed in Clio: per-resource reads since a watermark, and look-ups by id.

An idle cycle costs one request per resource, whatever the size of the firm: each list
asks only for records updated since the newest ``updated_at`` already seen. Clio's
timestamps have one-second resolution, so the read is inclusive (a record changed later
within that same second must not be missed) and the watermark keeps the ETags of the
records at its boundary second: those come back on every read and are dropped unless
their ETag changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from billsync.daemon.clio.client import Clio
from billsync.daemon.store.models import Connection, Watermark, utcnow

#: One Clio record, as its JSON.
Record = dict[str, Any]

FIELDS = {
    "contacts": "id,etag,name,first_name,last_name,type,primary_email_address,updated_at",
    "bills": "id,etag,number,issued_at,due_at,state,total,sub_total,tax_sum,secondary_tax_sum,"
    "client{id,name},updated_at",
    "line_items": "id,etag,bill{id},kind,description,date,price,quantity,total,taxable,secondary_taxable,"
    "group_ordering,updated_at",
    "allocations": "id,etag,amount,date,voided_at,bill{id},contact{id},parent{id,type},updated_at",
    "credit_memos": "id,etag,amount,date,description,voided_at,contact{id,name},updated_at",
}
RESOURCE_OF_KIND = {"contact": "contacts", "invoice": "bills", "credit_memo": "credit_memos", "payment": "allocations"}
IDS_PER_REQUEST = 200
#: Bills whose lines are read one request each before reading every line at once instead.
BULK_LINES = 25


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


Mark = tuple[str, dict[str, str]]


def watermarks(connection: Connection) -> dict[str, Mark]:
    """Per resource: the newest ``updated_at`` read, and the ETags of the records at it."""
    return {
        w.resource: (w.value, w.boundary or {}) for w in Watermark.select().where(Watermark.connection == connection)
    }


def read_changes(clio: Clio, resource: str, mark: Mark | None) -> tuple[list[Record], Mark | None]:
    """Records of ``resource`` changed since ``mark`` (all of them without), and the new mark."""
    since, seen = mark or (None, {})
    params = {"updated_since": since} if since else {}
    records = [
        r
        for r in clio.iterate(resource, FIELDS[resource], **params)
        if not (r.get("updated_at") == since and seen.get(str(r["id"])) == r.get("etag"))
    ]
    if not records:
        return [], mark
    newest = max((r["updated_at"] for r in records if r.get("updated_at")), key=_parse, default=since)
    boundary = {str(r["id"]): r.get("etag") for r in records if r.get("updated_at") == newest}
    if newest == since:
        boundary = {**seen, **boundary}
    return records, (newest, boundary)


def fetch(clio: Clio, resource: str, ids: Iterable[str | int]) -> list[Record]:
    """Records of ``resource`` by id, however many, in requests of 200."""
    wanted = sorted({int(i) for i in ids})
    found: list[Record] = []
    for i in range(0, len(wanted), IDS_PER_REQUEST):
        found += clio.iterate(resource, FIELDS[resource], **{"ids[]": wanted[i : i + IDS_PER_REQUEST]})
    return found


def lines_of(clio: Clio, bill_ids: Iterable[int]) -> dict[int, list[Record]]:
    """Every line item of each bill. Clio filters lines by one bill at a time, so a few
    bills cost a request each; past ``BULK_LINES`` bills (a lifted settings hold, a mass
    edit) one paged read of all the firm's lines is cheaper."""
    wanted = sorted(set(bill_ids))
    if len(wanted) > BULK_LINES:
        grouped = group_lines(clio.iterate("line_items", FIELDS["line_items"]))
        return {bill_id: grouped.get(bill_id, []) for bill_id in wanted}
    return {bill_id: list(clio.iterate("line_items", FIELDS["line_items"], bill_id=bill_id)) for bill_id in wanted}


def group_lines(lines: Iterable[Record]) -> dict[int, list[Record]]:
    grouped: dict[int, list[Record]] = {}
    for line in lines:
        grouped.setdefault((line.get("bill") or {}).get("id"), []).append(line)
    return grouped


def save_watermark(connection: Connection, resource: str, mark: Mark | None) -> None:
    if mark is None:
        return
    value, boundary = mark
    Watermark.insert(
        connection=connection, resource=resource, value=value, boundary=boundary, updated_at=utcnow()
    ).on_conflict(
        conflict_target=[Watermark.connection, Watermark.resource],
        preserve=[Watermark.value, Watermark.boundary, Watermark.updated_at],
    ).execute()
