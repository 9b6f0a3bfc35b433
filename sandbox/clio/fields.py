"""Clio's ``fields`` parameter: parse it, check it against a model, project records with it.

Clio returns only ``id`` and ``etag`` unless asked for more, lets a request name the
fields of a nested resource one level deep (``client{id,name}``), gives a nested resource
its default fields when none are named, shows a second-level nested resource
(``matter{client}``) with its default fields only, and answers 400 for an unknown field
or for braces on a second level (docs.developers.clio.com/api-docs/fields). The 400 is
``{"error": {"type": "InvalidFields", "message": "document_versions is not a valid field"}}``
(the body quoted in Clio's support article "Changes to Documents API endpoint",
developers.support.clio.com/hc/en-us/articles/1260801745250). The emulator does the
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
    """A resource nested in another: what type it is and how to find it from the outer record.

    Attributes:
        model: the nested resource's type; its ``fields`` are what the braces may name.
        resolve: the nested record(s) of an outer record: a dict, a list of dicts or None.
    """

    model: Model
    resolve: Callable[[Store, Record], Any]


@dataclass(frozen=True)
class Model:
    """One Clio type as the API shows it.

    Attributes:
        collection: the store collection its records are listed from, or None for a type
            that is only ever nested (an address, a discount).
        fields: the properties of Clio's ``<Type>_base`` schema, which a request may name
            plainly and, when the type is nested, inside braces.
        nested: the resources nested in it (the other properties of Clio's ``<Type>``
            schema). A few are base fields too (a contact's ``currency``): when such a
            record is itself nested (``client{currency}``), that second level shows its
            default fields only.
        default: what a nested one shows without braces.
    """

    collection: str | None
    fields: tuple[str, ...]
    nested: Mapping[str, Nested] = field(default_factory=dict)
    default: tuple[str, ...] = DEFAULT_FIELDS


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
        nested = model.nested.get(name)
        if nested is not None:
            unknown = [f"{name}{{{sub}}}" for sub in subfields or () if sub not in nested.model.fields]
            if unknown:
                raise FieldsError(f"{', '.join(unknown)} is not a valid field")
        elif name not in model.fields:
            raise FieldsError(f"{name} is not a valid field")
        elif subfields is not None:
            raise FieldsError(f"{name} has no nested fields")


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


def _show(store: Store, nested: Nested, record: Record, names: tuple[str, ...]) -> Any:
    target = nested.resolve(store, record)
    if target is None:
        return None
    if isinstance(target, list):
        return [_pick(store, nested.model, item, names) for item in target]
    return _pick(store, nested.model, target, names)


def _pick(store: Store, model: Model, record: Record, names: tuple[str, ...]) -> dict[str, Any]:
    """A nested record's ``names``; its own nested resources (a second level) show their defaults."""
    out: dict[str, Any] = {}
    for name in names:
        inner = model.nested.get(name)
        out[name] = fmt(record.get(name)) if inner is None else _show(store, inner, record, inner.model.default)
    return out


def project(store: Store, model: Model, record: Record, selection: Selection) -> dict[str, Any]:
    """The JSON object for ``record`` with exactly the selected fields."""
    out: dict[str, Any] = {}
    for name, subfields in selection:
        nested = model.nested.get(name)
        out[name] = (
            fmt(record.get(name)) if nested is None else _show(store, nested, record, subfields or nested.model.default)
        )
    return out


def everything(model: Model) -> Selection:
    """Every field of ``model``, each nested resource with its default fields (the admin API's view)."""
    return tuple((name, None) for name in dict.fromkeys((*model.fields, *model.nested)))
