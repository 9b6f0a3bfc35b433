"""Credit notes end to end: applied in QBO to the bill Clio applied them to, whatever QBO's
*Automatically apply credits* does, and taken out of QBO when voided in Clio after they
synced (QBO cannot void a credit memo). What a bookkeeper sees in QBO is asserted: each
credit on the right invoice, voided ones gone, invoice balances as Clio's."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from billsync.daemon.store.models import Link
from billsync.daemon.sync.mapping import Marker
from billsync.sandbox.qbo.txns import AUTO_APPLY_NOTE
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import connect, qbo_objects, set_preferences, sync
from tests.harness import settle, sync_after_changes

CREDIT = Decimal("15.00")


def clio(box: Sandbox, path: str, body: dict | None = None) -> dict:
    """Acts as a Clio user through the emulator's admin API."""
    answer = httpx.post(f"{box.clio_url}/_sandbox/{path}", json=body or {}, timeout=60)
    answer.raise_for_status()
    return answer.json()["data"]


def client_with_bills(box: Sandbox, name: str, bills: int) -> list[dict]:
    """A new client with ``bills`` open bills of 200.00, oldest first."""
    contact = clio(box, "contacts", {"type": "Company", "name": name})
    lines = [{"kind": "Service", "description": "Advice", "price": "200.00", "quantity": "1"}]
    return [
        clio(
            box,
            "bills",
            {"client_id": contact["id"], "state": "awaiting_payment", "number": f"{name}-{i}", "lines": lines},
        )
        for i in range(bills)
    ]


def credit(box: Sandbox, bill: dict) -> int:
    """Issues a credit note applied to ``bill``; returns its id."""
    return clio(box, "credits", {"bill_id": bill["id"], "amount": str(CREDIT)})["id"]


def marked(objects: list[dict], kind: str) -> dict[str, dict]:
    """QBO objects carrying billsync's marker for ``kind``, by Clio id."""
    found = {}
    for obj in objects:
        marker = Marker.parse(obj.get("PrivateNote"))
        if marker is not None and marker.kind == kind:
            assert marker.clio_id not in found, f"two QBO objects for Clio {kind} {marker.clio_id}"
            found[marker.clio_id] = obj
    return found


def applications(box: Sandbox) -> set[tuple[str, str]]:
    """(credit memo Id, invoice Id) for each zero payment applying a credit in QBO."""
    pairs = set()
    for payment in qbo_objects(box, "Payment"):
        linked = {link["TxnType"]: link["TxnId"] for line in payment["Line"] for link in line["LinkedTxn"]}
        if "CreditMemo" in linked:
            pairs.add((linked["CreditMemo"], linked["Invoice"]))
    return pairs


def assert_books(box: Sandbox, credited: dict[int, dict], bills: list[dict]) -> None:
    """QBO as a bookkeeper reads it: each live credit note applied once, to its bill's
    invoice, none applied by QBO itself, and every invoice's balance what Clio says is due."""
    memos, invoices = marked(qbo_objects(box, "CreditMemo"), "credit_memo"), marked(qbo_objects(box, "Invoice"), "bill")
    assert set(memos) == {str(m) for m in credited}
    assert all(Decimal(str(m["Balance"])) == 0 for m in memos.values()), "a credit note is left unapplied"
    expected = {(memos[str(m)]["Id"], invoices[str(bill["id"])]["Id"]) for m, bill in credited.items()}
    assert applications(box) == expected
    assert not [p for p in qbo_objects(box, "Payment") if p.get("PrivateNote", "").startswith(AUTO_APPLY_NOTE)]
    credits_on = {}
    for bill in credited.values():
        credits_on[bill["id"]] = credits_on.get(bill["id"], Decimal("0.00")) + CREDIT
    for bill in bills:
        due = Decimal(str(bill["total"])) - credits_on.get(bill["id"], Decimal("0.00"))
        assert Decimal(str(invoices[str(bill["id"])]["Balance"])) == due, bill["number"]


