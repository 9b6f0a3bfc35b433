"""List queries: Clio's filter parameters, ordering and cursor paging, over the store.

A query narrows candidates through the store's indexes first (``updated_since``, ``ids[]``,
``bill_id``…) and only then tests the remaining filters record by record, so an idle sync
cycle on a 100,000-bill firm costs a bisect, not a scan.

Paging follows docs.developers.clio.com/api-docs/paging: at most 200 records a page
(``limit`` above 200 is a 400), ``meta.paging.next`` is a full URL while more records
remain. With ``order=id(asc)`` or ``id(desc)`` the ``page_token`` is a cursor (the last id
shown), which is stable while records change; other orders page by offset, as Clio's
offset pagination does.
"""

from __future__ import annotations

import base64
import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from billsync.sandbox.clio.errors import bad_request
from billsync.sandbox.clio.store import Collection, Record

Predicate = Callable[[Record], bool]

MAX_LIMIT = 200
BILL_STATES = ("draft", "awaiting_approval", "awaiting_payment", "paid", "void", "deleted")
PARENT_TYPES = ("Payment", "CreditMemo")

#: Orders each endpoint accepts (from Clio's OpenAPI ``order`` enums) and its default.
ORDERS: dict[str, tuple[tuple[str, ...], str]] = {
    "contacts": (("id", "name"), "id(asc)"),
    "bills": (("id", "due_at", "issued_at", "paid_at"), "id(asc)"),
    "line_items": (("id",), "id(asc)"),
    "allocations": (("id", "date"), "date(asc)"),
    "credit_memos": (("id", "date"), "date(asc)"),
    "bank_accounts": (
        ("id", "name", "institution", "account_number", "transit_number", "currency", "updated_at", "type"),
        "id(asc)",
    ),
    "bank_transactions": (("id",), "id(asc)"),
    "webhooks": (("id",), "id(asc)"),
    "currencies": (("id",), "id(asc)"),  # no ``order`` parameter in the document: ids, cursor-paged
}


def parse_time(value: str) -> datetime:
    """An ISO-8601 timestamp; a naive one is taken as UTC."""
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise bad_request(f"Invalid ISO-8601 timestamp: {value}") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"Invalid ISO-8601 date: {value}") from None


def parse_int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"Parameter {name} must be an integer, got {value!r}") from None


def parse_bool(value: str) -> bool:
    return value.lower() in ("true", "1", "yes")


@dataclass
class Query:
    """What a list request asks for: index-backed candidates plus per-record tests."""

    candidates: set[int] | None = None
    predicates: list[Predicate] = field(default_factory=list)

    def narrow(self, ids: Iterable[int]) -> None:
        ids = set(ids)
        self.candidates = ids if self.candidates is None else self.candidates & ids

    def matches(self, record: Record) -> bool:
        return all(test(record) for test in self.predicates)


def _ref_filter(field_name: str) -> Callable[[Query, Collection, str, str], None]:
    def apply(query: Query, collection: Collection, name: str, value: str) -> None:
        query.narrow(collection.referrer_ids(field_name, parse_int(name, value)))

    return apply


def _equals(field_name: str, choices: tuple[str, ...] | None = None) -> Callable[..., None]:
    def apply(query: Query, collection: Collection, name: str, value: str) -> None:
        if choices and value not in choices:
            raise bad_request(f"Invalid {name}: {value}; expected one of {', '.join(choices)}")
        query.predicates.append(lambda r: r.get(field_name) == value)

    return apply


def _date_bound(field_name: str, after: bool) -> Callable[..., None]:
    def apply(query: Query, collection: Collection, name: str, value: str) -> None:
        bound = parse_date(value)
        if after:
            query.predicates.append(lambda r: r.get(field_name) is not None and r[field_name] > bound)
        else:
            query.predicates.append(lambda r: r.get(field_name) is not None and r[field_name] < bound)

    return apply


def _contact_query(query: Query, collection: Collection, name: str, value: str) -> None:
    needle = value.casefold()
    query.predicates.append(
        lambda r: needle in r["name"].casefold() or needle in (r.get("primary_email_address") or "").casefold()
    )


