"""Reading what changed in Clio: nothing lost, nothing read twice, one request when idle.

Each test on the emulator runs under both readings of ``updated_since``: Clio's documented
"after" (the emulator's default) and "at or after" (``inclusive_since``). Changes happen in
a callback between two page requests, and the emulator's clock is moved through its admin
API when a change must be stamped at another time: nothing waits for the clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from billsync.daemon.clio import reader
from billsync.daemon.clio.client import Clio
from billsync.daemon.http import Http
from billsync.sandbox.server import Sandbox
from tests.clients_fixtures import FixedTokens, Harness, admin, clio_firm, harness, sandbox  # noqa: F401

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=[False, True], ids=["after", "at-or-after"])
def inclusive(request: pytest.FixtureRequest, sandbox: Sandbox, harness: Harness) -> bool:
    """The emulator's reading of ``updated_since`` (``harness`` puts the default back)."""
    admin(sandbox, "PATCH", "/config", json={"inclusive_since": request.param})
    return request.param


def between_pages(monkeypatch: pytest.MonkeyPatch, clio: Clio, change: Callable[[], None]) -> None:
    """Makes ``change`` happen in the next listing, after its first page and before its second."""
    pages = clio.pages

    def interrupted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        listing = pages(*args, **kwargs)
        yield next(listing)
        change()
        monkeypatch.undo()  # once: the next reads page through undisturbed
        yield from listing

    monkeypatch.setattr(clio, "pages", interrupted)


def bill_numbers(records: list[dict[str, Any]]) -> dict[int, str]:
    return {r["id"]: r["number"] for r in records}


def test_a_first_read_takes_everything_and_an_idle_one_one_request_of_nothing(
    harness: Harness, sandbox: Sandbox, clio_firm: dict[str, int], inclusive: bool
) -> None:
    records, mark = reader.read_changes(harness.clio, "bills", None)
    assert len(records) == clio_firm["bills"]
    admin(sandbox, "DELETE", "/requests")
    again, later = reader.read_changes(harness.clio, "bills", mark)
    assert again == []
    assert harness.statuses() == {200: 1}
    assert later.since >= mark.since


def test_a_bill_edited_on_a_page_already_read_is_read_next_time(
    harness: Harness, sandbox: Sandbox, inclusive: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue: bill 6 edited after page 1 was read, another bill a second later before
    page 2 was; the watermark went past bill 6's edit and its new number never synced."""
    number = f"6-{'inclusive' if inclusive else 'after'}"

    def edits() -> None:
        admin(sandbox, "PATCH", "/bills/6", json={"number": number})
        admin(sandbox, "PATCH", "/config", json={"clock_offset_seconds": 1})
        admin(sandbox, "PATCH", "/bills/220", json={"subject": "Edited a second later"})

    between_pages(monkeypatch, harness.clio, edits)
    first, mark = reader.read_changes(harness.clio, "bills", None)
    assert bill_numbers(first)[6] != number, "page 1 was read before the edit"

    second, mark = reader.read_changes(harness.clio, "bills", mark)
    assert bill_numbers(second) == {6: number}, "bill 220 was read at its newest already: not twice"
    assert reader.read_changes(harness.clio, "bills", mark)[0] == []


def test_a_change_clio_stamps_before_the_read_but_shows_after_it_is_read_next_time(
    harness: Harness, sandbox: Sandbox, inclusive: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lagging index or server clock: the read did not see a change stamped a few seconds
    before it began (within the allowance), so the next read must."""
    number = f"7-late-{'inclusive' if inclusive else 'after'}"
    behind = int(reader.LAG_ALLOWANCE.total_seconds()) - 1

    def late_edit() -> None:
        admin(sandbox, "PATCH", "/config", json={"clock_offset_seconds": -behind})
        admin(sandbox, "PATCH", "/bills/7", json={"number": number})
        admin(sandbox, "PATCH", "/config", json={"clock_offset_seconds": 0})

    between_pages(monkeypatch, harness.clio, late_edit)
    first, mark = reader.read_changes(harness.clio, "bills", None)
    assert bill_numbers(first)[7] != number

    second, _ = reader.read_changes(harness.clio, "bills", mark)
    assert bill_numbers(second) == {7: number}


def answering(date: datetime | None, records: list[dict[str, Any]]) -> Clio:
    """A Clio client whose Clio answers one page of ``records``, dated ``date`` (or undated)."""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Date": format_datetime(date, usegmt=True)} if date else {}
        return httpx.Response(200, headers=headers, content=json.dumps({"data": records, "meta": {"paging": {}}}))

    return Clio(
        "https://clio.test",
        FixedTokens(),  # type: ignore[arg-type]
        http=Http(transport=httpx.MockTransport(handler)),
        clock=NOW.timestamp,
    )


def record(record_id: int, etag: str, updated_at: datetime) -> dict[str, Any]:
    return {"id": record_id, "etag": etag, "updated_at": updated_at.isoformat()}


def test_the_watermark_is_clios_time_when_the_read_began_less_the_allowance() -> None:
    changed = [record(1, '"a"', NOW - timedelta(hours=1)), record(2, '"b"', NOW - timedelta(seconds=3))]
    records, mark = reader.read_changes(answering(NOW, changed), "bills", None)
    assert records == changed
    assert mark == reader.Mark((NOW - reader.LAG_ALLOWANCE).isoformat(), {"2": '"b"'})


def test_records_seen_before_are_dropped_unless_their_etag_changed() -> None:
    mark = reader.Mark((NOW - timedelta(minutes=1)).isoformat(), {"1": '"a"', "2": '"b"'})
    again = [record(1, '"a"', NOW - timedelta(seconds=30)), record(2, '"b2"', NOW - timedelta(seconds=2))]
    records, later = reader.read_changes(answering(NOW, again), "bills", mark)
    assert records == [again[1]]
    assert later.seen == {"2": '"b2"'}


def test_the_watermark_never_goes_back_when_clios_clock_does() -> None:
    mark = reader.Mark(NOW.isoformat(), {"1": '"a"'})
    again = [record(1, '"a"', NOW)]
    records, later = reader.read_changes(answering(NOW - timedelta(hours=1), again), "bills", mark)
    assert records == [] and later == mark


def test_without_a_date_header_our_clock_dates_the_read() -> None:
    _, mark = reader.read_changes(answering(None, []), "bills", None)
    assert mark == reader.Mark((NOW - reader.LAG_ALLOWANCE).isoformat(), {})
