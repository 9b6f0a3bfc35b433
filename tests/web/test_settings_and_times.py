"""Two things a bookkeeper reads on every visit, in a real browser on both emulators:
Action required as QuickBooks has it now (not as the last sync saw it), and times in the
firm's time zone, or in their browser's, the same on every page."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.rpc import glance
from billsync.daemon.rpc.client import DaemonClient
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.conftest import GlanceClock
from tests.harness import connect, sandbox_env, seed_firm, set_preferences, settle, stop_in_process, sync_after_changes
from tests.web.conftest import CHROMIUM_ARGS, PASSWORD, screenshot
from tests.web.layout import laid_out_well


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """Both emulators, a small firm in Clio, and QuickBooks' settings as a new company of the
    kind the test names (``indirect``; a US one by default) has them."""
    with Sandbox() as box:
        kind = getattr(request, "param", "us")
        httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"kind": kind}).raise_for_status()
        seed_firm(box, 3)
        set_preferences(box, CustomTxnNumbers=False, WarnDuplicateBillNumber=False, AutoApplyCredit=True)
        yield box


@pytest.fixture
def firm(config: Config, db, sandbox: Sandbox, clock: GlanceClock) -> Iterator[tuple[DaemonClient, pb.Connection]]:
    """A daemon on the emulators, QuickBooks' web pages at the emulator, and a connection
    synced once, which stopped at Action required."""
    env = {
        **sandbox_env(sandbox, config.database_url, str(config.data_dir), 1.0),
        "BILLSYNC_API_TOKEN": config.api_token,
        "BILLSYNC_SECRET_KEY": config.secret_key,
        "BILLSYNC_QBO_APP_URL": sandbox.qbo_url,
    }
    daemon = Daemon(Config.from_env(env))
    address = f"127.0.0.1:{daemon.start()}"
    with DaemonClient(address, token=config.api_token, actor="test") as client:
        connection = connect(client)
        settle(client, connection.id)
        yield client, connection
    stop_in_process(daemon, grace=0.5)


@pytest.fixture
def panel(firm, config: Config, tmp_path: Path, serve) -> str:
    """The standalone panel on that daemon, user alice; its base URL."""
    client, _ = firm
    web_dir = tmp_path / "web"
    UserStore(web_dir).set_password("alice", PASSWORD)
    app = create_app(
        web_dir,
        BILLSYNC_DAEMON_ADDRESS=client.address,
        BILLSYNC_API_TOKEN=config.api_token,
        BILLSYNC_SECURE_COOKIES=False,
    )
    return serve(app)


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header .who")).to_have_text("alice")


def preference_reads(box: Sandbox) -> int:
    """GETs of QBO's Preferences since the counts were last zeroed."""
    rows = httpx.get(f"{box.qbo_url}/_sandbox/stats").json()["requests"]
    return sum(r["count"] for r in rows if r["method"] == "GET" and r["endpoint"].endswith("/preferences"))


def test_action_required_shows_what_quickbooks_has_now_and_only_the_steps_left(
    firm, panel, sandbox, clock, browser_page
):
    client, connection = firm
    page, url = browser_page, f"{panel}/connections/{connection.id}"
    runs = client.status(connection.id).last_run.id
    log_in(page, panel)
    page.goto(url)
    banner = page.locator("#action-required")
    expect(banner).to_contain_text("Warn if duplicate bill number is used is off")
    expect(banner).to_contain_text("billsync cannot switch this one for you: QuickBooks lets apps read it but not")
    expect(banner.locator("ol li")).to_have_count(7)  # open the settings, then two steps per setting
    settings_link = page.get_by_role("link", name="Company Settings")
    expect(settings_link).to_have_attribute("href", f"{sandbox.qbo_url}/app/settings")
    screenshot(page, "t01-action-required-three-settings")

    # The admin does the one setting billsync cannot, in QuickBooks' Company Settings.
    page.goto(settings_link.get_attribute("href") or "")
    page.check("#warn_duplicate")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")

    httpx.delete(f"{sandbox.qbo_url}/_sandbox/stats").raise_for_status()
    clock.now += glance.MAX_AGE + 1
    page.goto(url)
    expect(banner).not_to_contain_text("Warn if duplicate bill number is used")
    expect(banner).to_contain_text("Custom transaction numbers is off")
    expect(banner.locator("ol li")).to_have_count(5)
    expect(banner.locator("ol")).not_to_contain_text("Miscellaneous")
    expect(page.locator("#checks-read")).to_contain_text("As QuickBooks had them at")
    assert preference_reads(sandbox) == 1
    screenshot(page, "t02-action-required-steps-left")

    clock.now += glance.MAX_AGE - 5  # reloaded within the cache age: QuickBooks is not asked again
    page.reload()
    expect(banner.locator("ol li")).to_have_count(5)
    assert preference_reads(sandbox) == 1
    assert client.status(connection.id).last_run.id == runs  # no sync did it
    page.goto(f"{url}/events")
    expect(page.locator("tbody tr").first).to_contain_text("QuickBooks settings changed")