def _flag(test: Predicate) -> Callable[..., None]:
    def apply(query: Query, collection: Collection, name: str, value: str) -> None:
        if parse_bool(value):
            query.predicates.append(test)

    return apply


def _parent_id(query: Query, collection: Collection, name: str, value: str) -> None:
    parent_id = parse_int(name, value)
    query.narrow(set().union(*(collection.referrer_ids("parent", (kind, parent_id)) for kind in PARENT_TYPES)))


def _parent_type(query: Query, collection: Collection, name: str, value: str) -> None:
    # Clio's OpenAPI types this parameter as an integer, yet documents it as "Payment or
    # CreditMemo"; the emulator takes the type names, case-insensitively.
    wanted = {kind.lower(): kind for kind in PARENT_TYPES}.get(value.lower())
    if wanted is None:
        raise bad_request(f"Invalid parent_type: {value}; expected Payment or CreditMemo")
    query.predicates.append(lambda r: r["parent"]["type"] == wanted)


def _status(query: Query, collection: Collection, name: str, value: str) -> None:
    if value not in ("valid", "invalid"):
        raise bad_request(f"Invalid status: {value}; expected valid or invalid")
    voided = value == "invalid"
    query.predicates.append(lambda r: (r.get("voided_at") is not None) == voided)


#: ``GET /bank_accounts.json``'s ``type`` values (Clio's OpenAPI enum), and the record ``type``
#: (``BankAccount_base`` enum Operating, Trust) each one selects.
ACCOUNT_TYPES = {"OperatingAccount": "Operating", "TrustAccount": "Trust"}


def _account_type(query: Query, collection: Collection, name: str, value: str) -> None:
    kind = ACCOUNT_TYPES.get(value)
    if kind is None:
        raise bad_request(f"Invalid type: {value}; expected one of {', '.join(ACCOUNT_TYPES)}")
    query.predicates.append(lambda r: r["type"] == kind)


def _account_status(query: Query, collection: Collection, name: str, value: str) -> None:
    # The document's enum is opened/closed; the emulator's accounts are never closed.
    if value not in ("opened", "closed"):
        raise bad_request(f"Invalid status: {value}; expected opened or closed")
    query.predicates.append(lambda r: value == "opened")


def _show_empty(query: Query, collection: Collection, name: str, value: str) -> None:
    # Documented only as "Filter BankAccount records to those having a zero or non zero
    # balance"; the emulator reads false as "leave out accounts whose balance is zero".
    if not parse_bool(value):
        query.predicates.append(lambda r: r["balance"] != 0)


def _user_id(query: Query, collection: Collection, name: str, value: str) -> None:
    # Every account belongs to the emulator's one user (id 1); "null" matches none of them.
    wanted = None if value == "null" else parse_int(name, value)
    query.predicates.append(lambda r: wanted == 1)


#: Filters per endpoint, beyond the common ``ids[]``, ``created_since``, ``updated_since``.
FILTERS: dict[str, dict[str, Callable[[Query, Collection, str, str], None]]] = {
    "contacts": {
        "type": _equals("type", ("Company", "Person")),
        "query": _contact_query,
        "client_only": _flag(lambda r: bool(r.get("is_client"))),
        "email_only": _flag(lambda r: bool(r.get("primary_email_address"))),
    },
    "bills": {
        "state": _equals("state", BILL_STATES),
        "client_id": _ref_filter("client"),
        "bill_number": _equals("number"),
        "issued_after": _date_bound("issued_at", after=True),
        "issued_before": _date_bound("issued_at", after=False),
        "due_after": _date_bound("due_at", after=True),
        "due_before": _date_bound("due_at", after=False),
    },
    "line_items": {"bill_id": _ref_filter("bill"), "kind": _equals("kind", ("Service", "Expense"))},
    "allocations": {
        "bill_id": _ref_filter("bill"),
        "contact_id": _ref_filter("contact"),
        "parent_id": _parent_id,
        "parent_type": _parent_type,
        "status": _status,
    },
    "credit_memos": {"contact_id": _ref_filter("contact")},
    "bank_accounts": {
        "type": _account_type,
        "status": _account_status,
        "show_empty_accounts": _show_empty,
        "user_id": _user_id,
    },
    "bank_transactions": {
        "bank_account_id": _ref_filter("bank_account"),
        "client_id": _ref_filter("client"),
        "matter_id": _ref_filter("matter"),
        "type": _equals("type", ("asset", "liability")),
        # Nothing is ever reconciled in the emulator, so every transaction is unreconciled.
        "unreconciled_only": _flag(lambda r: True),
    },
    "webhooks": {},
    "currencies": {},
}


