"""The panel at a real firm's size, in a real browser: 5,000+ bills, 330 problems, 1,200
events, and a connection in every state. Every page of every list is opened at the
panel's own page size, every filter tried, each count followed to its list, every page of
every connection looked at, and every error page seen, asserting what a person reads and
that nothing on the page is laid out broken (tests/web/layout.py).

The firm is built once for the module (tests/web/firm.py writes it into the daemon's
database); the tests only read it, so their order does not matter.
"""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask, request
from flask_login import LoginManager, login_user
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.store import fields, migrations
from billsync.daemon.store.db import open_database
from billsync.serving import BackgroundServer
from billsync.webadmin import BillSyncAdmin, present
from billsync.webadmin.config import DEFAULTS
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.conftest import BACKEND, fresh_postgres_database
from tests.harness import PATIENCE, stop_in_process
from tests.web import firm
from tests.web.conftest import CHROMIUM_ARGS, PASSWORD, PATIENCE_MS, HostUser, screenshot
from tests.web.layout import laid_out_well

pytestmark = pytest.mark.database_under_test

#: Rows per page: the panel's own default, so the lists are walked as a firm pages them.
PAGE_SIZE = DEFAULTS["BILLSYNC_PAGE_SIZE"]
#: The firm's links as firm.py writes them, to count what each filter must find.
LINKS = firm.link_rows(0, None)


@dataclass(frozen=True)
class Site:
    url: str
    firm: firm.Firm
    daemon_address: str
    api_token: str
    web_dir: Path
    serve: Callable[[Flask], str]

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
    address = f"127.0.0.1:{daemon.start()}"
    built = firm.build()
    UserStore(tmp / "web").set_password("alice", PASSWORD)
    servers: list[BackgroundServer] = []

    def serve(app: Flask) -> str:
        servers.append(BackgroundServer(app, threads=4, ident="billsync-firm").start())
        return servers[-1].url

    # What these tests claim is what the pages show, not how fast: each RPC may take a hung
    # test's patience, not the panel's 10 s, which a deep page of this firm on PostgreSQL
    # outlasted once under a loaded run (load ~16 on two cores: a 503 from the panel).
    app = create_app(
        tmp / "web",
        BILLSYNC_DAEMON_ADDRESS=address,
        BILLSYNC_API_TOKEN=config.api_token,
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_RPC_TIMEOUT=PATIENCE,
    )
    yield Site(serve(app), built, address, config.api_token, tmp / "web", serve)
    for server in servers:
        server.stop()
    stop_in_process(daemon, grace=0.5)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PATIENCE_MS)
    expect.set_options(timeout=PATIENCE_MS)
    return context


