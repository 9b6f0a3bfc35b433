"""The QBO items billsync writes lines on, found by name or made: one per kind of Clio line
(``item_mapping`` in the settings), and the item Clio's tax goes on where it is a line."""

from __future__ import annotations

import functools
import uuid

from billsync.daemon.errors import FailedPrecondition
from billsync.daemon.qbo.client import QuickBooks, quote
from billsync.daemon.sync import mapping

#: The account Clio's tax is booked to where it goes on a line, made when the company has
#: no account of this name: tax collected is owed to the tax agency, not earned, so it is a
#: liability and never income.
TAX_ACCOUNT = {"Name": "Sales tax collected (Clio)", "AccountType": "Other Current Liability"}


def ensure_items(qbo: QuickBooks, mapping_: dict[str, str]) -> dict[str, str]:
    """Finds (or creates, as Service items) the mapped items: sales on the first income
    account, Clio's tax (``mapping.TAX_ITEM``) on :data:`TAX_ACCOUNT`.

    Each create has a requestid of its own: sent again after a lost answer, it is answered
    with the item made, not refused as a taken name (6240); a later cycle finds it by name.
    """
    found = find_items(qbo, set(mapping_.values()))
    income = functools.cache(functools.partial(_income_account, qbo))  # one look-up for every sales item
    for kind, name in sorted(mapping_.items()):
        if name not in found:
            account = _tax_account(qbo) if kind == mapping.TAX_ITEM else income()
            item = qbo.create(
                "Item",
                {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": account}},
                requestid=uuid.uuid4().hex,
            )
            found[name] = str(item["Id"])
    return {kind: found[name] for kind, name in mapping_.items()}


def find_items(qbo: QuickBooks, names: set[str]) -> dict[str, str]:
    """The QBO items of these names that exist, their ids by name: one query."""
    if not names:
        return {}
    listed = ", ".join(quote(n) for n in sorted(names))
    return {i["Name"]: str(i["Id"]) for i in qbo.query(f"select * from Item where Name in ({listed})")}


def _income_account(qbo: QuickBooks) -> str:
    accounts = qbo.query("select * from Account where AccountType = 'Income'")
    if not accounts:
        raise FailedPrecondition(
            "QuickBooks has no income account to create the missing items on; "
            "create one, or map existing items in the settings"
        )
    return str(accounts[0]["Id"])


def _tax_account(qbo: QuickBooks) -> str:
    found = qbo.query(f"select * from Account where Name = {quote(TAX_ACCOUNT['Name'])}")
    if found:
        return str(found[0]["Id"])
    return str(qbo.create("Account", TAX_ACCOUNT, requestid=uuid.uuid4().hex)["Id"])
