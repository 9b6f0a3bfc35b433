"""The panel's security, through the Flask test client against a real daemon: login
everywhere, CSRF on every form, per-connection permissions, throttling, cookie flags,
and a banner (not a traceback) when the daemon is down."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from flask_login import LoginManager

from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin import BillSyncAdmin
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.web.conftest import PASSWORD, HostUser, csrf_token, host_client, log_in, post_form


@pytest.fixture
def connection(client):
    return client.create_connection("Firm")


def test_every_page_and_action_needs_login(web_app, connection):
    anonymous = web_app.test_client()
    for rule in web_app.url_map.iter_rules():
        if rule.endpoint.startswith("billsync.") and rule.endpoint != "billsync.static":
            url = rule.build({"connection_id": connection.id, "provider": "qbo"}, append_unknown=False)[1]
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
    assert [(e.type, e.actor) for e in events] == [("connection.created", "alice")]


def test_wrong_password_then_throttled_even_with_the_right_one(web_app):
    c = web_app.test_client()
    for _ in range(5):
        assert log_in(c, password="wrong password!").status_code == 401
    r = log_in(c)
    assert r.status_code == 429 and "Too many failed attempts" in r.get_data(as_text=True)
    other_address = web_app.test_client()
    assert log_in(other_address, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_an_unknown_user_is_told_nothing_more_than_a_wrong_password(web_app):
    r = log_in(web_app.test_client(), name="mallory")
    assert r.status_code == 401 and "Wrong user name or password" in r.get_data(as_text=True)


def test_login_does_not_redirect_off_site(web_app):
    c = web_app.test_client()
    r = c.post("/login?next=//evil.example/x", data={"csrf_token": "", "username": "alice", "password": PASSWORD})
    assert r.status_code == 400
    r = c.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": csrf_token(c, "/login"), "username": "alice", "password": PASSWORD},
    )
    assert r.status_code == 302 and r.location == "/"


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
    ):
        assert ann.get("/admin/billing" + url).status_code == 404, url
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
