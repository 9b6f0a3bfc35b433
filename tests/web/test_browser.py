"""The panel in a real browser (Debian's Chromium through Playwright), served by waitress,
against the in-process daemon: what an admin does, step by step, with a screenshot of
each page in tests/screenshots/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, screenshot
from tests.web.layout import laid_out_well


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    screenshot(page, "b01-login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_creates_configures_revokes_and_purges_a_connection(web_app, serve, browser_page):
    page, base = browser_page, serve(web_app)
    log_in(page, base)
    expect(page.get_by_text("No connections yet.")).to_be_visible()
    screenshot(page, "b02-connections-empty")

    page.fill("#name", "Smith & Jones LLP")
    page.fill("#start_date", "2024-01-01")
    page.click("text=Create connection")
    expect(page.locator("h1")).to_contain_text("Smith & Jones LLP")
    expect(page.get_by_role("button", name="Connect Clio")).to_be_visible()
    expect(page.get_by_role("button", name="Connect QuickBooks Online")).to_be_visible()
    expect(page.get_by_text("Nothing synced yet.")).to_be_visible()
    # Never connected, it holds no access to give back and no link to forget: neither is offered.
    expect(page.locator("#stop-syncing")).to_have_count(0)
    laid_out_well(page)
    screenshot(page, "b03-bill-syncing-new")

    page.click("nav.tabs >> text=Settings")
    expect(page.locator("#start_date")).to_have_value("2024-01-01")
    # Items and the deposit account are chosen from QuickBooks' lists, which need QuickBooks.
    expect(page.locator("#lists-unread")).to_have_text("Connect QuickBooks to choose from its items and accounts.")
    expect(page.locator("#service_item option")).to_have_text(["Services (billsync makes it)"])
    expect(page.locator("#deposit_account_id option")).to_have_text(["Undeposited Funds (QuickBooks' default)"])
    page.fill("#time_zone", "Mars/Olympus_Mons")
    page.click("text=Save settings")
    expect(page.locator(".field.has-error")).to_contain_text("Time zone must be a name like Europe/London")
    laid_out_well(page)
    screenshot(page, "b04-settings-error")
    expect(page.locator("#tax_item")).to_have_value("Sales tax (Clio)")
    expect(page.locator("#clio-tax")).to_contain_text("reads this QuickBooks company's sales tax setting at the next")
    page.fill("#sync_interval_seconds", "600")
    page.fill("#time_zone", "")
    page.click("text=Save settings")
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.click("nav.tabs >> text=Settings")
    expect(page.locator("#sync_interval_seconds")).to_have_value("600")

    page.click("nav.tabs >> text=Activity")
    changed = page.locator("tbody tr").first
    expect(changed.locator("td")).to_have_text(
        [
            re.compile(r"^\d{4}-"),
            "alice",  # the person, not the token she acted through
            "Settings changed",
            "Sync every: 5 minutes → 10 minutes",
        ]
    )
    screenshot(page, "b05-activity")

    page.click("nav.tabs >> text=All items")
    expect(page.get_by_text("Nothing synced yet: items appear here after the first sync.")).to_be_visible()
    screenshot(page, "b06-items-empty")

    # The Revoke and Purge pages still explain and work when opened by their address.
    page.goto(page.url.replace("/links", "/revoke"))
    expect(
        page.get_by_text("Every link between Clio records and QuickBooks objects is kept", exact=False)
    ).to_be_visible()
    laid_out_well(page)
    screenshot(page, "b07-revoke-confirm")
    page.click("button:text('Revoke access')")
    expect(page.get_by_text("Access revoked and syncing stopped.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Access revoked")
    screenshot(page, "b08-revoked")

    expect(page.locator("#stop-syncing")).to_have_count(0)
    page.goto(page.url.rstrip("/") + "/purge")
    page.fill("#confirm", "Another firm")
    page.click("button:text('Revoke and Purge')")
    expect(page.locator(".field.has-error")).to_contain_text("type “Smith & Jones LLP” exactly")
    laid_out_well(page)
    screenshot(page, "b09-purge-refused")
    page.fill("#confirm", "Smith & Jones LLP")
    page.click("button:text('Revoke and Purge')")
    expect(page.get_by_text("billsync forgot the 0 items it had synced")).to_be_visible()
    expect(page.locator("#purged")).to_contain_text("billsync had synced nothing yet, so there was nothing to forget.")
    screenshot(page, "b10-purged")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
