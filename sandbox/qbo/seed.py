"""The company a fresh emulator starts with, and loading more objects into it.

The default company mirrors a new QBO company set up by a law firm: a handful of
accounts (an income account for legal services), no items (integrations create them on
demand), and the preferences at QBO's defaults: custom transaction numbers off, the
duplicate-number warning off and automatic credit application on (as in Intuit's sample
Preferences), so a client first sees the setup it must ask for. Companies of the other
kinds (:mod:`billsync.sandbox.qbo.regions`) start from it and add their country, tax
lists and accounts; any kind may have multicurrency on.
"""

from __future__ import annotations

import copy
from typing import Any

from billsync.sandbox.qbo import entities, jsonutil, names, regions
from billsync.sandbox.qbo.currency import currency_ref
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.store import Company, Entity, Store

ACCOUNTS = (
    ("Services", "Income", "ServiceFeeIncome"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Checking", "Bank", "Checking"),
)


def _preferences() -> Entity:
    return {
        "Id": "1",
        "SyncToken": "0",
        "AccountingInfoPrefs": {
            "TrackDepartments": False,
            "ClassTrackingPerTxn": False,
            "CustomerTerminology": "Customers",
        },
        "SalesFormsPrefs": {
            "CustomTxnNumbers": False,
            "AllowDiscount": True,
            "AllowDeposit": False,
            "AllowShipping": False,
            "AllowServiceDate": False,
            "AutoApplyCredit": True,
            "DefaultTerms": {"value": "3"},
        },
        "VendorAndPurchasesPrefs": {"BillableExpenseTracking": False, "TrackingByCustomer": False},
        "TaxPrefs": {"UsingSalesTax": False},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "OtherPrefs": {
            "NameValue": [
                {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": "Thank you for your business."},
                {"Name": "WarnDuplicateCheckNumber", "Value": "true"},
                {"Name": "WarnDuplicateBillNumber", "Value": "false"},
                {"Name": "SignoutInactiveMinutes", "Value": "60"},
            ]
        },
    }


def _company_info(realm_id: str) -> Entity:
    return {
        "Id": "1",
        "SyncToken": "0",
        "CompanyName": "Sandbox Law Firm LLP",
        "LegalName": "Sandbox Law Firm LLP",
        "Country": "US",
        "SupportedLanguages": "en",
        "CompanyAddr": {
            "Line1": "1 Market St",
            "City": "San Francisco",
            "CountrySubDivisionCode": "CA",
            "PostalCode": "94105",
        },
        "Email": {"Address": "books@sandbox-law.example"},
        "FiscalYearStartMonth": "January",
        "NameValue": [{"Name": "CompanyType", "Value": "LLP"}, {"Name": "RealmId", "Value": realm_id}],
    }


def put_raw(company: Company, name: str, entity: Entity) -> Entity:
    """Store an object keeping its Id, SyncToken and MetaData, for replaying recordings.

    The type's rules fill in QBO's defaults and totals when the object is valid here;
    an object that refers to things this company lacks is stored verbatim, as recorded.
    """
    entity = copy.deepcopy(entity)
    moment = jsonutil.iso(jsonutil.now())
    identity = {
        "Id": str(entity.get("Id") or company.next_id(name)),
        "SyncToken": str(entity.get("SyncToken", "0")),
        "MetaData": entity.get("MetaData") or {"CreateTime": moment, "LastUpdatedTime": moment},
    }
    prepared = copy.deepcopy(entity)
    try:
        entities.entity_type(name).prepare(company, name, prepared, None, set())
        entity = prepared
    except QBOFault:
        pass
    entity.update(identity, domain="QBO", sparse=False)
    company.put(name, entity)
    return entity


def seed_objects(
    store: Store, realm_id: str, objects: dict[str, list[Entity]], raw: bool = False
) -> dict[str, list[str]]:
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


def seed_company(store: Store, realm_id: str, kind: str = "us", multicurrency: bool = False) -> Company:
    """(Re)create the company under ``realm_id`` as a company of ``kind`` (a ValueError names
    the kinds), with multicurrency on if asked."""
    region = regions.region(kind)
    with store.lock:
        store.companies.pop(realm_id, None)
        company = store.ensure_company(realm_id)
        company.kind = regions.CompanyKind(kind).value
        put_raw(company, "CompanyInfo", regions.company_info(kind, _company_info(realm_id)))
        put_raw(company, "Preferences", regions.preferences(kind, _preferences(), multicurrency))
        for name, account_type, detail in (*ACCOUNTS, *regions.extra_accounts(kind)):
            put_raw(
                company,
                "Account",
                {
                    "Name": name,
                    "FullyQualifiedName": name,
                    "AccountType": account_type,
                    "AccountSubType": detail,
                    "Active": True,
                    "CurrentBalance": 0,
                    "Classification": names.CLASSIFICATIONS[account_type],
                    "CurrencyRef": currency_ref(region.currency),
                },
            )
        lists = {"PaymentMethod": regions.payment_methods(kind), **regions.tax_lists(kind)}
        if multicurrency:
            lists.update(regions.currencies(kind, jsonutil.now().date().isoformat()))
        for name, rows in lists.items():
            for row in rows:
                put_raw(company, name, row)
        return company


def describe(store: Store) -> dict[str, Any]:
    """Object counts per realm and type, for the admin API."""
    with store.lock:
        return {
            realm: {name: len(rows) for name, rows in company.objects.items()}
            for realm, company in store.companies.items()
        }
