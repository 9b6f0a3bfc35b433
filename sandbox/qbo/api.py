"""The emulated Accounting API under ``/v3/company/<realm_id>/…``.

Every request passes the same gate: a bearer token valid for the realm (else the
lower-case 401 envelope, or 403 with fault 3100 for a live token of another company), the
per-realm ceilings (500/min, 10/s, 10 in flight, 40 batches/min; else 429 with QBO's XML body
even to a JSON client), ``requestid`` replay (:mod:`replay`: an answer kept, or a wait for
an identical request in flight), the hold on batch requests (and single writes) when a test
switched it on, an
injected fault if one is drawn; then the view, and for a write, once applied, the answer is
kept for its ``requestid`` and may be lost (``faults.after_*``). Views only translate HTTP
to :mod:`entities`, :mod:`query`, :mod:`batch` and :mod:`cdc`, after :mod:`schema` has
checked a write's properties as QBO binds them.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from flask import Blueprint, Response, current_app, request

from billsync.sandbox.faults import HeldTooLong, drop_connection
from billsync.sandbox.qbo import batch, cdc, currency, entities, jsonutil, query, schema
from billsync.sandbox.qbo.errors import (
    QBOFault,
    auth_failed_body,
    authorization_failed_body,
    service_unavailable_body,
    throttle_xml,
    timed_out_body,
    unknown_path,
)
from billsync.sandbox.qbo.store import Company
from billsync.sandbox.qbo.tokens import Refusal

bp = Blueprint("qbo_api", __name__, url_prefix="/v3/company/<realm_id>")


def _state():
    return current_app.extensions["qbo_sandbox"]


def json_response(payload: dict[str, Any], status: int = 200, stamp: bool = True) -> Response:
    """A QBO JSON answer: exact decimals and the ``time`` field (``app`` adds the ``intuit_tid``)."""
    body = {**payload, "time": jsonutil.now_iso_millis()} if stamp else payload
    return Response(jsonutil.dumps(body), status=status, content_type="application/json;charset=utf-8")


def _throttled() -> Response:
    return Response(throttle_xml(), status=429, content_type="application/xml")


def _refused(refusal: Refusal) -> Response:
    """401 (refresh and try again) or 403 (fault 3100: this token is for another company)."""
    if refusal.status == 403:
        return json_response(authorization_failed_body(), 403, stamp=False)
    response = json_response(auth_failed_body(refusal.detail), 401, stamp=False)
    response.headers["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
    return response


def _admit(realm_id: str, is_batch: bool) -> Response | None:
    """Authentication and rate ceilings; a Response means "answer this instead"."""
    state = _state()
    header = request.headers.get("Authorization", "")
    refusal = (
        state.tokens.check(header[7:], realm_id) if header.startswith("Bearer ") else Refusal(401, "Token missing")
    )
    if refusal is not None:
        return _refused(refusal)
    if state.config.limits_enabled and (
        state.per_second.try_acquire(realm_id)
        or state.requests.try_acquire(realm_id)
        or (is_batch and state.batches.try_acquire(realm_id))
    ):
        return _throttled()
    return None


def gated(is_batch: bool = False, writes: bool = False) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Wrap a view in the request gate, the concurrency slot and :func:`_served`."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(realm_id: str, **kwargs: Any) -> Response:
            refused = _admit(realm_id, is_batch)
            if refused is not None:
                return refused
            state = _state()
            with state.concurrency.slot(realm_id) as admitted:
                if state.config.limits_enabled and not admitted:
                    return _throttled()
                return _served(state, realm_id, lambda: view(realm_id, **kwargs), is_batch=is_batch, writes=writes)

        return wrapper

    return decorate


def _served(state: Any, realm_id: str, apply: Callable[[], Response], *, is_batch: bool, writes: bool) -> Response:
    """Replay, hold, faults and the view, inside the concurrency slot (a held, slow or
    waiting request occupies it). The same ``requestid`` in a realm gets the same answer
    again, not a second object, even while the first is still being applied."""
    key = request.args.get("requestid", "") if request.method == "POST" else ""
    with state.replays.claim(realm_id, key) as kept:
        if kept is not None:
            return Response(kept[1], status=kept[0], content_type="application/json;charset=utf-8")
        limit = state.config.scaled(state.config.execution_limit)
        written = _entities_written(is_batch, writes)
        try:
            with state.hold.held(is_batch, limit, write=writes, entities=written, realm_id=realm_id, path=request.path):
                if state.faults.inject():
                    return json_response(service_unavailable_body(), 503, stamp=False)
                try:
                    response = apply()
                except QBOFault as fault:
                    return json_response(fault.body(), fault.status, stamp=False)
                lost = state.faults.draw_after(is_batch) if writes else None
                if lost == "omit":
                    response = json_response(batch.without_one(jsonutil.loads(response.get_data())), stamp=False)
                state.replays.keep(realm_id, key, (response.status_code, response.get_data(as_text=True)))
        except HeldTooLong:
            return json_response(timed_out_body(), 504, stamp=False)
    if lost == "error":
        return json_response(service_unavailable_body(), 503, stamp=False)
    if lost == "drop":
        drop_connection()
    return response


def _entities_written(is_batch: bool, writes: bool) -> set[str]:
    """The entities a write request writes, which a hold may be narrowed to."""
    if is_batch:
        return batch.entities_written(request.get_data())
    kind = entities.TYPES.get(str((request.view_args or {}).get("entity", "")).lower()) if writes else None
    return {kind.name} if kind else set()


def _company(realm_id: str) -> Company:
    company = _state().store.company(realm_id)
    if company is None:
        raise QBOFault("610", element="realmId")
    return company


def _body() -> Any:
    try:
        return jsonutil.loads(request.get_data() or b"{}")
    except ValueError:
        raise QBOFault("2020", element="request body", detail="Request body is not valid JSON") from None


def _entity_name(entity: str) -> str:
    """The entity type a path names; one not served here is a path QBO has no resource for."""
    kind = entities.TYPES.get(entity.lower())
    if kind is None:
        raise unknown_path(request.path, request.url)
    return kind.name


def _include() -> set[str]:
    return {part.strip().lower() for part in request.args.get("include", "").split(",") if part.strip()}


@bp.route("/query", methods=["GET", "POST"])
@gated()
def run_query(realm_id: str) -> Response:
    """GET ``?query=`` or POST the query as an application/text body."""
    text = request.args.get("query") or request.get_data(as_text=True)
    with _state().store.lock:
        return json_response({"QueryResponse": query.execute(_company(realm_id), text)})


@bp.post("/batch")
@gated(is_batch=True, writes=True)
def run_batch(realm_id: str) -> Response:
    state = _state()
    body = _body()
    schema.check_batch(body)
    with state.store.lock:
        return json_response(batch.run(state.store, _company(realm_id), body, state.config.batch_max_items))


@bp.get("/cdc")
@gated()
def run_cdc(realm_id: str) -> Response:
    state = _state()
    with state.store.lock:
        return json_response(
            cdc.run(
                _company(realm_id),
                request.args.get("entities", ""),
                request.args.get("changedSince", ""),
                state.config.cdc_max_days,
            )
        )


@bp.get("/preferences")
@gated()
def read_preferences(realm_id: str) -> Response:
    with _state().store.lock:
        return json_response({"Preferences": entities.read(_company(realm_id), "Preferences", "1")})


@bp.get("/exchangerate")
@gated()
def read_exchange_rate(realm_id: str) -> Response:
    """``?sourcecurrencycode=EUR&asofdate=YYYY-MM-DD``: home units per unit of that currency."""
    args = request.args
    with _state().store.lock:
        rate = currency.exchange_rate(_company(realm_id), args.get("sourcecurrencycode", ""), args.get("asofdate"))
    return json_response({"ExchangeRate": rate})


@bp.get("/<entity>/<entity_id>")
@gated()
def read(realm_id: str, entity: str, entity_id: str) -> Response:
    """Read one object (``companyinfo/<realmId>`` reads the company's CompanyInfo). Ids are
    numbers: anything else is fault 2030, not "not found" (Intuit's error-code list)."""
    name = _entity_name(entity)
    if not entity_id.isdigit():
        raise QBOFault("2030", element="Id", detail=entity_id)
    lookup_id = "1" if name == "CompanyInfo" else entity_id
    with _state().store.lock:
        return json_response({name: entities.read(_company(realm_id), name, lookup_id)})


@bp.post("/<entity>")
@gated(writes=True)
def write(realm_id: str, entity: str) -> Response:
    """Create or update; ``?operation=delete|void|update`` and ``?include=`` as in QBO."""
    state = _state()
    name = _entity_name(entity)
    operation = request.args.get("operation", "create").lower()
    body = _body()
    schema.check_write(name, body)
    with state.store.lock:
        result = entities.write(state.store, _company(realm_id), name, operation, body, _include())
    return json_response({name: result})
