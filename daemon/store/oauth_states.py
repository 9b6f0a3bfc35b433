"""OAuth states: each authorization a connection starts is usable once, until it expires.

The ``state`` a provider carries through the browser is a random token; the table keeps its
SHA-256 (a copy of the database completes nothing) with the connection, provider and redirect
URI it was issued for. Completing deletes the row, and whoever's DELETE removed it is the one
completion that goes on: two completions of one state, even on two daemons at once, cannot
both pass. Starting again for the same connection and provider supersedes the earlier state,
and every start prunes the states that expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from billsync.daemon.errors import InvalidArgument
from billsync.daemon.store.db import database
from billsync.daemon.store.models import OAuthState

TTL = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Started:
    """What a state was issued for."""

    connection_id: int
    provider: str
    redirect_uri: str


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def issue(started: Started, now: dt.datetime) -> str:
    """A new state for ``started``, valid until ``now`` + ``TTL``. ``now`` is the database's
    time (``store.clock``): another daemon, on another host's clock, may complete the flow."""
    state = secrets.token_urlsafe(32)
    superseded = (OAuthState.connection == started.connection_id) & (OAuthState.provider == started.provider)
    with database.atomic():
        OAuthState.delete().where((OAuthState.expires_at <= now) | superseded).execute()
        OAuthState.create(
            digest=_digest(state),
            connection=started.connection_id,
            provider=started.provider,
            redirect_uri=started.redirect_uri,
            expires_at=now + TTL,
        )
    return state


def consume(state: str, now: dt.datetime) -> Started:
    """What ``state`` was issued for, once: it is used up by this call.

    The row is read, then deleted on its own (no transaction spans both, so SQLite never has
    to upgrade a read to a write); only the call whose DELETE removed it goes on.
    """
    row = OAuthState.get_or_none(OAuthState.digest == _digest(state))
    if row is None or not OAuthState.delete().where(OAuthState.digest == row.digest).execute():
        raise InvalidArgument(
            "this authorization was already used, superseded by a newer one, or did not start here; start it again"
        )
    if row.expires_at <= now:
        raise InvalidArgument(f"this authorization expired ({TTL.seconds // 60} minutes to approve it); start it again")
    return Started(row.connection_id, row.provider, row.redirect_uri)
