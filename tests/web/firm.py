"""A law firm the size of a real one, written straight into the daemon's database.

Syncing 5,000 bills through the emulators takes minutes; the panel only reads what the
daemon stored, so the rows a long life of syncing leaves behind are written here in a
few bulk inserts instead: thousands of links in every state, hundreds of problems with
QuickBooks' own faults, a month of activity, an alert recipient, and one small connection
in each state a connection can be in. The link counts are kept by the database's own
triggers, as in production.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from billsync import words
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.store.db import database
from billsync.daemon.store.models import AlertSubscription, Connection, Event, Link, Run, utcnow
from billsync.daemon.sync import planner
from billsync.daemon.sync.currency import Books
from billsync.daemon.sync.scheduler import run_message
from billsync.daemon.sync.writer import BROKEN_REASON

TOKENS = {"access_token": "test-access", "refresh_token": "test-refresh", "expires_at": 4102444800}
#: The activity log spans these days, 40 events each.
FIRST_DAY = dt.date(2026, 1, 1)
DAYS = 30
EVENTS_PER_DAY = 40
#: A client whose bills a search finds, among the 1,200 others.
SEARCHED_CLIENT = "Zephyrine Okonkwo-Baptiste"
SEARCHED_BILLS = ("Invoice 20001", "Invoice 20002", "Invoice 20003")

DUPLICATE_NUMBER = (
    "Another QuickBooks invoice already has number {n}. Renumber one of them, then re-sync. "
    "(QuickBooks error 6140: Duplicate Document Number Error — You must specify a different number. This number "
    "has already been used. DocNumber={n} is assigned to TxnType=Invoice with TxnId=1 [intuit_tid 1-5f0c-{n}])"
)
VALIDATION = (
    "QuickBooks error 6000: A business validation error has occurred while processing your request — "
    "Business Validation Error: Unexpected Internal Error. (-30035) [intuit_tid 1-77aa-{n}]"
)
DUPLICATE_NAME = (
    "QuickBooks error 6240: Duplicate Name Exists Error — The name supplied already exists. : Another customer, "
    "vendor or employee is already using this name. Please use a different name. [intuit_tid 1-9e1d-{n}]"
)
BROKEN = BROKEN_REASON
#: How the activity log records a person acting through the panel's token.
ALICE = "alice via token 2 (panel)"
TOO_LONG = "Bill number '{number}' has 27 characters; QuickBooks allows at most 21. Shorten it in Clio, then re-sync"
#: The bill number of the invoices removed in QuickBooks: long, and full of hyphens a line could break at.
LONG_NUMBER = "CLIO-2023-LITIGATION-{n:06d}"
#: QuickBooks' settings with only the recommended one off: nothing is held.
RECOMMENDED_ONLY = {
    "SalesFormsPrefs": {"CustomTxnNumbers": True, "AutoApplyCredit": True},
    "OtherPrefs": {"NameValue": [{"Name": "WarnDuplicateBillNumber", "Value": "true"}]},
}


@dataclass(frozen=True)
class Firm:
    """The connections built, by the state each shows, and what the big one holds."""

    big: int
    expired: int
    half: int
    recommended: int
    syncing: int
    revoked: int
    purged: int
    new: int
    links: int
    problems: int
    events: int


def clients(n: int) -> list[str]:
    first = ["Amy", "Bill", "Carmen", "Dmitri", "Esther", "Farid", "Grace", "Hiro", "Ines", "Jamal"]
    last = ["Alder", "Brook", "Castillo", "Dunmore", "Eriksen", "Fitzgerald", "Galloway", "Hale", "Iqbal", "Jensen"]
    trade = ["", " Bakery", " Holdings", " & Sons", " Trust", " Architects", " Dental", " Farms", " LLC", " Studio"]
    names = (f"{given} {family}{t}" for t, given, family in itertools.product(trade, first, last))
    return list(itertools.islice(names, n - 1)) + [SEARCHED_CLIENT]


def link_rows(connection_id: int, at: dt.datetime) -> list[dict]:
    """8,000-odd links: every kind, every state, 330 of them problems."""
    rows: list[dict] = []

    def add(kind: str, clio_id: object, label: str, state: str, **fields: object) -> None:
        qbo_id = str(len(rows) + 1) if state in ("synced", "broken", "failed") and kind != "contact" else None
        row = {"connection": connection_id, "kind": kind, "clio_id": str(clio_id), "label": label, "state": state}
        rows.append({"qbo_id": qbo_id, "reason": "", "error_code": "", "updated_at": at, **row, **fields})

    # Labels and reasons come from the planner, as the daemon writes them.
    names = clients(1200)
    for i, name in enumerate(names):
        label = planner.contact_label({"id": i, "name": name})
        if i < 30:
            add("contact", i, label, "failed", reason=DUPLICATE_NAME.format(n=i), error_code="6240")
        elif i < 50:
            add(
                "contact",
                i,
                label,
                "broken",
                qbo_id=str(i),
                reason="Made inactive in QuickBooks; re-sync to make it active again",
            )
        else:
            add("contact", i, label, "synced", qbo_id=str(i))
    for n in range(5200):
        number, name = 10001 + n, names[n % (len(names) - 1)]
        label = planner.bill_label({"id": n, "number": str(number), "client": {"id": n % 1199, "name": name}})
        if n < 120:
            add("invoice", n, label, "failed", reason=DUPLICATE_NUMBER.format(n=number), error_code="6140")
        elif n < 140:
            long = LONG_NUMBER.format(n=n)
            add("invoice", n, f"Invoice {long} ({name})", "failed", reason=TOO_LONG.format(number=long), qbo_id=None)
        elif n < 200:
            add("invoice", n, label, "failed", reason=VALIDATION.format(n=number), error_code="6000")
        elif n < 280:
            add("invoice", n, f"Invoice {LONG_NUMBER.format(n=n)} ({name})", "broken", reason=BROKEN)
        elif n < 540:
            add("invoice", n, label, "waiting", reason=qbo_settings.HELD_REASON, depends_on="settings:qbo")
        elif n < 600:
            add("invoice", n, label, "skipped", reason="A draft in Clio: only approved bills are synced")
        else:
            add("invoice", n, label, "synced")
    for n, label in enumerate(SEARCHED_BILLS):
        add("invoice", 9000 + n, f"{label} ({SEARCHED_CLIENT})", "synced")
    for n in range(1540):
        if n < 40:
            op = planner.plan_allocation(
                allocation(n, names),
                None,
                customer_id="1",
                invoice=None,
                credit_memo_id=None,
                account="1",
                books=Books("USD"),
            )
            add("payment", n, op.label, "waiting", reason=op.reason, depends_on=f"invoice:{n}")
        else:
            add("payment", n, planner.allocation_label(allocation(n, names), "USD"), "synced")
    for n in range(100):
        memo = {"id": n, "amount": "75.00", "contact": {"id": n, "name": names[n]}}
        add("credit_memo", n, planner.credit_memo_label(memo, "USD"), "synced")
    return rows


def allocation(n: int, names: list[str]) -> dict:
    """The Clio payment of USD 250.00 on the firm's ``n``-th bill, as Clio's API reads it."""
    client = n % (len(names) - 1)
    return {
        "id": n,
        "amount": "250.00",
        "bill": {"id": n, "number": str(10001 + n)},
        "contact": {"id": client, "name": names[client]},
        "parent": {"id": n, "type": "Payment"},
    }


def payment_label(n: int) -> str:
    """The label the daemon gives the payment on bill ``10001 + n``."""
    return planner.allocation_label(allocation(n, clients(1200)), "USD")


def small_links(connection_id: int, synced: int, failed: int = 0) -> list[dict]:
    """A small connection's invoices: ``synced`` in QuickBooks, then ``failed``."""
    return [
        {
            "connection": connection_id,
            "kind": "invoice",
            "clio_id": str(n),
            "label": f"Invoice {500 + n} (Amy Alder)",
            "state": "synced" if n < synced else "failed",
            "qbo_id": str(n + 1),
            "reason": "" if n < synced else VALIDATION.format(n=500 + n),
            "error_code": "" if n < synced else "6000",
        }
        for n in range(synced + failed)
    ]


