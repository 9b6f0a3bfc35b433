"""The BillSync servicer: reads each request, calls the domain modules, answers in
billsync.v1 messages. Errors are raised as domain errors; server.py maps them."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator

import grpc

from billsync.daemon.alerts import subscriptions
from billsync.daemon.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from billsync.daemon.http import Http, RetryPolicy
from billsync.daemon.qbo import lists as qbo_lists
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.rpc import access, authorization, connections, convert, matches, validation
from billsync.daemon.rpc.glance import QboGlance
from billsync.daemon.store import events, leases, links, marks, paging, pins
from billsync.daemon.store.clock import database_now, database_time
from billsync.daemon.store.models import Connection, Event, Link, Run
from billsync.daemon.sync import preview, reconcile
from billsync.daemon.sync.providers import Providers
from billsync.daemon.sync.scheduler import Scheduler
from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc

PROBLEMS_ON_STATUS = 20
#: Items a Preview message carries: 1,000 take some 200 KB, far under gRPC's 4 MB.
PREVIEW_ITEMS = 1000
#: The items a Resync answer lists: a firm's every problem, 25,000 of them, would not fit in
#: one gRPC message (4 MB); ListLinks pages through them all.
RESYNC_ANSWERS = 100
#: How often a Sync stream looks at its run, and how long it waits for the run to start
#: (or Purge for a run to end) before it says why: far beyond a healthy daemon's moment,
#: and within it a loaded one still answers rather than failing the caller.
STREAM_POLL = 0.2
START_TIMEOUT = 120.0
#: Seconds one read of QBO's lists may take before the caller is told QuickBooks is unavailable.
LISTS_TIMEOUT = 10.0
#: The trust account settings, each with the role its account plays (``qbo.lists.TRUST_TYPES``).
TRUST_ACCOUNTS = {"trust_bank_account_id": "bank", "trust_liability_account_id": "liability"}


def actor_of(context: grpc.ServicerContext) -> str:
    """Who the activity log says acted: the caller's token, and the person it may name."""
    return access.current().actor(context.invocation_metadata())


def settings_changes(message: pb.UpdateSettingsRequest | pb.Settings, explicit: bool) -> dict:
    """The settings a request sets: with ``explicit``, only fields marked present."""
    changes: dict = {"item_mapping": dict(message.item_mapping), "tax_codes": dict(message.tax_codes)}
    if not explicit or message.HasField("start_date"):
        changes["start_date"] = message.start_date
    if not explicit or message.HasField("sync_interval_seconds"):
        changes["sync_interval_seconds"] = message.sync_interval_seconds
    if not explicit or message.HasField("time_zone"):
        changes["time_zone"] = message.time_zone
    if not explicit or message.HasField("tax_as_line"):
        changes["tax_as_line"] = message.tax_as_line
    if message.deposit_account_id or (explicit and message.HasField("deposit_account_id")):
        changes["deposit_account_id"] = message.deposit_account_id.strip()
    if message.trust_enabled or (explicit and message.HasField("trust_enabled")):
        changes["trust_enabled"] = message.trust_enabled
    for key in (*TRUST_ACCOUNTS, "trust_start_date"):
        if getattr(message, key) or (explicit and message.HasField(key)):
            changes[key] = getattr(message, key).strip()
    return changes


def connected(connection_id: int) -> Connection:
    connection = connections.get(connection_id)
    if connection.state != "connected":
        what = "was revoked" if connection.state == "revoked" else "needs authorization"
        raise FailedPrecondition(f"{validation.echo(connection.name)} {what}: authorize both Clio and QuickBooks first")
    return connection


