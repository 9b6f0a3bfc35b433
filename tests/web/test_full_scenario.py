"""The whole Bill Syncing story in a real browser, on the Clio and QBO emulators:
connect both sides through their consent pages, see Action required, turn it on, sync
and watch progress, delete an invoice in QBO, see it broken, re-sync it, revoke,
reconnect, purge.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store.models import Link
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests.harness import add_bill, caught, hold_batches, stop_in_process, wait_until
from tests.web.conftest import open_panel, screenshot
from tests.web.layout import laid_out_well


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """Both emulators, with a small demo firm in Clio and QuickBooks' two settings off.
    Clio answers 600 requests a minute: at its real 50 the story's ten runs would wait on
    Clio's limit."""
    with Sandbox(clio_config=ClioConfig(rate_limit_per_minute=600)) as s:
        httpx.post(f"{s.clio_url}/_sandbox/seed", json={"bills": 10, "seed": 1}).raise_for_status()
        httpx.post(
            f"{s.qbo_url}/_sandbox/user/{s.qbo_config.realm_id}/preferences",
            json={"CustomTxnNumbers": False, "WarnDuplicateBillNumber": False},
        ).raise_for_status()
        yield s


@pytest.fixture
def stack(config: Config, db, sandbox: Sandbox, tmp_path) -> Iterator[tuple[str, DaemonClient]]:
    """A daemon pointed at the emulators, and a client of it."""
    env = {
        "BILLSYNC_ADDRESS": "127.0.0.1:0",
        "BILLSYNC_DATA_DIR": str(config.data_dir),
        "BILLSYNC_DATABASE_URL": config.database_url,
        "BILLSYNC_API_TOKEN": config.api_token,
        "BILLSYNC_SECRET_KEY": config.secret_key,
        "BILLSYNC_CLIO_URL": sandbox.clio_url,
        "BILLSYNC_CLIO_CLIENT_ID": sandbox.clio_config.client_id,
        "BILLSYNC_CLIO_CLIENT_SECRET": sandbox.clio_config.client_secret,
        "BILLSYNC_QBO_API_URL": sandbox.qbo_url,
        "BILLSYNC_QBO_OAUTH_URL": sandbox.qbo_url,
        "BILLSYNC_QBO_CLIENT_ID": DEFAULT_CLIENT_ID,
        "BILLSYNC_QBO_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "BILLSYNC_REDIRECT_URIS": ",".join(config.redirect_uris),
    }
    d = Daemon(Config.from_env(env))
    address = f"127.0.0.1:{d.start()}"
    with DaemonClient(address, token=config.api_token, actor="test") as client:
        yield address, client
    stop_in_process(d, grace=0.5)


def connect(page: Page, label: str, shot: str | None = None) -> None:
    """Connect one side: our button, the emulator's consent page, back to ours."""
    page.get_by_role("button", name=re.compile(f"^(Connect|Reconnect) {label}$")).click()
    expect(page.locator("button[name=decision][value=approve]")).to_be_visible()
    if shot:
        screenshot(page, shot)
    page.locator("button[name=decision][value=approve]").click()
    expect(page.locator(".banner.good")).to_contain_text(f"Connected to {label}")


def sync_and_wait(page: Page) -> None:
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_have_attribute("data-running", "false", timeout=120_000)
    expect(page.locator("#last-run")).to_contain_text("Finished")


def watch_a_run(page: Page, sandbox: Sandbox, shot: str) -> None:
    """Sync now, with QuickBooks holding the run's first batch: the page shows the run going
    (its progress, and no "Due now" beside it) for as long as the batch is held; then it ends."""
    hold_batches(sandbox, True)
    try:
        page.get_by_role("button", name="Sync now").click()
        wait_until(lambda: caught(sandbox), "the sync's batch held in QuickBooks")
        expect(page.locator("#live .badge")).to_have_text("Running")
        expect(page.locator("#live .progress").first).to_be_visible()
        expect(page.locator("#next-run")).to_have_text("After this run")
        screenshot(page, shot, focus=page.locator("#sync-status"))
    finally:
        hold_batches(sandbox, False)
    expect(page.locator("#sync-status")).to_have_attribute("data-running", "false", timeout=120_000)
    expect(page.locator("#last-run")).to_contain_text("Finished")


