"""Credit notes: withdrawn when voided in Clio, applied where Clio applied them whatever
QBO's *Automatically apply credits* says. Pure: no server."""

from __future__ import annotations

from billsync.daemon.qbo import settings
from billsync.daemon.store.models import Kind
from billsync.daemon.sync import credits, mapping, planner
from billsync.daemon.sync.decisions import Action
from tests.test_planner import FakeLink

ACCOUNT = "7"
MEMO = {"id": 31, "amount": "40.00", "date": "2024-03-02", "contact": {"id": 4, "name": "Ana"}}
APPLICATION = {
    "id": 12,
    "amount": "40.00",
    "date": "2024-03-02",
    "parent": {"id": 31, "type": "CreditMemo"},
    "bill": {"id": 9},
    "contact": {"id": 4},
}


def plan_memo(memo=MEMO, link=None):
    return planner.plan_credit_memo(memo, link, customer_id="77", item_id="1", account=ACCOUNT)


def plan_application(link, *, withdrawn):
    invoice = FakeLink("synced", qbo_id="60")
    return planner.plan_allocation(
        APPLICATION,
        link,
        customer_id="77",
        invoice=invoice,
        credit_memo_id=None,
        account=ACCOUNT,
        credit_memo_withdrawn=withdrawn,
    )


def test_a_credit_note_voided_after_it_synced_is_withdrawn_not_voided():
    """QBO refuses to void a credit memo: it is withdrawn (applications removed, then deleted)."""
    op = plan_memo({**MEMO, "voided_at": "2024-04-01T10:00:00Z"}, FakeLink("synced", fingerprint="f"))
    assert (op.action, op.qbo_id, op.sync_token, op.fingerprint) == (Action.WITHDRAW, "50", "3", Action.WITHDRAW)
    assert op.reason == "Voided in Clio"


def test_a_withdrawn_credit_note_is_not_withdrawn_twice_and_one_never_synced_is_skipped():
    voided = {**MEMO, "voided_at": "2024-04-01T10:00:00Z"}
    assert plan_memo(voided, FakeLink("skipped", fingerprint=Action.WITHDRAW)).action is Action.SKIP
    assert plan_memo(voided, FakeLink("synced", fingerprint=Action.WITHDRAW)).action is Action.NONE
    assert plan_memo(voided).action is Action.SKIP


def test_credit_notes_are_planned_whatever_qbo_applies_by_itself():
    """Nothing holds a credit note back any more: what QBO applies by itself is undone."""
    op = plan_memo()
    assert op.action is Action.CREATE and op.body["PrivateNote"] == mapping.marker("credit_memo", 31, account=ACCOUNT)


def test_the_application_of_a_withdrawn_credit_note_stays_out_of_qbo():
    """Clio may leave a voided note's allocations valid; they have nothing left to apply."""
    removed = plan_application(FakeLink("skipped", qbo_id="70"), withdrawn=True)
    assert removed.action is Action.SKIP and removed.reason == planner.CREDIT_VOIDED
    still_there = plan_application(FakeLink("synced", qbo_id="70"), withdrawn=True)
    assert (still_there.action, still_there.qbo_id) == (Action.DELETE, "70")
    waiting = plan_application(None, withdrawn=False)
    assert waiting.action is Action.WAIT and waiting.depends_on.kind == Kind.CREDIT_MEMO


def test_qbos_own_application_is_told_from_billsyncs_and_a_persons():
    qbo_made = {"TotalAmt": 0, "PrivateNote": "Created by QB Online to link credits to charges."}
    ours = {"TotalAmt": 0, "PrivateNote": mapping.marker("allocation", 12, account=ACCOUNT)}
    received = {"TotalAmt": "25.00", "PrivateNote": "Created by QB Online to link credits to charges."}
    assert [credits.applied_by_qbo(p) for p in (qbo_made, ours, received)] == [True, False, False]
    assert mapping.marked_id(ours["PrivateNote"], "allocation") == "12"
    assert mapping.marked_id("Voided - " + ours["PrivateNote"], "allocation") is None
    assert mapping.marked_id(mapping.marker("bill", 12, account=ACCOUNT), "allocation") is None


def test_the_credit_memos_an_application_will_apply_are_those_it_links():
    op = plan_application(None, withdrawn=False)
    create = planner.plan_allocation(
        APPLICATION,
        None,
        customer_id="77",
        invoice=FakeLink("synced", qbo_id="60"),
        credit_memo_id="88",
        account=ACCOUNT,
    )
    assert credits.applied_memos([op, create]) == {"88"}


def prefs(auto_apply: bool) -> dict:
    return {
        "SalesFormsPrefs": {"CustomTxnNumbers": True, "AutoApplyCredit": auto_apply},
        "OtherPrefs": {"NameValue": [{"Name": "WarnDuplicateBillNumber", "Value": "true"}]},
    }


def test_automatically_apply_credits_is_recommended_off_and_holds_nothing():
    checks = settings.read_checks(prefs(auto_apply=True))
    assert settings.action_required(checks)
    assert settings.severity(settings.AUTO_APPLY_CREDIT) is settings.Severity.RECOMMENDED
    assert settings.severity(settings.CUSTOM_TXN_NUMBERS) is settings.Severity.REQUIRED
    assert [settings.held(checks, kind) for kind in (Kind.CREDIT_MEMO, Kind.INVOICE, Kind.PAYMENT)] == ["", "", ""]
    steps = settings.fix_steps(checks)
    assert any('"Automation"' in step for step in steps)
    assert any('Uncheck the box beside "Automatically apply credits"' in step for step in steps)
    assert not settings.action_required(settings.read_checks(prefs(auto_apply=False)))