def test_status_keeps_the_stored_checks_when_quickbooks_does_not_answer(firm, sandbox, clock):
    client, connection = firm
    read = client.status(connection.id)
    assert read.HasField("checks_read_at")
    set_preferences(sandbox, WarnDuplicateBillNumber=True)
    httpx.post(f"{sandbox.qbo_url}/_sandbox/tokens/expire", json={"refresh": True}).raise_for_status()
    clock.now += glance.MAX_AGE + 1
    status = client.status(connection.id)
    assert [c.ok for c in status.checks] == [c.ok for c in read.checks]
    assert status.checks_read_at == read.checks_read_at
    assert status.connection.state == pb.CONNECTION_STATE_CONNECTED


def local(ts, zone: zoneinfo.ZoneInfo) -> str:
    """What a person in ``zone`` reads for the moment ``ts``, minute and abbreviation."""
    return ts.ToDatetime(tzinfo=dt.timezone.utc).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def expect_times(page: Page, panel: str, client: DaemonClient, connection_id: int, shown) -> None:
    """The same moments read the same on the Bill Syncing, All items and Activity pages:
    ``shown(ts)`` is what a person should read for ``ts``."""
    status = client.status(connection_id)
    page.goto(f"{panel}/connections/{connection_id}")
    expect(page.locator("#last-run time")).to_have_text(shown(status.last_run.finished_at))
    link = client.list_links(connection_id, page_size=1).links[0]
    page.goto(f"{panel}/connections/{connection_id}/links")
    expect(page.locator("tbody tr").first.locator("time")).to_have_text(shown(link.updated_at))
    event = client.list_events(connection_id, page_size=1, newest_first=True).events[0]
    page.goto(f"{panel}/connections/{connection_id}/events")
    expect(page.locator("tbody tr").first.locator("time")).to_have_text(shown(event.at))


@pytest.mark.parametrize("zone", ["Europe/London", "America/Los_Angeles"])
def test_times_read_in_the_firms_time_zone_on_every_page(firm, panel, browser_page, zone):
    client, connection = firm
    page = browser_page
    log_in(page, panel)
    page.goto(f"{panel}/connections/{connection.id}/settings")
    page.fill("#time_zone", "Mars/Olympus_Mons")
    page.get_by_role("button", name="Save settings").click()
    # Spoken of by its label, as the page names the field: not "time_zone".
    expect(page.locator(".field.has-error")).to_contain_text(
        "Time zone must be a name like Europe/London or America/New_York, not 'Mars/Olympus_Mons'"
    )
    expect(page.locator(".field.has-error")).not_to_contain_text("time_zone")
    page.fill("#time_zone", zone)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect_times(page, panel, client, connection.id, lambda ts: local(ts, zoneinfo.ZoneInfo(zone)))
    screenshot(page, f"t03-times-{zone.replace('/', '-')}")


def test_without_a_firm_time_zone_times_read_in_the_browsers(firm, panel, chromium_path):
    client, connection = firm
    assert client.get_settings(connection.id).time_zone == ""
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(timezone_id="Asia/Tokyo", locale="en-US").new_page()
        log_in(page, panel)
        # Chromium names Tokyo's zone "GMT+9" in English; the minute is the browser's own.
        expect_times(
            page, panel, client, connection.id, lambda ts: re.compile("^" + local(ts, tokyo)[:16] + r" GMT\+9$")
        )
        screenshot(page, "t04-times-browser-zone")
        browser.close()


