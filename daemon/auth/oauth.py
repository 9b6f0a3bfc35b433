"""OAuth 2.0 authorization-code flow for QuickBooks and Clio, on httpx without an SDK.

The two providers differ in small ways that matter: Intuit authenticates the client with
HTTP Basic and rotates the refresh token on every refresh, while Clio takes the client
credentials in the form body and keeps its refresh token (the refresh answer has none,
so the old one must be carried over). Any answer that means the grant is gone
(``invalid_grant``) becomes :class:`~billsync.daemon.errors.AuthorizationLost`, which the engine
turns into "needs authorization" without losing a link.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, TypedDict
from urllib.parse import urlencode

import httpx

from billsync.daemon.config import Config
from billsync.daemon.errors import AuthorizationLost, FailedPrecondition, InvalidArgument, Unavailable
from billsync.daemon.http import Http, scrub

Provider = Literal["qbo", "clio"]
PROVIDERS: tuple[Provider, ...] = ("qbo", "clio")
QBO_SCOPE = "com.intuit.quickbooks.accounting"
NAMES = {"qbo": "QuickBooks", "clio": "Clio"}


class Tokens(TypedDict, total=False):
    """A grant as stored (encrypted JSON) on the connection; a plain dict at run time.

    ``expires_at`` and ``refresh_expires_at`` are epoch seconds, computed when received.
    """

    access_token: str
    refresh_token: str
    expires_at: float
    refresh_expires_at: float


class OAuth:
    """The authorization endpoints of both providers, configured from :class:`Config`.

    Args:
        config: client ids, secrets and endpoint URLs.
        http: the retrying HTTP client (a fresh one with defaults if omitted).
        clock: epoch seconds, to compute expiry times.
    """

    def __init__(self, config: Config, http: Http | None = None, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.http = http or Http()
        self.clock = clock

    def authorize_url(self, provider: Provider, state: str, redirect_uri: str) -> str:
        """Where to send the person who approves access; ``state`` comes back on the callback."""
        params = {
            "client_id": self._client(provider)[0],
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        if provider == "qbo":
            return f"{self.config.qbo_authorize_url}?{urlencode({**params, 'scope': QBO_SCOPE})}"
        return f"{self.config.clio_url}/oauth/authorize?{urlencode(params)}"

    def exchange_code(self, provider: Provider, code: str, redirect_uri: str) -> Tokens:
        """Trade the callback's ``code`` for tokens (QBO's realm id is on the callback, not here)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._token(provider, form, previous_refresh="")

    def refresh(self, provider: Provider, refresh_token: str) -> Tokens:
        """New tokens; the result always carries the refresh token to keep from now on."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token(provider, form, previous_refresh=refresh_token)

    def revoke(self, provider: Provider, token: str) -> None:
        """End the grant. A token the provider no longer knows counts as already revoked."""
        client_id, secret = self._client(provider)
        headers = {"Accept": "application/json"}
        if provider == "qbo":
            response = self.http.request(
                "POST", self.config.qbo_revoke_url, json={"token": token}, auth=(client_id, secret), headers=headers
            )
        else:
            response = self.http.request(
                "POST",
                f"{self.config.clio_url}/oauth/deauthorize",
                data={"token": token},
                headers={**headers, "Authorization": f"Bearer {token}"},
            )
        if response.is_success or _error(response) in ("invalid_token", "invalid_grant"):
            return
        self._fail(provider, response, (token,))

    def _client(self, provider: Provider) -> tuple[str, str]:
        if provider == "qbo":
            return self.config.qbo_client_id, self.config.qbo_client_secret
        if provider == "clio":
            return self.config.clio_client_id, self.config.clio_client_secret
        raise InvalidArgument(f"provider must be one of {', '.join(PROVIDERS)}, not {provider!r}")

    def _token(self, provider: Provider, form: dict[str, str], previous_refresh: str) -> Tokens:
        client_id, secret = self._client(provider)
        headers = {"Accept": "application/json"}
        if provider == "qbo":
            response = self.http.request(
                "POST", self.config.qbo_token_url, data=form, auth=(client_id, secret), headers=headers
            )
        else:
            response = self.http.request(
                "POST",
                f"{self.config.clio_url}/oauth/token",
                data={**form, "client_id": client_id, "client_secret": secret},
                headers=headers,
            )
        if not response.is_success:
            self._fail(provider, response, tuple(form.values()))
        body = response.json()
        now = self.clock()
        tokens = Tokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or previous_refresh,
            expires_at=now + float(body.get("expires_in", 3600)),
        )
        if "x_refresh_token_expires_in" in body:
            tokens["refresh_expires_at"] = now + float(body["x_refresh_token_expires_in"])
        return tokens

    def _fail(self, provider: Provider, response: httpx.Response, secrets: tuple[str, ...]) -> None:
        """Raise the domain error an unsuccessful token-endpoint answer stands for."""
        error = _error(response)
        if error == "invalid_grant":
            raise AuthorizationLost(provider)
        name = NAMES[provider]
        if error == "invalid_client":
            raise FailedPrecondition(
                f"{name} rejected billsync's client id or secret (invalid_client); check "
                f"BILLSYNC_{provider.upper()}_CLIENT_ID and BILLSYNC_{provider.upper()}_CLIENT_SECRET"
            )
        detail = scrub(response.text[:300], secrets)
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable(f"{name} authorization is unavailable (HTTP {response.status_code}): {detail}")
        raise FailedPrecondition(f"{name} refused the authorization request (HTTP {response.status_code}): {detail}")


def _error(response: httpx.Response) -> str:
    """The RFC 6749 ``error`` code of an answer, or "" when it has none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return body.get("error", "") if isinstance(body, dict) else ""
