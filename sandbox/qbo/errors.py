"""The faults QBO answers with, and their exact wire shapes.

QBO has three envelopes: the ``Fault`` object of validation and service errors (also
used per item inside batch responses), the lower-case ``fault`` envelope of a 401, and
an XML body on 429 that arrives even when JSON was asked for. Clients that parse only
the first break on the others, so the emulator reproduces all three byte for byte where
the recordings show them.
"""

from __future__ import annotations

import time
from typing import Any

from billsync.sandbox.qbo.jsonutil import now_iso_millis

THROTTLE_XML = (
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; '
    "errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  "
    "Try again later</Detail></Error></Fault>"
)

#: code -> (Message, Detail prefix) as QBO words them.
MESSAGES: dict[str, tuple[str, str]] = {
    "610": (
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
    ),
    "2020": (
        "Required param missing, need to supply the required value for the API",
        "Required parameter {element} is missing in the request",
    ),
    "2050": (
        "String length is either shorter or longer than supported by specification",
        "String length specified does not match the supported length. "
        "Min:0 Max:{max} supported. Supplied length:{length}",
    ),
    "2500": ("Invalid Reference Id", "Invalid Reference Id : {detail}"),
    "4000": ("Error parsing query", "QueryParserError: {detail}"),
    "5010": (
        "Stale Object Error",
        "Stale Object Error : You and {user} were working on this at the same time. "
        "{user} finished before you did, so your work was not saved.",
    ),
    "6000": (
        "A business validation error has occurred while processing your request",
        "Business Validation Error: {detail}",
    ),
    "6070": (
        "Amount is not equal to UnitPrice * Qty",
        "Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
    ),
    "6140": (
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. "
        "This number has already been used. DocNumber={doc} is assigned to "
        "TxnType=Invoice with TxnId={txn}",
    ),
    "6240": ("Duplicate Name Exists Error", "The name supplied already exists. : {detail}"),
    "10000": ("An application error has occurred while processing your request", "System Failure Error: {detail}"),
}


class QBOFault(Exception):
    """A validation or service fault, rendered as QBO's ``Fault`` envelope.

    Args:
        code: QBO error code, e.g. "6240".
        status: HTTP status when the fault answers a whole request (200 inside a batch).
        element: the offending field, as QBO reports it.
        fault_type: "ValidationFault", "SERVICE" or "SystemFault".
        **fields: values substituted into the Detail template of ``code``.
    """

    def __init__(
        self, code: str, *, status: int = 400, element: str = "", fault_type: str = "ValidationFault", **fields: Any
    ) -> None:
        message, detail = MESSAGES[code]
        fields.setdefault("detail", "null")
        fields.setdefault("element", element)
        super().__init__(f"{code} {message}")
        self.code = code
        self.status = status
        self.error = {"Message": message, "Detail": detail.format(**fields), "code": code, "element": element}
        self.fault_type = fault_type

    def fault(self) -> dict[str, Any]:
        """The ``Fault`` object, as placed in a response or a batch item."""
        return {"Error": [self.error], "type": self.fault_type}

    def body(self) -> dict[str, Any]:
        return {"Fault": self.fault(), "time": now_iso_millis()}


def auth_failed_body(detail: str) -> dict[str, Any]:
    """The 401 envelope, lower-case keys and all, as recorded from the real service."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(time.time() * 1000),
        "status": None,
        "cdcresponse": [],
    }


def service_unavailable_body() -> dict[str, Any]:
    """What an injected 5xx carries: QBO's SystemFault wording for a transient outage."""
    return QBOFault(
        "10000", status=503, fault_type="SystemFault", detail="Service temporarily unavailable, please retry"
    ).body()
