"""Connecting a connection's two sides: the OAuth authorization-code flow, through RPCs.

The ``state`` sent to the provider is single-use and expires (``store.oauth_states``): the
callback proves which connection, provider and redirect URI it belongs to, once. The code
is exchanged with that redirect URI, which the provider checks against the one it sent the
code to, so a code is accepted only with the state of the flow that obtained it.
"""

from __future__ import annotations

import fnmatch
import logging
from typing import Any

from billsync.daemon.auth import oauth as oauth_module
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.clio import webhooks as clio_webhooks
from billsync.daemon.errors import FailedPrecondition, InvalidArgument
from billsync.daemon.rpc import connections
from billsync.daemon.rpc.validation import echo
from billsync.daemon.store import events, oauth_states
from billsync.daemon.store.clock import database_now, database_time
from billsync.daemon.store.db import database
from billsync.daemon.store.models import Connection, Link
from billsync.daemon.sync.providers import Providers

log = logging.getLogger(__name__)

NAMES = oauth_module.NAMES


def start(providers: Providers, connection: Connection, provider: str, redirect_uri: str) -> tuple[str, str]:
    """The provider's consent URL and the state it carries; an earlier state of the same
    connection and provider stops working."""
    _refuse_unlisted(redirect_uri, providers.config.redirect_uris)
    state = oauth_states.issue(oauth_states.Started(connection.id, provider, redirect_uri), database_time())
    return providers.oauth.authorize_url(provider, state, redirect_uri), state


def _refuse_unlisted(redirect_uri: str, allowed: tuple[str, ...]) -> None:
    """Only a URI the operator listed: the provider sends the code there, so any other
    would hand a grant to whoever controls it."""
    if not allowed:
        raise FailedPrecondition(
            "no redirect URI is allowed yet: set BILLSYNC_REDIRECT_URIS to the panel's callback URLs "
            "(…/oauth/clio/callback and …/oauth/qbo/callback), as registered with each provider"
        )
    if not redirect_uri.startswith(("http://", "https://")) or not any(
        fnmatch.fnmatchcase(redirect_uri, pattern) for pattern in allowed
    ):
        raise InvalidArgument(
            f"redirect_uri {echo(redirect_uri)} is not one of BILLSYNC_REDIRECT_URIS; "
            "add it there if it is the panel's own callback URL"
        )


def _use(state: str, provider: str, connection_id: int, redirect_uri: str) -> oauth_states.Started:
    """What ``state`` was started for, used up; refused unless it matches what the callback
    says (the connection and redirect URI, when it names them)."""
    started = oauth_states.consume(state, database_time())
    if started.provider != provider:
        raise InvalidArgument(f"this authorization was started for {NAMES[started.provider]}, not {NAMES[provider]}")
    if connection_id and connection_id != started.connection_id:
        raise InvalidArgument("this authorization was started for another connection; start it again from this one")
    if redirect_uri and redirect_uri != started.redirect_uri:
        raise InvalidArgument("redirect_uri is not the one this authorization was started with")
    return started


