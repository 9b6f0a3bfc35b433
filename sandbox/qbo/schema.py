"""What QBO accepts of each entity: properties in a write, filters and sorts in a query.

A write is read into the entity's class first (:mod:`billsync.sandbox.qbo.properties`): one
property the class or a nested class lacks refuses the request with 2010, whatever the
operation, before any rule runs; a batch is one document, so one bad item refuses it all.
Properties QBO computes (``ReadOnly`` in Intuit's reference) bind, and are then ignored:
clients that send back what they read, MetaData and balances included, keep working.

A query may filter only on the properties Intuit's reference marks *filterable* and sort
only on those marked *sortable*; anything else, misspelled or real, is 4001
``QueryValidationError: property 'X' is not queryable`` (quickbooks-ruby issue #403, a
Vendor's PrimaryEmailAddr; QuickBooks-V3-DotNET-SDK issue #163, Intuit's answer that only
the properties marked filterable are queryable). The flags come from Intuit's entity
reference (developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/…) as
Intuit's own MCP server transcribes it (github.com/intuit/quickbooks-online-mcp-server,
src/tools/search-invoices|items|accounts.tool.ts: "derived from QuickBooks Online entity
docs – Filterable and Sortable columns"), completed for the other entities from the
transcription in the quickbooks-api package (github.com/Nytely-Official/quickbooks-api,
src/types/classes/*.ts ``@filterable``/``@sortable``), and, for Vendor, from the list of
its non-filterable properties in quickbooks-ruby issue #403. Property names in a query are
matched in any case, as QBO matches them (Intuit's blog "Supercharge your queries", 2023,
filters on ``active`` and sorts on ``metadata.lastupdatedtime``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Iterable

from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.properties import CLASSES

#: The Java package of QBO's classes, as the 2010 Detail names them.
PACKAGE = "com.intuit.schema.finance.v3"
#: Jackson stops listing known properties once its list passes this many characters.
KNOWN_LIST_MAX = 1000
#: Filterable and sortable on every entity Intuit documents.
EVERYWHERE = "Id MetaData.CreateTime MetaData.LastUpdatedTime"
#: What sales forms total up themselves.
FORM_TOTALS = "TotalAmt HomeTotalAmt Balance HomeBalance"


def _names(*groups: str) -> frozenset[str]:
    return frozenset(" ".join(groups).casefold().split())


@dataclass(frozen=True)
class Rules:
    """Intuit's flags on one entity's properties (names casefolded)."""

    filterable: frozenset[str]
    sortable: frozenset[str]
    read_only: frozenset[str] = frozenset()


def _rules(filterable: str, sortable: str, read_only: str = "") -> Rules:
    return Rules(_names(EVERYWHERE, filterable), _names(EVERYWHERE, sortable), _names(read_only))


ENTITIES: dict[str, Rules] = {
    "Customer": _rules(
        "DisplayName GivenName MiddleName FamilyName FullyQualifiedName CompanyName PrintOnCheckName Active "
        "PrimaryEmailAddr Balance",
        "DisplayName GivenName MiddleName FamilyName FullyQualifiedName CompanyName PrintOnCheckName Active "
        "Balance BalanceWithJobs",
        "FullyQualifiedName Level BalanceWithJobs",
    ),
    "Vendor": _rules(
        "DisplayName GivenName MiddleName FamilyName Suffix CompanyName PrintOnCheckName Active",
        "DisplayName GivenName MiddleName FamilyName Suffix CompanyName PrintOnCheckName",
    ),
    "Item": _rules(
        "Name Active Type Sku",
        "Name ParentRef PrefVendorRef UnitPrice Type QtyOnHand",
        "FullyQualifiedName Level",
    ),
    "Account": _rules(
        "Name SubAccount ParentRef Description Active Classification AccountType CurrentBalance",
        "Name SubAccount ParentRef Description CurrentBalance",
        "FullyQualifiedName Classification CurrentBalance CurrentBalanceWithSubAccounts",
    ),
    "Invoice": _rules(
        "DocNumber TxnDate DueDate CustomerRef ClassRef DepartmentRef ProjectRef SalesTermRef Balance TotalAmt",
        "DocNumber TxnDate DueDate Balance TotalAmt",
        f"{FORM_TOTALS} InvoiceLink DeliveryInfo RecurDataRef TaxExemptionRef",
    ),
    "CreditMemo": _rules(
        "DocNumber TxnDate CustomerRef ProjectRef Balance TotalAmt",
        "DocNumber TxnDate Balance TotalAmt",
        f"{FORM_TOTALS} RemainingCredit",
    ),
    # Its reference page is not among the sources; the recorded batch (batch-basic.yml)
    # filters on TotalAmt, and it is a sales form like CreditMemo.
    "SalesReceipt": _rules(
        "DocNumber TxnDate CustomerRef ProjectRef Balance TotalAmt", "DocNumber TxnDate Balance TotalAmt", FORM_TOTALS
    ),
    "Estimate": _rules(
        "DocNumber TxnDate DueDate CustomerRef ProjectRef ExpirationDate AcceptedDate", "DocNumber TxnDate", FORM_TOTALS
    ),
    "Payment": _rules("TxnDate CustomerRef ProjectRef TotalAmt", "TxnDate TotalAmt", "UnappliedAmt"),
    # Finance.xsd: Transaction's DocNumber "Filterable: QBO" and TxnDate "Filterable: ALL",
    # JournalEntry's TotalAmt "Filterable: QBW" (Desktop only) and computed, as HomeTotalAmt.
    "JournalEntry": _rules("DocNumber TxnDate", "DocNumber TxnDate", "TotalAmt HomeTotalAmt"),
    "Preferences": _rules("", ""),
    "CompanyInfo": _rules("", ""),
    # The tax and money lists. Finance.xsd flags TaxCode's Name, Active and Hidden "Filterable:
    # ALL" and its Name "Sortable: ALL"; TaxRate's Name, Active and RateValue, and
    # PaymentMethod's Active, "Filterable: QBW" (Desktop), allowed here as QBO clients filter
    # on them (*doubt*). The schema flags nothing of TaxAgency, CompanyCurrency and
    # ExchangeRate: they filter on the fields their lookups need (DisplayName; Code; the
    # currency and date ``GET …/exchangerate`` takes) and sort on nothing but Id and MetaData.
    "TaxCode": _rules("Name Active Hidden", "Name"),
    "TaxRate": _rules("Name Active RateValue", ""),
    "TaxAgency": _rules("DisplayName Active", "", "LastFileDate"),
    "PaymentMethod": _rules("Name Active Type", ""),
    "CompanyCurrency": _rules("Code Active", "", "Name"),
    "ExchangeRate": _rules("SourceCurrencyCode AsOfDate", ""),
}


@cache
def known(cls: str) -> dict[str, str]:
    """Each property of ``cls`` (its base's first) and what it holds: a class name, "*" for
    anything, "" for a value. Callers must not change the answer: it is shared."""
    base, properties = CLASSES[cls]
    found = dict(known(base)) if base else {}
    for prop in properties.split():
        name, _, holds = prop.partition(":")
        found[name] = holds
    return found


def _unrecognized(name: str, cls: str) -> QBOFault:
    """Jackson's UnrecognizedPropertyException message, as QBO puts it in the Detail (up to
    the line break before its "at [Source…]" part, which QBO drops)."""
    names = list(known(cls))
    listed = f" ({len(names)} known properties: "
    for i, prop in enumerate(names):
        listed += f'"{prop}"'
        if len(listed) > KNOWN_LIST_MAX:
            listed += " [truncated]"
            break
        listed += ", " if i < len(names) - 1 else ""
    return QBOFault(
        "2010", detail=f'Unrecognized field "{name}" (class {PACKAGE}.{cls}), not marked as ignorable{listed}])\n'
    )


def _bind(cls: str, value: Any) -> None:
    if isinstance(value, list):
        for element in value:
            _bind(cls, element)
        return
    if not isinstance(value, dict):
        return
    properties = known(cls)
    for name, inner in value.items():
        if name not in properties:
            raise _unrecognized(name, cls)
        if properties[name] not in ("", "*"):
            _bind(properties[name], inner)


def check_write(entity: str, body: Any) -> None:
    """Refuses the first property, depth first in the order sent, that ``entity``'s class
    (or the class of a nested object) does not have."""
    _bind(entity, body)


def check_batch(body: Any) -> None:
    """Checks the object of every batch item that names an entity served here, so that one
    unknown property refuses the whole batch before any item is applied.

    Items naming something else are left to the batch rules, which answer them one by one.
    """
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    for item in items if isinstance(items, list) else ():
        for key, value in item.items() if isinstance(item, dict) else ():
            if key in ENTITIES:
                check_write(key, value)


def writable(entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without the properties QBO computes for ``entity``: sent, they are ignored."""
    ignored = ENTITIES[entity].read_only
    return {key: value for key, value in body.items() if key.casefold() not in ignored}


def check_query(entity: str, filters: Iterable[str], sorts: Iterable[str]) -> None:
    """Refuses a filter on a property not marked filterable, or a sort on one not sortable."""
    rules = ENTITIES[entity]
    for name in filters:
        if name.casefold() not in rules.filterable:
            raise QBOFault("4001", detail=f"property '{name}' is not queryable")
    for name in sorts:
        if name.casefold() not in rules.sortable:
            raise QBOFault("4001", detail=f"property '{name}' is not sortable")
