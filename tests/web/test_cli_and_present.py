"""``billsync web``'s user commands, and how the contract's values read on a page."""

from __future__ import annotations

from click.testing import CliRunner
from google.protobuf.timestamp_pb2 import Timestamp

from billsync.daemon.cli import describe_link, describe_run
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import present
from billsync.webadmin.actions import describe_resync
from billsync.webadmin.cli import demo_login, web
from billsync.webadmin.users import UserStore


def test_create_user_asks_for_the_password_twice_and_stores_only_a_hash(tmp_path):
    r = CliRunner().invoke(
        web, ["--data-dir", str(tmp_path), "create-user", "alice"], input="long enough pw\nlong enough pw\n"
    )
    assert r.exit_code == 0, r.output
    assert "long enough pw" not in (tmp_path / "web-users.json").read_text()
    assert UserStore(tmp_path).authenticate("alice", "long enough pw") is not None
    r = CliRunner().invoke(web, ["--data-dir", str(tmp_path), "create-user", "bob", "--password", "short"])
    assert r.exit_code == 2 and "at least 8 characters" in r.output
    assert CliRunner().invoke(web, ["--data-dir", str(tmp_path), "list-users"]).output == "alice\n"


def test_demo_mode_creates_the_demo_login_once(tmp_path, monkeypatch):
    monkeypatch.setenv("BILLSYNC_DEMO", "1")
    users = UserStore(tmp_path)
    line = demo_login(users, tmp_path)
    assert line == demo_login(users, tmp_path) and users.names() == ["demo"]
    password = (tmp_path / "web-demo-password").read_text()
    assert password in line and users.authenticate("demo", password)


def test_counts_read_as_one_row_per_kind_in_a_stable_order_with_each_cells_filter():
    counts = [
        pb.StateCount(kind=pb.KIND_INVOICE, state=pb.LINK_STATE_BROKEN, count=1),
        pb.StateCount(kind=pb.KIND_INVOICE, state=pb.LINK_STATE_SYNCED, count=9),
        pb.StateCount(kind=pb.KIND_CONTACT, state=pb.LINK_STATE_SYNCED, count=4),
    ]
    table = present.count_table(counts)
    assert [(row["kind"], row["kind_word"], row["total"]) for row in table] == [
        ("Customers", "contact", 4),
        ("Invoices", "invoice", 10),
    ]
    assert table[1]["cells"] == [
        ("synced", 9),
        ("pending", 0),
        ("waiting", 0),
        ("failed", 0),
        ("broken", 1),
        ("skipped", 0),
    ]


def test_a_running_sync_reads_as_progress_per_kind():
    run = pb.Run(
        id=3,
        state=pb.RUN_STATE_RUNNING,
        trigger="sync",
        progress=[pb.KindProgress(kind=pb.KIND_INVOICE, done=5, total=20), pb.KindProgress(kind=pb.KIND_PAYMENT)],
    )
    summary = present.status_summary(pb.StatusResponse(current_run=run))
    assert summary["running"] and summary["current_run"]["label"] == "Running"
    assert summary["current_run"]["trigger"] == "on request"
    assert [(p["kind"], p["percent"]) for p in summary["current_run"]["progress"]] == [
        ("Invoices", 25),
        ("Payments", None),
    ]


def test_a_finished_run_says_what_it_did_not_how_far_it_counted():
    def outcome(**progress: pb.KindProgress) -> str:
        return present.run_outcome(pb.Run(state=pb.RUN_STATE_SUCCEEDED, progress=list(progress.values())))

    assert outcome(i=pb.KindProgress(kind=pb.KIND_INVOICE, done=300, total=300)) == "Nothing new to send to QuickBooks."
    assert (
        outcome(
            c=pb.KindProgress(kind=pb.KIND_CONTACT, created=1),
            i=pb.KindProgress(kind=pb.KIND_INVOICE, created=40, updated=1, failed=12),
            m=pb.KindProgress(kind=pb.KIND_CREDIT_MEMO, created=4),
        )
        == "Created 1 customer, 40 invoices and 4 credit memos. Updated 1 invoice. 12 invoices failed."
    )
    stopped = pb.Run(state=pb.RUN_STATE_FAILED, error="QuickBooks is down")
    assert present.run_outcome(stopped) == "Stopped: QuickBooks is down"
    halfway = pb.Run(state=pb.RUN_STATE_FAILED, progress=[pb.KindProgress(kind=pb.KIND_INVOICE, created=3)])
    assert present.run_outcome(halfway) == "Created 3 invoices. Stopped before it finished."


