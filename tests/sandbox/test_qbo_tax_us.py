"""US sales tax as QBO computes it: the default company, legacy sales tax and automated
sales tax (sandbox/README, *Sales tax as QBO computes it*).

Every test runs against the real emulator; the company is (re)seeded as a kind through the
admin API, and amounts are read back as a client reads them (JSON numbers, as Decimals).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import yaml

from billsync.sandbox.qbo import jsonutil
from tests.shared import QBO_RECORDINGS

#: The recorded company's taxed form (cdc-basic.yml, Id 100): three TAX lines, code 2, rate 3 at 8 %.
RECORDED_LINES = ("275.00", "12.75", "38.00")


def recorded_form() -> dict:
    exchange = yaml.safe_load((QBO_RECORDINGS / "cdc-basic.yml").read_text())["http_interactions"][0]
    body = json.loads(exchange["response"]["body"]["string"], parse_float=Decimal)
    [form] = [f for f in body["CDCResponse"][0]["QueryResponse"][0]["Estimate"] if f["Id"] == "100"]
    return form


def company(qbo, kind: str) -> dict[str, str]:
    """A company of ``kind`` with an item and a customer (made through the API, so a legacy
    company gives the customer its group code, as the recorded one did)."""
    qbo.admin("POST", "/seed", json={"kind": kind})
    item = qbo.seed({"Item": [{"Name": "Services", "IncomeAccountRef": {"value": "1"}}]})["Item"][0]
    customer = qbo.seed({"Customer": [{"DisplayName": "Sonnenschein Family Store"}]})["Customer"][0]
    return {"item": item, "customer": customer}


def line(ids: dict[str, str], amount: str, code: str | None = "TAX") -> dict:
    detail: dict = {"ItemRef": {"value": ids["item"]}}
    if code:
        detail["TaxCodeRef"] = {"value": code}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def discount(amount: str) -> dict:
    return {"Amount": amount, "DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": False}}


def form(ids: dict[str, str], lines: list[dict], **extra) -> dict:
    return {"CustomerRef": {"value": ids["customer"]}, "Line": lines, **extra}


def write(qbo, body: dict, entity: str = "Invoice", query: str = "") -> dict:
    response = qbo.api("POST", f"/{entity.lower()}{query}", content=jsonutil.dumps(body))
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)[entity]


def refused(qbo, body: dict, entity: str = "Invoice") -> tuple[str, str, str]:
    response = qbo.api("POST", f"/{entity.lower()}", json=body)
    assert response.status_code == 400, response.text
    [error] = response.json()["Fault"]["Error"]
    return error["code"], error["element"], error["Detail"]


def switch(qbo, **values: bool) -> None:
    qbo.admin("POST", f"/user/{qbo.realm}/preferences", json=values)


def tax_lines(invoice: dict) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(percent, net, amount) of each TaxLine."""
    return [
        (d["TaxPercent"], d["NetAmountTaxable"], t["Amount"])
        for t in invoice["TxnTaxDetail"].get("TaxLine", [])
        for d in [t["TaxLineDetail"]]
    ]


# -- the default company: what billsync sends today ------------------------------------------


def test_the_default_company_drops_a_sent_tax_while_sales_tax_is_off(qbo) -> None:
    ids = company(qbo, "us")
    invoice = write(qbo, form(ids, [line(ids, "100.00"), discount("10.00")], TxnTaxDetail={"TotalTax": "8.25"}))
    assert "TxnTaxDetail" not in invoice and invoice["TotalAmt"] == Decimal("90.00")


@pytest.mark.parametrize("entity", ["Invoice", "CreditMemo"])
def test_the_default_company_switched_to_sales_tax_keeps_the_tax_it_is_sent(qbo, entity: str) -> None:
    """billsync's body for a taxed Clio bill: TAX and NON lines, a discount, and Clio's tax as
    TotalTax; the default company has no rates to compute with, so the total is Clio's."""
    ids = company(qbo, "us")
    switch(qbo, UsingSalesTax=True)
    lines = [line(ids, "100.00"), line(ids, "50.00", "NON"), discount("15.00")]
    sent = write(qbo, form(ids, lines, TxnTaxDetail={"TotalTax": "8.26"}), entity)
    assert (sent["TxnTaxDetail"], sent["TotalAmt"]) == ({"TotalTax": Decimal("8.26")}, Decimal("143.26"))


# -- legacy sales tax ---------------------------------------------------------------------------


def test_a_legacy_company_computes_the_recorded_form_to_the_cent(qbo) -> None:
    """cdc-basic.yml, Id 100: 325.75 of TAX lines at rate 3 (8 %) of code 2 is 26.06, total 351.81."""
    recorded = recorded_form()
    ids = company(qbo, "us-legacy")
    invoice = write(qbo, form(ids, [line(ids, amount) for amount in RECORDED_LINES]))
    assert invoice["TxnTaxDetail"] == recorded["TxnTaxDetail"]
    assert invoice["TotalAmt"] == recorded["TotalAmt"] == Decimal("351.81")
    assert invoice["ApplyTaxAfterDiscount"] is recorded["ApplyTaxAfterDiscount"] is False


