"""Rules of the name lists: Customer, Vendor (names), Item and Account.

Names are where integrations collide with what bookkeepers typed: DisplayName is unique
across customers and vendors (6240), may not contain ``:`` (QBO uses it to separate
sub-customers) nor tab or newline, and is at most 500 characters. These objects are never
deleted; making one inactive renames it with " (deleted)" as QBO does, which frees the
name for a new object.
"""

from __future__ import annotations

from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import check_length, require, resolve
from billsync.sandbox.qbo.store import Company, Entity

PERSON_NAMES = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
NAME_SHARING = ("Customer", "Vendor")
DELETED_SUFFIX = " (deleted)"
USD = {"value": "USD", "name": "United States Dollar"}


def _check_name(value: str, element: str, limit: int = 500) -> None:
    check_length(value, limit, element)
    if any(ch in value for ch in ":\t\n"):
        raise QBOFault("6000", element=element, detail=f"{element} may not contain a colon (:), tab or newline")


def _unique(company: Company, kinds: tuple[str, ...], field: str, value: str, own_id: str | None) -> None:
    wanted = value.strip().casefold()
    for kind in kinds:
        for other in company.objects.get(kind, {}).values():
            if other["Id"] != own_id and str(other.get(field, "")).strip().casefold() == wanted:
                raise QBOFault("6240", element=field, detail=f"Id={other['Id']}")


def _display_name(entity: Entity) -> str:
    """QBO derives DisplayName from the person or company name when none is sent."""
    if entity.get("DisplayName"):
        return entity["DisplayName"]
    person = " ".join(str(entity[k]) for k in PERSON_NAMES if entity.get(k))
    derived = person or entity.get("CompanyName") or ""
    if not derived:
        raise QBOFault("2020", element="DisplayName")
    return derived


def _deactivated(entity: Entity, old: Entity | None, field: str) -> None:
    if entity.get("Active") is False and (old is None or old.get("Active") is not False):
        if not entity[field].endswith(DELETED_SUFFIX):
            entity[field] += DELETED_SUFFIX


def prepare_party(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """Customer and Vendor: derived and unique DisplayName, QBO's defaults."""
    entity["DisplayName"] = _display_name(entity)
    _check_name(entity["DisplayName"], "DisplayName")
    entity.setdefault("Active", True)
    _deactivated(entity, old, "DisplayName")
    _unique(company, NAME_SHARING, "DisplayName", entity["DisplayName"], entity.get("Id"))
    entity.setdefault("PrintOnCheckName", entity["DisplayName"])
    entity.setdefault("CurrencyRef", USD)
    entity["Balance"] = (old or {}).get("Balance", 0)  # computed from transactions, never sent
    if name == "Customer":
        entity["FullyQualifiedName"] = entity["DisplayName"]
        for key, default in (
            ("Taxable", True),
            ("Job", False),
            ("BillWithParent", False),
            ("PreferredDeliveryMethod", "Print"),
            ("DefaultTaxCodeRef", {"value": "2"}),
        ):
            entity.setdefault(key, default)
        entity["BalanceWithJobs"] = entity["Balance"]
    else:
        entity.setdefault("Vendor1099", False)


def prepare_item(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """Item: unique Name without ``:``; sales items need an active income account."""
    _check_name(require(entity, "Name"), "Name", limit=100)
    entity.setdefault("Active", True)
    _deactivated(entity, old, "Name")
    _unique(company, ("Item",), "Name", entity["Name"], entity.get("Id"))
    entity.setdefault("Type", "Service")
    entity["FullyQualifiedName"] = entity["Name"]
    if entity["Type"] in ("Service", "NonInventory") and entity["Active"]:
        account = resolve(company, "Account", require(entity, "IncomeAccountRef"), "IncomeAccountRef")
        entity["IncomeAccountRef"] = {"value": account["Id"], "name": account["Name"]}
    for key, default in (("Taxable", False), ("UnitPrice", 0), ("TrackQtyOnHand", False)):
        entity.setdefault(key, default)


def prepare_account(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """Account: unique Name without ``:``, an AccountType."""
    _check_name(require(entity, "Name"), "Name", limit=100)
    require(entity, "AccountType")
    entity.setdefault("Active", True)
    _deactivated(entity, old, "Name")
    _unique(company, ("Account",), "Name", entity["Name"], entity.get("Id"))
    entity["FullyQualifiedName"] = entity["Name"]
    entity.setdefault("Classification", "Revenue" if entity["AccountType"] == "Income" else "Asset")
    entity.setdefault("CurrentBalance", 0)
    entity.setdefault("CurrencyRef", USD)
