"""Sales tax in Canada, the UK and Australia as QBO computes it: a tax code on every line,
each rate charged on the taxable total of its lines, and supplied tax lines kept
(sandbox/README, *Sales tax as QBO computes it*).

Every test runs against the real emulator, on a company (re)seeded as the kind.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billsync.sandbox.qbo import jsonutil


class Company:
    """A company of one kind with an item and a customer, and its tax lists by name."""

    def __init__(self, qbo, kind: str) -> None:
        qbo.admin("POST", "/seed", json={"kind": kind})
        self.qbo = qbo
        self.item = qbo.seed({"Item": [{"Name": "Services", "IncomeAccountRef": {"value": "1"}}]})["Item"][0]
        self.customer = qbo.seed({"Customer": [{"DisplayName": "Tremblay Avocats"}]})["Customer"][0]
        self.codes = {c["Name"]: c["Id"] for c in self.ask("select * from TaxCode")["TaxCode"]}
        self.rates = {r["Name"]: r["Id"] for r in self.ask("select * from TaxRate")["TaxRate"]}

    def ask(self, text: str) -> dict:
        return self.qbo.api("GET", "/query", params={"query": text}).json()["QueryResponse"]

    def line(self, amount: str, code: str | None) -> dict:
        detail: dict = {"ItemRef": {"value": self.item}}
        if code is not None:
            detail["TaxCodeRef"] = {"value": self.codes.get(code, code)}
        return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}

    def form(self, *lines: dict, **extra) -> dict:
        return {"CustomerRef": {"value": self.customer}, "Line": list(lines), **extra}

    def supplied(self, rate: str, amount: str) -> dict:
        detail = {"TaxRateRef": {"value": self.rates[rate]}, "PercentBased": True}
        return {"Amount": amount, "DetailType": "TaxLineDetail", "TaxLineDetail": detail}

    def write(self, body: dict, entity: str = "Invoice") -> dict:
        response = self.qbo.api("POST", f"/{entity.lower()}", content=jsonutil.dumps(body))
        assert response.status_code == 200, response.text
        return json.loads(response.text, parse_float=Decimal)[entity]

    def refused(self, body: dict, entity: str = "Invoice") -> tuple[str, str, str]:
        response = self.qbo.api("POST", f"/{entity.lower()}", content=jsonutil.dumps(body))
        assert response.status_code == 400, response.text
        [error] = response.json()["Fault"]["Error"]
        return error["code"], error["element"], error["Detail"]

    def charged(self, form: dict) -> dict[str, tuple[Decimal, Decimal]]:
        """Rate name -> (NetAmountTaxable, Amount) of each TaxLine."""
        names = {rate_id: name for name, rate_id in self.rates.items()}
        return {
            names[t["TaxLineDetail"]["TaxRateRef"]["value"]]: (t["TaxLineDetail"]["NetAmountTaxable"], t["Amount"])
            for t in form["TxnTaxDetail"].get("TaxLine", [])
        }


def money(*amounts: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(a) for a in amounts)


def test_each_rate_is_charged_on_its_taxable_total_as_quickbooks_ruby_547_shows(qbo) -> None:
    """4,495.16 at 9.975 % is 448.39 in QBO; Quebec's code charges GST and QST, one TaxLine each."""
    ca = Company(qbo, "ca")
    invoice = ca.write(ca.form(ca.line("4495.16", "GST/QST QC - 9.975")))
    assert ca.charged(invoice) == {"GST": money("4495.16", "224.76"), "QST": money("4495.16", "448.39")}
    assert (invoice["TxnTaxDetail"]["TotalTax"], invoice["TotalAmt"]) == money("673.15", "5168.31")
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"


def test_a_supplied_tax_line_is_kept_beside_quickbooks_own_figure(qbo) -> None:
    """#547: a client that sent 448.40 had it kept."""
    ca = Company(qbo, "ca")
    sent = {"TotalTax": "0", "TaxLine": [ca.supplied("QST", "448.40")], "TxnTaxCodeRef": {"value": "1"}}
    invoice = ca.write(ca.form(ca.line("4495.16", "GST/QST QC - 9.975"), TxnTaxDetail=sent))
    by_rate = {t["TaxLineDetail"]["TaxRateRef"]["value"]: t for t in invoice["TxnTaxDetail"]["TaxLine"]}
    qst, gst = by_rate[ca.rates["QST"]], by_rate[ca.rates["GST"]]
    assert (qst["Amount"], qst["TaxLineDetail"]["OverrideDeltaAmount"]) == money("448.40", "0.01")
    assert "OverrideDeltaAmount" not in gst["TaxLineDetail"]
    assert (invoice["TxnTaxDetail"]["TotalTax"], invoice["TotalAmt"]) == money("673.16", "5168.32")
    assert "TxnTaxCodeRef" not in invoice["TxnTaxDetail"], "For US editions only (Finance.xsd)"


