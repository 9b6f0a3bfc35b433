"""Checks shared by every entity rule: required fields, lengths, references, money.

QBO validates in a fixed vocabulary of faults (2020 missing, 2050 too long, 610 a
reference to something missing or inactive); keeping those checks in one place keeps
the wording identical whichever entity trips them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.store import Company, Entity

CENT = Decimal("0.01")


def require(entity: Entity, field: str, element: str | None = None) -> Any:
    value = entity.get(field)
    if value in (None, "", [], {}):
        raise QBOFault("2020", element=element or field)
    return value


def check_length(value: str | None, limit: int, element: str) -> None:
    if value is not None and len(str(value)) > limit:
        raise QBOFault("2050", element=element, max=limit, length=len(str(value)))


def money(value: Any, element: str) -> Decimal:
    """Parse an amount exactly and round it to the cent as QBO stores it."""
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise QBOFault("2500", element=element, detail=f"{element}={value}") from None


def resolve(company: Company, name: str, ref: Any, element: str) -> Entity:
    """Follow a ``{"value": id}`` reference; missing or inactive objects fault 610."""
    target_id = ref.get("value") if isinstance(ref, dict) else None
    if not target_id:
        raise QBOFault("2020", element=element)
    target = company.get(name, target_id)
    if target is None or target.get("Active") is False:
        raise QBOFault("610", element=element)
    return target


def named_ref(target: Entity, label: str = "DisplayName") -> dict[str, str]:
    """A reference as QBO echoes it: the id and the target's current name."""
    return {"value": target["Id"], "name": target.get(label) or target.get("Name", "")}
