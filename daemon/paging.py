"""Keyset paging: a page token is the last id seen, so every page costs one index range
scan whatever its depth (OFFSET would read every skipped row)."""

from __future__ import annotations

import base64

import peewee

from daemon.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page(query: peewee.ModelSelect, id_field: peewee.Field, page_size: int, page_token: str) -> tuple[list, str]:
    """Returns one page of ``query`` in ascending id order and the token of the next page."""
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    size = page_size or DEFAULT_PAGE_SIZE
    if page_token:
        query = query.where(id_field > decode(page_token))
    rows = list(query.order_by(id_field).limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    return rows, encode(rows[-1].id) if more else ""


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode()


def decode(token: str) -> int:
    try:
        prefix, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix != "after":
            raise ValueError(token)
        return int(value)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgument("page_token is not one this server issued") from e
