"""Carrying out planned ops against QBO: batches of ≤ 30 writes, then their outcomes.

Up to three batches of one kind travel at once (ops of one kind never depend on each
other). QBO admits 40 batches a minute and 500 requests: when more writes remain than the
batches the minute still allows will carry, the rest go out alongside as single creates
and updates, as many as :meth:`RateLimiter.singles
<billsync.daemon.ratelimit.RateLimiter.singles>` admits, each a batch item sent alone and
handled the same way; a small sync stays all-batch. Creates are announced as pending links
before each request is sent and carry keys QBO can de-duplicate; a request whose answer is
lost is resolved by ``recovery`` on the next cycle, never blindly re-sent. Every write
carries a ``requestid``, so that the retry layer re-sending it after a lost answer is
answered instead of applied twice. An item a batch answer leaves out is never forgotten: a
create stays pending for ``recovery``, an update is sent once more and then, still
unconfirmed, recorded as failed. Faults are sorted once: fatal for the item (recorded on
the link, the rest goes on), stale (re-read and written once more), taken name (retried
under the contact's disambiguated name), or fatal for the run (raised).
"""

from __future__ import annotations

import contextvars
import enum
import functools
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace

from billsync.daemon.qbo import currencies
from billsync.daemon.qbo.client import BatchOp, BatchResult, Operation, QuickBooks
from billsync.daemon.qbo.faults import QboFault
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import currency, decisions, mapping, outcomes, totals
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import Action, Op, voided
from billsync.daemon.sync.outcomes import Outcome

log = logging.getLogger(__name__)

BATCH_SIZE = 30
#: Batches of one kind sent at once: they never depend on each other, and one at a time
#: would leave the realm's throttle budget unused while each answer travels back.
IN_FLIGHT = 3
SENDERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="write")
WRITES = (Action.CREATE, Action.UPDATE)
RETIRES = (Action.VOID, Action.DELETE, Action.WITHDRAW)
#: What a retire did, as its link's reason says it: in Clio (unless the op says), then in QBO.
RETIRED = {
    Action.VOID: ("Voided in Clio", "voided in QuickBooks"),
    Action.DELETE: ("Deleted in Clio", "deleted in QuickBooks"),
    Action.WITHDRAW: ("Voided in Clio", "its applications removed and the credit memo deleted in QuickBooks"),
}
BROKEN_REASON = "Deleted or made inactive in QuickBooks by someone; re-sync to create it again"
#: An update QuickBooks left out of its answer twice: it may or may not hold the change.
UNCONFIRMED_REASON = (
    "QuickBooks did not confirm this change (its answer left it out twice), so it may not show there; "
    "re-sync to send it again"
)


class Done(enum.StrEnum):
    """How an op ended, as a run's progress counts it."""

    CREATED = "created"
    UPDATED = "updated"
    FAILED = "failed"
    #: Nothing written to QBO: up to date, adopted, skipped or waiting.
    UNWRITTEN = "unwritten"


def requestid_for(connection: Connection, *parts: str) -> str:
    """The ``requestid`` of one write of this connection, named by ``parts``: QBO answers a
    request that carries one it has seen with its first answer instead of applying it again
    (Intuit Developer blog, "Request ID update for QuickBooks Online integration", 2015),
    and takes at most 36 characters on a batch (same source)."""
    return hashlib.sha256("|".join([str(connection.id), *parts]).encode()).hexdigest()[:36]


def write_requestid(
    connection: Connection,
    ops: list[Op],
    attempts: dict[str, str],
    resent: frozenset[tuple[str, str]] = frozenset(),
    *,
    alone: bool = False,
) -> str:
    """The same batch (or single write, ``alone``: never the twin of a batch of one), sent
    again after a lost answer, carries the same requestid; a new one never does. Each op is
    named by what it sends (an update's body names the SyncToken it was written against, so
    an edit reverted in Clio is not answered with the reply to its first writing; a create
    changed in Clio since it was first sent is not answered with the object made of its old
    content) and by its attempt (``attempts``, by Clio id: a create's idempotency key, or
    when the outcome of an update's link was last recorded, so that a re-sync of an update
    that failed or went unconfirmed is sent anew rather than answered with what its last
    sending was); nor does the re-send of an update a batch answer left out (``resent``:
    kind and Clio id), which the first requestid would answer with that same answer, the
    update missing again."""
    parts = [
        f"{op.kind}:{op.clio_id}:{attempts.get(op.clio_id, '')}:{mapping.fingerprint(op.body or {})}"
        + (":resent" if (op.kind, op.clio_id) in resent else "")
        for op in ops
    ]
    return requestid_for(connection, *(["alone"] if alone else []), *parts)