@pytest.fixture(scope="module")
def logged_in(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """One browser session, logged in once (a password hash costs seconds on a busy machine)."""
    context = new_context(browser)
    first = context.new_page()
    first.goto(site.url + "/login")
    first.fill("#username", "alice")
    first.fill("#password", PASSWORD)
    first.get_by_role("button", name="Log in").click()
    expect(first.locator("h1")).to_have_text("Connections")
    first.close()
    yield context
    context.close()


@pytest.fixture
def page(logged_in: BrowserContext) -> Iterator[Page]:
    """A fresh tab of the logged-in session per test."""
    p = logged_in.new_page()
    yield p
    p.close()


#: Follows a list's "Next page »" links from ``start`` to its end, fetching each page as
#: the browser would and reading it: each row's cells, the next page's link, and whether a
#: link leads back to the first page. (Drawing 160 pages one by one would take minutes on
#: a busy machine; the first and the last page of each walk are drawn and looked at.)
FOLLOW = """async (start) => {
  const pages = [];
  for (let url = start; url; url = pages[pages.length - 1].next) {
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
    const doc = new DOMParser().parseFromString(await answer.text(), "text/html");
    const text = (el) => el.textContent.replace(/\\s+/g, " ").trim();
    const pager = [...doc.querySelectorAll("nav.pager a")];
    const next = pager.find((a) => text(a) === "Next page »");
    pages.push({
      url,
      rows: [...doc.querySelectorAll("main table tbody tr")].map((tr) => [...tr.cells].map(text)),
      next: next ? new URL(next.getAttribute("href"), url).href : null,
      first: pager.some((a) => text(a) === "« First page"),
    });
  }
  return pages;
}"""


def walk(page: Page, url: str) -> list[list[str]]:
    """Opens ``url`` and every next page after it, as a person following "Next page »";
    returns every row's cells, and leaves the last page drawn. Each page but the last is
    full, and each after the first leads back to it."""
    page.goto(url)
    laid_out_well(page)
    pages = page.evaluate(FOLLOW, page.url)
    for number, shown in enumerate(pages):
        assert shown["first"] == (number > 0), shown["url"]
        assert shown["next"] is None or len(shown["rows"]) == PAGE_SIZE, shown["url"]
    if len(pages) > 1:
        page.goto(pages[-1]["url"])
        laid_out_well(page)
    return [row for shown in pages for row in shown["rows"]]


def items(rows: list[list[str]]) -> list[str]:
    """The Item column, each item once (a walk that showed one twice fails here)."""
    names = [row[0] for row in rows]
    assert len(set(names)) == len(names), "an item shown twice"
    return names


def test_the_connections_page_lists_every_connection(site, page):
    page.goto(site.url + "/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.filter(has_text="Hartley & Finch LLP")).to_contain_text("Connected")
    expect(rows.filter(has_text="Half Connected LLP")).to_contain_text("Not connected")
    laid_out_well(page)
    screenshot(page, "f01-connections")


def test_the_favicon_is_served(site, page):
    page.goto(site.url + "/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_count(1)
    answer = page.request.get(page.evaluate("document.querySelector('link[rel=icon]').href"))
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")


def test_the_bill_syncing_page_says_what_happened_in_a_bookkeepers_words(site, page):
    page.goto(site.connection(site.firm.big))
    expect(page.locator("h1 .badge")).to_have_text("Connected")
    last_run = page.locator("#last-run")
    expect(last_run).to_contain_text("Finished")
    expect(last_run).to_contain_text("Created 4 customers. Updated 2 customers. 12 invoices failed.")
    expect(page.locator("#waiting")).to_contain_text("260 invoices waiting for the QuickBooks settings below")
    expect(page.locator("#waiting")).to_contain_text("40 payments waiting for their invoices")
    expect(page.locator("#action-required")).to_contain_text("Invoices are held until this is done")
    expect(page.locator("#action-required")).to_contain_text("Custom transaction numbers")
    header = page.locator("table.counts thead th")
    expect(header).to_have_text(
        ["", "In QuickBooks", "Being sent", "Waiting", "Failed", "Removed in QuickBooks", "Not synced", "Total"]
    )
    expect(page.locator("#problems h2")).to_have_text(f"Needs attention ({site.firm.problems})")
    expect(page.locator("#more-problems")).to_contain_text(f"Showing the first 20 of {site.firm.problems}.")
    expect(page.get_by_role("link", name="All 230 failed items")).to_be_visible()
    expect(page.get_by_role("link", name="All 100 items removed in QuickBooks")).to_be_visible()
    laid_out_well(page)
    screenshot(page, "f02-bill-syncing")

    refused = page.locator("#problems tbody tr").first
    expect(refused).to_contain_text("Another QuickBooks customer, vendor or employee already has this name.")
    raw = refused.locator("details .code")
    expect(raw).to_be_hidden()
    refused.get_by_text("Details").click()
    expect(raw).to_contain_text("QuickBooks error 6240")
    expect(raw).to_contain_text("intuit_tid")
    laid_out_well(page)
    screenshot(page, "f03-problems-details", focus=page.locator("#problems"))


def test_a_deleted_invoice_offers_re_sync_not_a_dead_quickbooks_link(site, page):
    page.goto(site.connection(site.firm.big, "/links?kind=invoice&state=broken"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(PAGE_SIZE)
    expect(rows.first.locator("td").nth(2)).to_have_text("Removed in QuickBooks")
    expect(rows.first.get_by_role("button", name="Re-sync")).to_be_visible()
    expect(page.get_by_role("link", name="Open in QuickBooks")).to_have_count(0)
    # A bill number full of hyphens stays whole on its line.
    number = rows.first.locator("td.item .keep").first
    expect(number).to_have_text(firm.LONG_NUMBER.format(n=200))
    laid_out_well(page)
    screenshot(page, "f06-items-removed-in-quickbooks")
    page.goto(site.connection(site.firm.big, "/links?kind=invoice&state=failed"))
    duplicate = page.locator("tbody tr").first
    expect(duplicate).to_contain_text("Another QuickBooks invoice already has number 10001.")
    expect(duplicate.get_by_role("link", name="Open in QuickBooks")).to_be_visible()
    # The invoice QuickBooks says has the number (its TxnId=1), as a link beside the sentence.
    holder = duplicate.get_by_role("link", name="Open the invoice that already has this number")
    expect(holder).to_have_attribute("href", re.compile(r"/app/invoice\?txnId=1$"))
    laid_out_well(page)
    # The longest words a row can hold, in its item and its reason, and still the row fits.
    page.goto(site.connection(site.firm.big, "/links?kind=invoice&state=failed&q=LITIGATION"))
    expect(page.locator("tbody tr")).to_have_count(20)
    expect(page.locator("tbody tr").first.locator("td.why .keep").first).to_have_text("'CLIO-2023-LITIGATION-000120'")
    laid_out_well(page)
    screenshot(page, "f07-items-failed")


def test_every_page_of_all_items_shows_every_item_once(site, page):
    url = site.connection(site.firm.big, "/links")
    page.goto(url)
    screenshot(page, "f04-items-first-page")
    assert len(items(walk(page, url))) == site.firm.links
    laid_out_well(page)
    screenshot(page, "f05-items-last-page", focus=page.locator("nav.pager"), block="end")
    credit = page.locator("td.item", has_text="Credit memo USD").last
    expect(credit.locator(".keep").first).to_have_text("USD 75.00")


def test_each_count_leads_to_its_filtered_list_and_every_page_of_it(site, page):
    page.goto(site.connection(site.firm.big))
    counts = page.locator("table.counts tbody a")
    targets = [(a.get_attribute("href"), int(a.inner_text().replace(",", ""))) for a in counts.all()]
    assert len(targets) == 15  # every cell not zero (11) and each kind's total (4)
    for href, number in targets:
        rows = walk(page, site.url + href)
        assert len(items(rows)) == number, href
        kind = page.locator("select[name=kind] option:checked").inner_text()
        state = page.locator("select[name=state] option:checked").inner_text()
        assert {row[1] + "s" for row in rows} == {kind}, href  # "Invoice" rows in "Invoices"
        assert state == "Any" or {row[2] for row in rows} == {state}, href
    page.goto(site.connection(site.firm.big))
    page.get_by_role("link", name="All 230 failed items").click()
    expect(page.locator("select[name=state]")).to_have_value("failed")
    assert len(items(walk(page, page.url))) == 230


@pytest.mark.parametrize(
    "field, value",
    [("state", w) for w in present.words(present.pb.LinkState)] + [("kind", w) for w in present.words(present.pb.Kind)],
)
def test_each_filter_of_all_items_pages_through_every_item_it_holds(site, page, field, value):
    page.goto(site.connection(site.firm.big, "/links"))
    page.locator(f"select[name={field}]").select_option(value)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(f"{field}={value}"))
    label = page.locator(f"select[name={field}] option:checked").inner_text()
    rows = walk(page, page.url)
    assert len(items(rows)) == sum(link[field] == value for link in LINKS)
    column = {row[2] for row in rows} if field == "state" else {row[1] + "s" for row in rows}
    assert column == ({label} if rows else set())
    if not rows:  # nothing is being sent at this moment
        expect(page.locator("p.empty")).to_have_text("No items match with these filters.")


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
    laid_out_well(page)
    screenshot(page, "f08-search-client")
    page.get_by_placeholder("Bill number or client name").fill("10042")
    page.locator("select[name=kind]").select_option(label="Any")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("td.item")).to_have_text([re.compile(r"^Invoice 10042 \("), firm.payment_label(41)])
    page.get_by_placeholder("Bill number or client name").fill("no such client")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.empty")).to_have_text("No items match “no such client”.")
    laid_out_well(page)
    screenshot(page, "f10-items-no-match")


def test_a_search_pages_on_and_narrows_with_a_state(site, page):
    page.goto(site.connection(site.firm.big, "/links?q=Bakery"))
    found = items(walk(page, page.url))
    assert sorted(found) == sorted(link["label"] for link in LINKS if "Bakery" in link["label"])
    assert len(found) > 2 * PAGE_SIZE
    page.goto(site.connection(site.firm.big, "/links"))
    page.get_by_placeholder("Bill number or client name").fill("Bakery")
    page.locator("select[name=state]").select_option(label="Failed")
    page.get_by_role("button", name="Show").click()
    rows = walk(page, page.url)
    failed = [link for link in LINKS if "Bakery" in link["label"] and link["state"] == "failed"]
    assert len(items(rows)) == len(failed) > PAGE_SIZE and {row[2] for row in rows} == {"Failed"}
    expect(page.get_by_placeholder("Bill number or client name")).to_have_value("Bakery")
    expect(page.locator("select[name=state]")).to_have_value("failed")
    screenshot(page, "f09-search-failed-second-page", focus=page.locator("nav.pager"), block="end")


EVENT_LABELS = {
    "run.": {"Sync finished", "Sync stopped"},
    "link.": {"Item failed", "Removed in QuickBooks", "Re-sync asked for"},
    "connection.": {"Connected"},
    "settings.": {"Settings changed"},
    "webhooks.": {"Clio notifications on"},
    "alerts.": set(),
}


def test_every_page_of_the_activity_log_shows_every_event_once(site, page):
    url = site.connection(site.firm.big, "/events")
    page.goto(url)
    screenshot(page, "f11-activity-first-page")
    rows = walk(page, url)
    assert len(rows) == site.firm.events
    assert {row[2] for row in rows} == set().union(*EVENT_LABELS.values())
    screenshot(page, "f12-activity-last-page", focus=page.locator("nav.pager"), block="end")


@pytest.mark.parametrize("family", list(present.EVENT_FAMILIES))
def test_each_kind_of_activity_pages_through_its_events(site, page, family):
    page.goto(site.connection(site.firm.big, "/events"))
    page.locator("select[name=type]").select_option(family)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile("type="))
    rows = walk(page, page.url)
    assert {row[2] for row in rows} == EVENT_LABELS[family]
    assert len(rows) == site.firm.events * len(EVENT_LABELS[family]) // 8  # eight kinds of event, as many of each
    if not rows:
        expect(page.locator("p.empty")).to_have_text("No activity matches these filters.")
        expect(page.get_by_role("link", name="Show everything")).to_be_visible()
        screenshot(page, "f14-activity-no-match")


@pytest.mark.parametrize(
    "since, until, days",
    [
        ("2026-01-29", "", ["2026-01-29", "2026-01-30"]),
        ("", "2026-01-02", ["2026-01-01", "2026-01-02"]),
        ("2026-01-10", "2026-01-10", ["2026-01-10"]),
        ("2026-01-12", "2026-01-11", []),
    ],
)
def test_the_activity_log_filters_by_dates(site, page, since, until, days):
    page.goto(site.connection(site.firm.big, "/events"))
    page.locator("input[name=from]").fill(since)
    page.locator("input[name=to]").fill(until)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"from="))
    rows = walk(page, page.url)
    assert sorted({row[0][:10] for row in rows}) == days
    assert len(rows) == firm.EVENTS_PER_DAY * len(days)
    if not days:
        expect(page.locator("p.empty")).to_have_text(
            "No activity matches these filters: the “To” date is before the “From” date."
        )
        screenshot(page, "f15-activity-to-before-from")


