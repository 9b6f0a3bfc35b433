"""The lines of changed bills only: a cycle reads the lines of the bills that changed, by
their ids, never every line of the firm (``clio.lines``). Counted by the Clio emulator,
which reports each request under the names of the filters it sent."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import httpx
import pytest

from billsync.daemon.store.models import ClioLine, Link, Watermark
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, qbo_objects, seed_firm, sync
from tests.harness import make_ready, reset_request_counts, settle

LINES = "/api/v4/line_items.json"


def line_reads(box) -> Counter[str]:
    """GET /line_items.json requests since the counts were reset, by the filters they sent
    ("" for every line of the firm)."""
    report = httpx.get(f"{box.clio_url}/_sandbox/requests").json()["requests"]
    reads: Counter[str] = Counter()
    for r in report:
        if r["method"] == "GET" and r["endpoint"] == LINES:
            reads[r["filters"]] += r["count"]
    return reads


def clio_bill(box, bill_id: int) -> tuple[dict, list[dict]]:
    with box.clio.store.lock:
        return dict(box.clio.store["bills"].records[bill_id]), [
            dict(line) for line in box.clio.store["line_items"].referring("bill", bill_id)
        ]


def assert_in_qbo_as_in_clio(box, bill_ids) -> None:
    """Each bill's invoice holds its number, a line for each of its lines and its total."""
    invoices = {i["Id"]: i for i in qbo_objects(box, "Invoice")}
    for bill_id in bill_ids:
        bill, lines = clio_bill(box, bill_id)
        invoice = invoices[Link.get(Link.kind == "invoice", Link.clio_id == str(bill_id)).qbo_id]
        assert invoice["DocNumber"] == bill["number"]
        assert Decimal(str(invoice["TotalAmt"])) == Decimal(str(bill["total"])), bill["number"]
        described = Counter(line.get("Description") for line in invoice["Line"] if line.get("Description"))
        assert all(described[line["description"]] >= 1 for line in lines), bill["number"]


@pytest.fixture
def firm(sandbox, e2e_client):
    """A 300-bill firm (some 800 lines, five pages of them), synced, with no run going."""
    seed_firm(sandbox, bills=300, seed=21)
    make_ready(sandbox)
    connection = connect(e2e_client)
    sync(e2e_client, connection.id)
    settle(e2e_client, connection.id)
    return connection


def open_bills(box, count: int, *, lines: int = 1) -> list[int]:
    """Ids of ``count`` synced bills awaiting payment with no payment yet and ``lines`` lines or more."""
    synced = {int(link.clio_id) for link in Link.select().where(Link.kind == "invoice", Link.state == "synced")}
    with box.clio.store.lock:
        store = box.clio.store
        found = [
            b["id"]
            for b in store["bills"].records.values()
            if b["id"] in synced
            and b["state"] == "awaiting_payment"
            and not store["allocations"].referring("bill", b["id"])
            and len(store["line_items"].referring("bill", b["id"])) >= lines
        ]
    assert len(found) >= count, f"the firm has {len(found)} such bills"
    return sorted(found)[:count]


def test_a_cycle_reads_the_lines_of_the_bills_that_changed_by_their_ids(sandbox, e2e_client, firm):
    renumbered = open_bills(sandbox, 26)
    added, edited, removed = open_bills(sandbox, 29, lines=2)[26:]
    for bill_id in renumbered:
        httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{bill_id}", json={"number": f"R-{bill_id}"}).raise_for_status()
    new_line = {"kind": "Expense", "description": "Courier to the court", "price": "42.50", "quantity": 1}
    httpx.post(f"{sandbox.clio_url}/_sandbox/bills/{added}/lines", json=new_line).raise_for_status()
    _, lines = clio_bill(sandbox, edited)
    # Dated on the line alone: the bill is found through its changed line.
    httpx.patch(
        f"{sandbox.clio_url}/_sandbox/line_items/{lines[0]['id']}",
        params={"touch_bill": "false"},
        json={"price": "999.00", "description": "Repriced hearing"},
    ).raise_for_status()
    _, lines = clio_bill(sandbox, removed)
    httpx.delete(f"{sandbox.clio_url}/_sandbox/line_items/{lines[-1]['id']}").raise_for_status()
    reset_request_counts(sandbox)

    assert sync(e2e_client, firm.id).state == pb.RUN_STATE_SUCCEEDED

    reads = line_reads(sandbox)
    assert reads[""] == 0, "no read of every line of the firm"
    assert reads == {"updated_since": 1, "ids[]": 1}, reads
    assert_in_qbo_as_in_clio(sandbox, [*renumbered, added, edited, removed])
    assert Link.get(Link.kind == "invoice", Link.clio_id == str(removed)).state == "synced"


def test_a_bill_whose_indexed_lines_fall_short_is_read_whole_and_written_right(sandbox, e2e_client, firm):
    [bill_id] = open_bills(sandbox, 1, lines=2)
    _, lines = clio_bill(sandbox, bill_id)
    ClioLine.delete().where(ClioLine.line_id == lines[0]["id"]).execute()  # a gap in the index
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{bill_id}", json={"number": f"G-{bill_id}"}).raise_for_status()
    reset_request_counts(sandbox)

    sync(e2e_client, firm.id)

    assert line_reads(sandbox) == {"updated_since": 1, "ids[]": 1, "bill_id": 1}
    assert_in_qbo_as_in_clio(sandbox, [bill_id])
    assert ClioLine.select().where(ClioLine.line_id == lines[0]["id"]).exists(), "the gap is indexed again"


def test_a_connection_synced_before_the_index_builds_it_once(sandbox, e2e_client, firm):
    """An upgraded daemon finds a line watermark and no index: one read of every line, then never again."""
    ClioLine.delete().execute()
    Watermark.delete().where(Watermark.resource == "line_index").execute()
    lines = sandbox.clio.store.counts()["line_items"]
    reset_request_counts(sandbox)

    sync(e2e_client, firm.id)
    assert line_reads(sandbox)[""] == -(-lines // 200), "one paged read of every line"
    assert ClioLine.select().count() == lines

    [bill_id] = open_bills(sandbox, 1)
    httpx.patch(f"{sandbox.clio_url}/_sandbox/bills/{bill_id}", json={"number": f"U-{bill_id}"}).raise_for_status()
    reset_request_counts(sandbox)
    sync(e2e_client, firm.id)
    assert line_reads(sandbox) == {"updated_since": 1, "ids[]": 1}
    assert_in_qbo_as_in_clio(sandbox, [bill_id])
