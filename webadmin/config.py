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

#: Where the pages are mounted in the host app.
BILLSYNC_URL_PREFIX = "/billsync"

#: ``(user, connection_id) -> bool``: may this user see and act on this connection
#: (``connection_id`` None: may they create connections)? Connections it refuses answer 404.
BILLSYNC_CAN_ADMINISTER = default_can_administer

#: ``(user) -> str``: the name the daemon's activity log records for this user's actions.
BILLSYNC_ACTOR = default_actor

#: Seconds one RPC may take before the page says the daemon did not answer.
BILLSYNC_RPC_TIMEOUT = 10.0

#: Mark the session cookie Secure, HttpOnly and SameSite=Lax. Set False only to try the
#: panel over plain http on a machine of your own.
BILLSYNC_SECURE_COOKIES = True

#: Rows per page in the links browser and the activity log.
BILLSYNC_PAGE_SIZE = 50

#: Seconds between two polls of a running sync's progress by the Bill Syncing page.
BILLSYNC_POLL_SECONDS = 1.5

#: Standalone login: failed attempts allowed per user name and address...
BILLSYNC_LOGIN_MAX_FAILURES = 5

#: ...within this many seconds, before further attempts are refused until it passes.
BILLSYNC_LOGIN_WINDOW_SECONDS = 900

DEFAULTS: dict[str, Any] = {name: value for name, value in dict(globals()).items() if name.startswith("BILLSYNC_")}
