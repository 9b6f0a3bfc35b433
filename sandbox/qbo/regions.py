"""Companies of each region: what a QBO company in the US, Canada, the UK or Australia holds
before an integration writes to it (see "Companies of each region" in ``sandbox/README.md``).

A company's kind is what a client can learn by reading it, nothing more: its country
(``CompanyInfo.Country``, "US" or not, as minimul/qbo_api issue #85 tells clients to check),
its sales tax preferences (``Preferences.TaxPrefs``) and the tax entities it lists.

- ``us``, the default: a new US company with sales tax not set up (``UsingSalesTax`` false).
  It holds what the emulator always seeded, unchanged, so every test written before regions
  meets the same company; only the payment methods are new.
- ``us-ast``: automated sales tax, "US QuickBooks Online companies created after November
  10, 2017 … query the Preferences.TaxPrefs.PartnerTaxEnabled attribute" (Intuit, *Manage
  sales tax for US locales*), true here with ``UsingSalesTax``. Its codes are those AST would
  have made for the company's own state (*doubt*: AST is a vendor's engine, and "Sandbox
  companies currently do not support the automated sales tax engine", the same page).
- ``us-legacy``: sales tax set up before AST, ``PartnerTaxEnabled`` absent (as a company
  converted from Desktop reports it, QuickBooks-V3-PHP-SDK issue #199); the pseudo codes
  ``TAX``/``NON`` on lines and a group code on the transaction: the recorded company of
  ``shared/fixtures/qbo-recorded`` (``cdc-basic.yml``: ``TxnTaxCodeRef`` 2, ``TaxRateRef`` 3
  at 8 %; ``create-customer.yml``: ``DefaultTaxCodeRef`` 2).
- ``ca``, ``uk``, ``au``: "They use TaxCode objects to specify sales tax at the line level
  … TaxRate and TaxAgency objects, while not used directly in transactions, are used in
  TaxCode definitions" (Intuit, *Manage sales tax for non-US locales*).

Multicurrency is orthogonal to the kind (:mod:`billsync.sandbox.qbo.currency`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billsync.sandbox.qbo import jsonutil
from billsync.sandbox.qbo.currency import CURRENCIES, currency_ref, rate_row
from billsync.sandbox.qbo.store import Company, Entity


class CompanyKind(StrEnum):
    """The companies ``billsync sandbox --region`` and ``POST /_sandbox/seed {"kind"}`` make."""

    US = "us"
    US_AST = "us-ast"
    US_LEGACY = "us-legacy"
    CA = "ca"
    UK = "uk"
    AU = "au"


@dataclass(frozen=True)
class Rate:
    """One TaxRate: ``value`` percent, paid to ``agency``, in force ``since``."""

    name: str
    value: str
    agency: str
    since: str
    special: str = "NONE"  # SpecialTaxTypeEnum (Finance.xsd): ZERO_RATE for zero-rated supplies
    id: str | None = None


@dataclass(frozen=True)
class Code:
    """One TaxCode and the rates it charges; a code without rates charges none (exempt, out of scope)."""

    name: str
    description: str
    rates: tuple[str, ...] = ()
    id: str | None = None


@dataclass(frozen=True)
class Region:
    """What differs between the kinds: where the company is, what it pays tax to, and how."""

    country: str
    currency: str
    address: dict[str, str]
    tax_prefs: dict[str, Any]
    tax_account: str = ""
    cheque: str = "Check"
    agencies: tuple[str, ...] = ()
    rates: tuple[Rate, ...] = ()
    codes: tuple[Code, ...] = ()
    default_tax_code: str | None = None
    extras: bool = True  # the second bank, the credit card and the tax liability accounts


#: Intuit's US page: "At the line level—the taxable status of each line is noted as either
#: TAX or NON … pseudo tax codes"; QBO answers them as TaxCode objects of those Ids.
PSEUDO_CODES = (Code("TAX", "TAX", id="TAX"), Code("NON", "NON", id="NON"))
CALIFORNIA = {"Line1": "1 Market St", "City": "San Francisco", "CountrySubDivisionCode": "CA", "PostalCode": "94105"}
CDTFA = "California Department of Tax and Fee Administration"


@dataclass(frozen=True)
class State:
    """The code automated sales tax makes for sales shipped to one state: named after the
    state, charging its rates (state and local) to the state's agency."""

    name: str
    agency: str
    rates: tuple[Rate, ...]


