"""The QBO client: real recorded answers, then round trips and faults on the emulator."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.errors import AuthorizationLost
from billsync.daemon.http import Http
from billsync.daemon.qbo.client import EXECUTION_LIMIT, BatchOp, Operation, QuickBooks, quote
from billsync.daemon.qbo.faults import QboFault, parse_response
from billsync.daemon.ratelimit import Limits, RateLimiter
from billsync.sandbox.qbo import seed
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import (  # noqa: F401 - fixtures are parameters of the tests that use them
    TIME_SCALE,
    AfterFirstPage,
    FixedTokens,
    MemoryRow,
    config_for,
    fast_http,
    qbo,
    qbo_row,
    recorded,
    replay,
    sandbox,
)

# -- recorded exchanges with the real QBO -------------------------------------------------


def replaying(name: str, seen: list[httpx.Request] | None = None) -> tuple[QuickBooks, FixedTokens]:
    tokens = FixedTokens()
    client = QuickBooks(
        "https://sandbox-quickbooks.api.intuit.com",
        "4620816365",
        tokens,  # type: ignore[arg-type]
        RateLimiter(),
        http=Http(transport=replay(recorded(name), seen)),
    )
    return client, tokens


def test_recorded_create_customer() -> None:
    seen: list[httpx.Request] = []
    client, _ = replaying("create-customer", seen)
    customer = client.create("Customer", {"DisplayName": "Doe5, Jane"}, requestid="bs-c-1")
    assert (customer["Id"], customer["SyncToken"], customer["DisplayName"]) == ("70", "0", "Doe5, Jane")
    request = seen[0]
    assert request.url.path == "/v3/company/4620816365/customer"
    assert request.url.params["requestid"] == "bs-c-1" and request.url.params["minorversion"] == "75"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == "Bearer recorded-token"


def test_recorded_create_invoice_keeps_money_exact() -> None:
    seen: list[httpx.Request] = []
    client, _ = replaying("create-invoice", seen)
    body = {
        "Line": [
            {
                "Amount": Decimal("100.00"),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
            }
        ],
        "CustomerRef": {"value": "1"},
    }
    invoice = client.create("Invoice", body)
    assert invoice["TotalAmt"] == Decimal("100.00") and isinstance(invoice["TotalAmt"], Decimal)
    assert invoice["CustomerRef"]["name"] == "Amy's Bird Sanctuary"
    assert b'"Amount":100.0' in seen[0].content or b'"Amount":100' in seen[0].content


def test_recorded_update_customer() -> None:
    client, _ = replaying("update-customer")
    current = client.read("Customer", "68")
    updated = client.update("Customer", {**current, "DisplayName": "Jack Moe"})
    assert (updated["DisplayName"], updated["SyncToken"]) == ("Jack Moe", "1")


def test_recorded_delete_invoice() -> None:
    seen: list[httpx.Request] = []
    client, _ = replaying("delete-invoice", seen)
    invoice = client.read("Invoice", "266")
    gone = client.delete("Invoice", invoice["Id"], invoice["SyncToken"])
    assert gone == {"domain": "QBO", "status": "Deleted", "Id": "266"}
    assert seen[1].url.params["operation"] == "delete"


def test_recorded_batch_keys_results_by_bid() -> None:
    client, _ = replaying("batch-basic")
    results = client.batch(
        [
            BatchOp("bid1", Operation.CREATE, "Vendor", {"DisplayName": "Boraski Family Store"}),
            BatchOp("bid2", Operation.DELETE, "Invoice", {"Id": "129", "SyncToken": "0"}),
            BatchOp("bid3", Operation.UPDATE, "SalesReceipt", {"sparse": True, "Id": "11", "SyncToken": "0"}),
            BatchOp("bid4", Operation.QUERY, query="select * from SalesReceipt where TotalAmt > '300.00'"),
        ]
    )
    assert results["bid1"].entity and results["bid1"].entity["Id"] == "71"
    assert results["bid2"].fault and results["bid2"].fault.not_found and results["bid2"].fault.validation
    assert results["bid3"].fault and results["bid3"].fault.stale
    assert results["bid3"].fault.intuit_tid == "1-5f734f0e-58baa045003ab251111c54e6"
    assert [row["TotalAmt"] for row in results["bid4"].rows or []] == [Decimal("337.50")] * 2


def test_qbos_time_of_an_answer_without_one_in_its_body_is_its_date_header() -> None:
    """The clock CDC's next read starts from is QBO's, never ours, even when QBO's JSON
    leaves its ``time`` out."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = {"CDCResponse": [{"QueryResponse": [{"Invoice": [{"Id": "7", "status": "Deleted"}]}]}]}
        return httpx.Response(200, json=body, headers={"Date": "Tue, 29 Sep 2020 15:02:53 GMT"})

    client = QuickBooks(
        "https://qbo.test", "1", FixedTokens(), RateLimiter(), http=Http(transport=httpx.MockTransport(answer))
    )  # type: ignore[arg-type]
    changes = client.cdc(["Invoice"], "2020-09-28T00:00:00Z")
    assert changes.objects["Invoice"] == [{"Id": "7", "status": "Deleted"}]
    assert changes.as_of == datetime(2020, 9, 29, 15, 2, 53, tzinfo=timezone.utc)
    assert client.server_time() == changes.as_of


