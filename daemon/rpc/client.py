"""The daemon's gRPC client, for the CLI, the web admin and other services.

One typed method per RPC of ``billsync.v1.BillSync``, each taking keyword arguments
that build its request and returning the response message. Every call carries the
bearer token and a deadline, and any failure surfaces as one ``DaemonError`` whose
message a person can read. The channel is TLS or mutual TLS as BILLSYNC_TLS_* say
(``rpc.tls``); plaintext only to this machine unless BILLSYNC_ALLOW_PLAINTEXT.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from billsync.daemon.errors import ConfigError
from billsync.daemon.rpc.tls import ClientTls
from billsync.locations import DEFAULT_ADDRESS, default_data_dir
from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc

DEFAULT_TIMEOUT = 30.0
#: A Sync stream lasts as long as its run; an initial sync of a large firm takes hours.
SYNC_TIMEOUT = 12 * 3600.0
#: The daemon cannot be reached, as opposed to refusing what it was asked.
UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class DaemonError(Exception):
    """A call failed; ``code`` is the gRPC status code, ``rpc`` the RPC's name, the message is for people."""

    def __init__(self, message: str, code: grpc.StatusCode, rpc: str) -> None:
        super().__init__(message)
        self.code = code
        self.rpc = rpc

    @property
    def unreachable(self) -> bool:
        """The daemon is down or too slow; trying again later may work."""
        return self.code in UNREACHABLE


def _explain(e: grpc.RpcError, address: str, rpc: str) -> DaemonError:
    code = e.code()
    if code == grpc.StatusCode.UNAVAILABLE:
        message = f"cannot reach the billsync daemon at {address}: is it running? ({e.details()})"
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = f"the billsync daemon at {address} did not answer in time"
    else:
        message = e.details() or code.name
    return DaemonError(message, code, rpc)


def default_token() -> str:
    """BILLSYNC_API_TOKEN, else the token a demo daemon keeps in the data directory."""
    token = os.environ.get("BILLSYNC_API_TOKEN", "")
    if not token:
        path = os.path.join(os.environ.get("BILLSYNC_DATA_DIR") or default_data_dir(), "api-token")
        if os.path.exists(path):
            token = open(path).read().strip()
    return token


