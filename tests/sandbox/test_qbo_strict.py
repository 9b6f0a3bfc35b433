"""The QBO emulator answers as QBO does where a lenient one would let a client get away.

Each test names the source of the behaviour it holds the emulator to; ``sandbox/README.md``
lists them all, with the choices made where sources disagree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import httpx
import pytest

from billsync.sandbox.qbo.errors import INTUIT_NS
from billsync.sandbox.qbo.txns import AUTO_APPLY_NOTE

OTHER_REALM = "4620816365000000001"
#: The recorded ``Intuit-Tid`` values look like ``1-5f7349e0-0fd2bee86a8a83c67a77fbb2``.
INTUIT_TID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")


def fault(response: httpx.Response) -> dict:
    return response.json()["Fault"]["Error"][0]


def prefs(qbo, **switches) -> None:
    qbo.admin("POST", f"/user/{qbo.realm}/preferences", json=switches)


def customer(qbo, name: str, parent: dict | None = None) -> httpx.Response:
    body = {"DisplayName": name, **({"Job": True, "ParentRef": {"value": parent["Id"]}} if parent else {})}
    return qbo.api("POST", "/customer", json=body)


def form(qbo, entity: str, customer_id: str, item: str, amount: str, **extra) -> dict:
    line = {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": item}}}
    response = qbo.api(
        "POST", f"/{entity.lower()}", json={"CustomerRef": {"value": customer_id}, "Line": [line], **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()[entity]


def read(qbo, entity: str, entity_id: str) -> dict:
    return qbo.api("GET", f"/{entity.lower()}/{entity_id}").json()[entity]


def throttled(qbo) -> httpx.Response:
    """The answer to a request over a ceiling of one request a minute."""
    qbo.admin("PATCH", "/config", json={"limits_enabled": True, "requests_per_minute": 1})
    qbo.api("GET", "/preferences")
    return qbo.api("GET", "/preferences")


def other_company(qbo) -> str:
    """An access token for another company than ``qbo``'s."""
    qbo.admin("POST", "/seed", json={"realm_id": OTHER_REALM, "objects": {}})
    return qbo.admin("POST", "/tokens", json={"realm_id": OTHER_REALM})["access_token"]


# -- 1. sub-customers -------------------------------------------------------------------------


def test_sub_customers_are_named_down_their_whole_line(qbo) -> None:
    """Intuit's Customer reference: FullyQualifiedName "prepends the topmost parent, followed by
    each sub element separated by colons"; up to four levels under a top-level customer."""
    line = [customer(qbo, "Freeman Sporting Goods").json()["Customer"]]
    for depth, name in enumerate(["0969 Ocean View Road", "Kitchen", "Sink", "Tap"], start=1):
        child = customer(qbo, name, line[-1]).json()["Customer"]
        assert child["Level"] == depth and child["Job"] is True
        assert child["ParentRef"] == {"value": line[-1]["Id"], "name": line[-1]["DisplayName"]}
        line.append(child)
    assert line[-1]["FullyQualifiedName"] == "Freeman Sporting Goods:0969 Ocean View Road:Kitchen:Sink:Tap"
    assert "Level" not in line[0] and line[0]["FullyQualifiedName"] == "Freeman Sporting Goods"
    too_deep = customer(qbo, "Washer", line[-1])
    assert too_deep.status_code == 400 and fault(too_deep)["code"] == "6180"

    top = line[0]
    renamed = qbo.api(
        "POST",
        "/customer",
        json={"Id": top["Id"], "SyncToken": top["SyncToken"], "sparse": True, "DisplayName": "Freeman"},
    )
    assert renamed.status_code == 200
    assert read(qbo, "Customer", line[2]["Id"])["FullyQualifiedName"] == "Freeman:0969 Ocean View Road:Kitchen"


