"""The demo-firm generator: deterministic, every awkward case present, consistent, large."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billsync.sandbox.clio import billing, records
from billsync.sandbox.clio.loader import load_firm
from billsync.sandbox.clio.store import Store
from billsync.sandbox.demo import CASES, Firm, generate_firm


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate_firm(2000, seed=11)


def test_same_seed_same_firm_other_seed_other_firm() -> None:
    assert generate_firm(300, seed=5) == generate_firm(300, seed=5)
    assert generate_firm(300, seed=5) != generate_firm(300, seed=6)


@pytest.mark.parametrize("bills", [10, 2000])
def test_every_awkward_case_is_present(bills: int) -> None:
    cases = generate_firm(bills, seed=3).cases
    assert [name for name in CASES if not cases[name]] == []


def test_cases_are_what_they_claim(firm: Firm) -> None:
    contacts = {c["id"]: c for c in firm.contacts}
    bills = {b["id"]: b for b in firm.bills}
    allocations = {a["id"]: a for a in firm.allocations}
    smiths = [contacts[i] for i in firm.cases["duplicate_name_different_email"]]
    assert len({c["name"] for c in smiths}) == 1 and len({c["primary_email_address"] for c in smiths}) == 2
    garcias = [contacts[i] for i in firm.cases["duplicate_name_same_email"]]
    assert len({(c["name"], c["primary_email_address"]) for c in garcias}) == 1 and len(garcias) == 2
    assert all(":" in contacts[i]["name"] for i in firm.cases["colon_in_name"])
    assert all(not contacts[i]["name"].isascii() for i in firm.cases["non_ascii_name"])
    assert all(len(bills[i]["number"]) > 21 for i in firm.cases["long_bill_number"])
    numbers = [bills[i]["number"] for i in firm.cases["duplicate_bill_number"]]
    assert len(numbers) == 2 and len(set(numbers)) == 1
    for state in ("draft", "awaiting_approval", "awaiting_payment", "paid", "void", "deleted"):
        assert {bills[i]["state"] for i in firm.cases[state]} == {state}
    assert all(allocations[i]["voided_at"] for i in firm.cases["voided_payment"])
    trust = {"id": records.TRUST_ACCOUNT}
    assert all(allocations[i]["source_bank_account"] == trust for i in firm.cases["paid_from_trust"])
    split = [allocations[i] for i in firm.cases["split_payment"]]
    assert len({a["parent"]["id"] for a in split}) == 1 and len({a["bill"]["id"] for a in split}) == 2
    assert all(bills[i]["total"] == 0 and bills[i]["state"] == "paid" for i in firm.cases["zero_total"])
    billed = {b["client"]["id"] for b in firm.bills}
    assert not billed & set(firm.cases["contact_without_bills"])


def test_every_bill_adds_up_to_the_cent(firm: Firm) -> None:
    lines: dict[int, list[dict]] = {}
    for line in firm.line_items:
        lines.setdefault(line["bill"]["id"], []).append(line)
    paid: dict[int, Decimal] = {}
    for allocation in firm.allocations:
        if not allocation["voided_at"]:
            paid[allocation["bill"]["id"]] = paid.get(allocation["bill"]["id"], billing.ZERO) + allocation["amount"]
    for bill in firm.bills:
        own = lines[bill["id"]]
        discount = billing.discount_amount(bill["sub_total"], bill["discount"])
        assert bill["sub_total"] == sum(line["total"] for line in own)
        assert bill["tax_sum"] == sum(line["tax"] for line in own)
        assert bill["total"] == bill["sub_total"] - discount + bill["tax_sum"] + bill["secondary_tax_sum"]
        assert bill["balance"] == bill["total"] - paid.get(bill["id"], billing.ZERO)
        assert all(value == value.quantize(billing.CENT) for value in (bill["total"], bill["balance"]))
        if bill["state"] == "paid":
            assert bill["balance"] == 0
        if bill["state"] == "awaiting_payment":
            assert bill["balance"] > 0
        services = [line for line in own if line["kind"] == "Service"]
        assert bill["services_sub_total"] == sum((line["total"] for line in services), billing.ZERO)
        assert bill["services_tax"] == sum((line["tax"] for line in services), billing.ZERO)
        assert bill["start_at"] == min(line["date"] for line in own) <= bill["end_at"] <= bill["issued_at"]
        assert isinstance(bill["taxable_sub_total"], int)
        if bill["tax_rate"] and not bill["discount"]["rate"]:
            taxable = sum((line["total"] for line in own if line["taxable"]), billing.ZERO)
            assert abs(bill["taxable_sub_total"] - taxable) <= Decimal("0.5"), "in whole currency units"


def test_every_payment_moves_money_in_the_ledgers(firm: Firm) -> None:
    operating, trust = firm.bank_accounts
    assert (operating["id"], trust["id"]) == (records.OPERATING_ACCOUNT, records.TRUST_ACCOUNT)
    for account in firm.bank_accounts:
        ledger = [t for t in firm.bank_transactions if t["bank_account_id"] == account["id"]]
        assert account["bank_transactions_count"] == len(ledger)
        running = billing.ZERO
        for transaction in ledger:
            running += transaction["amount"]
            assert transaction["current_account_balance"] == running >= 0
            assert transaction["funds_in"] - transaction["funds_out"] == transaction["amount"]
        assert account["balance"] == running
    payments = [a for a in firm.allocations if a["parent"]["type"] == "Payment"]
    kept = sum((a["amount"] for a in payments if not a["voided_at"]), billing.ZERO)
    assert operating["balance"] == kept
    retainers = [firm.bank_transactions[i - 1] for i in firm.cases["trust_deposit"]]
    assert retainers and all(t["bank_account_id"] == trust["id"] and t["funds_in"] > 0 for t in retainers)
    for allocation in (a for a in payments if a["source_bank_account"]):
        taken = [t for t in firm.bank_transactions if t["allocation"] == {"id": allocation["id"]} and t["funds_out"]]
        assert [(t["bank_account_id"], t["funds_out"]) for t in taken] == [(trust["id"], allocation["amount"])]
    assert any(a["has_online_payment"] and a["payment_type"] == "credit_card" for a in payments)


def test_contacts_have_consistent_details(firm: Firm) -> None:
    for contact in firm.contacts:
        numbers = [phone["number"] for phone in contact["phone_numbers"]]
        assert [contact["primary_phone_number"], contact["secondary_phone_number"]] == (numbers + [None, None])[:2]
        emails = [email["address"] for email in contact["email_addresses"]]
        assert emails == ([contact["primary_email_address"]] if contact["primary_email_address"] else [])
        assert [a["primary"] for a in contact["addresses"]] == [n == 0 for n in range(len(contact["addresses"]))]
        assert (contact["date_of_birth"] is None) == (contact["type"] == "Company")
    assert any(contact["addresses"] for contact in firm.contacts) and any(not c["phone_numbers"] for c in firm.contacts)


def test_loader_copies_records_into_the_store(firm: Firm) -> None:
    store = Store()
    counts = load_firm(store, firm)
    assert counts["bills"] == 2000 and counts["contacts"] == len(firm.contacts)
    assert counts["bank_transactions"] == len(firm.bank_transactions)
    store["bills"].get(1)["state"] = "void"
    assert firm.bills[0]["state"] != "void", "the firm is not changed through the store"
    assert len(store["line_items"].referring("bill", 1)) == 3


def test_a_hundred_thousand_bills() -> None:
    big = generate_firm(100_000, seed=1)
    assert len(big.bills) == 100_000
    assert [b["id"] for b in big.bills[-3:]] == [99_998, 99_999, 100_000]


def test_trust_activity_never_overdraws_a_ledger(firm: Firm) -> None:
    trust = [t for t in firm.bank_transactions if t["bank_account_id"] == records.TRUST_ACCOUNT]
    held: dict[tuple[int, int | None], Decimal] = {}
    for transaction in trust:  # in posting (id) order
        ledger = (transaction["client"]["id"], (transaction["matter"] or {}).get("id"))
        held[ledger] = held.get(ledger, billing.ZERO) + transaction["amount"]
        assert held[ledger] >= 0, f"ledger {ledger} overdrawn by transaction {transaction['id']}"
    kinds = {name: firm.cases[name] for name in ("trust_deposit", "trust_disbursement", "trust_transfer")}
    assert all(len(ids) > 10 for ids in kinds.values())
    by_id = {t["id"]: t for t in trust}
    assert all(by_id[i]["amount"] < 0 for i in kinds["trust_disbursement"])
    assert sum(by_id[i]["amount"] for i in kinds["trust_transfer"]) == 0, "a transfer moves, never makes, money"
    assert len({t["client"]["id"] for t in trust}) > 50