def _since(field_name: str, bound: datetime, inclusive: bool) -> Predicate:
    """``updated_since``/``created_since``: Clio's OpenAPI document describes each as "Filter
    Bill records to those having the `updated_at` field after a specific time" (GET
    /bills.json; the same words on every list endpoint), so a record stamped at exactly
    ``bound`` is left out unless the emulator is configured ``inclusive_since``."""
    if inclusive:
        return lambda r: r[field_name] >= bound
    return lambda r: r[field_name] > bound


def build(collection: Collection, args: Mapping[str, Any], ids: list[str], *, inclusive_since: bool) -> Query:
    """Turn request parameters into a :class:`Query`; 400 on a malformed value.

    ``inclusive_since`` makes ``updated_since``/``created_since`` mean "at or after" instead
    of Clio's documented "after" (``ClioConfig.inclusive_since``).
    """
    query = Query()
    if ids:
        query.narrow(parse_int("ids[]", value) for value in ids)
    if args.get("updated_since"):
        updated = parse_time(args["updated_since"])
        query.narrow(collection.updated_since(updated))  # at or after: the index narrows, _since decides
        query.predicates.append(_since("updated_at", updated, inclusive_since))
    if args.get("created_since"):
        query.predicates.append(_since("created_at", parse_time(args["created_since"]), inclusive_since))
    for name, apply in FILTERS[collection.name].items():
        if args.get(name):
            apply(query, collection, name, args[name])
    return query


def parse_limit(value: str | None) -> int:
    if value is None:
        return MAX_LIMIT
    limit = parse_int("limit", value)
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"Limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def parse_order(resource: str, value: str | None) -> tuple[str, bool]:
    """``"date(desc)"`` → ``("date", True)``, checked against the endpoint's orders."""
    keys, default = ORDERS[resource]
    text = value or default
    key, _, direction = text.partition("(")
    if key not in keys or direction not in ("asc)", "desc)"):
        allowed = ", ".join(f"{k}(asc), {k}(desc)" for k in keys)
        raise bad_request(f"Invalid order: {text}; expected one of {allowed}")
    return key, direction == "desc)"


def _encode(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def _decode(token: str, kind: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        found, _, value = text.partition(":")
        if found == kind:
            return int(value)
    except ValueError:
        pass
    raise bad_request("Invalid page_token")


def page(
    collection: Collection, query: Query, order: tuple[str, bool], limit: int, token: str | None
) -> tuple[list[Record], str | None]:
    """One page of matching records and the ``page_token`` of the next page, if any."""
    key, descending = order
    if key != "id":
        return _offset_page(collection, query, order, limit, token)
    ids = sorted(query.candidates) if query.candidates is not None else collection.ids
    if token is not None:
        cursor = _decode(token, "after")
        ids = ids[: bisect.bisect_left(ids, cursor)] if descending else ids[bisect.bisect_right(ids, cursor) :]
    found: list[Record] = []
    for record_id in reversed(ids) if descending else ids:
        record = collection.records.get(record_id)
        if record is not None and query.matches(record):
            if len(found) == limit:
                return found, _encode("after", found[-1]["id"])
            found.append(record)
    return found, None


def _offset_page(
    collection: Collection, query: Query, order: tuple[str, bool], limit: int, token: str | None
) -> tuple[list[Record], str | None]:
    key, descending = order
    ids = query.candidates if query.candidates is not None else collection.ids
    records = [r for r in map(collection.records.get, ids) if r is not None and query.matches(r)]
    records.sort(key=lambda r: (r.get(key) is None, r.get(key) or 0, r["id"]), reverse=descending)
    offset = _decode(token, "offset") if token else 0
    chunk = records[offset : offset + limit]
    more = offset + limit < len(records)
    return chunk, _encode("offset", offset + limit) if more else None