def test_waiting_items_say_what_they_wait_for():
    status = pb.StatusResponse(
        action_required=True,
        checks=[pb.SettingsCheck(key="custom_txn_numbers", ok=False, severity=pb.CHECK_SEVERITY_REQUIRED)],
        counts=[
            pb.StateCount(kind=pb.KIND_INVOICE, state=pb.LINK_STATE_WAITING, count=260),
            pb.StateCount(kind=pb.KIND_PAYMENT, state=pb.LINK_STATE_WAITING, count=1),
        ],
    )
    assert present.waiting_notes(status) == [
        "260 invoices waiting for the QuickBooks settings below",
        "1 payment waiting for their invoices",
    ]


def test_a_quickbooks_fault_reads_as_a_sentence_with_the_raw_fault_apart():
    duplicate = pb.Link(
        reason="Another QuickBooks invoice already has number 7. Renumber one of them, then re-sync. "
        "(QuickBooks error 6140: Duplicate Document Number Error — TxnId=1 [intuit_tid 1-a])"
    )
    assert present.fault(duplicate) == present.Fault(
        "Another QuickBooks invoice already has number 7. Renumber one of them, then re-sync.",
        "QuickBooks error 6140: Duplicate Document Number Error — TxnId=1 [intuit_tid 1-a]",
    )
    bare = pb.Link(reason="QuickBooks error 6000: A business validation error — Unexpected [intuit_tid 2-b]")
    assert present.fault(bare).sentence == "QuickBooks refused it as it stands in Clio."
    assert present.fault(pb.Link(reason="Voided in Clio")) == present.Fault("Voided in Clio")


def test_a_resync_reads_as_started_and_says_where_to_see_how_it_went():
    one = pb.ResyncResponse(links=[pb.Link(label="Invoice 1043", state=pb.LINK_STATE_BROKEN)], requested=1)
    assert describe_resync(one) == ("Re-sync started for Invoice 1043: the page shows how it went once the run ends.")
    many = pb.ResyncResponse(links=[pb.Link(state=pb.LINK_STATE_FAILED)] * 100, requested=25_000)
    assert describe_resync(many) == "Re-sync started for 25,000 items: the page shows how it went once the run ends."
    assert describe_resync(pb.ResyncResponse()) == "Nothing needed a re-sync."


def test_a_time_reads_in_the_firms_zone_or_is_left_to_the_browser():
    summer = Timestamp(seconds=1_780_000_000)  # 2026-05-28 20:26:40 UTC
    assert present.when(summer, "Europe/London") == "2026-05-28 21:26 BST"
    assert present.when(summer, "America/Los_Angeles") == "2026-05-28 13:26 PDT"
    assert present.when(summer) == "2026-05-28 20:26 UTC"
    at = 'datetime="2026-05-28T20:26:40Z"'
    assert present.time_tag(summer, "Europe/London") == f"<time {at}>2026-05-28 21:26 BST</time>"
    assert present.time_tag(summer) == f"<time {at} data-local>2026-05-28 20:26 UTC</time>"
    assert present.time_tag(Timestamp(), "Europe/London") == "—"


def test_a_problem_says_since_when_it_fails_only_when_it_failed_a_minute_before_its_last_change():
    first, again = Timestamp(seconds=1_780_000_000), Timestamp(seconds=1_780_086_400)  # a day apart
    failing = {"state": pb.LINK_STATE_FAILED, "failing_since": first, "updated_at": again}
    assert present.failing_since(pb.Link(**failing)) == first
    assert present.failing_since(pb.Link(state=pb.LINK_STATE_FAILED, failing_since=again, updated_at=again)) is None
    minute = Timestamp(seconds=again.seconds - again.seconds % 60)
    within_it = Timestamp(seconds=minute.seconds + 59)  # shown as the same time: said once
    assert present.failing_since(pb.Link(failing_since=minute, updated_at=within_it)) is None
    assert present.failing_since(pb.Link(state=pb.LINK_STATE_SYNCED, updated_at=again)) is None
    line = describe_link(pb.Link(id=7, label="Invoice 1043", reason="Duplicate number", error_code="6140", **failing))
    assert line.endswith(
        "Failed                Invoice 1043: Duplicate number [QBO 6140] (failing since 2026-05-28 20:26 UTC)"
    )


