"""Bounds on what a request may carry, checked before anything reads or stores it.

A request is refused with INVALID_ARGUMENT when a string is longer than its field can
sensibly be, or carries control characters (NUL among them, which PostgreSQL cannot even
compare). A refusal quotes at most ``ECHO`` characters of what was sent and names at most
``IDS_ECHOED`` ids: a status message travels in gRPC's trailing metadata, whose limit (8 KiB)
a longer echo overflows, and the caller then sees a transport error instead of the reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from billsync.daemon.errors import InvalidArgument

ECHO = 100
IDS_ECHOED = 10

NAME_MAX = 200
#: A redirect URI names the panel's callback; browsers cap URLs near this length.
URI_MAX = 2000
#: The state this daemon issues is 43 characters; providers' codes are far below the bound.
STATE_MAX = 200
CODE_MAX = 2000
REALM_ID = re.compile(r"\d{1,20}")
#: A QuickBooks object's Id: digits (a non-digit id is fault 2030, Intuit's error-code list).
QBO_ID = re.compile(r"\d{1,20}")
#: A Clio record's id: digits too.
CLIO_ID = QBO_ID
#: A search, an event type, a confirmation, a setting's key or value.
TEXT_MAX = 200
#: A QuickBooks settings check's key ("custom_txn_numbers").
KEY_MAX = 64
#: Link ids in one Resync, as many as one page of ListLinks holds.
LINK_IDS_MAX = 1000

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def echo(value: str) -> str:
    """``value`` quoted for a message, cut to its first ``ECHO`` characters."""
    return repr(value[:ECHO]) + ("…" if len(value) > ECHO else "")


def some_ids(ids: Collection[int]) -> str:
    """The first ``IDS_ECHOED`` of ``ids`` in order, and how many more there are."""
    ordered = sorted(ids)
    shown = ", ".join(map(str, ordered[:IDS_ECHOED]))
    return shown + (f" and {len(ordered) - IDS_ECHOED} more" if len(ordered) > IDS_ECHOED else "")


def text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    """``value`` when it has at most ``limit`` characters and no control character."""
    if len(value) > limit:
        raise InvalidArgument(f"{field} has {len(value):,} characters; at most {limit:,} are allowed")
    if CONTROL.search(value):
        raise InvalidArgument(f"{field} must not contain control characters (tabs, line breaks, NUL)")
    return value


def name(value: str) -> str:
    """A connection's name, without surrounding spaces; never empty."""
    value = text(value.strip(), "name", NAME_MAX)
    if not value:
        raise InvalidArgument("name must not be empty")
    return value


def realm_id(value: str) -> str:
    """QuickBooks' company id, as it sends it with the code: digits only."""
    if value and not REALM_ID.fullmatch(value):
        raise InvalidArgument("realm_id is QuickBooks' company id: digits only, at most 20")
    return value


def clio_id(value: str) -> str:
    """A Clio record's id: digits only."""
    if not CLIO_ID.fullmatch(value):
        raise InvalidArgument(f"clio_id is a Clio record's id: digits only, not {echo(value)}")
    return value


def qbo_id(value: str, field: str) -> str:
    """A QuickBooks object's Id, as ListQboChoices lists it."""
    if not QBO_ID.fullmatch(value):
        raise InvalidArgument(f"{field} is a QuickBooks Id from ListQboChoices: digits only, not {echo(value)}")
    return value


def redirect_uri(value: str) -> str:
    return text(value, "redirect_uri", URI_MAX)


def callback(state: str, code: str) -> None:
    """What the provider sent back to the redirect URI."""
    text(state, "state", STATE_MAX)
    text(code, "code", CODE_MAX)


def link_ids(ids: Collection[int]) -> set[int]:
    if len(ids) > LINK_IDS_MAX:
        raise InvalidArgument(f"at most {LINK_IDS_MAX} link ids per call, not {len(ids):,}")
    return set(ids)
