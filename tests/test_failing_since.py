"""Since when a link fails: the first failure of its unbroken run of problems, kept through
retries and a change from failed to broken, ended by any other outcome, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from peewee import Table

from billsync.daemon.qbo.client import QboRef
from billsync.daemon.rpc import convert
from billsync.daemon.store import links, migrations
from billsync.daemon.store.db import open_database
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import broken, outcomes
from billsync.daemon.sync.decisions import Action, Op

START = dt.datetime(2026, 3, 2, 9, 0)


class Clock:
    """The writers' clock, one minute on at each reading: every write has its own time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(links, "utcnow", c)
    monkeypatch.setattr(broken, "utcnow", c)
    return c


INVOICE = Op(Kind.INVOICE, "1043", "Invoice 1043 (Amy's Bird Sanctuary)", action=Action.CREATE)


def invoice() -> Link:
    return Link.get(Link.kind == Kind.INVOICE, Link.clio_id == "1043")


def send(connection: Connection) -> None:
    """A create announced before it leaves, as every attempt and re-sync of it is."""
    outcomes.mark_pending(connection, [INVOICE], links.load(connection, Kind.INVOICE, ["1043"]))


def outcome(connection: Connection, result: outcomes.Outcome) -> Link:
    outcomes.record(connection, [(INVOICE, result)])
    return invoice()


def test_a_link_fails_since_its_first_failure_until_it_syncs(db, clock):
    firm = Connection.create(name="Firm")
    send(firm)
    assert invoice().failing_since is None

    first = outcome(firm, outcomes.failed("Another QuickBooks invoice already has number 1043", "6140"))
    assert first.state == LinkState.FAILED and first.failing_since == first.updated_at

    send(firm)  # re-sent (a re-sync): in flight, still the same problem
    assert invoice().state == LinkState.PENDING and invoice().failing_since == first.failing_since
    again = outcome(firm, outcomes.failed("Still a duplicate number", "6140"))
    assert again.updated_at > first.updated_at
    assert again.failing_since == first.failing_since, "failing twice keeps the first failure's time"
    assert convert.link(again).failing_since.ToDatetime() == first.failing_since

    gone = outcome(firm, outcomes.Outcome(LinkState.BROKEN, "Deleted in QuickBooks"))
    assert gone.failing_since == first.failing_since, "failed, then broken: the same run of problems"

    fixed = outcome(firm, outcomes.synced(INVOICE, "88", "0"))
    assert fixed.state == LinkState.SYNCED and fixed.failing_since is None
    assert not convert.link(fixed).HasField("failing_since")

    anew = outcome(firm, outcomes.failed("QuickBooks refused it", "6000"))
    assert anew.failing_since == anew.updated_at > first.failing_since, "a new failure after a success starts anew"


def test_waiting_or_skipped_ends_the_run_of_problems(db, clock):
    firm = Connection.create(name="Firm")
    send(firm)
    assert outcome(firm, outcomes.failed("QuickBooks refused it")).failing_since is not None
    assert outcome(firm, outcomes.skipped("A draft in Clio")).failing_since is None


def test_a_link_broken_in_quickbooks_fails_since_it_was_found(db, clock):
    firm = Connection.create(name="Firm")
    send(firm)
    outcome(firm, outcomes.synced(INVOICE, "88", "0"))

    assert broken.mark_broken(firm, {QboRef("Invoice", "88"): "Deleted in QuickBooks"}, cdc_since=START) == 1
    found = invoice()
    assert found.state == LinkState.BROKEN and found.failing_since == found.updated_at

    send(firm)  # re-sync creates it again, and QuickBooks refuses it
    refused = outcome(firm, outcomes.failed("QuickBooks refused it", "6000"))
    assert refused.failing_since == found.failing_since < refused.updated_at


def test_the_migration_dates_existing_problems_from_their_last_change(each_database_url, monkeypatch):
    db = open_database(each_database_url)
    steps = migrations.STEPS
    monkeypatch.setattr(migrations, "STEPS", steps[:7])
    migrations.migrate(db)
    firm = {
        "name": "Firm",
        "state": "connected",
        "clio_account": "",
        "clio_account_id": "",
        "qbo_realm_id": "",
        "qbo_company_name": "",
        "settings": "{}",
        "created_at": START,
    }
    Table("connection", list(firm)).bind(db).insert(firm).execute()
    cid = db.execute_sql("SELECT id FROM connection").fetchone()[0]
    changed = {state: START + dt.timedelta(hours=i) for i, state in enumerate(("failed", "broken", "synced"))}
    rows = [
        {
            "connection_id": cid,
            "kind": "invoice",
            "clio_id": state,
            "state": state,
            "label": "",
            "reason": "",
            "error_code": "",
            "attempts": 1,
            "created_at": START,
            "updated_at": at,
        }
        for state, at in changed.items()
    ]
    Table("link", list(rows[0])).bind(db).insert(rows).execute()

    monkeypatch.setattr(migrations, "STEPS", steps[:8])  # the release that brought the step
    assert migrations.migrate(db) == ["m0008_failing_since"]
    rows = db.execute_sql("SELECT clio_id, failing_since FROM link").fetchall()
    found = {clio_id: Link.failing_since.python_value(at) for clio_id, at in rows}
    assert found == {"failed": changed["failed"], "broken": changed["broken"], "synced": None}
    db.close()
