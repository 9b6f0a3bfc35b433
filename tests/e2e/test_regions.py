"""A firm of each region synced into a QuickBooks company of that region: every invoice's
total and tax, as the QBO emulator itself computes and stores them (sandbox/README, "Sales
tax as QBO computes it"), equal the Clio bill's to the cent.

The regions: a US company with sales tax off, with legacy sales tax, and with automated
sales tax; Canada (British Columbia's GST and PST), the UK (VAT) and Australia (GST). A
firm outside the US has its Clio taxes mapped to the company's tax codes, chosen from the
codes ListQboChoices lists, by their rates, as an admin would.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from billsync.daemon.store.models import Kind, Link, LinkState
from billsync.daemon.sync.mapping import marker
from billsync.sandbox.demo import REGION_TAXES, generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, sync
from tests.harness import make_ready, qbo_objects, seed_firm, set_preferences, settle, sync_after_changes

BILLS = 120
SEED = 8
TREATMENTS = {
    "us": pb.TAX_TREATMENT_TAX_LINE,
    "us-legacy": pb.TAX_TREATMENT_TOTAL_TAX,
    "us-ast": pb.TAX_TREATMENT_AUTOMATED,
    "ca": pb.TAX_TREATMENT_TAX_CODES,
    "uk": pb.TAX_TREATMENT_TAX_CODES,
    "au": pb.TAX_TREATMENT_TAX_CODES,
}


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def map_codes_by_rate(client, connection_id: int, region: str) -> None:
    """Maps Clio's taxes to the company's codes that charge the region's rates: an exempt
    code (no rates) for untaxed lines, the primary rate alone, and both rates together."""
    codes = client.list_qbo_choices(connection_id).tax_codes
    by_rates = {}
    for code in codes:
        by_rates.setdefault(tuple(sorted(Decimal(r.percent) for r in code.rates)), code.id)
    primary, secondary = REGION_TAXES[region].both
    chosen = {"none": by_rates[()], "primary": by_rates[(primary,)]}
    if secondary:
        chosen["both"] = by_rates[tuple(sorted((primary, secondary)))]
    client.update_settings(connection_id, tax_codes=chosen)


@pytest.mark.parametrize("region", list(TREATMENTS))
def test_a_firm_of_each_region_syncs_with_every_invoice_equal_to_clio_to_the_cent(sandbox, e2e_client, region):
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"kind": region}).raise_for_status()
    make_ready(sandbox)
    if region == "us":
        set_preferences(sandbox, UsingSalesTax=False)
    seed_firm(sandbox, BILLS, SEED, region)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    assert e2e_client.status(connection.id).connection.tax_treatment == TREATMENTS[region]
    if TREATMENTS[region] == pb.TAX_TREATMENT_TAX_CODES:
        map_codes_by_rate(e2e_client, connection.id, region)
        sync_after_changes(e2e_client, connection.id)
        settle(e2e_client, connection.id)

    account = Link.get().connection.clio_account_id
    invoices = {i["PrivateNote"]: i for i in qbo_objects(sandbox, "Invoice")}
    taxed = discounted = 0
    for bill in generate_firm(BILLS, seed=SEED, region=region).bills:
        link = Link.get_or_none(Link.kind == Kind.INVOICE, Link.clio_id == str(bill["id"]))
        if link is None or link.state == LinkState.SKIPPED or not link.qbo_id:
            continue  # drafts, bills waiting for approval, the number too long for QuickBooks, …
        assert link.state == LinkState.SYNCED, (bill["number"], link.reason)
        invoice = invoices[marker("bill", bill["id"], account=account)]
        tax = money(bill.get("tax_sum")) + money(bill.get("secondary_tax_sum"))
        kept = money((invoice.get("TxnTaxDetail") or {}).get("TotalTax"))
        assert money(invoice["TotalAmt"]) == money(bill["total"]), (bill["number"], invoice["TotalAmt"])
        assert kept == (tax if TREATMENTS[region] != pb.TAX_TREATMENT_TAX_LINE else 0), bill["number"]
        taxed += bool(tax)
        discounted += any(line["DetailType"] == "DiscountLineDetail" for line in invoice["Line"])
    assert taxed > 15 and discounted >= 2, (taxed, discounted)
    failed = Link.select().where(Link.kind == Kind.INVOICE, Link.state == LinkState.FAILED)
    assert all("tax" not in link.reason.lower() for link in failed), [link.reason for link in failed]


def test_a_bill_in_another_currency_than_the_companys_fails_and_nothing_is_booked_at_face_value(sandbox, e2e_client):
    seed_firm(sandbox, 40, SEED, "ca")  # a Canadian firm, billing in CAD, into a US company
    make_ready(sandbox)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)

    assert not qbo_objects(sandbox, "Invoice") and not qbo_objects(sandbox, "Payment")
    failed = Link.select().where(Link.kind == Kind.INVOICE, Link.state == LinkState.FAILED)
    assert failed.count() > 20
    assert all(
        " is in CAD; this QuickBooks company keeps its books in USD with multicurrency off" in link.reason
        for link in failed
    )
    # Nor is a customer made in USD for a client billed in CAD: it could never book its bills.
    assert not qbo_objects(sandbox, "Customer")
    contacts = Link.select().where(Link.kind == Kind.CONTACT)
    assert contacts.count() > 5 and {(link.state, link.error_code) for link in contacts} == {("failed", "currency")}
    assert all("keeps its books in USD with multicurrency off" in link.reason for link in contacts)
