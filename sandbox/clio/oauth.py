"""Clio's OAuth 2.0 endpoints: ``/oauth/authorize`` (with consent), ``/token``, ``/deauthorize``.

Follows docs.developers.clio.com/api-docs/authorization: the app sends the user to
``/oauth/authorize?response_type=code&client_id=…&redirect_uri=…&state=…``; once approved,
the browser returns to ``redirect_uri?code=…&state=…`` (or ``error=access_denied``). The app
posts ``grant_type``, ``code``, ``redirect_uri``, ``client_id`` and ``client_secret`` as a
form to ``/oauth/token`` and gets ``access_token``, ``token_type``, ``expires_in`` and
``refresh_token``. The consent page is a real HTML form; a test approves it with a plain
POST of the same parameters and ``decision=approve``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template_string, request

from billsync.sandbox.clio.config import ClioConfig

bp = Blueprint("clio_oauth", __name__, url_prefix="/oauth")

AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "state")

CONSENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clio (sandbox) – Authorize application</title></head>
<body>
  <h1>Allow access to {{ account }}?</h1>
  <p>The application <strong>{{ client_id }}</strong> asks to read and change your Clio data.
     You are signed in as {{ user }}.</p>
  <form method="post" action="{{ url_for('clio_oauth.authorize') }}">
    {% for name, value in params.items() %}
    <input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
    <button type="submit" name="decision" value="approve">Approve</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
</body></html>
"""


def _config() -> ClioConfig:
    return current_app.extensions["clio"].config


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> Any:
    """Show the consent page (GET) or act on the user's decision (POST)."""
    values = request.values
    params = {name: values.get(name, "") for name in AUTHORIZE_PARAMS}
    config = _config()
    if params["client_id"] != config.client_id:
        return _oauth_error(400, "invalid_client", "Unknown client_id")
    if params["response_type"] != "code" or not params["redirect_uri"]:
        return _oauth_error(400, "invalid_request", "response_type=code and redirect_uri are required")
    if request.method == "GET":
        return render_template_string(
            CONSENT_PAGE,
            params=params,
            client_id=config.client_id,
            account=config.account_name,
            user=config.user_name,
        )
    state = {"state": params["state"]} if params["state"] else {}
    if values.get("decision") != "approve":
        return redirect(_with_query(params["redirect_uri"], {"error": "access_denied", **state}))
    code = current_app.extensions["clio"].tokens.issue_code(params["redirect_uri"])
    return redirect(_with_query(params["redirect_uri"], {"code": code, **state}))


@bp.post("/token")
def token() -> Response:
    """Exchange a code or a refresh token for an access token."""
    form = request.form
    config = _config()
    if form.get("client_id") != config.client_id or form.get("client_secret") != config.client_secret:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    tokens = current_app.extensions["clio"].tokens
    lifetime = config.token_lifetime_seconds
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        grant = tokens.redeem_code(form.get("code", ""), form.get("redirect_uri", ""), lifetime)
        body_extra = {"refresh_token": grant.refresh_token} if grant else {}
    elif grant_type == "refresh_token":
        grant = tokens.refresh(form.get("refresh_token", ""), lifetime)
        body_extra = {}
    else:
        return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
    if grant is None:
        return _oauth_error(400, "invalid_grant", "The provided authorization grant is invalid, expired or revoked")
    return jsonify({"access_token": grant.access_token, "token_type": "bearer", "expires_in": lifetime, **body_extra})


@bp.post("/deauthorize")
def deauthorize() -> Response:
    """Revoke the grant of the bearer token (or of a ``token`` form field)."""
    header = request.headers.get("Authorization", "")
    token_value = request.form.get("token") or header.removeprefix("Bearer ").strip()
    if not token_value or not current_app.extensions["clio"].tokens.revoke(token_value):
        return _oauth_error(401, "invalid_token", "Unknown token")
    return Response(status=200)