class BillSyncService(billsync_pb2_grpc.BillSyncServicer):
    def __init__(self, providers: Providers, scheduler: Scheduler, qbo_app_url: str = "") -> None:
        self.providers = providers
        self.scheduler = scheduler
        self.qbo_app_url = qbo_app_url
        self.glance = QboGlance(providers, scheduler.request)
        #: Connections a Preview of this daemon plans now: one at a time each, as each re-reads the
        #: firm (a second daemon of the same database may plan its own beside).
        self._previewing: set[int] = set()
        self._previewing_lock = threading.Lock()
        #: What a settings page waits on: QBO's lists read with two tries of 10 s at most.
        self.lists_http = Http(LISTS_TIMEOUT, RetryPolicy(max_attempts=2, max_wait=2.0), observe=providers.http.observe)

    def StartAuthorization(
        self, request: pb.StartAuthorizationRequest, context: grpc.ServicerContext
    ) -> pb.StartAuthorizationResponse:
        connection = connections.get(request.connection_id)
        url, state = authorization.start(
            self.providers,
            connection,
            convert.provider_name(request.provider),
            validation.redirect_uri(request.redirect_uri),
        )
        return pb.StartAuthorizationResponse(authorize_url=url, state=state)

    def CompleteAuthorization(
        self, request: pb.CompleteAuthorizationRequest, context: grpc.ServicerContext
    ) -> pb.Connection:
        provider = convert.provider_name(request.provider)
        validation.callback(request.state, request.code)
        connection = authorization.complete(
            self.providers,
            provider,
            state=request.state,
            code=request.code,
            realm_id=validation.realm_id(request.realm_id),
            actor=actor_of(context),
            connection_id=request.connection_id,
            redirect_uri=validation.redirect_uri(request.redirect_uri),
        )
        self.providers.forget(connection.id)
        if connection.state == "connected":
            self.scheduler.request(connection.id, "authorized")
        return convert.connection(connection)

    def Sync(self, request: pb.SyncRequest, context: grpc.ServicerContext) -> Iterator[pb.SyncProgress]:
        connection = connected(request.connection_id)
        connections.start(connection, actor_of(context))
        runs = Run.select().where(Run.connection == connection)
        if request.HasField("follow_after_run_id"):
            run, joined, after = None, False, request.follow_after_run_id
        else:
            run = runs.where(Run.state == "running").order_by(Run.id.desc()).first()
            joined, after = run is not None, marks.newest_run(connection)
            # A run in progress may have read Clio and QBO before what the caller just changed:
            # the request makes another follow it, so that "sync now" covers everything until now.
            self.scheduler.request(connection.id, "sync")
        deadline = time.monotonic() + START_TIMEOUT
        while run is None and context.is_active():
            run = runs.where(Run.id > after).order_by(Run.id).first()
            if run is None and time.monotonic() > deadline:
                raise Unavailable(f"the sync did not start within {START_TIMEOUT:.0f} s; is the daemon overloaded?")
            if run is None:
                time.sleep(STREAM_POLL / 2)
        sent = None
        while context.is_active():
            message = pb.SyncProgress(run=convert.run(Run.get_by_id(run.id)), joined=joined)
            if message != sent:
                yield message
                sent = message
            if message.run.state != pb.RUN_STATE_RUNNING:
                return
            time.sleep(STREAM_POLL)

    def Preview(self, request: pb.PreviewRequest, context: grpc.ServicerContext) -> Iterator[pb.PreviewProgress]:
        """Plans the next sync in this call, writing nothing (:mod:`billsync.daemon.sync.preview`):
        it reads Clio and QuickBooks through the connection's clients, within their limits,
        beside any run of the connection. Cancelling the call stops it."""
        connection = connected(request.connection_id)
        with self._previewing_lock:
            if connection.id in self._previewing:
                raise FailedPrecondition(
                    f"a preview of {validation.echo(connection.name)} is under way already: it answers first"
                )
            self._previewing.add(connection.id)
        try:
            yield from self._preview(connection, context)
        finally:
            with self._previewing_lock:
                self._previewing.discard(connection.id)

    def _preview(self, connection: Connection, context: grpc.ServicerContext) -> Iterator[pb.PreviewProgress]:
        qbo, clio = self.providers.clients(connection)
        planning = preview.Preview(connection, qbo, clio, self.providers.config.spill_dir)
        shown: dict[str, dict[str, int]] = {}  # nothing to show until a kind is planned
        for rest in planning.steps():
            if not context.is_active():
                return
            if planning.progress != shown:
                shown = planning.progress
                yield pb.PreviewProgress(progress=convert.kind_progress(shown))
            if rest > 0:
                time.sleep(rest)
        summary = planning.summary()
        decided = pins.every(connection)
        for i in range(0, len(summary.items), PREVIEW_ITEMS):
            chunk = summary.items[i : i + PREVIEW_ITEMS]
            yield pb.PreviewProgress(
                items=[convert.preview_item(it, decided.get((it.kind, it.clio_id))) for it in chunk]
            )
        yield pb.PreviewProgress(summary=convert.preview_summary(summary))

    def DecideMatch(self, request: pb.DecideMatchRequest, context: grpc.ServicerContext) -> pb.Decision:
        connection = connected(request.connection_id)
        pin = matches.decide(
            connection,
            self.providers.quickbooks_on(connection, self.lists_http),
            self.providers.clients(connection)[1],
            kind=convert.kind_name(request.kind),
            choice=convert.choice(request.choice),
            clio_id=validation.clio_id(request.clio_id),
            qbo_id=request.qbo_id,
            actor=actor_of(context),
        )
        return convert.decision(pin) or pb.Decision(kind=request.kind, clio_id=request.clio_id)

    def SearchQboCustomers(
        self, request: pb.SearchQboCustomersRequest, context: grpc.ServicerContext
    ) -> pb.SearchQboCustomersResponse:
        connection = connected(request.connection_id)
        text = validation.text(request.text, "text", validation.NAME_MAX).strip()
        if not text:
            raise InvalidArgument("text must name a part of a customer's name, an e-mail address or a balance")
        qbo = self.providers.quickbooks_on(connection, self.lists_http)
        home = connection.home_currency or ""
        found = qbo_lists.search_customers(qbo, text)
        return pb.SearchQboCustomersResponse(customers=[convert.qbo_customer(row, home) for row in found])

    def Resync(self, request: pb.ResyncRequest, context: grpc.ServicerContext) -> pb.ResyncResponse:
        connection = connected(request.connection_id)
        query = Link.select(Link.id).where(Link.connection == connection)
        if request.all_problems:
            query = query.where(Link.state.in_(links.PROBLEM_STATES))
        else:
            ids = validation.link_ids(request.link_ids)
            query = query.where(Link.id.in_(list(ids)))
            if missing := ids - {r.id for r in query}:
                raise NotFound(f"{validation.echo(connection.name)} has no link {validation.some_ids(missing)}")
        marked = marks.mark(query)
        if not marked:
            return pb.ResyncResponse()
        first = list(Link.select().where(Link.id.in_(query)).order_by(Link.id).limit(RESYNC_ANSWERS))
        items = "1 item" if marked == 1 else f"{marked:,} items"
        named = ", ".join(r.label or r.clio_id for r in first[:10])
        events.record(connection, "link.resync", f"Re-sync requested for {items}: {named}", actor_of(context))
        after = marks.newest_run(connection)
        self.scheduler.request(connection.id, "resync")
        return pb.ResyncResponse(
            links=[convert.link(r, self.qbo_app_url) for r in first], requested=marked, after_run_id=after
        )

    def FixQboSetting(self, request: pb.FixQboSettingRequest, context: grpc.ServicerContext) -> pb.SettingsCheck:
        connection = connected(request.connection_id)
        body = qbo_settings.fix_body(validation.text(request.key, "key", validation.KEY_MAX))
        qbo, _ = self.providers.clients(connection)
        current = qbo.preferences()
        checks = qbo_settings.read_checks(
            qbo.update_preferences({**body, "Id": current["Id"], "SyncToken": current["SyncToken"]})
        )
        Connection.update(qbo_checks=checks).where(Connection.id == connection.id).execute()
        check = next(c for c in checks if c["key"] == request.key)
        events.record(connection, "settings.qbo_fixed", qbo_settings.fixed(request.key), actor_of(context))
        if not qbo_settings.held(checks, qbo_settings.CHECKS[request.key].holds):
            self.scheduler.request(connection.id, "settings")
        return convert.settings_check(check)

    # --- alerts (daemon/alerts) -----------------------------------------------------------

    def ListAlertSubscriptions(
        self, request: pb.ListAlertSubscriptionsRequest, context: grpc.ServicerContext
    ) -> pb.ListAlertSubscriptionsResponse:
        listed = subscriptions.listed(connections.get(request.connection_id))
        return pb.ListAlertSubscriptionsResponse(subscriptions=[convert.alert_subscription(s) for s in listed])

    def SetAlertSubscription(
        self, request: pb.SetAlertSubscriptionRequest, context: grpc.ServicerContext
    ) -> pb.AlertSubscription:
        row, added = subscriptions.put(
            self.providers.config,
            connections.get(request.connection_id),
            channel=convert.alert_channel_name(request.channel),
            target=request.target,
            conditions=convert.alert_condition_names(list(request.conditions)),
            digest=request.digest,
            actor=actor_of(context),
        )
        return convert.alert_subscription(row, with_secret=added)

    def DeleteAlertSubscription(
        self, request: pb.DeleteAlertSubscriptionRequest, context: grpc.ServicerContext
    ) -> pb.DeleteAlertSubscriptionResponse:
        subscriptions.remove(connections.get(request.connection_id), request.subscription_id, actor_of(context))
        return pb.DeleteAlertSubscriptionResponse()

    def SendTestAlert(
        self, request: pb.SendTestAlertRequest, context: grpc.ServicerContext
    ) -> pb.SendTestAlertResponse:
        connection = connections.get(request.connection_id)
        alerts = self.providers.alerts
        error = subscriptions.send_test(alerts.config, alerts.http, connection, request.subscription_id)
        return pb.SendTestAlertResponse(delivered=not error, error=error)

    # --- end of alerts ----------------------------------------------------------------------

    def CreateConnection(self, request: pb.CreateConnectionRequest, context: grpc.ServicerContext) -> pb.Connection:
        changes = settings_changes(request.settings, explicit=False)
        if changes.get("deposit_account_id") or changes["tax_codes"] or any(changes.get(k) for k in TRUST_ACCOUNTS):
            raise FailedPrecondition(
                "a deposit account, a trust account or a tax code is one of the QuickBooks company's: "
                "authorize QuickBooks first"
            )
        name = validation.name(request.name)
        return convert.connection(connections.create(name, changes, actor_of(context), held=request.hold_first_sync))

    def ListConnections(
        self, request: pb.ListConnectionsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionsResponse:
        rows, token = paging.page(
            access.current().visible(Connection.select()), Connection.id, request.page_size, request.page_token
        )
        return pb.ListConnectionsResponse(connections=[convert.connection(c) for c in rows], next_page_token=token)

    def DeleteConnection(
        self, request: pb.DeleteConnectionRequest, context: grpc.ServicerContext
    ) -> pb.DeleteConnectionResponse:
        connection = connections.get(request.connection_id)
        self._await_idle(connection)
        connections.delete(connection, actor_of(context))
        return pb.DeleteConnectionResponse()

    def GetSettings(self, request: pb.GetSettingsRequest, context: grpc.ServicerContext) -> pb.Settings:
        return convert.settings(connections.get(request.connection_id).settings)

    def UpdateSettings(self, request: pb.UpdateSettingsRequest, context: grpc.ServicerContext) -> pb.Settings:
        connection = connections.get(request.connection_id)
        changes = settings_changes(request, explicit=True)
        # What the settings name in QuickBooks is checked there, on one client made when first needed.
        qbo = functools.cache(lambda: self.providers.quickbooks_on(connected(connection.id), self.lists_http))
        if changes.get("deposit_account_id"):
            account_id = validation.qbo_id(changes["deposit_account_id"], "deposit_account_id")
            changes["deposit_account_name"] = qbo_lists.deposit_account(qbo(), account_id).name
        for key, role in TRUST_ACCOUNTS.items():
            if changes.get(key):
                account_id = validation.qbo_id(changes[key], key)
                changes[key.removesuffix("_id") + "_name"] = qbo_lists.trust_account(qbo(), account_id, role).name
        if chosen := {key: code for key, code in changes["tax_codes"].items() if code}:
            for key, code in chosen.items():
                validation.qbo_id(code, f"tax_codes[{validation.echo(key)}]")
            changes["tax_code_names"] = qbo_lists.tax_code_labels(qbo(), chosen)
        return convert.settings(connections.update_settings(connection, changes, actor_of(context)).settings)

    def TrustReconciliation(
        self, request: pb.TrustReconciliationRequest, context: grpc.ServicerContext
    ) -> pb.TrustReconciliationResponse:
        connection = connected(request.connection_id)
        qbo, clio = self.providers.clients(connection)
        return convert.trust_reconciliation(reconcile.report(connection, qbo, clio), request.differences_only)

    def ListQboChoices(self, request: pb.ListQboChoicesRequest, context: grpc.ServicerContext) -> pb.QboChoices:
        connection = connected(request.connection_id)
        qbo = self.providers.quickbooks_on(connection, self.lists_http)
        return convert.qbo_choices(qbo_lists.read_choices(qbo, tax_codes=connection.qbo_country not in (None, "US")))

    def Status(self, request: pb.StatusRequest, context: grpc.ServicerContext) -> pb.StatusResponse:
        connection = connections.get(request.connection_id)
        runs = Run.select().where(Run.connection == connection).order_by(Run.id.desc())
        current = runs.where(Run.state == "running").first()
        last = runs.where(Run.state != "running").first()
        counts = connections.state_counts(connection)
        checks, read_at = self.glance.checks(connection)
        return pb.StatusResponse(
            connection=convert.connection(connection),
            checks=[convert.settings_check(c) for c in checks],
            action_required=qbo_settings.action_required(checks),
            fix_steps=qbo_settings.fix_steps(checks),
            counts=convert.state_counts(counts),
            last_run=convert.run(last),
            current_run=convert.run(current),
            next_run_at=convert.timestamp(connection.next_run_at),
            # As the scheduler reckons due (``Scheduler._dispatch``), on the database's clock.
            run_due=current is None
            and connection.state == "connected"
            and not connection.held
            and (connection.next_run_at is None or connection.next_run_at <= database_time()),
            problems=[
                convert.link(r, self.qbo_app_url)
                for r in links.first_in_states(connection, links.PROBLEM_STATES, PROBLEMS_ON_STATUS)
            ],
            problem_count=sum(n for _, state, n in counts if state in links.PROBLEM_STATES),
            checks_read_at=convert.timestamp(read_at),
            qbo_settings_url=convert.settings_page(self.qbo_app_url),
        )

    def ListLinks(self, request: pb.ListLinksRequest, context: grpc.ServicerContext) -> pb.ListLinksResponse:
        connection = connections.get(request.connection_id)
        query = Link.select().where(Link.connection == connection)
        if kind := convert.kind_name(request.kind):
            query = query.where(Link.kind == kind)
        if state := convert.link_state_name(request.state):
            query = query.where(Link.state == state)
        if request.link_ids:
            query = query.where(Link.id.in_(list(validation.link_ids(request.link_ids))))
        query = links.matching(query, validation.text(request.query, "query"))
        rows, token = paging.page(query, Link.id, request.page_size, request.page_token)
        return pb.ListLinksResponse(links=[convert.link(r, self.qbo_app_url) for r in rows], next_page_token=token)

    def ListEvents(self, request: pb.ListEventsRequest, context: grpc.ServicerContext) -> pb.ListEventsResponse:
        connection = connections.get(request.connection_id)
        rows, token = paging.page(
            events.selection(
                connection,
                type_prefix=validation.text(request.type_prefix, "type_prefix"),
                since=convert.datetime_of(request, "since"),
                until=convert.datetime_of(request, "until"),
            ),
            Event.id,
            request.page_size,
            request.page_token,
            request.newest_first,
        )
        return pb.ListEventsResponse(events=[convert.event(e) for e in rows], next_page_token=token)

    def Revoke(self, request: pb.RevokeRequest, context: grpc.ServicerContext) -> pb.Connection:
        return convert.connection(self._revoke(connections.get(request.connection_id), actor_of(context)))

    def _revoke(self, connection: Connection, actor: str) -> Connection:
        """Revokes with both providers (a failure there is logged, not fatal), then locally."""
        for problem in authorization.revoke_tokens(self.providers, connection):
            events.record(
                connection,
                "connection.revoke_failed",
                f"Could not revoke with {problem}; the tokens are forgotten here anyway",
                actor,
            )
        self.providers.forget(connection.id)
        return connections.mark_revoked(connection, actor)

    def Purge(self, request: pb.PurgeRequest, context: grpc.ServicerContext) -> pb.PurgeResponse:
        connection = connections.get(request.connection_id)
        connections.check_purge_confirmation(connection, validation.text(request.confirm, "confirm"))
        actor = actor_of(context)
        connection = self._revoke(connection, actor)
        self._await_idle(connection)
        deleted = connections.purge_links(connection, actor)
        return pb.PurgeResponse(connection=convert.connection(connection), links_deleted=deleted)

    def _await_idle(self, connection: Connection) -> None:
        """Waits for a run in progress (here or on another daemon) to end, as it does at its
        next step once access is revoked, so that no write races the purge."""
        deadline = time.monotonic() + START_TIMEOUT
        while Run.select().where(Run.connection == connection, Run.state == "running").exists():
            if not leases.held(connection.id):
                # No daemon holds it: the run's daemon died mid-run.
                Run.update(
                    state="failed", error="Interrupted: the daemon running it stopped", finished_at=database_now()
                ).where(Run.connection == connection, Run.state == "running").execute()
                return
            if time.monotonic() > deadline:
                raise Unavailable(
                    "a sync of this connection is still finishing; access is revoked, so purge again in a minute"
                )
            time.sleep(STREAM_POLL)

    # --- API tokens (``access``; only an admin reaching every connection gets here) ------

    def CreateApiToken(self, request: pb.ApiTokenCreateRequest, context: grpc.ServicerContext) -> pb.ApiTokenCreated:
        row, secret = access.mint(
            request.name,
            convert.role_name(request.role),
            all_connections=request.all_connections,
            connection_ids=request.connection_ids,
            may_name_actor=request.may_name_actor,
            actor=actor_of(context),
        )
        return pb.ApiTokenCreated(token=convert.api_token(row, access.reached(row)), secret=secret)

    def ListApiTokens(self, request: pb.ApiTokenListRequest, context: grpc.ServicerContext) -> pb.ApiTokenList:
        return pb.ApiTokenList(tokens=[convert.api_token(row, access.reached(row)) for row in access.every_token()])

    def RevokeApiToken(self, request: pb.ApiTokenRevokeRequest, context: grpc.ServicerContext) -> pb.ApiToken:
        row = access.revoke(request.id)
        return convert.api_token(row, access.reached(row))
