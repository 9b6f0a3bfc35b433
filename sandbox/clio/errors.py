"""Clio's error answers: ``{"error": {"type": …, "message": …}}`` with the matching status.

Clio's OpenAPI document gives every 4xx the ``Error`` schema; raising :class:`ClioError`
anywhere in a view produces exactly that body, so no view builds an error by hand.
"""

from __future__ import annotations

from flask import Response, jsonify


class ClioError(Exception):
    """An API error to answer with Clio's error body."""

    def __init__(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        response = jsonify({"error": {"type": self.kind, "message": self.message}})
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def bad_request(message: str) -> ClioError:
    return ClioError(400, "BadRequest", message)


def not_found(kind: str, record_id: int) -> ClioError:
    return ClioError(404, "RecordNotFound", f"Couldn't find {kind} with 'id'={record_id}")


def unauthorized(message: str) -> ClioError:
    """401 with the ``WWW-Authenticate`` challenge a bearer-token API sends (RFC 6750)."""
    challenge = f'Bearer error="invalid_token", error_description="{message}"'
    return ClioError(401, "Unauthorized", message, {"WWW-Authenticate": challenge})