def test_the_activity_log_filters_by_kind_and_day_together(site, page):
    page.goto(site.connection(site.firm.big, "/events"))
    page.locator("input[name=from]").fill("2026-01-10")
    page.locator("input[name=to]").fill("2026-01-10")
    page.locator("select[name=type]").select_option(label="Problems and re-syncs")
    page.get_by_role("button", name="Show").click()
    when = page.locator("tbody td:nth-child(1)")
    expect(when).to_have_count(15)  # 40 that day, three kinds in eight
    for text in when.all_inner_texts():
        assert text.startswith("2026-01-10 ")
    assert set(page.locator("tbody td:nth-child(2)").all_inner_texts()) == {"billsync", "alice"}, "the person"
    laid_out_well(page)
    screenshot(page, "f13-activity-filtered")
    page.get_by_role("link", name="Show everything").click()
    expect(page.locator("tbody tr")).to_have_count(PAGE_SIZE)


def test_settings_revoke_and_purge_of_the_big_firm(site, page):
    page.goto(site.connection(site.firm.big, "/settings"))
    expect(page.locator("#sync_interval_seconds")).to_have_value("300")
    laid_out_well(page)
    screenshot(page, "f16-settings")
    alerts = page.locator("#alerts")
    expect(alerts.locator("tbody tr")).to_contain_text("books@hartley-finch.example")
    expect(alerts.locator("tbody tr")).to_contain_text("; a daily summary")
    screenshot(page, "f17-settings-alerts", focus=alerts)
    page.goto(site.connection(site.firm.big, "/revoke"))
    expect(page.get_by_role("button", name="Revoke access")).to_be_visible()
    laid_out_well(page)
    screenshot(page, "f18-revoke")
    page.goto(site.connection(site.firm.big, "/purge"))
    expect(page.locator("main")).to_contain_text("Type Hartley & Finch LLP exactly.")
    laid_out_well(page)
    screenshot(page, "f19-purge")


