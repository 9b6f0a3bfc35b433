"""JSON with exact money, and QBO's timestamps.

Money is ``Decimal`` end to end: requests are parsed with ``parse_float=Decimal`` and
responses print a Decimal as the JSON number it is (``100.00``, not ``"100.00"`` nor
``100.0000000001``), which the standard encoder cannot do on its own. Timestamps use
the fixed -07:00 offset the recordings show (QBO answers in the company's zone).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

COMPANY_TZ = timezone(timedelta(hours=-7))
_MARK = "\u0000dec:"
_MARKED = re.compile(r'"\\u0000dec:([-0-9.Ee+]+)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data: Any) -> str:
    """Serialize, printing every Decimal as a bare JSON number with its own digits."""
    text = json.dumps(data, default=_default, separators=(",", ":"), ensure_ascii=False)
    return _MARKED.sub(r"\1", text) if _MARK[1:] in text else text


def loads(text: str | bytes) -> Any:
    """Parse, turning every non-integer number into a Decimal."""
    return json.loads(text, parse_float=Decimal)


def now() -> datetime:
    return datetime.now(COMPANY_TZ)


def iso(moment: datetime) -> str:
    """``2020-09-29T05:58:16-07:00``, the MetaData format."""
    return moment.astimezone(COMPANY_TZ).replace(microsecond=0).isoformat()


def now_iso_millis() -> str:
    """``2020-09-29T05:58:16.187-07:00``, the ``time`` field of every response."""
    return now().isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    """Parse a QBO date or datetime; naive values are taken in the company's zone."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=COMPANY_TZ)
