"""The link counts Status shows, kept by database triggers, stay equal to a GROUP BY over
the links through every kind of write, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from peewee import Table, fn

from billsync.daemon.qbo.client import QboRef
from billsync.daemon.rpc import connections, convert
from billsync.daemon.store import counts as link_counts
from billsync.daemon.store import migrations
from billsync.daemon.store.links import DependencyKey
from billsync.daemon.store.models import Connection, Kind, Link, LinkCount, utcnow
from billsync.daemon.sync import outcomes
from billsync.daemon.sync.broken import mark_broken
from billsync.daemon.sync.decisions import Action, Op


def recount(connection: Connection) -> list[tuple[str, str, int]]:
    """The counts computed from the links themselves: what the maintained ones must equal."""
    query = (
        Link.select(Link.kind, Link.state, fn.COUNT(Link.id))
        .where(Link.connection == connection)
        .group_by(Link.kind, Link.state)
    )
    return link_counts.in_kind_order(list(query.tuples()))


@pytest.fixture
def database_url(each_database_url: str) -> str:
    """Every test here runs on both backends: the triggers are written once per dialect."""
    return each_database_url


def op(kind: Kind, clio_id: int, depends_on: DependencyKey | None = None) -> Op:
    return Op(kind, str(clio_id), f"{kind} {clio_id}", action=Action.CREATE, depends_on=depends_on)


def assert_exact(*conns: Connection) -> list[tuple[str, str, int]]:
    for connection in conns:
        assert link_counts.stored(connection) == recount(connection)
    return link_counts.stored(conns[0])


def test_counts_follow_upserts_state_changes_mark_broken_and_purge(db):
    firm, other = Connection.create(name="Firm"), Connection.create(name="Other")
    contacts, invoices = [op(Kind.CONTACT, i) for i in range(30)], [op(Kind.INVOICE, i) for i in range(20)]
    payments = [op(Kind.PAYMENT, i, DependencyKey(Kind.INVOICE, str(i))) for i in range(20)]
    outcomes.mark_pending(firm, contacts + invoices + payments, {})
    outcomes.mark_pending(other, contacts[:5], {})
    assert assert_exact(firm, other) == [
        ("contact", "pending", 30),
        ("invoice", "pending", 20),
        ("payment", "pending", 20),
    ]

    outcomes.record(
        firm,
        [(o, outcomes.synced(o, f"q{o.clio_id}", "0")) for o in contacts[:25] + payments]
        + [(o, outcomes.synced(o, o.clio_id, "0")) for o in invoices[:15]]
        + [(o, outcomes.failed("Duplicate name")) for o in contacts[25:]]
        + [(o, outcomes.waiting("needs its customer", DependencyKey(Kind.CONTACT, "1"))) for o in invoices[15:]],
    )
    outcomes.record(
        firm, [(o, outcomes.failed("Still a duplicate", "6240")) for o in contacts[25:]]
    )  # same state: no change
    assert assert_exact(firm, other) == [
        ("contact", "failed", 5),
        ("contact", "synced", 25),
        ("invoice", "synced", 15),
        ("invoice", "waiting", 5),
        ("payment", "synced", 20),
    ]

    gone = {QboRef("Invoice", "3"): "Deleted in QuickBooks", QboRef("Invoice", "4"): "Deleted in QuickBooks"}
    assert mark_broken(firm, gone, cdc_since=utcnow()) == 2
    assert assert_exact(firm, other) == [
        ("contact", "failed", 5),
        ("contact", "synced", 25),
        ("invoice", "broken", 2),
        ("invoice", "synced", 13),
        ("invoice", "waiting", 5),
        ("payment", "synced", 18),
        ("payment", "waiting", 2),
    ]

    Link.update(kind="credit_memo").where(
        Link.connection == firm, Link.kind == "invoice", Link.state == "waiting"
    ).execute()
    Link.delete().where(Link.connection == firm, Link.kind == "contact", Link.state == "failed").execute()
    assert ("credit_memo", "waiting", 5) in assert_exact(firm, other)

    assert connections.purge_links(firm, "tester") == 65
    assert assert_exact(firm, other) == []
    assert assert_exact(other) == [("contact", "pending", 5)]


def test_deleting_a_connection_cascades_to_its_counts(db):
    firm = Connection.create(name="Firm")
    outcomes.mark_pending(firm, [op(Kind.CONTACT, i) for i in range(3)], {})
    firm.delete_instance()
    assert LinkCount.select().count() == 0 and Link.select().count() == 0


def test_migration_counts_the_links_already_there(database_url, monkeypatch):
    from billsync.daemon.store.db import open_database

    handle = open_database(database_url)
    monkeypatch.setattr(migrations, "STEPS", migrations.STEPS[:1])
    migrations.migrate(handle)
    # A connection row as the first release wrote it.
    blank = dict.fromkeys(("clio_account", "clio_account_id", "qbo_realm_id", "qbo_company_name"), "")
    row = {"name": "Firm", "state": "connected", "settings": "{}", "created_at": utcnow(), **blank}
    firm_id = Table("connection", ("id", *row), primary_key="id").bind(handle).insert(row).execute()
    Link.insert_many(
        [
            {"connection": firm_id, "kind": "invoice", "clio_id": str(i), "state": ("synced", "failed")[i % 4 == 0]}
            for i in range(40)
        ]
    ).execute()
    monkeypatch.undo()
    assert migrations.migrate(handle) == [step.__name__ for _, step in migrations.STEPS[1:]]
    firm = Connection.get_by_id(firm_id)
    assert (firm.fence, firm.prior_writes_until) == (0, None)
    assert assert_exact(firm) == [("invoice", "failed", 10), ("invoice", "synced", 30)]
    Link.insert_many([{"connection": firm.id, "kind": "invoice", "clio_id": "new", "state": "synced"}]).execute()
    assert assert_exact(firm) == [("invoice", "failed", 10), ("invoice", "synced", 31)]
    handle.close()


def test_status_shows_the_maintained_counts_and_the_first_problems(client):
    connection = client.create_connection("Firm")
    states = ("synced", "failed", "synced", "broken", "waiting", "skipped")
    Link.insert_many(
        [
            {
                "connection": connection.id,
                "kind": ("contact", "invoice", "payment", "credit_memo")[i % 4],
                "clio_id": str(i),
                "state": states[i % len(states)],
            }
            for i in range(300)
        ]
    ).execute()
    status = client.status(connection.id)
    shown = [(convert.kind_name(c.kind), convert.link_state_name(c.state), c.count) for c in status.counts]
    assert shown == recount(Connection.get_by_id(connection.id))
    assert status.problem_count == 100
    problems = (
        Link.select(Link.id)
        .where(Link.connection == connection.id, Link.state.in_(("broken", "failed")))
        .order_by(Link.id)
        .limit(20)
    )
    assert [p.id for p in status.problems] == [p.id for p in problems]
