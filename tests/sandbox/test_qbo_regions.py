"""Companies of each region, read the way a client reads them: CompanyInfo, Preferences, the
tax lists and the name lists, and with multicurrency on, the currencies and their rates.

Every test runs against the real emulator; the company is (re)seeded through the admin API
as a client would meet it (``POST /_sandbox/seed {"kind", "multicurrency"}``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from billsync.sandbox.cli import sandbox as sandbox_command

#: kind -> (CompanyInfo.Country, Preferences.TaxPrefs, home currency)
KINDS = {
    "us": ("US", {"UsingSalesTax": False}, "USD"),
    "us-ast": ("US", {"UsingSalesTax": True, "PartnerTaxEnabled": True}, "USD"),
    "us-legacy": ("US", {"UsingSalesTax": True}, "USD"),
    "ca": ("CA", {"UsingSalesTax": True}, "CAD"),
    "uk": ("GB", {"UsingSalesTax": True}, "GBP"),
    "au": ("AU", {"UsingSalesTax": True}, "AUD"),
}
GLOBAL = ("ca", "uk", "au")


def seeded(qbo, kind: str, multicurrency: bool = False):
    qbo.admin("POST", "/seed", json={"kind": kind, "multicurrency": multicurrency})
    return qbo


def ask(qbo, text: str) -> dict:
    response = qbo.api("GET", "/query", params={"query": text})
    assert response.status_code == 200, response.text
    return response.json()["QueryResponse"]


def fault(response) -> tuple[int, str]:
    return response.status_code, response.json()["Fault"]["Error"][0]["code"]


def read(qbo, path: str) -> dict:
    response = qbo.api("GET", path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("multicurrency", [False, True])
def test_a_company_says_its_country_tax_model_and_currency(qbo, kind: str, multicurrency: bool) -> None:
    country, tax_prefs, home = KINDS[kind]
    seeded(qbo, kind, multicurrency)
    info = read(qbo, f"/companyinfo/{qbo.realm}")["CompanyInfo"]
    preferences = read(qbo, "/preferences")["Preferences"]
    assert info["Country"] == country
    assert preferences["TaxPrefs"] == tax_prefs
    assert preferences["CurrencyPrefs"] == {"MultiCurrencyEnabled": multicurrency, "HomeCurrency": {"value": home}}
    if kind != "us":  # the default company keeps the CompanyInfo it always had
        assert info["LegalAddr"] == info["CompanyAddr"] and info["CompanyAddr"]["City"]


def test_the_default_company_is_the_one_seeded_before_regions(qbo) -> None:
    accounts = ask(qbo, "select * from Account orderby Id")["Account"]
    assert [a["Name"] for a in accounts] == [
        "Services",
        "Sales of Product Income",
        "Accounts Receivable (A/R)",
        "Undeposited Funds",
        "Checking",
    ]
    assert read(qbo, "/preferences")["Preferences"]["TaxPrefs"] == {"UsingSalesTax": False}
    assert ask(qbo, "select * from TaxCode") == {}


@pytest.mark.parametrize("kind", KINDS)
def test_every_tax_code_charges_rates_the_company_has_paid_to_agencies_it_has(qbo, kind: str) -> None:
    seeded(qbo, kind)
    codes = ask(qbo, "select * from TaxCode").get("TaxCode", [])
    assert all(code["Active"] for code in codes)
    rate_ids = {d["TaxRateRef"]["value"] for code in codes for d in code["SalesTaxRateList"]["TaxRateDetail"]}
    if kind == "us":
        assert codes == [] and rate_ids == set()
        return
    listed = ", ".join(f"'{i}'" for i in sorted(rate_ids))
    rates = ask(qbo, f"select * from TaxRate where Id in ({listed})")["TaxRate"]
    assert {rate["Id"] for rate in rates} == rate_ids
    agencies = {agency["Id"] for agency in ask(qbo, "select * from TaxAgency")["TaxAgency"]}
    assert {rate["AgencyRef"]["value"] for rate in rates} <= agencies
    if kind in GLOBAL:  # line codes are the company's own; no US pseudo codes
        assert not {"TAX", "NON"} & {code["Id"] for code in codes}
    else:
        assert {"TAX", "NON"} <= {code["Id"] for code in codes}


def test_a_legacy_us_company_has_the_recorded_company_s_group_code_and_rate(qbo) -> None:
    """cdc-basic.yml: TxnTaxCodeRef 2, TaxLine TaxRateRef 3 at 8 %."""
    seeded(qbo, "us-legacy")
    group = read(qbo, "/taxcode/2")["TaxCode"]
    [detail] = group["SalesTaxRateList"]["TaxRateDetail"]
    assert detail["TaxRateRef"]["value"] == "3"
    assert Decimal(str(read(qbo, "/taxrate/3")["TaxRate"]["RateValue"])) == Decimal("8")


def test_quebec_s_code_charges_both_gst_and_qst(qbo) -> None:
    seeded(qbo, "ca")
    [code] = ask(qbo, "select * from TaxCode where Name = 'GST/QST QC - 9.975'")["TaxCode"]
    names = [d["TaxRateRef"]["name"] for d in code["SalesTaxRateList"]["TaxRateDetail"]]
    assert names == ["GST", "QST"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_customer_is_in_the_home_currency_and_only_a_legacy_company_gives_it_a_tax_code(qbo, kind: str) -> None:
    seeded(qbo, kind)
    response = qbo.api("POST", "/customer", json={"DisplayName": "Amy's Bird Sanctuary"})
    assert response.status_code == 200, response.text
    customer = response.json()["Customer"]
    assert customer["CurrencyRef"]["value"] == KINDS[kind][2]
    assert customer.get("DefaultTaxCodeRef") == ({"value": "2"} if kind == "us-legacy" else None)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("select * from TaxCode where Description = 'GST'", "4001"),
        ("select * from TaxCode orderby Description", "4001"),
        ("select * from PaymentMethod where Description = 'Cash'", "4001"),
        ("select * from CompanyCurrency where Name = 'Euro'", "4001"),
        ("select * from ExchangeRate where Rate > '1'", "4001"),
    ],
)
def test_a_filter_qbo_does_not_offer_on_the_new_lists_is_refused(qbo, query: str, code: str) -> None:
    seeded(qbo, "ca", multicurrency=True)
    assert fault(qbo.api("GET", "/query", params={"query": query})) == (400, code)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/taxcode", {"Name": "MINE"}),
        ("/taxrate", {"Name": "Mine", "RateValue": 3}),
        ("/taxcode", {"Id": "1", "SyncToken": "0", "sparse": True, "Active": False}),
        ("/exchangerate", {"SourceCurrencyCode": "EUR", "Rate": 2}),
    ],
)
def test_tax_codes_rates_and_exchange_rates_cannot_be_written_through_the_entity_endpoints(
    qbo, path: str, body: dict
) -> None:
    seeded(qbo, "ca", multicurrency=True)
    assert fault(qbo.api("POST", path, json=body)) == (400, "6000")
    assert [c["Name"] for c in ask(qbo, "select * from TaxCode where Name = 'MINE'").get("TaxCode", [])] == []


def test_a_tax_agency_and_a_payment_method_can_be_created_once_each(qbo) -> None:
    seeded(qbo, "uk")
    agency = qbo.api("POST", "/taxagency", json={"DisplayName": "Isle of Man Customs"})
    assert agency.status_code == 200, agency.text
    assert agency.json()["TaxAgency"]["TaxTrackedOnSales"] is True
    assert fault(qbo.api("POST", "/taxagency", json={"DisplayName": "Isle of Man Customs"})) == (400, "6240")
    method = qbo.api("POST", "/paymentmethod", json={"Name": "BACS"})
    assert method.status_code == 200 and method.json()["PaymentMethod"]["Type"] == "NON_CREDIT_CARD"
    assert fault(qbo.api("POST", "/paymentmethod", json={"Name": "Wire", "Type": "WIRE"})) == (400, "6000")
    assert fault(qbo.api("POST", "/paymentmethod", json={"Name": "A" * 16})) == (400, "2050")


@pytest.mark.parametrize(("kind", "cheque"), [("us", "Check"), ("us-legacy", "Check"), ("ca", "Cheque")])
def test_payment_methods_spell_the_cheque_as_the_region_does(qbo, kind: str, cheque: str) -> None:
    """batch-basic.yml: PaymentMethodRef {"value": "2", "name": "Check"}."""
    seeded(qbo, kind)
    methods = ask(qbo, "select * from PaymentMethod where Type = 'NON_CREDIT_CARD'")["PaymentMethod"]
    assert {"2": cheque}.items() <= {m["Id"]: m["Name"] for m in methods}.items()


@pytest.mark.parametrize(("kind", "liability"), [("us-ast", "Sales Tax Payable"), ("ca", "GST/HST Payable")])
def test_a_firm_has_a_second_bank_a_credit_card_and_a_tax_liability_account(qbo, kind: str, liability: str) -> None:
    seeded(qbo, kind)
    accounts = ask(qbo, "select * from Account")["Account"]
    types = {a["Name"]: a["AccountType"] for a in accounts}
    assert list(types.values()).count("Bank") == 2 and "Credit Card" in types.values()
    assert types[liability] == "Other Current Liability"
    home = KINDS[kind][2]
    assert {a["CurrencyRef"]["value"] for a in accounts} == {home}


def test_an_invoice_of_a_uk_company_is_in_pounds(qbo) -> None:
    seeded(qbo, "uk")
    ids = qbo.seed(
        {
            "Item": [{"Name": "Services", "IncomeAccountRef": {"value": "1"}}],
            "Customer": [{"DisplayName": "Amy's Bird Sanctuary"}],
        }
    )
    [no_vat] = ask(qbo, "select * from TaxCode where Name = 'No VAT'")["TaxCode"]
    detail = {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": no_vat["Id"]}}  # a UK line needs a code
    line = {"Amount": 100, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}
    body = {"CustomerRef": {"value": ids["Customer"][0]}, "Line": [line]}
    response = qbo.api("POST", "/invoice", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["Invoice"]["CurrencyRef"] == {"value": "GBP", "name": "British Pound Sterling"}


@pytest.mark.parametrize(("kind", "listed"), [("ca", "USD"), ("uk", "USD"), ("us", "CAD"), ("us-legacy", "CAD")])
def test_with_multicurrency_on_one_other_currency_is_listed(qbo, kind: str, listed: str) -> None:
    seeded(qbo, kind, multicurrency=True)
    codes = [c["Code"] for c in ask(qbo, "select * from CompanyCurrency")["CompanyCurrency"]]
    assert codes == [listed], "the others are the client's to add"


def test_with_multicurrency_on_rates_answer_for_every_currency(qbo) -> None:
    seeded(qbo, "ca", multicurrency=True)
    qbo.seed({"ExchangeRate": [{"SourceCurrencyCode": "EUR", "TargetCurrencyCode": "CAD", "AsOfDate": "2024-03-01",
                                "Rate": "1.4650", "Id": "EUR/2024-03-01"}]}, raw=True)  # fmt: skip

    def rate(day: str) -> dict:
        answer = qbo.api("GET", "/exchangerate", params={"sourcecurrencycode": "EUR", "asofdate": day})
        assert answer.status_code == 200, answer.text
        return answer.json()["ExchangeRate"]

    assert (Decimal(str(rate("2024-03-01")["Rate"])), rate("2024-03-01")["AsOfDate"]) == (
        Decimal("1.465"),
        "2024-03-01",
    )
    assert rate("2024-03-04")["AsOfDate"] == "2024-03-01"  # the latest rate set before the day asked
    earlier = rate("2024-02-01")
    assert earlier["TargetCurrencyCode"] == "CAD" and Decimal(str(earlier["Rate"])) > 1 and "Id" not in earlier
    found = ask(qbo, "select * from ExchangeRate where SourceCurrencyCode = 'EUR' and AsOfDate = '2024-03-01'")
    assert [(r["SourceCurrencyCode"], "Id" in r) for r in found["ExchangeRate"]] == [("EUR", False)]


def test_without_multicurrency_there_are_no_rates_nor_other_currencies(qbo) -> None:
    seeded(qbo, "uk")
    answer = qbo.api("GET", "/exchangerate", params={"sourcecurrencycode": "EUR"})
    assert fault(answer) == (400, "6000")
    assert fault(qbo.api("POST", "/companycurrency", json={"Code": "EUR"})) == (400, "6000")


def test_a_currency_is_added_once_and_never_the_home_one(qbo) -> None:
    seeded(qbo, "us")
    qbo.admin("POST", f"/user/{qbo.realm}/preferences", json={"MultiCurrencyEnabled": True})
    added = qbo.api("POST", "/companycurrency", json={"Code": "eur"})
    assert added.status_code == 200, added.text
    assert (added.json()["CompanyCurrency"]["Code"], added.json()["CompanyCurrency"]["Name"]) == ("EUR", "Euro")
    assert fault(qbo.api("POST", "/companycurrency", json={"Code": "EUR"})) == (400, "6000")
    assert fault(qbo.api("POST", "/companycurrency", json={"Code": "USD"})) == (400, "6000")
    assert fault(qbo.api("GET", "/exchangerate", params={"sourcecurrencycode": "XYZ"})) == (400, "610")


def test_multicurrency_is_switched_on_and_never_off(qbo) -> None:
    switch = f"/_sandbox/user/{qbo.realm}/preferences"
    qbo.admin("POST", f"/user/{qbo.realm}/preferences", json={"MultiCurrencyEnabled": True})
    refused = qbo.http.post(switch, json={"MultiCurrencyEnabled": False, "UsingSalesTax": True})
    assert refused.status_code == 400 and "cannot be turned off" in refused.text
    preferences = read(qbo, "/preferences")["Preferences"]
    assert preferences["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    assert preferences["TaxPrefs"]["UsingSalesTax"] is False  # nothing of a refused switch applies


@pytest.mark.parametrize("body", [{"kind": "fr"}, {"kind": "us", "multicurrency": "yes"}])
def test_an_unknown_kind_or_flag_is_refused_and_the_company_is_kept(qbo, body: dict) -> None:
    qbo.seed({"Customer": [{"DisplayName": "Kept"}]})
    refused = qbo.http.post("/_sandbox/seed", json=body)
    assert refused.status_code == 400
    assert [c["DisplayName"] for c in ask(qbo, "select * from Customer")["Customer"]] == ["Kept"]


def test_the_configured_kind_is_what_a_reset_seeds(qbo) -> None:
    try:
        qbo.admin("PATCH", "/config", json={"kind": "au", "multicurrency": True})
        qbo.admin("POST", "/reset")
        preferences = read(qbo, "/preferences")["Preferences"]
        assert preferences["CurrencyPrefs"] == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "AUD"}}
        assert qbo.http.patch("/_sandbox/config", json={"kind": "fr"}).status_code == 400
    finally:
        qbo.admin("PATCH", "/config", json={"kind": "us", "multicurrency": False})
        qbo.admin("POST", "/reset")


def test_the_command_offers_the_regions_and_refuses_others() -> None:
    result = CliRunner().invoke(sandbox_command, ["--region", "fr"])
    assert result.exit_code == 2
    for kind in KINDS:
        assert kind in result.output
