"""A Clio contact's phones, e-mail and addresses as QBO Customer fields: pure, no I/O.

They go as Clio's own QuickBooks Online integration maps them (Clio help, "QuickBooks Online:
Using the QuickBooks Online Integration", support.clio.com/hc/en-us/articles/203329420):
phone (Primary) > Phone, (Mobile) > Mobile, (Home) > Other, (Fax) > Fax; the e-mail address
"specified as Primary" > Email; address (Work) > Shipping Address, (Billing) > Billing
Address. QuickBooks' "Other" phone is the API's ``AlternatePhone``. Field names and maximum
lengths are Intuit's, for QBO (``IntuitBaseTypes.xsd`` in github.com/intuit/QuickBooks-V3-Java-SDK,
ipp-v3-java-data/src/main/xsd, October 2024): ``TelephoneNumber.FreeFormNumber`` 21,
``EmailAddress.Address`` 100, ``PhysicalAddress`` ``Line1``-``Line5`` 500, ``City``,
``CountrySubDivisionCode`` and ``Country`` 255, ``PostalCode`` 30.

Only what Clio has is sent, and customers are updated sparsely, so what a bookkeeper filled in
QuickBooks that Clio lacks stays as it is; by the same rule, a number or address removed in
Clio stays in QuickBooks until someone removes it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]

#: The QBO phone of each Clio phone name. Clio's contact create and update schemas name phones
#: Work, Home, Mobile, Fax, Pager, Skype or Other; its response schema (``PhoneNumber_base``)
#: lists Work, Personal and Other, the list of ``InstantMessenger_base``, which no source ties
#: to these, so a "Personal" phone goes to QuickBooks only as the primary one.
PHONES = {"Mobile": "Mobile", "Home": "AlternatePhone", "Fax": "Fax"}
#: What QuickBooks calls each phone on a customer's page, for reasons people read.
PHONE_LABELS = {"PrimaryPhone": "Phone", "Mobile": "Mobile", "AlternatePhone": "Other phone", "Fax": "Fax"}
PHONE_MAX = 21
EMAIL_MAX = 100
ADDRESS_LINE_MAX = 500
ADDRESS_LINES = 5
#: Clio's address part, the QBO ``PhysicalAddress`` field it fills, its maximum length, and
#: its name for people.
ADDRESS_PARTS = (
    ("city", "City", 255, "city"),
    ("province", "CountrySubDivisionCode", 255, "state or province"),
    ("postal_code", "PostalCode", 30, "postal code"),
    ("country", "Country", 255, "country"),
)
ADDRESS_LABELS = {"BillAddr": "Billing address", "ShipAddr": "Shipping address"}


@dataclass(frozen=True)
class Details:
    """What of a contact goes to its QBO customer, and what was left out.

    A value longer than QuickBooks takes is left out whole, never cut: a cut phone number or
    e-mail address is a wrong one, and refusing the customer for it would hold every invoice
    of the client for a detail the books do not need. ``left_out`` names each one for the
    link's reason; shortened in Clio, it follows on the next sync.
    """

    fields: Record = field(default_factory=dict)
    left_out: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The words on a synced link that lacks something, "" when nothing was left out."""
        if not self.left_out:
            return ""
        them = "them" if len(self.left_out) > 1 else "it"
        return (
            f"Left out of QuickBooks, too long for it: {'; '.join(self.left_out)}. "
            f"Shorten {them} in Clio and QuickBooks gets {them} on the next sync"
        )


def details(contact: Record) -> Details:
    """The phones, primary e-mail and addresses of a Clio contact, as QBO Customer fields."""
    left_out: list[str] = []
    fields = _phones(contact, left_out)
    address = _text(contact.get("primary_email_address"))
    if address and _fits(address, EMAIL_MAX, "E-mail", left_out):
        fields["PrimaryEmailAddr"] = {"Address": address}
    fields |= _addresses(contact, left_out)
    return Details(fields, tuple(left_out))


