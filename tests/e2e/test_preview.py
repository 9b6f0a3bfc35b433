"""A preview of the first sync against a QuickBooks company that already holds customers and
invoices, compared object for object with what the sync then does (issue 19)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import httpx

from billsync.daemon.store.models import Link, Run
from billsync.daemon.sync import mapping
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.e2e.conftest import connect, qbo_objects, seed_firm, sync
from tests.e2e.test_sync import ready  # noqa: F401 - a fixture

#: A firm of a real size: its 1,500 bills and their payments and customers fill many pages and batches.
BILLS = 1500
ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo", "Item")
KIND = {
    pb.KIND_CONTACT: "contact",
    pb.KIND_INVOICE: "invoice",
    pb.KIND_PAYMENT: "payment",
    pb.KIND_CREDIT_MEMO: "credit_memo",
}
#: The link state each foreseen fate leaves.
STATE = {
    pb.FATE_CREATE: "synced",
    pb.FATE_UPDATE: "synced",
    pb.FATE_MATCH: "synced",
    pb.FATE_UNCHANGED: "synced",
    pb.FATE_SKIP: "skipped",
    pb.FATE_WAIT: "waiting",
    pb.FATE_FAIL: "failed",
}


def seed_qbo(box, objects: dict[str, list[dict]], *, raw: bool = False) -> dict[str, list[str]]:
    answer = httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"objects": objects, "raw": raw}, timeout=60)
    answer.raise_for_status()
    return answer.json()["created"]


def said(reason: str) -> str:
    """A reason without the detail in brackets at its end: QuickBooks' own words for a number
    taken by an invoice the same sync creates first, which no preview can quote."""
    return reason.split(" (")[0]


def preview(client, connection_id: int) -> tuple[list[pb.PreviewItem], pb.PreviewSummary, int]:
    """Every item a preview streams, its summary, and how many progress messages came first."""
    items, summary, progress = [], None, 0
    for message in client.preview(connection_id):
        items.extend(message.items)
        progress += bool(message.progress)
        if message.HasField("summary"):
            summary = message.summary
    return items, summary, progress


def test_the_preview_of_a_first_sync_is_what_the_sync_then_does(ready, e2e_daemon, e2e_client):  # noqa: F811
    firm = generate_firm(BILLS)
    seed_firm(ready, bills=BILLS)
    connection = connect(e2e_client, hold=True)
    assert connection.held
    billed = {str(b["client"]["id"]) for b in firm.bills}
    people = [c for c in firm.contacts if str(c["id"]) in billed and c.get("primary_email_address")]
    people = [c for c in people if ":" not in c["name"] and c["name"] not in {p["name"] for p in people if p is not c}]
    same, other = people[:4], people[4:7]
    customers = seed_qbo(
        ready,
        {
            "Customer": [
                {"DisplayName": c["name"], "PrimaryEmailAddr": {"Address": c["primary_email_address"]}} for c in same
            ]
            + [{"DisplayName": c["name"], "PrimaryEmailAddr": {"Address": "someone.else@example.org"}} for c in other]
        },
    )["Customer"]
    matched = {str(c["id"]): qbo_id for c, qbo_id in zip(same, customers)}
    renamed = {str(c["id"]) for c in other}
    issued = [b for b in firm.bills if b["state"] in ("awaiting_payment", "paid") and len(b["number"]) <= 21]
    taken = {str(b["id"]): b["number"] for b in issued[100:105]}
    holders = seed_qbo(
        ready,
        {
            "Invoice": [
                {
                    "DocNumber": number,
                    "CustomerRef": {"value": customers[-1]},
                    "TxnDate": "2024-01-02",
                    "TotalAmt": 10,
                    "Balance": 10,
                    "PrivateNote": "typed in QuickBooks",
                    "Line": [],
                }
                for number in taken.values()
            ]
        },
        raw=True,
    )["Invoice"]
    before = {entity: len(qbo_objects(ready, entity)) for entity in ENTITIES}

    items, summary, progress = preview(e2e_client, connection.id)

    assert progress > 0, (len(items), summary)
    assert {entity: len(qbo_objects(ready, entity)) for entity in ENTITIES} == before, "nothing written to QBO"
    assert not Link.select().where(Link.connection == connection.id).exists(), "no link stored"
    foreseen = {(KIND[i.kind], i.clio_id): i for i in items}
    assert len(foreseen) == len(items), "one item per record"
    assert {k for k, i in foreseen.items() if i.fate == pb.FATE_MATCH} == {("contact", c) for c in matched}
    assert all(foreseen["contact", c].qbo_id == q for c, q in matched.items())
    assert all(foreseen["contact", c].cause == "adopt:name_email" for c in matched)
    assert {("contact", c) for c in renamed} <= {k for k, i in foreseen.items() if i.cause == "create:name_taken"}
    refused = {k: i for k, i in foreseen.items() if i.cause == "fail:number_taken"}
    assert set(refused) >= {("invoice", b) for b in taken}, "every number QuickBooks already has"
    assert all(i.conflict for i in refused.values()) and summary.conflicts >= len(taken) + len(renamed)
    assert summary.items_to_create == ["Expenses", "Sales tax (Clio)", "Services"]

    assert e2e_daemon.scheduler.await_dispatch(harness.PATIENCE)
    assert not Run.select().where(Run.connection == connection.id).exists(), "held: no run before Sync starts one"
    sync(e2e_client, connection.id)
    assert not e2e_client.status(connection.id).connection.held

    links = {(link.kind, link.clio_id): link for link in Link.select().where(Link.connection == connection.id)}
    assert set(links) == set(foreseen), "every record the sync planned, and no other, was foreseen"
    differ = [
        (key, pb.Fate.Name(item.fate), links[key].state, links[key].reason)
        for key, item in foreseen.items()
        if links[key].state != STATE[item.fate]
        or (item.fate == pb.FATE_FAIL and said(links[key].reason) != said(item.reason))
    ]
    assert differ == [], "the sync did what the preview said"
    assert all(links["contact", c].qbo_id == q for c, q in matched.items()), "matched to the customers seeded"
    for clio_id, holder in zip(taken, holders):
        assert f"TxnId={holder}" in links["invoice", clio_id].reason
    created = Counter(KIND[i.kind] for i in items if i.fate == pb.FATE_CREATE)
    after = {entity: len(qbo_objects(ready, entity)) for entity in ENTITIES}
    entity = {"contact": "Customer", "invoice": "Invoice", "payment": "Payment", "credit_memo": "CreditMemo"}
    assert {k: after[e] - before[e] for k, e in entity.items()} == {k: created[k] for k in entity}
    names = {c["Id"]: c["DisplayName"] for c in qbo_objects(ready, "Customer")}
    for contact in other:
        clio_id = str(contact["id"])
        assert names[links["contact", clio_id].qbo_id] == mapping.disambiguated(contact["name"], clio_id)
    invoices = {i["Id"]: i for i in qbo_objects(ready, "Invoice")}
    created_invoices = [
        links["invoice", i.clio_id] for i in items if i.fate == pb.FATE_CREATE and i.kind == pb.KIND_INVOICE
    ]
    written = sum((Decimal(str(invoices[link.qbo_id]["TotalAmt"])) for link in created_invoices), Decimal("0.00"))
    [invoice_money] = [
        m for c in summary.counts if c.kind == pb.KIND_INVOICE and c.fate == pb.FATE_CREATE for m in c.money
    ]
    assert Decimal(invoice_money.amount) == written, "the money foreseen is the money written"
    months = sum((Decimal(m.money.amount) for m in summary.months if m.kind == pb.KIND_INVOICE), Decimal("0.00"))
    assert months == written > 0