class Writer:
    """Writes one connection's ops and records what happened, reporting each op as done."""

    def __init__(self, connection: Connection, qbo: QuickBooks, on_done: Callable[[Op, Done], None]) -> None:
        self.connection = connection
        self.qbo = qbo
        self.on_done = on_done
        #: Updates a batch answer left out, and sent once more (batches run in several threads).
        self._resent: set[tuple[str, str]] = set()
        self._resent_lock = threading.Lock()
        #: The currencies the company was found to list, or made to list, this cycle.
        self._listed: set[str] = set()
        self._rates = currencies.Rates(qbo)

    def apply(self, ops: list[Op], existing: dict[str, Link]) -> Iterator[float]:
        """Carries out ``ops``, yielding after each round of requests to QBO: the points
        where the scheduler may hand the turn to another connection. Each yield says how
        long to wait before the next round (QBO's limits for this realm)."""
        recorded, writes, retires = [], [], []
        for op in self._at_quickbooks_rates(self._in_listed_currencies(ops)):
            if op.action is Action.NONE:
                self.on_done(op, Done.UNWRITTEN)
            elif op.action in WRITES:
                writes.append(op)
            elif op.action in RETIRES:
                retires.append(op)
            else:
                recorded.append((op, outcomes.planned(op)))
        outcomes.record(self.connection, recorded)
        for op, outcome in recorded:
            self.on_done(op, Done.FAILED if outcome.state == LinkState.FAILED else Done.UNWRITTEN)
        while writes:
            batches, excess, wait = self._next_round(writes)
            if not batches and not excess:
                yield wait
                continue
            batched = sum(len(batch) for batch in batches)
            rest = writes[batched : len(writes) - len(excess)]
            retries, unsent = self._send_together(batches, excess, existing)
            writes = rest + unsent + retries
            yield 0.0
        for op in retires:
            self._retire(op)
            yield 0.0

    def _next_round(self, writes: list[Op]) -> tuple[list[list[Op]], list[Op], float]:
        """The batches of ``writes`` to send now (as many as the realm admits, at most
        :data:`IN_FLIGHT`) and the writes from the end that may go alone: those beyond what
        the batches the minute still allows will carry. With nothing the realm admits now,
        the seconds to wait."""
        limiter, realm = self.qbo.limiter, self.qbo.realm_id
        beyond = len(writes) - limiter.unused_batches(realm) * BATCH_SIZE
        free, wait = limiter.capacity(realm, batch=True, announce=beyond <= 0)
        batched = writes[: min(free, IN_FLIGHT) * BATCH_SIZE]
        batches = [batched[i : i + BATCH_SIZE] for i in range(0, len(batched), BATCH_SIZE)]
        excess = writes[len(batched) :][-beyond:] if beyond > 0 else []
        if excess and not batches:
            room, single_wait = limiter.singles(realm)
            if not room:
                wait = min(wait, single_wait)
                limiter.on_wait(wait)
                return [], [], wait
        return batches, excess, wait

    def _in_listed_currencies(self, ops: list[Op]) -> list[Op]:
        """``ops``, once the company lists every currency their creates name (a customer in
        another currency than the home one, :mod:`billsync.daemon.qbo.currencies`); a create
        in a currency QuickBooks would not add fails, naming it. No request when no create
        names a currency, as in every cycle of a company in one currency. A document is in its
        customer's currency, which the company listed before the customer was made."""
        creates = (op for op in ops if op.action is Action.CREATE and op.kind is Kind.CONTACT)
        wanted = {currency.sent(op.body) for op in creates} - {""} - self._listed
        if not wanted:
            return ops
        refused = currencies.ensure(self.qbo, wanted)
        self._listed |= wanted - set(refused)
        return [
            replace(
                op, action=Action.FAIL, reason=currency.not_added(code, refused[code]), error_code=currency.CURRENCY
            )
            if op.action is Action.CREATE and (code := currency.sent(op.body)) in refused
            else op
            for op in ops
        ]

    def _at_quickbooks_rates(self, ops: list[Op]) -> list[Op]:
        """``ops``, each write of a document in another currency than the home one with
        QuickBooks' rate for its date (``TxnDate``): a foreign transaction without one is
        refused (2410, design 14 C8) or, by other accounts, booked at 1. The rate is added to
        the body after its fingerprint was taken, so a rate QuickBooks moves re-sends nothing;
        a write made for another reason sends the rate of its date again. One request per
        currency and date a cycle, none for a company in one currency."""
        return [self._at_rate(op) if op.action in WRITES and op.kind is not Kind.CONTACT else op for op in ops]

    def _at_rate(self, op: Op) -> Op:
        code = currency.sent(op.body)
        if not code:
            return op
        day = str(op.body.get("TxnDate") or "")[:10]
        try:
            rate = self._rates.on(code, day)
        except QboFault as fault:
            if not fault.validation:
                raise
            return replace(op, action=Action.FAIL, reason=fault.describe(), error_code=currency.CURRENCY)
        if rate is None:
            return replace(op, action=Action.FAIL, reason=currency.no_rate(code, day), error_code=currency.CURRENCY)
        return replace(op, body={**op.body, "ExchangeRate": rate})

    def _send_together(
        self, batches: list[list[Op]], excess: list[Op], existing: dict[str, Link]
    ) -> tuple[list[Op], list[Op]]:
        """Sends the batches and, from ``excess``, single writes as the realm's room admits:
        at once, then each time room frees while the batches (or, without any, the first
        singles) travel: a batch takes far longer than one object, and a round waiting for
        its slowest request would otherwise leave the room for singles unused.
        Waits for every request, even when one fails: a request still in flight when the
        cycle ends could land after the next cycle's recovery found nothing, and be created
        twice. Returns the ops worth one more try, and those of ``excess`` not sent."""

        def submit(send: Callable[..., list[Op]], what: list[Op] | Op) -> Future[list[Op]]:
            # In the cycle's context (its connection and run: metrics and log lines name them).
            return SENDERS.submit(contextvars.copy_context().run, send, what, existing)

        limiter, realm = self.qbo.limiter, self.qbo.realm_id
        lanes = limiter.limits.concurrent - len(batches)  # singles of this round in flight at most
        travelling = [submit(self._batch, batch) for batch in batches]
        futures, alone, sending = list(travelling), [], len(batches)
        try:
            while excess:
                room, pause = limiter.singles(realm, sending=sending)
                sending = 0  # sent by now: the limiter counts them
                room = max(0, min(room, lanes - sum(not f.done() for f in alone)))
                started = [submit(self._single, op) for op in excess[:room]]
                excess, alone, futures = excess[room:], alone + started, futures + started
                travelling = travelling or started  # without batches, the round lasts as its first singles
                if all(f.done() for f in travelling) or any(f.done() and f.exception() for f in futures):
                    break
                wait([f for f in futures if not f.done()], timeout=pause or None, return_when=FIRST_COMPLETED)
        finally:  # whatever failed in this loop, no request sent is left in flight
            wait(futures)
        for future in futures:
            if future.exception() is not None:
                raise future.exception()
        return [op for future in futures for op in future.result()], excess

    def _batch(self, ops: list[Op], existing: dict[str, Link]) -> list[Op]:
        """Sends one batch and records its outcomes; returns ops worth one more try."""
        attempts = self._announce(ops, existing)
        items = [BatchOp(f"b{i}", Operation(op.action), op.entity, op.body) for i, op in enumerate(ops)]
        results = self.qbo.batch(items, requestid=self._requestid(ops, attempts))
        return self._settle([(op, results.get(item.bid)) for item, op in zip(items, ops)])

    def _single(self, op: Op, existing: dict[str, Link]) -> list[Op]:
        """Sends one create or update alone, as a batch item sent by itself: announced and
        named alike, its answer (or refusal) settled alike. Returns it if worth one more try."""
        attempts = self._announce([op], existing)
        send = self.qbo.create if op.action is Action.CREATE else self.qbo.update
        try:
            result = BatchResult(entity=send(op.entity, op.body, requestid=self._requestid([op], attempts, alone=True)))
        except QboFault as fault:
            result = BatchResult(fault=fault)
        return self._settle([(op, result)])

    def _announce(self, ops: list[Op], existing: dict[str, Link]) -> dict[str, str]:
        """Marks the creates among ``ops`` pending before they are sent; returns each op's
        attempt (:func:`write_requestid`)."""
        creates = [op for op in ops if op.action is Action.CREATE]
        attempts = {op.clio_id: existing[op.clio_id].updated_at.isoformat() for op in ops if op.clio_id in existing}
        attempts |= outcomes.mark_pending(self.connection, creates, existing)
        for op in creates:
            existing.pop(op.clio_id, None)
        return attempts

    def _requestid(self, ops: list[Op], attempts: dict[str, str], *, alone: bool = False) -> str:
        with self._resent_lock:
            resent = frozenset(self._resent)
        return write_requestid(self.connection, ops, attempts, resent, alone=alone)

    def _settle(self, answers: list[tuple[Op, BatchResult | None]]) -> list[Op]:
        """Records what QBO answered for each op (None: the answer left it out); returns the
        ops worth one more try. A fault that is not about the item is raised."""
        recorded, again, unconfirmed = [], [], []
        for op, result in answers:
            if result is None:
                log.warning("batch answer lacked %s %s %s", op.action, op.kind, op.clio_id)
                if op.action is Action.CREATE:
                    unconfirmed.append(op)
                elif self._send_again(op):
                    again.append(op)
                else:
                    recorded.append((op, outcomes.failed(UNCONFIRMED_REASON)))
                continue
            if result.fault is None:
                outcome = written(op, result.entity or {})
                recorded.append((op, outcome))
                if outcome.state == LinkState.SYNCED:
                    self.on_done(op, Done.CREATED if op.action is Action.CREATE else Done.UPDATED)
                continue
            fault = result.fault
            if not fault.validation:
                raise fault
            if fault.duplicate_name and op.fallback_name:
                again.append(_under_fallback_name(op))
            elif fault.stale and op.action is Action.UPDATE and op.code is not Cause.ADOPT_DECIDED:
                # Not an invoice written over the one a bookkeeper chose: changed in QuickBooks
                # since it was checked (voided, renumbered, paid), it fails, to be decided again.
                recorded.append((op, self._rewrite(op)))
            else:
                recorded.append((op, _fault_outcome(op, fault)))
        if unconfirmed:
            outcomes.forget_keys(self.connection, unconfirmed)
        outcomes.record(self.connection, recorded)
        for op, outcome in recorded:
            if outcome.state != LinkState.SYNCED:
                self.on_done(op, Done.FAILED)
        return again

    def _send_again(self, op: Op) -> bool:
        """Whether an update a batch answer left out is sent once more: QBO may have applied it
        or not, and a re-send settles which without doing it twice (if it was applied, the
        re-send meets 5010 and :meth:`_rewrite` writes the same content over a fresh read).
        Not if it was the re-send already: it is recorded as failed, for a re-sync."""
        key = (op.kind, op.clio_id)
        with self._resent_lock:
            first = key not in self._resent
            self._resent.add(key)
        return first

    def _rewrite(self, op: Op) -> Outcome:
        """5010: someone changed the object in QBO since we read it; write over a fresh read once."""
        try:
            current = self.qbo.read(op.entity, op.qbo_id)
            token = str(current["SyncToken"])
            saved = self.qbo.update(
                op.entity,
                {**op.body, "SyncToken": token},
                requestid=requestid_for(self.connection, op.kind, op.clio_id, op.fingerprint, token),
            )
        except QboFault as fault:
            if not fault.validation:
                raise
            return _fault_outcome(op, fault)
        outcome = written(op, saved)
        self.on_done(op, Done.UPDATED if outcome.state == LinkState.SYNCED else Done.FAILED)
        return outcome

    def _retire(self, op: Op, stale_retried: bool = False) -> None:
        """Void or delete in QBO what was voided or deleted in Clio."""
        call = self.qbo.void if op.action is Action.VOID else self.qbo.delete
        in_clio, in_qbo = RETIRED[op.action]
        in_clio = op.reason or in_clio
        gone = Outcome(LinkState.SKIPPED, f"{in_clio}; already gone from QuickBooks", fingerprint=op.action)
        state = LinkState.SYNCED if op.action is Action.VOID else LinkState.SKIPPED
        done = functools.partial(Outcome, state, f"{in_clio}; {in_qbo}", fingerprint=op.action)
        try:
            entity = call(
                op.entity,
                op.qbo_id,
                op.sync_token,
                requestid=requestid_for(self.connection, op.kind, op.clio_id, op.action, op.sync_token),
            )
            outcome = done(sync_token=str(entity.get("SyncToken", op.sync_token)))
        except QboFault as fault:
            if not fault.validation:
                raise
            if fault.not_found:
                outcome = gone
            elif fault.stale and not stale_retried:
                # Our token is stale, perhaps because this very retire applied already (its
                # answer lost to a crash): done again under a fresh token, it would apply twice.
                current = self._read_or_none(op)
                if current is None:
                    outcome = gone
                elif op.action is Action.VOID and voided(current):
                    outcome = done(sync_token=str(current["SyncToken"]))
                else:
                    return self._retire(replace(op, sync_token=str(current["SyncToken"])), stale_retried=True)
            else:
                outcome = outcomes.failed(fault.describe(), fault.code)
        outcomes.record(self.connection, [(op, outcome)])
        self.on_done(op, Done.FAILED if outcome.state == LinkState.FAILED else Done.UPDATED)

    def _read_or_none(self, op: Op) -> dict | None:
        """The op's QBO object as it is now, or None if QBO has it no more."""
        try:
            return self.qbo.read(op.entity, op.qbo_id)
        except QboFault as fault:
            if fault.not_found:
                return None
            raise


