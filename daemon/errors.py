"""Domain errors. The server turns each into a gRPC status code in one place (server.py)."""

from __future__ import annotations


class BillsyncError(Exception):
    """Base of every error a caller can act on; the message is shown to people."""


class ConfigError(BillsyncError):
    """The daemon cannot start with the configuration it was given."""


class InvalidArgument(BillsyncError):
    """The request itself is wrong; the message names the field."""


class NotFound(BillsyncError):
    """No such connection or link."""


class FailedPrecondition(BillsyncError):
    """The request is fine but the connection's state forbids it now."""


class AuthorizationLost(FailedPrecondition):
    """A provider no longer accepts the connection's tokens (revoked, expired, invalid_grant,
    or granted for another company than the connection's).

    Retrying cannot help; a person must authorize billsync again. The connection keeps
    every link, so syncing resumes without duplicates once they do. ``reason`` replaces
    the generic message when the provider said more.
    """

    def __init__(self, provider: str, reason: str = "") -> None:
        name = {"qbo": "QuickBooks", "clio": "Clio"}.get(provider, provider)
        super().__init__(reason or f"{name} access was revoked or expired; authorize again")
        self.provider = provider


class PermissionDenied(BillsyncError):
    """The caller may not do this."""


class Unauthenticated(BillsyncError):
    """The call carries no token, or one that is unknown or revoked."""


class Unavailable(BillsyncError):
    """A provider could not be reached; trying again later may work."""
