"""The gRPC server: authentication, the mapping of domain errors, health and reflection.

Domain errors become status codes here and nowhere else, so every RPC fails the same way.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from billsync.daemon import errors
from billsync.daemon.observe import context as observed
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.rpc import access
from billsync.daemon.rpc.tls import ServerTls
from billsync.v1 import billsync_pb2, billsync_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = billsync_pb2.DESCRIPTOR.services_by_name["BillSync"].full_name
UNAUTHENTICATED_METHODS = ("/grpc.health.v1.Health/",)

STATUS_OF = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}
DOMAIN_ERRORS = (errors.BillsyncError, QboFault)
#: UTF-8 bytes of a status message. gRPC sends it percent-encoded (up to three characters a
#: byte) in trailing metadata, which clients cap at 8 KiB: past that the caller would get a
#: transport error instead of the message.
DETAILS_MAX = 2000


def status_of(error: errors.BillsyncError | QboFault) -> grpc.StatusCode:
    """The status of a domain error; a QBO fault met during an RPC is the provider being
    away (retriable) or refusing (the message says why)."""
    if isinstance(error, QboFault):
        return grpc.StatusCode.UNAVAILABLE if error.retriable else grpc.StatusCode.FAILED_PRECONDITION
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return grpc.StatusCode.FAILED_PRECONDITION


def _details(message: str) -> str:
    """``message``, cut to fit in gRPC's trailing metadata."""
    encoded = message.encode()
    if len(encoded) <= DETAILS_MAX:
        return message
    return encoded[: DETAILS_MAX - 3].decode("utf-8", "ignore") + "…"


def _fail(context: grpc.ServicerContext, method: str, error: Exception) -> None:
    """Aborts the call: a domain error with its status and message; anything else is a fault
    of the daemon, INTERNAL with a generic message, its details (which may quote SQL or a
    firm's data) in the log under a reference the message gives."""
    if isinstance(error, DOMAIN_ERRORS):
        context.abort(status_of(error), _details(str(error)))
    if context.code() not in (None, grpc.StatusCode.OK):
        raise error  # the RPC aborted the call itself, with its own status
    reference = secrets.token_hex(4)
    log.error("%s failed unexpectedly (reference %s)", method, reference, exc_info=error)
    context.abort(
        grpc.StatusCode.INTERNAL, f"the daemon failed unexpectedly; its log has the details (reference {reference})"
    )


def _concerning(request: Any) -> AbstractContextManager[None]:
    """The request's connection, bound for the metrics and log lines of what a unary call does
    (a stream, Sync, only watches a run, whose steps bind their own)."""
    connection_id = getattr(request, "connection_id", 0)
    return observed.bound(connection_id) if connection_id else nullcontext()


#: Stands for a request whose bytes are not the RPC's message (gRPC itself would answer INTERNAL).
UNDECODABLE = object()


