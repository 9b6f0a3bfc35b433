"""A transaction's currency in the QBO emulator: listed before use, the customer's own, at a rate.

A Canadian company (home CAD), with multicurrency off and on; with it on, EUR is added to the
company's currencies and has a customer of its own (sandbox/README, *Currencies of names and
transactions*). Each table row is a body a client might send and what QBO makes of it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from billsync.sandbox.qbo import jsonutil

GST_100 = Decimal("105.00")  # a line of 100 under the GST code, 5 %
EUR = {"value": "EUR", "name": "Euro"}
CAD = {"value": "CAD", "name": "Canadian Dollar"}


class Books:
    """A ``ca`` company with an item and a CAD customer; with multicurrency on, EUR and a EUR
    customer too."""

    def __init__(self, qbo, *, multicurrency: bool, euro: bool = True) -> None:
        qbo.admin("POST", "/seed", json={"kind": "ca", "multicurrency": multicurrency})
        self.qbo = qbo
        self.item = qbo.seed({"Item": [{"Name": "Services", "IncomeAccountRef": {"value": "1"}}]})["Item"][0]
        [gst] = self.ask("select * from TaxCode where Name = 'GST'")["TaxCode"]
        self.gst = gst["Id"]
        self.customers = {"CAD": self.write("Customer", {"DisplayName": "Tremblay Avocats"})["Id"]}
        if multicurrency and euro:
            self.write("CompanyCurrency", {"Code": "EUR"})
            self.customers["EUR"] = self.write("Customer", {"DisplayName": "Müller GmbH", "CurrencyRef": EUR})["Id"]

    def ask(self, text: str) -> dict:
        return self.qbo.api("GET", "/query", params={"query": text}).json()["QueryResponse"]

    def send(self, entity: str, body: dict, **params: str):
        return self.qbo.api("POST", f"/{entity.lower()}", content=jsonutil.dumps(body), params=params)

    def write(self, entity: str, body: dict, **params: str) -> dict:
        response = self.send(entity, body, **params)
        assert response.status_code == 200, response.text
        return json.loads(response.text, parse_float=Decimal)[entity]

    def refused(self, entity: str, body: dict) -> tuple[str, str]:
        response = self.send(entity, body)
        assert response.status_code == 400, response.text
        [error] = response.json()["Fault"]["Error"]
        return error["code"], error["Detail"]

    def invoice(self, customer: str, entity: str = "Invoice", **extra: Any) -> dict:
        detail = {"ItemRef": {"value": self.item}, "TaxCodeRef": {"value": self.gst}}
        line = {"Amount": 100, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}
        return {"CustomerRef": {"value": self.customers[customer]}, "Line": [line], **extra}

    def payment(self, customer: str, **extra: Any) -> dict:
        return {"CustomerRef": {"value": self.customers[customer]}, "TotalAmt": 50, **extra}


def body(books: Books, entity: str, customer: str, **extra: Any) -> dict:
    if entity == "Customer":
        return {"DisplayName": "Dupont SARL", **extra}
    if entity == "Payment":
        return books.payment(customer, **extra)
    return books.invoice(customer, entity, **extra)


#: Multicurrency off: (entity, customer, extra fields) -> a fault code, or what the answer holds.
OFF = [
    ("Customer", "", {"CurrencyRef": EUR}, "6000"),
    ("Invoice", "CAD", {"CurrencyRef": EUR, "ExchangeRate": 1.465}, "6000"),
    ("Payment", "CAD", {"CurrencyRef": EUR, "ExchangeRate": 1.465}, "6000"),
    ("Customer", "", {"CurrencyRef": {"value": "CAD"}}, {"CurrencyRef": CAD}),
    ("Customer", "", {}, {"CurrencyRef": CAD}),
    ("Invoice", "CAD", {}, {"CurrencyRef": CAD, "TotalAmt": GST_100, "ExchangeRate": None, "HomeTotalAmt": None}),
    ("Invoice", "CAD", {"CurrencyRef": CAD, "ExchangeRate": 1.2}, {"CurrencyRef": CAD, "ExchangeRate": None}),
    ("Invoice", "CAD", {"HomeTotalAmt": 999}, {"HomeTotalAmt": None}),
    ("Payment", "CAD", {}, {"CurrencyRef": CAD, "ExchangeRate": None}),
]
#: Multicurrency on, EUR listed, a CAD and a EUR customer.
ON = [
    ("Customer", "", {"CurrencyRef": {"value": "GBP"}}, "6000"),
    ("Invoice", "EUR", {"CurrencyRef": EUR}, "2410"),
    ("Invoice", "EUR", {}, "6000"),
    ("Invoice", "CAD", {"CurrencyRef": EUR, "ExchangeRate": 1.465}, "6000"),
    ("Invoice", "EUR", {"CurrencyRef": EUR, "ExchangeRate": 0}, "2030"),
    ("Invoice", "EUR", {"CurrencyRef": EUR, "ExchangeRate": "abc"}, "2030"),
    ("Payment", "EUR", {}, "2410"),
    ("Payment", "EUR", {"CurrencyRef": CAD}, "6000"),
    ("Customer", "", {"CurrencyRef": EUR}, {"CurrencyRef": EUR}),
    (
        "Invoice",
        "EUR",
        {"CurrencyRef": {"value": "EUR"}, "ExchangeRate": 1.465},
        {"CurrencyRef": EUR, "TotalAmt": GST_100, "ExchangeRate": Decimal("1.465"), "HomeTotalAmt": Decimal("153.83")},
    ),
    ("CreditMemo", "EUR", {"CurrencyRef": EUR, "ExchangeRate": 1.5}, {"HomeTotalAmt": Decimal("157.50")}),
    # What billsync sends today, to a home-currency customer: no currency, no rate.
    ("Invoice", "CAD", {}, {"CurrencyRef": CAD, "ExchangeRate": 1, "HomeTotalAmt": GST_100}),
    ("Invoice", "CAD", {"ExchangeRate": 1.3}, {"ExchangeRate": 1, "HomeTotalAmt": GST_100}),
    ("Payment", "CAD", {}, {"CurrencyRef": CAD, "ExchangeRate": 1, "HomeTotalAmt": None}),
    ("Payment", "EUR", {"ExchangeRate": 1.465}, {"CurrencyRef": EUR, "ExchangeRate": Decimal("1.465")}),
]


def _check(books: Books, entity: str, sent: dict, expected: str | dict) -> None:
    if isinstance(expected, str):
        assert books.refused(entity, sent)[0] == expected
        return
    answer = books.write(entity, sent)
    assert {key: answer.get(key) for key in expected} == expected


@pytest.mark.parametrize(("entity", "customer", "extra", "expected"), OFF)
def test_without_multicurrency_everything_is_in_the_home_currency(qbo, entity, customer, extra, expected) -> None:
    books = Books(qbo, multicurrency=False)
    _check(books, entity, body(books, entity, customer, **extra), expected)


@pytest.mark.parametrize(("entity", "customer", "extra", "expected"), ON)
def test_with_multicurrency_a_transaction_is_in_its_customers_currency(qbo, entity, customer, extra, expected) -> None:
    books = Books(qbo, multicurrency=True)
    _check(books, entity, body(books, entity, customer, **extra), expected)


def test_a_currency_is_added_before_a_customer_takes_it_and_named_by_its_code(qbo) -> None:
    books = Books(qbo, multicurrency=True, euro=False)
    customer = {"DisplayName": "Müller GmbH", "CurrencyRef": {"value": "EUR"}}
    assert books.refused("Customer", customer) == (
        "6000",
        "Business Validation Error: EUR is not a currency of this company",
    )
    added = books.write("CompanyCurrency", {"Code": "EUR"})
    assert books.refused("Customer", {**customer, "CurrencyRef": {"value": added["Id"]}})[0] == "6000"
    assert books.write("Customer", customer)["CurrencyRef"] == EUR


def test_a_customers_currency_is_fixed_once_it_is_made(qbo) -> None:
    books = Books(qbo, multicurrency=True)
    customer = books.write("Customer", {"DisplayName": "Dupont SARL"})
    assert customer["CurrencyRef"] == CAD
    change = {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True, "CurrencyRef": EUR}
    assert books.refused("Customer", change) == (
        "6000",
        "Business Validation Error: The currency of a customer cannot be changed",
    )
    same = books.write("Customer", {**change, "CurrencyRef": {"value": "CAD"}})
    full = books.write("Customer", {"Id": customer["Id"], "SyncToken": same["SyncToken"], "DisplayName": "Dupont SA"})
    assert (same["CurrencyRef"], full["CurrencyRef"]) == (CAD, CAD), "a full update without it keeps it"


def test_a_payment_applies_only_to_forms_in_its_currency(qbo) -> None:
    books = Books(qbo, multicurrency=True)
    # A CAD invoice of the EUR customer cannot be made through the API; loaded as it stands.
    [stray] = books.qbo.seed(
        {"Invoice": [{**books.invoice("EUR"), "CurrencyRef": CAD, "TotalAmt": 105, "Balance": 105}]}, raw=True
    )["Invoice"]
    linked = [{"Amount": 50, "LinkedTxn": [{"TxnId": stray, "TxnType": "Invoice"}]}]
    payment = books.payment("EUR", ExchangeRate=1.465, Line=linked)
    assert books.refused("Payment", payment) == (
        "6000",
        "Business Validation Error: You can only use one foreign currency per transaction.",
    )
    invoice = books.write("Invoice", books.invoice("EUR", CurrencyRef=EUR, ExchangeRate=1.465))
    linked[0]["LinkedTxn"][0]["TxnId"] = invoice["Id"]
    assert books.write("Payment", payment)["UnappliedAmt"] == 0


def test_a_payment_is_deposited_in_the_home_currency_or_its_own(qbo) -> None:
    books = Books(qbo, multicurrency=True)
    books.write("CompanyCurrency", {"Code": "GBP"})
    banks = {
        code: books.write("Account", {"Name": f"Bank {code}", "AccountType": "Bank", "CurrencyRef": {"value": code}})
        for code in ("GBP", "EUR", "CAD")
    }
    for customer, bank, accepted in [
        ("EUR", "GBP", False),
        ("CAD", "EUR", False),
        ("EUR", "EUR", True),
        ("EUR", "CAD", True),
    ]:
        payment = books.payment(customer, ExchangeRate=1.465, DepositToAccountRef={"value": banks[bank]["Id"]})
        if accepted:
            assert books.write("Payment", payment)["DepositToAccountRef"]["value"] == banks[bank]["Id"]
        else:
            assert books.refused("Payment", payment) == (
                "6000",
                "Business Validation Error: The currency of the account must be either in home currency or "
                "the transaction currency.",
            )


def test_credits_qbo_applies_on_its_own_are_in_the_customers_currency(qbo) -> None:
    books = Books(qbo, multicurrency=True)
    invoice = books.write("Invoice", books.invoice("EUR", CurrencyRef=EUR, ExchangeRate=1.465))
    books.write("CreditMemo", books.invoice("EUR", "CreditMemo", CurrencyRef=EUR, ExchangeRate=1.5))
    [made] = books.ask("select * from Payment")["Payment"]
    assert (made["CurrencyRef"], Decimal(str(made["ExchangeRate"]))) == (EUR, Decimal("1.5"))
    assert Decimal(str(books.ask(f"select * from Invoice where Id = '{invoice['Id']}'")["Invoice"][0]["Balance"])) == 0


def test_a_void_zeroes_the_home_total(qbo) -> None:
    books = Books(qbo, multicurrency=True)
    invoice = books.write("Invoice", books.invoice("EUR", CurrencyRef=EUR, ExchangeRate=1.465))
    voided = books.write("Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void")
    assert (voided["TotalAmt"], voided["HomeTotalAmt"]) == (0, 0)
