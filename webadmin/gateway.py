"""The panel's one way to the daemon: a request-scoped gRPC client acting as the
logged-in user, and the sentence a page shows for each of the daemon's failures.

A client (and its channel) lives for one request and is closed at teardown: the panel
keeps no connection state between requests, so a daemon restart needs nothing from it.
"""

from __future__ import annotations

import os

import grpc
from flask import current_app, g
from flask_login import current_user

from billsync.daemon.rpc.client import ClientTls, DaemonClient, DaemonError
from billsync.v1 import billsync_pb2 as pb

#: Refusals the admin can act on: the daemon's message is shown as it is.
REFUSALS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS)


def refused(error: DaemonError) -> bool:
    """The daemon refused what the admin asked (bad input, the wrong state): the form says why."""
    return error.code in REFUSALS


def explain(error: DaemonError) -> str:
    """The sentence an admin reads for a failed call, and what to do about it: the
    daemon's own words for refusals, an explanation otherwise."""
    if error.unreachable:
        return (
            f"The billsync daemon is not answering ({error}). "
            "Check that it is running; this page works again as soon as it does."
        )
    if error.code == grpc.StatusCode.UNIMPLEMENTED:
        return (
            "The billsync daemon you are connected to cannot do this yet: "
            f"it does not implement {error.rpc}. Update the daemon."
        )
    if error.code == grpc.StatusCode.UNAUTHENTICATED:
        return "The billsync daemon refused the web admin's API token: set BILLSYNC_API_TOKEN to the daemon's token."
    return str(error)


def client() -> DaemonClient:
    """The current request's client, created on first use with the user as actor."""
    if "billsync_client" not in g:
        config = current_app.config
        g.billsync_client = DaemonClient(
            config["BILLSYNC_DAEMON_ADDRESS"],
            token=config["BILLSYNC_API_TOKEN"],
            actor=config["BILLSYNC_ACTOR"](current_user) if current_user.is_authenticated else "",
            timeout=config["BILLSYNC_RPC_TIMEOUT"],
            tls=ClientTls.from_env(os.environ, config),
        )
    return g.billsync_client


def close_client(exc: BaseException | None = None) -> None:
    """Teardown: closes the request's channel, which also cancels any stream left open."""
    c = g.pop("billsync_client", None)
    if c is not None:
        c.close()


def start_sync(connection_id: int) -> pb.SyncProgress | None:
    """Starts a run (or joins the running one) and returns its first progress message.

    The page then follows the run by polling Status; the contract says cancelling the
    stream stops watching, not the run, so the stream is closed with the request.
    """
    stream = client().sync(connection_id, timeout=current_app.config["BILLSYNC_RPC_TIMEOUT"])
    try:
        return next(stream, None)
    finally:
        stream.close()


def preview(connection_id: int) -> tuple[list[pb.PreviewItem], pb.PreviewSummary]:
    """Plans the next sync, writing nothing: every record's fate and the sums.

    The daemon streams its progress first; the page is drawn once it is done, so that
    progress is read and dropped. A large firm takes tens of seconds: the call may take
    BILLSYNC_PREVIEW_TIMEOUT, not the RPC timeout of every other page.
    """
    items: list[pb.PreviewItem] = []
    summary = pb.PreviewSummary()
    stream = client().preview(connection_id, timeout=current_app.config["BILLSYNC_PREVIEW_TIMEOUT"])
    try:
        for message in stream:
            items.extend(message.items)
            if message.HasField("summary"):
                summary = message.summary
    finally:
        stream.close()
    return items, summary
