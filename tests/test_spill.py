"""What a cycle read of Clio, kept on disk until planned (``clio.spill``)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from billsync.daemon.clio import spill as spill_module
from billsync.daemon.clio.spill import IDS_PER_STATEMENT, Spill, sweep


def line(line_id: int, bill_id: int, total: str) -> dict:
    return {"id": line_id, "bill": {"id": bill_id}, "total": Decimal(total)}


def test_records_come_back_as_read_the_newest_of_each_id_in_order(tmp_path: Path):
    spill = Spill(tmp_path)
    spill.add("bills", [{"id": 3, "total": Decimal("10.10"), "client": {"id": 7}}, {"id": 1, "total": Decimal("2")}])
    spill.add("bills", [{"id": 3, "total": Decimal("12.30"), "client": {"id": 7}}])
    spill.add("contacts", [{"id": 3, "name": "A contact, not a bill"}])
    assert list(spill.ids("bills")) == [1, 3]
    assert spill.get("bills", [3, 1, 99]) == {
        1: {"id": 1, "total": Decimal("2")},
        3: {"id": 3, "total": Decimal("12.30"), "client": {"id": 7}},
    }
    assert [r["id"] for r in spill.each("bills")] == [1, 3]
    assert spill.missing("bills", ["1", "2", 3]) == {2}
    spill.close()


def test_line_items_are_found_by_their_bill_past_one_statement_of_ids(tmp_path: Path):
    spill = Spill(tmp_path)
    bills = range(1, IDS_PER_STATEMENT * 3)
    spill.add("line_items", [line(10 * b + n, b, f"{n}.25") for b in bills for n in (2, 1)])
    lines = spill.lines_of(bills)
    assert len(lines) == len(bills) and spill.bill_ids_of_lines() == set(bills)
    assert [item["id"] for item in lines[1200]] == [12001, 12002]
    assert sum(item["total"] for item in lines[1200]) == Decimal("3.50")
    assert spill.lines_of([10**9]) == {}
    spill.close()


def test_a_spill_is_a_file_in_its_folder_until_closed(tmp_path: Path):
    folder = tmp_path / "spill"
    spill = Spill(folder)
    spill.add("bills", [{"id": n, "total": Decimal("1")} for n in range(5000)])
    assert list(folder.iterdir()) == [spill.path] and spill.path.stat().st_size > 0
    spill.close()
    assert list(folder.iterdir()) == []


def test_the_start_up_sweep_deletes_a_killed_daemons_spill_and_no_live_ones(tmp_path: Path):
    killed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from billsync.daemon.clio.spill import Spill; "
            "spill = Spill(Path(sys.argv[1])); spill.add('bills', [{'id': 1}]); print(spill.path, flush=True); "
            "sys.stdin.read()",
            str(tmp_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    left = Path(killed.stdout.readline().strip())
    killed.kill()
    killed.wait()
    live = Spill(tmp_path)
    assert sweep(tmp_path) == [left]
    assert list(tmp_path.iterdir()) == [live.path], "the live cycle's file stays, and it still works"
    live.add("bills", [{"id": 2}])
    assert list(live.ids("bills")) == [2]
    live.close()


def test_a_spill_swept_between_its_creation_and_its_lock_is_made_again(tmp_path: Path, monkeypatch):
    """Another daemon starting at that instant sweeps the new, not yet locked, file."""
    made, mkstemp = [], tempfile.mkstemp

    def made_then_swept(**kwargs):
        handle, name = mkstemp(**kwargs)
        made.append(name)
        if len(made) == 1:
            assert sweep(tmp_path) == [Path(name)]
        return handle, name

    monkeypatch.setattr(spill_module.tempfile, "mkstemp", made_then_swept)
    spill = Spill(tmp_path)
    assert len(made) == 2 and spill.path == Path(made[1])
    assert sweep(tmp_path) == [], "the file it made again is held"
    spill.add("bills", [{"id": 1}])
    assert list(spill.ids("bills")) == [1]
    spill.close()