def test_connect_fix_sync_break_resync_revoke_reconnect_purge(stack, config, sandbox, tmp_path, serve, browser_page):
    address, client = stack
    stack_token = config.api_token
    page = browser_page
    open_panel(page, serve, tmp_path / "web", address, stack_token)
    page.fill("#name", "Sandbox Law LLP")
    page.click("text=Create connection")

    connect(page, "Clio", "s01-clio-consent")
    connect(page, "QuickBooks Online", "s02-qbo-consent")
    expect(page.locator("h1 .badge")).to_have_text("Connected")

    banner = page.locator("#action-required")
    expect(banner).to_contain_text("Custom Transaction numbers")
    screenshot(page, "s03-action-required", focus=banner)
    fixes = page.get_by_role("button", name="Change it for me")
    # The two settings the API can switch: counted by waiting, not at an instant when the
    # page may be reloading for the end of the run that connecting started.
    expect(fixes).to_have_count(2)
    for left in (2, 1):
        fixes.first.click()
        expect(fixes).to_have_count(left - 1)  # the page came back from this very click
        expect(page.locator(".banner.good")).to_contain_text("now set in QuickBooks")
    # What the API cannot change, the admin changes by hand in QuickBooks' Company Settings (the steps listed).
    panel = page.url
    page.goto(f"{sandbox.qbo_url}/app/settings")
    page.check("#warn_duplicate")
    page.click("text=Save")
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    screenshot(page, "s04-qbo-company-settings")
    page.goto(panel)

    watch_a_run(page, sandbox, "s05-sync-running")
    expect(banner).to_have_count(0)
    expect(page.locator("table.counts")).to_contain_text("Invoices")
    expect(page.locator("#qbo-currency")).to_have_text("Books in USD; multicurrency off")
    laid_out_well(page)
    screenshot(page, "s06-synced", focus=page.locator("#sync-status"))

    connection_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    invoice = client.list_links(connection_id, kind=pb.KIND_INVOICE, state=pb.LINK_STATE_SYNCED, page_size=1).links[0]
    httpx.post(
        f"{sandbox.qbo_url}/_sandbox/user/{sandbox.qbo_config.realm_id}/Invoice/{invoice.qbo_id}/delete"
    ).raise_for_status()
    sync_and_wait(page)
    row = page.locator("#problems tr", has_text=invoice.label or invoice.clio_id)
    expect(row).to_contain_text("Removed in QuickBooks")
    expect(row.get_by_role("link", name="Open in QuickBooks")).to_have_count(0)
    laid_out_well(page)
    screenshot(page, "s07-broken", focus=page.locator("#problems"))

    row.get_by_role("button", name="Re-sync").click()
    # The click is answered at once; the page follows the run it asked for, and draws itself
    # anew once that run has ended, the message kept.
    expect(page.locator(".banner.good")).to_contain_text(f"Re-sync started for {invoice.label or invoice.clio_id}")
    expect(page.locator("#problems tr", has_text=invoice.label or invoice.clio_id)).to_have_count(0)
    expect(page.locator(".banner.good")).to_contain_text(f"Re-sync started for {invoice.label or invoice.clio_id}")
    screenshot(page, "s08-resynced")

    # What the panel says of a click outlives the reload that follows the run's end: a sync
    # started while QuickBooks holds its batch still says "Sync started." once it finished.
    contact = client.list_links(connection_id, kind=pb.KIND_CONTACT, state=pb.LINK_STATE_SYNCED, page_size=1).links[0]
    add_bill(sandbox, contact.clio_id, "HELD-1")
    hold_batches(sandbox, True)
    try:
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#sync-status")).to_have_attribute("data-running", "true")
        wait_until(lambda: caught(sandbox), "the sync's batch held in QuickBooks")
    finally:
        hold_batches(sandbox, False)
    expect(page.locator("#sync-status")).to_have_attribute("data-running", "false", timeout=120_000)
    expect(page.locator("#last-run")).to_contain_text("Finished")
    expect(page.locator(".banner.good")).to_have_text("Sync started.")

    # Two bills with one number: QuickBooks takes the first and refuses the second, at the
    # sync and again at its re-sync. Its row says when it last failed, and since when it fails.
    for _ in range(2):
        add_bill(sandbox, contact.clio_id, "TWICE-1")
    sync_and_wait(page)
    row = page.locator("#problems tr", has_text="TWICE-1")
    expect(row).to_contain_text("Failed")
    expect(row).not_to_contain_text("Failing since")
    # The first failure was yesterday (times are shown to the minute, and the test runs in one).
    first = Link.get(Link.label.contains("TWICE-1"), Link.state == "failed")
    yesterday = first.failing_since - dt.timedelta(days=1)
    Link.update(failing_since=yesterday, updated_at=yesterday).where(Link.id == first.id).execute()
    row.get_by_role("button", name="Re-sync").click()
    expect(page.locator(".banner.good")).to_contain_text("Re-sync started for")
    # Once its run has ended, the row says it failed again, and since when it fails.
    expect(row.locator(".since")).to_contain_text("Failing since")
    expect(page.locator("#last-run")).to_contain_text("1 invoice failed")
    [failed] = [p for p in client.status(connection_id).problems if "TWICE-1" in p.label]
    assert failed.failing_since.ToDatetime() == yesterday < failed.updated_at.ToDatetime()
    since = yesterday.isoformat()  # drawn in the browser's zone: compare the moment
    expect(row.locator(".since time")).to_have_attribute("datetime", re.compile("^" + re.escape(since)))
    screenshot(page, "s09-failing-since", focus=page.locator("#problems"))

    page.click("a:text-is('Revoke')")
    page.click("button:text('Revoke access')")
    expect(page.locator("h1 .badge")).to_have_text("Access revoked")
    connect(page, "Clio")
    connect(page, "QuickBooks Online")
    expect(page.locator("h1 .badge")).to_have_text("Connected")
    # Connecting started a run; the page draws itself anew when it ends: wait for that, so
    # the next click does not land on a page being replaced.
    expect(page.locator("#sync-status")).to_have_attribute("data-running", "false", timeout=120_000)
    screenshot(page, "s10-reconnected")

    page.click("text=Revoke and Purge")
    page.fill("#confirm", client.status(connection_id).connection.qbo_company_name)
    page.click("button:text('Revoke and Purge')")
    expect(page.locator(".banner.good")).to_contain_text("billsync forgot the")
    # What the purge left is said, not "nothing synced yet" under the run that synced it all.
    expect(page.locator("#purged")).to_contain_text(re.compile(r"by alice.*: billsync forgot the \d+ items"))
    expect(page.get_by_text("Nothing synced yet.")).to_have_count(0)
    screenshot(page, "s11-purged")