def _timestamp(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


class DaemonClient:
    """A client of one daemon: ``client.status(connection_id)``.

    ``timeout`` is the deadline of every unary call; each method also takes its own.
    """

    def __init__(
        self,
        address: str | None = None,
        token: str | None = None,
        actor: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        tls: ClientTls | None = None,
    ) -> None:
        """``tls`` None reads BILLSYNC_TLS_CA, BILLSYNC_TLS_CLIENT_CERT and _KEY, and
        BILLSYNC_ALLOW_PLAINTEXT from the environment. A configuration that would send the
        token in plaintext to another host, or names unreadable files, raises DaemonError
        (FAILED_PRECONDITION, naming the key) before any call."""
        self.address = address or os.environ.get("BILLSYNC_ADDRESS", DEFAULT_ADDRESS)
        self.timeout = timeout
        self._metadata: list[tuple[str, str | bytes]] = [
            ("authorization", f"Bearer {token if token is not None else default_token()}")
        ]
        if actor:
            # Binary metadata (``-bin``) carries any name, josé too; text metadata is ASCII only.
            self._metadata.append(("x-billsync-actor-bin", actor.encode()))
        try:
            self._channel = (tls or ClientTls.from_env(os.environ)).channel(self.address)
        except ConfigError as e:
            raise DaemonError(str(e), grpc.StatusCode.FAILED_PRECONDITION, rpc="") from e
        self._stub = billsync_pb2_grpc.BillSyncStub(self._channel)

    def create_connection(
        self,
        name: str,
        *,
        start_date: str = "",
        sync_interval_seconds: int = 0,
        item_mapping: Mapping[str, str] | None = None,
        hold_first_sync: bool = False,
        timeout: float | None = None,
    ) -> pb.Connection:
        """Creates a connection; settings left out take the daemon's defaults. With
        ``hold_first_sync`` its first sync waits until :meth:`sync` starts it."""
        settings = pb.Settings(
            start_date=start_date, sync_interval_seconds=sync_interval_seconds, item_mapping=item_mapping
        )
        request = pb.CreateConnectionRequest(name=name, settings=settings, hold_first_sync=hold_first_sync)
        return self._call("CreateConnection", request, timeout)

    def list_connections(
        self, *, page_size: int = 0, page_token: str = "", timeout: float | None = None
    ) -> pb.ListConnectionsResponse:
        """One page of connections, oldest first."""
        request = pb.ListConnectionsRequest(page_size=page_size, page_token=page_token)
        return self._call("ListConnections", request, timeout)

    def all_connections(self, *, timeout: float | None = None) -> Iterator[pb.Connection]:
        """Every connection, oldest first, read page after page (each call with its deadline)."""
        token = ""
        while True:
            page = self.list_connections(page_token=token, timeout=timeout)
            yield from page.connections
            if not (token := page.next_page_token):
                return

    def delete_connection(self, connection_id: int, *, timeout: float | None = None) -> pb.DeleteConnectionResponse:
        """Deletes a connection that holds no grant (never authorized, or revoked) and no link."""
        return self._call("DeleteConnection", pb.DeleteConnectionRequest(connection_id=connection_id), timeout)

    def start_authorization(
        self, connection_id: int, provider: pb.Provider, *, redirect_uri: str, timeout: float | None = None
    ) -> pb.StartAuthorizationResponse:
        """The provider's consent URL to send the admin's browser to, and the state it carries."""
        request = pb.StartAuthorizationRequest(
            connection_id=connection_id, provider=provider, redirect_uri=redirect_uri
        )
        return self._call("StartAuthorization", request, timeout)

    def complete_authorization(
        self,
        provider: pb.Provider,
        *,
        state: str,
        code: str,
        redirect_uri: str,
        realm_id: str = "",
        connection_id: int = 0,
        timeout: float | None = None,
    ) -> pb.Connection:
        """Exchanges the code the provider sent back to the redirect URI for tokens; with
        ``connection_id``, only if the authorization was started for that connection."""
        request = pb.CompleteAuthorizationRequest(
            provider=provider,
            state=state,
            code=code,
            realm_id=realm_id,
            redirect_uri=redirect_uri,
            connection_id=connection_id,
        )
        return self._call("CompleteAuthorization", request, timeout)

    def sync(
        self, connection_id: int, *, follow_after_run_id: int | None = None, timeout: float = SYNC_TIMEOUT
    ) -> Iterator[pb.SyncProgress]:
        """Streams the progress of a run (started or joined; with ``follow_after_run_id``,
        the first run after that one, which a Resync asked for); the deadline bounds the
        whole run."""
        request = pb.SyncRequest(connection_id=connection_id, follow_after_run_id=follow_after_run_id)
        stream = self._call("Sync", request, timeout)
        with self._failures("Sync"):  # a stream fails while it is read, not when it is opened
            yield from stream

    def preview(self, connection_id: int, *, timeout: float = SYNC_TIMEOUT) -> Iterator[pb.PreviewProgress]:
        """Streams a preview of the next sync, which writes nothing: progress, then every
        record's fate, then the sums (``PreviewProgress.summary``, the last message)."""
        stream = self._call("Preview", pb.PreviewRequest(connection_id=connection_id), timeout)
        with self._failures("Preview"):
            yield from stream

    def decide_match(
        self,
        connection_id: int,
        kind: pb.Kind,
        clio_id: str,
        choice: pb.Choice,
        *,
        qbo_id: str = "",
        timeout: float | None = None,
    ) -> pb.Decision:
        """Decides how a record not yet in QuickBooks meets what it holds (CHOICE_UNSPECIFIED: withdraws)."""
        request = pb.DecideMatchRequest(
            connection_id=connection_id, kind=kind, clio_id=clio_id, choice=choice, qbo_id=qbo_id
        )
        return self._call("DecideMatch", request, timeout)

    def search_qbo_customers(
        self, connection_id: int, text: str, *, timeout: float | None = None
    ) -> pb.SearchQboCustomersResponse:
        """QuickBooks customers by a part of the name, an e-mail address or a balance."""
        request = pb.SearchQboCustomersRequest(connection_id=connection_id, text=text)
        return self._call("SearchQboCustomers", request, timeout)

    def status(self, connection_id: int, *, timeout: float | None = None) -> pb.StatusResponse:
        """Everything the Bill Syncing page shows, in one call."""
        return self._call("Status", pb.StatusRequest(connection_id=connection_id), timeout)

    def resync(
        self,
        connection_id: int,
        *,
        link_ids: Iterable[int] = (),
        all_problems: bool = False,
        timeout: float | None = None,
    ) -> pb.ResyncResponse:
        """Marks the given links, or with ``all_problems`` every broken and failed one, to be
        pushed again by the next run; ``sync(follow_after_run_id=answer.after_run_id)``
        follows that run."""
        request = pb.ResyncRequest(connection_id=connection_id, link_ids=link_ids, all_problems=all_problems)
        return self._call("Resync", request, timeout)

    def revoke(self, connection_id: int, *, timeout: float | None = None) -> pb.Connection:
        """Revokes both providers' tokens and stops syncing; every link is kept."""
        return self._call("Revoke", pb.RevokeRequest(connection_id=connection_id), timeout)

    def purge(self, connection_id: int, *, confirm: str, timeout: float | None = None) -> pb.PurgeResponse:
        """Revokes, then deletes every link; ``confirm`` is the QBO company name or realm id."""
        return self._call("Purge", pb.PurgeRequest(connection_id=connection_id, confirm=confirm), timeout)

    def list_links(
        self,
        connection_id: int,
        *,
        kind: pb.Kind = pb.KIND_UNSPECIFIED,
        state: pb.LinkState = pb.LINK_STATE_UNSPECIFIED,
        page_size: int = 0,
        page_token: str = "",
        query: str = "",
        link_ids: Iterable[int] = (),
        timeout: float | None = None,
    ) -> pb.ListLinksResponse:
        """One page of links, filtered by kind, state, words of their label and ids when given."""
        request = pb.ListLinksRequest(
            connection_id=connection_id,
            kind=kind,
            state=state,
            page_size=page_size,
            page_token=page_token,
            query=query,
            link_ids=link_ids,
        )
        return self._call("ListLinks", request, timeout)

    def list_events(
        self,
        connection_id: int,
        *,
        page_size: int = 0,
        page_token: str = "",
        newest_first: bool = False,
        type_prefix: str = "",
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        timeout: float | None = None,
    ) -> pb.ListEventsResponse:
        """One page of the activity log, in the order things happened unless ``newest_first``,
        of one family of events (``type_prefix``) within [``since``, ``until``) when given
        (aware datetimes)."""
        request = pb.ListEventsRequest(
            connection_id=connection_id,
            page_size=page_size,
            page_token=page_token,
            newest_first=newest_first,
            type_prefix=type_prefix,
            since=_timestamp(since),
            until=_timestamp(until),
        )
        return self._call("ListEvents", request, timeout)

    def get_settings(self, connection_id: int, *, timeout: float | None = None) -> pb.Settings:
        """The connection's settings."""
        return self._call("GetSettings", pb.GetSettingsRequest(connection_id=connection_id), timeout)

    def update_settings(
        self,
        connection_id: int,
        *,
        start_date: str | None = None,
        sync_interval_seconds: int | None = None,
        item_mapping: Mapping[str, str] | None = None,
        time_zone: str | None = None,
        tax_as_line: bool | None = None,
        deposit_account_id: str | None = None,
        tax_codes: Mapping[str, str] | None = None,
        trust_enabled: bool | None = None,
        trust_bank_account_id: str | None = None,
        trust_liability_account_id: str | None = None,
        trust_start_date: str | None = None,
        timeout: float | None = None,
    ) -> pb.Settings:
        """Changes only the settings given (None leaves one as it is); returns them all."""
        request = pb.UpdateSettingsRequest(
            connection_id=connection_id,
            start_date=start_date,
            sync_interval_seconds=sync_interval_seconds,
            item_mapping=item_mapping,
            time_zone=time_zone,
            tax_as_line=tax_as_line,
            deposit_account_id=deposit_account_id,
            tax_codes=tax_codes,
            trust_enabled=trust_enabled,
            trust_bank_account_id=trust_bank_account_id,
            trust_liability_account_id=trust_liability_account_id,
            trust_start_date=trust_start_date,
        )
        return self._call("UpdateSettings", request, timeout)

    def list_qbo_choices(self, connection_id: int, *, timeout: float | None = None) -> pb.QboChoices:
        """The QuickBooks company's active items and accounts, which the settings choose from."""
        return self._call("ListQboChoices", pb.ListQboChoicesRequest(connection_id=connection_id), timeout)

    def trust_reconciliation(
        self, connection_id: int, *, differences_only: bool = False, timeout: float | None = None
    ) -> pb.TrustReconciliationResponse:
        """Per client, Clio's trust balance beside the QuickBooks trust liability, as both are now."""
        request = pb.TrustReconciliationRequest(connection_id=connection_id, differences_only=differences_only)
        return self._call("TrustReconciliation", request, timeout)

    def fix_qbo_setting(self, connection_id: int, key: str, *, timeout: float | None = None) -> pb.SettingsCheck:
        """Turns the QuickBooks company setting ``key`` on through the API, where the API allows it."""
        return self._call("FixQboSetting", pb.FixQboSettingRequest(connection_id=connection_id, key=key), timeout)

    def create_api_token(
        self,
        role: pb.ApiTokenRole,
        *,
        name: str = "",
        connection_ids: Iterable[int] = (),
        all_connections: bool = False,
        may_name_actor: bool = False,
        timeout: float | None = None,
    ) -> pb.ApiTokenCreated:
        """Mints a token with ``role`` for the connections listed, or all of them; its
        ``secret`` is in this answer only."""
        request = pb.ApiTokenCreateRequest(
            name=name,
            role=role,
            connection_ids=connection_ids,
            all_connections=all_connections,
            may_name_actor=may_name_actor,
        )
        return self._call("CreateApiToken", request, timeout)

    def list_api_tokens(self, *, timeout: float | None = None) -> pb.ApiTokenList:
        """Every minted token, revoked ones too, oldest first; never their secrets."""
        return self._call("ListApiTokens", pb.ApiTokenListRequest(), timeout)

    def revoke_api_token(self, token_id: int, *, timeout: float | None = None) -> pb.ApiToken:
        """Revokes a token: the daemon refuses it from its next call on."""
        return self._call("RevokeApiToken", pb.ApiTokenRevokeRequest(id=token_id), timeout)

    # --- alerts ---------------------------------------------------------------------------

    def list_alert_subscriptions(
        self, connection_id: int, *, timeout: float | None = None
    ) -> pb.ListAlertSubscriptionsResponse:
        """Who hears about what of the connection, oldest first."""
        request = pb.ListAlertSubscriptionsRequest(connection_id=connection_id)
        return self._call("ListAlertSubscriptions", request, timeout)

    def set_alert_subscription(
        self,
        connection_id: int,
        *,
        channel: pb.AlertChannel,
        target: str,
        conditions: Iterable[pb.AlertCondition],
        digest: bool = False,
        timeout: float | None = None,
    ) -> pb.AlertSubscription:
        """Adds a recipient (an e-mail address or a webhook URL), or changes what one hears
        about; a new webhook's signing secret is in this answer only."""
        request = pb.SetAlertSubscriptionRequest(
            connection_id=connection_id, channel=channel, target=target, conditions=conditions, digest=digest
        )
        return self._call("SetAlertSubscription", request, timeout)

    def delete_alert_subscription(
        self, connection_id: int, subscription_id: int, *, timeout: float | None = None
    ) -> pb.DeleteAlertSubscriptionResponse:
        """Removes a recipient, with the messages to it still waiting."""
        request = pb.DeleteAlertSubscriptionRequest(connection_id=connection_id, subscription_id=subscription_id)
        return self._call("DeleteAlertSubscription", request, timeout)

    def send_test_alert(
        self, connection_id: int, subscription_id: int, *, timeout: float | None = None
    ) -> pb.SendTestAlertResponse:
        """Sends a test message to the recipient now, and says whether it was delivered."""
        request = pb.SendTestAlertRequest(connection_id=connection_id, subscription_id=subscription_id)
        return self._call("SendTestAlert", request, timeout)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, rpc: str, request: Message, timeout: float | None) -> Any:
        """Every RPC goes out here: with its deadline, the token and actor, and failures as DaemonError."""
        with self._failures(rpc):
            return getattr(self._stub, rpc)(request, timeout=timeout or self.timeout, metadata=self._metadata)

    @contextmanager
    def _failures(self, rpc: str) -> Iterator[None]:
        try:
            yield
        except grpc.RpcError as e:
            raise _explain(e, self.address, rpc) from e
