"""Which currency each record is in, and what QuickBooks can book in it: pure, no I/O.

A QBO company keeps its books in its home currency (``Preferences.CurrencyPrefs.HomeCurrency``).
With multicurrency on, a customer may be in another, fixed when it is made: "You can only
assign one currency to each account or contact name" (QBO community; design 14 C5), and every
transaction of the customer is in its currency (C6). Multicurrency is off in a new company and
"cannot be disabled once it's been enabled" (Intuit, *Manage multiple currencies*).

billsync makes each customer in its Clio contact's currency when the company allows it; a
contact billed in another currency than the home one, in a company without multicurrency,
gets no customer at all, since one made in the home currency could never book its bills.
Its invoices, credit notes and payments are in the customer's currency, with QuickBooks' own
exchange rate for the document's date (added as it is sent, :mod:`billsync.daemon.sync.writer`);
a document in another currency than its customer's fails, naming why. A home-currency
document sends no ``CurrencyRef``, so its body is what it was before currencies were read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]
#: ``error_code`` of every link failed for its currency, so they can be found together.
CURRENCY = "currency"
#: Where a bookkeeper turns multicurrency on in QuickBooks Online.
TURN_ON = (
    "Turn it on in QuickBooks (Settings → Account and settings → Advanced → Currency; it cannot be turned off again)"
)


@dataclass(frozen=True)
class Books:
    """How the QBO company keeps its books: its home currency ("CAD"; "" while Preferences
    do not say), and whether multicurrency is on."""

    home: str
    multicurrency: bool = False

    def foreign(self, code: str) -> bool:
        """Whether ``code`` names another currency than the home one."""
        return bool(self.home and code and code != self.home)


def code(record: Record | None) -> str:
    """A Clio record's ``currency.code`` ("" when it has none)."""
    return str(((record or {}).get("currency") or {}).get("code") or "")


def of_contact(contact: Record, books: Books) -> str:
    """The currency a Clio contact is billed in, the home one when Clio does not say."""
    return code(contact) or books.home


def of_bill(bill: Record, books: Books) -> str:
    """The currency a Clio bill is in, the home one when Clio does not say."""
    return code(bill) or books.home


def of_credit_note(memo: Record, books: Books) -> str:
    """A Clio credit note's currency: its contact's, as Clio keeps none on a credit note
    (``CreditMemo_base`` has no ``currency``; design 14 C13)."""
    return code(memo.get("contact")) or books.home


def reference(code_: str, books: Books) -> dict[str, str] | None:
    """The ``CurrencyRef`` a body carries for ``code_``: None for the home currency, so a
    home-currency body stays byte for byte what it was before currencies were read."""
    return {"value": code_} if books.foreign(code_) else None


def carried(body: Record, code_: str, books: Books) -> Record:
    """``body`` in ``code_``: with its ``CurrencyRef`` when that is not the home currency."""
    ref = reference(code_, books)
    return {**body, "CurrencyRef": ref} if ref else body


def answered(entity: Record) -> str | None:
    """The currency QuickBooks answered an object with (``CurrencyRef.value``), None if it did not say."""
    return (entity.get("CurrencyRef") or {}).get("value") or None


def sent(body: Record | None) -> str:
    """The currency a body names in its ``CurrencyRef`` ("": none, the home one)."""
    return str(((body or {}).get("CurrencyRef") or {}).get("value") or "")


def of_customer(customer: Record, books: Books) -> str:
    """The currency a QBO customer is in: its ``CurrencyRef``, the home one when absent."""
    return answered(customer) or books.home


def not_booked(name: str, code_: str, books: Books) -> str:
    """Why no customer is made for a contact billed in ``code_`` while multicurrency is off."""
    return (
        f"Clio bills {name} in {code_}; this QuickBooks company keeps its books in {books.home} with multicurrency "
        f"off. {TURN_ON} or bill in {books.home}"
    )


def customer_differs(billed_in: str, customer_in: str) -> str:
    """Why a linked customer stays in another currency than its contact's now (said, not failed)."""
    return (
        f"Clio now bills this client in {billed_in}; its QuickBooks customer is in {customer_in} and QuickBooks "
        "keeps one currency per customer"
    )


def said(reason: str, billed_in: str, customer_in: str | None) -> str:
    """``reason`` (what else the link says, or "") and, when the customer is in another
    currency than its contact is billed in, why it stays so."""
    if not billed_in or not customer_in or billed_in == customer_in:
        return reason
    return ". ".join(filter(None, (reason, customer_differs(billed_in, customer_in))))


def made_in_another(name: str, wanted: str, made_in: str | None) -> str:
    """Why a customer QuickBooks made in another currency than the one sent fails (design 14
    C10: a ``CurrencyRef`` seen silently ignored)."""
    return (
        f"QuickBooks made customer {name} in {made_in or 'its home currency'}, not {wanted}: change its currency in "
        "QuickBooks (Edit → Payment and billing → This customer pays me with; possible while it has no "
        "transactions), then re-sync"
    )


def not_added(code_: str, why: str) -> str:
    """Why a customer in ``code_`` could not be made: QuickBooks would not list the currency."""
    return f"QuickBooks did not add {code_} to the company's currencies ({why}); add it under Settings → Currencies"


def document_reason(what: str, code_: str, books: Books, *, customer_in: str) -> str:
    """Why ``what`` ("Bill 1042"), a document in ``code_``, cannot be booked, or "".

    QuickBooks books a document in its customer's one currency (design 14 C6: 6000 "You can
    only use one foreign currency per transaction"), and in another currency than the home
    one only with multicurrency on. ``customer_in`` is the currency the document's customer
    is in ("": it has none yet, so only the company's side is checked).
    """
    if books.foreign(code_) and not books.multicurrency:
        return (
            f"{what} is in {code_}; this QuickBooks company keeps its books in {books.home} with multicurrency off. "
            f"{TURN_ON}, or bill in {books.home}"
        )
    if code_ and customer_in and code_ != customer_in:
        return (
            f"{what} is in {code_}; its client's QuickBooks customer is in {customer_in}, and QuickBooks books a "
            f"customer's documents in its one currency. Bill this client in {customer_in} in Clio, or bill {code_} "
            "work to a separate Clio contact"
        )
    return ""


def undeposited(paid_in: str, account_in: str, books: Books) -> str:
    """Why a payment in ``paid_in`` went to Undeposited Funds, not to the chosen account in ``account_in``."""
    return (
        f"Deposited to Undeposited Funds: the deposit account chosen in the settings is in {account_in}, and "
        f"QuickBooks deposits a payment in {paid_in} only to an account in {paid_in} or {books.home}"
    )


def no_rate(code_: str, day: str) -> str:
    """Why a document in ``code_`` dated ``day`` is not written: QuickBooks gave no rate."""
    return f"QuickBooks has no {code_} exchange rate for {day}; add one (Settings → Currencies), then re-sync"
