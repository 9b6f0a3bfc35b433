"""The QuickBooks Online Accounting API v3 client: reads, writes, query, batch, CDC.

Each request goes through the realm's rate limiter and the retry layer, with a bearer
token from the connection's :class:`~billsync.daemon.auth.tokens.TokenSource` (refreshed once on a
401, never on a 403), ``minorversion`` and, for creates, the ``requestid`` that makes a replay after a
crash return the first object instead of a duplicate. Every failure arrives as a
:class:`~billsync.daemon.qbo.faults.QboFault` the engine can classify, or as
:class:`~billsync.daemon.errors.AuthorizationLost` / :class:`~billsync.daemon.errors.Unavailable`.

Every write carries a ``requestid``, and the retry layer sends a write again only with
the one it first carried, so that QBO answers a re-send whose first attempt did apply
instead of applying it twice. A create's id comes from its caller, who alone knows which
creates are the same; an update's, delete's or void's defaults to a digest of what it
sends, which names the SyncToken it was based on: the same bytes on the same version of
the object are safe to send again, and no other write is.

A write waits for its answer as long as QBO may take to execute it ("Any requests that take
longer than 120 seconds to execute will time out", developer.intuit.com, *API call limits
and throttles*): given up on earlier, it would be sent again while the first still runs.
"""

from __future__ import annotations

import copy
import email.utils
import enum
import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.errors import AuthorizationLost
from billsync.daemon.http import Http
from billsync.daemon.qbo.faults import QboFault, dumps, fault_in, intuit_tid, parse_response, refused_company
from billsync.daemon.ratelimit import RateLimiter

__all__ = ["BatchOp", "BatchResult", "Operation", "QboFault", "QboRef", "QuickBooks", "quote"]

PAGE_SIZE = 1000
#: Ids per ``where Id in (…)`` look-up, which keeps the query well under QBO's URL limits.
IDS_PER_QUERY = 100
MAX_BATCH = 30
#: Seconds QBO may execute a request before it gives up on it (see the module's docstring).
EXECUTION_LIMIT = 120.0
#: A write's timeouts. The answer is awaited past QBO's own limit; connecting and sending
#: the body are short, so that a request checked against its sender's lease just before
#: (:meth:`QuickBooks.guarded`) has left before the lease can lapse.
WRITE_TIMEOUT = httpx.Timeout(connect=3.0, write=3.0, read=EXECUTION_LIMIT + 10.0, pool=30.0)


class Operation(enum.StrEnum):
    """What a batch item does."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    VOID = "void"
    QUERY = "query"


def quote(value: str) -> str:
    """A QBO query string literal: single quotes, with ``'`` escaped as ``\\'``."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class QboRef:
    """One QBO object, by entity name ("Invoice") and id: the key of what CDC or a scan found."""

    entity: str
    id: str


@dataclass(frozen=True)
class BatchOp:
    """One operation of a batch request.

    Attributes:
        bid: the caller's id for it (≤ 10 chars), the key of its result.
        operation: create, update, delete, void, or query.
        entity: the entity name ("Invoice"); unused for a query.
        body: the entity payload (Id and SyncToken for delete and void).
        query: the select statement of a query operation.
    """

    bid: str
    operation: Operation
    entity: str = ""
    body: dict[str, Any] | None = None
    query: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``BatchItemRequest`` element; QBO spells a void as an update with optionsData."""
        if self.operation is Operation.QUERY:
            return {"bId": self.bid, "Query": self.query}
        item: dict[str, Any] = {"bId": self.bid, self.entity: self.body or {}}
        if self.operation is Operation.VOID:
            item.update(operation=Operation.UPDATE, optionsData="void")
        else:
            item["operation"] = self.operation
        return item


@dataclass(frozen=True)
class BatchResult:
    """The answer to one :class:`BatchOp`: exactly one of the fields is set."""

    entity: dict[str, Any] | None = None
    fault: QboFault | None = None
    rows: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Changes:
    """A CDC answer: changed objects per entity, and QBO's time of the answer."""

    objects: dict[str, list[dict[str, Any]]]
    as_of: datetime | None


