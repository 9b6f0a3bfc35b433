"""Every Clio emulator response body validates against Clio's own OpenAPI document.

Each served resource is asked for every field the document lists for it, read from the
document itself: every property of its ``<Type>_base`` schema, and every resource nested
in it with every property of that one's ``_base`` schema inside braces, so the test fails
when the emulator drops a field or the document gains one.

Two adjustments, both explained where they are made: Clio's document declares no
``nullable`` anywhere, yet the live API sends ``null`` for unset values (``voided_at`` of a
valid allocation, ``paid_at`` of an unpaid bill, the ``original_bill`` of a bill that
replaces none), so scalar properties and nested resources also accept null; and the
document leaves ``additionalProperties`` open, so the test separately checks that every
key the emulator sends is a property Clio's schema declares.
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

from billsync.sandbox.clio.models import RESOURCES
from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio
from tests.shared import CLIO_OPENAPI

#: The resources the brief asks the emulator to serve.
SERVED = (
    "allocations",
    "bank_accounts",
    "bank_transactions",
    "bills",
    "contacts",
    "credit_memos",
    "currencies",
    "line_items",
    "webhooks",
)

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


def _nullable_nested(schemas: dict[str, Any]) -> None:
    """Let every nested resource of a record be null too (not the ``data`` of an answer)."""
    for name, schema in schemas.items():
        if name.endswith(("_List", "_Show")):
            continue
        for part in [schema, *schema.get("allOf", [])]:
            for prop_name, prop in part.get("properties", {}).items():
                if "$ref" in prop:
                    part["properties"][prop_name] = {"anyOf": [{"$ref": prop["$ref"]}, {"type": "null"}]}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return json.loads(CLIO_OPENAPI.read_text())


@pytest.fixture(scope="module")
def registry(openapi: dict[str, Any]) -> Registry:
    document = copy.deepcopy(openapi)
    _nullable(document["components"])
    _nullable_nested(document["components"]["schemas"])
    return Registry().with_resource("urn:clio", Resource.from_contents(document, default_specification=DRAFT4))


def _response_schema(openapi: dict[str, Any], path: str, method: str, status: str) -> str:
    content = openapi["paths"][path][method]["responses"][status]["content"]
    return next(iter(content.values()))["schema"]["$ref"]


def _schema(openapi: dict[str, Any], ref: str) -> dict[str, Any]:
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _properties(openapi: dict[str, Any], ref: str) -> dict[str, Any]:
    """The declared properties of a schema, through ``allOf``."""
    schema = _schema(openapi, ref)
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties.update(_properties(openapi, part["$ref"]) if "$ref" in part else part.get("properties", {}))
    return properties


def _target(prop: dict[str, Any]) -> str | None:
    """The schema a property refers to (directly or as array items), if it is a resource."""
    return prop.get("$ref") or prop.get("items", {}).get("$ref")


def _record_ref(openapi: dict[str, Any], resource: str) -> str:
    """``#/components/schemas/Bill`` for ``bills``: the items of its list answer."""
    list_ref = _response_schema(openapi, f"/{resource}.json", "get", "200")
    return _properties(openapi, list_ref)["data"]["items"]["$ref"]


def _documented(openapi: dict[str, Any], resource: str) -> tuple[list[str], dict[str, list[str]]]:
    """A resource's documented fields: its ``_base`` properties, and each nested resource
    with its own ``_base`` properties."""
    schema = _schema(openapi, _record_ref(openapi, resource))
    base_ref, extension = schema["allOf"][0]["$ref"], schema["allOf"][1]
    base = list(_properties(openapi, base_ref))
    nested = {name: list(_properties(openapi, _target(prop))) for name, prop in extension["properties"].items()}
    return base, nested


def _every_field(openapi: dict[str, Any], resource: str) -> str:
    """The ``fields`` parameter asking for everything Clio documents of ``resource``."""
    base, nested = _documented(openapi, resource)
    plain = [name for name in base if name not in nested]
    return ",".join(plain + [f"{name}{{{','.join(inner)}}}" for name, inner in nested.items()])


def _check_keys(openapi: dict[str, Any], ref: str, record: dict[str, Any]) -> None:
    properties = _properties(openapi, ref)
    assert set(record) <= set(properties), f"undeclared in {ref}: {set(record) - set(properties)}"
    for name, value in record.items():
        target = _target(properties[name])
        if target and value is not None:
            for item in value if isinstance(value, list) else [value]:
                _check_keys(openapi, target, item)


def _validate(openapi, registry, path: str, method: str, status: str, body: dict[str, Any]) -> None:
    ref = _response_schema(openapi, path, method, status)
    Draft4Validator({"$ref": f"urn:clio{ref}"}, registry=registry, format_checker=FORMATS).validate(body)
    data_ref = _properties(openapi, ref)["data"]
    item_ref = _target(data_ref)
    for record in body["data"] if isinstance(body["data"], list) else [body["data"]]:
        _check_keys(openapi, item_ref, record)


def _validate_error(registry, body: dict[str, Any]) -> None:
    Draft4Validator({"$ref": "urn:clio#/components/schemas/Error"}, registry=registry).validate(body)


@pytest.fixture
def with_webhook(clio: Clio) -> Clio:
    clio.api(
        "/webhooks.json",
        method="POST",
        json={"data": {"url": "http://127.0.0.1:9/unreachable", "model": "bill", "fields": "id,state"}},
    )
    return clio


def test_the_emulator_serves_the_resources_of_the_brief() -> None:
    assert set(RESOURCES) == set(SERVED)


@pytest.mark.parametrize("resource", SERVED)
def test_every_documented_field_is_served_and_valid(openapi, registry, with_webhook: Clio, resource: str) -> None:
    clio = with_webhook
    every = _every_field(openapi, resource)
    listing = clio.get(f"/{resource}.json", fields=every, limit=200)
    assert listing["data"], f"the demo firm has {resource}"
    _validate(openapi, registry, f"/{resource}.json", "get", "200", listing)
    base, nested = _documented(openapi, resource)
    assert all(set(record) == set(base) | set(nested) for record in listing["data"])
    default = clio.get(f"/{resource}.json", limit=3)
    _validate(openapi, registry, f"/{resource}.json", "get", "200", default)
    record_id = listing["data"][0]["id"]
    if "get" not in openapi["paths"].get(f"/{resource}/{{id}}.json", {}):  # line items; currencies have no path
        assert clio.api(f"/{resource}/{record_id}.json").status_code == 404
        return
    shown = clio.get(f"/{resource}/{record_id}.json", fields=every)
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
        params={"fields": _every_field(openapi, "webhooks")},
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


def test_gone_and_offset_limit_bodies_have_clio_error_shape(registry, clio: Clio) -> None:
    # The document has no 410 or 422 answer for lists; they share every error's schema.
    gone = clio.api("/bills.json", headers={"X-API-VERSION": "4.0.3"})
    assert gone.status_code == 410
    _validate_error(registry, gone.json())
    too_far = clio.api("/bills.json", params={"offset": 10_000})
    assert too_far.status_code == 422
    _validate_error(registry, too_far.json())
