"""The sandbox admin API under ``/_sandbox``: control and inspect the emulator, act as a user.

Nothing here exists in Clio. It lets a test or a demo reset and seed the firm, change
limits and faults while the server runs, mint or expire tokens without a browser, make
the changes a Clio user would make (edit, void or delete a bill, record or void a
payment, change a contact, deposit, disburse or transfer trust funds, pay a bill from trust,
edit or delete a trust transaction), and read how many requests each endpoint answered with each
status. It needs no token, is never rate-limited or faulted, and answers errors in Clio's
error shape. ``GET /_sandbox/`` lists the routes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request

from billsync.sandbox.clio import actions, fields, loader, trust
from billsync.sandbox.clio.api import clio_json
from billsync.sandbox.clio.errors import bad_request
from billsync.sandbox.clio.models import (
    ALLOCATIONS,
    BANK_ACCOUNTS,
    BANK_TRANSACTIONS,
    BILLS,
    CONTACTS,
    CREDIT_MEMOS,
    LINE_ITEMS,
)
from billsync.sandbox.clio.store import Record
from billsync.sandbox.faults import FaultConfig

bp = Blueprint("clio_admin", __name__, url_prefix="/_sandbox")

ROUTES = {
    "POST /_sandbox/reset": "Forget every record, token, webhook and request count.",
    "POST /_sandbox/seed": "Load a demo firm: {\"bills\": 1000, \"seed\": 1, \"region\": \"us\", "
    "\"foreign\": false} (foreign: Müller GmbH billed in EUR).",
    "GET /_sandbox/counts": "Records per collection.",
    "GET /_sandbox/requests": "Requests per method, endpoint and status (0 = connection dropped).",
    "DELETE /_sandbox/requests": "Reset the request counts.",
    "GET /_sandbox/config": "Current limits, token lifetime, faults, *_since semantics and clock offset.",
    "PATCH /_sandbox/config": "Change rate_limit_per_minute, time_scale, token_lifetime_seconds, "
    "faults {rate, kinds, slow_seconds, seed}, inclusive_since, clock_offset_seconds.",
    "POST /_sandbox/tokens": "Mint an access/refresh token pair, as if a user had approved the app.",
    "POST /_sandbox/tokens/expire": "Expire {\"access_token\": …}, or every access token.",
    "GET /_sandbox/webhook_deliveries": "The last handshakes and deliveries and their outcome.",
    "POST /_sandbox/contacts": "Create a contact: {type: Person|Company, first_name, last_name | name, email}.",
    "PATCH /_sandbox/contacts/<id>": "Change a contact: {name, email, phones: [{name, number}], "
    "addresses: [{name, street, city, province, postal_code, country}]} (lists whole, the first primary).",
    "POST /_sandbox/bills": "Create a bill: {client_id, state, number, tax_rate, lines: [{kind, "
    "description, price, quantity, taxable}]}.",
    "PATCH /_sandbox/bills/<id>": "Edit a bill: {number, subject, memo, issued_at, due_at, state}.",
    "POST /_sandbox/bills/<id>/void": "Void a bill.",
    "POST /_sandbox/bills/<id>/lines": "Add a line to a bill: {kind, description, price, quantity, taxable}.",
    "PATCH /_sandbox/line_items/<id>": "Edit a line: {description, price, quantity}; ?touch_bill=false leaves "
    "the bill's updated_at as it was.",
    "DELETE /_sandbox/line_items/<id>": "Remove a line from its bill.",
    "DELETE /_sandbox/bills/<id>": "Delete a bill (it stays listed in state \"deleted\").",
    "POST /_sandbox/payments": "Record a payment: {bill_id, amount (default: the balance), date}.",
    "POST /_sandbox/allocations/<id>/void": "Void a payment or credit allocation.",
    "POST /_sandbox/credits": "Issue a credit note and apply it to a bill: {bill_id, amount (default: the balance), "
    "date, description}.",
    "POST /_sandbox/credit_memos/<id>/void": "Void a credit note; {\"allocations\": true} voids its allocations too.",
    "POST /_sandbox/trust/deposits": "Deposit into trust: {client_id, amount, matter_id (default: the client's "
    "matter; null: the client level), date, description, confirmation, bank_account_id (default: the trust account)}.",
    "POST /_sandbox/trust/disbursements": "Pay out of trust: {client_id, amount, matter_id, date, description, "
    "confirmation, bank_account_id}; refused if the ledger would be overdrawn.",
    "POST /_sandbox/trust/transfers": "Move a client's trust funds between its ledgers: {client_id, amount, "
    "from_matter_id, to_matter_id (each: default the client's matter, null the client level), date, description}; "
    "two transactions.",
    "POST /_sandbox/trust/bill_payments": "Pay a bill from trust: {bill_id, amount (default: the balance), date}; "
    "returns the allocation (void it through /allocations/<id>/void).",
    "PATCH /_sandbox/bank_transactions/<id>": "Edit a hand-made bank transaction: {amount (signed), date, "
    "description, confirmation, client_id, matter_id}.",
    "DELETE /_sandbox/bank_transactions/<id>": "Delete a hand-made bank transaction (gone from the API, as Clio's "
    "DELETE); returns its account.",
}


def _sandbox() -> Any:
    return current_app.extensions["clio"]


def _full(model: fields.Model, record: Record) -> dict[str, Any]:
    db = _sandbox().store
    with db.lock:
        return {"data": fields.project(db, model, record, fields.everything(model))}


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/")
def index() -> Response:
    return clio_json({"routes": ROUTES})


@bp.post("/reset")
def reset() -> Response:
    sandbox = _sandbox()
    sandbox.store.reset()
    sandbox.tokens.reset()
    sandbox.counter.reset()
    sandbox.limiter.reset()
    return clio_json({"counts": sandbox.store.counts()})


@bp.post("/seed")
def seed() -> Response:
    body = _body()
    foreign = body.get("foreign", False)
    if not isinstance(foreign, bool):
        raise bad_request("foreign must be true or false")
    try:
        bills, seed_value = int(body.get("bills", 100)), int(body.get("seed", 1))
        counts = loader.seed(_sandbox().store, bills, seed_value, str(body.get("region", "us")), foreign=foreign)
        return clio_json({"counts": counts})
    except (TypeError, ValueError) as e:
        raise bad_request(f"bills and seed must be integers, region one of us, ca, uk, au, …: {e}") from None


@bp.get("/counts")
def counts() -> Response:
    return clio_json({"counts": _sandbox().store.counts()})


@bp.get("/requests")
def requests_report() -> Response:
    return clio_json({"requests": _sandbox().counter.report()})


@bp.delete("/requests")
def requests_reset() -> Response:
    _sandbox().counter.reset()
    return Response(status=204)


def _config_view() -> dict[str, Any]:
    sandbox = _sandbox()
    config, faults = sandbox.config, sandbox.faults.config
    return {
        "rate_limit_per_minute": config.rate_limit_per_minute,
        "time_scale": config.time_scale,
        "token_lifetime_seconds": config.token_lifetime_seconds,
        "inclusive_since": config.inclusive_since,
        "clock_offset_seconds": config.clock_offset_seconds,
        "faults": {
            "rate": faults.rate,
            "kinds": list(faults.kinds),
            "slow_seconds": faults.slow_seconds,
            "seed": faults.seed,
        },
    }


@bp.get("/config")
def config_show() -> Response:
    return clio_json(_config_view())


@bp.patch("/config")
def config_update() -> Response:
    body = _body()
    try:
        faults = None
        if "faults" in body:
            merged = {**_config_view()["faults"], **body["faults"]}
            faults = FaultConfig(**{**merged, "kinds": tuple(merged["kinds"])})
        _sandbox().configure(
            rate_limit_per_minute=body.get("rate_limit_per_minute"),
            time_scale=body.get("time_scale"),
            token_lifetime_seconds=body.get("token_lifetime_seconds"),
            faults=faults,
            inclusive_since=body.get("inclusive_since"),
            clock_offset_seconds=body.get("clock_offset_seconds"),
        )
    except (TypeError, ValueError) as e:
        raise bad_request(f"Invalid configuration: {e}") from None
    return clio_json(_config_view())


@bp.post("/tokens")
def mint_token() -> Response:
    sandbox = _sandbox()
    lifetime = int(_body().get("expires_in", sandbox.config.token_lifetime_seconds))
    grant = sandbox.tokens.mint(lifetime)
    return clio_json(
        {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "token_type": "bearer",
            "expires_in": lifetime,
        },
        201,
    )


@bp.post("/tokens/expire")
def expire_tokens() -> Response:
    return clio_json({"expired": _sandbox().tokens.expire(_body().get("access_token"))})


@bp.get("/webhook_deliveries")
def webhook_deliveries() -> Response:
    return clio_json({"deliveries": list(_sandbox().webhooks.log)})


@bp.post("/contacts")
def contact_create() -> Response:
    return clio_json(_full(CONTACTS, actions.create_contact(_sandbox().store, _body())), 201)


@bp.patch("/contacts/<int:contact_id>")
def contact_edit(contact_id: int) -> Response:
    return clio_json(_full(CONTACTS, actions.edit_contact(_sandbox().store, contact_id, _body())))


@bp.post("/bills")
def bill_create() -> Response:
    body = _body()
    if "client_id" not in body:
        raise bad_request("client_id is required")
    return clio_json(_full(BILLS, actions.create_bill(_sandbox().store, body)), 201)


@bp.patch("/bills/<int:bill_id>")
def bill_edit(bill_id: int) -> Response:
    return clio_json(_full(BILLS, actions.edit_bill(_sandbox().store, bill_id, _body())))


@bp.post("/bills/<int:bill_id>/void")
def bill_void(bill_id: int) -> Response:
    return clio_json(_full(BILLS, actions.void_bill(_sandbox().store, bill_id)))


@bp.post("/bills/<int:bill_id>/lines")
def line_add(bill_id: int) -> Response:
    return clio_json(_full(LINE_ITEMS, actions.add_line(_sandbox().store, bill_id, _body())), 201)


@bp.patch("/line_items/<int:line_id>")
def line_edit(line_id: int) -> Response:
    touch_bill = request.args.get("touch_bill", "true") != "false"
    return clio_json(_full(LINE_ITEMS, actions.edit_line(_sandbox().store, line_id, _body(), touch_bill=touch_bill)))


@bp.delete("/line_items/<int:line_id>")
def line_delete(line_id: int) -> Response:
    return clio_json(_full(BILLS, actions.delete_line(_sandbox().store, line_id)))


@bp.delete("/bills/<int:bill_id>")
def bill_delete(bill_id: int) -> Response:
    return clio_json(_full(BILLS, actions.delete_bill(_sandbox().store, bill_id)))


@bp.post("/payments")
def payment_create() -> Response:
    body = _body()
    if "bill_id" not in body:
        raise bad_request("bill_id is required")
    return clio_json(_full(ALLOCATIONS, actions.create_payment(_sandbox().store, body)), 201)


@bp.post("/allocations/<int:allocation_id>/void")
def allocation_void(allocation_id: int) -> Response:
    return clio_json(_full(ALLOCATIONS, actions.void_allocation(_sandbox().store, allocation_id)))


@bp.post("/credits")
def credit_create() -> Response:
    body = _body()
    if "bill_id" not in body:
        raise bad_request("bill_id is required")
    return clio_json(_full(CREDIT_MEMOS, actions.create_credit(_sandbox().store, body)), 201)


@bp.post("/credit_memos/<int:memo_id>/void")
def credit_void(memo_id: int) -> Response:
    with_allocations = bool(_body().get("allocations", False))
    return clio_json(_full(CREDIT_MEMOS, actions.void_credit(_sandbox().store, memo_id, with_allocations)))


@bp.post("/trust/deposits")
def trust_deposit() -> Response:
    return clio_json(_full(BANK_TRANSACTIONS, trust.deposit(_sandbox().store, _body())), 201)


@bp.post("/trust/disbursements")
def trust_disbursement() -> Response:
    return clio_json(_full(BANK_TRANSACTIONS, trust.disburse(_sandbox().store, _body())), 201)


@bp.post("/trust/transfers")
def trust_transfer() -> Response:
    made = trust.transfer(_sandbox().store, _body())
    return clio_json({"data": [_full(BANK_TRANSACTIONS, transaction)["data"] for transaction in made]}, 201)


@bp.post("/trust/bill_payments")
def trust_bill_payment() -> Response:
    body = _body()
    if "bill_id" not in body:
        raise bad_request("bill_id is required")
    return clio_json(_full(ALLOCATIONS, trust.pay_bill(_sandbox().store, body)), 201)


@bp.patch("/bank_transactions/<int:transaction_id>")
def bank_transaction_edit(transaction_id: int) -> Response:
    return clio_json(_full(BANK_TRANSACTIONS, trust.edit(_sandbox().store, transaction_id, _body())))


@bp.delete("/bank_transactions/<int:transaction_id>")
def bank_transaction_delete(transaction_id: int) -> Response:
    return clio_json(_full(BANK_ACCOUNTS, trust.delete(_sandbox().store, transaction_id)))