#: The states the emulator's automated sales tax knows, by ``CountrySubDivisionCode``. Made up
#: (*doubt*): AST is a vendor's engine that taxes by the exact destination address, and
#: "Sandbox companies currently do not support the automated sales tax engine" (Intuit, *Manage
#: sales tax for US locales*); these combined rates are near the real ones of each state's
#: largest city.
AST_STATES = {
    "CA": State(
        "California",
        CDTFA,
        (Rate("CA State", "7.25", CDTFA, "2017-01-01"), Rate("San Francisco", "1.375", CDTFA, "2017-01-01")),
    ),
    "TX": State(
        "Texas",
        "Texas Comptroller of Public Accounts",
        (
            Rate("TX State", "6.25", "Texas Comptroller of Public Accounts", "2017-01-01"),
            Rate("Houston", "2", "Texas Comptroller of Public Accounts", "2017-01-01"),
        ),
    ),
    "NY": State(
        "New York",
        "New York State Department of Taxation and Finance",
        (
            Rate("NY State", "4", "New York State Department of Taxation and Finance", "2017-01-01"),
            Rate("New York City", "4.875", "New York State Department of Taxation and Finance", "2017-01-01"),
        ),
    ),
}

REGIONS: dict[CompanyKind, Region] = {
    CompanyKind.US: Region("US", "USD", CALIFORNIA, {"UsingSalesTax": False}, extras=False),
    CompanyKind.US_AST: Region(
        "US",
        "USD",
        CALIFORNIA,
        {"UsingSalesTax": True, "PartnerTaxEnabled": True},
        tax_account="Sales Tax Payable",
        agencies=(CDTFA,),
        rates=AST_STATES["CA"].rates,
        codes=(*PSEUDO_CODES, Code("California", "California", ("CA State", "San Francisco"))),
    ),
    CompanyKind.US_LEGACY: Region(
        "US",
        "USD",
        CALIFORNIA,
        {"UsingSalesTax": True},
        tax_account="Sales Tax Payable",
        agencies=(CDTFA,),
        rates=(Rate("California", "8", CDTFA, "2014-01-01", id="3"),),
        codes=(*PSEUDO_CODES, Code("California", "California", ("California",), id="2")),
        default_tax_code="2",
    ),
    # Code names as Canadian companies list them (quickbooks-ruby issues #529 and #268;
    # integrators look "GST/QST QC - 9.975" and "Exempt" up by name); rates of 2024.
    CompanyKind.CA: Region(
        "CA",
        "CAD",
        {"Line1": "100 King St W", "City": "Toronto", "CountrySubDivisionCode": "ON", "PostalCode": "M5X 1A9"},
        {"UsingSalesTax": True},
        tax_account="GST/HST Payable",
        cheque="Cheque",
        agencies=("Canada Revenue Agency", "Revenu Québec", "Ministry of Finance (BC)"),
        rates=(
            Rate("GST", "5", "Canada Revenue Agency", "2008-01-01"),
            Rate("HST ON", "13", "Canada Revenue Agency", "2010-07-01"),
            Rate("QST", "9.975", "Revenu Québec", "2013-01-01"),
            Rate("PST BC", "7", "Ministry of Finance (BC)", "2013-04-01"),
            Rate("GST/HST ZR", "0", "Canada Revenue Agency", "2008-01-01", special="ZERO_RATE"),
        ),
        codes=(
            Code("GST", "GST", ("GST",)),
            Code("HST ON", "HST ON", ("HST ON",)),
            Code("GST/QST QC - 9.975", "GST/QST QC", ("GST", "QST")),
            Code("GST/PST BC", "GST/PST BC", ("GST", "PST BC")),
            Code("Zero-rated", "Zero-rated", ("GST/HST ZR",)),
            Code("Exempt", "Exempt"),
            Code("Out of Scope", "Out of Scope"),
        ),
    ),
    # "20.0% S" and "Exempt" are the names a UK company's codes go by (intuit/quickbooks-online-
    # mcp-server issue #94; QuickBooks-V3-PHP-SDK issue #48).
    CompanyKind.UK: Region(
        "GB",
        "GBP",
        {"Line1": "1 Poultry", "City": "London", "PostalCode": "EC2R 8EJ"},
        {"UsingSalesTax": True},
        tax_account="VAT Control",
        cheque="Cheque",
        agencies=("HM Revenue & Customs",),
        rates=(
            Rate("20.0% S", "20", "HM Revenue & Customs", "2011-01-04"),
            Rate("5.0% R", "5", "HM Revenue & Customs", "2011-01-04"),
            Rate("0.0% Z", "0", "HM Revenue & Customs", "2011-01-04", special="ZERO_RATE"),
        ),
        codes=(
            Code("20.0% S", "Standard", ("20.0% S",)),
            Code("5.0% R", "Reduced", ("5.0% R",)),
            Code("0.0% Z", "Zero-rated", ("0.0% Z",)),
            Code("Exempt", "Exempt"),
            Code("No VAT", "No VAT"),
        ),
    ),
    # *Doubt*: no stored source shows an Australian company's lists; the names are QBO's
    # usual ones for GST, as the Canadian ones are for GST/HST.
    CompanyKind.AU: Region(
        "AU",
        "AUD",
        {"Line1": "1 Martin Pl", "City": "Sydney", "CountrySubDivisionCode": "NSW", "PostalCode": "2000"},
        {"UsingSalesTax": True},
        tax_account="GST Payable",
        cheque="Cheque",
        agencies=("Australian Taxation Office",),
        rates=(
            Rate("GST (sales)", "10", "Australian Taxation Office", "2000-07-01"),
            Rate("GST free (sales)", "0", "Australian Taxation Office", "2000-07-01", special="ZERO_RATE"),
        ),
        codes=(
            Code("GST", "GST", ("GST (sales)",)),
            Code("GST free", "GST free", ("GST free (sales)",)),
            Code("Out of Scope", "Out of Scope"),
        ),
    ),
}


