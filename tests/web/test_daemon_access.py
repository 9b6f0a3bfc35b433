"""The panel as a client of the daemon's API (issue 17): its own scoped token, any user's
name in the activity log, and mutual TLS through its config keys."""

from __future__ import annotations

import dataclasses

from billsync.daemon.process import Daemon
from billsync.v1 import billsync_pb2 as pb
from billsync.webadmin.standalone import create_app
from billsync.webadmin.users import UserStore
from tests.certs import make_pki
from tests.harness import stop_in_process
from tests.web.conftest import PASSWORD, log_in, post_form


def panel_as(web_dir, user: str, **config: object):
    """The standalone panel, logged in as ``user`` (created with PASSWORD)."""
    UserStore(web_dir).set_password(user, PASSWORD)
    web = create_app(web_dir, BILLSYNC_SECURE_COOKIES=False, **config).test_client()
    assert log_in(web, user).status_code == 302
    return web


def test_a_user_named_jose_acts_through_the_panels_own_token(web_dir, address, client):
    """A non-ASCII name reaches the log intact, beside the token it came through."""
    made = client.create_api_token(pb.API_TOKEN_ROLE_ADMIN, name="panel", all_connections=True, may_name_actor=True)
    web = panel_as(web_dir, "josé", BILLSYNC_DAEMON_ADDRESS=address, BILLSYNC_API_TOKEN=made.secret)
    assert post_form(web, "/", "/connections", name="Smith & Jones LLP").status_code == 302
    (created,) = client.list_connections().connections
    page = web.get(f"/connections/{created.id}/events")
    assert page.status_code == 200
    (event,) = client.list_events(created.id).events
    assert event.actor == f"josé via token {made.token.id} (panel)"
    assert event.actor in page.get_data(as_text=True)


def test_the_panel_speaks_mutual_tls_through_its_config_keys(web_dir, config, db, tmp_path):
    pki = make_pki(tmp_path / "pki")
    tls = {"tls_cert": pki.server_cert, "tls_key": pki.server_key, "tls_client_ca": pki.ca}
    daemon = Daemon(dataclasses.replace(config, address="127.0.0.1:0", **tls))
    daemon.start()
    try:
        keys = {
            "BILLSYNC_DAEMON_ADDRESS": f"127.0.0.1:{daemon.port}",
            "BILLSYNC_API_TOKEN": config.api_token,
            "BILLSYNC_TLS_CA": pki.ca,
        }
        certified = {"BILLSYNC_TLS_CLIENT_CERT": pki.client_cert, "BILLSYNC_TLS_CLIENT_KEY": pki.client_key}
        web = panel_as(web_dir, "alice", **keys, **certified)
        assert post_form(web, "/", "/connections", name="Over mTLS").status_code == 302
        assert "Over mTLS" in web.get("/").get_data(as_text=True)
        uncertified = create_app(web_dir, BILLSYNC_SECURE_COOKIES=False, **keys).test_client()
        assert log_in(uncertified).status_code == 302
        assert uncertified.get("/").status_code == 503  # the daemon does not answer it
    finally:
        stop_in_process(daemon, grace=0.5)