def complete(
    providers: Providers,
    provider: str,
    *,
    state: str,
    code: str,
    realm_id: str,
    actor: str,
    connection_id: int = 0,
    redirect_uri: str = "",
) -> Connection:
    """Exchanges the code, checks the account is the one the links belong to, stores the tokens.

    ``connection_id`` and ``redirect_uri``, when given, must be those the state was started with.
    """
    started = _use(state, provider, connection_id, redirect_uri)
    connection = connections.get(started.connection_id)
    if not code:
        raise InvalidArgument("code is missing: the provider did not approve access")
    if provider == "qbo" and not realm_id:
        raise InvalidArgument("realm_id is missing: QuickBooks sends realmId with the code")
    tokens = providers.oauth.exchange_code(provider, code, started.redirect_uri)
    changes: dict[Any, Any] = {}
    try:
        if provider == "qbo":
            _refuse_other_company(connection, realm_id)
            connection.qbo_realm_id = realm_id
            company = providers.quickbooks(connection, _fixed(providers, "qbo", tokens)).company_info()
            changes = {
                Connection.qbo_tokens: tokens,
                Connection.qbo_realm_id: realm_id,
                Connection.qbo_company_name: company.get("CompanyName", ""),
                Connection.qbo_country: company.get("Country") or None,
            }
        else:
            account = providers.clio(connection, _fixed(providers, "clio", tokens)).who_am_i().get("account") or {}
            _refuse_other_firm(connection, str(account.get("id", "")), account.get("name", ""))
            changes = {
                Connection.clio_tokens: tokens,
                Connection.clio_account: account.get("name", ""),
                Connection.clio_account_id: str(account.get("id", "")),
            }
    except Exception:
        _give_back(providers, provider, tokens, "an unused")  # the grant was made for nothing
        raise
    previous = connection.qbo_tokens if provider == "qbo" else connection.clio_tokens
    with database.atomic():
        Connection.update(changes).where(Connection.id == connection.id).execute()
        connection = connections.get(connection.id)
        if connection.qbo_tokens and connection.clio_tokens:
            Connection.update(state="connected", next_run_at=database_now()).where(
                Connection.id == connection.id
            ).execute()
        name = connection.qbo_company_name if provider == "qbo" else connection.clio_account
        events.record(connection, "connection.authorized", f"{NAMES[provider]} authorized ({name})", actor)
    if previous and _revocable(provider, previous) != _revocable(provider, tokens):
        _give_back(providers, provider, previous, "the replaced")  # a copy of it must not keep working
    if provider == "clio":
        clio_webhooks.subscribe(providers.clio, connection, providers.config.webhook_url)
    return connections.get(connection.id)


def _give_back(providers: Providers, provider: str, tokens: dict[str, Any], which: str) -> None:
    """Revokes a grant billsync no longer uses, best effort: a failure is logged, not raised,
    so that it neither hides the error being reported nor undoes the authorization just saved."""
    try:
        providers.oauth.revoke(provider, _revocable(provider, tokens))
    except Exception:  # noqa: BLE001 - see above
        log.warning("revoking %s %s grant failed", which, NAMES[provider])


def _refuse_other_firm(connection: Connection, account_id: str, name: str) -> None:
    """The links hold one Clio account's ids; another account's records must not update them."""
    if _linked_elsewhere(connection, connection.clio_account_id, account_id):
        raise FailedPrecondition(
            f"This connection's links belong to the Clio account {connection.clio_account!r} "
            f"(id {connection.clio_account_id}), but you authorized {name!r} (id {account_id}). "
            f"Sign in to Clio as {connection.clio_account!r}, "
            "or use Revoke and Purge first to start over with the other account."
        )


def _refuse_other_company(connection: Connection, realm_id: str) -> None:
    if _linked_elsewhere(connection, connection.qbo_realm_id, realm_id):
        raise FailedPrecondition(
            f"This connection's links point to the QuickBooks company {connection.qbo_company_name!r} "
            f"(realm {connection.qbo_realm_id}), but you authorized realm {realm_id}. "
            f"Reconnect to {connection.qbo_company_name!r}, or use Revoke and Purge first to start over "
            "with the other company (objects already in the old company are not touched)."
        )


def _linked_elsewhere(connection: Connection, linked_to: str | None, authorized: str) -> bool:
    """Whether the connection has links that belong to another account than the one authorized."""
    return bool(linked_to and linked_to != authorized and Link.select().where(Link.connection == connection).exists())


def _fixed(providers: Providers, provider: str, tokens: dict[str, Any]) -> TokenSource:
    """A token source over tokens not yet stored (the first calls after the exchange)."""
    holder = dict(tokens)
    return TokenSource(provider, lambda: holder, holder.update, providers.config, oauth=providers.oauth)


def _revocable(provider: str, tokens: dict[str, Any]) -> str:
    """QBO revokes the whole grant by its refresh token; Clio deauthorizes by the access token."""
    return tokens.get("refresh_token") or tokens["access_token"] if provider == "qbo" else tokens["access_token"]


def revoke_tokens(providers: Providers, connection: Connection) -> list[str]:
    """Revokes both providers' tokens; returns the failures (revoking goes on regardless)."""
    clio_webhooks.unsubscribe(providers.clio, connection)
    problems = []
    for provider, tokens in (("qbo", connection.qbo_tokens), ("clio", connection.clio_tokens)):
        if tokens:
            try:
                providers.oauth.revoke(provider, _revocable(provider, tokens))
            except Exception as e:  # noqa: BLE001 - the local revoke must happen even if the provider is down
                problems.append(f"{NAMES[provider]}: {e}")
    return problems
