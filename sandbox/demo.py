"""A deterministic demo law firm in Clio's records, from ten bills to a hundred thousand.

The same ``(bills, seed)`` always gives the same firm, byte for byte, so a demo, a test
and a benchmark can name "bill 4" and mean one thing. The firm opens with a fixed
catalogue of ten bills and ten contacts that together show every awkward case a
Clio → QBO sync meets (:data:`CASES` says what each is for); the rest is seeded random
business in the same shapes and proportions a small firm has. Amounts are priced by
:mod:`billsync.sandbox.clio.billing`, so every bill's totals are consistent to the cent,
and every payment moves money in the firm's bank accounts: deposited in operating, and
taken out of trust when a bill is paid from a client's retainer. A share of the clients
also hold money in trust, paid out and moved between their ledgers
(:mod:`billsync.sandbox.demo_trust`).

Only the standard library is used, and nothing costs more than the firm's size: 100,000
bills generate in seconds, not minutes.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from billsync.sandbox.clio import billing, records
from billsync.sandbox.clio.store import Record
from billsync.sandbox.demo_trust import add_trust_activity

START = date(2023, 1, 2)
SPAN_DAYS = 700

#: Awkward cases: the kind of record that shows it, and what it exercises in a sync.
CASES: dict[str, tuple[str, str]] = {
    "person": ("contacts", "Person contacts map to customers named 'First Last'."),
    "company": ("contacts", "Company contacts map to customers named after the company."),
    "duplicate_name_different_email": (
        "contacts",
        "Two different people called John Smith: QBO DisplayName must be unique "
        "(6240), so the second needs a deterministic disambiguation.",
    ),
    "duplicate_name_same_email": (
        "contacts",
        "Maria Garcia entered twice with one email: matching an existing customer "
        "by name + email must not merge or duplicate blindly.",
    ),
    "colon_in_name": ("contacts", "QBO names may not contain ':'; the name must be cleaned."),
    "non_ascii_name": ("contacts", "Müller, José, Ōtsuka, 大塚: UTF-8 must survive both APIs."),
    "long_name": ("contacts", "A name longer than 100 characters, still under QBO's 500."),
    "contact_without_email": ("contacts", "Nothing to match on but the name."),
    "contact_without_bills": ("contacts", "Never billed: must not be pushed to QBO at all."),
    "multi_line": ("bills", "Several lines become several SalesItemLineDetail lines."),
    "service_and_expense": ("bills", "Service and Expense lines map to different QBO items."),
    "tax": ("bills", "Primary tax (tax_rate, tax_sum) must reach QBO to the cent."),
    "secondary_tax": ("bills", "Secondary tax (secondary_tax_rate, secondary_tax_sum)."),
    "line_discount": ("bills", "A discount on one line (before tax)."),
    "bill_discount_percentage": ("bills", "A percentage discount on the whole bill, before tax."),
    "bill_discount_money": ("bills", "A fixed-amount discount on the whole bill, before tax."),
    "zero_total": ("bills", "Fully discounted: total 0, paid without any payment."),
    "long_bill_number": ("bills", "Longer than QBO's 21-character DocNumber (error 2050)."),
    "duplicate_bill_number": (
        "bills",
        "Two live bills with one number: QBO refuses the second with 6140 when duplicate numbers are warned about.",
    ),
    "draft": ("bills", "Drafts never sync."),
    "awaiting_approval": ("bills", "Not yet issued: never syncs."),
    "awaiting_payment": ("bills", "Issued and open: syncs as an invoice."),
    "paid": ("bills", "Issued and settled: syncs as an invoice with its payments."),
    "void": ("bills", "Voided in Clio: the QBO invoice must be voided."),
    "deleted": ("bills", "Deleted in Clio: still listed with state 'deleted'; delete in QBO."),
    "partial_payment": ("allocations", "A payment smaller than the bill: balance stays open."),
    "full_payment": ("allocations", "A payment of the whole balance: bill becomes paid."),
    "split_payment": ("allocations", "One payment allocated across two bills."),
    "voided_payment": ("allocations", "An allocation with voided_at: the QBO payment is voided."),
    "credit_memo": ("credit_memos", "A credit note applied to a bill: a QBO CreditMemo applied to the invoice."),
    "paid_from_trust": (
        "allocations",
        "A bill paid from the client's retainer: source_bank_account is the trust account, whose ledger shows "
        "the withdrawal; to QBO it is a payment like any other.",
    ),
    "trust_deposit": (
        "bank_transactions",
        "A retainer deposited in trust: the client's money, not income, so never a QBO payment.",
    ),
    "trust_disbursement": (
        "bank_transactions",
        "Money paid out of a client's trust funds: a journal entry crediting the trust bank account.",
    ),
    "trust_transfer": (
        "bank_transactions",
        "A transfer between a client's matter and its client-level funds: a withdrawal and a deposit that "
        "leave the client's trust balance as it was.",
    ),
}

FIRST_NAMES = (
    "James Mary Robert Patricia Michael Jennifer David Linda William Elizabeth José Zoë Søren "
    "Ángela François Jürgen Åsa Siobhán Mikołaj Chloé Björn Renée Dmitri Ana Kenji Yūko Amélie "
    "Nuño Oğuz Ilse"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Müller Ōtsuka Nguyen O'Brien "
    "Łukasiewicz Sánchez Dubois Schröder Kowalski Nørgaard Fernández Jiménez Gauß Petrović "
    "Håkansson Çelik Van der Berg"
).split()
COMPANY_WORDS = (
    "Acme Northwind Contoso Fabrikam Globex Initech Umbrella Stark Wayne Tyrell Soylent "
    "Kraków Zürich Montréal Göteborg Bergström Ōsaka"
).split()
COMPANY_SUFFIXES = ("LLC", "Inc.", "Ltd.", "GmbH", "S.A.", "& Co.", "Holdings", "LLP")
SERVICES = (
    "Drafting",
    "Research",
    "Court appearance",
    "Client call",
    "Review of documents",
    "Negotiation",
    "Filing preparation",
    "Deposition",
)
EXPENSES = ("Filing fee", "Courier", "Photocopies", "Travel", "Expert report", "Court transcript")
RATES = tuple(Decimal(r) for r in ("150.00", "225.00", "275.50", "310.00", "425.00", "512.75"))
STATES = ("draft", "awaiting_approval", "awaiting_payment", "paid", "void", "deleted")
STATE_WEIGHTS = (5, 3, 35, 50, 4, 3)
TAXES = ((Decimal("13.0"), Decimal("0")), (Decimal("5.0"), Decimal("9.975")), (Decimal("8.25"), Decimal("0")))


@dataclass(frozen=True)
class RegionTaxes:
    """The Clio tax rates a firm of a region bills at (primary, secondary): those of its
    random bills, and the two the catalogue's taxed bills use, one with both taxes and one
    with the primary only. A firm outside the US bills at its country's rates, which its
    QuickBooks company's tax codes charge (``sandbox.qbo.regions``): Canada's GST with
    British Columbia's PST, the UK's standard VAT, Australia's GST."""

    random: tuple[tuple[Decimal, Decimal], ...]
    both: tuple[Decimal, Decimal]
    primary: tuple[Decimal, Decimal]
    #: The firm's currency, its contacts' and bills'.
    currency: str = "USD"


