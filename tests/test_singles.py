"""Writes past the batch ceiling: single requests alongside batches, as safe as batch items.

QBO admits 40 batch requests a minute and 500 requests; the writer spends the requests
batches leave over on single creates and updates. The daemon's limits here leave room for
one batch a minute, so a backlog provably goes out as batches *and* singles; what a
bookkeeper would notice is checked in the QBO emulator: every bill once, no 429.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from billsync.daemon.errors import Unavailable
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.ratelimit import Limits, RateLimiter
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import recovery
from billsync.daemon.sync.decisions import Op
from billsync.daemon.sync.items import ensure_items
from billsync.daemon.sync.writer import Done
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import fast_http, qbo, qbo_row, sandbox  # noqa: F401 - fixtures are parameters of the tests
from tests.harness import READY, set_preferences
from tests.test_planner import BILL
from tests.test_writer import invoice_create, write

#: The daemon's time scale here: a "minute" of two real minutes, which these tests never
#: outlast even on a loaded machine (a second window of batches would open otherwise), and a
#: "second" far longer than the emulator's (time scale 60), so nothing meets a 429.
TIME_SCALE = 0.5


@pytest.fixture
def company(sandbox: Sandbox) -> Iterator[Sandbox]:  # noqa: F811 - the imported fixture
    """A fresh default company numbering invoices as billsync needs; counts from nothing."""
    httpx.post(f"{sandbox.qbo_url}/_sandbox/reset").raise_for_status()
    set_preferences(sandbox, **READY)
    yield sandbox
    sandbox.qbo.reconfigure(faults={"after_next": 0, "after_kinds": ["error", "drop", "omit"]})


def limited(qbo: QuickBooks, limits: Limits) -> QuickBooks:  # noqa: F811
    """The client under ``limits``, with a limiter of its own."""
    client = copy.copy(qbo)
    client.limiter = RateLimiter(limits, time_scale=TIME_SCALE)
    return client


def batches_spent(client: QuickBooks) -> QuickBooks:
    """The client, its minute's only batch used up: every write goes alone."""
    with client.limiter.slot(client.realm_id, batch=True):
        pass
    return client


def bills(qbo: QuickBooks, count: int) -> list[Op]:  # noqa: F811
    """Creates of ``count`` invoices of one customer, as the planner makes them."""
    customer = qbo.create("Customer", {"DisplayName": "Ana"})
    items = ensure_items(qbo, {"Service": "Services"})
    return [invoice_create({**BILL, "id": n, "number": f"S-{n}"}, customer["Id"], items) for n in range(1, count + 1)]


def requests(box: Sandbox) -> Counter[tuple[str, int]]:
    """QBO's count of POSTs since the last reset, by endpoint ("batch", "invoice") and status."""
    counted: Counter[tuple[str, int]] = Counter()
    for row in httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]:
        if row["method"] == "POST":
            counted[(row["endpoint"].rsplit("/", 1)[-1], row["status"])] += row["count"]
    return counted


def invoices(box: Sandbox) -> list[dict]:
    return box.qbo.store.snapshot(box.qbo_config.realm_id, "Invoice")


def test_a_backlog_past_the_batch_room_goes_out_in_batches_and_singles_each_bill_once(db, company, qbo) -> None:  # noqa: F811
    connection = Connection.create(name="Firm")
    ops = bills(qbo, 90)
    httpx.delete(f"{company.qbo_url}/_sandbox/stats").raise_for_status()

    done = write(connection, limited(qbo, Limits(batch_per_minute=1)), ops)

    assert done == [Done.CREATED] * 90
    sent = requests(company)
    assert sent[("batch", 200)] == 1 and sent[("invoice", 200)] == 60, "one batch of 30, the rest alone"
    assert not any(status == 429 for _, status in sent)
    notes = Counter(invoice["PrivateNote"] for invoice in invoices(company))
    assert len(notes) == 90 and set(notes.values()) == {1}, "one invoice per bill"
    links = Link.select().where(Link.connection == connection)
    assert {link.state for link in links} == {LinkState.SYNCED} and len(links) == 90


def test_a_small_sync_stays_all_batch(db, company, qbo) -> None:  # noqa: F811
    """Fewer writes than the minute's batches carry: no request is spent on one object."""
    connection = Connection.create(name="Firm")
    ops = bills(qbo, 40)
    httpx.delete(f"{company.qbo_url}/_sandbox/stats").raise_for_status()

    assert write(connection, limited(qbo, Limits()), ops) == [Done.CREATED] * 40

    sent = requests(company)
    assert sent[("batch", 200)] == 2 and sent[("invoice", 200)] == 0


def test_a_single_whose_answer_is_lost_stays_pending_and_the_next_cycle_adopts_it(db, company, qbo) -> None:  # noqa: F811
    """QBO applied the create and dropped the connection; the sender died before a retry."""
    connection = Connection.create(name="Firm", clio_account_id="5")  # the account its markers name
    [op] = bills(qbo, 1)
    dying = batches_spent(limited(qbo, Limits(batch_per_minute=1)))
    dying.http = fast_http(max_attempts=1)
    company.qbo.reconfigure(faults={"after_next": 1, "after_kinds": ["drop"]})
    with pytest.raises(Unavailable):
        write(connection, dying, [op])
    assert Link.get(Link.connection == connection).state == LinkState.PENDING
    assert requests(company)[("batch", 200)] == 0, "it went alone"

    assert recovery.resolve_pending(connection, qbo).adopted == {Kind.INVOICE: {op.clio_id}}

    [invoice] = invoices(company)
    link = Link.get(Link.connection == connection)
    assert (link.state, link.qbo_id) == (LinkState.SYNCED, invoice["Id"])


def test_a_single_refused_is_recorded_as_a_batch_item_would_be(db, company, qbo) -> None:  # noqa: F811
    """A taken invoice number (6140) fails the link with the same reason, sent alone."""
    connection = Connection.create(name="Firm")
    [op] = bills(qbo, 1)
    qbo.create("Invoice", {**op.body, "PrivateNote": "made by hand"})

    assert write(connection, batches_spent(limited(qbo, Limits(batch_per_minute=1))), [op]) == [Done.FAILED]

    link = Link.get(Link.connection == connection)
    assert (link.state, link.error_code) == (LinkState.FAILED, "6140")
    assert "Another QuickBooks invoice already has number S-1." in link.reason
    assert requests(company)[("batch", 200)] == 0, "it went alone"
