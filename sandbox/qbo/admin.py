"""Sandbox admin API under ``/_sandbox/…``: not part of QBO, never throttled or faulted.

Tests and demos use it to set the stage and to play the QBO user who changes things
behind an integration's back:

- ``GET  /_sandbox/`` this list.
- ``POST /_sandbox/reset`` wipe every company, replies and statistics; reseed the default
  (of the configured ``kind``, with ``multicurrency`` if configured); release the hold.
- ``POST /_sandbox/seed`` ``{"realm_id"?, "kind"?, "multicurrency"?: false, "objects":
  {"Customer": [...]}, "raw"?: false}`` with ``kind`` (us, us-ast, us-legacy, ca, uk, au) or
  ``multicurrency``, first (re)create the realm as a company of that kind (the configured
  one unless named; a realm not there yet is seeded so anyway); then add objects (validated
  like API creates; ``raw`` stores them as given, Ids included); ``"trust": true`` adds a
  trust bank account and a trust liability account first (:data:`journal.TRUST_ACCOUNTS`).
- ``POST /_sandbox/tokens`` ``{"realm_id"?}`` mint an access/refresh token pair.
- ``POST /_sandbox/tokens/expire`` ``{"refresh"?: false}`` expire every access token now,
  and with ``refresh`` every refresh token too (a grant past its 100 days).
- ``GET  /_sandbox/stats`` request counts per method, endpoint and status, and the answers
  the ``after_*`` faults took, by kind; ``DELETE`` resets both.
- ``GET  /_sandbox/objects/<realm>/<Entity>`` every object of a type, and its tombstones.
- ``POST /_sandbox/user/<realm>/<Entity>/<id>/<action>`` act as a QBO user: ``delete``,
  ``void``, ``deactivate`` or ``activate``, without needing the SyncToken; ``edit`` with the
  fields changed as the body (``{"WebAddr": {"URI": …}}``), kept as a sparse update keeps them.
- ``POST /_sandbox/user/<realm>/preferences`` ``{"CustomTxnNumbers"?: bool,
  "WarnDuplicateBillNumber"?: bool, "AutoApplyCredit"?: bool, "UsingSalesTax"?: bool,
  "MultiCurrencyEnabled"?: true, "AllowPartnerTaxOverride"?: bool}`` switch the settings in
  Company Settings (``UsingSalesTax``: ``TaxPrefs``, whether sales forms keep their
  ``TxnTaxDetail``; ``AllowPartnerTaxOverride``: whether automated sales tax keeps the tax an
  app sends, :mod:`billsync.sandbox.qbo.tax`); a value that is not true,
  false or null is a 400, and so is ``MultiCurrencyEnabled: false``: once on, QBO's
  multicurrency cannot be turned off.
- ``GET|PATCH /_sandbox/config`` read or change settings (fields of ``QBOConfig``; faults
  as ``{"rate", "kinds", "slow_seconds", "seed"}``, and for writes that lose their answer
  once applied ``{"after_rate", "after_kinds", "after_next"}``: ``after_next`` counts down).
- ``GET|POST /_sandbox/hold`` ``{"batches": true}`` park every batch request (inside its
  concurrency slot, before anything of it is applied) until ``{"batches": false}``
  releases them; with ``"writes": true`` single writes (a create, update, delete or void
  of one object) too; with ``"entities": ["Payment", …]`` only requests writing one of those;
  ``caught`` lists the requests parked or released and not yet served (each with the
  entities it writes), ``waiting`` the requests waiting for an identical one (same
  ``requestid``) in flight. One parked past ``execution_limit`` answers 504 and applies
  nothing.
- ``POST /_sandbox/webhooks`` ``{"url", "verifier"}`` subscribe (url null: unsubscribe);
  ``GET`` the delivery log; ``POST /_sandbox/webhooks/flush`` deliver pending changes now.
- ``POST /_sandbox/save`` write the companies to ``state_file``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from billsync.sandbox.qbo import entities, journal, jsonutil, prefs, schema, seed
from billsync.sandbox.qbo.errors import QBOFault

bp = Blueprint("qbo_admin", __name__, url_prefix="/_sandbox")


def _state():
    return current_app.extensions["qbo_sandbox"]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(payload), status=status, content_type="application/json")


def _args() -> dict[str, Any]:
    return jsonutil.loads(request.get_data() or b"{}")


@bp.errorhandler(QBOFault)
def _fault(fault: QBOFault) -> Response:
    return _json(fault.body(), fault.status)


@bp.errorhandler(ValueError)
def _bad(error: ValueError) -> Response:
    return _json({"error": str(error)}, 400)


@bp.get("/")
def index() -> Response:
    return Response(__doc__, content_type="text/plain")


@bp.post("/reset")
def reset() -> Response:
    state = _state()
    state.hold.switch(False)
    with state.store.lock:
        state.store.clear()
        seed.seed_company(state.store, state.config.realm_id, state.config.kind, state.config.multicurrency)
    state.reset_stats()
    return _json({"companies": seed.describe(state.store)})


@bp.post("/seed")
def seed_objects() -> Response:
    state, args = _state(), _args()
    realm_id = args.get("realm_id") or state.config.realm_id
    multicurrency = args.get("multicurrency", False)
    if not isinstance(multicurrency, bool):
        raise ValueError(f"multicurrency must be true or false, not {jsonutil.dumps(multicurrency)}")
    if "kind" in args or multicurrency:
        seed.seed_company(state.store, realm_id, args.get("kind") or state.config.kind, multicurrency)
    elif state.store.company(realm_id) is None:
        seed.seed_company(state.store, realm_id, state.config.kind, state.config.multicurrency)
    objects = dict(args.get("objects", {}))
    if args.get("trust") is True:
        objects["Account"] = [*journal.TRUST_ACCOUNTS, *objects.get("Account", [])]
    created = seed.seed_objects(state.store, realm_id, objects, bool(args.get("raw")))
    return _json({"realm_id": realm_id, "created": created})


@bp.post("/tokens")
def mint_tokens() -> Response:
    state = _state()
    realm_id = _args().get("realm_id") or state.config.realm_id
    if state.store.company(realm_id) is None:
        return _json({"error": f"unknown realm {realm_id}"}, 404)
    return jsonify(state.tokens.mint(realm_id))


@bp.post("/tokens/expire")
def expire_tokens() -> Response:
    return _json({"expired": _state().tokens.expire_access(refresh=bool(_args().get("refresh")))})


@bp.route("/stats", methods=["GET", "DELETE"])
def stats() -> Response:
    state = _state()
    if request.method == "DELETE":
        state.reset_stats()
    return _json({"requests": state.stats(), "lost_answers": state.faults.lost()})


@bp.get("/objects/<realm_id>/<entity>")
def objects(realm_id: str, entity: str) -> Response:
    state = _state()
    name = entities.entity_type(entity).name
    with state.store.lock:
        company = state.store.company(realm_id)
        deleted = list(company.deleted.get(name, {}).values()) if company else []
    return _json({name: state.store.snapshot(realm_id, name), "deleted": deleted})


@bp.post("/user/<realm_id>/<entity>/<entity_id>/<action>")
def act(realm_id: str, entity: str, entity_id: str, action: str) -> Response:
    """What a person in the QBO screens can do; no SyncToken needed, changes show in CDC."""
    state = _state()
    name = entities.entity_type(entity).name
    with state.store.lock:
        company = state.store.company(realm_id)
        current = company.get(name, entity_id) if company else None
        if current is None:
            return _json({"error": f"no {name} {entity_id} in realm {realm_id}"}, 404)
        body = {"Id": entity_id, "SyncToken": current["SyncToken"]}
        if action == "edit":
            changes = _args()
            if not isinstance(changes, dict):
                raise ValueError("edit takes an object of the fields to change")
            schema.check_write(name, changes)
            result = entities.update(state.store, company, name, {**changes, **body, "sparse": True})
        elif action in ("deactivate", "activate"):
            body.update(sparse=True, Active=action == "activate")
            result = entities.update(state.store, company, name, body)
        elif action in ("delete", "void"):
            result = entities.write(state.store, company, name, action, body)
        else:
            return _json({"error": f"unknown action {action}"}, 400)
    return _json({name: result})


#: The settings ``POST user/<realm>/preferences`` switches: its keys, ``prefs.switch``'s arguments.
SWITCHES = {
    "CustomTxnNumbers": "custom_txn_numbers",
    "WarnDuplicateBillNumber": "warn_duplicate",
    "AutoApplyCredit": "auto_apply_credit",
    "UsingSalesTax": "using_sales_tax",
    "MultiCurrencyEnabled": "multicurrency",
    "AllowPartnerTaxOverride": "allow_partner_tax_override",
}


@bp.post("/user/<realm_id>/preferences")
def switch_preferences(realm_id: str) -> Response:
    """A setting is switched by true or false and left alone when absent or null; anything
    else is refused before any setting changes, so ``"false"`` cannot switch one on."""
    args = _args()
    for key in SWITCHES:
        if not isinstance(args.get(key), (bool, type(None))):  # 1 == True, yet 1 is no switch
            raise ValueError(f"{key} must be true or false, not {jsonutil.dumps(args[key])}")
    if args.get("MultiCurrencyEnabled") is False:
        raise ValueError("MultiCurrencyEnabled can only be switched on: QBO's multicurrency cannot be turned off")
    current = prefs.switch(_state().store, realm_id, **{arg: args.get(key) for key, arg in SWITCHES.items()})
    if current is None:
        return _json({"error": f"unknown realm {realm_id}"}, 404)
    return _json({"Preferences": current})


@bp.route("/config", methods=["GET", "PATCH"])
def config() -> Response:
    state = _state()
    if request.method == "PATCH":
        state.reconfigure(**(request.get_json(silent=True) or {}))  # plain floats, not Decimal
    return _json(dataclasses.asdict(state.settings()))


@bp.route("/hold", methods=["GET", "POST"])
def hold() -> Response:
    """Catch a client mid-request: see :class:`billsync.sandbox.faults.Hold`."""
    state = _state()
    if request.method == "POST":
        args = _args()
        entities = args.get("entities") or []
        if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
            raise ValueError("entities must be a list of entity names, e.g. [\"Payment\"]")
        state.hold.switch(bool(args.get("batches")), entities, writes=bool(args.get("writes")))
    return _json(
        {
            "batches": state.hold.on,
            "writes": state.hold.writes,
            "entities": sorted(state.hold.entities),
            "caught": state.hold.caught,
            "waiting": state.replays.waiting,
        }
    )


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks() -> Response:
    hooks = _state().webhooks
    if request.method == "POST":
        args = _args()
        hooks.configure(args.get("url"), args.get("verifier", ""))
    return _json({"url": hooks.url, "deliveries": hooks.deliveries})


@bp.post("/webhooks/flush")
def flush_webhooks() -> Response:
    hooks = _state().webhooks
    hooks.flush()
    return _json({"deliveries": hooks.deliveries})


@bp.post("/save")
def save() -> Response:
    state = _state()
    if state.saver is None:
        return _json({"error": "no state_file configured"}, 400)
    state.saver.flush()
    return _json({"saved": state.config.state_file})
