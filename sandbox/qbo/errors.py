"""The faults QBO answers with, and their exact wire shapes.

QBO has three envelopes: the ``Fault`` object of validation and service errors (also
used per item inside batch responses), the lower-case ``fault`` envelope of the gateway
(401, and 403 for a token of another company), and an XML ``IntuitResponse`` on 429 that
arrives even when JSON was asked for. Clients that parse only the first break on the
others, so the emulator reproduces all three byte for byte where the recordings show them.
"""

from __future__ import annotations

import time
from typing import Any

from billsync.sandbox.qbo.jsonutil import now_iso_millis

#: The namespace of QBO's XML answers.
INTUIT_NS = "http://schema.intuit.com/finance/v3"
#: A 429 as QBO sends it (routablehq/python-quickbooks issue #83, ruckus/quickbooks-ruby PR #348).
_THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<IntuitResponse time="{{time}}" xmlns="{INTUIT_NS}"><Fault type="SERVICE"><Error code="3001">'
    "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
    "<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"
)

#: code -> (Message, Detail prefix) as QBO words them.
MESSAGES: dict[str, tuple[str, str]] = {
    # A path or method QBO has no resource for (minimul/qbo_api issue #81: HTTP 400).
    "500": ("Unsupported Operation", "Operation {detail} is not supported."),
    "610": (
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
    ),
    "2020": (
        "Required param missing, need to supply the required value for the API",
        "Required parameter {element} is missing in the request",
    ),
    # The body did not bind to the entity's class (see billsync.sandbox.qbo.properties);
    # python-quickbooks issue #299 and QuickBooks-V3-DotNET-SDK issue #376 show both lines.
    "2010": (
        "Request has invalid or unsupported property",
        "Property Name:{detail} specified is unsupported or invalid",
    ),
    # Intuit's error-code list: "IDs need to be a valid number. Supplied value: XXX".
    "2030": ("Invalid ID", "IDs need to be a valid number. Supplied value: {detail}"),
    "2050": (
        "String length is either shorter or longer than supported by specification",
        "String length specified does not match the supported length. "
        "Min:0 Max:{max} supported. Supplied length:{length}",
    ),
    # Intuit's blog "Top QuickBooks Online API errors" (2017): "Invalid Enumeration: HAS_BEEN_BILLED".
    "2170": ("Invalid Enumeration", "Invalid Enumeration : {detail}"),
    # Observed in a CA sandbox for a foreign transaction sent without a rate (design 14 C8),
    # misspelt as QBO answers it.
    "2410": (
        "Curreny, ExchangeRate is missing.",
        "The currency and exchange rate are required for transaction in foreign currency.",
    ),
    "2500": ("Invalid Reference Id", "Invalid Reference Id : {detail}"),
    "4000": ("Error parsing query", "QueryParserError: {detail}"),
    # quickbooks-ruby issues #403 (a property not queryable) and #628 (an unknown entity).
    "4001": ("Invalid query", "QueryValidationError: {detail}"),
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
    # Intuit's error-code list (900, 6150, 6180) for sub-customers.
    "900": ("Parent cannot be child", "The same object can't be the parent or child of itself: {detail}"),
    "6150": ("ParentRef Required Validation Error", "A ParentRef is required depending if {detail} is true or false."),
    "6180": ("Sub Level Limit", "You can nest up to 5 levels: {detail}"),
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


def throttle_xml() -> str:
    """The 429 body, stamped with the time of the answer."""
    return _THROTTLE_XML.format(time=now_iso_millis())


def _gateway_fault(message: str, detail: str | None, code: str, fault_type: str) -> dict[str, Any]:
    """The gateway's lower-case envelope, every empty member included, as recorded."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [{"message": message, "detail": detail, "code": code, "element": None}],
            "type": fault_type,
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


def auth_failed_body(detail: str) -> dict[str, Any]:
    """The 401 of a token that is no live token (recorded: shared/fixtures/qbo-recorded/error-401.yml)."""
    return _gateway_fault(
        "message=AuthenticationFailed; errorCode=003200; statusCode=401", detail, "3200", "AUTHENTICATION"
    )


def authorization_failed_body() -> dict[str, Any]:
    """The 403 of a live token used on a company it was not granted for: fault 3100 in the
    same envelope, ``detail`` null and type SERVICE (frappe/erpnext issue #29161,
    minimul/qbo_api issue #138)."""
    return _gateway_fault(
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", None, "3100", "SERVICE"
    )


def unknown_path(path: str, url: str) -> QBOFault:
    """A path QBO has no resource for, in RESTEasy's words wrapped in QBO's fault
    (minimul/qbo_api issue #81), instead of a web server's HTML 404."""
    return QBOFault("500", detail=f"Could not find resource for relative : {path} of full path: {url}")


def unknown_method(method: str) -> QBOFault:
    """A method a path does not take: RESTEasy's wording, wrapped the same way."""
    return QBOFault("500", detail=f"No resource method found for {method}, return 405 with Allow header")


def timed_out_body() -> dict[str, Any]:
    """A request that ran into the execution limit: the gateway's 504, the same envelope as
    its other refusals (the wording is ours; Intuit documents the limit, not the body)."""
    return _gateway_fault("message=Gateway Timeout; statusCode=504", None, "504", "SERVICE")


def service_unavailable_body() -> dict[str, Any]:
    """What an injected 5xx carries: QBO's SystemFault wording for a transient outage."""
    return QBOFault(
        "10000", status=503, fault_type="SystemFault", detail="Service temporarily unavailable, please retry"
    ).body()