def test_a_legacy_form_of_untaxed_lines_has_no_tax_and_no_code(qbo) -> None:
    """The recorded forms of NON lines answer TxnTaxDetail {"TotalTax": 0} and nothing else."""
    ids = company(qbo, "us-legacy")
    invoice = write(qbo, form(ids, [line(ids, "100.00", None)]))
    assert invoice["TxnTaxDetail"] == {"TotalTax": 0}
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}


def test_a_legacy_company_keeps_a_sent_total_tax_and_says_by_how_much_it_differs(qbo) -> None:
    ids = company(qbo, "us-legacy")
    body = form(
        ids, [line(ids, a) for a in RECORDED_LINES], TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}, "TotalTax": "26.10"}
    )
    invoice = write(qbo, body)
    [tax_line] = invoice["TxnTaxDetail"]["TaxLine"]
    assert (tax_line["Amount"], tax_line["TaxLineDetail"]["OverrideDeltaAmount"]) == (Decimal("26.10"), Decimal("0.04"))
    assert (invoice["TxnTaxDetail"]["TotalTax"], invoice["TotalAmt"]) == (Decimal("26.10"), Decimal("351.85"))


@pytest.mark.parametrize(
    ("after_discount", "net", "tax", "total"),
    [(False, "100.00", "8.00", "98.00"), (True, "90.00", "7.20", "97.20")],
)
def test_apply_tax_after_discount_decides_what_the_rate_is_charged_on(qbo, after_discount, net, tax, total) -> None:
    """Finance.xsd: "If false or null, calculate the sales tax first, and then apply the
    discount. If true, subtract the discount first and then calculate the sales tax"."""
    ids = company(qbo, "us-legacy")
    invoice = write(qbo, form(ids, [line(ids, "100.00"), discount("10.00")], ApplyTaxAfterDiscount=after_discount))
    assert tax_lines(invoice) == [(Decimal("8"), Decimal(net), Decimal(tax))]
    assert invoice["TotalAmt"] == Decimal(total)


@pytest.mark.parametrize(
    ("code", "tax_detail", "element"),
    [
        ("5", {}, "Line.SalesItemLineDetail.TaxCodeRef"),
        ("TAX", {"TxnTaxCodeRef": {"value": "99"}}, "TxnTaxDetail.TxnTaxCodeRef"),
        ("TAX", {"TxnTaxCodeRef": {"value": "TAX"}}, "TxnTaxDetail.TxnTaxCodeRef"),
    ],
)
def test_a_legacy_company_refuses_codes_it_does_not_have(qbo, code, tax_detail, element) -> None:
    ids = company(qbo, "us-legacy")
    assert refused(qbo, form(ids, [line(ids, "100.00", code)], TxnTaxDetail=tax_detail))[:2] == ("2500", element)


def test_a_taxable_legacy_form_takes_the_customer_s_code_and_needs_one(qbo) -> None:
    """Without TxnTaxCodeRef the customer's DefaultTaxCodeRef counts (a pseudo code is none);
    an estimate for nobody has neither."""
    ids = company(qbo, "us-legacy")
    customer = qbo.api("POST", "/customer", json={"DisplayName": "Untaxed", "DefaultTaxCodeRef": {"value": "NON"}})
    body = form({**ids, "customer": customer.json()["Customer"]["Id"]}, [line(ids, "100.00")])
    assert refused(qbo, body)[:2] == ("2500", "TxnTaxDetail.TxnTaxCodeRef")
    code, element, detail = refused(qbo, {"Line": [line(ids, "100.00")]}, "Estimate")
    assert (code, element) == ("6000", "TxnTaxDetail.TxnTaxCodeRef") and "sales tax rate" in detail


def test_a_legacy_credit_memo_is_taxed_as_an_invoice_is(qbo) -> None:
    ids = company(qbo, "us-legacy")
    memo = write(qbo, form(ids, [line(ids, "50.00")]), "CreditMemo")
    assert (memo["TotalAmt"], memo["Balance"], tax_lines(memo)) == (
        Decimal("54.00"),
        Decimal("54.00"),
        [(Decimal("8"), Decimal("50.00"), Decimal("4.00"))],
    )


def test_an_update_recomputes_unless_it_sends_the_old_tax_back(qbo) -> None:
    """A full update without TxnTaxDetail is computed afresh; one that sends the stored tax
    keeps it (QuickBooks-V3-PHP-SDK #422: old taxes survive until TxnTaxDetail is cleared)."""
    ids = company(qbo, "us-legacy")
    invoice = write(qbo, form(ids, [line(ids, "100.00")]))
    fresh = write(qbo, form(ids, [line(ids, "200.00")], Id=invoice["Id"], SyncToken=invoice["SyncToken"]))
    assert (fresh["TxnTaxDetail"]["TotalTax"], fresh["TotalAmt"]) == (Decimal("16.00"), Decimal("216.00"))
    stale = write(
        qbo,
        form(
            ids, [line(ids, "300.00")], Id=fresh["Id"], SyncToken=fresh["SyncToken"], TxnTaxDetail=fresh["TxnTaxDetail"]
        ),
    )
    assert (stale["TxnTaxDetail"]["TotalTax"], stale["TotalAmt"]) == (Decimal("16.00"), Decimal("316.00"))


