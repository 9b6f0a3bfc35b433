"""Clio's two ways of paging a list, and the ``meta.paging`` links that go with them.

From docs.developers.clio.com/api-docs/paging:

- "Unlimited Cursor Pagination" needs ``order=id(asc)`` and no ``offset``; each answer
  links the next page (a ``page_token`` the emulator makes a cursor on the last id shown,
  so paging is stable while records change). It is the default where ``id(asc)`` is the
  endpoint's default order.
- "Limited Offset Pagination" is what an ``offset`` parameter asks for ("the number of
  records to skip"), and what "a custom sort order … other than id(asc)" pages by. It
  reaches "10,000 total records (50 pages total)"; "attempting to retrieve a page over
  the limit will result in a 422 ArgumentError". Its links carry ``offset``, as the
  documented parallel requests (``offset=0``, ``offset=200``, ``offset=400``) do.
- ``meta.paging.previous`` and ``next`` are full URLs; "if there is no previous or next
  page, the field will be omitted".
"""

from __future__ import annotations

import base64
import bisect
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urlencode

from billsync.sandbox.clio.errors import ClioError, bad_request
from billsync.sandbox.clio.query import Query, parse_int
from billsync.sandbox.clio.store import Collection, Record

#: How far offset pagination reaches.
OFFSET_REACH = 10_000
#: The request parameters a link replaces.
PAGING_PARAMETERS = ("page_token", "offset")


@dataclass(frozen=True)
class Page:
    """One page of records, and the paging parameters of its neighbours (None: no such page)."""

    records: list[Record]
    next: dict[str, str] | None = None
    previous: dict[str, str] | None = None

    def links(self, base_url: str, params: Iterable[tuple[str, str]]) -> dict[str, str]:
        """``meta.paging``: the request's own URL with each neighbour's paging parameters."""
        kept = [(key, value) for key, value in params if key not in PAGING_PARAMETERS]
        neighbours = {"previous": self.previous, "next": self.next}
        return {
            name: f"{base_url}?{urlencode(kept + list(paging.items()))}"
            for name, paging in neighbours.items()
            if paging is not None
        }


def page(
    collection: Collection,
    query: Query,
    order: tuple[str, bool],
    limit: int,
    offset: str | None,
    token: str | None,
) -> Page:
    """The page a list request asks for, by cursor or by offset as Clio decides."""
    if offset is None and order == ("id", False):
        return _cursor_page(collection, query, limit, token)
    if token is not None:
        raise bad_request("page_token pages by id(asc) only; use offset to page another order")
    return _offset_page(collection, query, order, limit, parse_int("offset", offset or "0"))


def _encode(kind: str, record_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{record_id}".encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[str, int]:
    try:
        kind, _, value = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(":")
        if kind in ("after", "before"):
            return kind, int(value)
    except ValueError:
        pass
    raise bad_request("Invalid page_token")


def _matching(collection: Collection, query: Query, ids: Iterable[int], limit: int) -> list[Record]:
    """The first ``limit`` records among ``ids`` (in the order given) that match ``query``."""
    found: list[Record] = []
    for record_id in ids:
        record = collection.records.get(record_id)
        if record is not None and query.matches(record):
            found.append(record)
            if len(found) == limit:
                break
    return found


def _cursor_page(collection: Collection, query: Query, limit: int, token: str | None) -> Page:
    ids = sorted(query.candidates) if query.candidates is not None else collection.ids

    def after(record_id: int) -> Iterator[int]:
        return (ids[i] for i in range(bisect.bisect_right(ids, record_id), len(ids)))

    def before(record_id: int) -> Iterator[int]:
        return (ids[i] for i in range(bisect.bisect_left(ids, record_id) - 1, -1, -1))

    kind, cursor = _decode(token) if token else ("after", 0)
    if kind == "after":
        found = _matching(collection, query, after(cursor), limit)
    else:
        found = _matching(collection, query, before(cursor), limit)[::-1]
    if not found:
        return Page(found)
    first, last = found[0]["id"], found[-1]["id"]
    more = _matching(collection, query, after(last), 1)
    earlier = _matching(collection, query, before(first), 1)
    return Page(
        found,
        next={"page_token": _encode("after", last)} if more else None,
        previous={"page_token": _encode("before", first)} if earlier else None,
    )


def _offset_page(collection: Collection, query: Query, order: tuple[str, bool], limit: int, offset: int) -> Page:
    if offset < 0:
        raise bad_request(f"Offset must not be negative, got {offset}")
    if offset >= OFFSET_REACH:
        raise ClioError(
            422, "ArgumentError", f"Offset pagination reaches {OFFSET_REACH} records; use order=id(asc) for more"
        )
    key, descending = order
    ids = query.candidates if query.candidates is not None else collection.ids
    records = [r for r in map(collection.records.get, ids) if r is not None and query.matches(r)]
    records.sort(key=lambda r: (r.get(key) is None, r.get(key) or 0, r["id"]), reverse=descending)
    end = min(offset + limit, OFFSET_REACH, len(records))
    return Page(
        records[offset:end],
        next={"offset": str(end)} if end < min(len(records), OFFSET_REACH) else None,
        previous={"offset": str(max(0, offset - limit))} if offset else None,
    )
