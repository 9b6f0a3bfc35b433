"""The batch endpoint: up to 30 operations in one request, each answered on its own.

Items run in order but the answer lists them in an order QBO does not guarantee; the
emulator shuffles deterministically (seeded by the request's bIds) so clients that pair
answers by position fail in tests, reproducibly. One item's fault never fails another.

The ``omit`` fault (``faults.after_kinds``) answers a batch that ran in full without one of
its items (:func:`without_one`), so a client's handling of an item whose outcome it never
learnt can be tested. *Doubt*: no source shows QBO doing so; its batch answer is one
document, lost whole (an empty response stream after a batch that ran, QuickBooks-V3-DotNET-SDK
issue #373) more plausibly than in part. Which item goes follows the shuffled order, and a
``requestid`` replays the answer as given, item missing.
"""

from __future__ import annotations

import random
from typing import Any

from billsync.sandbox.qbo import entities, jsonutil, query
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.store import Company, Store

OPERATIONS = ("create", "update", "delete")
#: The keys of a batch item besides the entity it writes.
ITEM_KEYS = ("bId", "operation", "optionsData", "Query")


def _item(store: Store, company: Company, item: dict[str, Any]) -> dict[str, Any]:
    if "Query" in item:
        return {"QueryResponse": query.execute(company, item["Query"])}
    operation = item.get("operation")
    names = [key for key in item if key not in ("bId", "operation", "optionsData")]
    if operation not in OPERATIONS or len(names) != 1:
        raise QBOFault("2020", element="operation")
    include = {"void"} if item.get("optionsData") == "void" else set()
    name = entities.entity_type(names[0]).name
    return {name: entities.write(store, company, name, operation, item[names[0]], include)}


def run(store: Store, company: Company, body: Any, max_items: int) -> dict[str, Any]:
    """Answer a ``BatchItemRequest`` body with a ``BatchItemResponse`` list."""
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise QBOFault("2020", element="BatchItemRequest")
    if len(items) > max_items:
        raise QBOFault(
            "6000",
            element="BatchItemRequest",
            detail=f"The batch request contains {len(items)} items; the maximum is {max_items}",
        )
    answers = []
    for item in items:
        try:
            answer = _item(store, company, item)
        except QBOFault as fault:
            answer = {"Fault": fault.fault()}
        answers.append({**answer, "bId": item.get("bId")})
    random.Random("|".join(str(item.get("bId")) for item in items)).shuffle(answers)
    return {"BatchItemResponse": answers}


def entities_written(raw: bytes) -> set[str]:
    """The entities a batch request body writes ("Payment", …): what a hold may be narrowed
    to. None of a body that is no batch; the view says what is wrong with it."""
    try:
        items = jsonutil.loads(raw or b"{}").get("BatchItemRequest")
    except (ValueError, AttributeError):
        return set()
    if not isinstance(items, list):
        return set()
    return {key for item in items if isinstance(item, dict) for key in item if key not in ITEM_KEYS}


def without_one(answer: dict[str, Any]) -> dict[str, Any]:
    """A batch answer less its first item (the ``omit`` fault)."""
    return {**answer, "BatchItemResponse": answer["BatchItemResponse"][1:]}
