"""The panel's security as a real browser (Debian's Chromium) enforces it: another site
cannot frame it, its Content-Security-Policy blocks nothing the panel itself needs, and a
user named with accents opens every page."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect

from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.web.conftest import PASSWORD


def log_in(page: Page, base: str, name: str = "alice") -> None:
    page.goto(base + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".who")).to_have_text(name)


def test_another_site_cannot_frame_revoke_or_purge(web_app, serve, browser_page, client):
    page, panel = browser_page, serve(web_app)
    connection = client.create_connection("Smith & Jones LLP")
    log_in(page, panel)
    revoke, purge = (f"{panel}/connections/{connection.id}/{action}" for action in ("revoke", "purge"))
    page.goto(revoke)
    expect(page.get_by_role("button", name="Revoke access")).to_be_visible()  # the page itself works

    # Another origin (another port) on the same site, so the browser sends the session cookie along.
    evil = Flask("evil")
    evil.add_url_rule("/", "frames", lambda: f'<iframe src="{revoke}"></iframe><iframe src="{purge}"></iframe>')
    page.goto(serve(evil) + "/")
    frames = page.main_frame.child_frames
    assert len(frames) == 2
    for frame in frames:
        # Chromium replaces a frame its policy forbids with its own error page.
        assert frame.url == "chrome-error://chromewebdata/", frame.url
        expect(frame.get_by_role("button")).to_have_count(0)


def test_a_user_named_with_accents_opens_every_page_and_the_policy_blocks_nothing(
    web_dir, address, config, client, serve, browser_page
):
    page = browser_page
    UserStore(web_dir).set_password("josé", PASSWORD)
    app = create_app(
        web_dir, BILLSYNC_DAEMON_ADDRESS=address, BILLSYNC_API_TOKEN=config.api_token, BILLSYNC_SECURE_COOKIES=False
    )
    base = serve(app)
    connection = client.create_connection("Müller & Søn")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if policy_violation(m) else None)
    log_in(page, base, "josé")
    pages = [
        rule.build({"connection_id": connection.id}, append_unknown=False)[1]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("billsync.")
        and "GET" in rule.methods
        and rule.arguments <= {"connection_id"}
        and rule.endpoint != "billsync.status_json"
    ]
    assert {"/", f"/connections/{connection.id}/settings", f"/connections/{connection.id}/purge"} <= set(pages)
    for url in pages:
        response = page.goto(base + url)
        assert response.status == 200, (url, response.status)
        expect(page.locator(".who")).to_have_text("josé")
        expect(page.locator(".banner.bad")).to_have_count(0)
    assert violations == []


def policy_violation(message: ConsoleMessage) -> bool:
    return message.type == "error" and re.search("Content Security Policy", message.text) is not None
