"""The panel at a real firm's size, in a real browser: 5,000+ bills, 330 problems, 1,200
events, and a connection in every state. Every page of every list is opened, each count
is followed to its list, and every error page is looked at, asserting what a person reads.

The firm is built once for the module (tests/web/firm.py writes it into the daemon's
database); the tests only read it, so their order does not matter.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.store import fields, migrations
from billsync.daemon.store.db import open_database
from billsync.serving import BackgroundServer
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.conftest import BACKEND, fresh_postgres_database
from tests.web import firm
from tests.web.conftest import CHROMIUM_ARGS, PASSWORD, PATIENCE_MS, screenshot

#: Rows per page: big enough that walking 8,000 items stays quick, small enough to page.
PAGE_SIZE = 250


@dataclass(frozen=True)
class Site:
    url: str
    firm: firm.Firm

    def connection(self, connection_id: int, tail: str = "") -> str:
        return f"{self.url}/connections/{connection_id}{tail}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Site]:
    """The daemon on a database holding the firm, and the standalone panel serving it."""
    tmp = tmp_path_factory.mktemp("firm")
    if BACKEND == "postgresql":
        url = fresh_postgres_database(request.getfixturevalue("postgres_server"))
    else:
        url = f"sqlite:///{tmp / 'billsync.db'}"
    config = Config.from_env(
        {
            "BILLSYNC_ADDRESS": "127.0.0.1:0",
            "BILLSYNC_DATA_DIR": str(tmp / "data"),
            "BILLSYNC_DATABASE_URL": url,
            "BILLSYNC_API_TOKEN": secrets.token_urlsafe(16),
            "BILLSYNC_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    fields.set_secret_key(config.secret_key)
    migrations.migrate(open_database(url))
    daemon = Daemon(config)
    port = daemon.start()
    built = firm.build()
    UserStore(tmp / "web").set_password("alice", PASSWORD)
    app = create_app(
        tmp / "web",
        BILLSYNC_DAEMON_ADDRESS=f"127.0.0.1:{port}",
        BILLSYNC_API_TOKEN=config.api_token,
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_PAGE_SIZE=PAGE_SIZE,
    )
    server = BackgroundServer(app, threads=4, ident="billsync-firm").start()
    yield Site(server.url, built)
    server.stop()
    daemon.stop(grace=0.5)


@pytest.fixture(scope="module")
def logged_in(chromium_path: str, site: Site) -> Iterator[BrowserContext]:
    """One browser session, logged in once (a password hash costs seconds on a busy machine)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(PATIENCE_MS)
        expect.set_options(timeout=PATIENCE_MS)
        first = context.new_page()
        first.goto(site.url + "/login")
        first.fill("#username", "alice")
        first.fill("#password", PASSWORD)
        first.get_by_role("button", name="Log in").click()
        expect(first.locator("h1")).to_have_text("Connections")
        first.close()
        yield context
        browser.close()


@pytest.fixture
def page(logged_in: BrowserContext) -> Iterator[Page]:
    """A fresh tab of the logged-in session per test."""
    p = logged_in.new_page()
    yield p
    p.close()


def walk(page: Page, url: str, cells: str = "td.item") -> list[str]:
    """Opens ``url`` and every next page after it; returns the text of ``cells`` on all."""
    seen: list[str] = []
    page.goto(url)
    while True:
        expect(page.locator("main")).to_be_visible()
        seen.extend(page.locator(f"table tbody {cells}").all_inner_texts())
        following = page.get_by_role("link", name="Next page »")
        if not following.count():
            return seen
        page.goto(urljoin(page.url, following.get_attribute("href")))


