"""A client billed in another currency than the QuickBooks company's (design 14, slices C2 and C3).

A Canadian firm bills Müller GmbH, in Berlin, in EUR (``generate_firm(foreign=True)``) and
syncs into a Canadian company (sandbox/README, "Currencies of names and transactions"). With
multicurrency off, no customer is made for Müller GmbH (one made in CAD could never hold its
EUR bills, as a customer's currency is fixed once made), its link says how to turn
multicurrency on, and the rest of the firm syncs. Once it is on in QuickBooks, the next
cycle plans again what failed for its currency, with no re-sync asked: Müller GmbH's customer
is made in EUR, the company listing EUR first, and its invoices, payments and credit note are
booked in EUR at QuickBooks' rate of their dates (slice C3), equal to Clio's to the cent. The
customers in CAD are not written again.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import httpx

from billsync.daemon.store.models import Event, Kind, Link, LinkState
from billsync.daemon.sync import currency
from billsync.daemon.sync.mapping import ISSUED_STATES, marker
from billsync.sandbox.demo import FOREIGN_CURRENCY, generate_firm
from billsync.sandbox.qbo.currency import table_rate
from tests.e2e.conftest import connect, seed_firm, sync
from tests.e2e.test_regions import map_codes_by_rate, money
from tests.harness import (
    make_ready,
    qbo_objects,
    reset_request_counts,
    set_preferences,
    settle,
    sync_after_changes,
)

CENT = Decimal("0.01")

BILLS = 60
SEED = 8
TURN_ON = (
    "Clio bills Müller GmbH in EUR; this QuickBooks company keeps its books in CAD with multicurrency off. Turn it "
    "on in QuickBooks (Settings → Account and settings → Advanced → Currency; it cannot be turned off again) or bill "
    "in CAD"
)


def rate_requests(box) -> int:
    """``GET …/exchangerate`` requests the QBO emulator answered since its counts were reset."""
    stats = httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]
    return sum(r["count"] for r in stats if r["endpoint"].endswith("/exchangerate"))


def links(kind: Kind, **where) -> list[Link]:
    query = Link.select().where(Link.kind == kind)
    for column, value in where.items():
        query = query.where(getattr(Link, column) == value)
    return list(query)


def test_a_client_in_another_currency_gets_a_customer_in_it_only_once_multicurrency_is_on(sandbox, e2e_client):
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"kind": "ca"}).raise_for_status()
    make_ready(sandbox)
    seed_firm(sandbox, BILLS, SEED, "ca", foreign=True)
    firm = generate_firm(BILLS, SEED, "ca", foreign=True)
    (client,) = [c["id"] for c in firm.contacts if c["name"] == "Müller GmbH"]
    issued = [b for b in firm.bills if b["client"]["id"] == client and b["state"] in ISSUED_STATES and b["balance"]]
    # A credit note has no currency in Clio: it is its contact's, which billsync looks up.
    credit = {"bill_id": issued[0]["id"], "amount": "10.00", "description": "Goodwill"}
    httpx.post(f"{sandbox.clio_url}/_sandbox/credits", json=credit).raise_for_status()
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    map_codes_by_rate(e2e_client, connection.id, "ca")
    sync_after_changes(e2e_client, connection.id)
    settle(e2e_client, connection.id)

    # Multicurrency off: no customer for the client billed in EUR, and its link says why.
    (muller,) = [link for link in links(Kind.CONTACT) if link.label == "Customer Müller GmbH"]
    assert (muller.state, muller.error_code, muller.reason) == (LinkState.FAILED, currency.CURRENCY, TURN_ON)
    customers = {c["DisplayName"]: c for c in qbo_objects(sandbox, "Customer")}
    assert "Müller GmbH" not in customers and len(customers) > 10
    assert {c["CurrencyRef"]["value"] for c in customers.values()} == {"CAD"}
    in_eur = links(Kind.INVOICE, error_code=currency.CURRENCY)
    assert in_eur and all("(Müller GmbH)" in link.label and " is in EUR" in link.reason for link in in_eur)
    # The rest syncs: every other issued bill is an invoice.
    invoices = links(Kind.INVOICE, state=LinkState.SYNCED)
    assert len(invoices) > 25 and not any("(Müller GmbH)" in link.label for link in invoices)
    (note,) = links(Kind.CREDIT_MEMO, error_code=currency.CURRENCY)
    assert note.state == LinkState.FAILED and note.reason.startswith("The credit note for Müller GmbH is in EUR")
    assert not qbo_objects(sandbox, "CompanyCurrency"), "nothing is added to a company without multicurrency"

    # Multicurrency on in QuickBooks: the next cycle plans again everything failed for its currency.
    set_preferences(sandbox, MultiCurrencyEnabled=True)
    tokens = {name: c["SyncToken"] for name, c in customers.items()}
    reset_request_counts(sandbox)
    sync_after_changes(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    rates_read = rate_requests(sandbox)

    customers = {c["DisplayName"]: c for c in qbo_objects(sandbox, "Customer")}
    assert customers["Müller GmbH"]["CurrencyRef"]["value"] == FOREIGN_CURRENCY
    muller = Link.get_by_id(muller.id)
    assert (muller.state, muller.currency, muller.qbo_id) == (LinkState.SYNCED, "EUR", customers["Müller GmbH"]["Id"])
    listed = {c["Code"] for c in qbo_objects(sandbox, "CompanyCurrency") if c.get("Active") is not False}
    assert "EUR" in listed
    # The customers in CAD are as they were: nothing was sent to them again.
    assert {name: c["SyncToken"] for name, c in customers.items() if name != "Müller GmbH"} == tokens
    assert {c["CurrencyRef"]["value"] for name, c in customers.items() if name != "Müller GmbH"} == {"CAD"}
    assert not links(Kind.CONTACT, error_code=currency.CURRENCY) + links(Kind.INVOICE, error_code=currency.CURRENCY)
    shown = e2e_client.status(connection.id).connection
    assert (shown.home_currency, shown.multicurrency) == ("CAD", True)
    (turned_on,) = Event.select().where(Event.type == "settings.qbo_currency")
    assert turned_on.message == "QuickBooks now has multicurrency on: each client is booked in its own currency"

    # Its bills are invoices in EUR, at QuickBooks' rate of their date, equal to Clio's to the cent.
    rate = table_rate(FOREIGN_CURRENCY, "CAD")  # the emulator's rate: no other was set for any date
    account = muller.connection.clio_account_id
    by_marker = {i["PrivateNote"]: i for i in qbo_objects(sandbox, "Invoice")}
    paid = [b for b in firm.bills if b["client"]["id"] == client and b["state"] == "paid"]
    assert paid
    for bill in paid:
        invoice = by_marker[marker("bill", bill["id"], account=account)]
        assert (invoice["CurrencyRef"]["value"], Decimal(str(invoice["ExchangeRate"]))) == ("EUR", rate)
        assert money(invoice["TotalAmt"]) == money(bill["total"])
        assert money(invoice["HomeTotalAmt"]) == (Decimal(str(invoice["TotalAmt"])) * rate).quantize(
            CENT, ROUND_HALF_UP
        )
        assert money(invoice["Balance"]) == 0  # paid in EUR, as in Clio
    # Its other bill reuses another client's number (the demo's case): it fails for that, not its currency.
    (taken,) = [link for link in links(Kind.INVOICE, state=LinkState.FAILED) if "(Müller GmbH)" in link.label]
    assert taken.error_code == "6140" and taken.label == f"Invoice {issued[0]['number']} (Müller GmbH)"
    payments = [p for p in qbo_objects(sandbox, "Payment") if p["CustomerRef"]["value"] == muller.qbo_id]
    assert payments and all(
        (p["CurrencyRef"]["value"], Decimal(str(p["ExchangeRate"]))) == ("EUR", rate) for p in payments
    )
    (memo,) = [m for m in qbo_objects(sandbox, "CreditMemo") if m["CustomerRef"]["value"] == muller.qbo_id]
    # One rate read per date of a document sent in EUR, none for a document in CAD (nor for the bill
    # refused for its number: it is refused before it is sent); none in a cycle that writes nothing.
    in_eur = [*payments, memo, *(by_marker[marker("bill", b["id"], account=account)] for b in paid)]
    assert rates_read == len({d["TxnDate"] for d in in_eur})
    reset_request_counts(sandbox)
    sync_after_changes(e2e_client, connection.id)
    assert rate_requests(sandbox) == 0
    assert (memo["CurrencyRef"]["value"], money(memo["TotalAmt"])) == ("EUR", Decimal("10.00"))
    assert Link.get(Link.kind == Kind.CREDIT_MEMO, Link.qbo_id == memo["Id"]).label == (
        "Credit memo EUR 10.00 for Müller GmbH"
    )

    # Renumbered in Clio, as its link asks, that bill is booked in EUR too, with the credit applied.
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{issued[0]['id']}", json={"number": "1001-M"}).raise_for_status()
    sync_after_changes(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    invoice = {i["PrivateNote"]: i for i in qbo_objects(sandbox, "Invoice")}[
        marker("bill", issued[0]["id"], account=account)
    ]
    assert (invoice["DocNumber"], invoice["CurrencyRef"]["value"]) == ("1001-M", "EUR")
    assert money(invoice["Balance"]) == issued[0]["balance"] - 10
    applied = [p for p in qbo_objects(sandbox, "Payment") if p["CustomerRef"]["value"] == muller.qbo_id]
    credit = [p for p in applied if money(p["TotalAmt"]) == 0]
    assert credit and all(p["CurrencyRef"]["value"] == "EUR" for p in credit)
