"""Keyset paging: a page token is the last id seen, so every page costs one index range
scan whatever its depth (OFFSET would read every skipped row)."""

from __future__ import annotations

import base64

import peewee

from billsync.daemon.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
#: The largest id a column holds (SQLite's and PostgreSQL's bigint): a token past it was forged.
MAX_ID = 2**63 - 1
#: A token this server issues is at most 36 characters (``before:`` and 19 digits, in base64).
TOKEN_MAX = 64


def page(
    query: peewee.ModelSelect, id_field: peewee.Field, page_size: int, page_token: str, newest_first: bool = False
) -> tuple[list, str]:
    """Returns one page of ``query`` in id order (descending with ``newest_first``) and
    the token of the next page, "" after the last."""
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    size = page_size or DEFAULT_PAGE_SIZE
    direction = "before" if newest_first else "after"
    if page_token:
        boundary = decode(page_token, direction)
        query = query.where(id_field < boundary if newest_first else id_field > boundary)
    rows = list(query.order_by(id_field.desc() if newest_first else id_field).limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    return rows, encode(direction, rows[-1].id) if more else ""


def encode(direction: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{last_id}".encode()).decode()


def decode(token: str, direction: str) -> int:
    try:
        if len(token) > TOKEN_MAX:
            raise ValueError(token)
        prefix, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        last_id = int(value)
        if prefix != direction or not 0 <= last_id <= MAX_ID:
            raise ValueError(token)
        return last_id
    except (ValueError, UnicodeError) as e:
        raise InvalidArgument("page_token is not one this server issued for this listing") from e