#: The US rates are the demo firm's of old, so a US firm of a seed stays the same firm.
US_TAXES = RegionTaxes(TAXES, (Decimal("13.0"), Decimal("5.0")), (Decimal("8.25"), Decimal("0")))
REGION_TAXES = {
    "us": US_TAXES,
    "us-ast": US_TAXES,
    "us-legacy": US_TAXES,
    "ca": RegionTaxes(
        ((Decimal(5), Decimal(7)), (Decimal(5), Decimal(0))), (Decimal(5), Decimal(7)), (Decimal(5), Decimal(0)), "CAD"
    ),
    "uk": RegionTaxes(((Decimal(20), Decimal(0)),), (Decimal(20), Decimal(0)), (Decimal(20), Decimal(0)), "GBP"),
    "au": RegionTaxes(((Decimal(10), Decimal(0)),), (Decimal(10), Decimal(0)), (Decimal(10), Decimal(0)), "AUD"),
}
STREETS = ("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street", "Lakeview Boulevard")
#: City, state, telephone area code and the first three digits of its ZIP codes.
CITIES = (
    ("Springfield", "IL", "217", "627"),
    ("Portland", "OR", "503", "972"),
    ("Austin", "TX", "512", "787"),
    ("Denver", "CO", "303", "802"),
    ("Madison", "WI", "608", "537"),
    ("Raleigh", "NC", "919", "276"),
    ("Albany", "NY", "518", "122"),
)
#: The account holder on the firm's bank accounts: the account name ClioConfig gives by default.
FIRM_NAME = "Sandbox Law LLP"
#: Every 25th payment is a card payment taken online through Clio Payments.
ONLINE_EVERY = 25
#: The currency Müller GmbH, the firm's client in Berlin, is billed in when the firm has a
#: client abroad (``generate_firm(foreign=True)``).
FOREIGN_CURRENCY = "EUR"


