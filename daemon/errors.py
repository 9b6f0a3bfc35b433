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


class PermissionDenied(BillsyncError):
    """The caller may not do this."""


class Unavailable(BillsyncError):
    """A provider could not be reached; trying again later may work."""


class Unimplemented(BillsyncError):
    """The contract has the RPC; this build does not do it yet."""