def test_the_bill_syncing_page_says_what_happened_in_a_bookkeepers_words(site, page):
    page.goto(site.connection(site.firm.big))
    expect(page.locator("h1 .badge")).to_have_text("Connected")
    last_run = page.locator("#last-run")
    expect(last_run).to_contain_text("Finished")
    expect(last_run).to_contain_text("Created 4 customers. Updated 2 customers. 12 invoices failed.")
    expect(page.locator("#waiting")).to_contain_text("260 invoices waiting for the QuickBooks settings below")
    expect(page.locator("#waiting")).to_contain_text("40 payments waiting for their invoices")
    expect(page.locator("#action-required")).to_contain_text("Custom transaction numbers")
    header = page.locator("table.counts thead th")
    expect(header).to_have_text(
        ["", "In QuickBooks", "Being sent", "Waiting", "Failed", "Removed in QuickBooks", "Not synced", "Total"]
    )
    expect(page.locator("#problems h2")).to_have_text(f"Needs attention ({site.firm.problems})")
    expect(page.locator("#more-problems")).to_contain_text(f"Showing the first 20 of {site.firm.problems}.")
    expect(page.get_by_role("link", name="All 230 failed items")).to_be_visible()
    expect(page.get_by_role("link", name="All 100 items removed in QuickBooks")).to_be_visible()
    body = page.locator("main")
    for internal in ("run.succeeded", "credit_memo", "succeeded ·", "300/300", "intuit_tid"):
        expect(body).not_to_contain_text(internal, use_inner_text=True)

    refused = page.locator("#problems tbody tr").first
    expect(refused).to_contain_text("Another QuickBooks customer, vendor or employee already has this name.")
    raw = refused.locator("details .code")
    expect(raw).to_be_hidden()
    refused.get_by_text("Details").click()
    expect(raw).to_contain_text("QuickBooks error 6240")
    expect(raw).to_contain_text("intuit_tid")
    screenshot(page, "f01-big-firm")


def test_a_deleted_invoice_offers_re_sync_not_a_dead_quickbooks_link(site, page):
    page.goto(site.connection(site.firm.big, "/links?kind=invoice&state=broken"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(80)
    expect(rows.first.locator("td").nth(2)).to_have_text("Removed in QuickBooks")
    expect(rows.first.get_by_role("button", name="Re-sync")).to_be_visible()
    expect(page.get_by_role("link", name="Open in QuickBooks")).to_have_count(0)
    page.goto(site.connection(site.firm.big, "/links?kind=invoice&state=failed"))
    duplicate = page.locator("tbody tr").first
    expect(duplicate).to_contain_text("Another QuickBooks invoice already has number 10001.")
    expect(duplicate.get_by_role("link", name="Open in QuickBooks")).to_be_visible()
    # The invoice QuickBooks says has the number (its TxnId=1), as a link beside the sentence.
    holder = duplicate.get_by_role("link", name="Open the invoice that already has this number")
    expect(holder).to_have_attribute("href", re.compile(r"/app/invoice\?txnId=1$"))
    screenshot(page, "f02-failed-invoices")


def test_every_page_of_all_items_shows_every_item_once(site, page):
    items = walk(page, site.connection(site.firm.big, "/links"))
    assert len(items) == site.firm.links and len(set(items)) == len(items)
    screenshot(page, "f03-all-items-last-page")


def test_each_count_leads_to_its_filtered_list(site, page):
    page.goto(site.connection(site.firm.big))
    counts = page.locator("table.counts tbody a")
    targets = [(a.get_attribute("href"), int(a.inner_text().replace(",", ""))) for a in counts.all()]
    assert len(targets) == 15  # every cell not zero (11) and each kind's total (4)
    for href, number in targets:
        page.goto(site.url + href)
        rows = page.locator("tbody td.item")
        expect(rows).to_have_count(min(number, PAGE_SIZE))
        expect(page.get_by_role("link", name="Next page »")).to_have_count(1 if number > PAGE_SIZE else 0)
    # A filtered list of several pages, followed to its end: 260 invoices wait, no more, none twice.
    waiting = walk(page, site.connection(site.firm.big, "/links?kind=invoice&state=waiting"))
    assert len(waiting) == len(set(waiting)) == 260
    page.goto(site.connection(site.firm.big))
    page.get_by_role("link", name="All 230 failed items").click()
    expect(page.locator("select[name=state]")).to_have_value("failed")
    assert len(walk(page, page.url)) == 230
    screenshot(page, "f04-all-failed-items")


def test_items_are_found_by_client_name_or_bill_number(site, page):
    page.goto(site.connection(site.firm.big, "/links"))
    page.get_by_placeholder("Bill number or client name").fill("okonkwo")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("td.item")).to_have_text(
        [f"Customer {firm.SEARCHED_CLIENT}"] + [f"{b} ({firm.SEARCHED_CLIENT})" for b in firm.SEARCHED_BILLS]
    )
    page.locator("select[name=kind]").select_option(label="Invoices")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("td.item")).to_have_count(3)
    screenshot(page, "f05-search-client")
    page.get_by_placeholder("Bill number or client name").fill("10042")
    page.locator("select[name=kind]").select_option(label="Any")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("td.item")).to_have_text([re.compile(r"^Invoice 10042 \("), firm.payment_label(41)])
    page.get_by_placeholder("Bill number or client name").fill("no such client")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.empty")).to_have_text("No items match “no such client”.")