@dataclass
class Firm:
    """A demo firm as plain Clio records (stored shape: Decimal money, datetime stamps).

    Attributes:
        seed: the seed it was generated from.
        contacts, bills, line_items, payments, allocations, credit_memos, bank_accounts,
            bank_transactions: the records.
        cases: for each name in :data:`CASES`, the ids of the records that show it.
    """

    seed: int
    contacts: list[Record] = field(default_factory=list)
    bills: list[Record] = field(default_factory=list)
    line_items: list[Record] = field(default_factory=list)
    payments: list[Record] = field(default_factory=list)
    allocations: list[Record] = field(default_factory=list)
    credit_memos: list[Record] = field(default_factory=list)
    bank_accounts: list[Record] = field(default_factory=list)
    bank_transactions: list[Record] = field(default_factory=list)
    cases: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in CASES})

    def mark(self, case: str, record_id: int) -> None:
        self.cases[case].append(record_id)


def _stamp(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(9), tzinfo=timezone.utc) + timedelta(seconds=seconds)


def _details(contact_id: int, person: bool) -> dict[str, Any]:
    """Phone numbers, an address and a birthday for a contact, from its id alone.

    Nothing is drawn from the firm's random stream, so the bills and payments of a seed
    are the same as before contacts had them. Numbers are in the 555-01xx range set aside
    for fiction; a few contacts have no phone or no address.
    """
    city, state, area, zip3 = CITIES[contact_id % len(CITIES)]
    phones = [("Personal" if person else "Work", f"({area}) 555-01{contact_id % 100:02d}")]
    if contact_id % 3 == 0:
        phones.append(("Work" if person else "Other", f"({area}) 555-01{(contact_id + 50) % 100:02d}"))
    address = {
        "street": f"{100 + contact_id * 7 % 900} {STREETS[contact_id % len(STREETS)]}",
        "city": city,
        "province": state,
        "postal_code": f"{zip3}{contact_id % 100:02d}",
        "country": "United States",
        "name": "Home" if person else "Work",
    }
    return {
        "phones": phones if contact_id % 11 else [],
        "addresses": [address] if contact_id % 13 else [],
        "date_of_birth": date(1950 + contact_id % 45, 1 + contact_id % 12, 1 + contact_id % 28) if person else None,
    }


