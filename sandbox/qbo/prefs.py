"""Preferences and CompanyInfo: the settings that decide how invoices are numbered and credits applied.

*Custom transaction numbers* (``SalesFormsPrefs.CustomTxnNumbers``) and *Warn if
duplicate bill number is used* (``OtherPrefs`` NameValue ``WarnDuplicateBillNumber``)
decide what becomes of a sent DocNumber (:mod:`billsync.sandbox.qbo.txns`).
*Automatically apply credits* (Advanced → Automation; ``SalesFormsPrefs.AutoApplyCredit``)
makes QBO apply open credits to open invoices on its own
(:func:`billsync.sandbox.qbo.txns.auto_application`). *Sales tax*
(``TaxPrefs.UsingSalesTax``, off in a new company) decides whether a sales form keeps the
``TxnTaxDetail`` it was sent (:mod:`billsync.sandbox.qbo.txns`).

Which of them the API may change: Intuit's reference for the Preferences entity says the
preferences "are mostly exposed as read-only through the Preferences endpoint with only a
very small subset of them available as writable" (developer.intuit.com, quoted by the
``another_quickbooks`` package docs, found with the stored-docs search). Sales form
settings such as ``SalesFormsPrefs.CustomTxnNumbers`` are in that writable subset (a
sparse update with ``SalesFormsPrefs`` is the documented way integrators switch custom
numbers on). No stored source shows ``OtherPrefs`` being writable: it is a name/value bag
of UI settings, and the third-party schemas list it without any writable field. The
emulator therefore merges a sent ``SalesFormsPrefs`` (and the other sales/purchase
blocks) and silently keeps ``OtherPrefs`` unchanged, as QBO ignores read-only fields in
an update rather than failing. The conservative reading is deliberate: a client built
against it offers to switch custom numbers on itself and sends a user to Company
Settings for the duplicate-number warning. No source says whether ``AutoApplyCredit`` is
in the writable subset; as a ``SalesFormsPrefs`` field it is merged like the others. The
admin API and the settings screen flip all three, as a user would. ``TaxPrefs`` is kept
as it was on an API update, like ``OtherPrefs`` (a person turns sales tax on in QBO's
Taxes screens); only the admin API switches ``UsingSalesTax``. Whether apps may override
automated sales tax is a user preference, ``AllowPartnerTaxOverride``, that no ``TaxPrefs``
field of Finance.xsd carries (its ``TxnTaxDetail.UseAutomatedSalesTax`` note names it "QBO
user pref"); the emulator keeps it as an ``OtherPrefs`` pair, on unless switched off
(*doubt*: where QBO keeps it, and its default, are not documented). ``CurrencyPrefs`` is kept
too: multicurrency is switched on in QBO's settings, and "cannot be disabled once it's been
enabled" (Intuit, *Manage multiple currencies*), so the admin API switches it on only.
"""

from __future__ import annotations

from billsync.sandbox.qbo import jsonutil
from billsync.sandbox.qbo.store import Company, Entity, Store

WRITABLE = (
    "SalesFormsPrefs",
    "EmailMessagesPrefs",
    "ProductAndServicesPrefs",
    "VendorAndPurchasesPrefs",
    "TimeTrackingPrefs",
    "AccountingInfoPrefs",
)
WARN_DUPLICATE = "WarnDuplicateBillNumber"
ALLOW_TAX_OVERRIDE = "AllowPartnerTaxOverride"


def preferences(company: Company) -> Entity:
    return company.get("Preferences", "1") or {}


def custom_txn_numbers(company: Company) -> bool:
    return bool(preferences(company).get("SalesFormsPrefs", {}).get("CustomTxnNumbers"))


def auto_apply_credit(company: Company) -> bool:
    return bool(preferences(company).get("SalesFormsPrefs", {}).get("AutoApplyCredit"))


def using_sales_tax(company: Company) -> bool:
    return preferences(company).get("TaxPrefs", {}).get("UsingSalesTax") is True


def allow_partner_tax_override(company: Company) -> bool:
    """Whether a US company with automated sales tax keeps the tax an app sends (on unless switched off)."""
    return other_pref(company, ALLOW_TAX_OVERRIDE) != "false"


def other_pref(company: Company, name: str) -> str | None:
    for pair in preferences(company).get("OtherPrefs", {}).get("NameValue", []):
        if pair.get("Name") == name:
            return pair.get("Value")
    return None


def warn_duplicate_doc_number(company: Company) -> bool:
    return other_pref(company, WARN_DUPLICATE) == "true"


def set_other_pref(prefs: Entity, name: str, value: str) -> None:
    """Change one OtherPrefs value in place (admin API only: the API cannot)."""
    pairs = prefs.setdefault("OtherPrefs", {}).setdefault("NameValue", [])
    for pair in pairs:
        if pair.get("Name") == name:
            pair["Value"] = value
            return
    pairs.append({"Name": name, "Value": value})


def prepare_preferences(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """Keep every read-only block as it was; merge writable blocks field by field.

    With no previous version (the company being seeded) the object is taken as given.
    """
    if old is None:
        return
    current = old
    for key in set(entity) | set(current):
        if key in ("Id", "SyncToken", "MetaData", "domain", "sparse"):
            continue
        if key in WRITABLE and isinstance(entity.get(key), dict):
            entity[key] = {**current.get(key, {}), **entity[key]}
        elif key in current:
            entity[key] = current[key]
        else:
            entity.pop(key, None)


def prepare_company_info(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """CompanyInfo keeps its identity; everything else is taken as sent."""
    if old:
        entity["CompanyName"] = entity.get("CompanyName") or old.get("CompanyName")


def switch(
    store: Store,
    realm_id: str,
    *,
    custom_txn_numbers: bool | None = None,
    warn_duplicate: bool | None = None,
    auto_apply_credit: bool | None = None,
    using_sales_tax: bool | None = None,
    multicurrency: bool | None = None,
    allow_partner_tax_override: bool | None = None,
) -> Entity | None:
    """Change the settings as a person in Company Settings does (the admin API and the
    emulated settings screen); None leaves one as it is. The change shows in CDC like any
    other. Returns None when there is no such realm."""
    with store.lock:
        company = store.company(realm_id)
        if company is None:
            return None
        current = company.get("Preferences", "1")
        sales_forms = {"CustomTxnNumbers": custom_txn_numbers, "AutoApplyCredit": auto_apply_credit}
        for key, value in sales_forms.items():
            if value is not None:
                current.setdefault("SalesFormsPrefs", {})[key] = bool(value)
        if warn_duplicate is not None:
            set_other_pref(current, WARN_DUPLICATE, str(bool(warn_duplicate)).lower())
        if allow_partner_tax_override is not None:
            set_other_pref(current, ALLOW_TAX_OVERRIDE, str(bool(allow_partner_tax_override)).lower())
        if using_sales_tax is not None:
            current.setdefault("TaxPrefs", {})["UsingSalesTax"] = bool(using_sales_tax)
        if multicurrency:  # never back off: the caller refuses False
            current.setdefault("CurrencyPrefs", {})["MultiCurrencyEnabled"] = True
        current["SyncToken"] = str(int(current["SyncToken"]) + 1)
        when = jsonutil.iso(jsonutil.now())
        current["MetaData"]["LastUpdatedTime"] = when
        store.notify(realm_id, "Preferences", "1", "Update", when)
        return current
