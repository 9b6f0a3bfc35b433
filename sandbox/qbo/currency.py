"""A company's currencies: its home currency, and with multicurrency on, the others and their rates.

Intuit's *Manage multiple currencies* (developer.intuit.com/app/developer/qbo/docs/workflows/
manage-multiple-currencies): multicurrency is off in a new company and "cannot be disabled
once it's been enabled"; an exchange rate is "the number of home currency units it takes to
equal one foreign currency unit". The home currency is ``Preferences.CurrencyPrefs.HomeCurrency``
(Finance.xsd ``CurrencyPrefs``), and every object a company makes in it says so in its
``CurrencyRef``. QBO "downloads exchange rates nightly" (quickbooks.intuit.com/learn-support,
*How multicurrency works*); the emulator has no feed, so a rate nobody set is derived from
:data:`USD_PER_UNIT`, a fixed table (*doubt*: made up, near the rates of late 2024), and rates
set through the admin API (raw ``ExchangeRate`` objects) take precedence for their date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billsync.sandbox.qbo import prefs
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import money
from billsync.sandbox.qbo.store import Company, Entity

#: The currencies the emulator knows, by ISO 4217 code, with the name QBO echoes in a
#: ``CurrencyRef`` (USD's as recorded from a real sandbox; the others ISO 4217's English
#: names, QBO's spelling not recorded: *doubt*).
CURRENCIES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "GBP": "British Pound Sterling",
    "AUD": "Australian Dollar",
    "EUR": "Euro",
}
#: What one unit of each currency is worth in US dollars: the emulator's stand-in for QBO's
#: nightly rates (made up, *doubt*).
USD_PER_UNIT = {
    "USD": Decimal("1"),
    "CAD": Decimal("0.74"),
    "GBP": Decimal("1.27"),
    "AUD": Decimal("0.66"),
    "EUR": Decimal("1.08"),
}
RATE_PLACES = Decimal("0.000001")
#: QBO's words when a transaction's currency is not its customer's (design 14 C6).
ONE_CURRENCY = "You can only use one foreign currency per transaction."


def currency_ref(code: str) -> dict[str, str]:
    """A fresh ``CurrencyRef`` for ``code``, as QBO echoes one (value and name)."""
    return {"value": code, "name": CURRENCIES.get(code, code)}


def home_code(company: Company) -> str:
    return (prefs.preferences(company).get("CurrencyPrefs", {}).get("HomeCurrency") or {}).get("value") or "USD"


def home_currency(company: Company) -> dict[str, str]:
    """The ``CurrencyRef`` of the company's home currency, the default of every object it makes."""
    return currency_ref(home_code(company))


def multicurrency(company: Company) -> bool:
    return prefs.preferences(company).get("CurrencyPrefs", {}).get("MultiCurrencyEnabled") is True


def listed(company: Company) -> set[str]:
    """The codes of the company's active CompanyCurrency objects (never the home one)."""
    rows = company.objects.get("CompanyCurrency", {}).values()
    return {row["Code"] for row in rows if row.get("Active") is not False}


def code_of(company: Company, entity: Entity | None) -> str:
    """The currency an object is in: its ``CurrencyRef``, the home currency when it has none."""
    return ((entity or {}).get("CurrencyRef") or {}).get("value") or home_code(company)


def currency_of(company: Company, entity: Entity, *, default: str) -> str:
    """The currency a write names in ``CurrencyRef`` (``default`` when none), checked and echoed.

    - ``CurrencyRef.value`` is the ISO code ("the currency in which all amounts on the
      associated transaction are expressed", Intuit's *Manage multiple currencies*; Intuit's
      Customer reference says the Id, but a client that sent a CompanyCurrency's Id got another
      currency than it meant and switched to the code:
      https://github.com/routablehq/python-quickbooks/issues/344). An Id is refused (6000).
    - Currencies are added to the company's list before use: Intuit's steps, "turn on → Lists →
      Currencies → Add Currency"
      (https://community.intuit.com/articles/1779215-how-to-turn-on-multicurrency-and-add-or-delete-currencies).
      *Doubt*: no source says whether the API refuses one not listed or adds it by itself; it
      is refused (6000), the stricter reading.
    - Without multicurrency, any currency but the home one is 6000. *Doubt*: no answer is
      recorded; Intuit's Bill reference says "Do not use this field if multicurrency is not
      enabled", and one integrator saw a vendor's ``CurrencyRef`` silently ignored with it on
      (design 14 C10); refusing is the stricter reading.
    """
    ref = entity.get("CurrencyRef")
    code = str((ref.get("value") if isinstance(ref, dict) else None) or default)
    if code != home_code(company):
        if not multicurrency(company):
            raise QBOFault("6000", element="CurrencyRef", detail="Multicurrency is not enabled for this company")
        if code not in listed(company):
            raise QBOFault("6000", element="CurrencyRef", detail=f"{code} is not a currency of this company")
    entity["CurrencyRef"] = currency_ref(code)
    return code