def test_a_moved_sub_customer_takes_its_sub_customers_along(qbo) -> None:
    """Intuit's Customer reference: ParentRef is the "immediate parent" and FullyQualifiedName
    "prepends the topmost parent", so a sparse update of ParentRef alone renames the moved
    sub-customer and everything under it, and sets their Level afresh."""
    freeman = customer(qbo, "Freeman Sporting Goods").json()["Customer"]
    road = customer(qbo, "0969 Ocean View Road", freeman).json()["Customer"]
    kitchen = customer(qbo, "Kitchen", road).json()["Customer"]
    sink = customer(qbo, "Sink", kitchen).json()["Customer"]
    cool = customer(qbo, "Cool Cars").json()["Customer"]
    move = {"Id": kitchen["Id"], "SyncToken": kitchen["SyncToken"], "sparse": True, "ParentRef": {"value": cool["Id"]}}
    moved = qbo.api("POST", "/customer", json=move)
    assert moved.status_code == 200, moved.text
    answered = moved.json()["Customer"]
    assert answered["ParentRef"] == {"value": cool["Id"], "name": "Cool Cars"}
    assert (answered["Level"], answered["FullyQualifiedName"]) == (1, "Cool Cars:Kitchen")
    for moved_id, level, name in ((kitchen["Id"], 1, "Cool Cars:Kitchen"), (sink["Id"], 2, "Cool Cars:Kitchen:Sink")):
        shown = read(qbo, "Customer", moved_id)
        assert (shown["Level"], shown["FullyQualifiedName"]) == (level, name)
    query = "select * from Customer where FullyQualifiedName LIKE 'Freeman Sporting Goods:%'"
    left = qbo.api("GET", "/query", params={"query": query}).json()["QueryResponse"].get("Customer", [])
    assert [c["Id"] for c in left] == [road["Id"]], "nothing of the moved line is left under its old parent"


@pytest.mark.parametrize(
    "body",
    [{"DisplayName": "Orphan job", "Job": True}, {"DisplayName": "Unflagged", "ParentRef": {"value": "1"}}],
    ids=["job-without-parent", "parent-without-job"],
)
def test_job_and_parent_ref_come_together(qbo, body) -> None:
    """python-quickbooks issue #139: a ParentRef needs Job true (fault 6150, Intuit's error list)."""
    customer(qbo, "Parent Co")
    response = qbo.api("POST", "/customer", json=body)
    assert response.status_code == 400 and fault(response)["code"] == "6150"


@pytest.mark.parametrize(
    "entity, name",
    [("Customer", "Kitchen"), ("Customer", "kitchen"), ("Vendor", "Kitchen"), ("Customer", "Smith:Kitchen")],
    ids=["top-level", "case", "vendor", "fully-qualified"],
)
def test_display_names_are_unique_across_the_whole_name_list(qbo, entity, name) -> None:
    """Intuit's Customer reference: "The DisplayName attribute must be unique across all other
    customer, employee, and vendor objects" (6240): a sub-customer's name too, whatever its
    parent; no name may hold a colon (6000), so a fully qualified name can never be taken."""
    smith = customer(qbo, "Smith").json()["Customer"]
    assert customer(qbo, "Kitchen", smith).status_code == 200
    jones = customer(qbo, "Jones").json()["Customer"]
    assert fault(customer(qbo, "Kitchen", jones))["code"] == "6240", "the same name under another parent"
    refused = qbo.api("POST", f"/{entity.lower()}", json={"DisplayName": name})
    assert refused.status_code == 400
    assert fault(refused)["code"] == ("6000" if ":" in name else "6240")


def test_balance_with_jobs_adds_up_the_sub_customers(qbo, services) -> None:
    """Intuit's Customer reference: BalanceWithJobs is the open balance "for the Customer (or
    Job) and all its sub-jobs"; Balance is the customer's own."""
    parent = read(qbo, "Customer", services["customer"])
    job = customer(qbo, "Bird bath", parent).json()["Customer"]
    form(qbo, "Invoice", job["Id"], services["item"], "40.00")
    form(qbo, "Invoice", parent["Id"], services["item"], "10.00")
    parent, job = read(qbo, "Customer", parent["Id"]), read(qbo, "Customer", job["Id"])
    assert (parent["Balance"], parent["BalanceWithJobs"]) == (10, 50)
    assert (job["Balance"], job["BalanceWithJobs"]) == (40, 40)


# -- 2. a token for another company ------------------------------------------------------------


def test_a_token_for_another_company_is_forbidden_not_unauthorized(qbo) -> None:
    """frappe/erpnext issue #29161, minimul/qbo_api issue #138: 403 with fault 3100 in the
    gateway's lower-case envelope; no WWW-Authenticate, since refreshing cannot help."""
    response = qbo.api("GET", "/preferences", token=other_company(qbo))
    assert response.status_code == 403 and "WWW-Authenticate" not in response.headers
    body = response.json()
    assert body["fault"]["type"] == "SERVICE"
    assert body["fault"]["error"] == [
        {
            "message": "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
            "detail": None,
            "code": "3100",
            "element": None,
        }
    ]
    assert qbo.api("GET", "/preferences", token="not-a-token").status_code == 401


