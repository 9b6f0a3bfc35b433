"""``billsync web``'s user commands, and how the contract's values read on a page."""

from __future__ import annotations

from click.testing import CliRunner

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


def test_counts_read_as_one_row_per_kind_in_a_stable_order():
    counts = [
        pb.StateCount(kind=pb.KIND_INVOICE, state=pb.LINK_STATE_BROKEN, count=1),
        pb.StateCount(kind=pb.KIND_INVOICE, state=pb.LINK_STATE_SYNCED, count=9),
        pb.StateCount(kind=pb.KIND_CONTACT, state=pb.LINK_STATE_SYNCED, count=4),
    ]
    assert present.count_table(counts) == [
        {"kind": "Contacts", "cells": [4, 0, 0, 0, 0, 0], "total": 4},
        {"kind": "Invoices", "cells": [9, 0, 0, 0, 1, 0], "total": 10},
    ]


def test_a_running_sync_reads_as_progress_per_kind():
    run = pb.Run(
        id=3,
        state=pb.RUN_STATE_RUNNING,
        trigger="sync",
        progress=[pb.KindProgress(kind=pb.KIND_INVOICE, done=5, total=20), pb.KindProgress(kind=pb.KIND_PAYMENT)],
    )
    summary = present.status_summary(pb.StatusResponse(current_run=run))
    assert summary["running"] and summary["current_run"]["state"] == "running"
    assert [(p["kind"], p["percent"]) for p in summary["current_run"]["progress"]] == [
        ("Invoices", 25),
        ("Payments", None),
    ]


def test_resync_results_read_as_a_sentence():
    one = pb.ResyncResponse(links=[pb.Link(label="Invoice 1043", state=pb.LINK_STATE_SYNCED)])
    assert describe_resync(one) == "Invoice 1043: synced."
    many = pb.ResyncResponse(links=[pb.Link(state=pb.LINK_STATE_SYNCED)] * 2 + [pb.Link(state=pb.LINK_STATE_FAILED)])
    assert describe_resync(many) == "Re-synced 3 items: 2 synced, 1 failed"
    assert describe_resync(pb.ResyncResponse()) == "Nothing needed a re-sync."
