"""The trust reconciliation's rows from the two ledgers' balances: pure, no server."""

from __future__ import annotations

from decimal import Decimal

from billsync.daemon.sync import reconcile

D = Decimal


def test_rows_pair_each_client_with_its_customer_and_put_the_largest_difference_first():
    clio = {"1": D("100.00"), "2": D("50.00"), "3": D("0.00"), "4": D("10.00")}
    qbo = {"c1": D("100.00"), "c2": D("75.00"), "c9": D("5.00")}
    client_of = {"c1": "1", "c2": "2"}
    names = {"1": "Amy", "2": "Bill", "4": "Dee", "c9": "Someone in QuickBooks only"}

    rows = reconcile.rows(clio, qbo, client_of, names)

    assert [(r.name, r.clio, r.qbo, r.difference) for r in rows] == [
        ("Bill", D("50.00"), D("75.00"), D("-25.00")),
        ("Dee", D("10.00"), D("0.00"), D("10.00")),
        ("Someone in QuickBooks only", D("0.00"), D("5.00"), D("-5.00")),
        ("Amy", D("100.00"), D("100.00"), D("0.00")),
    ], "a client with nothing in either ledger is left out"
    assert (rows[2].clio_client_id, rows[1].qbo_customer_id) == ("", "")


def test_journal_lines_on_the_liability_count_credits_up_and_debits_down_per_customer():
    entries = [
        {
            "Line": [
                {"Amount": 300, "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "8"}}},
                {
                    "Amount": 300,
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": {"value": "9"},
                        "Entity": {"EntityRef": {"value": "c1", "name": "Amy"}},
                    },
                },
            ]
        },
        {
            "Line": [
                {
                    "Amount": "120.50",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": {"value": "9"},
                        "Entity": {"EntityRef": {"value": "c1", "name": "Amy"}},
                    },
                },
            ]
        },
    ]
    assert reconcile.qbo_balances(entries, "9") == ({"c1": D("179.50")}, {"c1": "Amy"})