def test_when_roundings_split_clio_s_per_line_tax_is_kept_as_sent(qbo) -> None:
    """Three lines of 0.10 at 5 %: QBO charges 5 % of 0.30, 0.02 (half-up of 0.015); Clio taxes
    each line, 0.01 three times. The sent 0.03 is kept, 0.01 over QBO's own."""
    ca = Company(qbo, "ca")
    lines = [ca.line("0.10", "GST") for _ in range(3)]
    computed = ca.write(ca.form(*lines))
    assert ca.charged(computed) == {"GST": money("0.30", "0.02")}
    kept = ca.write(ca.form(*lines, TxnTaxDetail={"TaxLine": [ca.supplied("GST", "0.03")]}))
    [tax_line] = kept["TxnTaxDetail"]["TaxLine"]
    assert (tax_line["Amount"], tax_line["TaxLineDetail"]["OverrideDeltaAmount"]) == money("0.03", "0.01")
    assert kept["TotalAmt"] == Decimal("0.33")


def test_a_rate_shared_by_codes_is_one_tax_line_and_untaxed_codes_charge_nothing(qbo) -> None:
    ca = Company(qbo, "ca")
    invoice = ca.write(ca.form(ca.line("100.00", "GST"), ca.line("200.00", "GST/PST BC"), ca.line("50.00", "Exempt")))
    assert ca.charged(invoice) == {"GST": money("300.00", "15.00"), "PST BC": money("200.00", "14.00")}
    assert invoice["TotalAmt"] == Decimal("379.00")


def test_a_discount_is_prorated_over_the_lines_before_tax(qbo) -> None:
    """Intuit's reference, DiscountAmt: "prorated through item lines for tax calculation"."""
    ca = Company(qbo, "ca")
    off = {"Amount": "20.00", "DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": False}}
    invoice = ca.write(ca.form(ca.line("100.00", "HST ON"), ca.line("100.00", "Exempt"), off))
    assert ca.charged(invoice) == {"HST ON": money("90.00", "11.70")}
    assert invoice["TotalAmt"] == Decimal("191.70")


def test_a_compound_rate_is_charged_on_the_amount_plus_the_earlier_tax(qbo) -> None:
    """A code kept from before 2013, when Prince Edward Island's PST was charged on the price
    plus GST: TaxOnAmountPlusTax, TaxOnTaxOrder naming the GST's TaxOrder (Finance.xsd)."""
    ca = Company(qbo, "ca")
    pst = {"Id": "40", "Name": "PST PE", "Active": True, "RateValue": "10", "AgencyRef": {"value": "1"}}
    details = [
        {"TaxRateRef": {"value": ca.rates["GST"]}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 1},
        {"TaxRateRef": {"value": "40"}, "TaxTypeApplicable": "TaxOnAmountPlusTax", "TaxOrder": 2, "TaxOnTaxOrder": 1},
    ]
    code = {"Id": "40", "Name": "GST/PST PE", "Active": True, "Taxable": True, "TaxGroup": True}
    qbo.seed({"TaxRate": [pst], "TaxCode": [{**code, "SalesTaxRateList": {"TaxRateDetail": details}}]}, raw=True)
    ca.rates["PST PE"] = "40"
    invoice = ca.write(ca.form(ca.line("100.00", "40")))
    assert ca.charged(invoice) == {"GST": money("100.00", "5.00"), "PST PE": money("105.00", "10.50")}
    assert invoice["TotalAmt"] == Decimal("115.50")