def test_recorded_cdc() -> None:
    client, _ = replaying("cdc-basic")
    answer = client.cdc(["Estimate", "Invoice"], datetime(2011, 10, 10, 9, tzinfo=timezone(timedelta(hours=-7))))
    changed = answer.objects
    assert answer.as_of == datetime(2020, 9, 29, 8, 2, 53, 512000, tzinfo=timezone(timedelta(hours=-7)))
    assert [e["Id"] for e in changed["Estimate"]] == ["48", "46", "41", "100"]
    assert changed["Invoice"] == []
    assert changed["Estimate"][3]["TotalAmt"] == Decimal("351.81")


def test_recorded_duplicate_name_fault() -> None:
    client, _ = replaying("error-validation")
    with pytest.raises(QboFault) as caught:
        client.create("Customer", {"DisplayName": "Weiskopf Consulting"})
    fault = caught.value
    assert fault.duplicate_name and fault.validation and not fault.retriable
    assert (fault.status, fault.intuit_tid) == (400, "1-5f733d9a-1d4e21aa217ba43177113df4")
    assert "6240" in str(fault) and "Duplicate Name Exists Error" in str(fault)


def test_recorded_expired_token_refreshes_once_then_gives_up() -> None:
    client, tokens = replaying("error-401")
    with pytest.raises(AuthorizationLost, match="QuickBooks access was revoked or expired; authorize again"):
        client.read("Customer", "1")
    assert tokens.refreshes == 1


def test_recorded_401_is_parsed_and_scrubbed() -> None:
    answer = recorded("error-401")[0]["response"]
    response = httpx.Response(401, content=answer["body"]["string"].encode(), headers={"intuit_tid": "1-5f7349e0"})
    with pytest.raises(QboFault) as caught:
        parse_response(response)
    fault = caught.value
    assert fault.auth and fault.code == "3200" and fault.intuit_tid == "1-5f7349e0"
    assert "AB01601390262" not in str(fault) and "Token expired" in str(fault)


THROTTLE_XML = (
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    'statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>'
)
#: A 429 as QBO sends it, even to a JSON client (routablehq/python-quickbooks issue #83).
INTUIT_RESPONSE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<IntuitResponse time="2017-07-30T22:45:22.933-07:00" xmlns="http://schema.intuit.com/finance/v3">\n'
    '    <Fault type="SERVICE">\n        <Error code="3001">\n'
    "            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n"
    "            <Detail>The request limit was reached.  Try again later</Detail>\n"
    "        </Error>\n    </Fault>\n</IntuitResponse>"
)
#: A live token of another company (frappe/erpnext issue #29161).
FORBIDDEN = (
    b'{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=ApplicationAuthorizationFailed; '
    b'errorCode=003100; statusCode=403","detail":null,"code":"3100","element":null}],"type":"SERVICE"},'
    b'"report":null,"queryResponse":null,"batchItemResponse":[],"attachableResponse":[],"syncErrorResponse":null,'
    b'"requestId":null,"time":1640612353707,"status":null,"cdcresponse":[]}'
)
NAMESPACED_XML = (
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"><Fault type="ValidationFault">'
    '<Error code="5010"><Message>Stale Object Error</Message><Detail>x</Detail></Error></Fault>'
    '</IntuitResponse>'
)


