"""Thousands of random and malformed requests to every RPC, against a daemon with the
emulators behind it: only the status codes the README documents come back, the daemon
keeps serving, and a sync afterwards still puts the whole firm in QuickBooks.

Requests are drawn from the .proto's descriptors by a seeded generator, so a failure
replays: strings empty, huge, unicode, with NUL and control characters, page tokens
forged; integers negative and at their type's limits; enum values unknown to the
contract; connection and link ids unknown or real; and some requests that are no
message at all. The connection holding the firm is never revoked, purged, deleted or
reconfigured (what those do to it is tested elsewhere); every other RPC may touch it.
"""

from __future__ import annotations

import base64
import random
import re
import string
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from billsync.daemon.store.models import Link
from billsync.v1 import billsync_pb2 as pb
from tests.harness import REDIRECT_URI, connect, make_ready, qbo_objects, seed_firm, sync, sync_after_changes

README = Path(__file__).resolve().parents[2] / "README.md"
SERVICE = pb.DESCRIPTOR.services_by_name["BillSync"]
SEED = 17
CASES = 6000
THREADS = 4
#: RPCs that may not touch the firm's connection: they would end or change what the final
#: sync is checked against (Sync on it only watches a run, for a long time).
HANDS_OFF = {"Revoke", "Purge", "DeleteConnection", "UpdateSettings", "Sync"}
#: What each kind of link ties: QBO's objects, and Clio's records where each has a link
#: (a contact has one only once a bill needs it).
CLIO_RECORDS = {"invoice": "bills", "payment": "allocations", "credit_memo": "credit_memos"}
QBO_ENTITY = {"contact": "Customer", "invoice": "Invoice", "payment": "Payment", "credit_memo": "CreditMemo"}
PLAUSIBLE = [
    REDIRECT_URI,
    "2026-01-31",
    "Service",
    "Expense",
    "custom_txn_numbers",
    "auto_apply_credit",
    "run.",
    "link.failed",
    "1234567890",
    "webhook",
    "email",
    "https://example.invalid/hook",
]
INT_LIMITS = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}


def documented_codes() -> dict[str, set[grpc.StatusCode]]:
    """Each RPC's status codes besides OK, from the README's table under "The RPCs"."""
    section = README.read_text().split("\n## The RPCs\n", 1)[1].split("\n## ", 1)[0]
    codes: dict[str, set[grpc.StatusCode]] = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = line.strip("|").split("|")
            listed = {grpc.StatusCode[c] for c in re.findall(r"\b[A-Z][A-Z_]{3,}\b", cells[-1])}
            codes.update(dict.fromkeys(re.findall(r"`(\w+)`", cells[0]), listed))
    return codes


class Requests:
    """Random requests of every RPC, from one seeded generator."""

    def __init__(self, rng: random.Random, ids: dict[str, list[int]]) -> None:
        self.rng = rng
        self.ids = ids

    def of(self, rpc: str) -> Message:
        method = SERVICE.methods_by_name[rpc]
        if rpc == "DeleteConnection":  # its own victims, so that the others keep connections to call on
            connection_ids = self.ids["doomed"]
        else:
            connection_ids = self.ids["scratch"] + ([] if rpc in HANDS_OFF else self.ids["firm"])
        return self._fill(getattr(pb, method.input_type.name)(), method.input_type, connection_ids, depth=0)

    def _fill(self, message: Message, descriptor: Descriptor, connection_ids: list[int], depth: int) -> Message:
        for field in descriptor.fields:
            if self.rng.random() < 0.3 or depth > 2:
                continue
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
                entries = getattr(message, field.name)
                for _ in range(self.rng.randrange(4)):
                    entries[self._scalar(key, connection_ids)] = self._scalar(value, connection_ids)
            elif field.message_type is not None:
                if field.is_repeated:
                    children = [getattr(message, field.name).add() for _ in range(self.rng.randrange(3))]
                else:
                    children = [getattr(message, field.name)]
                    children[0].SetInParent()
                for child in children:
                    self._fill(child, field.message_type, connection_ids, depth + 1)
            elif field.is_repeated:
                count = self.rng.choice([0, 1, 3, 12, 1500])
                getattr(message, field.name).extend(self._scalar(field, connection_ids) for _ in range(count))
            else:
                setattr(message, field.name, self._scalar(field, connection_ids))
        return message

    def _scalar(self, field: FieldDescriptor, connection_ids: list[int]) -> object:
        rng = self.rng
        if field.cpp_type == FieldDescriptor.CPPTYPE_STRING:
            return self._text() if field.type == FieldDescriptor.TYPE_STRING else rng.randbytes(rng.randrange(64))
        if field.cpp_type == FieldDescriptor.CPPTYPE_BOOL:
            return rng.random() < 0.5
        if field.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
            return rng.choice([v.number for v in field.enum_type.values] + [rng.randrange(-3, 1000)])
        low, high = INT_LIMITS[field.cpp_type]
        if field.name.endswith(("connection_id", "connection_ids")):  # ids no connection has, or the pool's
            choices = [0, -1, low, high, 10**9 + rng.randrange(10**6)] + connection_ids * 3
        else:
            choices = [0, 1, -1, low, high, rng.randrange(-1000, 1000)] + self.ids["links"]
        return min(max(rng.choice(choices), low), high)

    def _text(self) -> str:
        rng = self.rng
        length = rng.randrange(1, 40)
        return rng.choice(
            [
                lambda: "",
                lambda: "".join(rng.choice(string.printable) for _ in range(length)),
                lambda: "".join(chr(rng.choice([rng.randrange(0xA0, 0xD800), rng.randrange(0xE000, 0x110000)]))
                                for _ in range(length)),
                lambda: rng.choice(PLAUSIBLE) + "".join(chr(rng.randrange(0, 0x20)) for _ in range(3)),
                lambda: rng.choice("xé\U0001f600") * rng.choice([201, 2_001, 70_000, 300_000]),
                lambda: base64.urlsafe_b64encode(
                    f"{rng.choice(['after', 'before', ''])}:{rng.choice([-1, 2**63, 10**40, length])}".encode()
                ).decode(),
                lambda: rng.choice(PLAUSIBLE),
            ]
        )()  # fmt: skip