def test_the_activity_log_pages_and_filters_by_kind_and_date(site, page):
    events_url = site.connection(site.firm.big, "/events")
    whats = walk(page, events_url, "td:nth-child(3)")
    assert len(whats) == site.firm.events
    assert set(whats) == {
        "Sync finished",
        "Item failed",
        "Removed in QuickBooks",
        "Re-sync asked for",
        "Settings changed",
        "Connected",
        "Clio notifications on",
        "Sync stopped",
    }
    page.goto(events_url)
    page.locator("select[name=type]").select_option(label="Syncs")
    page.get_by_role("button", name="Show").click()
    assert set(walk(page, page.url, "td:nth-child(3)")) == {"Sync finished", "Sync stopped"}
    page.goto(events_url)
    page.locator("input[name=from]").fill("2026-01-10")
    page.locator("input[name=to]").fill("2026-01-10")
    page.locator("select[name=type]").select_option(label="Problems and re-syncs")
    page.get_by_role("button", name="Show").click()
    when = page.locator("tbody td:nth-child(1)")
    expect(when).to_have_count(15)  # 40 that day, three families in eight
    for text in when.all_inner_texts():
        assert text.startswith("2026-01-10 ")
    assert set(page.locator("tbody td:nth-child(2)").all_inner_texts()) == {"billsync", "alice"}, "the person"
    screenshot(page, "f06-activity-filtered")
    page.get_by_role("link", name="Show everything").click()
    expect(page.locator("tbody tr")).to_have_count(PAGE_SIZE)


@pytest.mark.parametrize(
    "state, sides, sees, lacks",
    [
        (
            "expired",
            ["Access to check", "Access to check"],
            [
                "Needs connecting",
                "QuickBooks access was revoked or expired",
                "Reconnect Clio",
                "Reconnect QuickBooks Online",
                "None until both Clio and QuickBooks are connected",
            ],
            ["Sync now", "Change it for me", "Due now"],
        ),
        ("syncing", ["Connected", "Connected"], ["Running", "120 / 480", "Sync now", "After this run"], ["Due now"]),
        (
            "revoked",
            ["Not connected", "Not connected"],
            [
                "Access revoked",
                "billsync keeps what it knows of the items it synced",
                "Revoke and Purge",
                "Connect Clio",
                "Re-sync is offered again",
            ],
            ["Sync now", "Re-sync all"],
        ),
        (
            "purged",
            ["Not connected", "Not connected"],
            ["Access revoked", "billsync forgot the 625 items it had synced"],
            ["Nothing synced yet.", "Stop syncing"],
        ),
        (
            "new",
            ["Not connected", "Not connected"],
            ["Needs connecting", "Connect QuickBooks Online"],
            ["Sync now", "Stop syncing"],
        ),
    ],
)
def test_each_state_of_a_connection_reads_true(site, page, state, sides, sees, lacks):
    page.goto(site.connection(getattr(site.firm, state)))
    expect(page.locator(".side .badge")).to_have_text(sides)
    main = page.locator("main")
    for text in sees:
        expect(main).to_contain_text(text)
    for text in lacks:
        expect(main).not_to_contain_text(text)
    if state in ("revoked", "purged"):
        expect(page.get_by_role("link", name="Revoke", exact=True)).to_have_count(0)
    screenshot(page, f"f07-{state}")


@pytest.mark.parametrize(
    "name, tail, status, says, back",
    [
        ("no-connection", "/connections/999", 404, "no such connection", "Back to the connections"),
        ("unknown-url", "/no/such/page", 404, "no such page", "Back to the connections"),
        ("bad-filter", "{c}/links?state=bogus", 400, "no state called 'bogus'", "Back to the connection"),
        ("tampered-page", "{c}/links?page=tampered", 400, "out of date", "Back to the connection"),
        ("bad-date", "{c}/events?from=yesterday", 400, "use a date like", "Back to the connection"),
        ("bad-activity", "{c}/events?type=secret", 400, "no kind of activity", "Back to the connection"),
    ],
)
def test_every_error_page_is_the_panels_own_with_a_way_back(site, page, name, tail, status, says, back):
    response = page.goto(site.url + tail.format(c=f"/connections/{site.firm.big}"))
    assert response is not None and response.status == status
    heading = "Not found" if status == 404 else "This page cannot be shown"
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#error-page")).to_contain_text(says)
    for internal in ("page_token", "Werkzeug", "Traceback", "BuildError"):
        expect(page.locator("body")).not_to_contain_text(internal)
    screenshot(page, f"f08-error-{name}")
    page.get_by_role("link", name=back).click()
    expect(page.locator("h1")).not_to_have_text(heading)
