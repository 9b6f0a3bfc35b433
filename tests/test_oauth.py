"""OAuth against the emulators: the consent flow end to end, rotation, revocation, refusals."""

from __future__ import annotations

import threading
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from billsync.daemon.auth.oauth import OAuth, Provider
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.errors import AuthorizationLost, FailedPrecondition
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.ratelimit import RateLimiter
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import MemoryRow, config_for, fast_http, sandbox  # noqa: F401

REDIRECT = "https://billsync.example/oauth/callback?next=status"


def approve(url: str) -> dict[str, str]:
    """Play the person on the consent page: load it, then POST its form with "approve"."""
    with httpx.Client() as browser:
        page = browser.get(url)
        assert page.status_code == 200 and "<form" in page.text
        split = urlsplit(url)
        form = {k: v[0] for k, v in parse_qs(split.query).items()} | {"decision": "approve"}
        answer = browser.post(f"{split.scheme}://{split.netloc}{split.path}", data=form)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers["Location"])
    assert location._replace(query="").geturl() == REDIRECT.split("?")[0]
    return {k: v[0] for k, v in parse_qs(location.query).items()}


@pytest.fixture
def oauth(sandbox: Sandbox) -> OAuth:
    return OAuth(config_for(sandbox), fast_http())


PROVIDERS: list[Provider] = ["qbo", "clio"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_authorization_code_flow(oauth: OAuth, provider: Provider, sandbox: Sandbox) -> None:
    if provider == "clio" and not sandbox.clio_url:
        pytest.skip("the Clio emulator is not served yet")
    url = oauth.authorize_url(provider, "st-123", REDIRECT)
    if provider == "qbo":
        assert "scope=com.intuit.quickbooks.accounting" in url
    callback = approve(url)
    assert callback["state"] == "st-123" and "code" in callback
    tokens = oauth.exchange_code(provider, callback["code"], REDIRECT)
    assert tokens["access_token"] and tokens["refresh_token"] and tokens["expires_at"] > 0
    if provider == "qbo":
        assert callback["realmId"] == sandbox.qbo_config.realm_id and tokens["refresh_expires_at"] > 0
    with pytest.raises(AuthorizationLost):  # codes are single use
        oauth.exchange_code(provider, callback["code"], REDIRECT)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refresh_then_revoke(oauth: OAuth, provider: Provider, sandbox: Sandbox) -> None:
    if provider == "clio" and not sandbox.clio_url:
        pytest.skip("the Clio emulator is not served yet")
    tokens = oauth.exchange_code(provider, approve(oauth.authorize_url(provider, "s", REDIRECT))["code"], REDIRECT)
    fresh = oauth.refresh(provider, tokens["refresh_token"])
    assert fresh["access_token"] != tokens["access_token"] and fresh["refresh_token"]
    if provider == "qbo":
        assert fresh["refresh_token"] != tokens["refresh_token"], "QBO rotates refresh tokens"
    else:
        assert fresh["refresh_token"] == tokens["refresh_token"], "Clio keeps its refresh token"
    oauth.revoke(provider, fresh["refresh_token"] if provider == "qbo" else fresh["access_token"])
    with pytest.raises(AuthorizationLost, match="revoked or expired; authorize again"):
        oauth.refresh(provider, fresh["refresh_token"])
    oauth.revoke(provider, fresh["access_token"])  # revoking twice is not an error


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_client_secret_says_what_to_fix(sandbox: Sandbox, provider: Provider) -> None:
    if provider == "clio" and not sandbox.clio_url:
        pytest.skip("the Clio emulator is not served yet")
    config = config_for(sandbox)
    config = replace(config, qbo_client_secret="nope", clio_client_secret="nope")
    with pytest.raises(FailedPrecondition, match=f"BILLSYNC_{provider.upper()}_CLIENT_SECRET"):
        OAuth(config, fast_http()).refresh(provider, "whatever")


def test_rotated_refresh_token_is_saved_before_use(sandbox: Sandbox) -> None:
    """Many threads meet an expired token at once: one refresh, the newest token saved, all succeed."""
    config = config_for(sandbox)
    minted = sandbox.qbo.tokens.mint(sandbox.qbo_config.realm_id)
    row = MemoryRow({"access_token": minted["access_token"], "refresh_token": minted["refresh_token"], "expires_at": 0})
    tokens = TokenSource("qbo", row.load, row.save, config, oauth=OAuth(config, fast_http()))
    client = QuickBooks(config.qbo_api_url, sandbox.qbo_config.realm_id, tokens, RateLimiter(), http=fast_http())
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(client.company_info()["Id"])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(row.saved) == 1 and row.tokens["refresh_token"] != minted["refresh_token"]
    with pytest.raises(AuthorizationLost):  # the row is all there is: it must hold a working grant
        OAuth(config, fast_http()).refresh("qbo", "AB11-stale")
    assert OAuth(config, fast_http()).refresh("qbo", row.tokens["refresh_token"])["access_token"]


def test_not_authorized_yet(sandbox: Sandbox) -> None:
    tokens = TokenSource("clio", lambda: None, lambda t: None, config_for(sandbox))
    with pytest.raises(AuthorizationLost, match="Clio access was revoked or expired"):
        tokens.access_token()