def call(channel: grpc.Channel, rpc: str, payload: bytes, metadata: list[tuple[str, str]]) -> grpc.StatusCode:
    """Sends ``payload`` as the request of ``rpc``; returns the status it ends with."""
    method = SERVICE.methods_by_name[rpc]
    path = f"/{SERVICE.full_name}/{rpc}"
    try:
        if method.server_streaming:
            for _ in channel.unary_stream(path)(payload, metadata=metadata, timeout=60):
                pass
        else:
            channel.unary_unary(path)(payload, metadata=metadata, timeout=60)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def fuzz(
    address: str, token: str, ids: dict[str, list[int]], seed: int, cases: int, record: Callable[..., None]
) -> None:
    rng = random.Random(seed)
    requests = Requests(rng, ids)
    documented = documented_codes()
    metadata = [("authorization", f"Bearer {token}")]
    with grpc.insecure_channel(address) as channel:
        for _ in range(cases):
            rpc = rng.choice(list(SERVICE.methods_by_name))
            allowed = documented[rpc] | {grpc.StatusCode.OK}
            if rng.random() < 0.05:
                payload, allowed = rng.randbytes(rng.randrange(1, 200)), allowed | {grpc.StatusCode.INVALID_ARGUMENT}
            else:
                request = requests.of(rpc)
                payload = request.SerializeToString()
            code = call(channel, rpc, payload, metadata)
            record(rpc, code, code in allowed)


def in_qbo(box) -> dict[str, int]:
    return {entity: len(qbo_objects(box, entity)) for entity in QBO_ENTITY.values()}


def state_counts(client, connection_id: int) -> Counter:
    return Counter({(c.kind, c.state): c.count for c in client.status(connection_id).counts})


@pytest.fixture
def firm(sandbox, e2e_client):
    """A small firm, synced; and connections that never will be, for the fuzz to wreck."""
    seed_firm(sandbox, bills=12)
    make_ready(sandbox)
    connection = connect(e2e_client)
    assert sync(e2e_client, connection.id).state == pb.RUN_STATE_SUCCEEDED
    return connection


def test_every_rpc_answers_random_requests_with_documented_codes_only_and_loses_nothing(
    sandbox, e2e_daemon, e2e_config, e2e_client, firm
):
    documented = documented_codes()
    assert set(SERVICE.methods_by_name) <= set(documented), "document every RPC's codes in README, The RPCs"
    before = state_counts(e2e_client, firm.id)
    in_qbo_before = in_qbo(sandbox)
    ids = {
        "firm": [firm.id],
        "scratch": [e2e_client.create_connection(f"Scratch {i}").id for i in range(3)],
        "doomed": [e2e_client.create_connection(f"Doomed {i}").id for i in range(10)],
        "links": [link.id for link in Link.select(Link.id).limit(20)],
    }
    seen: Counter = Counter()
    unexpected: list[tuple[str, grpc.StatusCode]] = []
    lock = threading.Lock()

    def record(rpc: str, code: grpc.StatusCode, allowed: bool) -> None:
        with lock:
            seen[rpc, code] += 1
            if not allowed:
                unexpected.append((rpc, code))

    address = f"127.0.0.1:{e2e_daemon.port}"
    with ThreadPoolExecutor(THREADS) as pool:
        runs = [
            pool.submit(fuzz, address, e2e_config.api_token, ids, SEED + i, CASES // THREADS, record)
            for i in range(THREADS)
        ]
        for run in runs:
            run.result()

    assert sum(seen.values()) == CASES
    assert not unexpected, f"undocumented codes: {Counter(unexpected).most_common()}"
    assert {rpc for rpc, _ in seen} == set(SERVICE.methods_by_name), "every RPC was called"
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING

    assert sync_after_changes(e2e_client, firm.id).state == pb.RUN_STATE_SUCCEEDED
    assert state_counts(e2e_client, firm.id) == before, "the firm's links are as they were before the fuzz"
    assert in_qbo(sandbox) == in_qbo_before, "nothing was added to QuickBooks or taken away"
    clio = httpx.get(f"{sandbox.clio_url}/_sandbox/counts").json()["counts"]
    for kind, entity in QBO_ENTITY.items():
        links = Link.select().where(Link.connection == firm.id, Link.kind == kind)
        assert links.where(Link.state == "synced").count() == in_qbo_before[entity], f"a {entity} per synced {kind}"
        if kind in CLIO_RECORDS:
            assert links.count() == clio[CLIO_RECORDS[kind]], f"every Clio {CLIO_RECORDS[kind]} has its link"