def json_fault(code: str, message: str = "m") -> bytes:
    return (
        '{"Fault":{"Error":[{"Message":"%s","Detail":"d","code":"%s","element":"Line"}],'
        '"type":"ValidationFault"},"time":"2020-09-29T06:58:50.262-07:00"}' % (message, code)
    ).encode()


@pytest.mark.parametrize(
    "status, body, kind",
    [
        (429, THROTTLE_XML.encode(), "retriable"),
        (429, INTUIT_RESPONSE_XML.encode(), "retriable"),
        (403, FORBIDDEN, "forbidden"),
        (503, json_fault("10000"), "retriable"),
        (502, b"<html>Bad gateway</html>", "retriable"),
        (401, b'{"fault":{"error":[{"message":"m","detail":"d","code":"3200"}],"type":"AUTHENTICATION"}}', "auth"),
        (400, json_fault("5010"), "stale"),
        (400, json_fault("610"), "not_found"),
        (400, json_fault("6240"), "duplicate_name"),
        (400, json_fault("6140"), "duplicate_docnumber"),
        (400, json_fault("6000", "Duplicate Document Number Error"), "duplicate_docnumber"),
        (400, json_fault("2050"), "validation"),
        (200, json_fault("6000"), "validation"),
        (400, NAMESPACED_XML.encode(), "stale"),
    ],
)
def test_fault_classification(status: int, body: bytes, kind: str) -> None:
    with pytest.raises(QboFault) as caught:
        parse_response(httpx.Response(status, content=body))
    assert getattr(caught.value, kind)
    assert caught.value.validation == (kind not in ("retriable", "auth", "forbidden"))


def test_quote_escapes_apostrophes() -> None:
    assert quote("Amy's Bird") == "'Amy\\'s Bird'"


def test_batch_refuses_more_than_thirty() -> None:
    client, _ = replaying("batch-basic")
    with pytest.raises(ValueError, match="at most 30"):
        client.batch([BatchOp(str(i), Operation.QUERY, query="select * from Item") for i in range(31)])


# -- the emulator ---------------------------------------------------------------------------


def unique(prefix: str = "") -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}".strip()


@pytest.fixture
def service_item(qbo: QuickBooks) -> dict[str, Any]:
    found = qbo.query("select * from Item where Name = 'Services'")
    if found:
        return found[0]
    account = qbo.query("select * from Account where Name = 'Services'")[0]
    return qbo.create("Item", {"Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": account["Id"]}})


def invoice_body(customer: dict[str, Any], item: dict[str, Any], amount: str, doc: str) -> dict[str, Any]:
    return {
        "DocNumber": doc,
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            {
                "Amount": Decimal(amount),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
            }
        ],
    }


def test_customer_round_trip(qbo: QuickBooks) -> None:
    name = unique("O'Brien & Co")
    created = qbo.create("Customer", {"DisplayName": name}, requestid=f"rt-{name[-10:]}")
    again = qbo.create("Customer", {"DisplayName": name}, requestid=f"rt-{name[-10:]}")
    assert again["Id"] == created["Id"], "a replayed requestid must not create a duplicate"
    assert qbo.read("Customer", created["Id"])["DisplayName"] == name
    found = qbo.query(f"select * from Customer where DisplayName = {quote(name)}")
    assert [c["Id"] for c in found] == [created["Id"]]
    assert qbo.count(f"select count(*) from Customer where DisplayName = {quote(name)}") == 1
    renamed = qbo.update(
        "Customer",
        {"Id": created["Id"], "SyncToken": created["SyncToken"], "sparse": True, "DisplayName": name + " LLP"},
    )
    assert renamed["DisplayName"] == name + " LLP" and renamed["SyncToken"] != created["SyncToken"]
    with pytest.raises(QboFault) as caught:
        qbo.update(
            "Customer",
            {"Id": created["Id"], "SyncToken": created["SyncToken"], "sparse": True, "DisplayName": name + " Again"},
        )
    assert caught.value.stale
    with pytest.raises(QboFault) as caught:
        qbo.create("Customer", {"DisplayName": name + " LLP"})
    assert caught.value.duplicate_name and caught.value.intuit_tid


