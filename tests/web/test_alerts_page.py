"""The Alerts section of a connection's Settings page, in a real browser: an admin adds a
webhook recipient with the conditions ticked, copies its secret, sends a test that the
receiver verifies, is told why an e-mail recipient cannot be added, and removes it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.inboxes import webhook_inbox  # noqa: F401 - a fixture
from tests.web.conftest import screenshot
from tests.web.layout import laid_out_well
from tests.web.test_browser import log_in


def test_an_admin_adds_tests_and_removes_an_alert_recipient(web_app, serve, browser_page, client, webhook_inbox):
    connection = client.create_connection("Smith & Jones LLP")
    page, base = browser_page, serve(web_app)
    log_in(page, base)
    page.goto(f"{base}/connections/{connection.id}/settings")
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text("Nobody is told yet.")

    page.fill("#target", webhook_inbox.url)
    alerts.get_by_label("Action required: a QuickBooks setting is off").check()
    alerts.get_by_label("Syncs keep failing").check()
    alerts.get_by_role("button", name="Add recipient").click()
    expect(page.get_by_text(f"Alerts for {webhook_inbox.url} saved.")).to_be_visible()
    shown = page.get_by_text("Signing secret of this webhook:")
    expect(shown).to_be_visible()
    secret = re.search(r"webhook: (\S+) —", shown.inner_text()).group(1)
    row = alerts.locator("tr", has_text=webhook_inbox.url)
    expect(row).to_contain_text("Action required: a QuickBooks setting is off; Syncs keep failing")
    laid_out_well(page)
    screenshot(page, "a01-alerts-added", focus=alerts)

    row.get_by_role("button", name="Send a test").click()
    expect(page.get_by_text("Test alert delivered.")).to_be_visible()
    delivered = webhook_inbox.next()
    assert delivered.signed_with(secret) and delivered.json()["topic"] == "test"
    page.reload()
    expect(page.get_by_text("Signing secret of this webhook:")).to_have_count(0)

    page.fill("#target", "books@firm.test")
    alerts.get_by_role("button", name="Add recipient").click()
    expect(page.get_by_text("set BILLSYNC_SMTP_HOST and BILLSYNC_SMTP_FROM")).to_be_visible()
    laid_out_well(page)
    screenshot(page, "a02-alerts-no-smtp")

    alerts.locator("tr", has_text=webhook_inbox.url).get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Alert recipient removed.")).to_be_visible()
    expect(page.locator("#alerts")).to_contain_text("Nobody is told yet.")