def written(op: Op, entity: dict) -> Outcome:
    """The outcome of a write QBO answered with ``entity``: synced (with what the op says was
    left out, if anything), unless QuickBooks shows other amounts than the Clio record's
    (:mod:`billsync.daemon.sync.totals`)."""
    qbo_id, token = str(entity["Id"]), str(entity.get("SyncToken", "0"))
    if op.expect is not None and (why := totals.other_currency(op.expect, entity)):
        return outcomes.mismatched(op, qbo_id, token, why, currency.CURRENCY)
    if op.expect is not None and (why := totals.mismatch(op.expect, entity)):
        return outcomes.mismatched(op, qbo_id, token, why)
    if op.kind != Kind.CONTACT:
        return outcomes.synced(op, qbo_id, token, op.reason)
    # QBO may make a customer in its home currency whatever was sent (design 14 C10): the
    # customer stays linked, failed, so that its invoices never book in the wrong currency.
    made_in, sent = currency.answered(entity), currency.sent(op.body)
    if sent and made_in != sent:
        why = currency.made_in_another(op.body.get("DisplayName", op.label), sent, made_in)
        return outcomes.mismatched(op, qbo_id, token, why, currency.CURRENCY, currency=made_in)
    return outcomes.synced(op, qbo_id, token, currency.said(op.reason, op.currency, made_in), currency=made_in)


def _under_fallback_name(op: Op) -> Op:
    """The customer op again under its disambiguated name, with none left to fall back to."""
    body = {**op.body, "DisplayName": op.fallback_name}
    if body.get("CompanyName"):
        body["CompanyName"] = op.fallback_name[: mapping.PERSON_NAME_MAX]
    return replace(op, body=body, fallback_name="")


def _fault_outcome(op: Op, fault: QboFault) -> Outcome:
    if fault.not_found and op.action is Action.UPDATE:
        return Outcome(LinkState.BROKEN, BROKEN_REASON, fault.code)
    if fault.currency:
        return outcomes.failed(fault.describe(), currency.CURRENCY)
    if fault.duplicate_docnumber:
        return outcomes.failed(decisions.number_taken_reason(op.body.get("DocNumber"), fault.describe()), fault.code)
    return outcomes.failed(fault.describe(), fault.code)