#: Per state: the connection, its badge, each side's badge, what the Bill Syncing page
#: says and must not say, the buttons it offers, and whether it offers Revoke and Purge.
STATES = {
    "held": (
        "big",
        "Connected",
        ["Connected", "Connected"],
        ["Invoices are held until this is done", "Change it for me"],
        ["Nothing is held"],
        {"Reconnect Clio", "Reconnect QuickBooks Online", "Change it for me", "Sync now", "Re-sync all", "Re-sync"},
        (True, True),
    ),
    "recommended": (
        "recommended",
        "Connected",
        ["Connected", "Connected"],
        ["Action required in QuickBooks", "Nothing is held", "Automatically apply credits", "Finished"],
        ["Invoices are held", "waiting for"],
        {"Reconnect Clio", "Reconnect QuickBooks Online", "Change it for me", "Sync now"},
        (True, True),
    ),
    "expired": (
        "expired",
        "Needs connecting",
        ["Access to check", "Access to check"],
        [
            "QuickBooks access was revoked or expired",
            "None until both Clio and QuickBooks are connected",
            "Needs attention (2)",
            "Re-sync is offered again once both Clio and QuickBooks are connected.",
            "In QuickBooks",
        ],
        ["Due now", "Nothing synced yet."],
        {"Reconnect Clio", "Reconnect QuickBooks Online"},
        (True, True),
    ),
    "half": (
        "half",
        "Needs connecting",
        ["Connected", "Not connected"],
        ["Connect both Clio and QuickBooks to sync.", "Nothing synced yet."],
        ["Due now"],
        {"Reconnect Clio", "Connect QuickBooks Online"},
        (True, True),
    ),
    "syncing": (
        "syncing",
        "Connected",
        ["Connected", "Connected"],
        ["Running", "120 / 480", "After this run", "In QuickBooks"],
        ["Due now", "Nothing synced yet."],
        {"Reconnect Clio", "Reconnect QuickBooks Online", "Sync now"},
        (True, True),
    ),
    "revoked": (
        "revoked",
        "Access revoked",
        ["Not connected", "Not connected"],
        [
            "billsync keeps what it knows of the items it synced",
            "Re-sync is offered again once both Clio and QuickBooks are connected.",
        ],
        ["Nothing synced yet."],
        {"Connect Clio", "Connect QuickBooks Online"},
        (False, True),
    ),
    "purged": (
        "purged",
        "Access revoked",
        ["Not connected", "Not connected"],
        ["Finished", "by alice: billsync forgot the 625 items it had synced"],
        ["Nothing synced yet."],
        {"Connect Clio", "Connect QuickBooks Online"},
        (False, False),
    ),
    "new": (
        "new",
        "Needs connecting",
        ["Not connected", "Not connected"],
        ["Nothing synced yet. Connect both Clio and QuickBooks Online above, then sync."],
        ["Stop syncing"],
        {"Connect Clio", "Connect QuickBooks Online"},
        (False, False),
    ),
}


