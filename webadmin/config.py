"""Every ``BILLSYNC_…`` key the web admin reads, with its default.

``init_app`` copies these into ``app.config`` with ``setdefault``, so a host app sets only
what it wants to change. README.md has the same keys as a table.
"""

from __future__ import annotations

from typing import Any


def default_can_administer(user: Any, connection_id: int | None) -> bool:
    """The default rule: an authenticated user whose ``is_admin`` attribute is True may
    administer every connection (``connection_id`` None asks "may create one").

    Hosts with finer rules (per firm, per role) replace it with BILLSYNC_CAN_ADMINISTER.
    """
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "is_admin", False) is True


def default_actor(user: Any) -> str:
    """Who the activity log says acted: the user's e-mail, else name, else id."""
    for attribute in ("email", "name", "username"):
        value = getattr(user, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(user.get_id())


#: The daemon's ``host:port``. None: ``BILLSYNC_ADDRESS`` from the environment, else
#: ``127.0.0.1:50051``.
BILLSYNC_DAEMON_ADDRESS: str | None = None

#: The bearer token every RPC carries. None: ``BILLSYNC_API_TOKEN`` from the environment,
#: else the token a demo daemon keeps in its data directory (read on each request, so the
#: panel may start before the daemon).
BILLSYNC_API_TOKEN: str | None = None

#: TLS to the daemon. Each None: the environment key of the same name. The CA bundle that
#: signed the daemon's certificate (``system``: the system's trust store); unset: plaintext,
#: which is refused to a daemon off this machine unless BILLSYNC_ALLOW_PLAINTEXT is true.
BILLSYNC_TLS_CA: str | None = None

#: The panel's own certificate and key files, for a daemon that requires them (mutual TLS).
BILLSYNC_TLS_CLIENT_CERT: str | None = None
BILLSYNC_TLS_CLIENT_KEY: str | None = None

#: Allow plaintext to a daemon on another host (a private network that is encrypted otherwise).
BILLSYNC_ALLOW_PLAINTEXT: bool | None = None

#: Where the pages are mounted in the host app.
BILLSYNC_URL_PREFIX = "/billsync"

#: ``(user, connection_id) -> bool``: may this user see and act on this connection
#: (``connection_id`` None: may they create connections)? Connections it refuses answer 404.
BILLSYNC_CAN_ADMINISTER = default_can_administer

#: ``(user) -> str``: the name the daemon's activity log records for this user's actions.
BILLSYNC_ACTOR = default_actor

#: Seconds one RPC may take before the page says the daemon did not answer.
BILLSYNC_RPC_TIMEOUT = 10.0

#: Seconds the Preview page waits for the daemon to plan a sync: it reads all of Clio's new
#: records and what QuickBooks holds of them, tens of seconds for a large firm.
BILLSYNC_PREVIEW_TIMEOUT = 600.0

#: The most records the Preview page lists to settle or check; the rest are counted.
BILLSYNC_PREVIEW_ITEMS = 200

#: Mark the session cookie Secure, HttpOnly and SameSite=Lax. Set False only to try the
#: panel over plain http on a machine of your own.
BILLSYNC_SECURE_COOKIES = True

#: Rows per page in the links browser and the activity log.
BILLSYNC_PAGE_SIZE = 50

#: Seconds between two polls of a running sync's progress by the Bill Syncing page.
BILLSYNC_POLL_SECONDS = 1.5

#: Standalone login: failed attempts in a row, per user name and per address, before
#: each further failure makes the next attempt wait (1 s, then twice as long each time)...
BILLSYNC_LOGIN_FREE_FAILURES = 5

#: ...up to this many seconds: a wait, never a lock, so nobody can shut a user out for good.
BILLSYNC_LOGIN_MAX_DELAY_SECONDS = 300

#: Hours a login lasts, however active: then the user logs in again. Standalone sessions
#: end then; the panel's own forms (their CSRF tokens) never outlive it in a host app either.
BILLSYNC_SESSION_HOURS = 12

#: Standalone: how many reverse proxies in front of the panel append to X-Forwarded-For,
#: whose last address(es) are then trusted as the client's (for the login throttle). 0: the
#: peer's address, and X-Forwarded-For is ignored (anyone can write it).
BILLSYNC_TRUSTED_PROXIES = 0

DEFAULTS: dict[str, Any] = {name: value for name, value in dict(globals()).items() if name.startswith("BILLSYNC_")}
