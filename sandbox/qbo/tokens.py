"""OAuth 2.0 grants of the QBO emulator: authorization codes, access and refresh tokens.

Lifetimes follow Intuit's: an access token lives an hour, a refresh token 100 days, and
each refresh returns a *new* refresh token while the previous one keeps working for 24
hours and then fails with ``invalid_grant``. Clients that keep an old refresh token work
for a day and then lose the connection, which is exactly the bug this lets tests catch.
All lifetimes go through ``QBOConfig.scaled``. A live token used on another company than
the one it was granted for is refused with 403 (fault 3100), not 401: refreshing cannot
help there (``errors.authorization_failed_body``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from billsync.sandbox.qbo.config import QBOConfig

CODE_LIFETIME = 300.0


@dataclass(frozen=True)
class Refusal:
    """Why a bearer token may not call a company's API.

    Attributes:
        status: 401 when it is no live token (unknown, expired, revoked), so the client
            should refresh; 403 (fault 3100) when it is live but was granted for another
            company, which no refresh can mend.
        detail: the 401's detail, naming the token as QBO does.
    """

    status: int
    detail: str = ""


class OAuthError(Exception):
    """An OAuth failure, carried as its RFC 6749 ``error`` code."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


@dataclass
class Grant:
    """One token (or code) with the realm and grant family it belongs to."""

    realm_id: str
    family: str
    expires_at: float
    redirect_uri: str = ""


class TokenStore:
    """Issued codes and tokens; thread-safe."""

    def __init__(self, config: QBOConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    def _life(self, seconds: float) -> float:
        return time.time() + self.config.scaled(seconds)

    def issue_code(self, realm_id: str, redirect_uri: str) -> str:
        code = "AB11" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Grant(realm_id, secrets.token_hex(8), self._life(CODE_LIFETIME), redirect_uri)
        return code

    def _issue(self, realm_id: str, family: str) -> dict[str, object]:
        access, refresh = "eyJsYW5kYm94Ijp0cnVlfQ." + secrets.token_urlsafe(32), "AB11" + secrets.token_urlsafe(36)
        self._access[access] = Grant(realm_id, family, self._life(self.config.access_token_lifetime))
        self._refresh[refresh] = Grant(realm_id, family, self._life(self.config.refresh_token_lifetime))
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": max(1, round(self.config.scaled(self.config.access_token_lifetime))),
            "x_refresh_token_expires_in": round(self.config.scaled(self.config.refresh_token_lifetime)),
            "realmId": realm_id,
        }

    def mint(self, realm_id: str) -> dict[str, object]:
        """Tokens without the consent dance, for tests (admin API)."""
        with self._lock:
            return self._issue(realm_id, secrets.token_hex(8))

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, object]:
        """Codes are single use and bound to the redirect URI they were issued for."""
        with self._lock:
            grant = self._codes.pop(code, None)
            if grant is None or grant.expires_at < time.time() or grant.redirect_uri != redirect_uri:
                raise OAuthError("invalid_grant")
            return self._issue(grant.realm_id, grant.family)

    def refresh(self, token: str) -> dict[str, object]:
        """Rotate: new tokens now, the presented refresh token retires after the grace."""
        now = time.time()
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None or grant.expires_at < now:
                raise OAuthError("invalid_grant")
            grant.expires_at = min(grant.expires_at, now + self.config.scaled(self.config.refresh_grace))
            return self._issue(grant.realm_id, grant.family)

    def revoke(self, token: str) -> None:
        """Revoking any token of a grant revokes the whole grant, as Intuit does."""
        with self._lock:
            grant = self._refresh.get(token) or self._access.get(token)
            if grant is None:
                return
            for table in (self._access, self._refresh):
                for key in [k for k, g in table.items() if g.family == grant.family]:
                    del table[key]

    def check(self, token: str, realm_id: str) -> Refusal | None:
        """None if ``token`` may act on ``realm_id``, else why not."""
        grant = self._access.get(token)
        if grant is None:
            return Refusal(401, f"Token invalid: {token[:40]}")
        if grant.expires_at < time.time():
            return Refusal(401, f"Token expired: {token[:40]}")
        if grant.realm_id != realm_id:
            return Refusal(403)
        return None

    def expire_access(self, refresh: bool = False) -> int:
        """Make every access token, and with ``refresh`` every refresh token, expired now;
        returns how many access tokens (admin API)."""
        with self._lock:
            for grant in [*self._access.values(), *(self._refresh.values() if refresh else ())]:
                grant.expires_at = 0.0
            return len(self._access)

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The live tokens, for the state file (codes live minutes: they are not kept)."""
        with self._lock:
            return {
                "access": {token: asdict(grant) for token, grant in self._access.items()},
                "refresh": {token: asdict(grant) for token, grant in self._refresh.items()},
            }

    def restore(self, tokens: dict[str, dict[str, dict[str, Any]]]) -> None:
        """Replace the tokens with those :meth:`snapshot` gave."""
        with self._lock:
            self._access = {token: Grant(**grant) for token, grant in tokens["access"].items()}
            self._refresh = {token: Grant(**grant) for token, grant in tokens["refresh"].items()}

    def clear(self) -> None:
        with self._lock:
            self._codes.clear()
            self._access.clear()
            self._refresh.clear()
