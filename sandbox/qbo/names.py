"""Rules of the name lists: Customer, Vendor (names), Item and Account.

Names are where integrations collide with what bookkeepers typed: DisplayName is unique
across customers and vendors (6240), may not contain ``:`` (QBO uses it to separate
sub-customers) nor tab or newline, and is at most 500 characters. These objects are never
deleted; making one inactive renames it with " (deleted)" as QBO does, which frees the
name for a new object.

Sub-customers and jobs follow Intuit's Customer reference
(developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer): one is
a Customer with ``Job: true`` and a ``ParentRef`` (each without the other is fault 6150,
python-quickbooks issue #139), "up to four levels of nesting can be defined under a
top-level parent" (6180), ``Level`` counts them from 0 at the top, and
``FullyQualifiedName`` "prepends the topmost parent, followed by each sub element separated
by colons", e.g. ``Freeman Sporting Goods:0969 Ocean View Road`` for the DisplayName
``0969 Ocean View Road`` in Intuit's sample company. ``BalanceWithJobs`` is the open balance
of the customer and all its sub-customers. DisplayName stays unique across the whole name
list, sub-customers included, whatever their parent (see ``sandbox/README.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from billsync.sandbox.qbo.currency import fixed_currency
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import check_length, named_ref, require, resolve
from billsync.sandbox.qbo.regions import default_tax_code
from billsync.sandbox.qbo.store import Company, Entity

PERSON_NAMES = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
NAME_SHARING = ("Customer", "Vendor")
#: Levels of sub-customers under a top-level customer (which is level 0).
MAX_LEVEL = 4
DELETED_SUFFIX = " (deleted)"
#: An account's Classification, which QBO derives from its AccountType ("Read only, System
#: defined" in Intuit's Account reference, which says the type "is based on the
#: Classification" and shows Accounts Receivable as Asset, Accounts Payable as Liability).
#: Non-Posting accounts have none ("Not supported for non-posting accounts").
CLASSIFICATIONS = {
    **dict.fromkeys(("Income", "Other Income"), "Revenue"),
    **dict.fromkeys(("Expense", "Other Expense", "Cost of Goods Sold"), "Expense"),
    **dict.fromkeys(("Bank", "Accounts Receivable", "Other Current Asset", "Fixed Asset", "Other Asset"), "Asset"),
    **dict.fromkeys(("Accounts Payable", "Credit Card", "Other Current Liability", "Long Term Liability"), "Liability"),
    "Equity": "Equity",
}


#: The longest values QBO takes in a name's contact details: Intuit's IntuitBaseTypes.xsd
#: (github.com/intuit/QuickBooks-V3-Java-SDK, October 2024), "Product: QBO" where it gives one
#: length per product: TelephoneNumber.FreeFormNumber 21, EmailAddress.Address 100,
#: PhysicalAddress Line1-Line5 500, City, Country and CountrySubDivisionCode 255, PostalCode
#: 30, County 25. Longer is refused 2050: the faults quoted in consolibyte/quickbooks-php
#: issue #79 (2015), where a company name and a phone number broke an import, are 2050 with
#: "Max:50" and "Max:21"; the other lengths are the emulator's reading of the same rule.
PHONE_LIMITS = {"FreeFormNumber": 21}
EMAIL_LIMITS = {"Address": 100}
ADDRESS_LIMITS = {
    **{f"Line{n}": 500 for n in range(1, 6)},
    **dict.fromkeys(("City", "Country", "CountrySubDivisionCode"), 255),
    "PostalCode": 30,
    "County": 25,
}
DETAIL_LIMITS = {
    **dict.fromkeys(("PrimaryPhone", "AlternatePhone", "Mobile", "Fax"), PHONE_LIMITS),
    "PrimaryEmailAddr": EMAIL_LIMITS,
    **dict.fromkeys(("BillAddr", "ShipAddr", "OtherAddr"), ADDRESS_LIMITS),
}


def _check_details(entity: Entity) -> None:
    """Phones, e-mail and addresses no longer than QBO takes (:data:`DETAIL_LIMITS`)."""
    for detail, limits in DETAIL_LIMITS.items():
        value = entity.get(detail)
        for part, limit in limits.items() if isinstance(value, dict) else ():
            check_length(value.get(part), limit, f"{detail}.{part}")


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


def _parent_id(customer: Entity) -> str | None:
    return (customer.get("ParentRef") or {}).get("value")


def ancestors(company: Company, customer: Entity) -> Iterator[Entity]:
    """The customer's parent, its parent's parent, ... up to the top-level customer."""
    parent = company.get("Customer", _parent_id(customer))
    while parent is not None:
        yield parent
        parent = company.get("Customer", _parent_id(parent))


def _subtree(company: Company, root_id: str) -> list[tuple[Entity, int]]:
    """Every sub-customer below ``root_id``, with its depth below it, parents before children."""
    children: dict[str, list[Entity]] = {}
    for customer in company.objects.get("Customer", {}).values():
        children.setdefault(_parent_id(customer) or "", []).append(customer)
    found, level = [], [(c, 1) for c in children.get(root_id, [])]
    while level:
        found += level
        level = [(c, depth + 1) for parent, depth in level for c in children.get(parent["Id"], [])]
    return found


def _place(company: Company, entity: Entity, old: Entity | None) -> None:
    """Job, ParentRef, Level and FullyQualifiedName of a customer, checked before anything changes."""
    ref = entity.get("ParentRef")
    if bool(entity.get("Job")) != bool(ref):
        raise QBOFault("6150", element="ParentRef", detail="Job")
    entity.pop("Level", None)
    if not ref:
        entity["FullyQualifiedName"] = entity["DisplayName"]
        return
    parent = resolve(company, "Customer", ref, "ParentRef")
    if entity.get("Id") in {parent["Id"], *(a["Id"] for a in ancestors(company, parent))}:
        raise QBOFault("900", element="ParentRef", detail=f"Customer {entity['Id']}")
    level = parent.get("Level", 0) + 1
    below = max((depth for _, depth in _subtree(company, entity["Id"])), default=0) if old else 0
    if level + below > MAX_LEVEL:
        raise QBOFault("6180", element="ParentRef", detail=f"Level {level + below} of customer {parent['Id']}'s tree")
    entity["ParentRef"] = named_ref(parent)
    entity["Level"] = level
    entity["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{entity['DisplayName']}"


def _carry(company: Company, entity: Entity, old: Entity) -> None:
    """What a renamed or moved customer changes elsewhere: its sub-customers' names and
    levels, and the BalanceWithJobs of the customers it left and joined."""
    if _parent_id(old) != _parent_id(entity):
        carried = old.get("BalanceWithJobs", Decimal("0.00"))
        for above, sign in ((old, -1), (entity, 1)):
            for ancestor in ancestors(company, above):
                ancestor["BalanceWithJobs"] = ancestor.get("BalanceWithJobs", 0) + sign * carried
    if old.get("FullyQualifiedName") != entity["FullyQualifiedName"]:
        placed = {entity["Id"]: entity}
        for child, _ in _subtree(company, entity["Id"]):
            parent = placed[_parent_id(child)]
            child["ParentRef"] = named_ref(parent)
            child["Level"] = parent.get("Level", 0) + 1
            child["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{child['DisplayName']}"
            placed[child["Id"]] = child


def prepare_party(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """Customer and Vendor: derived and unique DisplayName, contact details that fit, QBO's
    defaults, a currency of the company's fixed at creation; a customer's place among
    sub-customers."""
    entity["DisplayName"] = _display_name(entity)
    _check_name(entity["DisplayName"], "DisplayName")
    _check_details(entity)
    entity.setdefault("Active", True)
    _deactivated(entity, old, "DisplayName")
    _unique(company, NAME_SHARING, "DisplayName", entity["DisplayName"], entity.get("Id"))
    entity.setdefault("PrintOnCheckName", entity["DisplayName"])
    fixed_currency(company, name, entity, old)
    entity["Balance"] = (old or {}).get("Balance", 0)  # computed from transactions, never sent
    if name == "Customer":
        for key, default in (
            ("Taxable", True),
            ("Job", False),
            ("BillWithParent", False),
            ("PreferredDeliveryMethod", "Print"),
        ):
            entity.setdefault(key, default)
        default_code = default_tax_code(company)  # a legacy US company's group code, else none
        if default_code:
            entity.setdefault("DefaultTaxCodeRef", default_code)
        entity["BalanceWithJobs"] = (old or {}).get("BalanceWithJobs", entity["Balance"])
        _place(company, entity, old)
        if old is not None:
            _carry(company, entity, old)
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
    """Account: unique Name without ``:``, an AccountType, the Classification it implies, a
    currency of the company's fixed at creation."""
    _check_name(require(entity, "Name"), "Name", limit=100)
    require(entity, "AccountType")
    entity.setdefault("Active", True)
    _deactivated(entity, old, "Name")
    _unique(company, ("Account",), "Name", entity["Name"], entity.get("Id"))
    entity["FullyQualifiedName"] = entity["Name"]
    entity.pop("Classification", None)
    if entity["AccountType"] in CLASSIFICATIONS:
        entity["Classification"] = CLASSIFICATIONS[entity["AccountType"]]
    entity.setdefault("CurrentBalance", 0)
    fixed_currency(company, name, entity, old)
