"""Intuit's OAuth 2.0 endpoints, served on the emulator's own host and port.

Paths are the real ones (``/connect/oauth2`` from appcenter.intuit.com,
``/oauth2/v1/tokens/bearer`` from oauth.platform.intuit.com, ``/v2/oauth2/tokens/revoke``
from developer.api.intuit.com), so a client only swaps host names. The consent page is a
plain HTML form; a test approves it by POSTing the same fields with ``decision=approve``.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from billsync.sandbox.qbo.tokens import OAuthError

SCOPE = "com.intuit.quickbooks.accounting"
AUTH_PARAMS = ("client_id", "redirect_uri", "scope", "state", "response_type")

bp = Blueprint("qbo_oauth", __name__, template_folder="templates")


def _state():
    return current_app.extensions["qbo_sandbox"]


def _check_authorize(params: dict[str, str]) -> str | None:
    config = _state().config
    if params.get("client_id") != config.client_id:
        return "invalid_client"
    if params.get("response_type") != "code" or not params.get("redirect_uri"):
        return "invalid_request"
    if SCOPE not in params.get("scope", "").split():
        return "invalid_scope"
    return None


@bp.route("/connect/oauth2", methods=["GET", "POST"])
def authorize() -> Response:
    """GET shows the consent page; POST (the form, or a test) approves or denies."""
    params = {k: (request.values.get(k) or "") for k in AUTH_PARAMS}
    error = _check_authorize(params)
    if error:
        return Response(f"OAuth error: {error}", status=400, mimetype="text/plain")
    state = _state()
    if request.method == "GET":
        return Response(
            render_template(
                "qbo_sandbox/consent.html",
                params=params,
                scope=params["scope"],
                client_id=params["client_id"],
                realms=sorted(state.store.companies),
            )
        )
    target = params["redirect_uri"] + ("&" if "?" in params["redirect_uri"] else "?")
    if request.values.get("decision", "approve") != "approve":
        return redirect(target + urlencode({"error": "access_denied", "state": params["state"]}))
    realm_id = request.values.get("realmId") or state.config.realm_id
    if state.store.company(realm_id) is None:
        return Response(f"Unknown company {realm_id}", status=400, mimetype="text/plain")
    code = state.tokens.issue_code(realm_id, params["redirect_uri"])
    return redirect(target + urlencode({"code": code, "state": params["state"], "realmId": realm_id}))


def _client_ok() -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    config = _state().config
    return (client_id, secret) == (config.client_id, config.client_secret)


@bp.errorhandler(OAuthError)
def _oauth_error(error: OAuthError) -> tuple[Response, int]:
    return jsonify({"error": error.error}), error.status


@bp.post("/oauth2/v1/tokens/bearer")
def token() -> Response:
    """Exchange a code, or rotate a refresh token (form body, HTTP Basic client auth)."""
    if not _client_ok():
        raise OAuthError("invalid_client", 401)
    tokens, form = _state().tokens, request.form
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return jsonify(tokens.exchange_code(form.get("code", ""), form.get("redirect_uri", "")))
    if grant_type == "refresh_token":
        return jsonify(tokens.refresh(form.get("refresh_token", "")))
    raise OAuthError("unsupported_grant_type")


@bp.post("/v2/oauth2/tokens/revoke")
def revoke() -> Response:
    """Revoke a refresh or access token (JSON ``{"token": …}``) and its whole grant."""
    if not _client_ok():
        raise OAuthError("invalid_client", 401)
    body = request.get_json(silent=True) or request.form
    token_value = body.get("token") if body else None
    if not token_value:
        raise OAuthError("invalid_request")
    _state().tokens.revoke(token_value)
    return Response(status=200)
