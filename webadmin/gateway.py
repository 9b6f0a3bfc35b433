"""The panel's one way to the daemon: a request-scoped gRPC client acting as the
logged-in user, and the daemon's failures turned into one exception the pages can show.

A client (and its channel) lives for one request and is closed at teardown: the panel
keeps no connection state between requests, so a daemon restart needs nothing from it.
"""

from __future__ import annotations

from typing import Any

import grpc
from flask import current_app, g
from flask_login import current_user

from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.v1 import billsync_pb2 as pb

UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
#: Refusals the admin can act on: the daemon's message is shown as it is.
REFUSALS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS)


class CallFailed(Exception):
    """An RPC failed. ``code`` is the gRPC status, ``method`` the RPC, and ``str()`` a
    sentence for the page: the daemon's own words for refusals, an explanation otherwise."""

    def __init__(self, method: str, error: DaemonError) -> None:
        self.method = method
        self.code = error.code
        super().__init__(explain(method, error))

    @property
    def unreachable(self) -> bool:
        return self.code in UNREACHABLE

    @property
    def refused(self) -> bool:
        return self.code in REFUSALS


def explain(method: str, error: DaemonError) -> str:
    """The sentence an admin reads for a failed call, and what to do about it."""
    if error.code in UNREACHABLE:
        return f"The billsync daemon is not answering ({error}). Check that it is running; this page works again as soon as it does."
    if error.code == grpc.StatusCode.UNIMPLEMENTED:
        return f"The billsync daemon you are connected to cannot do this yet: it does not implement {method}. Update the daemon."
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
        )
    return g.billsync_client


def close_client(exc: BaseException | None = None) -> None:
    """Teardown: closes the request's channel, which also cancels any stream left open."""
    c = g.pop("billsync_client", None)
    if c is not None:
        c.close()


def rpc(method: str, request: Any) -> Any:
    """Calls one unary RPC; raises CallFailed."""
    try:
        return client().call(method, request)
    except DaemonError as e:
        raise CallFailed(method, e) from e


def start_sync(connection_id: int) -> pb.SyncProgress | None:
    """Starts a run (or joins the running one) and returns its first progress message.

    The page then follows the run by polling Status; the contract says cancelling the
    stream stops watching, not the run, so the stream is closed with the request.
    """
    stream = client().sync(connection_id, timeout=current_app.config["BILLSYNC_RPC_TIMEOUT"])
    try:
        return next(stream, None)
    except DaemonError as e:
        raise CallFailed("Sync", e) from e
    finally:
        stream.close()