def _lenient(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError:
            return UNDECODABLE

    return deserialize


def _decoded(request: Any) -> Any:
    if request is UNDECODABLE:
        raise errors.InvalidArgument("the request is not a valid message of this RPC (is the client's .proto current?)")
    return request


def _guard(behaviour: Callable, method: str, streaming: bool) -> Callable:
    """Wraps one RPC so that whatever it raises aborts the call with its status code."""
    if streaming:

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            try:
                yield from behaviour(_decoded(request), context)
            except Exception as e:  # noqa: BLE001 - every failure gets its status, see _fail
                _fail(context, method, e)

        return stream

    def unary(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            with _concerning(request):
                return behaviour(_decoded(request), context)
        except Exception as e:  # noqa: BLE001 - every failure gets its status, see _fail
            _fail(context, method, e)

    return unary


class ErrorInterceptor(grpc.ServerInterceptor):
    """Turns whatever any BillSync RPC raises into a status code."""

    def intercept_service(self, continuation: Callable, details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None or not details.method.startswith(f"/{SERVICE_NAME}/"):
            return handler
        wire = _lenient(handler.request_deserializer), handler.response_serializer
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(_guard(handler.unary_unary, details.method, False), *wire)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(_guard(handler.unary_stream, details.method, True), *wire)
        return handler


class AuthInterceptor(grpc.ServerInterceptor):
    """Runs every call but health checks as the caller its bearer token makes (``access``):
    UNAUTHENTICATED without a valid token; for a BillSync RPC, PERMISSION_DENIED or
    NOT_FOUND beyond the token's role and connections. Access is decided here only.

    Interceptors run on the server's one polling thread, so the token is looked up in the
    database by the wrapped handler, on the RPC's own thread.
    """

    def __init__(self, bootstrap_token: str) -> None:
        self._bootstrap = bootstrap_token

    def intercept_service(self, continuation: Callable, details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None or details.method.startswith(UNAUTHENTICATED_METHODS):
            return handler
        authorization = dict(details.invocation_metadata or ()).get("authorization", "")
        service, _, rpc = details.method.removeprefix("/").partition("/")

        def admit(request: Any, context: grpc.ServicerContext) -> contextvars.Context:
            try:
                principal = access.authenticate(authorization, self._bootstrap)
                if principal is None:
                    raise errors.Unauthenticated(
                        f"{'wrong or revoked' if authorization else 'missing'} bearer token: send "
                        "'authorization: Bearer <BILLSYNC_API_TOKEN or a token from billsync tokens create>'"
                    )
                if service == SERVICE_NAME:
                    principal.check(rpc, request)
                return access.bound(principal)
            except Exception as e:  # noqa: BLE001 - refused, or failed (the database), each with its status
                _fail(context, details.method, e)

        return _rewrapped(handler, lambda behaviour, streaming: _admitted(admit, behaviour, streaming))


#: The four shapes of a gRPC handler: its attribute, its constructor, and whether it streams its answers.
HANDLER_KINDS = (
    ("unary_unary", grpc.unary_unary_rpc_method_handler, False),
    ("unary_stream", grpc.unary_stream_rpc_method_handler, True),
    ("stream_unary", grpc.stream_unary_rpc_method_handler, False),
    ("stream_stream", grpc.stream_stream_rpc_method_handler, True),
)


def _rewrapped(handler: grpc.RpcMethodHandler, wrap: Callable[[Callable, bool], Callable]) -> grpc.RpcMethodHandler:
    """``handler`` with its behaviour wrapped by ``wrap(behaviour, streaming)``."""
    for attribute, make, streaming in HANDLER_KINDS:
        if behaviour := getattr(handler, attribute):
            return make(wrap(behaviour, streaming), handler.request_deserializer, handler.response_serializer)
    return handler


_END = object()


def _admitted(admit: Callable, behaviour: Callable, streaming: bool) -> Callable:
    """``behaviour`` run, once ``admit`` lets the call in, in the context it returns (each
    answer of a stream too), where ``access.current()`` is the caller."""
    if streaming:

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            scope = admit(request, context)
            answers = scope.run(behaviour, request, context)
            while (answer := scope.run(next, answers, _END)) is not _END:
                yield answer

        return stream

    def unary(request: Any, context: grpc.ServicerContext) -> Any:
        return admit(request, context).run(behaviour, request, context)

    return unary


def create_server(
    address: str,
    servicer: billsync_pb2_grpc.BillSyncServicer,
    health_servicer: health.HealthServicer,
    api_token: str,
    max_workers: int = 32,
    tls: ServerTls = ServerTls(),
) -> tuple[grpc.Server, int]:
    """Builds and starts the server on ``address`` (port 0 picks a free one); returns it and its port.

    ``api_token`` is the bootstrap token; ``tls`` how to listen (plaintext: on loopback only,
    unless allowed)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="rpc"),
        interceptors=[AuthInterceptor(api_token), ErrorInterceptor()],
        options=[("grpc.so_reuseport", 0)],  # else a second daemon shares the port and half the calls
    )
    billsync_pb2_grpc.add_BillSyncServicer_to_server(servicer, server)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    try:
        port = tls.listen(server, address)
    except RuntimeError:  # grpcio raises where it used to return 0
        port = 0
    if port == 0:
        raise errors.ConfigError(f"cannot listen on {address} (BILLSYNC_ADDRESS): is the daemon already running there?")
    server.start()
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving %s on port %d", SERVICE_NAME, port)
    return server, port
