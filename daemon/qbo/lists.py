"""The QuickBooks company's lists that a connection's settings choose from: its items and
its accounts.

A payment is deposited to an account "where ``Account.AccountType`` is ``Other Current
Asset`` or ``Bank``. … If you do not specify this account the payment is applied to the
Undeposited Funds account" (Intuit's Payment reference, ``DepositToAccountRef``); QBO refuses
another type with "Invalid account type: You need to select a different type of account for
this transaction" (quickbooks-ruby issues #229 and #532).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billsync.daemon.errors import InvalidArgument
from billsync.daemon.qbo.client import QboFault, QuickBooks

#: The account types a payment may be deposited to (see the module's docstring).
DEPOSIT_TYPES = frozenset({"Bank", "Other Current Asset"})
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
class Choices:
    """Active items and accounts, each by name."""

    items: tuple[Item, ...]
    accounts: tuple[Account, ...]


def read_choices(qbo: QuickBooks) -> Choices:
    """The company's active items (categories, which no line can name, left out) and active
    accounts: two paged queries."""
    items = (
        Item(id=str(row["Id"]), name=str(row.get("Name", "")), type=str(row.get("Type", "")))
        for row in qbo.query("select * from Item where Active = true")
        if row.get("Type") != "Category"
    )
    accounts = (Account.of(row) for row in qbo.query("select * from Account where Active = true"))
    return Choices(
        items=tuple(sorted(items, key=lambda i: i.name.casefold())),
        accounts=tuple(sorted(accounts, key=lambda a: a.name.casefold())),
    )


def deposit_account(qbo: QuickBooks, account_id: str) -> Account:
    """The active account ``account_id`` payments may be deposited to, or InvalidArgument
    saying why it may not."""
    try:
        row = qbo.read("Account", account_id)
    except QboFault as e:
        if e.code == NOT_FOUND:
            raise InvalidArgument(f"QuickBooks has no account {account_id}") from e
        raise
    account = Account.of(row)
    if row.get("Active") is False:
        raise InvalidArgument(f"the QuickBooks account {account.name!r} is inactive")
    if not account.takes_deposits:
        raise InvalidArgument(
            f"payments can only be deposited to a Bank or Other Current Asset account; "
            f"{account.name!r} is {account.account_type}"
        )
    return account
