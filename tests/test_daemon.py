"""The daemon as a gRPC peer sees it: health, reflection, authentication, shutdown."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from billsync.daemon import errors
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.rpc import server
from billsync.v1 import billsync_pb2 as pb
from billsync.v1 import billsync_pb2_grpc


def health_status(address: str, service: str = "") -> int:
    with grpc.insecure_channel(address) as channel:
        return (
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        )


def test_health_reports_serving_without_a_token(address):
    assert health_status(address) == health_pb2.HealthCheckResponse.SERVING
    assert health_status(address, "billsync.v1.BillSync") == health_pb2.HealthCheckResponse.SERVING


def test_health_reports_not_serving_on_shutdown(daemon, address):
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        daemon.health.enter_graceful_shutdown()
        assert (
            stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.NOT_SERVING
        )


def reflect(
    address: str, token: str, request: reflection_pb2.ServerReflectionRequest
) -> reflection_pb2.ServerReflectionResponse:
    with grpc.insecure_channel(address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        return next(
            stub.ServerReflectionInfo(iter([request]), metadata=[("authorization", f"Bearer {token}")], timeout=5)
        )


def test_reflection_lists_the_service_and_its_rpcs(address, config):
    listed = reflect(address, config.api_token, reflection_pb2.ServerReflectionRequest(list_services=""))
    assert "billsync.v1.BillSync" in {s.name for s in listed.list_services_response.service}
    found = reflect(
        address, config.api_token, reflection_pb2.ServerReflectionRequest(file_containing_symbol="billsync.v1.BillSync")
    )
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(b) for b in found.file_descriptor_response.file_descriptor_proto
    ]
    methods = {m.name for f in files for s in f.service if s.name == "BillSync" for m in s.method}
    assert {"Sync", "Status", "Resync", "Revoke", "Purge", "ListLinks", "ListEvents", "CreateConnection"} <= methods


@pytest.mark.parametrize(
    "metadata",
    [[], [("authorization", "Bearer wrong")], [("authorization", "Basic abc")]],
    ids=["missing", "wrong", "not-bearer"],
)
def test_calls_without_the_right_token_are_unauthenticated(address, metadata):
    with grpc.insecure_channel(address) as channel:
        stub = billsync_pb2_grpc.BillSyncStub(channel)
        with pytest.raises(grpc.RpcError) as unary:
            stub.ListConnections(pb.ListConnectionsRequest(), metadata=metadata, timeout=5)
        with pytest.raises(grpc.RpcError) as stream:
            list(stub.Sync(pb.SyncRequest(connection_id=1), metadata=metadata, timeout=5))
    assert unary.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert stream.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "BILLSYNC_API_TOKEN" in unary.value.details()


def test_reflection_also_needs_the_token(address):
    with pytest.raises(grpc.RpcError) as e:
        reflect(address, "wrong", reflection_pb2.ServerReflectionRequest(list_services=""))
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    "fault, code",
    [
        (QboFault("3001", "ThrottleExceeded", status=429), grpc.StatusCode.UNAVAILABLE),
        (QboFault("503", "Service unavailable", status=503), grpc.StatusCode.UNAVAILABLE),
        (QboFault("6000", "A business validation error has occurred"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.NotFound("no such link"), grpc.StatusCode.NOT_FOUND),
        (errors.AuthorizationLost("QuickBooks access was revoked"), grpc.StatusCode.FAILED_PRECONDITION),
    ],
)
def test_errors_met_in_an_rpc_become_one_status_each(fault, code):
    assert server.status_of(fault) == code
