"""The daemon's gRPC client, for the CLI, the web admin and other services.

Every call carries the bearer token and a deadline, and any failure surfaces as one
``DaemonError`` whose message a person can read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import grpc

from billsync.daemon.config import DEFAULT_ADDRESS
from billsync.datadir import default_data_dir
from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc

DEFAULT_TIMEOUT = 30.0
#: A Sync stream lasts as long as its run; an initial sync of a large firm takes hours.
SYNC_TIMEOUT = 12 * 3600.0


class DaemonError(Exception):
    """A call failed; ``code`` is the gRPC status code, the message is for people."""

    def __init__(self, message: str, code: grpc.StatusCode) -> None:
        super().__init__(message)
        self.code = code


def _explain(e: grpc.RpcError, address: str) -> DaemonError:
    code = e.code()
    if code == grpc.StatusCode.UNAVAILABLE:
        return DaemonError(f"cannot reach the billsync daemon at {address}: is it running? ({e.details()})", code)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return DaemonError(f"the billsync daemon at {address} did not answer in time", code)
    return DaemonError(e.details() or code.name, code)


def default_token() -> str:
    """BILLSYNC_API_TOKEN, else the token a demo daemon keeps in the data directory."""
    token = os.environ.get("BILLSYNC_API_TOKEN", "")
    if not token:
        path = os.path.join(os.environ.get("BILLSYNC_DATA_DIR") or default_data_dir(), "api-token")
        if os.path.exists(path):
            token = open(path).read().strip()
    return token


class DaemonClient:
    """A thin wrapper over the generated stub: ``client.call("Status", StatusRequest(...))``."""

    def __init__(
        self, address: str | None = None, token: str | None = None, actor: str = "", timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.address = address or os.environ.get("BILLSYNC_ADDRESS", DEFAULT_ADDRESS)
        self.timeout = timeout
        self._metadata = [("authorization", f"Bearer {token if token is not None else default_token()}")]
        if actor:
            self._metadata.append(("x-billsync-actor", actor))
        self._channel = grpc.insecure_channel(self.address)
        self._stub = billsync_pb2_grpc.BillSyncStub(self._channel)

    def call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise _explain(e, self.address) from e

    def sync(self, connection_id: int, timeout: float = SYNC_TIMEOUT) -> Iterator[pb.SyncProgress]:
        """Streams the progress of a run; the deadline bounds the whole run."""
        stream = self._stub.Sync(pb.SyncRequest(connection_id=connection_id), timeout=timeout, metadata=self._metadata)
        try:
            yield from stream
        except grpc.RpcError as e:
            raise _explain(e, self.address) from e

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
