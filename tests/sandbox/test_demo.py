"""The demo-firm generator: deterministic, every awkward case present, consistent, fast."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from billsync.sandbox.clio import billing
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


def test_loader_copies_records_into_the_store(firm: Firm) -> None:
    store = Store()
    counts = load_firm(store, firm)
    assert counts["bills"] == 2000 and counts["contacts"] == len(firm.contacts)
    store["bills"].get(1)["state"] = "void"
    assert firm.bills[0]["state"] != "void", "the firm is not changed through the store"
    assert len(store["line_items"].referring("bill", 1)) == 3


def test_a_hundred_thousand_bills_well_under_a_minute() -> None:
    started = time.perf_counter()
    big = generate_firm(100_000, seed=1)
    elapsed = time.perf_counter() - started
    assert len(big.bills) == 100_000 and elapsed < 30, f"took {elapsed:.1f}s"
