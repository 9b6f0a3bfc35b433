"""OAuth grants of the emulated account: authorization codes, access and refresh tokens.

Clio's access tokens last 30 days and are refreshed with a refresh token that stays the
same (the refresh response carries no new one); ``/oauth/deauthorize`` ends the grant,
after which neither token works. Codes are single-use and short-lived, as in any OAuth 2.0
server. Expiry uses wall-clock time so that the admin API can expire tokens on demand.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

CODE_LIFETIME = 600.0


@dataclass
class Grant:
    """One authorization of the app by the account: its current access token and refresh token."""

    access_token: str
    refresh_token: str
    expires_at: float
    revoked: bool = False


@dataclass
class Code:
    code: str
    redirect_uri: str
    expires_at: float


class TokenStore:
    """Issues and checks tokens; thread-safe, and snapshot-able for the state file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._codes: dict[str, Code] = {}
            self._by_access: dict[str, Grant] = {}
            self._by_refresh: dict[str, Grant] = {}

    def issue_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Code(code, redirect_uri, time.time() + CODE_LIFETIME)
        return code

    def redeem_code(self, code: str, redirect_uri: str, lifetime: int) -> Grant | None:
        """Exchange a code once; None if unknown, used, expired or for another redirect URI."""
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found.expires_at < time.time() or found.redirect_uri != redirect_uri:
            return None
        return self.mint(lifetime)

    def mint(self, lifetime: int) -> Grant:
        """A fresh grant, as if a user had just approved the app."""
        grant = Grant(secrets.token_urlsafe(32), secrets.token_urlsafe(32), time.time() + lifetime)
        with self._lock:
            self._by_access[grant.access_token] = grant
            self._by_refresh[grant.refresh_token] = grant
        return grant

    def refresh(self, refresh_token: str, lifetime: int) -> Grant | None:
        """A new access token for the grant; the old access token stops working."""
        with self._lock:
            grant = self._by_refresh.get(refresh_token)
            if grant is None or grant.revoked:
                return None
            self._by_access.pop(grant.access_token, None)
            grant.access_token = secrets.token_urlsafe(32)
            grant.expires_at = time.time() + lifetime
            self._by_access[grant.access_token] = grant
            return grant

    def check(self, access_token: str) -> str | None:
        """None if the token may be used, else why not (shown in the 401)."""
        grant = self._by_access.get(access_token)
        if grant is None or grant.revoked:
            return "The access token is invalid"
        if grant.expires_at <= time.time():
            return "The access token expired"
        return None

    def revoke(self, token: str) -> bool:
        """End the grant that ``token`` (access or refresh) belongs to."""
        with self._lock:
            grant = self._by_access.get(token) or self._by_refresh.get(token)
            if grant is None:
                return False
            grant.revoked = True
            return True

    def expire(self, access_token: str | None = None) -> int:
        """Make one access token, or all of them, expired now; returns how many."""
        with self._lock:
            if access_token is None:
                grants = list(self._by_access.values())
            else:
                grants = [g for g in (self._by_access.get(access_token),) if g is not None]
            for grant in grants:
                grant.expires_at = time.time() - 1
            return len(grants)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(grant) for grant in self._by_refresh.values()]

    def restore(self, grants: list[dict[str, Any]]) -> None:
        self.reset()
        with self._lock:
            for data in grants:
                grant = Grant(**data)
                self._by_access[grant.access_token] = grant
                self._by_refresh[grant.refresh_token] = grant
