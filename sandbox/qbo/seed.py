"""The company a fresh emulator starts with, and loading more objects into it.

The default company mirrors a new QBO company set up by a law firm: a handful of
accounts (an income account for legal services), no items (integrations create them on
demand), and the two preferences at QBO's defaults: custom transaction numbers off and
the duplicate-number warning off, so a client first sees the setup it must ask for.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.qbo import entities, jsonutil
from sandbox.qbo.store import Company, Entity, Store

ACCOUNTS = (("Services", "Income", "ServiceFeeIncome"), ("Sales of Product Income", "Income", "SalesOfProductIncome"),
            ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
            ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"), ("Checking", "Bank", "Checking"))


def _preferences() -> Entity:
    return {
        "Id": "1", "SyncToken": "0",
        "AccountingInfoPrefs": {"TrackDepartments": False, "ClassTrackingPerTxn": False,
                                "CustomerTerminology": "Customers"},
        "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDiscount": True, "AllowDeposit": False,
                            "AllowShipping": False, "AllowServiceDate": False, "AutoApplyCredit": True,
                            "DefaultTerms": {"value": "3"}},
        "VendorAndPurchasesPrefs": {"BillableExpenseTracking": False, "TrackingByCustomer": False},
        "TaxPrefs": {"UsingSalesTax": False},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "OtherPrefs": {"NameValue": [
            {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": "Thank you for your business."},
            {"Name": "WarnDuplicateCheckNumber", "Value": "true"},
            {"Name": "WarnDuplicateBillNumber", "Value": "false"},
            {"Name": "SignoutInactiveMinutes", "Value": "60"},
        ]},
    }


def _company_info(realm_id: str) -> Entity:
    return {"Id": "1", "SyncToken": "0", "CompanyName": "Sandbox Law Firm LLP",
            "LegalName": "Sandbox Law Firm LLP", "Country": "US", "SupportedLanguages": "en",
            "CompanyAddr": {"Line1": "1 Market St", "City": "San Francisco",
                            "CountrySubDivisionCode": "CA", "PostalCode": "94105"},
            "Email": {"Address": "books@sandbox-law.example"}, "FiscalYearStartMonth": "January",
            "NameValue": [{"Name": "CompanyType", "Value": "LLP"}, {"Name": "RealmId", "Value": realm_id}]}


def put_raw(company: Company, name: str, entity: Entity) -> Entity:
    """Store an object as given (keeping Id, SyncToken, MetaData), filling only what is
    missing: for replaying recordings whose objects must have exact ids and tokens."""
    entity = copy.deepcopy(entity)
    moment = jsonutil.iso(jsonutil.now())
    entity.setdefault("Id", company.next_id(name))
    entity["Id"] = str(entity["Id"])
    entity.setdefault("SyncToken", "0")
    entity.setdefault("MetaData", {"CreateTime": moment, "LastUpdatedTime": moment})
    entity.setdefault("domain", "QBO")
    entity.setdefault("sparse", False)
    company.put(name, entity)
    return entity


def seed_objects(store: Store, realm_id: str, objects: dict[str, list[Entity]], raw: bool = False) -> dict[str, list[str]]:
    """Add objects by type; validated like API creates unless ``raw``. Returns the ids."""
    created: dict[str, list[str]] = {}
    with store.lock:
        company = store.ensure_company(realm_id)
        for name, rows in objects.items():
            canonical = entities.entity_type(name).name
            for row in rows:
                entity = put_raw(company, canonical, row) if raw else entities.create(store, company, canonical, row)
                created.setdefault(canonical, []).append(entity["Id"])
    return created


def seed_company(store: Store, realm_id: str) -> Company:
    """(Re)create the default company under ``realm_id``."""
    with store.lock:
        store.companies.pop(realm_id, None)
        company = store.ensure_company(realm_id)
        put_raw(company, "CompanyInfo", _company_info(realm_id))
        put_raw(company, "Preferences", _preferences())
        for name, kind, detail in ACCOUNTS:
            put_raw(company, "Account", {"Name": name, "FullyQualifiedName": name, "AccountType": kind,
                                         "AccountSubType": detail, "Active": True, "CurrentBalance": 0,
                                         "Classification": "Revenue" if kind == "Income" else "Asset",
                                         "CurrencyRef": {"value": "USD", "name": "United States Dollar"}})
        return company


def describe(store: Store) -> dict[str, Any]:
    """Object counts per realm and type, for the admin API."""
    with store.lock:
        return {realm: {name: len(rows) for name, rows in company.objects.items()}
                for realm, company in store.companies.items()}
