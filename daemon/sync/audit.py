"""Once per connection: the invoices synced before billsync checked totals, checked now.

Before the check after every write (:mod:`billsync.daemon.sync.totals`), an invoice whose
tax QuickBooks dropped (a company with sales tax off ignores ``TxnTaxDetail``, Intuit's
Invoice reference) was recorded as synced. The first cycle of a connection after the
upgrade compares every synced invoice as QuickBooks holds it with its Clio bill: one paged
scan of QBO's invoices (1,000 a request) and the bills by id (200 a request), then the
invoices that differ are written again in that same cycle, whose own check after the write
fails any QuickBooks still changes, with both figures. Connections made since need no
audit; theirs costs nothing, as they have no synced invoice yet.
"""

from __future__ import annotations

from billsync.daemon.clio import reader as clio_reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.store import events, leases
from billsync.daemon.store.clock import database_now
from billsync.daemon.store.models import Connection, Kind, Link, LinkState
from billsync.daemon.sync import totals
from billsync.daemon.sync.taxes import TaxTreatment

#: How many of the differing invoices the activity log names.
NAMED = 10


def differing_invoices(connection: Connection, qbo: QuickBooks, clio: Clio, tax: TaxTreatment) -> set[str]:
    """The Clio ids of the bills whose synced invoice QuickBooks holds with other totals than
    the bill's; recorded, with the audit's time, so that it is done once."""
    synced = {
        link.qbo_id: link
        for link in Link.select().where(
            Link.connection == connection, Link.kind == Kind.INVOICE, Link.state == LinkState.SYNCED
        )
    }
    held = {}
    if synced:
        for page in qbo.query_pages("select * from Invoice"):
            held.update({synced[str(i["Id"])].clio_id: i for i in page if str(i["Id"]) in synced})
    bills = clio_reader.fetch(clio, "bills", held) if held else []
    differ = {
        str(bill["id"]): bill for bill in bills if totals.mismatch(totals.of_bill(bill, tax), held[str(bill["id"])])
    }
    with leases.fenced(connection):
        Connection.update(totals_checked_at=database_now()).where(Connection.id == connection.id).execute()
        if held:
            labels = [link.label for link in synced.values() if link.clio_id in differ][:NAMED]
            what = (
                f"{len(differ):,} differ from Clio and are written again: {', '.join(labels)}"
                if differ
                else ("all match Clio")
            )
            events.record(
                connection,
                "settings.totals_audit",
                f"Checked the {len(held):,} invoices synced before billsync checked totals after each write; {what}",
            )
    return set(differ)
