"""The panel's security, through the Flask test client against a real daemon: login
everywhere, CSRF on every form, per-connection permissions, throttling, cookie flags,
and a banner (not a traceback) when the daemon is down."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from flask_login import LoginManager

from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import BillSyncAdmin
from billsync.webadmin.cli import web as web_cli
from billsync.webadmin.forms import ActionForm
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.web.conftest import PASSWORD, HostUser, csrf_token, host_client, log_in, post_form


@pytest.fixture
def connection(client):
    return client.create_connection("Firm")


class Clock:
    """The panel's clock, moved by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def standalone(web_dir: Path, clock: Clock, **config: object) -> Flask:
    """A standalone panel with users alice and bob, on a clock the test moves, whose
    daemon is never called: its login needs none."""
    users = UserStore(web_dir)
    for name in ("alice", "bob"):
        if users.get(name) is None:
            users.set_password(name, PASSWORD)
    app = create_app(
        web_dir,
        **{
            "BILLSYNC_DAEMON_ADDRESS": "127.0.0.1:9",
            "BILLSYNC_API_TOKEN": "t",
            "BILLSYNC_SECURE_COOKIES": False,
            **config,
        },
    )
    app.extensions["billsync_auth"].clock = clock
    return app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def panel(web_dir, clock) -> Flask:
    return standalone(web_dir, clock)


def test_every_page_and_action_needs_login(web_app, connection):
    anonymous = web_app.test_client()
    values = {"connection_id": connection.id, "provider": "qbo", "subscription_id": 1}
    for rule in web_app.url_map.iter_rules():
        if rule.endpoint.startswith("billsync.") and rule.endpoint != "billsync.static":
            url = rule.build(values, append_unknown=False)[1]
            method = "GET" if "GET" in rule.methods else "POST"
            r = anonymous.open(url, method=method)
            assert r.status_code == 302 and r.location.startswith("/login"), (rule.endpoint, r.status_code)


def test_a_form_without_its_csrf_token_is_refused(web, client):
    r = web.post("/connections", data={"name": "Forged"})
    assert r.status_code == 400
    assert client.list_connections().connections == []


def test_revoke_without_csrf_token_changes_nothing(web, client, connection):
    assert web.post(f"/connections/{connection.id}/revoke").status_code == 400
    status = client.status(connection.id)
    assert status.connection.state == pb.CONNECTION_STATE_NEEDS_AUTHORIZATION


def test_actions_are_recorded_under_the_logged_in_user(web, client):
    r = post_form(web, "/", "/connections", name="Smith & Jones LLP")
    assert r.status_code == 302
    created = client.list_connections().connections[0]
    assert r.location.endswith(f"/connections/{created.id}")
    events = client.list_events(created.id).events
    assert [(e.type, e.actor) for e in events] == [("connection.created", "alice via api")]


def test_an_unknown_user_is_told_nothing_more_than_a_wrong_password(web_app):
    r = log_in(web_app.test_client(), name="mallory")
    assert r.status_code == 401 and "Wrong user name or password" in r.get_data(as_text=True)


def test_login_without_its_csrf_token_is_refused(panel):
    r = panel.test_client().post("/login", data={"csrf_token": "", "username": "alice", "password": PASSWORD})
    assert r.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",  # a tab: browsers drop it and read //evil.example/
        "/%0A/evil.example/",
        "/%0D%0A/evil.example/",
        "//evil.example/x",
        "/%5Cevil.example/",  # a backslash: browsers read /\ as //
        "%2F%2Fevil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example/",
    ],
)
def test_login_goes_only_to_a_path_on_this_site(panel, target):
    c = panel.test_client()
    r = c.post(
        f"/login?next={target}", data={"csrf_token": csrf_token(c, "/login"), "username": "alice", "password": PASSWORD}
    )
    assert r.status_code == 302 and r.location == "/"


def test_login_goes_back_to_the_page_that_asked_for_it(panel):
    c = panel.test_client()
    asked = c.get("/connections/7/links?state=failed")
    assert asked.status_code == 302
    r = c.post(asked.location, data={"csrf_token": csrf_token(c, "/login"), "username": "alice", "password": PASSWORD})
    assert r.location == "/connections/7/links?state=failed"


def test_session_cookie_is_secure_httponly_and_lax(web_dir, address, config):
    UserStore(web_dir).set_password("alice", PASSWORD)
    app = create_app(web_dir, BILLSYNC_DAEMON_ADDRESS=address, BILLSYNC_API_TOKEN=config.api_token)
    c = app.test_client()
    r = log_in(c, base_url="https://admin.example")
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admins_see_only_the_connections_they_may_administer(host_app, host_users, client):
    mine = client.create_connection("Mine LLP")
    theirs = client.create_connection("Theirs LLP")
    host_users["ann"] = HostUser("ann", "ann@firm.example", (mine.id,))
    ann = host_client(host_app, "ann")
    listing = ann.get("/admin/billing/").get_data(as_text=True)
    assert "Mine LLP" in listing and "Theirs LLP" not in listing
    assert ann.get(f"/admin/billing/connections/{mine.id}").status_code == 200
    for url in (
        f"/connections/{theirs.id}",
        f"/connections/{theirs.id}/events",
        f"/connections/{theirs.id}/status.json",
        f"/connections/{theirs.id}/purge",
        f"/connections/{theirs.id}/preview",
        f"/connections/{theirs.id}/preview/customers?contact=1&q=Amy",
    ):
        assert ann.get("/admin/billing" + url).status_code == 404, url
    assert ann.post(f"/admin/billing/connections/{theirs.id}/preview/decide").status_code == 404
    assert ann.post("/admin/billing/connections", data={"name": "New"}).status_code == 403


