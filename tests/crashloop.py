"""A crash loop: SIGKILL a daemon subprocess again and again during an initial sync, each
time at a state seen in the QBO emulator, change the firm in Clio between kills, and then
compare every Clio record with its QBO twin. Shared by ``tests/e2e/test_crashes.py`` (a
few kills) and ``bench/bench_crashloop.py`` (fifty and more, SQLite and PostgreSQL).

Kills follow what QBO is seen doing, never a delay (see :class:`Trigger`). A killed
daemon's lease is made to lapse once the process is reaped, as a supervisor that saw it die
would: a restart then takes the connection over at once, instead of spending each
restart waiting out the ten-second lease, which is where timed kills used to land. The
dead process can write nothing more to the database; only what it had sent QBO can still
land, which is exactly what the triggers aim at.

The caller binds the daemon's database in its own process (``open_database``): leases and
runs are read there, never through the daemon.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from billsync.daemon.rpc.client import DaemonClient
from billsync.daemon.store import leases
from billsync.daemon.store.models import Connection, Link, LinkState, Run, utcnow
from billsync.daemon.sync.decisions import KIND_ENTITY
from billsync.daemon.sync.mapping import DOC_NUMBER_MAX, ISSUED_STATES
from billsync.sandbox.clio.records import TRUST_ACCOUNT
from billsync.sandbox.server import Sandbox
from billsync.v1 import billsync_pb2 as pb
from tests import harness
from tests.harness import caught, hold_batches, wait_until


class Trigger(enum.StrEnum):
    """The state QBO is seen in when the daemon is killed."""

    #: Batches (and single writes) the daemon sent are held inside QBO; released after the
    #: kill, QBO applies them with nobody left to read the answers.
    IN_FLIGHT = "while QBO applies a batch"
    #: QBO has just answered the batches it held; the daemon may not have recorded them.
    ANSWERED = "just after QBO answered"
    #: QBO applied a write and dropped the connection instead of answering.
    ANSWER_LOST = "after QBO applied a batch whose answer was lost"
    #: Batches held across the restart: they land once the new daemon is writing itself,
    #: unless QBO's execution limit times them out first (unapplied), as at a time scale
    #: that shortens the limit to less than a restart takes.
    LANDS_LATE = "held until the restarted daemon writes"


#: What the suite uses: each state the issue names.
SUITE_TRIGGERS = (Trigger.IN_FLIGHT, Trigger.ANSWER_LOST, Trigger.ANSWERED)
#: Money as QBO and Clio show it.
CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENT)


# --- the daemon and its lease ---------------------------------------------------------------


def lease_owner(connection_id: int) -> str | None:
    return Connection.select(Connection.lease_owner).where(Connection.id == connection_id).scalar()


def give_back_lease(connection_id: int, pid: int) -> int:
    """Makes the lease a reaped process held lapse now, as it would by itself ten seconds
    later; returns 1 if it held it. Only the expiry moves: the row still names the dead
    holder and its fence, and the run it left running stays so, for the next claim to
    handle as after any crash."""
    prefix = f"{socket.gethostname()}:{pid}:"
    return (
        Connection.update(lease_until=leases.database_now(-dt.timedelta(seconds=1)))
        .where(Connection.id == connection_id, Connection.lease_owner.startswith(prefix))
        .execute()
    )


def sync_over(connection_id: int) -> bool:
    """Whether the connection's sync has ended: nobody holds it (a finished run gives its
    lease back), no run is left running, and none is due."""
    connection = (
        Connection.select(Connection.lease_owner, Connection.next_run_at).where(Connection.id == connection_id).get()
    )
    running = Run.select().where(Run.connection == connection_id, Run.state == "running").exists()
    due = connection.next_run_at is None or connection.next_run_at <= utcnow()
    return connection.lease_owner is None and not running and not due


# --- changes a firm's staff makes in Clio meanwhile ------------------------------------------


@dataclass
class ClioStaff:
    """Edits, voids, deletes, payments and payment voids, drawn from ``seed``, each through the
    Clio emulator's admin API as a person using Clio would make them."""

    box: Sandbox
    seed: int = 1
    made: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def records(self, resource: str) -> list[dict]:
        store = self.box.clio.store
        with store.lock:
            return [dict(r) for _, r in sorted(store[resource].records.items())]

    def act(self, changes: int) -> None:
        actions: list[Callable[[], bool]] = [
            self.edit_number,
            self.void_bill,
            self.delete_bill,
            self.void_payment,
            self.pay,
        ]
        for _ in range(changes):
            for _ in range(10):  # an action with nothing to act on draws again
                if self.random.choice(actions)():
                    break

    def _bill(self, *states: str) -> dict | None:
        bills = [b for b in self.records("bills") if b["state"] in states]
        return self.random.choice(bills) if bills else None

    def _post(self, path: str, json: dict | None = None, method: str = "POST") -> bool:
        answer = httpx.request(method, f"{self.box.clio_url}/_sandbox{path}", json=json, timeout=60)
        if answer.status_code == 400:  # a transition Clio does not allow
            return False
        answer.raise_for_status()
        return True

    def edit_number(self) -> bool:
        bill = self._bill(*ISSUED_STATES)
        if bill is None:
            return False
        number = f"E{len(self.made) + sum(self.made.values())}-{bill['id']}"[:DOC_NUMBER_MAX]
        done = self._post(f"/bills/{bill['id']}", {"number": number}, method="PATCH")
        self.made["bill number edited"] += done
        return done

    def void_bill(self) -> bool:
        bill = self._bill(*ISSUED_STATES)
        done = bill is not None and self._post(f"/bills/{bill['id']}/void")
        self.made["bill voided"] += done
        return done

    def delete_bill(self) -> bool:
        bill = self._bill("awaiting_payment", "void")
        done = bill is not None and self._post(f"/bills/{bill['id']}", method="DELETE")
        self.made["bill deleted"] += done
        return done

    def void_payment(self) -> bool:
        live = [a for a in self.records("allocations") if a["parent"]["type"] == "Payment" and a["voided_at"] is None]
        done = bool(live) and self._post(f"/allocations/{self.random.choice(live)['id']}/void")
        self.made["payment voided"] += done
        return done

    def pay(self) -> bool:
        bill = self._bill("awaiting_payment")
        if bill is None or money(bill["balance"]) <= 0:
            return False
        amount = min(money(bill["balance"]), money(self.random.randint(1, 500)))
        done = self._post("/payments", {"bill_id": bill["id"], "amount": str(amount)})
        self.made["payment made"] += done
        return done