# -- 3. error shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, detail",
    [
        ("GET", "/frobnicator/1", "Operation Could not find resource for relative : /v3/company/{realm}/frobnicator/1"),
        ("GET", "/customer/1/notes", "Operation Could not find resource for relative : /v3/company/{realm}/customer"),
        ("DELETE", "/invoice", "Operation No resource method found for DELETE, return 405 with Allow header"),
    ],
)
def test_a_path_without_a_resource_answers_in_the_fault_envelope(qbo, method, path, detail) -> None:
    """minimul/qbo_api issue #81: HTTP 400, ValidationFault, code 500 "Unsupported Operation",
    RESTEasy's words in the Detail; not an HTML page."""
    response = qbo.api(method, path)
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    error = fault(response)
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
    assert error["Detail"].startswith(detail.format(realm=qbo.realm)) and error["Detail"].endswith("is not supported.")


@pytest.mark.parametrize("entity_id, code", [("abc", "2030"), ("12x", "2030"), ("999999", "610")])
def test_a_malformed_id_is_invalid_not_missing(qbo, entity_id, code) -> None:
    """Intuit's error-code list: 2030 Invalid ID, "IDs need to be a valid number"; a number no
    object has is 610 Object Not Found."""
    response = qbo.api("GET", f"/invoice/{entity_id}")
    assert response.status_code == 400 and fault(response)["code"] == code


def test_the_throttle_answers_in_xml_with_intuits_namespace(qbo) -> None:
    """routablehq/python-quickbooks issue #83, ruckus/quickbooks-ruby PR #348: an
    ``IntuitResponse`` in the finance/v3 namespace, fault 3001, even to a JSON client."""
    response = throttled(qbo)
    assert response.status_code == 429 and response.headers["content-type"] == "application/xml"
    root = ET.fromstring(response.text)
    assert root.tag == f"{{{INTUIT_NS}}}IntuitResponse" and root.get("time")
    error = root.find(f"{{{INTUIT_NS}}}Fault/{{{INTUIT_NS}}}Error")
    assert error is not None and error.get("code") == "3001"
    assert error.findtext(f"{{{INTUIT_NS}}}Message") == "message=ThrottleExceeded; errorCode=003001; statusCode=429"


@pytest.mark.parametrize(
    "call",
    [
        lambda q: q.api("GET", "/preferences"),
        lambda q: q.api("POST", "/customer", json={"DisplayName": "a:b"}),
        lambda q: q.api("GET", "/preferences", token="expired-or-unknown"),
        lambda q: q.api("GET", "/preferences", token=other_company(q)),
        lambda q: q.api("GET", "/nowhere/1"),
        lambda q: q.http.get("/v3/nowhere"),
        lambda q: q.http.post("/oauth2/v1/tokens/bearer", data={"grant_type": "refresh_token"}),
        throttled,
    ],
    ids=["ok", "fault", "401", "403", "no-entity", "no-path", "oauth", "429"],
)
def test_every_answer_carries_intuit_tid(qbo, call) -> None:
    """Intuit ("Capture the intuit_tid value") and minimul/qbo_api issue #81: QBO's tracing
    header is ``intuit_tid``, with an underscore, on successes and failures alike."""
    response = call(qbo)
    assert INTUIT_TID.match(response.headers.get("intuit_tid", "")), dict(response.headers)


# -- 4. Automatically apply credits ------------------------------------------------------------


def test_a_new_company_applies_credits_automatically(qbo) -> None:
    """Intuit's sample Preferences (API reference) have SalesFormsPrefs.AutoApplyCredit true."""
    assert qbo.api("GET", "/preferences").json()["Preferences"]["SalesFormsPrefs"]["AutoApplyCredit"] is True


def test_a_new_credit_memo_is_applied_to_the_oldest_open_invoices(qbo, services) -> None:
    """Intuit's blog "How to automatically apply credits": QBO applies the credit "by creating a
    special payment transaction", amount zero, memo "Created by QB Online to link credits to
    charges"; the oldest open invoice first (begincodingnow.com, "Applying Customer Credits")."""
    who, item = services["customer"], services["item"]
    newer = form(qbo, "Invoice", who, item, "50.00", TxnDate="2024-03-01")
    older = form(qbo, "Invoice", who, item, "100.00", TxnDate="2024-02-01")
    memo = form(qbo, "CreditMemo", who, item, "120.00")
    assert (memo["RemainingCredit"], memo["Balance"]) == (0, 0)
    assert read(qbo, "Invoice", older["Id"])["Balance"] == 0
    assert read(qbo, "Invoice", newer["Id"])["Balance"] == 30
    [payment] = qbo.admin("GET", f"/objects/{qbo.realm}/Payment")["Payment"]
    assert (Decimal(str(payment["TotalAmt"])), payment["PrivateNote"]) == (0, AUTO_APPLY_NOTE)
    applied = {
        (line["LinkedTxn"][0]["TxnType"], line["LinkedTxn"][0]["TxnId"]): line["Amount"] for line in payment["Line"]
    }
    assert applied == {("Invoice", older["Id"]): 100, ("Invoice", newer["Id"]): 20, ("CreditMemo", memo["Id"]): 120}
    assert read(qbo, "Customer", who)["Balance"] == 30


