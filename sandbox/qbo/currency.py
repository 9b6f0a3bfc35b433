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
