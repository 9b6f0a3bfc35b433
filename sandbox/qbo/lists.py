"""Rules of the tax and payment lists: TaxCode, TaxRate, TaxAgency, PaymentMethod, ExchangeRate.

TaxCode and TaxRate are read and queried only: QBO makes them through its TaxService
endpoint (``POST …/taxservice/taxcode``, Intuit's *TaxService* reference), not the entity
endpoints, which the emulator does not serve; the entity endpoints refuse a create or update
of either (:mod:`billsync.sandbox.qbo.entities`). TaxAgency and PaymentMethod can be created
like any name-list object. ExchangeRate is read through ``GET …/exchangerate`` and queried
(:mod:`billsync.sandbox.qbo.currency`); CompanyCurrency's rule lives there too.
"""

from __future__ import annotations

from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import check_length, require
from billsync.sandbox.qbo.store import Company, Entity

#: Finance.xsd, PaymentMethod.Type: "For QBO, this field is restricted to CREDIT_CARD or
#: NON_CREDIT_CARD"; Name "Length Restriction: QBO: 15".
PAYMENT_TYPES = ("CREDIT_CARD", "NON_CREDIT_CARD")
PAYMENT_METHOD_NAME_MAX = 15


def _unique(company: Company, name: str, field: str, value: str, own_id: str | None) -> None:
    wanted = value.strip().casefold()
    for other in company.objects.get(name, {}).values():
        if other["Id"] != own_id and str(other.get(field, "")).strip().casefold() == wanted:
            raise QBOFault("6240", element=field, detail=f"Id={other['Id']}")


def prepare_seeded(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """TaxCode, TaxRate, ExchangeRate: only ever seeded, and taken as seeded."""
    if name != "ExchangeRate":
        entity.setdefault("Active", True)


def prepare_tax_agency(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """TaxAgency (IntuitNamesTypes.xsd: a Vendor "to whom sales/purchase/VAT taxes collected
    are paid"): a unique DisplayName, tracked on sales unless told otherwise. *Doubt*: that
    QBO refuses a second agency of the same name with 6240, as it does vendors, is the
    emulator's reading."""
    check_length(require(entity, "DisplayName"), 100, "DisplayName")
    _unique(company, name, "DisplayName", entity["DisplayName"], entity.get("Id"))
    entity.setdefault("Active", True)
    entity.setdefault("TaxTrackedOnSales", True)
    entity.setdefault("TaxTrackedOnPurchases", False)


def prepare_payment_method(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """PaymentMethod: a unique Name of at most 15 characters and a QBO ``Type``
    (:data:`PAYMENT_TYPES`, NON_CREDIT_CARD when none is sent). *Doubt*: the fault for another
    Type is not recorded; 6000 here."""
    check_length(require(entity, "Name"), PAYMENT_METHOD_NAME_MAX, "Name")
    _unique(company, name, "Name", entity["Name"], entity.get("Id"))
    entity.setdefault("Type", "NON_CREDIT_CARD")
    if entity["Type"] not in PAYMENT_TYPES:
        raise QBOFault("6000", element="Type", detail=f"Type must be one of {', '.join(PAYMENT_TYPES)}")
    entity.setdefault("Active", True)