def test_a_daemon_that_is_down_shows_a_banner(web_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    UserStore(web_dir).set_password("alice", PASSWORD)
    app = create_app(
        web_dir,
        BILLSYNC_DAEMON_ADDRESS=f"127.0.0.1:{closed_port}",
        BILLSYNC_API_TOKEN="t",
        BILLSYNC_SECURE_COOKIES=False,
        BILLSYNC_RPC_TIMEOUT=2,
    )
    c = app.test_client()
    log_in(c)
    for url in ("/", "/connections/1", "/connections/1/links"):
        r = c.get(url)
        text = r.get_data(as_text=True)
        assert r.status_code == 503 and "daemon is unavailable" in text and "Traceback" not in text, url


def test_a_wrong_api_token_is_explained(web_dir, address):
    UserStore(web_dir).set_password("alice", PASSWORD)
    app = create_app(
        web_dir, BILLSYNC_DAEMON_ADDRESS=address, BILLSYNC_API_TOKEN="not-the-token", BILLSYNC_SECURE_COOKIES=False
    )
    c = app.test_client()
    log_in(c)
    assert "set BILLSYNC_API_TOKEN" in c.get("/").get_data(as_text=True)


def test_an_oauth_callback_this_browser_did_not_start_is_refused(web, connection):
    r = web.get("/oauth/qbo/callback?code=x&state=forged&realmId=1", follow_redirects=True)
    assert "was not started from this browser session" in r.get_data(as_text=True)


def test_misconfiguration_is_refused_with_what_to_do():
    app = Flask("host")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        BillSyncAdmin(app)
    app = Flask("host")
    app.config["SECRET_KEY"] = "k"
    with pytest.raises(RuntimeError, match="LoginManager"):
        BillSyncAdmin(app)
    LoginManager(app)
    app.config["BILLSYNC_CAN_ADMINISTER"] = True
    with pytest.raises(RuntimeError, match="BILLSYNC_CAN_ADMINISTER must be a function"):
        BillSyncAdmin().init_app(app)


def copy_of(browser: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of ``browser``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


@pytest.mark.parametrize(
    "end_sessions",
    [
        pytest.param(lambda web, web_dir: post_form(web, "/", "/logout"), id="log out"),
        pytest.param(
            lambda web, web_dir: CliRunner().invoke(
                web_cli, ["--data-dir", str(web_dir), "create-user", "alice", "--password", "a new password"]
            ),
            id="new password",
        ),
        pytest.param(
            lambda web, web_dir: CliRunner().invoke(web_cli, ["--data-dir", str(web_dir), "revoke-sessions", "alice"]),
            id="revoke-sessions",
        ),
        pytest.param(
            lambda web, web_dir: [
                CliRunner().invoke(web_cli, ["--data-dir", str(web_dir), *command])
                for command in (["delete-user", "alice"], ["create-user", "alice", "--password", PASSWORD])
            ],
            id="deleted and created again",
        ),
    ],
)
def test_a_copied_session_cookie_stops_working_when_the_users_sessions_end(web_app, web, web_dir, end_sessions):
    thief = copy_of(web, web_app)
    assert thief.get("/").status_code == 200
    end_sessions(web, web_dir)
    for c in (thief, web):
        r = c.get("/")
        assert r.status_code == 302 and r.location.startswith("/login"), r.status_code


def test_a_login_lasts_billsync_session_hours_however_active(web_app, clock):
    web_app.extensions["billsync_auth"].clock = clock
    c = web_app.test_client()
    log_in(c)
    expires = c.get_cookie("session").expires
    assert expires is not None and expires.timestamp() <= time.time() + 12 * 3600 + 60
    clock.now += 12 * 3600 - 60
    assert c.get("/").status_code == 200
    clock.now += 60
    r = c.get("/")
    assert r.status_code == 302 and r.location.startswith("/login")


def test_a_status_poll_never_writes_the_session_back_so_a_message_shown_stays_shown(web, client):
    """The Bill Syncing page polls while a run goes, and a poll carries the session cookie as
    it was when sent. Written back after the page showed (and so removed) a message, that
    stale copy would bring the message back beside the next one, as a loaded browser run saw."""
    cid = client.create_connection("Smith & Jones LLP").id
    page, settings = f"/connections/{cid}", f"/connections/{cid}/settings"
    saved = post_form(web, settings, settings, sync_interval_seconds="600")
    assert saved.status_code == 302 and saved.location.endswith(page)
    with_message = web.get_cookie("session").value
    assert "Settings saved." in web.get(page).get_data(as_text=True)
    shown = web.get_cookie("session").value

    web.set_cookie("session", with_message)  # a poll sent before the page came back ...
    poll = web.get(f"{page}/status.json")
    assert poll.status_code == 200
    if not any(h.startswith("session=") for h in poll.headers.getlist("Set-Cookie")):
        web.set_cookie("session", shown)  # ... and answered after: the browser keeps what it has

    assert "Settings saved." not in web.get(page).get_data(as_text=True)


def test_the_panels_forms_expire_with_a_login_in_a_host_app_too(host_app):
    host_app.config.update(WTF_CSRF_TIME_LIMIT=None, BILLSYNC_SESSION_HOURS=2)
    with host_app.test_request_context():
        assert ActionForm().meta.csrf_time_limit == 2 * 3600


def assert_hardened(response, cached: bool = False) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert (response.headers.get("Cache-Control") == "no-store") is not cached


def test_every_page_of_the_panel_carries_the_security_headers(web_app, web, connection):
    for url in (
        "/",
        f"/connections/{connection.id}",
        f"/connections/{connection.id}/revoke",
        f"/connections/{connection.id}/preview",
        f"/connections/{connection.id}/preview/customers?contact=1&q=Amy",
        "/no-such-page",
    ):
        assert_hardened(web.get(url))
    assert_hardened(web_app.test_client().get("/login"))
    assert_hardened(web.get("/_static/billsync/admin.css"), cached=True)
    assert "Strict-Transport-Security" not in web.get("/").headers


def test_hsts_when_cookies_are_secure(web_dir, clock):
    app = standalone(web_dir, clock, BILLSYNC_SECURE_COOKIES=True)
    r = app.test_client().get("/login", base_url="https://admin.example")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_host_app_gets_the_headers_on_the_panels_pages_only(host_app, host_users):
    host_app.add_url_rule("/home", "home", lambda: "the host's page")
    host_users["ann"] = HostUser("ann", "ann@firm.example", ())
    ann = host_client(host_app, "ann")
    assert_hardened(ann.get("/admin/billing/"))
    assert "Content-Security-Policy" not in ann.get("/home").headers


def refused_for(r) -> int:
    """The seconds a refused login says to wait."""
    assert r.status_code == 429, r.status_code
    return int(re.search(r"Try again in (\d+) s\.", r.get_data(as_text=True)).group(1))


def test_failed_logins_make_the_next_attempt_wait_longer_each_time_but_never_for_good(panel, clock):
    c = panel.test_client()
    for _ in range(5):
        assert log_in(c, password="wrong password!").status_code == 401
    waits = []
    for _ in range(11):
        waits.append(refused_for(log_in(c)))  # the right password waits too: it is not even checked
        clock.now += waits[-1]
        assert log_in(c, password="wrong password!").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    clock.now += 300
    assert log_in(c).status_code == 302


def test_the_wait_is_per_user_name_from_anywhere_and_per_address_for_any_name(panel):
    attacker, elsewhere = {"REMOTE_ADDR": "203.0.113.9"}, {"REMOTE_ADDR": "198.51.100.7"}
    c = panel.test_client()
    for _ in range(5):
        log_in(c, password="wrong password!", environ_base=attacker)
    assert refused_for(log_in(c, environ_base=elsewhere)) == 1
    assert refused_for(log_in(c, name="bob", environ_base=attacker)) == 1
    assert log_in(c, name="bob", environ_base=elsewhere).status_code == 302


def test_every_panel_process_on_the_data_folder_shares_the_counts(web_dir, clock):
    first, second = standalone(web_dir, clock), standalone(web_dir, clock)
    for _ in range(5):
        log_in(first.test_client(), password="wrong password!")
    assert refused_for(log_in(second.test_client())) == 1


@pytest.mark.parametrize("trusted", [0, 1])
def test_behind_a_trusted_proxy_each_client_waits_for_its_own_failures_only(web_dir, clock, trusted):
    panel = standalone(web_dir, clock, BILLSYNC_TRUSTED_PROXIES=trusted)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    c = panel.test_client()
    for n in range(5):
        log_in(
            c,
            name=f"guess{n}",
            password="wrong password!",
            environ_base=proxy,
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
    bob = log_in(c, name="bob", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"})
    # Without a trusted proxy, X-Forwarded-For is anyone's to write: every client is the proxy.
    assert bob.status_code == 302 if trusted else refused_for(bob) == 1


def test_a_user_named_with_accents_acts_on_every_page(web_dir, address, config, client):
    UserStore(web_dir).set_password("josé", PASSWORD)
    app = create_app(
        web_dir, BILLSYNC_DAEMON_ADDRESS=address, BILLSYNC_API_TOKEN=config.api_token, BILLSYNC_SECURE_COOKIES=False
    )
    c = app.test_client()
    assert log_in(c, name="josé").status_code == 302
    assert c.get("/").status_code == 200
    created = post_form(c, "/", "/connections", name="Müller & Søn")
    assert created.status_code == 302, created.get_data(as_text=True)
    connection = client.list_connections().connections[0]
    (created_event,) = client.list_events(connection.id).events
    assert "josé" in created_event.actor
