"""The emulated Clio API v4 read endpoints: list and show for every resource, and ``who_am_i``.

Responses have Clio's envelope: ``{"data": [...], "meta": {"paging": {"previous": url, "next":
url}}}`` for a list (paged as :mod:`billsync.sandbox.clio.paging` explains), ``{"data": {...}}``
for one record, each record showing the requested ``fields`` (only ``id`` and ``etag`` by
default). A single record also carries its ``ETag`` and
``Last-Modified`` headers and answers ``If-None-Match`` with 304, as in
docs.developers.clio.com/api-docs/etags.
"""

from __future__ import annotations

import json
from email.utils import format_datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from billsync.sandbox.clio import fields, paging, query
from billsync.sandbox.clio.errors import ClioError, not_found
from billsync.sandbox.clio.fields import Model
from billsync.sandbox.clio.guard import add_limit_headers, authenticate
from billsync.sandbox.clio.models import RESOURCES, USERS
from billsync.sandbox.clio.store import Record, Store

bp = Blueprint("clio_api", __name__, url_prefix="/api/v4")
#: Clio has no ``GET /line_items/{id}.json`` (only PATCH and DELETE) and no
#: ``/currencies/{id}.json`` at all; neither has the emulator.
NOT_SHOWN = ("line_items", "currencies")
bp.before_request(authenticate)
bp.after_request(add_limit_headers)


def clio_json(body: Any, status: int = 200) -> Response:
    """Serialize compactly with Clio's content type; faster than Flask's generic provider."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def store() -> Store:
    return current_app.extensions["clio"].store


def selection_for(model: Model) -> fields.Selection:
    """The request's ``fields``, checked against ``model`` (400 if Clio would refuse it)."""
    try:
        selection = fields.parse(request.args.get("fields"))
        fields.validate(model, selection)
    except fields.FieldsError as e:
        raise ClioError(400, "InvalidFields", str(e)) from None
    return selection


def _model(resource: str, shown: bool = False) -> Model:
    model = None if shown and resource in NOT_SHOWN else RESOURCES.get(resource)
    if model is None:
        raise ClioError(404, "NotFound", f"No route matches /api/v4/{resource}.json")
    return model


@bp.get("/<resource>.json")
def index(resource: str) -> Response:
    """A page of records matching the filters, in the requested order."""
    model = _model(resource)
    selection = selection_for(model)
    args = request.args
    limit = query.parse_limit(args.get("limit"))
    order = query.parse_order(resource, args.get("order"))
    db = store()
    collection = db[resource]
    with db.lock:
        found = paging.page(
            collection,
            query.build(
                collection,
                args,
                args.getlist("ids[]"),
                inclusive_since=current_app.extensions["clio"].config.inclusive_since,
            ),
            order,
            limit,
            args.get("offset"),
            args.get("page_token"),
        )
        data = [fields.project(db, model, record, selection) for record in found.records]
    return clio_json({"data": data, "meta": {"paging": found.links(request.base_url, args.items(multi=True))}})


def show_record(model: Model, record: Record | None, kind: str, record_id: int) -> Response:
    """One record with its ETag; 304 when the client's ``If-None-Match`` is current."""
    if record is None:
        raise not_found(kind, record_id)
    etag = record["etag"]
    headers = {"ETag": etag, "Last-Modified": format_datetime(record["updated_at"], usegmt=True)}
    if etag in request.headers.get("If-None-Match", "").replace("W/", "").split(", "):
        return Response(status=304, headers=headers)
    selection = selection_for(model)
    db = store()
    with db.lock:
        body = {"data": fields.project(db, model, record, selection)}
    response = clio_json(body)
    response.headers.update(headers)
    return response


@bp.get("/<resource>/<int:record_id>.json")
def show(resource: str, record_id: int) -> Response:
    model = _model(resource, shown=True)
    kind = resource.rstrip("s").title().replace("_", "")
    return show_record(model, store()[resource].get(record_id), kind, record_id)


@bp.get("/users/who_am_i.json")
def who_am_i() -> Response:
    """The user who authorized the app, with the account (firm) it belongs to."""
    sandbox = current_app.extensions["clio"]
    return show_record(USERS, sandbox.user(), "User", 1)
