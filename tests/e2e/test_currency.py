"""A client billed in another currency than the QuickBooks company's (design 14, slice C2).

A Canadian firm bills Müller GmbH, in Berlin, in EUR (``generate_firm(foreign=True)``) and
syncs into a Canadian company (sandbox/README, "Currencies of names and transactions"). With
multicurrency off, no customer is made for Müller GmbH (one made in CAD could never hold its
EUR bills, as a customer's currency is fixed once made), its link says how to turn
multicurrency on, and the rest of the firm syncs. Once it is on, Müller GmbH's customer is
made in EUR, the company listing EUR first; the customers in CAD are not written again. Its
bills and credit notes still fail, naming both currencies: booking them in EUR is slice C3.
"""

from __future__ import annotations

import httpx

from billsync.daemon.store.models import Kind, Link, LinkState
from billsync.daemon.sync import currency
from billsync.daemon.sync.mapping import ISSUED_STATES
from billsync.sandbox.demo import FOREIGN_CURRENCY, generate_firm
from tests.e2e.conftest import connect, seed_firm, sync
from tests.e2e.test_regions import map_codes_by_rate
from tests.harness import make_ready, qbo_objects, resync, set_preferences, settle, sync_after_changes

BILLS = 60
SEED = 8
TURN_ON = (
    "Clio bills Müller GmbH in EUR; this QuickBooks company keeps its books in CAD with multicurrency off. Turn it "
    "on in QuickBooks (Settings → Account and settings → Advanced → Currency; it cannot be turned off again) or bill "
    "in CAD"
)


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

    # Multicurrency on (QuickBooks' settings), then a re-sync of the failed contact.
    set_preferences(sandbox, MultiCurrencyEnabled=True)
    tokens = {name: c["SyncToken"] for name, c in customers.items()}
    resync(e2e_client, connection.id, link_ids=[muller.id])
    settle(e2e_client, connection.id)

    customers = {c["DisplayName"]: c for c in qbo_objects(sandbox, "Customer")}
    assert customers["Müller GmbH"]["CurrencyRef"]["value"] == FOREIGN_CURRENCY
    muller = Link.get_by_id(muller.id)
    assert (muller.state, muller.currency, muller.qbo_id) == (LinkState.SYNCED, "EUR", customers["Müller GmbH"]["Id"])
    listed = {c["Code"] for c in qbo_objects(sandbox, "CompanyCurrency") if c.get("Active") is not False}
    assert "EUR" in listed
    # The customers in CAD are as they were: nothing was sent to them again.
    assert {name: c["SyncToken"] for name, c in customers.items() if name != "Müller GmbH"} == tokens
    assert {c["CurrencyRef"]["value"] for name, c in customers.items() if name != "Müller GmbH"} == {"CAD"}
    # Its bills in EUR still fail, naming both currencies, rather than book at face value in CAD.
    in_eur = links(Kind.INVOICE, error_code=currency.CURRENCY)
    assert in_eur and all(link.state == LinkState.FAILED and " is in EUR" in link.reason for link in in_eur)
    assert all(i["CustomerRef"]["value"] != muller.qbo_id for i in qbo_objects(sandbox, "Invoice"))
