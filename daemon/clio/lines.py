"""The line items of changed bills, read by their own ids: a cycle's cost in Clio requests
follows the bills that changed, not the size of the firm.

Clio cannot hand a bill its lines in one read: the ``Bill`` schema nests no line items, and
``GET /line_items.json`` filters on ``bill_id``, "the unique identifier for a single Bill",
or on ``ids[]``, the lines' own ids (Clio's OpenAPI document,
``shared/fixtures/clio/openapi.json``). Reading by bill costs a request per bill; reading
every line of a 100,000-bill firm costs some 1,500. So the daemon keeps an index of which
bill each line is on (``clio_line``), and reads the lines of the bills it writes by their
ids, 200 a request.

The index never misses a line now on a bill:

- The first read of ``line_items`` (no watermark yet) is complete, and is indexed whole. A
  connection synced before the index existed has it built once, by one read of every line.
- Every later read of the lines changed since the watermark is indexed as it is read,
  before the watermark can move; a line added to a bill since is stamped after it.

And a bill's lines are checked against it: read by id, they must add up to the bill's
``sub_total``. A bill whose indexed lines do not (a gap the rule above should never leave)
is read again by ``bill_id``, one request, and indexed anew; so a gap costs a request,
never a wrong invoice. A line removed in Clio is listed no more: asked for by id, it does
not come back, and leaves the index.

The index is a cache of Clio's truth, written unfenced: a stalled daemon writing what Clio
said harms nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from billsync.daemon.clio import reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.clio.reader import FIELDS, Mark, Record
from billsync.daemon.store.models import ClioLine, Connection

#: The watermark row that says the index holds every line Clio had at its time: saved with
#: the line read's own mark by every full cycle, so it never lags behind the others.
INDEX = "line_index"
#: Index rows written or read per statement.
CHUNK = 500


def group(lines: Iterable[Record]) -> dict[int, list[Record]]:
    """Lines by the id of the bill they are on."""
    grouped: dict[int, list[Record]] = {}
    for line in lines:
        grouped.setdefault((line.get("bill") or {}).get("id"), []).append(line)
    return grouped


def index(connection: Connection, lines: Iterable[Record]) -> None:
    """Records the bill of each line read."""
    rows = [
        {"connection": connection.id, "line_id": line["id"], "bill_id": line["bill"]["id"]}
        for line in lines
        if (line.get("bill") or {}).get("id") is not None
    ]
    for i in range(0, len(rows), CHUNK):
        ClioLine.insert_many(rows[i : i + CHUNK]).on_conflict(
            conflict_target=[ClioLine.connection, ClioLine.line_id], preserve=[ClioLine.bill_id]
        ).execute()


def build(clio: Clio, connection: Connection, marks: Mapping[str, Mark]) -> None:
    """Makes the index complete, once: for a connection whose lines were read before the
    index existed (a line watermark, no :data:`INDEX` one), one read of every line."""
    if "line_items" in marks and INDEX not in marks:
        index(connection, clio.iterate("line_items", FIELDS["line_items"]))


def of(
    clio: Clio, connection: Connection, bills: Mapping[int, Record], changed: Mapping[int, list[Record]]
) -> dict[int, list[Record]]:
    """Every line of each of ``bills``: those indexed and those just read as changed, read
    by id; a bill whose lines do not add up to its subtotal is read whole by ``bill_id``."""
    wanted = set(bills)
    ids = _indexed(connection, wanted) | {line["id"] for b in wanted for line in changed.get(b, [])}
    read = reader.fetch(clio, "line_items", ids)
    index(connection, read)
    _forget(connection, ids - {line["id"] for line in read})
    grouped = group(read)
    for bill_id in sorted(wanted):
        if not _adds_up(bills[bill_id], grouped.get(bill_id, [])):
            grouped[bill_id] = list(clio.iterate("line_items", FIELDS["line_items"], bill_id=bill_id))
            index(connection, grouped[bill_id])
    return {bill_id: grouped.get(bill_id, []) for bill_id in wanted}


def _adds_up(bill: Record, lines: list[Record]) -> bool:
    if bill.get("sub_total") is None:
        return True
    return sum((Decimal(str(line.get("total") or 0)) for line in lines), Decimal(0)) == Decimal(str(bill["sub_total"]))


def _indexed(connection: Connection, bill_ids: set[int]) -> set[int]:
    wanted = sorted(bill_ids)
    found: set[int] = set()
    for i in range(0, len(wanted), CHUNK):
        found.update(
            ClioLine.select(ClioLine.line_id)
            .where(ClioLine.connection == connection, ClioLine.bill_id.in_(wanted[i : i + CHUNK]))
            .scalars()
        )
    return found


def _forget(connection: Connection, line_ids: set[int]) -> None:
    gone = sorted(line_ids)
    for i in range(0, len(gone), CHUNK):
        ClioLine.delete().where(ClioLine.connection == connection, ClioLine.line_id.in_(gone[i : i + CHUNK])).execute()