def test_a_void_zeroes_the_tax_lines_too(qbo) -> None:
    ids = company(qbo, "us-legacy")
    invoice = write(qbo, form(ids, [line(ids, "100.00")]))
    voided = write(qbo, {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, query="?operation=void")
    assert (voided["TxnTaxDetail"], voided["TotalAmt"]) == ({"TotalTax": 0}, 0)


# -- automated sales tax --------------------------------------------------------------------------

OVERRIDE = {"TxnTaxCodeRef": {"value": "TAX"}, "TotalTax": "10.00"}  # "the value does not matter" (hlu2, #199)


def test_automated_sales_tax_computes_the_rates_of_the_destination(qbo) -> None:
    """San Francisco, the company's own place: 7.25 % and 1.375 % of 100.00 (AST's code replaces the one sent)."""
    ids = company(qbo, "us-ast")
    invoice = write(qbo, form(ids, [line(ids, "100.00")], TxnTaxDetail={"TxnTaxCodeRef": {"value": "NON"}}))
    [california] = qbo.api("GET", "/query", params={"query": "select * from TaxCode where Name = 'California'"}).json()[
        "QueryResponse"
    ]["TaxCode"]
    assert invoice["TxnTaxDetail"]["TxnTaxCodeRef"] == {"value": california["Id"]}
    assert tax_lines(invoice) == [
        (Decimal("7.25"), Decimal("100.00"), Decimal("7.25")),
        (Decimal("1.375"), Decimal("100.00"), Decimal("1.38")),
    ]
    assert invoice["TotalAmt"] == Decimal("108.63")


def test_with_overrides_allowed_a_sent_total_is_kept_and_prorated_across_the_rates_to_the_cent(qbo) -> None:
    ids = company(qbo, "us-ast")
    invoice = write(qbo, form(ids, [line(ids, "100.00")], TxnTaxDetail=OVERRIDE))
    assert [amount for _, _, amount in tax_lines(invoice)] == [Decimal("8.41"), Decimal("1.59")]
    assert [t["TaxLineDetail"]["OverrideDeltaAmount"] for t in invoice["TxnTaxDetail"]["TaxLine"]] == [
        Decimal("1.16"),
        Decimal("0.21"),
    ]
    assert (invoice["TxnTaxDetail"]["TotalTax"], invoice["TotalAmt"]) == (Decimal("10.00"), Decimal("110.00"))


@pytest.mark.parametrize(
    ("allowed", "tax_detail"),
    [
        (False, OVERRIDE),
        (True, {**OVERRIDE, "UseAutomatedSalesTax": True}),
        (True, {"TotalTax": "10.00"}),  # an override names a code as well (hlu2, #199)
    ],
)
def test_automated_sales_tax_replaces_a_sent_total_it_is_not_allowed_to_keep(qbo, allowed, tax_detail) -> None:
    ids = company(qbo, "us-ast")
    switch(qbo, AllowPartnerTaxOverride=allowed)
    invoice = write(qbo, form(ids, [line(ids, "100.00")], TxnTaxDetail=tax_detail))
    assert (invoice["TxnTaxDetail"]["TotalTax"], invoice["TotalAmt"]) == (Decimal("8.63"), Decimal("108.63"))
    assert all("OverrideDeltaAmount" not in t["TaxLineDetail"] for t in invoice["TxnTaxDetail"]["TaxLine"])


def test_a_sale_shipped_to_another_state_gets_that_state_s_code_made_once(qbo) -> None:
    ids = company(qbo, "us-ast")
    texas = {"Line1": "1 Main St", "City": "Houston", "CountrySubDivisionCode": "TX", "PostalCode": "77002"}
    first = write(qbo, form(ids, [line(ids, "100.00")], ShipAddr=texas))
    second = write(qbo, form(ids, [line(ids, "200.00")], ShipAddr=texas))
    codes = qbo.api("GET", "/query", params={"query": "select * from TaxCode where Name = 'Texas'"}).json()
    [code] = codes["QueryResponse"]["TaxCode"]
    assert first["TxnTaxDetail"]["TxnTaxCodeRef"] == second["TxnTaxDetail"]["TxnTaxCodeRef"] == {"value": code["Id"]}
    assert [percent for percent, _, _ in tax_lines(first)] == [Decimal("6.25"), Decimal("2")]
    assert (first["TotalAmt"], second["TotalAmt"]) == (Decimal("108.25"), Decimal("216.50"))
