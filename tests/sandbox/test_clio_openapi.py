"""Every Clio emulator response body validates against Clio's own OpenAPI document.

Two adjustments, both explained where they are made: Clio's document declares no
``nullable`` anywhere, yet the live API sends ``null`` for unset values (``voided_at`` of a
valid allocation, ``paid_at`` of an unpaid bill), so scalar properties also accept null;
and the document leaves ``additionalProperties`` open, so the test separately checks that
every key the emulator sends is a property Clio's schema declares.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio
from tests.shared import CLIO_OPENAPI

OPENAPI = CLIO_OPENAPI

RICH = {
    "contacts": "id,etag,name,first_name,last_name,type,initials,primary_email_address,is_client,"
    "created_at,updated_at,email_addresses{id,address,name,primary}",
    "bills": "id,etag,number,issued_at,due_at,subject,memo,type,kind,state,balance,total,paid,paid_at,"
    "due,credits_issued,sub_total,tax_rate,secondary_tax_rate,tax_sum,secondary_tax_sum,"
    "total_tax,last_sent_at,shared,can_update,available_state_transitions,created_at,updated_at,"
    "client{id,name,type,primary_email_address},discount,currency{id,code,sign}",
    "line_items": "id,etag,type,description,date,price,quantity,kind,taxable,secondary_taxable,note,"
    "sub_total,total,tax,secondary_tax,group_ordering,created_at,updated_at,"
    "bill{id,number,state},discount{rate,type}",
    "allocations": "id,etag,date,amount,interest,voided_at,description,destroyable,created_at,updated_at,"
    "bill{id,number},contact{id,name},parent{id,type}",
    "credit_memos": "id,etag,date,amount,description,discount,voided_at,created_at,updated_at,"
    "contact{id,name},allocations{id,amount,voided_at}",
    "webhooks": "id,etag,url,fields,shared_secret,model,status,events,expires_at,created_at,updated_at",
}


#: ISO-8601 checks for the two formats Clio's schemas use (jsonschema has none built in
#: without optional dependencies); a timestamp must carry its offset, as Clio's do.
FORMATS = FormatChecker(["email"])
FORMATS.checks("date", raises=ValueError)(lambda v: not isinstance(v, str) or bool(date.fromisoformat(v)))
FORMATS.checks("date-time", raises=ValueError)(
    lambda v: not isinstance(v, str) or datetime.fromisoformat(v).tzinfo is not None
)


def _nullable(node: Any) -> None:
    """Let every typed scalar also be null (the document omits ``nullable``; the API sends null)."""
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind not in ("object", "array"):
            node["type"] = [kind, "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            _nullable(value)
    elif isinstance(node, list):
        for value in node:
            _nullable(value)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text())


@pytest.fixture(scope="module")
def registry(openapi: dict[str, Any]) -> Registry:
    document = copy.deepcopy(openapi)
    _nullable(document["components"])
    return Registry().with_resource("urn:clio", Resource.from_contents(document, default_specification=DRAFT4))


def _response_schema(openapi: dict[str, Any], path: str, method: str, status: str) -> str:
    content = openapi["paths"][path][method]["responses"][status]["content"]
    return next(iter(content.values()))["schema"]["$ref"]


def _properties(openapi: dict[str, Any], ref: str) -> dict[str, Any]:
    """The declared properties of a schema, through ``allOf``."""
    schema = openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties.update(_properties(openapi, part["$ref"]) if "$ref" in part else part.get("properties", {}))
    return properties


def _check_keys(openapi: dict[str, Any], ref: str, record: dict[str, Any]) -> None:
    properties = _properties(openapi, ref)
    assert set(record) <= set(properties), f"undeclared in {ref}: {set(record) - set(properties)}"
    for name, value in record.items():
        prop = properties[name]
        target = prop.get("$ref") or prop.get("items", {}).get("$ref")
        if target and value is not None:
            for item in value if isinstance(value, list) else [value]:
                _check_keys(openapi, target, item)


def _validate(openapi, registry, path: str, method: str, status: str, body: dict[str, Any]) -> None:
    ref = _response_schema(openapi, path, method, status)
    Draft4Validator({"$ref": f"urn:clio{ref}"}, registry=registry, format_checker=FORMATS).validate(body)
    data_ref = _properties(openapi, ref)["data"]
    item_ref = data_ref.get("$ref") or data_ref["items"]["$ref"]
    for record in body["data"] if isinstance(body["data"], list) else [body["data"]]:
        _check_keys(openapi, item_ref, record)


@pytest.fixture
def with_webhook(clio: Clio) -> Clio:
    clio.api(
        "/webhooks.json",
        method="POST",
        json={"data": {"url": "http://127.0.0.1:9/unreachable", "model": "bill", "fields": "id,state"}},
    )
    return clio


@pytest.mark.parametrize("resource", sorted(RICH))
def test_list_and_show_bodies_match_clio_schemas(openapi, registry, with_webhook: Clio, resource: str) -> None:
    clio = with_webhook
    listing = clio.get(f"/{resource}.json", fields=RICH[resource], limit=200)
    assert listing["data"], f"the demo firm has {resource}"
    _validate(openapi, registry, f"/{resource}.json", "get", "200", listing)
    default = clio.get(f"/{resource}.json", limit=3)
    _validate(openapi, registry, f"/{resource}.json", "get", "200", default)
    record_id = listing["data"][0]["id"]
    if "get" not in openapi["paths"][f"/{resource}/{{id}}.json"]:
        assert clio.api(f"/{resource}/{record_id}.json").status_code == 404
        return
    shown = clio.get(f"/{resource}/{record_id}.json", fields=RICH[resource])
    _validate(openapi, registry, f"/{resource}/{{id}}.json", "get", "200", shown)


def test_who_am_i_and_webhook_creation_match(openapi, registry, clio: Clio) -> None:
    me = clio.get(
        "/users/who_am_i.json",
        fields="id,etag,name,first_name,last_name,email,enabled,"
        "account_owner,subscription_type,time_zone,created_at,updated_at,account{id,name,state}",
    )
    _validate(openapi, registry, "/users/who_am_i.json", "get", "200", me)
    created = clio.api(
        "/webhooks.json",
        method="POST",
        params={"fields": RICH["webhooks"]},
        json={"data": {"url": "http://127.0.0.1:9/x", "model": "contact", "fields": "id,name"}},
    )
    _validate(openapi, registry, "/webhooks.json", "post", "201", created.json())


@pytest.mark.parametrize(
    "path,params,status",
    [
        ("/bills.json", {"limit": 500}, "400"),
        ("/bills.json", {"fields": "nope"}, "400"),
    ],
)
def test_error_bodies_match_clio_error_schema(openapi, registry, clio: Clio, path, params, status) -> None:
    response = clio.api(path, params=params)
    assert str(response.status_code) == status
    ref = _response_schema(openapi, path, "get", status)
    Draft4Validator({"$ref": f"urn:clio{ref}"}, registry=registry).validate(response.json())
    unauthorized = clio.api(path, token="expired-or-unknown")
    ref = _response_schema(openapi, path, "get", "401")
    Draft4Validator({"$ref": f"urn:clio{ref}"}, registry=registry).validate(unauthorized.json())
