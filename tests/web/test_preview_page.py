"""See before you sync, in a real browser (issue 19): a held connection to a QuickBooks
company that already holds some of the firm's customers and invoices, its preview read in
the panel, three matches decided there, then the first sync started from the page and its
outcome checked in the QuickBooks emulator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from billsync.daemon.config import Config
from billsync.daemon.process import Daemon
from billsync.daemon.store.models import Link
from billsync.daemon.sync import mapping
from billsync.sandbox.server import Sandbox
from tests import harness
from tests.books import Books, seed_books
from tests.e2e.conftest import sandbox  # noqa: F401 - a fixture
from tests.harness import qbo_objects
from tests.web.conftest import open_panel, post_form, screenshot
from tests.web.layout import laid_out_well
from tests.web.test_full_scenario import connect

#: A few hundred bills: enough to page the preview's look-ups, quick to sync.
BILLS = 300
#: The emulators' limits run this much faster (a "minute" lasts a second), the daemon's pacing alike.
TIME_SCALE = 60.0


@pytest.fixture
def books(sandbox: Sandbox) -> Books:
    """The demo firm in Clio; in QuickBooks, with the settings billsync needs, two customers of
    the names and e-mails of two clients, two of the names of two others with another e-mail,
    and three invoices typed in QuickBooks under the numbers of three bills (the first of the
    bill's total, the others not)."""
    harness.make_ready(sandbox)
    return seed_books(sandbox, BILLS, matched=2, renamed=2, taken=3, from_bill=20)


@pytest.fixture
def stack(sandbox: Sandbox, database_url: str, db, tmp_path) -> Iterator[tuple[str, Config]]:
    """A daemon pointed at the emulators, which lets the panel served on any local port be
    the OAuth callback."""
    env = harness.sandbox_env(sandbox, database_url, str(tmp_path / "data"), TIME_SCALE)
    config = Config.from_env({**env, "BILLSYNC_REDIRECT_URIS": "http://127.0.0.1:*/*"})
    d = Daemon(config)
    address = f"127.0.0.1:{d.start()}"
    yield address, config
    harness.stop_in_process(d, grace=1.0)


def settle(page: Page, kind: str, clio_id: str):
    """The record's entry in the preview's list of what to settle or check."""
    return page.locator(f"article.settle#{kind}-{clio_id}")


def test_a_bookkeeper_previews_the_first_sync_decides_three_matches_and_starts_it(
    books, stack, sandbox, tmp_path, serve, browser_page
):
    address, config = stack
    page = browser_page
    app = open_panel(page, serve, tmp_path / "web", address, config.api_token)
    page.fill("#name", "Sandbox Law LLP")
    page.check("#hold_first_sync")
    page.click("text=Create connection")
    held = page.locator("#held")
    expect(held).to_contain_text("The first sync waits for you")
    expect(held).to_contain_text("Connect both Clio and QuickBooks Online below")

    connect(page, "Clio")
    connect(page, "QuickBooks Online")
    expect(page.locator("h1 .badge")).to_have_text("Connected")
    expect(held).to_contain_text("Preview it first")
    expect(held.get_by_role("button", name="Start sync")).to_be_visible()
    expect(page.get_by_role("button", name="Sync now")).to_have_count(0)
    expect(page.locator("#last-run")).to_have_text("Never")  # held: connecting started no run
    laid_out_well(page)
    screenshot(page, "v01-held", focus=held)
    connection_id = int(re.search(r"/connections/(\d+)", page.url).group(1))

    held.get_by_role("link", name="Preview the sync").click()
    expect(page.locator("#preview-head h2")).to_have_text("Preview of the first sync")
    summary = page.locator("#preview-summary")
    expect(summary).to_contain_text(re.compile(r"Customers\s*\d+ to create"))
    expect(summary).to_contain_text("to link to what QuickBooks has (by name and e-mail)")
    expect(summary).to_contain_text("refused (number taken by another invoice)")
    expect(page.locator("#items-to-create")).to_contain_text("Services")
    expect(page.locator("#preview-months tbody tr").first).to_be_visible()
    [(named_alike, other_person), *_] = books.renamed.items()  # a customer of its name, another e-mail
    [(linked_bill, foreign_invoice), (skipped_bill, skipped_holder), *_] = books.taken.items()  # of its total, not
    contact = settle(page, "contact", named_alike)
    expect(contact).to_contain_text("Conflict")
    expect(contact).to_contain_text("under another name: theirs is taken")
    expect(settle(page, "invoice", linked_bill)).to_contain_text("or renumber it in Clio first")
    laid_out_well(page)
    screenshot(page, "v02-preview", focus=summary)
    screenshot(page, "v03-preview-conflicts", focus=page.locator("#preview-settle"))

    # 1. The contact whose name a customer with another e-mail has: that customer is theirs.
    name = books.contact(named_alike)["name"]
    contact.get_by_role("searchbox").fill(name[1:-1])
    contact.get_by_role("button", name="Find").click()
    expect(page.locator("#find-customer h2")).to_have_text(f"Link {name} to a QuickBooks customer")
    found = page.locator("#customers-found li", has_text="someone.else@example.org")
    expect(found).to_have_count(1)
    laid_out_well(page)
    screenshot(page, "v04-find-customer")
    page.check(f"#customer-{other_person}")
    page.get_by_role("button", name="Link to this customer").click()
    expect(page.locator(".banner.good")).to_contain_text(f"Decided for {name}: link it to QuickBooks customer")
    expect(contact).to_contain_text("Decided by alice")
    expect(contact).to_contain_text(f"link it to QuickBooks customer Id {other_person}")
    expect(contact).to_contain_text("to link to what QuickBooks has (as decided)", ignore_case=True)

    # 2. The bill whose number an invoice of the same total holds: that invoice is the bill's.
    bill = settle(page, "invoice", linked_bill)
    bill.get_by_role("button", name="Link to the existing invoice").click()
    expect(page.locator(".banner.good")).to_contain_text("link it to QuickBooks invoice")
    expect(bill).to_contain_text(f"link it to QuickBooks invoice Id {foreign_invoice}")
    expect(bill).to_contain_text("to link to what QuickBooks has (as decided)", ignore_case=True)

    # 3. Another bill whose number is taken: never synced.
    other_bill = settle(page, "invoice", skipped_bill)
    expect(other_bill).to_contain_text("Conflict")
    other_bill.get_by_role("button", name="Skip").click()
    expect(page.locator(".banner.good")).to_contain_text("never sync it")
    expect(other_bill).to_contain_text("Decided by alice")
    # Until the bill is written, a decision can be withdrawn, and made again.
    other_bill.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".banner.good")).to_contain_text("Decision withdrawn: the sync decides how")
    expect(other_bill).to_contain_text("Conflict")
    expect(other_bill).not_to_contain_text("Decided by")
    other_bill.get_by_role("button", name="Skip").click()
    expect(other_bill).to_contain_text("Decided by alice")
    expect(other_bill).to_contain_text("not to sync (as decided)", ignore_case=True)

    for decided in (contact, bill, other_bill):
        expect(decided.get_by_role("button", name="Withdraw")).to_be_visible()
    laid_out_well(page)
    screenshot(page, "v05-decided", focus=page.locator("#preview-settle"))
    # However long the list, what was decided comes first, and what is left out is counted.
    app.config["BILLSYNC_PREVIEW_ITEMS"] = 3
    page.reload()
    expect(page.locator("article.settle")).to_have_count(3)
    expect(page.locator("article.settle .badge")).to_have_text(["Decided"] * 3)
    expect(page.locator("#more-to-settle")).to_contain_text(re.compile(r"Showing the first 3 of \d+"))
    app.config["BILLSYNC_PREVIEW_ITEMS"] = 200

    page.get_by_role("button", name="Start sync").click()
    expect(page.locator(".banner.good")).to_contain_text("Sync started")
    expect(page.locator("#last-run")).to_contain_text("Finished")
    expect(page.locator("#sync-status")).to_have_attribute("data-running", "false")
    expect(page.locator("#held")).to_have_count(0)
    laid_out_well(page)
    screenshot(page, "v06-synced", focus=page.locator("#sync-status"))

    links = {(link.kind, link.clio_id): link for link in Link.select().where(Link.connection == connection_id)}
    customers = qbo_objects(sandbox, "Customer")
    assert links["contact", named_alike].qbo_id == other_person, "linked to the customer chosen"
    assert [c["Id"] for c in customers if c["DisplayName"] in (name, mapping.disambiguated(name, named_alike))] == [
        other_person
    ], "no second customer made for the contact"
    invoices = qbo_objects(sandbox, "Invoice")
    number = books.bill(linked_bill)["number"]
    assert links["invoice", linked_bill].qbo_id == foreign_invoice
    assert [i["Id"] for i in invoices if i.get("DocNumber") == number] == [foreign_invoice], "no second invoice"
    number = books.bill(skipped_bill)["number"]
    assert links["invoice", skipped_bill].state == "skipped" and not links["invoice", skipped_bill].qbo_id
    assert [i["Id"] for i in invoices if i.get("DocNumber") == number] == [skipped_holder], "the skipped bill: none"


def test_a_decision_the_daemon_refuses_is_said_on_the_preview(web, client):
    connection = client.create_connection("Smith & Jones LLP", hold_first_sync=True)
    preview = f"/connections/{connection.id}/preview"
    page = web.get(preview).get_data(as_text=True)
    assert "Connect both Clio and QuickBooks Online" in page and "Preview of the first sync" in page
    r = post_form(web, preview, preview + "/decide", kind="contact", clio_id="17", choice="create", label="Ann Alder")
    assert r.status_code == 302 and r.location.endswith(f"{preview}#contact-17")
    page = web.get(preview).get_data(as_text=True)
    assert 'class="banner bad"' in page and "Not decided for Ann Alder:" in page
    assert client.list_events(connection.id, type_prefix="link.decided").events == []
    for bad in ({"kind": "payment"}, {"choice": "maybe"}, {"qbo_id": "x1"}):
        data = {"kind": "contact", "clio_id": "17", "choice": "match", "qbo_id": "5", **bad}
        assert post_form(web, preview, preview + "/decide", **data).status_code == 400, bad
