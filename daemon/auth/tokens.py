"""A valid access token on demand, refreshed before it expires and once after a 401.

QBO rotates the refresh token on every refresh and retires the old one within a day, so
a refresh whose result is not stored at once silently breaks the connection a day
later (the bug python-quickbooks users meet). Hence: one refresh at a time per
connection (a lock), the stored tokens re-read before refreshing (another process may
have refreshed already), and ``save`` called with the newest tokens before anything
else happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from billsync.daemon.auth.oauth import OAuth, Provider, Tokens
from billsync.daemon.config import Config
from billsync.daemon.errors import AuthorizationLost

#: Refresh this many seconds before expiry (divided by the time scale, like token
#: lifetimes in the emulators), so a token never dies mid-request.
REFRESH_MARGIN = 300.0


class TokenSource:
    """Tokens of one provider for one connection; share one instance among its threads.

    Args:
        provider: "qbo" or "clio".
        load: returns the stored tokens (a dict, or None/{} when not authorized); it
            must read the store afresh each call, since another process may have refreshed.
        save: stores the given tokens atomically (one row update) before returning.
        config: provider endpoints and client credentials.
        oauth: the OAuth client to refresh with (built from ``config`` if omitted).
        clock: epoch seconds.
    """

    def __init__(
        self,
        provider: Provider,
        load: Callable[[], dict[str, Any] | None],
        save: Callable[[dict[str, Any]], None],
        config: Config,
        *,
        oauth: OAuth | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self.load = load
        self.save = save
        self.oauth = oauth or OAuth(config, clock=clock)
        self.clock = clock
        self.margin = REFRESH_MARGIN / config.time_scale
        self._lock = threading.Lock()
        self._tokens: Tokens | None = None

    def access_token(self) -> str:
        """A token valid for at least ``margin`` more seconds.

        Raises:
            AuthorizationLost: not authorized, or the provider refused the refresh token.
        """
        tokens = self._tokens
        if tokens and not self._expiring(tokens):
            return tokens["access_token"]
        with self._lock:
            tokens = self._current()
            if self._expiring(tokens):
                tokens = self._refresh(tokens)
            return tokens["access_token"]

    def refreshed(self, rejected: str) -> str:
        """A new token after the provider answered 401 to ``rejected``.

        Threads that met the same 401 together cause one refresh: whoever comes second
        finds a different token stored and uses it.

        Raises:
            AuthorizationLost: the provider refused the refresh token.
        """
        with self._lock:
            tokens = self._current()
            if tokens["access_token"] == rejected:
                tokens = self._refresh(tokens)
            return tokens["access_token"]

    def _current(self) -> Tokens:
        stored = self.load()
        if not stored or not stored.get("access_token"):
            raise AuthorizationLost(self.provider)
        self._tokens = Tokens(**stored)  # type: ignore[typeddict-item]
        return self._tokens

    def _expiring(self, tokens: Tokens) -> bool:
        return tokens.get("expires_at", 0.0) - self.margin <= self.clock()

    def _refresh(self, tokens: Tokens) -> Tokens:
        self._tokens = None  # a refused refresh must not leave a rejected token cached
        if not tokens.get("refresh_token"):
            raise AuthorizationLost(self.provider)
        fresh = self.oauth.refresh(self.provider, tokens["refresh_token"])
        newest = Tokens(**{**tokens, **fresh})  # type: ignore[typeddict-item]
        self.save(dict(newest))
        self._tokens = newest
        return newest