def _email_for(name: str, domain: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = ".".join(part for part in ascii_name.lower().replace("'", "").split() if part.isalnum())
    return f"{local or 'client'}@{domain}"


class _Builder:
    """Accumulates a firm; ids come from per-type counters, times from the bill index."""

    def __init__(self, seed: int, bills: int, taxes: RegionTaxes = US_TAXES, *, foreign: bool = False) -> None:
        self.rng = random.Random(seed)
        self.taxes = taxes
        self.foreign = foreign
        self.firm = Firm(seed)
        self.total_bills = max(bills, 1)
        self.transaction_ids = itertools.count(1)
        opened = _stamp(START - timedelta(days=60), 0)
        self.firm.bank_accounts = [
            records.bank_account(records.OPERATING_ACCOUNT, "Operating", "Operating", FIRM_NAME, opened),
            records.bank_account(records.TRUST_ACCOUNT, "Trust", "IOLTA Trust", FIRM_NAME, opened),
        ]

    def account(self, account_id: int) -> Record:
        return self.firm.bank_accounts[account_id - 1]

    def next_transaction_id(self) -> int:
        return next(self.transaction_ids)

    def contact(self, case: tuple[str, ...] = (), *, currency: str = "", **kwargs: Any) -> int:
        """A contact billed in ``currency`` (default: the firm's)."""
        contact_id = len(self.firm.contacts) + 1
        at = _stamp(START - timedelta(days=30), contact_id)
        currency = records.CURRENCIES[currency or self.taxes.currency]
        record = records.contact(
            contact_id, at, currency=currency, **{**_details(contact_id, not kwargs.get("company")), **kwargs}
        )
        self.firm.contacts.append(record)
        self.firm.mark("company" if kwargs.get("company") else "person", contact_id)
        for name in case:
            self.firm.mark(name, contact_id)
        return contact_id

    def bill(
        self,
        client_id: int,
        state: str,
        lines: list[tuple[str, Decimal, Decimal, bool]],
        *,
        number: str | None = None,
        taxes: tuple[Decimal, Decimal] = (billing.ZERO, billing.ZERO),
        bill_discount: dict[str, Any] | None = None,
        line_discounts: dict[int, dict[str, Any]] | None = None,
        case: tuple[str, ...] = (),
    ) -> Record:
        """A priced bill with ``lines`` of ``(kind, price, quantity, taxable)``."""
        bill_id = len(self.firm.bills) + 1
        issued = START + timedelta(days=(bill_id - 1) * SPAN_DAYS // self.total_bills)
        at = _stamp(issued, bill_id % 3600)
        bill = records.bill(
            bill_id,
            client_id,
            number or str(1000 + bill_id),
            issued,
            issued + timedelta(days=30),
            state,
            at,
            tax_rate=taxes[0],
            secondary_tax_rate=taxes[1],
            bill_discount=bill_discount,
            subject=f"Professional services – {issued:%B %Y}",
            currency=self.firm.contacts[client_id - 1]["currency"],  # Clio bills a client in its currency
        )
        made = []
        for ordering, (kind, price, quantity, taxable) in enumerate(lines):
            pool = SERVICES if kind == "Service" else EXPENSES
            made.append(
                records.line_item(
                    len(self.firm.line_items) + len(made) + 1,
                    bill_id,
                    kind,
                    pool[(bill_id + ordering) % len(pool)],
                    price,
                    quantity,
                    issued - timedelta(days=3 * (len(lines) - ordering)),
                    at,
                    taxable=taxable and bool(taxes[0]),
                    secondary_taxable=taxable and bool(taxes[1]),
                    line_discount=(line_discounts or {}).get(ordering),
                    ordering=ordering,
                )
            )
        records.price(bill, made)
        billing.settle(bill, ())
        self.firm.bills.append(bill)
        self.firm.line_items.extend(made)
        for name in case:
            self.firm.mark(name, bill_id)
        return bill

    def pay(self, bills: list[tuple[Record, Decimal]], days_after: int = 10, from_trust: bool = False) -> list[Record]:
        """One payment allocated over ``(bill, amount)`` pairs; bills are re-settled.

        ``from_trust`` pays out of the client's retainer instead of with new money.
        """
        first = bills[0][0]
        on = first["issued_at"] + timedelta(days=days_after)
        at = _stamp(on, first["id"] % 3600 + 1)
        total = sum((amount for _, amount in bills), billing.ZERO)
        payment = records.payment(len(self.firm.payments) + 1, first["client"]["id"], total, on, at)
        self.firm.payments.append(payment)
        source = records.TRUST_ACCOUNT if from_trust else None
        return [self._allocate("Payment", payment["id"], bill, amount, on, at, source) for bill, amount in bills]

    def credit(self, bill: Record, amount: Decimal) -> Record:
        on = bill["issued_at"] + timedelta(days=5)
        at = _stamp(on, bill["id"] % 3600 + 2)
        memo = records.credit_memo(
            len(self.firm.credit_memos) + 1,
            bill["client"]["id"],
            amount,
            on,
            at,
            f"Courtesy credit on bill {bill['number']}",
        )
        self.firm.credit_memos.append(memo)
        self.firm.mark("credit_memo", memo["id"])
        self._allocate("CreditMemo", memo["id"], bill, amount, on, at)
        return memo

    def retainer(self, contact_id: int, amount: Decimal, on: date) -> None:
        """A client's money deposited in trust, to pay bills from later."""
        trust = self.account(records.TRUST_ACCOUNT)
        deposit = records.post(
            self.next_transaction_id(),
            trust,
            amount,
            on,
            _stamp(on, contact_id),
            description="Retainer",
            client_id=contact_id,
            matter_id=contact_id,
        )
        self.firm.bank_transactions.append(deposit)
        self.firm.mark("trust_deposit", deposit["id"])

    def void(self, allocation: Record, days_later: int = 2) -> None:
        voided = allocation["voided_at"] = allocation["created_at"] + timedelta(days=days_later)
        allocation["updated_at"] = voided
        self.firm.mark("voided_payment", allocation["id"])
        self.firm.bank_transactions += records.transfers(
            allocation, self.account, self.next_transaction_id, voided.date(), voided, reverse=True
        )
        self._resettle(self.firm.bills[allocation["bill"]["id"] - 1], voided)

    def _allocate(
        self,
        parent: str,
        parent_id: int,
        bill: Record,
        amount: Decimal,
        on: date,
        at: datetime,
        from_account: int | None = None,
    ) -> Record:
        allocation = records.allocation(
            len(self.firm.allocations) + 1,
            parent,
            parent_id,
            bill["id"],
            bill["client"]["id"],
            amount,
            on,
            at,
            from_account=from_account,
            online=parent == "Payment" and parent_id % ONLINE_EVERY == 0,
        )
        self.firm.allocations.append(allocation)
        self.firm.bank_transactions += records.transfers(allocation, self.account, self.next_transaction_id, on, at)
        bill.setdefault("_allocations", []).append(allocation)
        self._resettle(bill, at)
        return allocation

    def _resettle(self, bill: Record, at: datetime) -> None:
        billing.settle(bill, bill["_allocations"])
        bill["updated_at"] = max(bill["updated_at"], at)


def _catalogue(b: _Builder, bills: int) -> None:
    """The fixed opening of every firm: ten contacts and up to ten bills, one per case group."""
    jose = b.contact(("non_ascii_name",), first_name="José", last_name="Müller", email="jose.muller@example.com")
    estate = b.contact(("colon_in_name",), company="Smith: Estate of", email="estate@smith.example")
    smith_a = b.contact(
        ("duplicate_name_different_email",), first_name="John", last_name="Smith", email="john.smith@alpha.example"
    )
    smith_b = b.contact(
        ("duplicate_name_different_email",), first_name="John", last_name="Smith", email="jsmith@beta.example"
    )
    otsuka = b.contact(
        ("non_ascii_name", "contact_without_email"),
        company="Ōtsuka & Partners 大塚法律事務所",
        phones=[("Work", "+81 3-5555-0123")],
        addresses=[
            {
                "street": "丸の内1-1-1",
                "city": "千代田区",
                "province": "東京都",
                "postal_code": "100-0005",
                "country": "Japan",
                "name": "Work",
            }
        ],
    )
    garcia_a = b.contact(
        ("duplicate_name_same_email",), first_name="Maria", last_name="Garcia", email="maria@garcia.example"
    )
    garcia_b = b.contact(
        ("duplicate_name_same_email",), first_name="Maria", last_name="Garcia", email="maria@garcia.example"
    )
    muller = b.contact(
        ("non_ascii_name",),
        currency=FOREIGN_CURRENCY if b.foreign else "",
        company="Müller GmbH",
        email="buchhaltung@mueller.example",
        sales_tax_number="DE123456789",
        addresses=[
            {
                "street": "Friedrichstraße 12",
                "city": "Berlin",
                "province": "Berlin",
                "postal_code": "10117",
                "country": "Germany",
                "name": "Work",
            },
            {
                "street": "Postfach 10 20 30",
                "city": "Berlin",
                "province": "Berlin",
                "postal_code": "10001",
                "country": "Germany",
                "name": "Billing",
            },
        ],
    )
    long_name = b.contact(
        ("long_name",),
        company="The Extraordinarily Long-Named International "
        "Consortium of Maritime, Aviation and Overland Freight Forwarders, Limited",
        email="accounts@freight.example",
    )
    b.contact(
        ("non_ascii_name", "contact_without_bills"),
        first_name="Zoë",
        last_name="Łukasiewicz-Ñúñez",
        email="zoe@example.com",
    )
    d = Decimal
    steps = [
        lambda: b.bill(
            jose,
            "awaiting_payment",
            [
                ("Service", d("275.50"), d("3.4"), True),
                ("Service", d("150.00"), d("1.25"), True),
                ("Expense", d("86.40"), d("1"), False),
            ],
            taxes=b.taxes.both,
            line_discounts={0: records.discount(10)},
            case=("multi_line", "service_and_expense", "tax", "secondary_tax", "line_discount"),
        ),
        lambda: b.bill(
            estate,
            "awaiting_payment",
            [("Service", d("425.00"), d("6.0"), True)],
            number="CLIO-2023-LITIGATION-000002",
            taxes=b.taxes.primary,
            bill_discount=records.discount(10),
            case=("long_bill_number", "bill_discount_percentage"),
        ),
        lambda: b.bill(
            smith_a,
            "awaiting_payment",
            [("Service", d("310.00"), d("2.5"), False), ("Expense", d("45.00"), d("2"), False)],
        ),
        lambda: b.bill(
            smith_b,
            "awaiting_payment",
            [("Service", d("225.00"), d("4.0"), False)],
            bill_discount=records.discount("50.00", "money", "Loyalty"),
            case=("bill_discount_money",),
        ),
        lambda: b.bill(otsuka, "draft", [("Service", d("512.75"), d("1.0"), False)]),
        lambda: b.bill(jose, "awaiting_approval", [("Service", d("150.00"), d("2.0"), True)], taxes=b.taxes.both),
        lambda: b.bill(long_name, "void", [("Expense", d("120.00"), d("1"), False)]),
        lambda: b.bill(garcia_a, "deleted", [("Service", d("275.50"), d("1.0"), False)]),
        lambda: b.bill(
            muller,
            "awaiting_payment",
            [("Service", d("310.00"), d("1.5"), False)],
            number="1001",
            case=("duplicate_bill_number",),
        ),
        lambda: b.bill(
            garcia_b,
            "awaiting_payment",
            [("Service", d("225.00"), d("1.0"), False)],
            bill_discount=records.discount(100, note="Pro bono"),
            case=("zero_total",),
        ),
    ]
    for step in steps[:bills]:
        step()
    made = b.firm.bills
    if len(made) >= 1:
        b.retainer(jose, d("1500.00"), made[0]["issued_at"] - timedelta(days=30))
        b.firm.mark("partial_payment", b.pay([(made[0], d("300.00"))])[0]["id"])
    if len(made) >= 2:
        b.retainer(estate, d("5000.00"), made[1]["issued_at"] - timedelta(days=20))
        from_trust = b.pay([(made[1], made[1]["balance"])], from_trust=True)[0]["id"]
        b.firm.mark("full_payment", from_trust)
        b.firm.mark("paid_from_trust", from_trust)
    if len(made) >= 3:
        b.void(b.pay([(made[2], made[2]["balance"])])[0])
        b.firm.mark("full_payment", b.pay([(made[2], made[2]["balance"])], days_after=14)[0]["id"])
    if len(made) >= 9:
        b.firm.cases["duplicate_bill_number"].insert(0, 1)
        b.credit(made[3], d("100.00"))
        for allocation in b.pay([(made[3], d("200.00")), (made[8], d("150.00"))], days_after=20):
            b.firm.mark("split_payment", allocation["id"])


def _random_bill(b: _Builder, clients: list[int]) -> None:
    rng = b.rng
    state = rng.choices(STATES, weights=STATE_WEIGHTS)[0]
    lines = [
        ("Service", rng.choice(RATES), Decimal(rng.randrange(1, 40)) / 4, True)
        if rng.random() < 0.75
        else ("Expense", Decimal(rng.randrange(500, 90000)) / 100, Decimal(1), rng.random() < 0.3)
        for _ in range(rng.choice((1, 1, 2, 3, 3, 4, 5)))
    ]
    taxes = rng.choice(b.taxes.random) if rng.random() < 0.3 else (billing.ZERO, billing.ZERO)
    roll = rng.random()
    bill_discount = (
        records.discount(rng.choice((5, 10, 15)))
        if roll < 0.05
        else records.discount(rng.choice(("25.00", "100.00")), "money")
        if roll < 0.08
        else None
    )
    client_id = rng.choice(clients)
    bill_id = len(b.firm.bills) + 1
    number = f"{START.year}-{client_id:05d}-MATTER-{bill_id:07d}" if rng.random() < 0.01 else None
    bill = b.bill(
        client_id,
        "awaiting_payment" if state == "paid" else state,
        lines,
        number=number,
        taxes=taxes,
        bill_discount=bill_discount,
        case=("long_bill_number",) if number else (),
    )
    if (state == "paid" or (state == "awaiting_payment" and rng.random() < 0.4)) and bill["balance"] > 0:
        _random_payments(b, bill, full=state == "paid")


def _random_payments(b: _Builder, bill: Record, full: bool) -> None:
    rng = b.rng
    if rng.random() < 0.02:
        b.void(b.pay([(bill, bill["balance"])])[0])
    if rng.random() < 0.02:
        b.credit(bill, billing.money(bill["balance"] / 4))
    if not full:
        b.firm.mark("partial_payment", b.pay([(bill, billing.money(bill["balance"] / 2))])[0]["id"])
        return
    if rng.random() < 0.2:
        b.pay([(bill, billing.money(bill["balance"] / 3))], days_after=7)
    b.firm.mark("full_payment", b.pay([(bill, bill["balance"])], days_after=15)[0]["id"])


def generate_firm(bills: int, seed: int = 1, region: str = "us", *, foreign: bool = False) -> Firm:
    """Generate a firm with ``bills`` bills, taxed at the rates of ``region`` (a QBO company
    kind, :data:`REGION_TAXES`); the same arguments always give the same firm.

    Every case in :data:`CASES` is present once ``bills >= 10``; fewer bills keep only the
    first catalogue bills. ``foreign``: Müller GmbH, in Berlin, is billed in
    :data:`FOREIGN_CURRENCY`, its bills too; otherwise the firm is what it always was.
    """
    if region not in REGION_TAXES:
        raise ValueError(f"region is one of {', '.join(REGION_TAXES)}, not {region!r}")
    b = _Builder(seed, bills, REGION_TAXES[region], foreign=foreign)
    _catalogue(b, bills)
    rng = b.rng
    for _ in range(max(0, bills - 10) // 4):
        if rng.random() < 0.3:
            words = rng.sample(COMPANY_WORDS, 2)
            name = f"{words[0]} {words[1]} {rng.choice(COMPANY_SUFFIXES)}"
            b.contact(company=name, email=_email_for(name, "example.org") if rng.random() < 0.9 else None)
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = _email_for(f"{first} {last} {len(b.firm.contacts)}", "example.net")
            b.contact(first_name=first, last_name=last, email=email if rng.random() < 0.9 else None)
    clients = [c["id"] for c in b.firm.contacts if c["id"] not in b.firm.cases["contact_without_bills"]]
    for _ in range(len(b.firm.bills), bills):
        _random_bill(b, clients)
    for bill in b.firm.bills:
        bill.pop("_allocations", None)
        b.firm.mark(bill["state"], bill["id"])
    add_trust_activity(
        b.firm,
        b.next_transaction_id,
        seed=seed,
        start=START,
        span_days=SPAN_DAYS,
        without=set(b.firm.cases["contact_without_bills"]),
    )
    return b.firm
