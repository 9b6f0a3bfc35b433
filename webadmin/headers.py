"""The headers every page of the panel carries: what the browser may load and run on it,
that no other site may frame it (Revoke and Purge must not be clicked through someone
else's page), and that nobody's browser or proxy keeps a copy of it.
"""

from __future__ import annotations

from flask import current_app, request
from werkzeug.wrappers import Response

#: Scripts and styles come from the panel's static files only: no inline script, no
#: ``eval``, no other origin. No ``form-action``: Chromium applies it to the redirect that
#: follows a form, and "Connect" redirects to the provider's consent page.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Browsers remember to use https only for a year once they saw this over https.
HSTS = "max-age=31536000"


def secure_headers(response: Response) -> Response:
    """``after_request``: the headers above; no-store for everything but the static files
    (the pages show a firm's clients and carry CSRF tokens); HSTS when cookies are Secure."""
    response.headers.update(HEADERS)
    if request.endpoint != "billsync.static":
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["BILLSYNC_SECURE_COOKIES"]:
        response.headers["Strict-Transport-Security"] = HSTS
    return response