def no_problems() -> bool:
    return not Link.select().where(Link.state.in_(["failed", "broken", "pending"])).exists()


def test_dozens_of_credits_land_on_their_bills_with_auto_apply_on_and_voided_ones_go(sandbox, e2e_client):
    """A new QBO company applies each credit memo to the client's oldest open invoice by
    itself; every credit here was given for a newer bill. Then a third are voided in Clio."""
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True, AutoApplyCredit=True)
    bills, credited = [], {}
    for n in range(12):
        mine = client_with_bills(sandbox, f"Client{n:02d}", 4)
        bills += mine
        for bill in mine[1:]:
            credited[credit(sandbox, bill)] = bill
    connection = connect(e2e_client)
    run = sync_after_changes(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    status = e2e_client.status(connection.id)
    [auto_apply] = [c for c in status.checks if c.key == "auto_apply_credit"]
    assert (auto_apply.ok, auto_apply.severity) == (False, pb.CHECK_SEVERITY_RECOMMENDED)
    assert status.action_required and any("Automatically apply credits" in step for step in status.fix_steps)
    assert len(credited) == 36 and no_problems()
    assert_books(sandbox, credited, bills)

    voided = sorted(credited)[::3]
    for memo_id in voided:
        clio(sandbox, f"credit_memos/{memo_id}/void", {"allocations": True})
        del credited[memo_id]
    run = sync_after_changes(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    assert no_problems()
    assert_books(sandbox, credited, bills)
    for memo_id in voided:
        link = Link.get(Link.kind == "credit_memo", Link.clio_id == str(memo_id))
        assert link.state == "skipped" and link.reason.startswith("Voided in Clio;"), link.reason


@pytest.mark.parametrize(
    "allocations_voided, half_done",
    [(True, False), (False, False), (False, True)],
    ids=["allocations-voided-too", "allocations-left-valid", "application-already-removed"],
)
def test_a_credit_note_voided_after_it_synced_is_taken_out_of_qbo(sandbox, e2e_client, allocations_voided, half_done):
    """QBO refuses to void a credit memo: its application is removed, then it is deleted,
    whether or not Clio voids the note's allocations too. ``half_done`` starts from a run
    killed between the two: the application gone from QBO, the memo still there."""
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True, AutoApplyCredit=False)
    bills = client_with_bills(sandbox, "Voided Credit LLP", 2)
    memo_id = credit(sandbox, bills[1])
    connection = connect(e2e_client)
    sync_after_changes(e2e_client, connection.id)
    settle(e2e_client, connection.id)  # no run may come between the void and the QBO-side half
    assert_books(sandbox, {memo_id: bills[1]}, bills)

    clio(sandbox, f"credit_memos/{memo_id}/void", {"allocations": allocations_voided})
    if half_done:
        [payment] = [p for p in qbo_objects(sandbox, "Payment") if p["TotalAmt"] == 0]
        realm = sandbox.qbo_config.realm_id
        httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/Payment/{payment['Id']}/delete").raise_for_status()
    run = sync_after_changes(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    assert qbo_objects(sandbox, "CreditMemo") == [] and applications(sandbox) == set()
    invoices = marked(qbo_objects(sandbox, "Invoice"), "bill")
    assert [Decimal(str(invoices[str(b["id"])]["Balance"])) for b in bills] == [Decimal("200.00")] * 2
    memo = Link.get(Link.kind == "credit_memo", Link.clio_id == str(memo_id))
    assert memo.state == "skipped" and memo.reason.startswith("Voided in Clio;"), memo.reason
    assert not Link.select().where(Link.state.in_(["failed", "pending"])).exists()
    # Nothing more to do: the next run writes nothing.
    assert sync(e2e_client, connection.id).state == pb.RUN_STATE_SUCCEEDED
    assert Link.get(Link.kind == "credit_memo", Link.clio_id == str(memo_id)).state == "skipped"
