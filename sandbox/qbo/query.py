"""QBO's query language: a small SQL without OR, JOIN or GROUP BY.

``select * | count(*) | f1, f2 from Entity [where a = 'x' and b > 'y' ...]
[orderby f [asc|desc], ...] [startposition n] [maxresults m]`` with keywords in any case,
the operators = < > <= >= != IN (...) LIKE ('%' wildcards), strings in single quotes
with ``\\'`` escapes. Name lists answer only active objects unless the query filters on
``Active``, as QBO does. A malformed query faults 4000 (QueryParserError); an entity or a
filter or sort QBO does not offer faults 4001 (QueryValidationError, see
:mod:`billsync.sandbox.qbo.schema`). MAXRESULTS is capped at 1000 and defaults to 100;
STARTPOSITION counts from 1; the two come in either order (QBO's parser expects both
"maxresults" and "startposition" right after a condition: node-quickbooks issue #56,
quickbooks-ruby issue #471; n8n's QuickBooks node pages with ``MAXRESULTS 1000
STARTPOSITION n``).

A select list is accepted and answered with whole objects: "The response set always returns
all properties for each object. That is, projections are not supported" (Intuit, *Data
queries*, developer.intuit.com; alike in Intuit's blog "Advanced SQL queries", 2014-03-20),
so a client that asks for ``select Id`` of every invoice reads every invoice whole.

Without ORDERBY, rows come most recently changed first (MetaData.LastUpdatedTime, then Id,
descending). No source states QBO's implicit order; the recorded batch answer
(batch-basic.yml) lists SalesReceipt 17, changed in 2020, before 11, changed in 2016, so it
is not Id order, and this one moves a row whenever it changes: a client paging without
ORDERBY while the company changes skips or repeats rows here, as it may on QBO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from billsync.sandbox.qbo import currency, jsonutil, schema
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.store import Company, Entity

MAX_RESULTS, DEFAULT_RESULTS = 1000, 100
EPOCH = "1970-01-01T00:00:00Z"
NAME_LISTS = {"customer", "vendor", "item", "account"} | {
    "taxcode",
    "taxrate",
    "taxagency",
    "paymentmethod",
    "companycurrency",
}
_TOKEN = re.compile(
    r"""\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])
                     |(?P<word>[A-Za-z_][\w.]*(?:\(\*\))?)|(?P<num>-?\d+(?:\.\d+)?))""",
    re.X,
)


@dataclass
class Query:
    """A parsed query; :meth:`run` applies it to a list of objects."""

    entity: str
    count: bool = False
    where: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    limit: int = DEFAULT_RESULTS


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos, text = [], 0, text.strip().rstrip(";")
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QBOFault("4000", detail=f'Encountered " {text[pos : pos + 20]!r} at column {pos + 1}')
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos][1].lower() if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise QBOFault("4000", detail="Encountered <EOF>: the query ended too early")
        kind, value = self.tokens[self.pos]
        if expected and value.lower() != expected:
            raise QBOFault("4000", detail=f'Encountered "{value}", was expecting "{expected}"')
        self.pos += 1
        return kind, value

    def value(self) -> Any:
        kind, raw = self.take()
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", raw[1:-1])
        if kind == "num":
            return Decimal(raw)
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise QBOFault("4000", detail=f'Encountered "{raw}", was expecting a value')

    def integer(self) -> int:
        kind, raw = self.take()
        if kind != "num" or not raw.isdigit():
            raise QBOFault("4000", detail=f'Encountered "{raw}", was expecting a number')
        return int(raw)

    def parse(self) -> Query:
        self.take("select")
        selected = []
        while self.peek() != "from":
            kind, word = self.take()
            if kind != "punct" or word == "*":
                selected.append(word)
        if not selected:
            raise QBOFault("4000", detail='Encountered "from", was expecting "*", "count(*)" or a property')
        _, entity = self.take("from")
        query = Query(
            entity=self.take()[1],
            count=[s.lower() for s in selected] == ["count(*)"],
        )
        if self.peek() == "where":
            self.take()
            query.where.append(self.condition())
            while self.peek() == "and":
                self.take()
                query.where.append(self.condition())
        if self.peek() == "orderby":
            self.take()
            while True:
                name = self.take()[1]
                descending = self.peek() == "desc"
                if self.peek() in ("asc", "desc"):
                    self.take()
                query.order.append((name, descending))
                if self.peek() != ",":
                    break
                self.take()
        paging = {"startposition", "maxresults"}
        while self.peek() in paging:
            keyword = self.take()[1].lower()
            paging.discard(keyword)
            number = self.integer()
            if keyword == "startposition":
                query.start = max(number, 1)
            else:
                query.limit = min(number, MAX_RESULTS)
        if self.pos != len(self.tokens):
            raise QBOFault("4000", detail=f'Encountered "{self.tokens[self.pos][1]}" after the end of the query')
        return query

    def condition(self) -> tuple[str, str, Any]:
        name = self.take()[1]
        operator = self.take()[1].lower()
        if operator == "in":
            self.take("(")
            values = [self.value()]
            while self.peek() == ",":
                self.take()
                values.append(self.value())
            self.take(")")
            return name, "in", values
        if operator not in ("=", "<", ">", "<=", ">=", "!=", "<>", "like"):
            raise QBOFault("4000", detail=f'Encountered "{operator}", was expecting an operator')
        return name, operator, self.value()


def parse(text: str) -> Query:
    return _Parser(text or "").parse()


def lookup(entity: Entity, path: str) -> Any:
    """A field by dotted path; a reference (``CustomerRef``) compares by its ``value``."""
    value: Any = entity
    for part in path.split("."):
        if not isinstance(value, dict):
            value = None
        elif part in value:  # as written, most often: no look through every field
            value = value[part]
        else:
            value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value.get("value") if isinstance(value, dict) and "value" in value else value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, bool) or isinstance(right, bool):
        return str(left).lower(), str(right).lower()
    try:
        return Decimal(str(left)), Decimal(str(right))
    except InvalidOperation:
        pass
    if isinstance(left, str) and isinstance(right, str) and len(left) >= 10 and len(right) >= 10:
        try:
            return jsonutil.parse_time(left), jsonutil.parse_time(right)
        except ValueError:
            pass
    return str(left).casefold(), str(right).casefold()


def _key(value: Any) -> tuple[str, Any]:
    """What ``value`` is compared as: equal keys, and only they, are equal by :func:`_comparable`."""
    if isinstance(value, bool):
        return "s", str(value).lower()
    try:
        return "n", Decimal(str(value))
    except InvalidOperation:
        pass
    if isinstance(value, str) and len(value) >= 10:
        try:
            return "t", jsonutil.parse_time(value)
        except ValueError:
            pass
    return "s", str(value).casefold()


def _field(entity: Entity, name: str) -> Any:
    actual = lookup(entity, name)
    if isinstance(actual, dict) and "Address" in actual:
        # An e-mail address (``PrimaryEmailAddr``, "Filterable" in Intuit's Customer reference)
        # filters on the address it holds; no source shows QBO comparing anything else of it.
        return actual["Address"]
    return actual


def _matcher(condition: tuple[str, str, Any]) -> Callable[[Entity], bool]:
    """Whether an entity meets ``condition``. ``in`` looks its field up once and compares
    keys (:func:`_key`): 50 options over 100,000 objects made 5,000,000 comparisons."""
    name, operator, wanted = condition
    if operator != "in":
        return lambda entity: _matches(entity, condition)
    keys = {_key(option) for option in wanted}
    return lambda entity: (actual := _field(entity, name)) is not None and _key(actual) in keys


def _matches(entity: Entity, condition: tuple[str, str, Any]) -> bool:
    name, operator, wanted = condition
    actual = _field(entity, name)
    if actual is None:
        return False
    if operator == "like":
        pattern = ".*".join(re.escape(part) for part in str(wanted).split("%"))
        return re.fullmatch(pattern, str(actual), re.I | re.S) is not None
    left, right = _comparable(actual, wanted)
    try:
        return {
            "=": left == right,
            "!=": left != right,
            "<>": left != right,
            "<": left < right,
            ">": left > right,
            "<=": left <= right,
            ">=": left >= right,
        }[operator]
    except TypeError:
        return False


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return 0, Decimal(value)
    text = str(value) if value is not None else ""
    return (0, Decimal(text)) if re.fullmatch(r"-?\d+(\.\d+)?", text) else (1, text.casefold())


def _changed(row: Entity) -> datetime:
    return jsonutil.parse_time(lookup(row, "MetaData.LastUpdatedTime") or EPOCH)


def run(query: Query, rows: Iterable[Entity]) -> dict[str, Any]:
    """Filter, sort and page ``rows``; return the ``QueryResponse`` object."""
    where = list(query.where)
    if query.entity.lower() in NAME_LISTS and not any(c[0].lower() == "active" for c in where):
        where.append(("Active", "=", True))
    matchers = [_matcher(c) for c in where]
    found = [row for row in rows if all(match(row) for match in matchers)]
    if query.count:
        return {"totalCount": len(found)}
    found.sort(key=lambda row: (_changed(row), _sort_key(row.get("Id"))), reverse=True)
    for name, descending in reversed(query.order):
        found.sort(key=lambda row: _sort_key(lookup(row, name)), reverse=descending)
    page = found[query.start - 1 : query.start - 1 + query.limit]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def execute(company: Company, text: str) -> dict[str, Any]:
    """Parse, check and run ``text`` against a company (caller holds the store lock)."""
    from billsync.sandbox.qbo.entities import entity_type  # entities -> txns -> ...: avoid an import cycle

    query = parse(text)
    try:
        query.entity = entity_type(query.entity).name
    except QBOFault:  # quickbooks-ruby issue #628 shows QBO's words
        raise QBOFault("4001", detail=f"Metadata not found for Entity: {query.entity}") from None
    schema.check_query(query.entity, (c[0] for c in query.where), (name for name, _ in query.order))
    answer = run(query, company.objects.get(query.entity, {}).values())
    if query.entity == "ExchangeRate" and query.entity in answer:
        answer[query.entity] = [currency.shown(row) for row in answer[query.entity]]
    return answer