def event_rows(connection_id: int) -> list[dict]:
    """A month of activity, 40 events a day, every family of event."""
    kinds = [
        (
            "run.succeeded",
            "billsync",
            run_message("schedule", "succeeded", {"invoice": {"created": 3, "updated": 1}}, ""),
        ),
        ("link.failed", "billsync", "Invoice {i} (Amy Alder): QuickBooks error 6000: Business Validation Error"),
        ("link.broken", "billsync", "Invoice {i} (Bill Brook): Deleted in QuickBooks; re-sync to create it again"),
        ("link.resync", ALICE, "Re-sync requested for 1 item: Invoice {i}"),
        (
            "settings.changed",
            ALICE,
            words.settings_changed({"sync_interval_seconds": 300}, {"sync_interval_seconds": 600}),
        ),
        ("connection.authorized", ALICE, "QuickBooks authorized (Hartley & Finch LLP)"),
        ("webhooks.subscribed", "billsync", "Clio webhooks for contact and bill changes now notify the daemon"),
        ("run.failed", "billsync", run_message("schedule", "failed", {}, "QuickBooks is down")),
    ]
    rows = []
    for day in range(DAYS):
        start = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(8))
        for j in range(EVENTS_PER_DAY):
            type_, actor, message = kinds[j % len(kinds)]
            i = day * EVENTS_PER_DAY + j
            at = start + dt.timedelta(minutes=15 * j)
            rows.append(
                {"connection": connection_id, "type": type_, "actor": actor, "message": message.format(i=i), "at": at}
            )
    return rows