# --- the loop ---------------------------------------------------------------------------------


@dataclass
class Loop:
    """What a crash loop did.

    Attributes:
        kills: per trigger, the kills made.
        ended_early: the sync ended before every kill was made.
        seconds: wall time of the loop.
    """

    kills: Counter = field(default_factory=Counter)
    ended_early: bool = False
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.kills.values())


def wait_closely(condition: Callable[[], Any], what: str) -> Any:
    """:func:`harness.wait_until` polling ten times as often: a kill must follow the state
    it waits for before the daemon moves far past it."""
    deadline = time.monotonic() + harness.PATIENCE
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)
    return found


class CrashLoop:
    """Kills the daemon of ``env`` during a connection's sync, cycling through ``triggers``;
    after each kill ``staff`` makes ``changes`` changes in Clio, then a daemon is started
    again.

    Each trigger is armed in QBO (its batches held, or its next answer to be dropped)
    before the daemon it kills starts: at the emulators' time scale a restarted daemon can
    write a whole firm between two polls.
    """

    def __init__(
        self,
        box: Sandbox,
        env: Mapping[str, str],
        triggers: tuple[Trigger, ...],
        *,
        staff: ClioStaff,
        changes: int = 1,
    ) -> None:
        self.box = box
        self.env = env
        self.triggers = triggers
        self.staff = staff
        self.changes = changes
        self.process: subprocess.Popen | None = None
        self.connection_id = 0
        self.loop = Loop()

    def start(self, connect: Callable[[DaemonClient], int]) -> int:
        """Starts the first daemon, armed for the first kill, and has ``connect`` create the
        connection (and so start its sync); returns the connection's id."""
        self.arm(self.triggers[0])
        self.process = harness.start_daemon(self.env)
        with DaemonClient(self.env["BILLSYNC_ADDRESS"], token=self.env["BILLSYNC_API_TOKEN"]) as client:
            self.connection_id = connect(client)
        return self.connection_id

    def run(self, kills: int) -> Loop:
        """Makes ``kills`` kills (fewer if the sync ends first); a daemon runs after."""
        started = time.monotonic()
        try:
            for n in range(kills):
                trigger = self.triggers[n % len(self.triggers)]
                after = self.triggers[(n + 1) % len(self.triggers)] if n + 1 < kills else None
                if not self.kill(trigger, after):
                    self.loop.ended_early = True
                    break
                self.loop.kills[trigger] += 1
        finally:
            self.disarm()
            self.loop.seconds = time.monotonic() - started
        return self.loop

    def arm(self, trigger: Trigger | None) -> None:
        if trigger is Trigger.ANSWER_LOST:
            set_after_faults(self.box, 1)
        elif trigger is not None:
            hold_writes(self.box, True)

    def disarm(self) -> None:
        hold_writes(self.box, False)
        set_after_faults(self.box, 0)

    def kill(self, trigger: Trigger, after: Trigger | None) -> bool:
        """Waits for ``trigger``'s state, kills, and starts a daemon armed for ``after``;
        False if the sync ended first."""
        if trigger is Trigger.ANSWER_LOST:
            if not self._seen(lambda: after_faults_left(self.box) == 0, "a write whose answer QBO lost"):
                return False
            self._sigkill()
            self.arm(after)
        else:
            if not self._seen(lambda: caught(self.box), "a write held in QBO"):
                return False
            if trigger is Trigger.ANSWERED:
                hold_writes(self.box, False)
                wait_closely(lambda: not caught(self.box), "QBO to answer the writes it held")
            self._sigkill()
            if trigger is Trigger.LANDS_LATE:
                dead = max(c["n"] for c in caught(self.box))
                self.process = harness.start_daemon(self.env)
                wait_until(
                    lambda: (
                        any(c["n"] > dead for c in caught(self.box))
                        or held_twins(self.box)
                        or sync_over(self.connection_id)
                    ),
                    "the restarted daemon to write",
                )
            hold_writes(self.box, False)
            wait_until(lambda: not caught(self.box), "QBO to apply the writes it held")
            self.arm(after)
            if trigger is Trigger.LANDS_LATE:
                return True
        self.process = harness.start_daemon(self.env)
        return True

    def _seen(self, state: Callable[[], Any], what: str) -> bool:
        """Waits for ``state``; False (disarming) if the sync ends first."""
        wait_closely(lambda: state() or sync_over(self.connection_id), what)
        if state():
            return True
        self.disarm()
        return False

    def _sigkill(self) -> None:
        """Kills the daemon, gives its lease back once it is reaped, and lets the firm's staff
        change things in Clio before the next daemon starts."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        give_back_lease(self.connection_id, self.process.pid)
        self.staff.act(self.changes)


def hold_writes(box: Sandbox, on: bool) -> None:
    """Makes QBO hold the sync's writes, batches and single writes alike: those of the
    objects it syncs (a single write of an item or of the company's settings goes on, so
    that a restarted daemon never makes an item a held twin would make again)."""
    hold_batches(box, on, KIND_ENTITY.values() if on else (), writes=on)


def set_after_faults(box: Sandbox, writes: int) -> None:
    """Makes QBO drop the answer of the next ``writes`` writes it applies."""
    faults = {"after_next": writes, "after_kinds": ["drop"]}
    httpx.patch(f"{box.qbo_url}/_sandbox/config", json={"faults": faults}).raise_for_status()


def after_faults_left(box: Sandbox) -> int:
    return httpx.get(f"{box.qbo_url}/_sandbox/config").json()["faults"]["after_next"]


def held_twins(box: Sandbox) -> list[dict]:
    """Requests waiting for a twin with their ``requestid`` that QBO holds."""
    return httpx.get(f"{box.qbo_url}/_sandbox/hold").json()["waiting"]


def converge(client: DaemonClient, connection_id: int, attempts: int = 4) -> pb.Run:
    """Syncs until a run succeeds and leaves no pending link: the first may join the killed
    run, which ends when the new daemon takes over."""
    for _ in range(attempts):
        run = harness.sync(client, connection_id)
        if run.state == pb.RUN_STATE_SUCCEEDED and not Link.select().where(Link.state == LinkState.PENDING).exists():
            break
    return run


# --- Clio against QBO ------------------------------------------------------------------------


@dataclass
class Comparison:
    """Every Clio record against its QBO twins (objects carrying its marker).

    Attributes:
        clio: per QBO entity, the Clio records that must have exactly one live twin.
        qbo: per QBO entity, the objects carrying a billsync marker (voided ones included).
        duplicates: records with more than one twin.
        missing: records with no twin that must have one, each with its link's state.
        mismatches: twins whose amount (or invoice number) differs from Clio's.
        unretired: twins still live of records voided or deleted in Clio.
        unrecorded: twins whose link does not name them.
    """

    clio: Counter = field(default_factory=Counter)
    qbo: Counter = field(default_factory=Counter)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    unretired: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.duplicates + self.missing + self.mismatches + self.unretired + self.unrecorded


#: billsync's note in a QBO object, with or without the Clio account it names, voided or not.
MARKER = re.compile(r"(?:Voided - )?billsync: Clio (?:account \S+ )?(?P<word>[a-z_]+) (?P<id>\d+)")


def _twins(box: Sandbox, entity: str, field_name: str) -> dict[tuple[str, int], list[dict]]:
    """QBO objects by the Clio record their marker names: (word, Clio id)."""
    found: dict[tuple[str, int], list[dict]] = {}
    for o in harness.qbo_objects(box, entity):
        if named := MARKER.fullmatch(o.get(field_name) or ""):
            found.setdefault((named["word"], int(named["id"])), []).append(o)
    return found


def _voided(o: dict) -> bool:
    return (o.get("PrivateNote") or "").startswith("Voided")


class Expect(enum.Enum):
    """How many twins a Clio record must have, by the product's rules."""

    ONE = "exactly one live twin"
    RETIRED = "none live: absent, or voided"
    ABSENT = "none at all"
    #: Refused by rule (a bill number QBO cannot take), or hanging on a record that is:
    #: only a second twin is wrong.
    AT_MOST_ONE = "at most one"