def test_items_and_the_deposit_account_are_chosen_from_quickbooks_lists(firm, panel, sandbox, browser_page):
    client, connection = firm
    realm = sandbox.qbo_config.realm_id
    httpx.post(
        f"{sandbox.qbo_url}/_sandbox/seed",
        json={"realm_id": realm, "objects": {"Item": [{"Name": "Legal fees", "IncomeAccountRef": {"value": "1"}}]}},
    ).raise_for_status()
    accounts = httpx.get(f"{sandbox.qbo_url}/_sandbox/objects/{realm}/Account").json()["Account"]
    deposits = sorted(a["Name"] for a in accounts if a["AccountType"] in ("Bank", "Other Current Asset"))
    page = browser_page
    log_in(page, panel)
    page.goto(f"{panel}/connections/{connection.id}/settings")

    expect(page.locator("#lists-unread")).to_have_count(0)
    # The sync stopped at Action required before making the items it maps: QuickBooks has only its own.
    expect(page.locator("#service_item option")).to_have_text(["Services (billsync makes it)", "Legal fees"])
    expect(page.locator("#service_item")).to_have_value("Services")
    expect(page.locator("#deposit_account_id option")).to_have_text(
        ["Undeposited Funds (QuickBooks' default)", *deposits]
    )
    expect(page.locator("#deposit_account_id option")).not_to_contain_text(["Services"])  # an Income account
    page.select_option("#service_item", "Legal fees")
    page.select_option("#deposit_account_id", label="Checking")
    page.check("#tax_as_line")
    screenshot(page, "t06-settings-from-quickbooks-lists")
    page.click("text=Save settings")
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    settings = client.get_settings(connection.id)
    checking = next(a["Id"] for a in accounts if a["Name"] == "Checking")
    assert (settings.item_mapping["Service"], settings.deposit_account_id) == ("Legal fees", checking)
    assert settings.tax_as_line
    page.goto(f"{panel}/connections/{connection.id}/settings")
    expect(page.locator("#deposit_account_id")).to_have_value(checking)
    expect(page.locator("#service_item")).to_have_value("Legal fees")
    page.goto(f"{panel}/connections/{connection.id}/events")
    expect(page.locator("tbody tr").first).to_contain_text(
        "Deposit new payments to: Undeposited Funds → Checking; Clio's tax as a line on the tax item: no → yes; "
        "QuickBooks item for Clio services: Services → Legal fees"
    )


@pytest.mark.parametrize("sandbox", ["ca"], indirect=True)
def test_a_canadian_company_maps_clios_taxes_to_its_tax_codes_in_the_settings(firm, panel, browser_page):
    client, connection = firm
    page = browser_page
    log_in(page, panel)
    page.goto(f"{panel}/connections/{connection.id}/settings")

    fieldset = page.locator("#tax-codes")
    expect(fieldset).to_contain_text("Invoices wait until untaxed lines and Clio's primary tax have a code")
    expect(page.locator("#tax_code_primary option")).to_contain_text(["Not mapped", "Exempt (no tax)", "HST ON (13 %)"])
    expect(page.locator("#tax_code_both option")).to_contain_text(["GST/QST QC - 9.975 (5 % + 9.975 %)"])
    page.select_option("#tax_code_none", label="Exempt (no tax)")
    page.select_option("#tax_code_primary", label="HST ON (13 %)")
    screenshot(page, "t07-settings-tax-codes", focus=fieldset)
    page.click("text=Save settings")
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    codes = {c.name: c.id for c in client.list_qbo_choices(connection.id).tax_codes}
    assert dict(client.get_settings(connection.id).tax_codes) == {"none": codes["Exempt"], "primary": codes["HST ON"]}
    page.goto(f"{panel}/connections/{connection.id}/settings")
    expect(page.locator("#tax_code_primary")).to_have_value(codes["HST ON"])
    expect(page.locator("#tax_code_secondary")).to_have_value("")
    page.goto(f"{panel}/connections/{connection.id}/events")
    expect(page.locator("tbody tr").first).to_contain_text(
        "QuickBooks tax code for untaxed lines: none → Exempt (no tax); "
        "QuickBooks tax code for lines with Clio's primary tax: none → HST ON (13 %)"
    )


