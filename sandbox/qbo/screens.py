"""The QuickBooks screens a billsync admin is sent to: Company Settings and one object.

billsync's Action required banner asks the admin to switch settings in QuickBooks
("Sales" → Custom transaction numbers, "Advanced" → Warn if duplicate bill number is
used, "Advanced" → Automation → Automatically apply credits); the API cannot change the
second. This page lets a person change all three in the emulator, as they would in QBO, so
the demo and the browser tests follow the real steps.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from billsync.sandbox.qbo import prefs

bp = Blueprint("qbo_screens", __name__, template_folder="templates")


@bp.route("/app/settings", methods=["GET", "POST"])
def company_settings() -> Response:
    state = current_app.extensions["qbo_sandbox"]
    realm_id = request.values.get("realm") or state.config.realm_id
    if request.method == "POST":
        saved = prefs.switch(
            state.store,
            realm_id,
            custom_txn_numbers="custom_txn_numbers" in request.form,
            warn_duplicate="warn_duplicate" in request.form,
            auto_apply_credit="auto_apply_credit" in request.form,
        )
        if saved is None:
            return Response(f"Unknown company {realm_id}", status=404, mimetype="text/plain")
        return redirect(url_for("qbo_screens.company_settings", realm=realm_id, saved=1))
    company = state.store.company(realm_id)
    if company is None:
        return Response(f"Unknown company {realm_id}", status=404, mimetype="text/plain")
    with state.store.lock:
        name = (company.get("CompanyInfo", realm_id) or {}).get("CompanyName", realm_id)
        custom, warn = prefs.custom_txn_numbers(company), prefs.warn_duplicate_doc_number(company)
        auto_apply = prefs.auto_apply_credit(company)
    return Response(
        render_template(
            "qbo_sandbox/settings.html",
            realm_id=realm_id,
            company=name,
            custom=custom,
            warn=warn,
            auto_apply=auto_apply,
            saved=bool(request.args.get("saved")),
        )
    )


#: QBO's own page names for one object, as billsync's deep links use them.
OBJECT_PAGES = {
    "invoice": ("Invoice", "txnId"),
    "recvpayment": ("Payment", "txnId"),
    "creditmemo": ("CreditMemo", "txnId"),
    "customerdetail": ("Customer", "nameId"),
}


@bp.get("/app/<page>")
def object_page(page: str) -> Response:
    """One object as a QBO user would open it from a deep link (read-only)."""
    if page not in OBJECT_PAGES:
        return Response(f"No such page {page}", status=404, mimetype="text/plain")
    state = current_app.extensions["qbo_sandbox"]
    entity, id_param = OBJECT_PAGES[page]
    realm_id = request.args.get("realm") or state.config.realm_id
    company = state.store.company(realm_id)
    with state.store.lock:
        found = company.get(entity, request.args.get(id_param, "")) if company else None
        deleted = (
            found is None and company is not None and request.args.get(id_param, "") in company.deleted.get(entity, {})
        )
        shown = dict(found) if found else None
    status = 200 if shown else 404
    return Response(
        render_template("qbo_sandbox/object.html", entity=entity, obj=shown, deleted=deleted, realm_id=realm_id),
        status=status,
    )
