"""The gRPC server: authentication, the mapping of domain errors, health and reflection.

Domain errors become status codes here and nowhere else, so every RPC fails the same way.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from billsync.daemon import errors
from billsync.daemon.qbo.faults import QboFault
from billsync.v1 import billsync_pb2, billsync_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = billsync_pb2.DESCRIPTOR.services_by_name["BillSync"].full_name
UNAUTHENTICATED_METHODS = ("/grpc.health.v1.Health/",)

STATUS_OF = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}
DOMAIN_ERRORS = (errors.BillsyncError, QboFault)


def status_of(error: errors.BillsyncError | QboFault) -> grpc.StatusCode:
    """The status of a domain error; a QBO fault met during an RPC is the provider being
    away (retriable) or refusing (the message says why)."""
    if isinstance(error, QboFault):
        return grpc.StatusCode.UNAVAILABLE if error.retriable else grpc.StatusCode.FAILED_PRECONDITION
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return grpc.StatusCode.FAILED_PRECONDITION


def _abort(context: grpc.ServicerContext, error: errors.BillsyncError | QboFault) -> None:
    context.abort(status_of(error), str(error))


def _guard(behaviour: Callable, streaming: bool) -> Callable:
    """Wraps one RPC so a domain error aborts the call with its status code."""
    if streaming:

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            try:
                yield from behaviour(request, context)
            except DOMAIN_ERRORS as e:
                _abort(context, e)

        return stream

    def unary(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return behaviour(request, context)
        except DOMAIN_ERRORS as e:
            _abort(context, e)

    return unary


class ErrorInterceptor(grpc.ServerInterceptor):
    """Turns domain errors raised by any BillSync RPC into status codes."""

    def intercept_service(self, continuation: Callable, details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None or not details.method.startswith(f"/{SERVICE_NAME}/"):
            return handler
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _guard(handler.unary_unary, False), handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                _guard(handler.unary_stream, True), handler.request_deserializer, handler.response_serializer
            )
        return handler


class AuthInterceptor(grpc.ServerInterceptor):
    """Refuses every call but health checks unless it carries ``authorization: Bearer <token>``."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    def intercept_service(self, continuation: Callable, details: grpc.HandlerCallDetails) -> Any:
        if details.method.startswith(UNAUTHENTICATED_METHODS):
            return continuation(details)
        given = dict(details.invocation_metadata or ()).get("authorization", "")
        if hmac.compare_digest(given.encode(), self._expected):
            return continuation(details)
        message = "missing bearer token" if not given else "wrong bearer token"

        def deny(request: Any, context: grpc.ServicerContext) -> None:
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED, f"{message}: send 'authorization: Bearer <BILLSYNC_API_TOKEN>'"
            )

        return grpc.unary_unary_rpc_method_handler(deny)


def create_server(
    address: str,
    servicer: billsync_pb2_grpc.BillSyncServicer,
    health_servicer: health.HealthServicer,
    api_token: str,
    max_workers: int = 32,
) -> tuple[grpc.Server, int]:
    """Builds and starts the server on ``address`` (port 0 picks a free one); returns it and its port."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="rpc"),
        interceptors=[AuthInterceptor(api_token), ErrorInterceptor()],
    )
    billsync_pb2_grpc.add_BillSyncServicer_to_server(servicer, server)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise errors.ConfigError(f"cannot listen on {address}: is another daemon running there?")
    server.start()
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving %s on port %d", SERVICE_NAME, port)
    return server, port