def test_a_uk_invoice_charges_vat_on_the_standard_rated_line_only(qbo) -> None:
    uk = Company(qbo, "uk")
    invoice = uk.write(uk.form(uk.line("250.00", "20.0% S"), uk.line("40.00", "Exempt")))
    assert uk.charged(invoice) == {"20.0% S": money("250.00", "50.00")}
    assert invoice["TotalAmt"] == Decimal("340.00")


@pytest.mark.parametrize(
    ("kind", "words"),
    [("ca", "a GST/HST rate"), ("uk", "a VAT rate"), ("au", "a GST rate")],
)
@pytest.mark.parametrize("entity", ["Invoice", "CreditMemo"])
def test_a_line_without_a_tax_code_is_refused_in_the_country_s_words(qbo, kind, words, entity) -> None:
    """CA: "Make sure all your transactions have a GST/HST rate before you save." (activepieces
    #8539); UK: "… a VAT rate …" (quickbooks-online-mcp-server #94); AU by analogy."""
    company = Company(qbo, kind)
    code, element, detail = company.refused(company.form(company.line("100.00", None)), entity)
    assert (code, element) == ("6000", "Line.SalesItemLineDetail.TaxCodeRef")
    assert detail == f"Business Validation Error: Make sure all your transactions have {words} before you save."


@pytest.mark.parametrize("code", ["NON", "TAX", "99"])
def test_us_pseudo_codes_and_unknown_codes_are_invalid_references(qbo, code) -> None:
    au = Company(qbo, "au")
    assert au.refused(au.form(au.line("100.00", code)))[:2] == ("2500", "Line.SalesItemLineDetail.TaxCodeRef")


def test_a_supplied_tax_line_must_be_a_rate_of_the_lines_codes_listed_once(qbo) -> None:
    ca = Company(qbo, "ca")
    foreign = {"TaxLine": [ca.supplied("QST", "1.00")]}
    assert ca.refused(ca.form(ca.line("100.00", "HST ON"), TxnTaxDetail=foreign))[0] == "6000"
    twice = {"TaxLine": [ca.supplied("HST ON", "13.00"), ca.supplied("HST ON", "13.00")]}
    assert ca.refused(ca.form(ca.line("100.00", "HST ON"), TxnTaxDetail=twice))[0] == "6000"


def test_tax_inclusive_amounts_hold_their_tax_and_not_applicable_cannot_tax(qbo) -> None:
    ca = Company(qbo, "ca")
    inclusive = ca.write(ca.form(ca.line("113.00", "HST ON"), GlobalTaxCalculation="TaxInclusive"))
    assert ca.charged(inclusive) == {"HST ON": money("100.00", "13.00")}
    assert inclusive["TotalAmt"] == Decimal("113.00")
    untaxed = ca.form(ca.line("100.00", "HST ON"), GlobalTaxCalculation="NotApplicable")
    assert ca.refused(untaxed)[:2] == ("6000", "GlobalTaxCalculation")


def test_a_taxable_invoice_has_at_most_750_lines(qbo) -> None:
    """Intuit's Invoice reference: "If an invoice is taxable, there is a limit of 750 lines per invoice"."""
    ca = Company(qbo, "ca")
    assert ca.refused(ca.form(*[ca.line("1.00", "HST ON")] * 751))[:2] == ("6000", "Line")
    assert ca.write(ca.form(*[ca.line("1.00", "Exempt")] * 751))["TotalAmt"] == Decimal("751.00")


def test_a_credit_memo_is_taxed_as_an_invoice_is(qbo) -> None:
    au = Company(qbo, "au")
    memo = au.write(au.form(au.line("100.00", "GST")), "CreditMemo")
    assert au.charged(memo) == {"GST (sales)": money("100.00", "10.00")}
    assert (memo["TotalAmt"], memo["Balance"]) == money("110.00", "110.00")


def test_with_sales_tax_switched_off_lines_need_no_code_and_no_tax_is_kept(qbo) -> None:
    """F5: "If sales tax is disabled … TxnTaxDetail is ignored and not stored"."""
    uk = Company(qbo, "uk")
    qbo.admin("POST", f"/user/{qbo.realm}/preferences", json={"UsingSalesTax": False})
    invoice = uk.write(uk.form(uk.line("100.00", None), TxnTaxDetail={"TaxLine": [uk.supplied("20.0% S", "20.00")]}))
    assert "TxnTaxDetail" not in invoice and invoice["TotalAmt"] == Decimal("100.00")