def region(kind: str) -> Region:
    """The region of a kind named as ``--region`` names it; a ValueError names the choices."""
    try:
        return REGIONS[CompanyKind(kind)]
    except ValueError:
        raise ValueError(f"kind must be one of {', '.join(k.value for k in CompanyKind)}, not {kind!r}") from None


def default_tax_code(company: Company) -> dict[str, str] | None:
    """What a new customer's ``DefaultTaxCodeRef`` is when none is sent: the group code of a
    legacy US company, as the recorded company gave every customer; none elsewhere."""
    code = region(company.kind).default_tax_code
    return {"value": code} if code else None


def company_info(kind: str, base: Entity) -> Entity:
    """The default company's CompanyInfo, moved to the kind's country and address. ``LegalAddr``
    is the address AST taxes from (Intuit blog, 2017-12-11, *Using QuickBooks Online API
    automated sales tax*); the default company keeps the CompanyInfo it always had."""
    where = region(kind)
    if kind == CompanyKind.US:
        return base
    return {**base, "Country": where.country, "CompanyAddr": dict(where.address), "LegalAddr": dict(where.address)}


def preferences(kind: str, base: Entity, multicurrency: bool) -> Entity:
    """The default Preferences with the kind's ``TaxPrefs`` and ``CurrencyPrefs`` (Finance.xsd
    ``CurrencyPrefs``: ``MultiCurrencyEnabled``, ``HomeCurrency``)."""
    where = region(kind)
    currency = {"MultiCurrencyEnabled": multicurrency, "HomeCurrency": {"value": where.currency}}
    return {**base, "TaxPrefs": dict(where.tax_prefs), "CurrencyPrefs": currency}


def extra_accounts(kind: str) -> list[tuple[str, str, str]]:
    """(Name, AccountType, AccountSubType) of the accounts a firm has besides the default five:
    a second bank account, a credit card (an account a payment may not be deposited to) and
    the liability the tax collected goes to (AccountSubTypeEnum of Finance.xsd: Savings,
    CreditCard, SalesTaxPayable in the US and GlobalTaxPayable elsewhere)."""
    where = region(kind)
    if not where.extras:
        return []
    payable = "SalesTaxPayable" if where.country == "US" else "GlobalTaxPayable"
    return [
        ("Savings", "Bank", "Savings"),
        ("Visa", "Credit Card", "CreditCard"),
        (where.tax_account, "Other Current Liability", payable),
    ]


def payment_methods(kind: str) -> list[Entity]:
    """PaymentMethod (Finance.xsd: ``Type`` "restricted to CREDIT_CARD or NON_CREDIT_CARD" in
    QBO). Check is Id 2 as in the recorded company (``batch-basic.yml``: ``PaymentMethodRef``
    2 "Check"); outside the US it is spelt Cheque (*doubt*: the spelling is the emulator's)."""
    names = (("Cash", "NON_CREDIT_CARD"), (region(kind).cheque, "NON_CREDIT_CARD"))
    names += (("Credit Card", "CREDIT_CARD"), ("Direct Debit", "NON_CREDIT_CARD"))
    return [{"Id": str(n), "Name": name, "Type": kind_, "Active": True} for n, (name, kind_) in enumerate(names, 1)]