@pytest.mark.parametrize("state", list(STATES))
def test_each_state_of_a_connection_reads_true(site, page, state):
    which, badge, sides, says, never, buttons, (revoke, purge) = STATES[state]
    page.goto(site.connection(getattr(site.firm, which)))
    expect(page.locator("h1 .badge")).to_have_text(badge)
    expect(page.locator(".side .badge")).to_have_text(sides)
    main = page.locator("main")
    for text in says:
        expect(main).to_contain_text(text)
    for text in never:
        expect(main).not_to_contain_text(text)
    offered = {name.strip() for name in main.locator("button").all_inner_texts()}
    assert offered == buttons
    expect(page.get_by_role("link", name="Revoke", exact=True)).to_have_count(int(revoke))
    expect(page.get_by_role("link", name="Revoke and Purge", exact=True)).to_have_count(int(purge))
    laid_out_well(page)
    if state != "held":  # f02-bill-syncing is its picture
        screenshot(page, f"f20-{state}")


PAGES = {"items": "/links", "activity": "/events", "settings": "/settings", "revoke": "/revoke", "purge": "/purge"}


@pytest.mark.parametrize("state", list(STATES))
def test_every_page_of_a_connection_in_each_state_is_drawn_whole(site, page, state):
    which, badge, *_ = STATES[state]
    connection_id = getattr(site.firm, which)
    for name, tail in PAGES.items():
        response = page.goto(site.connection(connection_id, tail))
        assert response is not None and response.status == 200, name
        expect(page.locator("h1 .badge")).to_have_text(badge)
        expect(page.locator("nav.tabs")).to_be_visible()
        laid_out_well(page)
        if state in ("expired", "revoked", "purged") and name in ("items", "activity"):
            screenshot(page, f"f21-{state}-{name}")
    if state == "purged":
        page.goto(site.connection(connection_id, "/links"))
        expect(page.locator("p.empty")).to_contain_text("billsync forgot the 625 items it had synced")