def test_the_cli_says_a_run_in_the_panels_words():
    """The same state, reason to start and outcome as the Bill Syncing page; no "succeeded
    (sync …)", no "(300/300)" for a run that sent nothing."""
    started = Timestamp(seconds=1_780_000_000)
    idle = pb.Run(
        state=pb.RUN_STATE_SUCCEEDED,
        trigger="sync",
        started_at=started,
        progress=[pb.KindProgress(kind=pb.KIND_INVOICE, done=300, total=300)],
    )
    assert describe_run(idle) == (
        "Finished (on request, started 2026-05-28 20:26 UTC)\n  Nothing new to send to QuickBooks."
    )
    busy = pb.Run(
        state=pb.RUN_STATE_FAILED,
        trigger="schedule",
        started_at=started,
        error="QuickBooks is down",
        progress=[pb.KindProgress(kind=pb.KIND_CREDIT_MEMO, done=4, total=4, created=3, failed=1)],
    )
    assert describe_run(busy).splitlines()[:2] == [
        "Stopped (on schedule, started 2026-05-28 20:26 UTC)",
        "  Created 3 credit memos. 1 credit memo failed. Stopped: QuickBooks is down",
    ]
    running = pb.Run(
        state=pb.RUN_STATE_RUNNING,
        trigger="resync",
        started_at=started,
        progress=[pb.KindProgress(kind=pb.KIND_CONTACT, done=12, total=1200)],
    )
    assert (
        describe_run(running)
        == "Running (to re-sync items, started 2026-05-28 20:26 UTC)\n  Customers: 12 of 1,200 done"
    )


def test_the_activity_log_names_the_person_and_says_each_event_in_words():
    assert present.who("alice via token 4 (panel)") == "alice"
    assert present.who("Zoë via api") == "Zoë"
    assert present.who("token 4 (reporting)") == "token 4 (reporting)"
    assert present.who("billsync") == "billsync"
    assert present.event_label("link.resync") == "Re-sync asked for"
    assert present.event_label("connection.purged") == "Purged"
    assert present.event_label("webhooks.paused") == "Webhooks paused", "a type not known yet reads as words"


def test_bill_numbers_and_amounts_never_break_across_lines():
    keep = '<span class="keep">{}</span>'.format
    assert present.unbroken("Invoice CLIO-2023-LITIGATION-000002 (Amy & Co)") == (
        f"Invoice {keep('CLIO-2023-LITIGATION-000002')} (Amy &amp; Co)"
    )
    assert present.unbroken("Credit note CN-1 (USD 1,075.00)") == f"Credit note {keep('CN-1')} {keep('(USD 1,075.00)')}"
    assert present.unbroken("Deleted; re-sync to create it") == f"Deleted; {keep('re-sync')} to create it"
    url = "https://hooks.example/billsync/0123456789/abcdefghijklmnopqrstuvwxyz"
    assert present.unbroken(f"Alerts to {url}") == f"Alerts to {url}"  # a URL may break where it must
    assert present.unbroken("<b>1</b>") == keep("&lt;b&gt;1&lt;/b&gt;")


def test_a_running_sync_is_never_beside_a_next_run_due_now():
    connected = pb.Connection(state=pb.CONNECTION_STATE_CONNECTED)
    running = pb.StatusResponse(connection=connected, current_run=pb.Run(id=1), run_due=True)
    assert present.next_run(running) == "After this run"
    assert present.next_run(pb.StatusResponse(connection=connected, run_due=True)) == "Due now"


