"""Fixtures of the web admin's tests: the standalone panel and a host app that mounts it,
both against the real in-process daemon of tests/conftest.py, and logging in through the
real login form (CSRF token and all)."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_login import LoginManager, UserMixin, login_user
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from billsync.serving import BackgroundServer
from billsync.webadmin import BillSyncAdmin
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore

PASSWORD = "correct horse battery"
#: Where the tests leave their screenshots: tests/screenshots/latest (not kept) unless
#: BILLSYNC_SCREENSHOTS names a folder; ``make screenshots`` renews the kept set in
#: tests/screenshots itself (see its README.md).
SCREENSHOTS = Path(
    os.environ.get("BILLSYNC_SCREENSHOTS") or Path(__file__).resolve().parents[1] / "screenshots" / "latest"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the first form on the page at ``url``."""
    page = client.get(url)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no form with a CSRF token on {url} ({page.status})"
    return found.group(1)


def post_form(client: FlaskClient, page_url: str, action: str, **data: str) -> object:
    """Submits a form the way a browser does: token from the page, then POST."""
    return client.post(action, data={"csrf_token": csrf_token(client, page_url), **data})


def log_in(client: FlaskClient, name: str = "alice", password: str = PASSWORD, **kw: object) -> object:
    return client.post(
        "/login", data={"csrf_token": csrf_token(client, "/login"), "username": name, "password": password}, **kw
    )


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    return tmp_path / "web"


@pytest.fixture
def web_app(web_dir: Path, address: str, config) -> Flask:
    """The standalone panel (``billsync web``) on the in-process daemon, user alice."""
    UserStore(web_dir).set_password("alice", PASSWORD)
    return create_app(
        web_dir, BILLSYNC_DAEMON_ADDRESS=address, BILLSYNC_API_TOKEN=config.api_token, BILLSYNC_SECURE_COOKIES=False
    )


@pytest.fixture
def web(web_app: Flask) -> FlaskClient:
    """A browser-like client of the standalone panel, logged in as alice."""
    c = web_app.test_client()
    assert log_in(c).status_code == 302
    return c


@dataclass(frozen=True)
class HostUser(UserMixin):
    """A host app's user: administers only the connections listed."""

    id: str
    email: str
    connections: tuple[int, ...]
    may_create: bool = False


@pytest.fixture
def host_users() -> dict[str, HostUser]:
    return {}


@pytest.fixture
def host_app(address: str, config, host_users: dict[str, HostUser]) -> Flask:
    """A host app with its own users and a per-connection rule, mounting the panel under
    /admin/billing — what README.md shows."""
    app = Flask("host")
    app.config.update(
        SECRET_KEY="host-secret",
        BILLSYNC_DAEMON_ADDRESS=address,
        BILLSYNC_API_TOKEN=config.api_token,
        BILLSYNC_URL_PREFIX="/admin/billing",
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_CAN_ADMINISTER=lambda user, cid: user.may_create if cid is None else cid in user.connections,
    )
    login = LoginManager(app)
    login.user_loader(host_users.get)

    @app.route("/test-login")
    def test_login() -> str:
        login_user(host_users[request.args["user"]])
        return "ok"

    BillSyncAdmin(app)
    return app


def host_client(app: Flask, user: str) -> FlaskClient:
    c = app.test_client()
    c.get(f"/test-login?user={user}")
    return c


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (never 'playwright install')")
    return path


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Serves a Flask app with waitress (a real WSGI server) on a free port in a thread;
    returns its base URL. Stopped at teardown."""
    servers: list[BackgroundServer] = []

    def start(app: Flask) -> str:
        servers.append(BackgroundServer(app, threads=4, ident="billsync-test").start())
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


#: Milliseconds a page action or expectation may wait before the test gives up.
PATIENCE_MS = 120_000


def open_panel(page: Page, base_of: Callable[[Flask], str], web_dir: Path, address: str, token: str) -> Flask:
    """The standalone panel on the daemon at ``address``, served (``base_of``: the ``serve``
    fixture) and logged in as alice in ``page``, polling a running sync every 0.3 s."""
    UserStore(web_dir).set_password("alice", PASSWORD)
    app = create_app(
        web_dir,
        BILLSYNC_DAEMON_ADDRESS=address,
        BILLSYNC_API_TOKEN=token,
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_POLL_SECONDS=0.3,
    )
    base = base_of(app)
    page.goto(base + "/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return app


@pytest.fixture
def browser_page(chromium_path: str) -> Iterator[Page]:
    """A page of Debian's Chromium, headless, kept off the network it cannot reach."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # Waits on what the page shows, never on time: these only stop a hung test, and
        # must outlast a shared, loaded machine (CI runs the suite on two busy cores).
        page.set_default_timeout(PATIENCE_MS)
        expect.set_options(timeout=PATIENCE_MS)
        yield page
        browser.close()


def screenshot(page: Page, name: str, focus: Locator | None = None, block: str = "start") -> None:
    """Saves what the window shows, scrolled to ``focus`` when given (its top at the top of
    the window, or its bottom at the bottom with ``block="end"``), as SCREENSHOTS/NAME.png,
    for people to look at: the window, never the whole page, so a list of 5,000 rows is one
    screen, not 25,000 pixels.

    A picture for a person, not an assertion: a browser too starved to paint one in time (a
    loaded machine) leaves a warning, not a failed test. A page that draws itself anew as
    the picture is taken (the Bill Syncing page does when a run ends) is taken once more,
    when the new one has loaded."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            if focus is not None:
                focus.evaluate("(e, block) => e.scrollIntoView({block})", block)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
            return
        except PlaywrightTimeoutError as e:
            warnings.warn(f"screenshot {name} not taken: {e.message.splitlines()[0]}", stacklevel=2)
            return
        except PlaywrightError as e:
            if attempt == 2 or "context was destroyed" not in e.message:
                raise
            page.wait_for_load_state()
