"""Clio's tax in QuickBooks, whatever the company does with sales tax: the invoice totals the
bill to the cent, and the tax is where the company keeps it.

The QBO emulator drops an invoice's TxnTaxDetail where sales tax is off, as QBO does
(sandbox/README), so a tax sent there the old way would be lost, and the totals check would
fail the invoice.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from billsync.daemon.store.models import Connection, Link, LinkState
from billsync.daemon.sync import taxes
from billsync.daemon.sync.items import TAX_ACCOUNT
from billsync.daemon.sync.mapping import TAX_LINE_DESCRIPTION, marker
from billsync.daemon.sync.taxes import TaxTreatment
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, seed_firm, set_preferences, sync
from tests.harness import make_ready, qbo_objects, settle, sync_after_changes

BILLS = 200


def invoices_by_bill(box) -> dict[str, dict]:
    return {invoice["PrivateNote"]: invoice for invoice in qbo_objects(box, "Invoice")}


def tax_lines(invoice: dict) -> list[dict]:
    return [line for line in invoice["Line"] if line.get("Description") == TAX_LINE_DESCRIPTION]


def synced_firm(box, client, *, sales_tax: bool) -> list[tuple[dict, dict]]:
    """Syncs the demo firm into a company with sales tax on or off; (Clio bill, QBO invoice)
    of every synced invoice link."""
    make_ready(box)
    set_preferences(box, UsingSalesTax=sales_tax)
    seed_firm(box, bills=BILLS, seed=5)
    connection = connect(client)
    sync(client, connection.id)
    settle(client, connection.id)
    account = Link.get().connection.clio_account_id
    bills = {str(b["id"]): b for b in generate_firm(BILLS, seed=5).bills}
    invoices = invoices_by_bill(box)
    links = Link.select().where(Link.kind == "invoice", Link.state == LinkState.SYNCED)
    pairs = [(bills[link.clio_id], invoices[marker("bill", link.clio_id, account=account)]) for link in links]
    assert sum(1 for bill, _ in pairs if bill_tax(bill)) > 30, "more taxed bills than one batch holds"
    return pairs


def bill_tax(bill: dict) -> Decimal:
    return Decimal(str(bill.get("tax_sum") or 0)) + Decimal(str(bill.get("secondary_tax_sum") or 0))


def test_without_sales_tax_clios_tax_is_a_line_on_a_liability_item_and_totals_match(sandbox, e2e_client):
    pairs = synced_firm(sandbox, e2e_client, sales_tax=False)

    assert not Link.select().where(Link.kind == "invoice", Link.error_code == "totals").exists()
    [item] = [i for i in qbo_objects(sandbox, "Item") if i["Name"] == "Sales tax (Clio)"]
    [liability] = [a for a in qbo_objects(sandbox, "Account") if a["Name"] == TAX_ACCOUNT["Name"]]
    assert (item["IncomeAccountRef"]["value"], liability["AccountType"]) == (liability["Id"], "Other Current Liability")
    for bill, invoice in pairs:
        assert Decimal(str(invoice["TotalAmt"])) == Decimal(str(bill["total"])), bill["number"]
        assert Decimal(str((invoice.get("TxnTaxDetail") or {}).get("TotalTax", 0))) == 0, "QuickBooks keeps no tax"
        lines = tax_lines(invoice)
        if bill_tax(bill):
            [line] = lines
            assert Decimal(str(line["Amount"])) == bill_tax(bill), bill["number"]
            assert line["SalesItemLineDetail"]["ItemRef"]["value"] == item["Id"]
        else:
            assert not lines, "an untaxed bill has no tax line"


def test_with_sales_tax_clios_tax_is_the_invoices_tax_and_no_tax_item_is_made(sandbox, e2e_client):
    pairs = synced_firm(sandbox, e2e_client, sales_tax=True)

    for bill, invoice in pairs:
        assert Decimal(str(invoice["TotalAmt"])) == Decimal(str(bill["total"])), bill["number"]
        assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == bill_tax(bill), bill["number"]
        assert not tax_lines(invoice)
    assert not [i for i in qbo_objects(sandbox, "Item") if i["Name"] == "Sales tax (Clio)"]
    assert not [a for a in qbo_objects(sandbox, "Account") if a["Name"] == TAX_ACCOUNT["Name"]]


def test_a_company_that_turns_sales_tax_on_keeps_the_next_bills_tax_as_its_own(sandbox, e2e_client):
    synced_firm(sandbox, e2e_client, sales_tax=False)
    connection_id = Link.get().connection.id
    assert e2e_client.status(connection_id).connection.tax_treatment == pb.TAX_TREATMENT_TAX_LINE
    client_id = next(b["client"]["id"] for b in generate_firm(BILLS, seed=5).bills if b.get("client"))

    set_preferences(sandbox, UsingSalesTax=True)
    httpx.post(
        f"{sandbox.clio_url}/_sandbox/bills",
        json={
            "client_id": int(client_id),
            "state": "awaiting_payment",
            "number": "TAX-ON-1",
            "tax_rate": "10.0",
            "lines": [
                {"kind": "Service", "description": "Advice", "price": "150.00", "quantity": "2", "taxable": True}
            ],
        },
    ).raise_for_status()
    sync_after_changes(e2e_client, connection_id)
    settle(e2e_client, connection_id)

    [invoice] = [i for i in qbo_objects(sandbox, "Invoice") if i["DocNumber"] == "TAX-ON-1"]
    assert (Decimal(str(invoice["TotalAmt"])), Decimal(str(invoice["TxnTaxDetail"]["TotalTax"]))) == (
        Decimal("330.00"),
        Decimal("30.00"),
    )
    assert not tax_lines(invoice)
    assert not Link.select().where(Link.state == LinkState.FAILED, Link.error_code == "totals").exists()
    assert e2e_client.status(connection_id).connection.tax_treatment == pb.TAX_TREATMENT_TOTAL_TAX
    said = [e.message for e in e2e_client.list_events(connection_id, type_prefix="settings.qbo_tax").events]
    assert said == [taxes.DESCRIPTIONS[TaxTreatment.TAX_LINE], taxes.DESCRIPTIONS[TaxTreatment.TOTAL_TAX]], (
        "said when first read, and once more when it changed"
    )


def test_automated_sales_tax_keeps_clios_tax_where_apps_may_override_it_and_fails_it_plainly_where_not(
    sandbox, e2e_client
):
    """QBO's automated sales tax computes its own tax unless an app overrides it, and only a
    company that lets apps do so keeps the override (sandbox/README, "Sales tax as QBO
    computes it"): there each invoice is Clio's to the cent; elsewhere a taxed bill fails with
    both figures and the rest syncs."""
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"kind": "us-ast"}).raise_for_status()
    pairs = synced_firm(sandbox, e2e_client, sales_tax=True)
    connection_id = Link.get().connection.id
    assert e2e_client.status(connection_id).connection.tax_treatment == pb.TAX_TREATMENT_AUTOMATED
    for bill, invoice in pairs:
        assert Decimal(str(invoice["TotalAmt"])) == Decimal(str(bill["total"])), bill["number"]
        assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == bill_tax(bill), bill["number"]

    set_preferences(sandbox, AllowPartnerTaxOverride=False)
    e2e_client.resync(connection_id, link_ids=[link.id for link in Link.select().where(Link.kind == "invoice")])
    sync_after_changes(e2e_client, connection_id)
    settle(e2e_client, connection_id)
    taxed = [str(bill["id"]) for bill, _ in pairs if bill_tax(bill)]
    failed = list(Link.select().where(Link.kind == "invoice", Link.clio_id.in_(taxed)))
    # Whatever is still synced, QuickBooks kept equal to Clio (the totals check after each write).
    invoices = invoices_by_bill(sandbox)
    account = Link.get().connection.clio_account_id
    bills = {str(bill["id"]): bill for bill, _ in pairs}
    for link in failed:
        if link.state == LinkState.SYNCED:
            invoice = invoices[marker("bill", link.clio_id, account=account)]
            assert Decimal(str(invoice["TotalAmt"])) == Decimal(str(bills[link.clio_id]["total"]))
    failed = [link for link in failed if link.state == LinkState.FAILED]
    mismatched = [link for link in failed if link.error_code == "totals"]
    assert len(mismatched) > 20 and all(
        "QuickBooks shows a total of" in link.reason and "automated sales tax" in link.reason for link in mismatched
    )
    # A paid invoice whose total AST lowered below what was paid is refused by QBO outright.
    assert all("less than the amount already paid" in link.reason for link in failed if link.error_code != "totals")
    untaxed = [str(bill["id"]) for bill, _ in pairs if not bill_tax(bill)]
    states = {link.state for link in Link.select().where(Link.kind == "invoice", Link.clio_id.in_(untaxed))}
    assert states == {LinkState.SYNCED}, "untaxed bills stay synced"


def test_an_admin_may_book_clios_tax_as_a_line_where_sales_tax_would_keep_it(sandbox, e2e_client):
    """As Clio's own integration books a US firm's tax: a line on the tax item. Switched on
    after a first sync, a re-sync turns every taxed invoice into one with the line."""
    synced_firm(sandbox, e2e_client, sales_tax=True)
    connection_id = Link.get().connection.id
    assert e2e_client.update_settings(connection_id, tax_as_line=True).tax_as_line
    invoices = [link.id for link in Link.select().where(Link.kind == "invoice", Link.state == LinkState.SYNCED)]
    e2e_client.resync(connection_id, link_ids=invoices)
    sync_after_changes(e2e_client, connection_id)
    settle(e2e_client, connection_id)

    assert e2e_client.status(connection_id).connection.tax_treatment == pb.TAX_TREATMENT_TAX_LINE
    bills = {str(b["id"]): b for b in generate_firm(BILLS, seed=5).bills}
    account = Link.get().connection.clio_account_id
    by_bill = invoices_by_bill(sandbox)
    for link in Link.select().where(Link.kind == "invoice", Link.state == LinkState.SYNCED):
        bill, invoice = bills[link.clio_id], by_bill[marker("bill", link.clio_id, account=account)]
        assert Decimal(str(invoice["TotalAmt"])) == Decimal(str(bill["total"])), bill["number"]
        assert Decimal(str((invoice.get("TxnTaxDetail") or {}).get("TotalTax", 0))) == 0
        assert [Decimal(str(line["Amount"])) for line in tax_lines(invoice)] == (
            [bill_tax(bill)] if bill_tax(bill) else []
        )


def test_invoices_synced_before_totals_were_checked_are_checked_once_and_the_wrong_ones_written_again(
    sandbox, e2e_client
):
    """A connection synced by an earlier billsync, which did not check totals, may hold
    invoices whose tax QuickBooks dropped. Here some invoices lose their tax in QuickBooks
    and the connection is made to look un-audited, as an upgraded one is: its next cycle
    finds exactly those, writes them again, and says so once."""
    pairs = synced_firm(sandbox, e2e_client, sales_tax=True)
    connection_id = Link.get().connection.id
    unpaid = [invoice for bill, invoice in pairs if bill_tax(bill) and invoice["Balance"] == invoice["TotalAmt"]]
    dropped = unpaid[:12]  # QuickBooks refuses to lower a paid invoice below its payments
    realm = sandbox.qbo_config.realm_id
    for invoice in dropped:
        httpx.post(
            f"{sandbox.qbo_url}/_sandbox/user/{realm}/invoice/{invoice['Id']}/edit",
            json={"TxnTaxDetail": {"TotalTax": 0}},
        ).raise_for_status()
    edited = invoices_by_bill(sandbox)
    assert all(Decimal(str(edited[i["PrivateNote"]]["TotalAmt"])) < Decimal(str(i["TotalAmt"])) for i in dropped)
    Connection.update(totals_checked_at=None).where(Connection.id == connection_id).execute()
    sync_after_changes(e2e_client, connection_id)
    settle(e2e_client, connection_id)

    held = invoices_by_bill(sandbox)
    for bill, invoice in pairs:
        now = held[invoice["PrivateNote"]]
        assert Decimal(str(now["TotalAmt"])) == Decimal(str(bill["total"])), bill["number"]
    rewritten = {note for note, i in held.items() if i["SyncToken"] != edited[note]["SyncToken"]}
    assert rewritten == {i["PrivateNote"] for i in dropped}, "those, and no other"
    [said] = e2e_client.list_events(connection_id, type_prefix="settings.totals_audit").events
    assert f"{len(dropped)} differ from Clio and are written again" in said.message
    sync_after_changes(e2e_client, connection_id)
    assert len(e2e_client.list_events(connection_id, type_prefix="settings.totals_audit").events) == 1, "once"