def test_a_purge_says_what_it_forgot():
    said = pb.Event(message="Purged 1,625 links and every watermark; nothing was deleted in QuickBooks")
    assert present.purge_note(said) == (
        "billsync forgot the 1,625 items it had synced; nothing was deleted in QuickBooks or Clio."
    )
    assert present.purge_note(pb.Event(message="Purged 0 links")) == (
        "billsync had synced nothing yet, so there was nothing to forget."
    )
    assert present.purge_note(pb.Event(message="Links forgotten")) == "Links forgotten"


def test_a_preview_reads_per_kind_and_month_with_its_money():
    usd = pb.Money(currency="USD", amount="1234.5")
    summary = pb.PreviewSummary(
        counts=[
            pb.PreviewCount(kind=pb.KIND_INVOICE, fate=pb.FATE_CREATE, count=1200, money=[usd]),
            pb.PreviewCount(kind=pb.KIND_CONTACT, fate=pb.FATE_CREATE, cause="create:name_taken", count=2),
        ],
        months=[
            pb.PreviewMonth(kind=pb.KIND_PAYMENT, month="2026-02", count=1, money=usd),
            pb.PreviewMonth(kind=pb.KIND_INVOICE, month="2026-01", count=3, money=usd),
            pb.PreviewMonth(kind=pb.KIND_INVOICE, month="2026-01", count=1, money=pb.Money(currency="EUR", amount="8")),
        ],
    )
    assert present.preview_counts(summary) == [
        {"kind": "Customers", "lines": [{"said": "2 to create (under another name: theirs is taken)", "money": ""}]},
        {"kind": "Invoices", "lines": [{"said": "1,200 to create", "money": "USD 1,234.50"}]},
    ]
    assert present.preview_months(summary) == (
        ["Invoices", "Payments"],
        [
            {"month": "2026-01", "cells": [["3 invoices, USD 1,234.50", "1 invoice, EUR 8.00"], []]},
            {"month": "2026-02", "cells": [[], ["1 payment, USD 1,234.50"]]},
        ],
    )


def test_a_preview_lists_the_decided_then_the_conflicts_then_the_matches_and_offers_the_holder():
    taken = pb.PreviewItem(
        kind=pb.KIND_INVOICE,
        clio_id="7",
        label="Invoice 1026 (Amy Alder)",
        fate=pb.FATE_FAIL,
        cause="fail:number_taken",
        reason="Number 1026 is taken (DocNumber=1026 is assigned to TxnType=Invoice with TxnId=41)",
        qbo_id="41",
        conflict=True,
    )
    matched = pb.PreviewItem(
        kind=pb.KIND_CONTACT, clio_id="3", label="Customer Amy Alder", fate=pb.FATE_MATCH, cause="adopt:name_email"
    )
    decided = pb.PreviewItem(
        kind=pb.KIND_CONTACT,
        clio_id="4",
        label="Customer Bo Brook",
        fate=pb.FATE_MATCH,
        cause="adopt:decided",
        decision=pb.Decision(kind=pb.KIND_CONTACT, clio_id="4", choice=pb.CHOICE_MATCH, qbo_id="58", actor="alice"),
    )
    plain = pb.PreviewItem(kind=pb.KIND_INVOICE, clio_id="8", fate=pb.FATE_CREATE)
    assert present.settling([plain, matched, taken, decided]) == [decided, taken, matched]
    assert present.holder(taken) == "41"
    assert present.holder(pb.PreviewItem(cause="fail:number_taken", reason="created first")) == ""
    assert present.holder(pb.PreviewItem(cause="fail:no_lines", qbo_id="41")) == ""
    assert present.contact_name(matched) == "Amy Alder"
    assert present.fate(taken) == "Refused (number taken by another invoice)"
    assert present.fate(matched) == "To link to what QuickBooks has (by name and e-mail)"
    assert present.decision(decided.decision) == "link it to QuickBooks customer Id 58"
    assert present.decided(decided.decision, "Bo Brook").startswith("Decided for Bo Brook: link it to QuickBooks")
    withdrawn = pb.Decision(kind=pb.KIND_INVOICE, clio_id="7")
    assert present.decided(withdrawn, "") == "Decision withdrawn: the sync decides how 7 meets QuickBooks again."