class QuickBooks:
    """A client for one realm.

    Args:
        api_url: e.g. ``https://quickbooks.api.intuit.com`` (Config.qbo_api_url).
        realm_id: the company id.
        tokens: the connection's QBO token source.
        limiter: the process-wide limiter; the realm id is its key.
        timeout: seconds per request (QBO itself gives up after 120).
        minorversion: sent on every call; QBO ignores values below 75.
        http: the retrying HTTP client; built with ``timeout`` if omitted.
    """

    def __init__(
        self,
        api_url: str,
        realm_id: str,
        tokens: TokenSource,
        limiter: RateLimiter,
        timeout: float = 30.0,
        minorversion: int = 75,
        *,
        http: Http | None = None,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/v3/company/{realm_id}"
        self.realm_id = realm_id
        self.tokens = tokens
        self.limiter = limiter
        self.minorversion = minorversion
        self.http = http or Http(timeout)
        self._guard: Callable[[], None] = _unguarded

    def guarded(self, guard: Callable[[], None]) -> QuickBooks:
        """This client, with ``guard`` called before each attempt of each write (once its
        rate-limit slot is granted, just before it is sent). A sync cycle passes its lease
        check: a write that leaves only while its sender holds the lease can land no later
        than QBO's execution limit after the lease ended, which is what lets a daemon
        taking over decide on the writes it finds pending (``sync.recovery``)."""
        view = copy.copy(self)
        view._guard = guard
        return view

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        """The object as QBO has it now (with its current SyncToken)."""
        return self._call("GET", f"{entity.lower()}/{entity_id}")[entity]

    def create(self, entity: str, body: dict[str, Any], requestid: str | None = None) -> dict[str, Any]:
        """Create; a repeat with the same ``requestid`` (≤ 50 chars) returns the first result.
        Two creates of equal bodies may both be meant, so only the caller can say which are
        one; without its word, this call is one create (its retries share a fresh id)."""
        return self._call("POST", entity.lower(), body=body, requestid=requestid or uuid.uuid4().hex)[entity]

    def update(self, entity: str, body: dict[str, Any], requestid: str | None = None) -> dict[str, Any]:
        """Full update, or partial with ``"sparse": True`` in ``body``; needs Id and SyncToken."""
        return self._call("POST", entity.lower(), body=body, requestid=requestid or self.content_key(entity, body))[
            entity
        ]

    def delete(self, entity: str, entity_id: str, sync_token: str, requestid: str | None = None) -> dict[str, Any]:
        """Delete a transaction; the answer is ``{"status": "Deleted", "Id": …}``."""
        return self._operate(Operation.DELETE, entity, entity_id, sync_token, requestid)

    def void(self, entity: str, entity_id: str, sync_token: str, requestid: str | None = None) -> dict[str, Any]:
        """Void a transaction: it stays, with zero amounts, as QBO's record that it existed."""
        return self._operate(Operation.VOID, entity, entity_id, sync_token, requestid)

    def _operate(
        self, operation: Operation, entity: str, entity_id: str, sync_token: str, requestid: str | None
    ) -> dict[str, Any]:
        body = {"Id": entity_id, "SyncToken": sync_token}
        params = {"operation": operation}
        requestid = requestid or self.content_key(entity, body, operation)
        return self._call("POST", entity.lower(), params=params, body=body, requestid=requestid)[entity]

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Every row of a ``select * from …`` (without ORDERBY, STARTPOSITION or MAXRESULTS),
        in Id order: for look-ups whose answer is small; :meth:`query_pages` for a scan."""
        return [row for page in self.query_pages(sql) for row in page]

    def query_pages(self, sql: str) -> Iterator[list[dict[str, Any]]]:
        """The rows of a ``select * from …`` a page at a time, in Id order: one request per
        page taken, so a scan of every invoice of a large company holds one page. Rows are
        whole objects whatever the select list ("projections are not supported", Intuit,
        *Data queries*).

        QBO documents no order for a query without ORDERBY, and a recorded answer is not in
        Id order; an order that moves a row when it changes would let a page skip or repeat
        rows. Ids never change and new ones come last, so offset pages in Id order stay
        aligned while objects are created or edited between them. A caller done with a page
        may empty it (``clear``), so that the next is read without this one held.
        """
        start = 1
        while True:
            answer = self._call(
                "GET", "query", params={"query": f"{sql} ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"}
            )
            page = _rows(answer.get("QueryResponse") or {})
            size = len(page)
            yield page
            if size < PAGE_SIZE:
                return
            start += size

    def read_many(self, entity: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The objects of ``entity`` QBO holds now among ``ids``, by Id: a query per 100 ids
        (QBO answers whole objects whatever the select list), which a deletion made meanwhile
        cannot shift the way it shifts the rows of later offset pages."""
        wanted = sorted(set(ids))
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(wanted), IDS_PER_QUERY):
            listed = ", ".join(quote(qbo_id) for qbo_id in wanted[i : i + IDS_PER_QUERY])
            found |= {str(row["Id"]): row for row in self.query(f"select * from {entity} where Id in ({listed})")}
        return found

    def existing_ids(self, entity: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` QBO holds as ``entity`` now."""
        return set(self.read_many(entity, ids))

    def count(self, sql: str) -> int:
        """The result of a ``select count(*) from …`` query."""
        answer = self._call("GET", "query", params={"query": sql})
        return int((answer.get("QueryResponse") or {}).get("totalCount", 0))

    def batch(self, items: list[BatchOp], requestid: str | None = None) -> dict[str, BatchResult]:
        """Run up to 30 independent operations in one request; results keyed by bId. Like a
        create's, the ``requestid`` is the caller's to name, or this call's alone.

        QBO answers items in no guaranteed order. An item missing from the answer has
        an unknown outcome: resolve it by a look-up, as after a crash.

        Raises:
            ValueError: more than 30 items, or a repeated bId.
        """
        if len(items) > MAX_BATCH:
            raise ValueError(f"a QBO batch holds at most {MAX_BATCH} operations, got {len(items)}")
        if len({item.bid for item in items}) != len(items):
            raise ValueError("bIds within a batch must be unique")
        answer, response = self._exchange(
            "POST",
            "batch",
            body={"BatchItemRequest": [i.to_json() for i in items]},
            requestid=requestid or uuid.uuid4().hex,
            batch=True,
        )
        tid = intuit_tid(response)
        results: dict[str, BatchResult] = {}
        for item in answer.get("BatchItemResponse") or []:
            fault = fault_in(item, 200, tid)
            if fault is not None:
                results[item["bId"]] = BatchResult(fault=fault)
            elif "QueryResponse" in item:
                results[item["bId"]] = BatchResult(rows=_rows(item["QueryResponse"]))
            else:
                results[item["bId"]] = BatchResult(
                    entity=next(value for key, value in item.items() if key not in ("bId", "time"))
                )
        return results

    def cdc(self, entities: Iterable[str], since: datetime | str) -> Changes:
        """Objects of ``entities`` changed since ``since`` (≤ 30 days back); deleted ones
        appear as ``{"status": "Deleted", "Id": …}``. Every asked entity has a key; ``as_of``
        is QBO's own clock at the answer, the right ``since`` for the next read."""
        names = list(entities)
        stamp = since.isoformat() if isinstance(since, datetime) else since
        answer, response = self._exchange("GET", "cdc", params={"entities": ",".join(names), "changedSince": stamp})
        changed: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for block in answer.get("CDCResponse") or []:
            for listed in block.get("QueryResponse") or []:
                for name, value in listed.items():
                    if isinstance(value, list):
                        changed.setdefault(name, []).extend(value)
        return Changes(changed, answered_at(answer, response))

    def server_time(self) -> datetime | None:
        """QBO's clock now, from a small read (the company's info): the time to read changes
        from when no earlier answer gave one. Our own clock may be minutes off QBO's."""
        answer, response = self._exchange("GET", f"companyinfo/{self.realm_id}")
        return answered_at(answer, response)

    def preferences(self) -> dict[str, Any]:
        """The company's Preferences (SalesFormsPrefs.CustomTxnNumbers, OtherPrefs, …)."""
        return self._call("GET", "preferences")["Preferences"]

    def update_preferences(self, sparse_body: dict[str, Any]) -> dict[str, Any]:
        """Change some preferences; ``sparse_body`` needs Id and SyncToken from :meth:`preferences`."""
        body = {**sparse_body, "sparse": True}
        return self._call("POST", "preferences", body=body, requestid=self.content_key("Preferences", body))[
            "Preferences"
        ]

    def content_key(self, entity: str, body: dict[str, Any], operation: str = "update") -> str:
        """The ``requestid`` of a write that names the version it changes (Id and SyncToken):
        the same bytes on the same version are one write, safe to send again; any later
        write is based on a later SyncToken and gets another key."""
        text = "|".join([self.realm_id, entity, operation, dumps(body)])
        return hashlib.sha256(text.encode()).hexdigest()[:36]

    def exchange_rate(self, code: str, as_of: str) -> dict[str, Any]:
        """QuickBooks' ``ExchangeRate`` of the currency ``code`` on ``as_of`` (YYYY-MM-DD): its
        ``Rate`` is home units per unit of ``code``. A query of ExchangeRate was broken, so the
        single GET is what clients use (node-quickbooks PR #58; quickbooks-ruby PR #347)."""
        params = {"sourcecurrencycode": code, "asofdate": as_of}
        return self._call("GET", "exchangerate", params=params).get("ExchangeRate") or {}

    def company_info(self) -> dict[str, Any]:
        """The company's name, country and so on."""
        return self._call("GET", f"companyinfo/{self.realm_id}")["CompanyInfo"]

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        requestid: str | None = None,
    ) -> Any:
        """The JSON answer of one request; see :meth:`_exchange`."""
        return self._exchange(method, path, params=params, body=body, requestid=requestid)[0]

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        requestid: str | None = None,
        batch: bool = False,
    ) -> tuple[Any, httpx.Response]:
        """Send (retries happen below), refresh the token on a 401 and send once more; a 403
        (fault 3100) stops the connection at once, since no refresh mends it.

        Returns:
            The JSON answer and the response it came in.

        Raises:
            QboFault: QBO refused or failed the request after the retry budget.
            AuthorizationLost: the refreshed token was refused too, or QBO refused the company.
        """
        query = {**(params or {}), "minorversion": str(self.minorversion)}
        write = method == "POST"
        if requestid:
            query["requestid"] = requestid
        content = dumps(body) if body is not None else None
        timeout = WRITE_TIMEOUT if write else httpx.USE_CLIENT_DEFAULT

        @contextmanager
        def attempt() -> Iterator[None]:
            with self.limiter.slot(self.realm_id, batch=batch):
                if write:
                    self._guard()
                yield

        def send(token: str) -> tuple[Any, httpx.Response]:
            response = self.http.request(
                method,
                f"{self.base}/{path}",
                params=query,
                content=content,
                headers={
                    "Accept": "application/json",
                    "Authorization": f"Bearer {token}",
                    **({"Content-Type": "application/json"} if content is not None else {}),
                },
                timeout=timeout,
                around=attempt,
            )
            try:
                return parse_response(response), response
            except QboFault as fault:
                if fault.forbidden:  # no refresh: a new token of the same grant is refused alike
                    raise AuthorizationLost("qbo", refused_company(self.realm_id, fault)) from fault
                raise

        token = self.tokens.access_token()
        try:
            return send(token)
        except QboFault as fault:
            if not fault.auth:
                raise
        try:
            return send(self.tokens.refreshed(token))
        except QboFault as fault:
            if fault.auth:
                raise AuthorizationLost("qbo") from fault
            raise


def answered_at(answer: Any, response: httpx.Response) -> datetime | None:
    """QBO's clock when it answered: the ``time`` its JSON answers carry (every recorded
    answer in ../shared/fixtures/qbo-recorded has one), else the ``Date`` header, which
    every origin server with a clock sends (RFC 9110 §6.6.1); None without either."""
    if isinstance(answer, dict) and isinstance(answer.get("time"), str):
        return datetime.fromisoformat(answer["time"])
    try:
        return email.utils.parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None


def _unguarded() -> None:
    """Writes outside a sync cycle (an admin fixing a setting) answer to no lease."""


def _rows(query_response: dict[str, Any]) -> list[dict[str, Any]]:
    """The entity list of a QueryResponse, whatever the entity (it is the one list value)."""
    return next((value for value in query_response.values() if isinstance(value, list)), [])