def test_invoice_void_delete_and_cdc(qbo: QuickBooks, service_item: dict[str, Any]) -> None:
    since = datetime.now(timezone.utc) - timedelta(seconds=5)
    customer = qbo.create("Customer", {"DisplayName": unique("Invoice Co")})
    kept = qbo.create("Invoice", invoice_body(customer, service_item, "1234.56", "V-1"))
    assert kept["TotalAmt"] == Decimal("1234.56")
    voided = qbo.void("Invoice", kept["Id"], kept["SyncToken"])
    assert voided["TotalAmt"] == 0
    doomed = qbo.create("Invoice", invoice_body(customer, service_item, "10.01", "D-1"))
    assert qbo.delete("Invoice", doomed["Id"], doomed["SyncToken"])["status"] == "Deleted"
    with pytest.raises(QboFault) as caught:
        qbo.read("Invoice", doomed["Id"])
    assert caught.value.not_found or caught.value.validation
    changed = qbo.cdc(["Invoice", "Customer", "Payment"], since).objects
    statuses = {i["Id"]: i.get("status") for i in changed["Invoice"]}
    assert statuses[doomed["Id"]] == "Deleted" and kept["Id"] in statuses
    assert customer["Id"] in {c["Id"] for c in changed["Customer"]} and changed["Payment"] == []