def _text(value: Any) -> str:
    return str(value or "").strip()


def _fits(value: str, limit: int, label: str, left_out: list[str]) -> bool:
    if len(value) <= limit:
        return True
    left_out.append(f"{label} ({len(value)} characters, at most {limit})")
    return False


def _phones(contact: Record, left_out: list[str]) -> Record:
    """Phone: the number Clio flags ``primary``, whatever its name (Clio's contact schemas call
    it ``default_number`` when writing). Mobile, Other and Fax: the first number of that name,
    the primary one first. One number may so fill two fields, as Clio's mapping reads."""
    numbers = sorted(
        (p for p in contact.get("phone_numbers") or () if _text(p.get("number"))),
        key=lambda p: not p.get("primary"),  # stable: Clio's order otherwise
    )
    chosen: dict[str, str] = {}
    if numbers and numbers[0].get("primary"):
        chosen["PrimaryPhone"] = _text(numbers[0]["number"])
    for phone in numbers:
        if qbo_field := PHONES.get(_text(phone.get("name"))):
            chosen.setdefault(qbo_field, _text(phone["number"]))
    return {
        qbo_field: {"FreeFormNumber": number}
        for qbo_field, number in chosen.items()
        if _fits(number, PHONE_MAX, PHONE_LABELS[qbo_field], left_out)
    }


def _addresses(contact: Record, left_out: list[str]) -> Record:
    """Billing: Clio's Billing address. Shipping: its Work address, else its primary one, else
    its first, a Billing address last. QuickBooks' automated sales tax reckons a sale's tax from its shipping address,
    and from the company's own address where there is none (Intuit developer blog, "Using
    QuickBooks Online API for automated sales tax", 2017-12-11), which is not where the client
    is. A new invoice sent without addresses takes its customer's (so the QBO emulator does;
    the one page found that says so of QBO is a third party's summary of Intuit's Invoice
    reference, olinlou.com), so the invoices billsync sends carry none of their own."""
    addresses = [a for a in contact.get("addresses") or () if _filled(a)]
    named: dict[str, Record] = {}
    for address in addresses:
        named.setdefault(_text(address.get("name")), address)
    # Where the client is rather than where its bills go: a Billing address ships only alone.
    located = [a for a in addresses if _text(a.get("name")) != "Billing"] or addresses
    primary = next((a for a in located if a.get("primary")), located[0] if located else None)
    chosen = {"BillAddr": named.get("Billing"), "ShipAddr": named.get("Work") or primary}
    found = {
        qbo_field: _address(address, ADDRESS_LABELS[qbo_field], left_out)
        for qbo_field, address in chosen.items()
        if address is not None
    }
    return {qbo_field: address for qbo_field, address in found.items() if address}


def _filled(address: Record) -> bool:
    return any(_text(address.get(part)) for part in ("street", *(p[0] for p in ADDRESS_PARTS)))


def _address(address: Record, label: str, left_out: list[str]) -> Record:
    """A Clio address as a QBO ``PhysicalAddress``: the street's lines (up to five, the rest
    joined into the fifth), city, state or province, postal code and country."""
    lines = [line.strip() for line in str(address.get("street") or "").splitlines() if line.strip()]
    if len(lines) > ADDRESS_LINES:
        lines[ADDRESS_LINES - 1 :] = [", ".join(lines[ADDRESS_LINES - 1 :])]
    body: Record = {}
    if lines and max(map(len, lines)) > ADDRESS_LINE_MAX:
        left_out.append(f"{label} street ({max(map(len, lines))} characters on a line, at most {ADDRESS_LINE_MAX})")
    elif lines:
        body = {f"Line{n}": line for n, line in enumerate(lines, start=1)}
    for clio_part, qbo_part, limit, name in ADDRESS_PARTS:
        value = _text(address.get(clio_part))
        if value and _fits(value, limit, f"{label} {name}", left_out):
            body[qbo_part] = value
    return body
