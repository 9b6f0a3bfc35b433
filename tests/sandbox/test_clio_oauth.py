"""The Clio emulator's OAuth 2.0: consent, code exchange, refresh, deauthorize, expiry."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio

CLIENT = {"client_id": "sandbox-clio-client", "client_secret": "sandbox-clio-secret"}
REDIRECT = "http://localhost:9999/callback"
AUTHORIZE = {"response_type": "code", "client_id": CLIENT["client_id"], "redirect_uri": REDIRECT, "state": "xyz-42"}


def _approve(clio: Clio, decision: str = "approve") -> dict[str, list[str]]:
    response = clio.http.post("/oauth/authorize", data={**AUTHORIZE, "decision": decision})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlsplit(location).query)


def _token(clio: Clio, **form: str):
    return clio.http.post("/oauth/token", data={**CLIENT, **form})


def test_consent_page_is_a_form_a_browser_can_approve(clio: Clio) -> None:
    page = clio.http.get("/oauth/authorize", params=AUTHORIZE)
    assert page.status_code == 200
    assert "Sandbox Law LLP" in page.text
    assert re.search(r'<button[^>]*value="approve"[^>]*>Approve</button>', page.text)
    assert 'name="state" value="xyz-42"' in page.text


def test_code_exchange_refresh_and_deauthorize(clio: Clio) -> None:
    query = _approve(clio)
    assert query["state"] == ["xyz-42"]
    tokens = _token(clio, grant_type="authorization_code", code=query["code"][0], redirect_uri=REDIRECT)
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 24 * 3600
    assert clio.api("/users/who_am_i.json", token=body["access_token"]).status_code == 200

    again = _token(clio, grant_type="authorization_code", code=query["code"][0], redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    refreshed = _token(clio, grant_type="refresh_token", refresh_token=body["refresh_token"]).json()
    assert refreshed["access_token"] != body["access_token"]
    assert clio.api("/bills.json", token=body["access_token"]).status_code == 401
    assert clio.api("/bills.json", token=refreshed["access_token"]).status_code == 200

    gone = clio.http.post("/oauth/deauthorize", headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert gone.status_code == 200
    assert clio.api("/bills.json", token=refreshed["access_token"]).status_code == 401
    denied = _token(clio, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert denied.json()["error"] == "invalid_grant"


def test_denied_consent_and_bad_client(clio: Clio) -> None:
    assert _approve(clio, "deny") == {"error": ["access_denied"], "state": ["xyz-42"]}
    wrong = clio.http.post(
        "/oauth/token", data={**CLIENT, "client_secret": "nope", "grant_type": "refresh_token", "refresh_token": "x"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_expired_and_missing_tokens_get_clio_401(clio: Clio) -> None:
    assert clio.admin("POST", "/tokens/expire", json={"access_token": clio.token}) == {"expired": 1}
    response = clio.api("/contacts.json")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "Unauthorized"
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    assert clio.http.get("/api/v4/contacts.json").status_code == 401
