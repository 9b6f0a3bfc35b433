"""The demo firm's trust activity: deposits, disbursements and transfers between a client's
ledgers, for a share of its clients, as Clio's trust sync meets them.

Clio's help centre lists what its QuickBooks Online trust sync pushes ("How does the
QuickBooks trust accounting sync work", support.clio.com/hc/en-us/articles/115004791433):
manual additions and disbursements of trust funds, matter-to-matter transfers, payments made
to trust requests, payments on bills from a trust account. The catalogue's bill paid from a
retainer is made with the bills (:mod:`billsync.sandbox.demo`); this module adds the rest
after every bill and payment, from a random stream of its own, so the bills, payments and
ids of a seed are what they were before the firm had trust activity. Every ledger (a
client's matter, a client's client-level funds) is only ever drawn on what it holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Callable

from billsync.sandbox.clio import billing, records

if TYPE_CHECKING:
    from billsync.sandbox.demo import Firm

#: The share of clients with money held in trust.
TRUST_CLIENTS = 0.15
DEPOSIT_DESCRIPTIONS = ("Retainer", "Payment on trust request", "Settlement funds received")
DISBURSEMENT_DESCRIPTIONS = (
    "Court filing fee",
    "Expert witness fee",
    "Settlement paid out",
    "Refund of unused retainer",
)


@dataclass(frozen=True)
class _Move:
    """One trust movement to post: ``amount`` signed, ``matter`` None for the client level."""

    day: date
    client_id: int
    order: int
    amount: Decimal
    matter: int | None
    description: str
    source: str
    case: str | None


def _transfer(
    day: date, client_id: int, order: int, amount: Decimal, source: int | None, target: int | None
) -> list[_Move]:
    description = "Transfer between matters"
    return [
        _Move(day, client_id, order, -amount, source, description, records.TRANSFER, "trust_transfer"),
        _Move(day, client_id, order + 1, amount, target, description, records.TRANSFER, "trust_transfer"),
    ]


def _catalogue_moves(firm: Firm, start: date) -> list[_Move]:
    """For the first catalogue client with a retainer: a disbursement and a transfer of part of
    what is left from the matter to the client level, so every firm of ten bills has both."""
    deposits = [firm.bank_transactions[i - 1] for i in firm.cases["trust_deposit"]]
    if not deposits:
        return []
    client_id = deposits[0]["client"]["id"]
    day = start + timedelta(days=40)
    return [
        _Move(
            day,
            client_id,
            0,
            Decimal("-250.00"),
            client_id,
            "Court filing fee",
            records.MANUAL_ENTRY,
            "trust_disbursement",
        ),
        *_transfer(day + timedelta(days=5), client_id, 1, Decimal("400.00"), client_id, None),
    ]


def _random_moves(rng: random.Random, client_id: int, start: date, span_days: int) -> list[_Move]:
    """A client's trust story: a deposit to its matter, then perhaps a disbursement, a
    transfer to the client level and a top-up, each later than the one before."""
    day = start + timedelta(days=rng.randrange(span_days))
    held = Decimal(rng.randrange(5, 150) * 100)
    moves = [
        _Move(
            day, client_id, 0, held, client_id, rng.choice(DEPOSIT_DESCRIPTIONS), records.MANUAL_ENTRY, "trust_deposit"
        )
    ]
    if rng.random() < 0.5:
        day += timedelta(days=rng.randrange(1, 60))
        out = billing.money(held * Decimal(rng.choice((10, 25, 40))) / 100)
        held -= out
        moves.append(
            _Move(
                day,
                client_id,
                1,
                -out,
                client_id,
                rng.choice(DISBURSEMENT_DESCRIPTIONS),
                records.MANUAL_ENTRY,
                "trust_disbursement",
            )
        )
    if rng.random() < 0.25:
        day += timedelta(days=rng.randrange(1, 30))
        moves += _transfer(day, client_id, 2, billing.money(held / 2), client_id, None)
    if rng.random() < 0.2:
        day += timedelta(days=rng.randrange(1, 90))
        moves.append(
            _Move(
                day,
                client_id,
                4,
                Decimal(rng.randrange(5, 50) * 100),
                client_id,
                "Retainer top-up",
                records.MANUAL_ENTRY,
                "trust_deposit",
            )
        )
    return moves


def add_trust_activity(
    firm: Firm, next_id: Callable[[], int], *, seed: int, start: date, span_days: int, without: set[int]
) -> None:
    """Post the firm's trust activity in date order after everything it already holds.

    Args:
        next_id: the firm's next bank transaction id.
        without: contacts given no trust activity (the one never billed stays untouched).
    """
    rng = random.Random(f"trust-{seed}")
    moves = _catalogue_moves(firm, start)
    catalogued = {move.client_id for move in moves}
    for contact in firm.contacts:
        client_id = contact["id"]
        if client_id in without or client_id in catalogued:
            continue
        if rng.random() < TRUST_CLIENTS:
            moves += _random_moves(rng, client_id, start, span_days)
    trust = firm.bank_accounts[records.TRUST_ACCOUNT - 1]
    for move in sorted(moves, key=lambda m: (m.day, m.client_id, m.order)):
        at = datetime.combine(move.day, time(10), tzinfo=timezone.utc) + timedelta(
            seconds=move.client_id % 3600 + move.order
        )
        transaction = records.post(
            next_id(),
            trust,
            move.amount,
            move.day,
            at,
            description=move.description,
            client_id=move.client_id,
            matter_id=move.matter,
            source=move.source,
        )
        firm.bank_transactions.append(transaction)
        if move.case:
            firm.mark(move.case, transaction["id"])