def test_credit_left_over_goes_to_the_next_invoice(qbo, services) -> None:
    """Intuit's blog: "A credit is automatically applied to the customer's next invoice, assuming
    there are no older open invoices"."""
    who, item = services["customer"], services["item"]
    memo = form(qbo, "CreditMemo", who, item, "25.00")
    assert memo["RemainingCredit"] == 25, "no open invoice yet"
    invoice = form(qbo, "Invoice", who, item, "100.00")
    assert invoice["Balance"] == 75
    assert read(qbo, "CreditMemo", memo["Id"])["RemainingCredit"] == 0


def test_with_the_setting_off_credits_wait_to_be_applied(qbo, services) -> None:
    """Intuit's blog "How to automatically apply credits" makes the zero Payment the work of the
    setting ("What happens if the setting is turned ON"); turned off, "the credit will no longer
    be applied to your invoices automatically" (QuickBooks Community, quickbooks.intuit.com/
    learn-support/en-us/reports-and-accounting/does-qbo-ever-automatically-applies-open-credits-
    to-open/01/968466): the new credit memo keeps its RemainingCredit, no Payment appears."""
    prefs(qbo, AutoApplyCredit=False)
    invoice = form(qbo, "Invoice", services["customer"], services["item"], "100.00")
    memo = form(qbo, "CreditMemo", services["customer"], services["item"], "20.00")
    assert memo["RemainingCredit"] == 20 and read(qbo, "Invoice", invoice["Id"])["Balance"] == 100
    assert qbo.admin("GET", f"/objects/{qbo.realm}/Payment")["Payment"] == []


# -- 5. numbers while custom transaction numbers are off --------------------------------------


def test_numbers_sent_while_custom_numbers_are_off_are_kept_beside_qbos_own(qbo, services) -> None:
    """Intuit's Invoice reference: with CustomTxnNumbers false "resulting DocNumber is system
    generated by incrementing the last number by 1"; a supplied value "is stored even if it is a
    duplicate" ("do not send a value as it can lead to unwanted duplicates"), and one sent in an
    update "does not alter the internal system DocNumber"."""
    prefs(qbo, WarnDuplicateBillNumber=True)
    who, item = services["customer"], services["item"]
    numbers = [
        form(qbo, "Invoice", who, item, "1.00", DocNumber="1001")["DocNumber"],
        form(qbo, "Invoice", who, item, "1.00")["DocNumber"],
        form(qbo, "Invoice", who, item, "1.00", DocNumber="CLIO-7")["DocNumber"],
    ]
    assert numbers == ["1001", "1001", "CLIO-7"], "kept as sent, duplicates and all"
    renumbered = form(qbo, "Invoice", who, item, "1.00")
    update = {"Id": renumbered["Id"], "SyncToken": renumbered["SyncToken"], "sparse": True, "DocNumber": "9000"}
    assert qbo.api("POST", "/invoice", json=update).json()["Invoice"]["DocNumber"] == "9000"
    assert form(qbo, "Invoice", who, item, "1.00")["DocNumber"] == "1003"


# -- 6. sales tax where the company does not use it ------------------------------------------

TAX = {"TotalTax": "8.25", "TxnTaxCodeRef": {"value": "2"}}


def taxed(services: dict[str, str], **extra) -> dict:
    """A form of 100.00 less a 10.00 discount, sent with 8.25 of tax."""
    lines = [
        {
            "Amount": "100.00",
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": services["item"]}},
        },
        {"Amount": "10.00", "DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": False}},
    ]
    return {"CustomerRef": {"value": services["customer"]}, "Line": lines, "TxnTaxDetail": TAX, **extra}


def write(qbo, entity: str, body: dict, query: str = "") -> dict:
    response = qbo.api("POST", f"/{entity.lower()}{query}", json=body)
    assert response.status_code == 200, response.text
    return response.json()[entity]


