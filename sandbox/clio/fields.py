"""Clio's ``fields`` parameter: parse it, check it against a model, project records with it.

Clio returns only ``id`` and ``etag`` unless asked for more, lets a request name the
fields of a nested resource one level deep (``client{id,name}``), gives a nested resource
its default fields when none are named, and answers 400 for an unknown field or a
second nesting level (docs.developers.clio.com/api-docs/fields). The emulator does the
same, so a client that forgets a field finds out here rather than against the real API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Mapping

from billsync.sandbox.clio.store import Record, Store

Selection = tuple[tuple[str, "tuple[str, ...] | None"], ...]

DEFAULT_FIELDS = ("id", "etag")


class FieldsError(ValueError):
    """The ``fields`` parameter names something the model does not have."""


@dataclass(frozen=True)
class Nested:
    """A nested resource of a model: what it may show and how to find it.

    Attributes:
        fields: the fields a request may name inside the braces.
        default: what is shown when the braces are absent.
        resolve: the nested record(s) of a record, a dict, a list of dicts or None.
    """

    fields: frozenset[str]
    default: tuple[str, ...]
    resolve: Callable[[Store, Record], Any]


@dataclass(frozen=True)
class Model:
    """One Clio resource as the API shows it."""

    collection: str
    scalars: frozenset[str]
    nested: Mapping[str, Nested] = field(default_factory=dict)


def parse(text: str | None) -> Selection:
    """Split ``id,number,client{id,name}`` into ``(("id", None), ..., ("client", ("id", "name")))``.

    Raises:
        FieldsError: on unbalanced braces, empty names or a second nesting level.
    """
    if not text:
        return tuple((name, None) for name in DEFAULT_FIELDS)
    selection: list[tuple[str, tuple[str, ...] | None]] = []
    name, inner, depth = "", "", 0
    for char in text + ",":
        if char == "{":
            if depth:
                raise FieldsError("Nested fields may only be requested one level deep")
            depth = 1
        elif char == "}":
            if not depth:
                raise FieldsError(f"Unbalanced '}}' in fields: {text}")
            depth = 0
        elif depth:
            inner += char
        elif char == ",":
            if name.strip():
                subfields = tuple(s.strip() for s in inner.split(",")) if inner else None
                if subfields is not None and not all(subfields):
                    raise FieldsError(f"Empty nested field name in: {text}")
                selection.append((name.strip(), subfields))
            elif inner:
                raise FieldsError(f"Nested fields without a name in: {text}")
            name, inner = "", ""
        else:
            name += char
    if depth:
        raise FieldsError(f"Unbalanced '{{' in fields: {text}")
    return tuple(selection)


def validate(model: Model, selection: Selection) -> None:
    """Refuse what Clio refuses: unknown fields, or braces on a plain field."""
    for name, subfields in selection:
        if name in model.scalars:
            if subfields is not None:
                raise FieldsError(f"Field '{name}' has no nested fields")
        elif name in model.nested:
            unknown = set(subfields or ()) - model.nested[name].fields
            if unknown:
                raise FieldsError(f"Invalid nested fields for {name}: {', '.join(sorted(unknown))}")
        else:
            raise FieldsError(f"Invalid field: {name}")


def fmt(value: Any) -> Any:
    """A stored value as Clio's JSON shows it.

    Money is a JSON number, as Clio sends it; a two-decimal ``Decimal`` becomes the float
    whose shortest repr is that same decimal, so a client parsing with
    ``parse_float=Decimal`` gets the exact amount back.
    """
    kind = type(value)
    if kind is Decimal:
        return float(value)
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is dict:
        return {k: fmt(v) for k, v in value.items()}
    if kind is list:
        return [fmt(v) for v in value]
    return value


def _pick(record: Record, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: fmt(record.get(name)) for name in names}


def project(store: Store, model: Model, record: Record, selection: Selection) -> dict[str, Any]:
    """The JSON object for ``record`` with exactly the selected fields."""
    out: dict[str, Any] = {}
    for name, subfields in selection:
        nested = model.nested.get(name)
        if nested is None:
            out[name] = fmt(record.get(name))
            continue
        target = nested.resolve(store, record)
        names = subfields or nested.default
        if target is None:
            out[name] = None
        elif isinstance(target, list):
            out[name] = [_pick(item, names) for item in target]
        else:
            out[name] = _pick(target, names)
    return out