def fixed_currency(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """A name's or an account's currency: chosen when it is made, never changed after.

    "You can only assign one currency to each account or contact name"
    (https://quickbooks.intuit.com/community/Getting-Started/About-Multi-currency/m-p/185951).
    *Sources disagree* on when it becomes fixed: Intuit, "You can't change the currency of a
    name/account if there are transactions recorded for them" (Desktop help,
    http://support.quickbooks.intuit.com/support/pages/inproducthelp/Core/QB2K12/ContentPackage/Core/Multi_Currency/mc_updated_company_files.html);
    others, "fixed and can't be changed later" (Packt, *Professional Tips and Workarounds for
    QuickBooks Online*, ch. 9) and "read only"
    (https://help.syncwithconnex.com/hc/the-currency-of-the-account-must-be-either-in-home-currency-or-the-transaction-currency).
    The stricter is taken: any change is 6000; the same currency sent again is no change.
    """
    kept = code_of(company, old) if old is not None else home_code(company)
    code = currency_of(company, entity, default=kept)
    if old is not None and code != kept:
        raise QBOFault("6000", element="CurrencyRef", detail=f"The currency of a {name.lower()} cannot be changed")


def _rate(company: Company, entity: Entity, code: str) -> None:
    """``ExchangeRate``: "Valid only if the company file is set up to use Multi-Currency"
    (Finance.xsd ``Transaction``), so dropped without it (*doubt*: ignored rather than
    refused); 1 for the home currency; required for another one.

    *Sources disagree* on a foreign transaction sent without one: Intuit's Invoice reference
    says "Default: 1", and invoices made by the API show ``"ExchangeRate":1``
    (https://github.com/WordPress/wordcamp.org/pull/1325); a payment left at 1 was booked "at
    the wrong home-currency value" (https://github.com/intuit/quickbooks-online-mcp-server/issues/75);
    a foreign bill without one was refused 2410 "Curreny, ExchangeRate is missing." (observed in
    a CA sandbox, design 14 C8). The stricter, 2410, is taken. A rate that is no positive
    number is 2030 (*doubt*: the code is the emulator's).
    """
    if not multicurrency(company):
        entity.pop("ExchangeRate", None)
        return
    if code == home_code(company):
        entity["ExchangeRate"] = Decimal("1")
        return
    sent = entity.get("ExchangeRate")
    if sent in (None, ""):
        raise QBOFault("2410", element="ExchangeRate")
    try:
        rate = Decimal(str(sent))
    except ArithmeticError:
        rate = Decimal("NaN")
    if isinstance(sent, bool) or not rate.is_finite() or rate <= 0:
        raise QBOFault("2030", element="ExchangeRate", detail=str(sent))
    entity["ExchangeRate"] = rate


def transaction_currency(company: Company, name: str, entity: Entity, customer: Entity | None) -> str:
    """A transaction's currency and rate, checked against its customer's; returns the code.

    - Without ``CurrencyRef`` a Payment is in its customer's currency ("defaults to the
      customer's currency if omitted", https://github.com/intuit/quickbooks-online-mcp-server/issues/75)
      and a sales form in the home currency (*doubt*: no primary source; a public
      integration's comment says QBO takes it in the home currency, then refuses it for a
      foreign customer).
    - A currency other than the customer's is 6000 "You can only use one foreign currency per
      transaction." (observed on a Bill in a CA sandbox, design 14 C6; the same words in
      https://github.com/Expensify/App/issues/53932; "All invoices must use the vendor's
      assigned currency", Procore). *Doubt*: taken to hold for sales forms and payments too.
    """
    own = code_of(company, customer)
    code = currency_of(company, entity, default=own if name == "Payment" else home_code(company))
    if customer is not None and code != own:
        raise QBOFault("6000", element="CurrencyRef", detail=ONE_CURRENCY)
    _rate(company, entity, code)
    return code


def home_total(company: Company, entity: Entity) -> None:
    """``HomeTotalAmt`` of a sales form, with multicurrency on only.

    "A convenience field … in the home currency … Calculated by QuickBooks business logic"
    (https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-multiple-currencies);
    "Single currency companies will not have this field" (Finance.xsd, ``SalesTransaction``).
    "The Home currency value is the total amount of the transaction multiplied by the exchange
    rate" (QBO Canada community,
    https://quickboook2-en-community.insided.com/banking-currency-65/i-ve-heard-one-of-the-pro-tiers-has-support-for-multiple-currencies-can-this-feature-calculate-cad-based-on-the-usd-cad-exchange-rate-on-the-day-of-a-transaction-145270),
    rounded half-up to the cent (*doubt*: the rounding is not documented).
    """
    if multicurrency(company):
        entity["HomeTotalAmt"] = money(entity["TotalAmt"] * entity["ExchangeRate"], "HomeTotalAmt")
    else:
        entity.pop("HomeTotalAmt", None)


def table_rate(source: str, target: str) -> Decimal:
    """Home units per unit of ``source`` from the fixed table."""
    return (USD_PER_UNIT[source] / USD_PER_UNIT[target]).quantize(RATE_PLACES)


def rate_row(source: str, target: str, as_of: str, rate: Decimal | None = None) -> Entity:
    """An ``ExchangeRate`` object (Finance.xsd: SourceCurrencyCode, TargetCurrencyCode, Rate,
    AsOfDate). QBO keys it by currency and date and gives it no Id; the emulator stores it under
    ``SOURCE/date`` and leaves the Id out of every answer (:func:`shown`)."""
    return {
        "Id": f"{source}/{as_of}",
        "SourceCurrencyCode": source,
        "TargetCurrencyCode": target,
        "Rate": table_rate(source, target) if rate is None else rate,
        "AsOfDate": as_of,
    }


def shown(row: Entity) -> Entity:
    """An ExchangeRate as QBO answers it: without the emulator's storage key."""
    return {key: value for key, value in row.items() if key != "Id"}


def exchange_rate(company: Company, source: str, as_of: str | None) -> Entity:
    """``GET …/exchangerate?sourcecurrencycode=EUR&asofdate=YYYY-MM-DD`` (quickbooks-ruby
    ``ExchangeRate#fetch_by_currency``; ``asofdate`` defaults to today there too).

    The rate set for that date, else the latest set before it (with its own ``AsOfDate``), else
    the table's, dated as asked. *Doubts*: what
    QBO answers without multicurrency, or for a currency it does not know, is not recorded;
    the emulator refuses both, the stricter reading (6000, and 610 as for any missing object).
    """
    if not multicurrency(company):
        raise QBOFault("6000", element="sourcecurrencycode", detail="Multicurrency is not enabled for this company")
    code = (source or "").upper()
    if not code:
        raise QBOFault("2020", element="sourcecurrencycode")
    if code not in USD_PER_UNIT:
        raise QBOFault("610", element="sourcecurrencycode", detail=code)
    day = as_of or date.today().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        raise QBOFault("2030", element="asofdate", detail=day) from None
    home = home_code(company)
    earlier = [
        row
        for row in company.objects.get("ExchangeRate", {}).values()
        if row.get("SourceCurrencyCode") == code and str(row.get("AsOfDate", "")) <= day
    ]
    if earlier:
        return shown(max(earlier, key=lambda row: str(row["AsOfDate"])))
    return shown({**rate_row(code, home, day), "SyncToken": "0", "domain": "QBO", "sparse": False})


def prepare_company_currency(company: Company, name: str, entity: Entity, old: Entity | None) -> None:
    """CompanyCurrency: a currency the company deals in besides its home currency.

    Only a company with multicurrency on has them ("Required for the create/delete operation":
    ``Code``, Finance.xsd; ``Name`` is "Output only"). *Doubts*: the fault QBO gives without
    multicurrency, for an unknown code, for the home currency and for a second copy of one are
    not recorded; all four are refused with 6000 here.
    """
    if not multicurrency(company):
        raise QBOFault("6000", element="Code", detail="Multicurrency is not enabled for this company")
    code = str(entity.get("Code") or (old or {}).get("Code") or "").upper()
    if not code:
        raise QBOFault("2020", element="Code")
    if old is not None and code != old.get("Code"):
        raise QBOFault("6000", element="Code", detail="A currency's code cannot be changed")
    if code not in CURRENCIES or code == home_code(company):
        raise QBOFault("6000", element="Code", detail=f"{code} cannot be added to this company")
    for other in company.objects.get(name, {}).values():
        if other.get("Code") == code and other["Id"] != entity.get("Id"):
            raise QBOFault("6000", element="Code", detail=f"{code} is already a currency of this company")
    entity.update(Code=code, Name=CURRENCIES[code])
    entity.setdefault("Active", True)
