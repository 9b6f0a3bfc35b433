"""Playing the person at the consent page: approve an authorization in either emulator.

The demo and the tests use it to go through the real OAuth flow without a browser: the
consent form is posted back with ``decision=approve`` exactly as its button would, and
the redirect the emulator answers with is where a browser would go next.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx


def approve(authorize_url: str, timeout: float = 10.0, **choices: str) -> str:
    """Approves the consent page at ``authorize_url``; returns the callback URL (with the code).

    ``choices`` are the page's other fields, e.g. ``realmId`` for the QBO company to connect.
    """
    url = urlsplit(authorize_url)
    form = dict(parse_qsl(url.query)) | choices | {"decision": "approve"}
    response = httpx.post(f"{url.scheme}://{url.netloc}{url.path}", data=form, timeout=timeout)
    if response.status_code not in (301, 302, 303):
        raise RuntimeError(f"the consent page did not redirect (HTTP {response.status_code}): {response.text[:200]}")
    return response.headers["location"]


def callback_params(callback_url: str) -> dict[str, str]:
    """The query parameters of a callback URL: code, state, and realmId for QBO."""
    return dict(parse_qsl(urlsplit(callback_url).query))
