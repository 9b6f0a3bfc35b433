"""Bearer authentication and Clio's per-token rate limit, in front of every API call.

Clio rate-limits API v4 per access token: 50 requests per 60-second window at peak, every
response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(a unix time when the window ends), and a refused request gets 429 with ``Retry-After``
seconds (docs.developers.clio.com/api-docs/rate-limits). The window is scaled by the
configured time scale, so ``Retry-After`` and ``X-RateLimit-Reset`` are in real seconds.
"""

from __future__ import annotations

import math
import time

from flask import Response, current_app, g, request

from billsync.sandbox.clio.errors import ClioError, unauthorized


def authenticate() -> None:
    """Check the bearer token and count the request against its rate limit.

    Raises:
        ClioError: 401 for a missing, unknown, revoked or expired token; 429 when the
            token has used up its window.
    """
    sandbox = current_app.extensions["clio"]
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise unauthorized("Missing bearer token")
    token = header[len("Bearer ") :].strip()
    problem = sandbox.tokens.check(token)
    if problem:
        raise unauthorized(problem)
    g.token = token
    wait = sandbox.limiter.try_acquire(token)
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        raise ClioError(
            429,
            "RateLimited",
            f"Rate limit exceeded. Retry in {retry_after} seconds.",
            {"Retry-After": str(retry_after), **_limit_headers(token, retry_after)},
        )


def add_limit_headers(response: Response) -> Response:
    """Put the rate-limit headers on every answer to an authenticated request."""
    token = g.get("token")
    if token and "X-RateLimit-Limit" not in response.headers:
        response.headers.update(_limit_headers(token, None))
    return response


def _limit_headers(token: str, retry_after: int | None) -> dict[str, str]:
    limiter = current_app.extensions["clio"].limiter
    window_end = time.time() + (retry_after if retry_after is not None else limiter.window)
    return {
        "X-RateLimit-Limit": str(limiter.limit.count),
        "X-RateLimit-Remaining": str(limiter.remaining(token)),
        "X-RateLimit-Reset": str(math.ceil(window_end)),
    }