def compare(box: Sandbox, connection_id: int) -> Comparison:
    """Checks QBO against Clio as the product's rules say (``daemon/sync/planner.py``):

    - a bill awaiting payment or paid, with lines and a number QBO takes (≤ 21 characters,
      no other bill's): one Invoice of its number and total; a voided one: none live (never synced, or
      voided in QBO); a deleted, draft or unapproved one: none;
    - a payment allocation on such a bill: one Payment of its amount; a credit-note
      allocation: one zero Payment applying its amount; voided: none live;
    - a credit note: one CreditMemo of its amount; voided: none live;
    - with the trust sync on, a transaction of the trust account: one JournalEntry of its
      amount; one deleted in Clio: none;
    - the client of each of these: one Customer.

    Twins are found by marker alone, whatever the links say; links are read only to name
    the state of a missing record and to find twins no link names.
    """
    staff = ClioStaff(box)
    result = Comparison()
    links = {(link.kind, link.clio_id): link for link in Link.select().where(Link.connection == connection_id)}
    with_lines = {line["bill"]["id"] for line in staff.records("line_items")}
    twins = {
        "Invoice": _twins(box, "Invoice", "PrivateNote"),
        "Payment": _twins(box, "Payment", "PrivateNote"),
        "CreditMemo": _twins(box, "CreditMemo", "PrivateNote"),
        "Customer": _twins(box, "Customer", "Notes"),
        "JournalEntry": _twins(box, "JournalEntry", "PrivateNote"),
    }
    clients: set[int] = set()

    def check(entity: str, kind: str, word: str, clio_id: int, expect: Expect) -> dict | None:
        """Checks one record's twins; returns the twin when there is exactly one live."""
        found = twins[entity].get((word, clio_id), [])
        live = [o for o in found if not _voided(o)]
        what = f"{entity} of Clio {word} {clio_id}"
        link = links.get((kind, str(clio_id)))
        if len(found) > 1:
            result.duplicates.append(f"{what}: {len(found)} (QBO {', '.join(str(o['Id']) for o in found)})")
        for o in found:
            if link is None or link.qbo_id != str(o["Id"]):
                result.unrecorded.append(
                    f"{what}: QBO {o['Id']}, link {link.state + ' ' + str(link.qbo_id) if link else None}"
                )
        if expect is Expect.ONE:
            result.clio[entity] += 1
            if not live:
                state = f"link {link.state}: {link.reason}" if link else "no link"
                result.missing.append(f"{what} ({state}{', voided in QBO' if found else ''})")
        elif (expect is Expect.RETIRED and live) or (expect is Expect.ABSENT and found):
            result.unretired.append(f"{what}: QBO {found[0]['Id']} ({expect.value})")
        return live[0] if len(live) == 1 and len(found) == 1 else None

    def mismatch(twin: dict | None, what: str, qbo: Any, clio: Any) -> None:
        if twin is not None and qbo != clio:
            result.mismatches.append(f"{what}: QBO {twin['Id']} shows {qbo}, Clio {clio}")

    syncing: set[int] = set()
    bills = staff.records("bills")
    numbers = Counter(str(b.get("number") or "") for b in bills if b["state"] in ISSUED_STATES)
    for bill in bills:
        number = str(bill.get("number") or "")
        if bill["state"] in ISSUED_STATES:
            valid = 0 < len(number) <= DOC_NUMBER_MAX and bill["id"] in with_lines and numbers[number] == 1
            expect = Expect.ONE if valid else Expect.AT_MOST_ONE
        else:
            expect = Expect.RETIRED if bill["state"] == "void" else Expect.ABSENT
        twin = check("Invoice", "invoice", "bill", bill["id"], expect)
        if expect is Expect.ONE:
            syncing.add(bill["id"])
            clients.add(bill["client"]["id"])
            mismatch(twin, f"Invoice of Clio bill {bill['id']}", (twin or {}).get("DocNumber"), number)
            mismatch(
                twin, f"Invoice of Clio bill {bill['id']}", money((twin or {}).get("TotalAmt")), money(bill["total"])
            )
    for memo in staff.records("credit_memos"):
        expect = Expect.RETIRED if memo["voided_at"] else Expect.ONE
        twin = check("CreditMemo", "credit_memo", "credit_memo", memo["id"], expect)
        if expect is Expect.ONE:
            clients.add(memo["contact"]["id"])
            mismatch(
                twin,
                f"CreditMemo of Clio credit note {memo['id']}",
                money((twin or {}).get("TotalAmt")),
                money(memo["amount"]),
            )
    for allocation in staff.records("allocations"):
        if allocation["voided_at"]:
            expect = Expect.RETIRED
        else:
            expect = Expect.ONE if allocation["bill"]["id"] in syncing else Expect.AT_MOST_ONE
        twin = check("Payment", "payment", "allocation", allocation["id"], expect)
        if expect is not Expect.ONE or twin is None:
            continue
        clients.add(allocation["contact"]["id"])
        if allocation["parent"]["type"] == "Payment":
            amount = money(twin.get("TotalAmt"))
        else:
            applied = [line for line in twin.get("Line", []) if line["LinkedTxn"][0]["TxnType"] == "CreditMemo"]
            amount = money(applied[0]["Amount"]) if applied else None
        mismatch(twin, f"Payment of Clio allocation {allocation['id']}", amount, money(allocation["amount"]))
    # Only the settings: the tokens beside them are sealed with the daemon's key, not this process's.
    settings = Connection.select(Connection.settings).where(Connection.id == connection_id).get().settings
    trust_on = bool(settings.get("trust_enabled"))
    for transaction in staff.records("bank_transactions") if trust_on else []:
        if transaction["bank_account_id"] != TRUST_ACCOUNT:
            continue
        twin = check("JournalEntry", "trust", "bank_transaction", transaction["id"], Expect.ONE)
        clients.add(transaction["client"]["id"])
        amount = money(abs(money(transaction["amount"])))
        mismatch(
            twin,
            f"JournalEntry of Clio trust transaction {transaction['id']}",
            money((twin or {}).get("TotalAmt")),
            amount,
        )
    for contact in staff.records("contacts"):
        check(
            "Customer",
            "contact",
            "contact",
            contact["id"],
            Expect.ONE if contact["id"] in clients else Expect.AT_MOST_ONE,
        )
    for entity, found in twins.items():
        result.qbo[entity] = sum(len(objects) for objects in found.values())
    return result