def test_a_login_refused_says_so(site, browser):
    context = new_context(browser)
    stranger = context.new_page()
    stranger.goto(site.url + "/login")
    stranger.fill("#username", "alice")
    stranger.fill("#password", "not the password")
    stranger.get_by_role("button", name="Log in").click()
    expect(stranger.locator(".banner.bad")).to_be_visible()
    laid_out_well(stranger)
    screenshot(stranger, "f22-login-refused")
    context.close()


CANNOT = "This page cannot be shown"


@pytest.mark.parametrize(
    "name, tail, status, heading, says, back",
    [
        ("no-connection", "/connections/999", 404, "Not found", "no such connection", "the connections"),
        ("unknown-url", "/no/such/page", 404, "Not found", "no such page", "the connections"),
        ("get-on-a-button", "{c}/sync", 405, "This page cannot be opened", "use the button", "the connections"),
        ("bad-filter", "{c}/links?state=bogus", 400, CANNOT, "no state called", "the connection"),
        ("tampered-page", "{c}/links?page=tampered", 400, CANNOT, "out of date", "the connection"),
        ("bad-date", "{c}/events?from=yesterday", 400, CANNOT, "use a date like", "the connection"),
        ("bad-activity", "{c}/events?type=secret", 400, CANNOT, "no kind of activity", "the connection"),
    ],
)
def test_every_error_page_is_the_panels_own_with_a_way_back(site, page, name, tail, status, heading, says, back):
    response = page.goto(site.url + tail.format(c=f"/connections/{site.firm.big}"))
    assert response is not None and response.status == status
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#error-page")).to_contain_text(says)
    laid_out_well(page)
    if name != "unknown-url":  # the same page as no-connection's, by design
        screenshot(page, f"f30-error-{status}-{name}")
    page.get_by_role("link", name=f"Back to {back}", exact=True).click()
    expect(page.locator("h1")).not_to_have_text(heading)