def preferences(qbo) -> dict:
    return qbo.api("GET", "/preferences").json()["Preferences"]


@pytest.mark.parametrize("entity", ["Invoice", "CreditMemo", "SalesReceipt", "Estimate"])
def test_without_sales_tax_a_form_drops_the_tax_it_is_sent(qbo, services, entity) -> None:
    """Intuit's Invoice reference, TxnTaxDetail: "If sales tax is disabled
    (Preferences.TaxPrefs.UsingSalesTax is set to false) then TxnTaxDetail is ignored and not
    stored"; a new company has it off. The total is the lines less the discount."""
    assert preferences(qbo)["TaxPrefs"]["UsingSalesTax"] is False
    answered = write(qbo, entity, taxed(services))
    stored = read(qbo, entity, answered["Id"])
    for shown in (answered, stored):
        assert "TxnTaxDetail" not in shown
        assert shown["TotalAmt"] == 90
    [kept] = qbo.admin("GET", f"/objects/{qbo.realm}/{entity}")[entity]
    assert "TxnTaxDetail" not in kept


def test_with_sales_tax_on_the_same_invoice_keeps_its_tax(qbo, services) -> None:
    """The admin switch plays the person who turns sales tax on; the sent TotalTax then counts."""
    before = preferences(qbo)["SyncToken"]
    prefs(qbo, UsingSalesTax=True)
    after = preferences(qbo)
    assert after["TaxPrefs"]["UsingSalesTax"] is True and int(after["SyncToken"]) == int(before) + 1
    answered = write(qbo, "Invoice", taxed(services))
    stored = read(qbo, "Invoice", answered["Id"])
    for shown in (answered, stored):
        assert shown["TxnTaxDetail"] == {"TotalTax": 8.25, "TxnTaxCodeRef": {"value": "2"}}
        assert (shown["TotalAmt"], shown["Balance"]) == (98.25, 98.25)


def test_without_sales_tax_a_sparse_update_drops_the_tax_too(qbo, services) -> None:
    invoice = write(qbo, "Invoice", taxed(services, TxnTaxDetail={}))
    update = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True, "TxnTaxDetail": TAX}
    updated = write(qbo, "Invoice", update)
    assert "TxnTaxDetail" not in updated and updated["TotalAmt"] == 90
    assert "TxnTaxDetail" not in read(qbo, "Invoice", invoice["Id"])


@pytest.mark.parametrize("using_sales_tax", [False, True])
def test_a_void_gives_a_form_no_tax_detail_it_did_not_have(qbo, services, using_sales_tax) -> None:
    """Voiding zeroes what the form holds: a zero TxnTaxDetail where it had one, none where not."""
    prefs(qbo, UsingSalesTax=using_sales_tax)
    invoice = write(qbo, "Invoice", taxed(services))
    voided = write(qbo, "Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, "?operation=void")
    assert voided["TotalAmt"] == 0
    assert voided.get("TxnTaxDetail") == ({"TotalTax": 0} if using_sales_tax else None)


@pytest.mark.parametrize("value", ["true", "false", 1, 0, "", {"on": True}])
def test_the_sales_tax_switch_takes_only_true_or_false(qbo, value) -> None:
    before = preferences(qbo)["SyncToken"]
    response = qbo.http.post(f"/_sandbox/user/{qbo.realm}/preferences", json={"UsingSalesTax": value})
    assert response.status_code == 400
    assert response.json()["error"].startswith("UsingSalesTax must be true or false, not ")
    assert preferences(qbo)["SyncToken"] == before, "nothing switched"


# -- 7. an account's classification -----------------------------------------------------------


@pytest.mark.parametrize(
    "account_type, classification",
    [
        ("Other Current Liability", "Liability"),
        ("Credit Card", "Liability"),
        ("Long Term Liability", "Liability"),
        ("Equity", "Equity"),
        ("Cost of Goods Sold", "Expense"),
        ("Other Income", "Revenue"),
        ("Fixed Asset", "Asset"),
    ],
)
def test_an_accounts_classification_follows_its_type(qbo, account_type, classification) -> None:
    """Intuit's Account reference: Classification is "Read only, System defined" (Asset, Equity,
    Expense, Liability, Revenue), and the AccountType "is based on the Classification"; one sent
    is ignored."""
    body = {"Name": f"Sales tax {account_type}", "AccountType": account_type, "Classification": "Revenue"}
    account = write(qbo, "Account", body)
    assert account["Classification"] == classification
    assert read(qbo, "Account", account["Id"])["Classification"] == classification
