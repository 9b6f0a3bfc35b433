"""JournalEntry in the QBO emulator: balanced lines, live references, accounts that move.

Against a running emulator, as a client sees it: what QBO refuses (the faults are sourced in
``sandbox/qbo/journal.py``), what a create, an update and a delete do to the trust accounts'
``CurrentBalance``, and that query, batch, CDC and ``requestid`` treat journal entries as
they treat invoices.
"""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def trust(qbo) -> dict[str, str]:
    """The firm's trust bank and liability accounts, and a client with money in trust."""
    created = qbo.admin("POST", "/seed", json={"trust": True, "objects": {"Customer": [{"DisplayName": "Ada Client"}]}})
    bank, liability = created["created"]["Account"]
    return {"bank": bank, "liability": liability, "customer": created["created"]["Customer"][0]}


def line(posting: str, account: str, amount: str = "250.00", customer: str | None = None) -> dict:
    detail = {"PostingType": posting, "AccountRef": {"value": account}}
    if customer:
        detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": customer}}
    return {"Amount": amount, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": detail}


def deposit(trust: dict[str, str], amount: str = "250.00", **extra) -> dict:
    """Money into trust as Clio books it: debit the bank, credit the liability for the client."""
    return {
        "TxnDate": "2024-03-01",
        "Line": [
            line("Debit", trust["bank"], amount),
            line("Credit", trust["liability"], amount, customer=trust["customer"]),
        ],
        **extra,
    }


def balances(qbo, trust: dict[str, str]) -> tuple[Decimal, Decimal]:
    read = [qbo.api("GET", f"/account/{trust[key]}").json()["Account"] for key in ("bank", "liability")]
    return tuple(Decimal(str(account["CurrentBalance"])) for account in read)


def error(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]


def test_trust_accounts_are_seeded_with_intuits_detail_types(qbo, trust) -> None:
    rows = qbo.api("GET", "/query", params={"query": "select * from Account where AccountType = 'Bank'"}).json()
    bank = next(a for a in rows["QueryResponse"]["Account"] if a["Id"] == trust["bank"])
    liability = qbo.api("GET", f"/account/{trust['liability']}").json()["Account"]
    assert (bank["AccountSubType"], bank["Classification"]) == ("TrustAccounts", "Asset")
    assert (liability["AccountType"], liability["AccountSubType"]) == (
        "Other Current Liability",
        "TrustAccountsLiabilities",
    )
    assert balances(qbo, trust) == (0, 0)


def test_a_balanced_entry_is_created_and_moves_both_accounts(qbo, trust) -> None:
    made = qbo.api("POST", "/journalentry", json=deposit(trust, DocNumber="T-1", PrivateNote="clio:bt:1"))
    assert made.status_code == 200, made.text
    entry = made.json()["JournalEntry"]
    assert (entry["TotalAmt"], entry["SyncToken"], entry["Adjustment"]) == (250, "0", False)
    assert [(ln["Id"], ln["LineNum"]) for ln in entry["Line"]] == [("0", 1), ("1", 2)]
    credit = entry["Line"][1]["JournalEntryLineDetail"]
    assert credit["Entity"] == {"Type": "Customer", "EntityRef": {"value": trust["customer"], "name": "Ada Client"}}
    assert credit["AccountRef"] == {"value": trust["liability"], "name": "Client Trust Liability"}
    assert balances(qbo, trust) == (Decimal("250.00"), Decimal("-250.00"))
    assert qbo.api("GET", f"/journalentry/{entry['Id']}").json()["JournalEntry"] == entry


@pytest.mark.parametrize(
    "change, code, detail",
    [
        (
            lambda e, t: e["Line"].pop(),
            "6000",
            "Business Validation Error: Fill out at least two detail lines to continue.",
        ),
        (
            lambda e, t: e["Line"][0].update(Amount="250.01"),
            "6000",
            "Business Validation Error: Please balance debits and credits.",
        ),
        (
            lambda e, t: e["Line"][0]["JournalEntryLineDetail"].pop("AccountRef"),
            "2020",
            "Required parameter AccountRef is missing in the request",
        ),
        (lambda e, t: e["Line"][0]["JournalEntryLineDetail"].update(AccountRef={"value": "999"}), "610", None),
        (
            lambda e, t: e["Line"][1]["JournalEntryLineDetail"]["Entity"].update(EntityRef={"value": "999"}),
            "610",
            None,
        ),
        (lambda e, t: e["Line"][0]["JournalEntryLineDetail"].update(PostingType="Both"), "2170", None),
        (
            lambda e, t: e["Line"][0]["JournalEntryLineDetail"].update(AccountRef={"value": "3"}),  # A/R
            "6000",
            "Business Validation Error: When you use Accounts Receivable, you must choose a customer in the Name "
            "field.",
        ),
    ],
    ids=["one line", "unbalanced", "no account", "unknown account", "unknown customer", "posting type", "A/R"],
)
def test_what_qbo_refuses_leaves_the_books_alone(qbo, trust, change, code, detail) -> None:
    body = deposit(trust)
    change(body, trust)
    refused = error(qbo.api("POST", "/journalentry", json=body))
    assert refused["code"] == code
    if detail:
        assert refused["Detail"] == detail
    assert balances(qbo, trust) == (0, 0)
    assert qbo.admin("GET", f"/objects/{qbo.realm}/JournalEntry")["JournalEntry"] == []


def test_a_second_entry_with_the_same_number_is_a_duplicate(qbo, trust) -> None:
    first = qbo.api("POST", "/journalentry", json=deposit(trust, DocNumber="T-7")).json()["JournalEntry"]
    refused = error(qbo.api("POST", "/journalentry", json=deposit(trust, DocNumber="T-7")))
    assert refused["code"] == "6140"
    assert refused["Detail"].endswith(f"DocNumber=T-7 is assigned to TxnType=Journal Entry with TxnId={first['Id']}")
    again = qbo.api("POST", "/journalentry?include=allowduplicatedocnum", json=deposit(trust, DocNumber="T-7"))
    assert again.status_code == 200, again.text


def test_updates_undo_the_old_lines_and_post_the_new(qbo, trust) -> None:
    entry = qbo.api("POST", "/journalentry", json=deposit(trust)).json()["JournalEntry"]
    full = {**deposit(trust, "100.00"), "Id": entry["Id"], "SyncToken": entry["SyncToken"]}
    updated = qbo.api("POST", "/journalentry", json=full).json()["JournalEntry"]
    assert (updated["TotalAmt"], updated["SyncToken"]) == (100, "1")
    assert balances(qbo, trust) == (Decimal("100.00"), Decimal("-100.00"))
    sparse = {"Id": entry["Id"], "SyncToken": "1", "sparse": True, "PrivateNote": "edited in QBO"}
    noted = qbo.api("POST", "/journalentry", json=sparse).json()["JournalEntry"]
    assert (noted["PrivateNote"], noted["TotalAmt"], len(noted["Line"])) == ("edited in QBO", 100, 2)
    assert balances(qbo, trust) == (Decimal("100.00"), Decimal("-100.00"))
    stale = error(qbo.api("POST", "/journalentry", json={**full, "SyncToken": "0"}))
    assert stale["code"] == "5010"
    unbalanced = {**deposit(trust), "Id": entry["Id"], "SyncToken": "2"}
    unbalanced["Line"][0]["Amount"] = "1.00"
    assert error(qbo.api("POST", "/journalentry", json=unbalanced))["code"] == "6000"
    assert balances(qbo, trust) == (Decimal("100.00"), Decimal("-100.00"))


def test_a_delete_takes_the_entry_off_the_books_and_cdc_reports_it(qbo, trust) -> None:
    entry = qbo.api("POST", "/journalentry", json=deposit(trust)).json()["JournalEntry"]
    since = entry["MetaData"]["CreateTime"]
    body = {"Id": entry["Id"], "SyncToken": entry["SyncToken"]}
    gone = qbo.api("POST", "/journalentry?operation=delete", json=body)
    assert gone.json()["JournalEntry"] == {"domain": "QBO", "status": "Deleted", "Id": entry["Id"]}
    assert balances(qbo, trust) == (0, 0)
    assert error(qbo.api("GET", f"/journalentry/{entry['Id']}"))["code"] == "610"
    cdc = qbo.api("GET", "/cdc", params={"entities": "JournalEntry", "changedSince": since}).json()
    rows = cdc["CDCResponse"][0]["QueryResponse"][0]["JournalEntry"]
    assert [(row["Id"], row.get("status")) for row in rows] == [(entry["Id"], "Deleted")]


def test_an_entry_cannot_be_voided(qbo, trust) -> None:
    entry = qbo.api("POST", "/journalentry", json=deposit(trust)).json()["JournalEntry"]
    body = {"Id": entry["Id"], "SyncToken": entry["SyncToken"]}
    assert error(qbo.api("POST", "/journalentry?operation=void", json=body))["code"] == "6000"
    assert balances(qbo, trust) == (Decimal("250.00"), Decimal("-250.00"))


def test_a_qbo_user_editing_an_entry_moves_the_balances_too(qbo, trust) -> None:
    entry = qbo.api("POST", "/journalentry", json=deposit(trust)).json()["JournalEntry"]
    lines = deposit(trust, "200.00")["Line"]
    qbo.admin("POST", f"/user/{qbo.realm}/JournalEntry/{entry['Id']}/edit", json={"Line": lines})
    assert balances(qbo, trust) == (Decimal("200.00"), Decimal("-200.00"))


def test_requestid_replays_the_first_answer(qbo, trust) -> None:
    first = qbo.api("POST", "/journalentry?requestid=je-1", json=deposit(trust))
    second = qbo.api("POST", "/journalentry?requestid=je-1", json=deposit(trust))
    assert first.json()["JournalEntry"] == second.json()["JournalEntry"]
    assert len(qbo.admin("GET", f"/objects/{qbo.realm}/JournalEntry")["JournalEntry"]) == 1
    assert balances(qbo, trust) == (Decimal("250.00"), Decimal("-250.00"))


def test_the_whole_entry_read_can_be_sent_back(qbo, trust) -> None:
    entry = qbo.api("POST", "/journalentry", json=deposit(trust)).json()["JournalEntry"]
    echoed = qbo.api("POST", "/journalentry", json=entry)
    assert echoed.status_code == 200, echoed.text
    assert balances(qbo, trust) == (Decimal("250.00"), Decimal("-250.00"))


def test_filters_follow_finance_xsd(qbo, trust) -> None:
    qbo.api("POST", "/journalentry", json=deposit(trust, DocNumber="T-9"))
    found = qbo.api("GET", "/query", params={"query": "select * from JournalEntry where DocNumber = 'T-9'"})
    assert [e["DocNumber"] for e in found.json()["QueryResponse"]["JournalEntry"]] == ["T-9"]
    refused = qbo.api("GET", "/query", params={"query": "select * from JournalEntry where TotalAmt > '1'"})
    assert error(refused)["code"] == "4001"


def test_hundreds_of_entries_in_batches_page_and_sum_to_the_account_balances(qbo, trust) -> None:
    """The reconciliation reads every entry; 240 in batches of 30, paged by 100 in Id order."""
    for batch in range(8):
        items = [
            {"bId": str(n), "operation": "create", "JournalEntry": deposit(trust, f"{n + 1}.00", DocNumber=f"T-{n}")}
            for n in range(batch * 30, batch * 30 + 30)
        ]
        answer = qbo.api("POST", "/batch", json={"BatchItemRequest": items}).json()["BatchItemResponse"]
        assert all("JournalEntry" in item for item in answer), answer
    seen: list[dict] = []
    while True:
        text = f"select * from JournalEntry ORDERBY Id STARTPOSITION {len(seen) + 1} MAXRESULTS 100"
        page = qbo.api("GET", "/query", params={"query": text}).json()["QueryResponse"].get("JournalEntry", [])
        seen += page
        if len(page) < 100:
            break
    assert len({e["Id"] for e in seen}) == 240
    per_client = sum(
        Decimal(str(ln["Amount"])) for e in seen for ln in e["Line"] if "Entity" in ln["JournalEntryLineDetail"]
    )
    assert per_client == sum(Decimal(n) for n in range(1, 241))
    assert balances(qbo, trust) == (per_client, -per_client)
