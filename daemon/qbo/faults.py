"""QBO's error answers, parsed once into :class:`QboFault` and classified.

QBO speaks three dialects of failure: the ``Fault`` object (on 4xx, inside HTTP 200
answers, and per item in a batch), a lower-case ``fault`` envelope from its gateway (401,
and 403 for a token of another company), and an XML ``IntuitResponse`` in the
``http://schema.intuit.com/finance/v3`` namespace on 429 that arrives even when JSON was
asked for (routablehq/python-quickbooks issue #83). The engine should not care which one it
met, only what to do next: retry later, refresh the token, stop the connection until
someone authorizes again, re-read the object, treat the link as broken, or record a reason
a bookkeeper can act on.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import httpx

from billsync.daemon.http import scrub


class QboFault(Exception):
    """One QBO error, with Intuit's ``intuit_tid`` kept for their support.

    Attributes:
        code: QBO error code ("6240"), or the HTTP status when the body had none.
        message: QBO's Message.
        detail: QBO's Detail, scrubbed of tokens.
        element: the offending field, when QBO names one.
        intuit_tid: the response's ``intuit_tid`` header ("" if absent).
        status: HTTP status of the answer (200 for a batch item).
    """

    def __init__(
        self, code: str, message: str, detail: str = "", element: str = "", intuit_tid: str = "", status: int = 400
    ) -> None:
        self.code = code
        self.message = message
        self.detail = scrub(detail)
        self.element = element
        self.intuit_tid = intuit_tid
        self.status = status
        super().__init__(self.describe())

    def describe(self) -> str:
        """The reason shown to people: Intuit's words, the code, the field, the support id."""
        text = f"QuickBooks error {self.code}: {self.message}"
        if self.detail and self.detail != self.message:
            text += f" — {self.detail}"
        if self.element:
            text += f" (field {self.element})"
        if self.intuit_tid:
            text += f" [intuit_tid {self.intuit_tid}]"
        return text

    @property
    def retriable(self) -> bool:
        """Throttled or a server failure: the same request may succeed later."""
        return self.code == "3001" or self.status == 429 or self.status >= 500

    @property
    def auth(self) -> bool:
        """The access token was refused: refresh once, then the connection needs authorizing."""
        return self.code == "3200" or self.status == 401

    @property
    def forbidden(self) -> bool:
        """403, fault 3100 (ApplicationAuthorizationFailed): the token is live but does not
        reach this company, e.g. it was granted for another one (frappe/erpnext issue
        #29161, minimul/qbo_api issue #138). A refresh yields a token for the same grant, so
        only authorizing again helps."""
        return not self.retriable and (self.code == "3100" or self.status == 403)

    @property
    def stale(self) -> bool:
        """5010: the SyncToken is old; re-read, merge and write once more."""
        return self.code == "5010"

    @property
    def not_found(self) -> bool:
        """610: the object was deleted or made inactive in QBO; the link is broken."""
        return self.code == "610"

    @property
    def duplicate_name(self) -> bool:
        """6240: DisplayName is taken by a customer, vendor or employee."""
        return self.code == "6240"

    @property
    def duplicate_docnumber(self) -> bool:
        """6140: an invoice with this number exists (the warning preference is on)."""
        return self.code == "6140" or "duplicate document number" in self.message.lower()

    @property
    def currency(self) -> bool:
        """A document QuickBooks would not take in its currency: 2410, a foreign one without an
        exchange rate ("Curreny, ExchangeRate is missing.", observed), or 6000 naming the
        currency ("You can only use one foreign currency per transaction.", observed; design 14
        C6, C8)."""
        said = f"{self.message} {self.detail} {self.element}".lower()
        return self.code == "2410" or (self.code == "6000" and "currenc" in said)

    @property
    def validation(self) -> bool:
        """Fatal for this item only: record the reason and go on with the rest."""
        return not (self.retriable or self.auth or self.forbidden)


