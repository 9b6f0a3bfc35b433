"""Clio's tax into a QuickBooks company outside the US, which taxes by its own tax codes.

The QBO emulator serves a Canadian company (``POST /_sandbox/seed {"kind": "ca"}``, see
sandbox/README "Companies of each region") with Ontario's HST and its exempt code. Until
Clio's taxes are mapped to codes, invoices wait and contacts go on; once mapped, each line
bears its code and every invoice totals its bill to the cent, tax included, as QuickBooks
stores it; a bill taxed at rates no mapped code charges fails, naming both rates. (The
mapping here is deliberately Ontario's HST for a firm billing British Columbia's GST and PST;
tests/e2e/test_regions.py maps the right codes.)
"""

from __future__ import annotations

from decimal import Decimal

import grpc
import httpx
import pytest

from billsync.daemon.rpc.client import DaemonError
from billsync.daemon.store.models import Kind, Link, LinkState
from billsync.daemon.sync import taxes
from billsync.daemon.sync.mapping import marker
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, seed_firm, sync
from tests.harness import make_ready, qbo_objects, settle, sync_after_changes

BILLS = 150
SEED = 5


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def test_a_canadian_company_gets_each_line_on_its_mapped_code_and_clios_tax_to_the_cent(sandbox, e2e_client):
    realm = sandbox.qbo_config.realm_id
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"realm_id": realm, "kind": "ca"}).raise_for_status()
    make_ready(sandbox)
    seed_firm(sandbox, bills=BILLS, seed=SEED, region="ca")  # at 5 % GST and 7 % PST
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)

    status = e2e_client.status(connection.id)
    assert status.connection.tax_treatment == pb.TAX_TREATMENT_TAX_CODES
    assert not qbo_objects(sandbox, "Invoice"), "invoices wait for the tax codes"
    held = Link.select().where(Link.kind == Kind.INVOICE, Link.state == LinkState.WAITING)
    assert held.count() > 100 and {link.reason for link in held} == {taxes.HELD_REASON}
    assert Link.select().where(Link.kind == Kind.CONTACT, Link.state == LinkState.SYNCED).count() > 20

    codes = {c.name: c for c in e2e_client.list_qbo_choices(connection.id).tax_codes}
    assert [r.percent for r in codes["HST ON"].rates] == ["13"] and not codes["Exempt"].rates
    with pytest.raises(DaemonError) as refused:
        e2e_client.update_settings(connection.id, tax_codes={"primary": "999"})
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT and "no active tax code 999" in str(refused.value)
    settings = e2e_client.update_settings(
        connection.id, tax_codes={"none": codes["Exempt"].id, "primary": codes["HST ON"].id}
    )
    assert dict(settings.tax_codes) == {"none": codes["Exempt"].id, "primary": codes["HST ON"].id}
    sync_after_changes(e2e_client, connection.id)
    settle(e2e_client, connection.id)

    account = Link.get().connection.clio_account_id
    invoices = {i["PrivateNote"]: i for i in qbo_objects(sandbox, "Invoice")}
    synced = failed = 0
    for bill in generate_firm(BILLS, seed=SEED, region="ca").bills:
        link = Link.get_or_none(Link.kind == Kind.INVOICE, Link.clio_id == str(bill["id"]))
        tax_reason = "tax code" in (link.reason if link else "")
        if link is None or link.state == LinkState.SKIPPED or (link.state == LinkState.FAILED and not tax_reason):
            continue  # the demo firm's other cases: drafts, a number too long, …
        rates = (Decimal(str(bill.get("tax_rate") or 0)), Decimal(str(bill.get("secondary_tax_rate") or 0)))
        taxed = money(bill.get("tax_sum")) + money(bill.get("secondary_tax_sum"))
        if taxed and rates != (Decimal(13), Decimal(0)):
            assert link.state == LinkState.FAILED and tax_reason, bill["number"]
            failed += 1
            continue
        assert link.state == LinkState.SYNCED, (bill["number"], link.reason)
        invoice = invoices[marker("bill", bill["id"], account=account)]
        assert money(invoice["TotalAmt"]) == money(bill["total"]), bill["number"]
        assert money(invoice["TxnTaxDetail"]["TotalTax"]) == taxed, bill["number"]
        used = {
            line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
            for line in invoice["Line"]
            if "SalesItemLineDetail" in line
        }
        assert used <= {codes["Exempt"].id, codes["HST ON"].id}
        synced += 1
    assert synced > 60 and failed > 5, (synced, failed)
    memos = qbo_objects(sandbox, "CreditMemo")
    assert memos and {m["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] for m in memos} == {codes["Exempt"].id}
