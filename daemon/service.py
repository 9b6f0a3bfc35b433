"""The BillSync servicer: reads each request, calls the domain modules, answers in
billsync.v1 messages. Errors are raised as domain errors; server.py maps them."""

from __future__ import annotations

import grpc

from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc
from daemon import connections, convert, paging
from daemon.models import Connection, Event, Link, Run

ACTOR_METADATA = "x-billsync-actor"
PROBLEM_STATES = ("broken", "failed")
PROBLEMS_ON_STATUS = 20


def actor_of(context: grpc.ServicerContext) -> str:
    return dict(context.invocation_metadata()).get(ACTOR_METADATA, "").strip()[:200] or "api"


def settings_changes(message: pb.UpdateSettingsRequest | pb.Settings, explicit: bool) -> dict:
    """The settings a request sets: with ``explicit``, only fields marked present."""
    changes: dict = {"item_mapping": dict(message.item_mapping)}
    if not explicit or message.HasField("start_date"):
        changes["start_date"] = message.start_date
    if not explicit or message.HasField("sync_interval_seconds"):
        changes["sync_interval_seconds"] = message.sync_interval_seconds
    return changes


class BillSyncService(billsync_pb2_grpc.BillSyncServicer):
    def __init__(self, qbo_app_url: str = "") -> None:
        self.qbo_app_url = qbo_app_url

    def CreateConnection(self, request: pb.CreateConnectionRequest, context: grpc.ServicerContext) -> pb.Connection:
        changes = settings_changes(request.settings, explicit=False)
        return convert.connection(connections.create(request.name, changes, actor_of(context)))

    def ListConnections(self, request: pb.ListConnectionsRequest, context: grpc.ServicerContext) -> pb.ListConnectionsResponse:
        return pb.ListConnectionsResponse(connections=[convert.connection(c) for c in Connection.select().order_by(Connection.id)])

    def GetSettings(self, request: pb.GetSettingsRequest, context: grpc.ServicerContext) -> pb.Settings:
        return convert.settings(connections.get(request.connection_id).settings)

    def UpdateSettings(self, request: pb.UpdateSettingsRequest, context: grpc.ServicerContext) -> pb.Settings:
        connection = connections.get(request.connection_id)
        changes = settings_changes(request, explicit=True)
        return convert.settings(connections.update_settings(connection, changes, actor_of(context)).settings)

    def Status(self, request: pb.StatusRequest, context: grpc.ServicerContext) -> pb.StatusResponse:
        connection = connections.get(request.connection_id)
        runs = Run.select().where(Run.connection == connection).order_by(Run.id.desc())
        current = runs.where(Run.state == "running").first()
        last = runs.where(Run.state != "running").first()
        problems = Link.select().where(Link.connection == connection, Link.state.in_(PROBLEM_STATES))
        return pb.StatusResponse(
            connection=convert.connection(connection),
            counts=[pb.StateCount(kind=convert.KIND[k], state=convert.LINK_STATE[s], count=n) for k, s, n in connections.state_counts(connection)],
            last_run=convert.run(last),
            current_run=convert.run(current),
            next_run_at=convert.timestamp(connection.next_run_at),
            problems=[convert.link(r, self.qbo_app_url) for r in problems.order_by(Link.id).limit(PROBLEMS_ON_STATUS)],
            problem_count=problems.count(),
        )

    def ListLinks(self, request: pb.ListLinksRequest, context: grpc.ServicerContext) -> pb.ListLinksResponse:
        connection = connections.get(request.connection_id)
        query = Link.select().where(Link.connection == connection)
        if kind := convert.kind_name(request.kind):
            query = query.where(Link.kind == kind)
        if state := convert.link_state_name(request.state):
            query = query.where(Link.state == state)
        rows, token = paging.page(query, Link.id, request.page_size, request.page_token)
        return pb.ListLinksResponse(links=[convert.link(r, self.qbo_app_url) for r in rows], next_page_token=token)

    def ListEvents(self, request: pb.ListEventsRequest, context: grpc.ServicerContext) -> pb.ListEventsResponse:
        connection = connections.get(request.connection_id)
        rows, token = paging.page(Event.select().where(Event.connection == connection), Event.id, request.page_size, request.page_token)
        return pb.ListEventsResponse(events=[convert.event(e) for e in rows], next_page_token=token)

    def Revoke(self, request: pb.RevokeRequest, context: grpc.ServicerContext) -> pb.Connection:
        connection = connections.get(request.connection_id)
        return convert.connection(connections.mark_revoked(connection, actor_of(context)))

    def Purge(self, request: pb.PurgeRequest, context: grpc.ServicerContext) -> pb.PurgeResponse:
        connection = connections.get(request.connection_id)
        connections.check_purge_confirmation(connection, request.confirm)
        actor = actor_of(context)
        connection = connections.mark_revoked(connection, actor)
        deleted = connections.purge_links(connection, actor)
        return pb.PurgeResponse(connection=convert.connection(connection), links_deleted=deleted)