#: Where QBO's 6140 names the document that already has the number: "DocNumber=1042 is
#: assigned to TxnType=Invoice with TxnId=146" (its Detail, in the emulator as at Intuit).
_HOLDER = re.compile(r"\bTxnType=(?P<entity>[A-Za-z]+) with TxnId=(?P<id>\d+)")


def holder(code: str, text: str) -> tuple[str, str] | None:
    """The QBO document (entity, id) that a duplicate-number refusal (6140) says holds the
    number, read from its words (a link keeps them in its reason); None for other faults,
    or when QBO did not name it. 6240 (a name taken) names an Id without saying whether
    a customer, a vendor or an employee has it, so no link can be made of it."""
    found = _HOLDER.search(text) if code == "6140" else None
    return (found["entity"], found["id"]) if found else None


def refused_company(realm_id: str, fault: QboFault) -> str:
    """What to tell an admin when QBO refuses the connection's company (:attr:`QboFault.forbidden`)."""
    return (
        f"QuickBooks refused access to company {realm_id} ({fault.describe()}): the authorization does not "
        "reach this company (it was given for another company, or its user lost access); authorize again, "
        "choosing this company"
    )


def loads(text: str | bytes) -> Any:
    """JSON with exact money: every number with a fraction becomes a Decimal."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """JSON with Decimals as numbers, refusing any that a JSON number would round.

    The standard encoder cannot write a Decimal as a number, but a float prints as the
    shortest text that reads back as the same float, which is the Decimal's own digits
    whenever it has at most 15 significant ones (all real money). The check makes any
    other amount an error instead of a silent rounding.
    """

    def number(value: Any) -> float:
        if not isinstance(value, Decimal):
            raise TypeError(f"{type(value).__name__} is not JSON serializable")
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be sent to QuickBooks exactly")
        return as_float

    return json.dumps(value, default=number, separators=(",", ":"))


def intuit_tid(response: httpx.Response) -> str:
    """Intuit's transaction id. QBO sends ``intuit_tid`` (minimul/qbo_api issue #81); the
    recorded exchanges spell it ``Intuit-Tid`` because their recorder rewrote header names."""
    return response.headers.get("intuit_tid") or response.headers.get("intuit-tid") or ""


def fault_in(data: Any, status: int = 200, tid: str = "") -> QboFault | None:
    """The fault a parsed JSON object carries (``Fault`` or the 401's ``fault``), if any."""
    envelope = data.get("Fault") or data.get("fault") if isinstance(data, dict) else None
    if not envelope:
        return None
    errors = envelope.get("Error") or envelope.get("error") or [{}]
    first = {key.lower(): value for key, value in errors[0].items()}
    return QboFault(
        code=str(first.get("code") or status),
        message=first.get("message") or envelope.get("type", ""),
        detail=first.get("detail") or "",
        element=first.get("element") or "",
        intuit_tid=tid,
        status=status,
    )


def _xml_fault(text: str, status: int, tid: str) -> QboFault | None:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for node in root.iter():
        if node.tag.rpartition("}")[2] == "Error":
            fields = {child.tag.rpartition("}")[2]: (child.text or "") for child in node}
            return QboFault(
                code=node.get("code") or str(status),
                message=fields.get("Message", ""),
                detail=fields.get("Detail", ""),
                element=node.get("element") or "",
                intuit_tid=tid,
                status=status,
            )
    return None


def parse_response(response: httpx.Response) -> Any:
    """The JSON body of a successful answer.

    Raises:
        QboFault: the answer is a fault, in any of QBO's dialects, or not JSON at all.
    """
    tid = intuit_tid(response)
    try:
        data = loads(response.content)
    except ValueError:
        data = None
    fault = (
        fault_in(data, response.status_code, tid)
        if data is not None
        else (_xml_fault(response.text, response.status_code, tid))
    )
    if fault is None and (data is None or not response.is_success):
        fault = QboFault(
            code=str(response.status_code),
            message=response.reason_phrase or "Unexpected answer",
            detail=response.text[:300],
            intuit_tid=tid,
            status=response.status_code,
        )
    if fault is not None:
        raise fault
    return data