def build() -> Firm:
    """Writes the firm and one small connection per state into the open database."""
    now = utcnow()
    later = now + dt.timedelta(days=1)  # connected connections stay off the scheduler's list
    unready = qbo_settings.read_checks({"SalesFormsPrefs": {"CustomTxnNumbers": False, "AutoApplyCredit": True}})
    with database.atomic():
        big = Connection.create(
            name="Hartley & Finch LLP",
            state="connected",
            clio_account="Hartley & Finch",
            clio_tokens=TOKENS,
            qbo_realm_id="9130355",
            qbo_company_name="Hartley & Finch LLP",
            qbo_tokens=TOKENS,
            qbo_checks=unready,
            next_run_at=later,
        )
        rows = link_rows(big.id, now - dt.timedelta(hours=2))
        for i in range(0, len(rows), 500):
            Link.insert_many(rows[i : i + 500]).execute()
        events = event_rows(big.id)
        Event.insert_many(events).execute()
        progress = {
            "contact": {"done": 1200, "total": 1200, "created": 4, "updated": 2, "failed": 0},
            "invoice": {"done": 300, "total": 300, "created": 0, "updated": 0, "failed": 12},
        }
        Run.create(connection=big, trigger="schedule", state="succeeded", progress=progress, finished_at=now)
        AlertSubscription.create(
            connection=big,
            channel="email",
            target="books@hartley-finch.example",
            conditions=["needs_authorization", "action_required", "items_failed"],
            digest=True,
        )

        expired = Connection.create(
            name="Expired Access LLP",
            state="needs_authorization",
            clio_account="Expired Access",
            clio_tokens=TOKENS,
            qbo_realm_id="4620816",
            qbo_company_name="Expired Access LLP",
            qbo_tokens=TOKENS,
            qbo_checks=qbo_settings.read_checks({"SalesFormsPrefs": {"CustomTxnNumbers": True}}),
            next_run_at=now - dt.timedelta(hours=3),
        )
        Link.insert_many(small_links(expired.id, synced=40, failed=2)).execute()
        Run.create(
            connection=expired,
            trigger="schedule",
            state="failed",
            error="QuickBooks access was revoked or expired; authorize again",
            finished_at=now - dt.timedelta(hours=3),
        )
        half = Connection.create(name="Half Connected LLP", clio_account="Half Connected", clio_tokens=TOKENS)
        recommended = Connection.create(
            name="Recommended Only LLP",
            state="connected",
            clio_account="Recommended Only",
            clio_tokens=TOKENS,
            qbo_realm_id="5511207",
            qbo_company_name="Recommended Only LLP",
            qbo_tokens=TOKENS,
            qbo_checks=qbo_settings.read_checks(RECOMMENDED_ONLY),
            next_run_at=later,
        )
        Link.insert_many(small_links(recommended.id, synced=25)).execute()
        Run.create(
            connection=recommended,
            trigger="schedule",
            state="succeeded",
            progress={"invoice": {"done": 25, "total": 25, "created": 25, "updated": 0, "failed": 0}},
            finished_at=now,
        )
        syncing = Connection.create(
            name="Syncing Now LLP",
            state="connected",
            clio_account="Syncing Now",
            clio_tokens=TOKENS,
            qbo_tokens=TOKENS,
            qbo_company_name="Syncing Now LLP",
            next_run_at=later,
        )
        Link.insert_many(small_links(syncing.id, synced=120)).execute()
        Run.create(
            connection=syncing,
            trigger="sync",
            progress={"invoice": {"done": 120, "total": 480, "created": 120, "updated": 0, "failed": 0}},
        )
        revoked = Connection.create(name="Revoked Firm", state="revoked", qbo_company_name="Revoked Firm Co")
        Link.insert_many(
            [
                {
                    "connection": revoked.id,
                    "kind": "invoice",
                    "clio_id": str(n),
                    "label": f"Invoice {n}",
                    "state": "broken" if n < 3 else "synced",
                    "qbo_id": str(n),
                    "reason": BROKEN if n < 3 else "",
                }
                for n in range(12)
            ]
        ).execute()
        purged = Connection.create(name="Purged Firm", state="revoked", qbo_company_name="Purged Firm Co")
        Run.create(
            connection=purged,
            trigger="schedule",
            state="succeeded",
            progress={"invoice": {"done": 625, "total": 625, "created": 0, "updated": 3, "failed": 0}},
            finished_at=now - dt.timedelta(hours=1),
        )
        Event.create(connection=purged, type="connection.purged", actor=ALICE, message=words.forgotten(625))
        new = Connection.create(name="New Firm")
    problems = sum(1 for r in rows if r["state"] in ("failed", "broken"))
    return Firm(
        big=big.id,
        expired=expired.id,
        half=half.id,
        recommended=recommended.id,
        syncing=syncing.id,
        revoked=revoked.id,
        purged=purged.id,
        new=new.id,
        links=len(rows),
        problems=problems,
        events=len(events),
    )