def test_the_trust_accounts_are_chosen_each_among_the_accounts_of_its_type(firm, panel, sandbox, browser_page):
    client, connection = firm
    realm = sandbox.qbo_config.realm_id
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"realm_id": realm, "trust": True}).raise_for_status()
    accounts = httpx.get(f"{sandbox.qbo_url}/_sandbox/objects/{realm}/Account").json()["Account"]
    banks = sorted(a["Name"] for a in accounts if a["AccountType"] == "Bank")
    liabilities = sorted(a["Name"] for a in accounts if a["AccountType"] == "Other Current Liability")
    page = browser_page
    log_in(page, panel)
    page.goto(f"{panel}/connections/{connection.id}/settings")

    expect(page.locator("#trust_bank_account_id option")).to_have_text(["Not mapped", *banks])
    expect(page.locator("#trust_liability_account_id option")).to_have_text(["Not mapped", *liabilities])
    page.check("#trust_enabled")
    page.select_option("#trust_bank_account_id", label="Client Trust Account")
    page.select_option("#trust_liability_account_id", label="Client Trust Liability")
    page.fill("#trust_start_date", "2024-01-01")
    screenshot(page, "t15-settings-trust-accounts")
    page.click("text=Save settings")
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    settings = client.get_settings(connection.id)
    assert settings.trust_enabled and settings.trust_start_date == "2024-01-01"
    assert (settings.trust_bank_account_name, settings.trust_liability_account_name) == (
        "Client Trust Account",
        "Client Trust Liability",
    )
    page.goto(f"{panel}/connections/{connection.id}/events")
    expect(page.locator("tbody tr").first).to_contain_text(
        "Sync the trust account: no → yes; QuickBooks trust bank account: none → Client Trust Account"
    )


def test_the_trust_reconciliation_shows_a_journal_entry_edited_in_quickbooks_and_nothing_else(
    firm, panel, sandbox, browser_page
):
    client, connection = firm
    realm = sandbox.qbo_config.realm_id
    httpx.post(f"{sandbox.qbo_url}/_sandbox/seed", json={"realm_id": realm, "trust": True}).raise_for_status()
    accounts = {
        a["Name"]: a["Id"] for a in httpx.get(f"{sandbox.qbo_url}/_sandbox/objects/{realm}/Account").json()["Account"]
    }
    client.update_settings(
        connection.id,
        trust_enabled=True,
        trust_bank_account_id=accounts["Client Trust Account"],
        trust_liability_account_id=accounts["Client Trust Liability"],
    )
    sync_after_changes(client, connection.id)
    settle(client, connection.id)
    agreed = client.trust_reconciliation(connection.id)
    assert len(agreed.clients) >= 2 and agreed.differing == 0 and agreed.clio_total == agreed.qbo_total

    # A bookkeeper edits one journal entry in QuickBooks: both lines 25.00 more, still balanced.
    [entry, *_] = httpx.get(f"{sandbox.qbo_url}/_sandbox/objects/{realm}/JournalEntry").json()["JournalEntry"]
    lines = [{**line, "Amount": str(Decimal(str(line["Amount"])) + 25)} for line in entry["Line"]]
    httpx.post(f"{sandbox.qbo_url}/_sandbox/user/{realm}/JournalEntry/{entry['Id']}/edit", json={"Line": lines})
    [liability_line] = [
        line["JournalEntryLineDetail"]
        for line in entry["Line"]
        if line["JournalEntryLineDetail"]["AccountRef"]["value"] == accounts["Client Trust Liability"]
    ]
    expected = "-25.00" if liability_line["PostingType"] == "Credit" else "25.00"
    who = liability_line["Entity"]["EntityRef"]["name"]

    page = browser_page
    log_in(page, panel)
    page.goto(f"{panel}/connections/{connection.id}")
    page.click("nav.tabs >> text=Trust")
    expect(page.locator("#trust-summary")).to_have_text("1 client differs.")
    differs = page.locator("#trust-clients tbody tr.differs")
    expect(differs).to_have_count(1)
    expect(differs.locator("td")).to_have_text(
        [who, re.compile(r"^-?\d+\.\d\d$"), re.compile(r"^-?\d+\.\d\d$"), expected]
    )
    expect(page.locator("#trust-clients tbody tr")).to_have_count(len(agreed.clients))
    laid_out_well(page)
    screenshot(page, "t16-trust-reconciliation")
    page.check("input[name=only]")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#trust-clients tbody tr")).to_have_count(1)