def test_batch_round_trip(qbo: QuickBooks, service_item: dict[str, Any]) -> None:
    stem = unique("Batch")
    ops = [BatchOp(f"c{i}", Operation.CREATE, "Customer", {"DisplayName": f"{stem} {i}"}) for i in range(29)]
    ops.append(BatchOp("q", Operation.QUERY, query=f"select * from Item where Name = {quote('Services')}"))
    results = qbo.batch(ops, requestid=unique())
    assert {r.entity["DisplayName"] for b, r in results.items() if b != "q" and r.entity} == {
        f"{stem} {i}" for i in range(29)
    }
    assert [row["Id"] for row in results["q"].rows or []] == [service_item["Id"]]
    invoice = qbo.create("Invoice", invoice_body(results["c0"].entity, service_item, "5.00", "B-1"))  # type: ignore[arg-type]
    second = qbo.batch(
        [
            BatchOp("v", Operation.VOID, "Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}),
            BatchOp("dup", Operation.CREATE, "Customer", {"DisplayName": f"{stem} 0"}),
        ]
    )
    assert second["v"].entity and second["v"].entity["TotalAmt"] == 0
    assert second["dup"].fault and second["dup"].fault.duplicate_name


def test_paged_query_reads_every_row_once_while_one_is_edited(qbo: QuickBooks, sandbox: Sandbox) -> None:
    """Without ORDERBY the emulator, like QBO, answers in an order an edit changes (most
    recently changed first): the edited row would leave the unread pages. Read in Id order,
    nothing moves."""
    stem = unique("Pg")
    long_ago = {"CreateTime": "2024-01-01T00:00:00-07:00", "LastUpdatedTime": "2024-01-01T00:00:00-07:00"}
    created = seed.seed_objects(
        sandbox.qbo.store,
        sandbox.qbo_config.realm_id,
        {"Customer": [{"DisplayName": f"{stem} {i:04}", "MetaData": long_ago} for i in range(1005)]},
        raw=True,
    )["Customer"]

    def edit_the_oldest() -> None:
        current = qbo.read("Customer", created[0])
        qbo.update("Customer", {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, "Notes": "x"})

    paging = QuickBooks(
        config_for(sandbox).qbo_api_url,
        qbo.realm_id,
        qbo.tokens,
        qbo.limiter,
        http=Http(transport=AfterFirstPage(edit_the_oldest)),
    )
    rows = paging.query(f"select * from Customer where DisplayName like {quote(stem + '%')}")
    assert sorted(r["Id"] for r in rows) == sorted(created)


def test_preferences_and_company_info(qbo: QuickBooks) -> None:
    prefs = qbo.preferences()
    assert "SalesFormsPrefs" in prefs
    changed = qbo.update_preferences(
        {"Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "SalesFormsPrefs": {"CustomTxnNumbers": True}}
    )
    assert changed["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert qbo.company_info()["Id"]


def test_expired_token_is_refreshed_and_newest_saved(qbo: QuickBooks, qbo_row: MemoryRow, sandbox: Sandbox) -> None:
    first_refresh = qbo_row.tokens["refresh_token"]
    sandbox.qbo.tokens.expire_access()
    assert qbo.company_info()["Id"]
    assert len(qbo_row.saved) == 1 and qbo_row.tokens["refresh_token"] != first_refresh
    sandbox.qbo.tokens.expire_access()
    qbo.company_info()
    assert len(qbo_row.saved) == 2 and qbo_row.tokens == qbo_row.saved[-1]


def test_refused_refresh_token_loses_authorization(qbo: QuickBooks, qbo_row: MemoryRow, sandbox: Sandbox) -> None:
    qbo_row.tokens["refresh_token"] = "AB11-not-a-real-refresh-token"
    sandbox.qbo.tokens.expire_access()
    with pytest.raises(AuthorizationLost, match="authorize again"):
        qbo.company_info()
    assert qbo_row.saved == []


def test_a_token_for_another_company_stops_the_connection_without_a_refresh(
    sandbox: Sandbox, qbo_row: MemoryRow
) -> None:
    """QBO answers 403 with fault 3100 (not 401) to a live token of another company: a refresh
    would give a token of the same grant, so the client asks for authorization at once."""
    other = "4620816365000000009"
    seed.seed_company(sandbox.qbo.store, other)
    qbo_row.tokens.update(access_token=sandbox.qbo.tokens.mint(other)["access_token"])
    config = config_for(sandbox)
    client = QuickBooks(
        config.qbo_api_url,
        sandbox.qbo_config.realm_id,
        TokenSource("qbo", qbo_row.load, qbo_row.save, config),
        RateLimiter(),
        http=fast_http(),
    )
    with pytest.raises(AuthorizationLost, match=f"refused access to company {sandbox.qbo_config.realm_id}") as lost:
        client.company_info()
    client.http.close()
    assert "3100" in str(lost.value) and "authorize again" in str(lost.value)
    assert qbo_row.saved == [], "no refresh was attempted"


def stats(sandbox: Sandbox, status: int) -> int:
    return sum(s["count"] for s in sandbox.qbo.stats() if s["status"] == status and "_sandbox" not in s["endpoint"])


FaultSetup = Callable[[Sandbox], None]


@pytest.mark.parametrize(
    "setup, status, timeout, retried",
    [
        (lambda s: s.qbo.reconfigure(faults={"rate": 0.5, "kinds": ("error",), "seed": 3}), 503, 5.0, True),
        # Slower than the client's timeout, far within QBO's limit: a write is awaited, not sent again.
        (
            lambda s: s.qbo.reconfigure(faults={"rate": 0.3, "kinds": ("slow",), "slow_seconds": 0.6, "seed": 4}),
            None,
            0.3,
            False,
        ),
        (lambda s: s.qbo.reconfigure(faults={"rate": 0.3, "kinds": ("drop",), "seed": 5}), None, 5.0, True),
        (lambda s: s.qbo.reconfigure(requests_per_minute=3), 429, 5.0, True),
    ],
    ids=["5xx", "slow", "dropped", "throttled"],
)
def test_transient_faults_are_survived(
    sandbox: Sandbox, qbo_row: MemoryRow, setup: FaultSetup, status: int | None, timeout: float, retried: bool
) -> None:
    config = config_for(sandbox)
    waits: list[float] = []
    http = fast_http(timeout, max_attempts=12, cap=1.5, max_wait=30.0)
    http.sleep = lambda seconds: (waits.append(seconds), time.sleep(seconds))  # type: ignore[func-returns-value]
    client = QuickBooks(
        config.qbo_api_url,
        sandbox.qbo_config.realm_id,
        TokenSource("qbo", qbo_row.load, qbo_row.save, config),
        RateLimiter(Limits(per_minute=10_000, concurrent=10), TIME_SCALE),  # let faults through
        http=http,
    )
    sandbox.qbo.reset_stats()
    setup(sandbox)
    try:
        names = [client.create("Customer", {"DisplayName": unique("Survivor")}, requestid=unique()) for i in range(8)]
    finally:
        sandbox.qbo.reconfigure(faults={"rate": 0.0}, requests_per_minute=500)
        client.http.close()
    assert len({c["Id"] for c in names}) == 8
    assert bool(waits) is retried, waits
    if status:
        assert stats(sandbox, status) > 0, "the fault was never injected"


def test_a_write_awaits_qbo_past_its_execution_limit_and_is_re_sent_only_as_itself() -> None:
    """QBO may execute a request for 120 s; a write given up on sooner would be sent again
    while the first still runs. One whose answer was lost is re-sent with its requestid."""
    seen: list[httpx.Request] = []

    def lose_the_first(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(
            200, json={name: {"Id": "1", "SyncToken": "8"} for name in ("Preferences", "Invoice", "Customer")}
        )

    http = Http(5.0, sleep=lambda seconds: None, transport=httpx.MockTransport(lose_the_first))
    client = QuickBooks("https://qbo.test", "1", FixedTokens(), RateLimiter(), http=http)  # type: ignore[arg-type]
    client.update_preferences({"Id": "1", "SyncToken": "7", "OtherPrefs": {}})
    client.void("Invoice", "5", "2")
    client.create("Customer", {"DisplayName": "Jane Doe"})
    client.read("Customer", "1")

    first, again, *writes, read = seen
    assert first.url.params["requestid"] and first.url.params["requestid"] == again.url.params["requestid"]
    assert all(r.url.params["requestid"] for r in writes)
    assert all(r.extensions["timeout"]["read"] > EXECUTION_LIMIT for r in [first, again, *writes])
    assert read.extensions["timeout"]["read"] == 5.0 and "requestid" not in read.url.params


class Jittery(httpx.HTTPTransport):
    """A network on which each request takes a random while (up to ``seconds``) to reach QBO,
    and its answer another to come back: arrivals bunch unlike the sending."""

    def __init__(self, seconds: float, seed: int) -> None:
        super().__init__()
        self.seconds, self.random = seconds, random.Random(seed)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.random.uniform(0, self.seconds))
        response = super().handle_request(request)
        response.read()
        time.sleep(self.random.uniform(0, self.seconds))
        return response


def burst(client: QuickBooks, threads: int = 16, reads: int = 40) -> None:
    """Each of ``threads`` threads sends ``reads`` queries and two batch requests."""
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(reads):
                client.count("select count(*) from Customer")
            client.batch([BatchOp("q", Operation.QUERY, query="select * from Item")])
            client.batch([BatchOp("q", Operation.QUERY, query="select * from Item")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert not errors


def test_limiter_keeps_a_burst_under_the_throttle(qbo: QuickBooks, sandbox: Sandbox) -> None:
    sandbox.qbo.reset_stats()
    burst(qbo)
    assert stats(sandbox, 200) >= 16 * 42
    assert stats(sandbox, 429) == 0


def test_qbos_own_ceilings_hold_however_unevenly_requests_travel(sandbox: Sandbox, qbo_row: MemoryRow) -> None:
    """The limiter runs at QBO's own ceilings, with no margin: a request counts from its
    sending until a window after its answer, so none arrives in a window QBO has filled,
    even when each takes up to a (scaled) second to arrive and as long to be answered."""
    config = config_for(sandbox)
    client = QuickBooks(
        config.qbo_api_url,
        sandbox.qbo_config.realm_id,
        TokenSource("qbo", qbo_row.load, qbo_row.save, config),
        RateLimiter(Limits(), time_scale=TIME_SCALE),
        http=Http(5.0, transport=Jittery(1.0 / TIME_SCALE, seed=13)),
    )
    sandbox.qbo.reset_stats()
    try:
        burst(client)
    finally:
        client.http.close()
    assert stats(sandbox, 200) >= 16 * 42, "more than QBO's minute allows: windows were crossed"
    assert stats(sandbox, 429) == 0