def error_page(page: Page, status: int, heading: str, says: str, shot: str) -> None:
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#error-page")).to_contain_text(says)
    laid_out_well(page)
    screenshot(page, f"f30-error-{status}-{shot}")


def test_an_expired_form_is_refused_with_a_way_back(site, page):
    page.goto(site.connection(site.firm.big))
    page.locator("#sync-status form input[name=csrf_token]").evaluate("e => e.value = 'expired'")
    with page.expect_response(lambda r: r.url.endswith("/sync")) as answer:
        page.get_by_role("button", name="Sync now").click()
    assert answer.value.status == 400
    error_page(page, 400, "This page cannot be shown", "This form expired", "expired-form")


def test_a_page_that_fails_inside_the_panel_is_a_500_with_a_way_back(site, page, monkeypatch):
    def broken(counts: object) -> list:
        raise RuntimeError("a fault in the panel")

    monkeypatch.setattr(present, "count_table", broken)
    response = page.goto(site.connection(site.firm.big))
    assert response is not None and response.status == 500
    error_page(page, 500, "Something went wrong", "billsync could not show this page.", "panel-fault")
    expect(page.locator("body")).not_to_contain_text("a fault in the panel")
    expect(page.get_by_role("link", name="Try again")).to_be_visible()


@pytest.mark.parametrize(
    "status, address, token, heading, says",
    [
        (502, None, "not-the-token", "This page cannot be shown", "set BILLSYNC_API_TOKEN to the daemon's token"),
        (503, "stopped", None, "The billsync daemon is unavailable", "The billsync daemon is not answering"),
    ],
)
def test_a_daemon_refusing_or_stopped_is_the_panels_own_page(site, page, status, address, token, heading, says):
    if address == "stopped":
        with socket.socket() as s:  # a port nothing listens on any more: a stopped daemon's
            s.bind(("127.0.0.1", 0))
            address = f"127.0.0.1:{s.getsockname()[1]}"
    panel = create_app(  # the same users and session key: this browser is logged in there too
        site.web_dir,
        BILLSYNC_DAEMON_ADDRESS=address or site.daemon_address,
        BILLSYNC_API_TOKEN=token or "any",
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_RPC_TIMEOUT=5,
    )
    response = page.goto(f"{site.serve(panel)}/connections/{site.firm.big}")
    assert response is not None and response.status == status
    error_page(page, status, heading, says, "daemon-refuses" if status == 502 else "daemon-stopped")
    expect(page.get_by_role("link", name="Try again")).to_be_visible()


def test_a_host_app_user_without_the_right_is_refused(site, browser):
    """A host app's user who administers nothing: the connections are not named to them,
    and creating one is refused on the panel's own page."""
    users = {"bob": HostUser("bob", "bob@firm.example", ())}
    host = Flask("host")
    host.config.update(
        SECRET_KEY="host-secret",
        BILLSYNC_DAEMON_ADDRESS=site.daemon_address,
        BILLSYNC_API_TOKEN=site.api_token,
        BILLSYNC_URL_PREFIX="/admin/billing",
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_CAN_ADMINISTER=lambda user, cid: user.may_create if cid is None else cid in user.connections,
    )
    LoginManager(host).user_loader(users.get)
    host.add_url_rule("/test-login", "test_login", lambda: str(login_user(users[request.args["user"]])))
    BillSyncAdmin(host)
    base = site.serve(host)
    context = new_context(browser)  # the host's session cookie must not replace alice's
    bob = context.new_page()
    bob.goto(f"{base}/test-login?user=bob")
    response = bob.goto(f"{base}/admin/billing/connections/{site.firm.big}")
    assert response is not None and response.status == 404
    with bob.expect_response(lambda r: r.request.method == "POST") as answer:
        bob.evaluate(
            """url => { const f = document.createElement("form"); f.method = "post"; f.action = url;
                        document.body.append(f); f.submit(); }""",
            f"{base}/admin/billing/connections",
        )
    assert answer.value.status == 403
    error_page(bob, 403, "Not allowed", "Ask an administrator for access.", "not-allowed")
    context.close()
