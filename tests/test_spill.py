"""What a cycle read of Clio, kept on disk until planned (``clio.spill``)."""

from __future__ import annotations

from decimal import Decimal

from billsync.daemon.clio.spill import IDS_PER_STATEMENT, Spill


def line(line_id: int, bill_id: int, total: str) -> dict:
    return {"id": line_id, "bill": {"id": bill_id}, "total": Decimal(total)}


def test_records_come_back_as_read_the_newest_of_each_id_in_order():
    spill = Spill()
    spill.add("bills", [{"id": 3, "total": Decimal("10.10"), "client": {"id": 7}}, {"id": 1, "total": Decimal("2")}])
    spill.add("bills", [{"id": 3, "total": Decimal("12.30"), "client": {"id": 7}}])
    spill.add("contacts", [{"id": 3, "name": "A contact, not a bill"}])
    assert spill.ids("bills") == [1, 3]
    assert spill.get("bills", [3, 1, 99]) == {
        1: {"id": 1, "total": Decimal("2")},
        3: {"id": 3, "total": Decimal("12.30"), "client": {"id": 7}},
    }
    assert [r["id"] for r in spill.each("bills")] == [1, 3]
    assert spill.missing("bills", ["1", "2", 3]) == {2}
    spill.close()


def test_line_items_are_found_by_their_bill_past_one_statement_of_ids():
    spill = Spill()
    bills = range(1, IDS_PER_STATEMENT * 3)
    spill.add("line_items", [line(10 * b + n, b, f"{n}.25") for b in bills for n in (2, 1)])
    lines = spill.lines_of(bills)
    assert len(lines) == len(bills) and spill.bill_ids_of_lines() == set(bills)
    assert [item["id"] for item in lines[1200]] == [12001, 12002]
    assert sum(item["total"] for item in lines[1200]) == Decimal("3.50")
    assert spill.lines_of([10**9]) == {}
    spill.close()