def tax_lists(kind: str) -> dict[str, list[Entity]]:
    """TaxAgency, TaxRate and TaxCode objects of the kind, in that order (each refers to the
    one before), as Finance.xsd shapes them: a code's ``SalesTaxRateList.TaxRateDetail[]``
    refers to its rates, a rate's ``AgencyRef`` to its agency."""
    where = region(kind)
    agency_ids = {name: str(n) for n, name in enumerate(where.agencies, 1)}
    agencies = [
        {"Id": agency_ids[name], "DisplayName": name, "TaxTrackedOnSales": True, "TaxTrackedOnPurchases": False}
        for name in where.agencies
    ]
    rate_ids = {rate.name: rate.id or str(n) for n, rate in enumerate(where.rates, 1)}
    rates = [
        {
            "Id": rate_ids[rate.name],
            "Name": rate.name,
            "Description": rate.name,
            "Active": True,
            "RateValue": Decimal(rate.value),
            "AgencyRef": {"value": agency_ids[rate.agency]},
            "SpecialTaxType": rate.special,
            "DisplayType": "ReadOnly",
            "EffectiveTaxRate": [{"RateValue": Decimal(rate.value), "EffectiveDate": f"{rate.since}T00:00:00Z"}],
        }
        for rate in where.rates
    ]
    codes = [_code(code, str(n), rate_ids) for n, code in enumerate(where.codes, 1)]
    return {"TaxAgency": agencies, "TaxRate": rates, "TaxCode": codes}


def _code(code: Code, number: str, rate_ids: dict[str, str]) -> Entity:
    pseudo = code in PSEUDO_CODES
    details = [
        {"TaxRateRef": {"value": rate_ids[name], "name": name}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}
        for name in code.rates
    ]
    return {
        "Id": code.id or number,
        "Name": code.name,
        "Description": code.description,
        "Active": True,
        "Hidden": False,
        "Taxable": code.name == "TAX" if pseudo else bool(details),
        "TaxGroup": not pseudo and bool(details),
        "SalesTaxRateList": {"TaxRateDetail": details},
        "PurchaseTaxRateList": {"TaxRateDetail": []},
    }


def currencies(kind: str, as_of: str) -> dict[str, list[Entity]]:
    """With multicurrency on: one other currency listed (the neighbour's: CAD for a US company,
    USD elsewhere), and a rate on ``as_of`` for every currency the emulator knows.

    A company lists only the currencies someone added ("Turn on … Set up the currencies", Intuit's
    steps, community.intuit.com/articles/1779215), so a client must add the others before it
    uses them; listing all of them would let a client that never adds one pass.
    """
    home = region(kind).currency
    listed = "CAD" if home == "USD" else "USD"
    return {
        "CompanyCurrency": [{"Id": "1", "Code": listed, "Name": currency_ref(listed)["name"], "Active": True}],
        "ExchangeRate": [rate_row(code, home, as_of) for code in CURRENCIES if code != home],
    }


def ast_code(company: Company, state: str | None) -> Entity:
    """The TaxCode automated sales tax assigns to a sale shipped to ``state``, made the first
    time a sale goes there, with its agency and rates, as AST makes them on demand ("TaxCode
    objects can be created … will be overridden by AST", Intuit blog, 2017-12-11). A state the
    emulator does not know is taxed as the company's own (*doubt*: the real engine knows them all)."""
    home = (company.get("CompanyInfo", "1") or {}).get("LegalAddr", CALIFORNIA).get("CountrySubDivisionCode")
    where = AST_STATES.get(state or "") or AST_STATES.get(home) or AST_STATES["CA"]
    for code in company.objects.get("TaxCode", {}).values():
        if code.get("Name") == where.name and code.get("Active") is not False:
            return code
    agency = next(
        (a for a in company.objects.get("TaxAgency", {}).values() if a.get("DisplayName") == where.agency), None
    ) or _made(company, "TaxAgency", {"DisplayName": where.agency, "TaxTrackedOnSales": True})
    rate_ids = {}
    for rate in where.rates:
        made = _made(
            company,
            "TaxRate",
            {
                "Name": rate.name,
                "Description": rate.name,
                "Active": True,
                "RateValue": Decimal(rate.value),
                "AgencyRef": {"value": agency["Id"]},
                "SpecialTaxType": rate.special,
                "DisplayType": "ReadOnly",
                "EffectiveTaxRate": [{"RateValue": Decimal(rate.value), "EffectiveDate": f"{rate.since}T00:00:00Z"}],
            },
        )
        rate_ids[rate.name] = made["Id"]
    code = _code(Code(where.name, where.name, tuple(rate_ids)), "", rate_ids)
    del code["Id"]
    return _made(company, "TaxCode", code)


def _made(company: Company, name: str, entity: Entity) -> Entity:
    """Store a list object QBO makes on its own, stamped as a create stamps it."""
    moment = jsonutil.iso(jsonutil.now())
    entity.update(Id=company.next_id(name), SyncToken="0", domain="QBO", sparse=False, Active=True)
    entity["MetaData"] = {"CreateTime": moment, "LastUpdatedTime": moment}
    company.put(name, entity)
    return entity
