"""The QuickBooks company's lists that a connection's settings choose from: its items, its
accounts and, outside the US, its tax codes.

A non-US company taxes by "TaxCode objects … at the line level … TaxRate and TaxAgency
objects, while not used directly in transactions, are used in TaxCode definitions"
(Intuit, *Manage sales tax for non-US locales*); a code's ``SalesTaxRateList`` names the
rates it charges on sales (Finance.xsd ``TaxCode``).

A payment is deposited to an account "where ``Account.AccountType`` is ``Other Current
Asset`` or ``Bank``. … If you do not specify this account the payment is applied to the
Undeposited Funds account" (Intuit's Payment reference, ``DepositToAccountRef``); QBO refuses
another type with "Invalid account type: You need to select a different type of account for
this transaction" (quickbooks-ruby issues #229 and #532).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billsync import words
from billsync.daemon.errors import InvalidArgument
from billsync.daemon.qbo.client import QboFault, QuickBooks, quote

#: The account types a payment may be deposited to (see the module's docstring).
DEPOSIT_TYPES = frozenset({"Bank", "Other Current Asset"})
#: The account type each trust account must have: Clio asks for "a trust bank account and a
#: trust liability account" (Clio help, "Syncing Trust Transactions with QuickBooks Online");
#: QBO's detail types for them (``TrustAccounts``, ``TrustAccountsLiabilities``, Finance.xsd
#: ``AccountSubTypeEnum``) are not required: a firm may have set up its accounts otherwise.
TRUST_TYPES = {"bank": "Bank", "liability": "Other Current Liability"}
#: QBO's fault for an object that is not there (or no longer is).
NOT_FOUND = "610"


@dataclass(frozen=True)
class Item:
    id: str
    #: Its Name, unique among items, by which the item mapping names it.
    name: str
    #: QBO's Item.Type: "Service", "NonInventory", "Inventory", …
    type: str


@dataclass(frozen=True)
class Account:
    id: str
    #: The full name, parents included ("Checking:Trust").
    name: str
    account_type: str
    sub_type: str

    @property
    def takes_deposits(self) -> bool:
        return self.account_type in DEPOSIT_TYPES

    @classmethod
    def of(cls, row: dict[str, Any]) -> Account:
        return cls(
            id=str(row["Id"]),
            name=str(row.get("FullyQualifiedName") or row.get("Name", "")),
            account_type=str(row.get("AccountType", "")),
            sub_type=str(row.get("AccountSubType", "")),
        )


@dataclass(frozen=True)
class TaxRate:
    id: str
    name: str
    #: Percent: 13 for 13 %.
    value: Decimal


@dataclass(frozen=True)
class TaxCode:
    """An active sales tax code and the rates it charges on sales (none: exempt, zero)."""

    id: str
    name: str
    rates: tuple[TaxRate, ...]

    @property
    def percent(self) -> Decimal:
        return sum((rate.value for rate in self.rates), Decimal(0))

    def label(self) -> str:
        """``HST ON (13 %)``, as the settings list it."""
        return words.tax_code(self.name, [f"{rate.value.normalize():f}" for rate in self.rates])


@dataclass(frozen=True)
class Choices:
    """Active items, accounts and tax codes, each by name."""

    items: tuple[Item, ...]
    accounts: tuple[Account, ...]
    tax_codes: tuple[TaxCode, ...] = ()


#: The QBO PaymentMethod.Type of a card ("restricted to CREDIT_CARD or NON_CREDIT_CARD",
#: Finance.xsd ``PaymentMethod``).
CREDIT_CARD = "CREDIT_CARD"


def card_method(qbo: QuickBooks) -> str | None:
    """The Id of the company's active card payment method ("Credit Card" where it has one of
    that name), or None when it has none: one query."""
    cards = [
        row for row in qbo.query("select * from PaymentMethod where Active = true") if row.get("Type") == CREDIT_CARD
    ]
    cards.sort(key=lambda row: (row.get("Name") != "Credit Card", int(row["Id"]) if str(row["Id"]).isdigit() else 0))
    return str(cards[0]["Id"]) if cards else None


def read_tax_codes(qbo: QuickBooks) -> dict[str, TaxCode]:
    """The company's active tax codes by Id, with the sales rates each charges: two queries
    (a US company lists none but the pseudo codes ``TAX`` and ``NON``)."""
    rates = {
        str(row["Id"]): TaxRate(str(row["Id"]), str(row.get("Name", "")), Decimal(str(row.get("RateValue") or 0)))
        for row in qbo.query("select * from TaxRate")
    }
    codes = {}
    for row in qbo.query("select * from TaxCode where Active = true"):
        details = (row.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
        charged = tuple(rates[ref] for d in details if (ref := str((d.get("TaxRateRef") or {}).get("value"))) in rates)
        codes[str(row["Id"])] = TaxCode(str(row["Id"]), str(row.get("Name", "")), charged)
    return codes


def read_choices(qbo: QuickBooks, *, tax_codes: bool) -> Choices:
    """The company's active items (categories, which no line can name, left out) and active
    accounts, and with ``tax_codes`` its tax codes: two to four paged queries."""
    items = (
        Item(id=str(row["Id"]), name=str(row.get("Name", "")), type=str(row.get("Type", "")))
        for row in qbo.query("select * from Item where Active = true")
        if row.get("Type") != "Category"
    )
    accounts = (Account.of(row) for row in qbo.query("select * from Account where Active = true"))
    codes = read_tax_codes(qbo).values() if tax_codes else ()
    return Choices(
        items=tuple(sorted(items, key=lambda i: i.name.casefold())),
        accounts=tuple(sorted(accounts, key=lambda a: a.name.casefold())),
        tax_codes=tuple(sorted(codes, key=lambda c: c.name.casefold())),
    )


def tax_code_labels(qbo: QuickBooks, chosen: dict[str, str]) -> dict[str, str]:
    """The label of each active tax code ``chosen`` names (key → Id), or InvalidArgument
    naming one the company does not have."""
    codes = read_tax_codes(qbo)
    if missing := sorted(code_id for code_id in chosen.values() if code_id not in codes):
        raise InvalidArgument(f"QuickBooks has no active tax code {', '.join(missing)}")
    return {key: codes[code_id].label() for key, code_id in chosen.items()}


def _active_account(qbo: QuickBooks, account_id: str) -> Account:
    """The active account ``account_id``, or InvalidArgument."""
    try:
        row = qbo.read("Account", account_id)
    except QboFault as e:
        if e.code == NOT_FOUND:
            raise InvalidArgument(f"QuickBooks has no account {account_id}") from e
        raise
    account = Account.of(row)
    if row.get("Active") is False:
        raise InvalidArgument(f"the QuickBooks account {account.name!r} is inactive")
    return account


def trust_account(qbo: QuickBooks, account_id: str, role: str) -> Account:
    """The active account ``account_id`` of the type a trust ``role`` (``bank``, ``liability``)
    needs (:data:`TRUST_TYPES`), or InvalidArgument saying why it is not."""
    account = _active_account(qbo, account_id)
    if account.account_type != TRUST_TYPES[role]:
        raise InvalidArgument(
            f"the trust {role} account must be a {TRUST_TYPES[role]} account; "
            f"{account.name!r} is {account.account_type}"
        )
    return account


def account_currency(qbo: QuickBooks, account_id: str) -> str:
    """The currency account ``account_id`` is kept in ("" when QuickBooks does not say, or has
    no such account: a write naming it then gets QuickBooks' own answer)."""
    try:
        row = qbo.read("Account", account_id)
    except QboFault as e:
        if e.code == NOT_FOUND:
            return ""
        raise
    return str((row.get("CurrencyRef") or {}).get("value") or "")


def deposit_account(qbo: QuickBooks, account_id: str) -> Account:
    """The active account ``account_id`` payments may be deposited to, or InvalidArgument
    saying why it may not."""
    account = _active_account(qbo, account_id)
    if not account.takes_deposits:
        raise InvalidArgument(
            f"payments can only be deposited to a Bank or Other Current Asset account; "
            f"{account.name!r} is {account.account_type}"
        )
    return account


def customers_named_like(qbo: QuickBooks, field: str, names: set[str]) -> list[dict[str, Any]]:
    """The customers whose ``field`` (``FamilyName``, ``CompanyName``: filterable, Intuit's
    Customer reference) is one of ``names``: a query per 50 names."""
    found: list[dict[str, Any]] = []
    ordered = sorted(names)
    for i in range(0, len(ordered), NAMES_PER_QUERY):
        listed = ", ".join(quote(n) for n in ordered[i : i + NAMES_PER_QUERY])
        found += qbo.query(f"select * from Customer where {field} in ({listed})")
    return found


#: Names in one ``in (…)`` query, as the sync's look-ups by DisplayName take them.
NAMES_PER_QUERY = 50
#: A balance as people type it: ``1250``, ``1,250.00``, ``-80.5``.
AMOUNT = re.compile(r"-?\d[\d,]*(\.\d{1,2})?")
#: Customers a search answers at most.
FOUND_MAX = 50


def search_customers(qbo: QuickBooks, text: str) -> list[dict[str, Any]]:
    """Active customers to match a contact to, by name: those with ``text`` in their name, or
    this e-mail address (text with an ``@``), or this balance (a number). One query: the
    first 50 by name of its first page (QBO has no OR, and DisplayName, PrimaryEmailAddr and
    Balance are filterable: Intuit's Customer reference)."""
    text = text.strip()
    if "@" in text:
        where = f"PrimaryEmailAddr = {quote(text)}"
    elif AMOUNT.fullmatch(text):
        where = f"Balance = {quote(text.replace(',', ''))}"
    else:
        where = f"DisplayName like {quote('%' + text.replace('%', '') + '%')}"
    rows = next(qbo.query_pages(f"select * from Customer where {where}"), [])
    return sorted(rows, key=lambda row: str(row.get("DisplayName", "")).lower())[:FOUND_MAX]
