"""Settings of one emulated Clio account: OAuth client, limits, faults, filters, clock, persistence."""

from __future__ import annotations

from dataclasses import dataclass, field

from billsync.sandbox.faults import FaultConfig

#: Clio access tokens live 30 days (docs.developers.clio.com/api-docs/authorization).
THIRTY_DAYS = 30 * 24 * 3600


@dataclass
class ClioConfig:
    """How the Clio emulator behaves; the admin API can change limits, faults, filters and clock while it runs.

    Attributes:
        client_id: the only OAuth client the emulator knows.
        client_secret: its secret, sent in the form body of ``/oauth/token`` as Clio expects.
        account_name: the firm's name, shown by ``who_am_i`` and on the consent page.
        account_id: the firm's Clio account id.
        user_name: the Clio user who "approves" the consent page.
        user_email: that user's email.
        rate_limit_per_minute: requests per token per (scaled) minute; Clio's peak is 50.
        time_scale: divides every rate-limit window, so tests and benchmarks need not wait
            whole minutes (10 means a "minute" lasts 6 seconds).
        token_lifetime_seconds: access token lifetime, reported as ``expires_in``.
        faults: injected 5xx, slow answers and dropped connections on ``/api/v4``.
        state_file: JSON file the records and tokens are kept in across restarts, or None.
        webhook_timeout: seconds the emulator waits for a webhook receiver to answer.
        inclusive_since: ``updated_since``/``created_since`` also match records stamped at
            exactly the given time. Off by default: Clio's OpenAPI document describes both as
            "Filter Bill records to those having the `updated_at` field after a specific time"
            (GET /bills.json, and alike for every list); on, for clients that must cope with
            either reading of "since".
        clock_offset_seconds: moves the account's clock (the ``updated_at``/``created_at`` it
            stamps, the ``Date`` header) this far from the wall clock, so a test can order
            changes in time, or make Clio's clock lag behind, without waiting.
    """

    client_id: str = "sandbox-clio-client"
    client_secret: str = "sandbox-clio-secret"
    account_name: str = "Sandbox Law LLP"
    account_id: int = 1
    user_name: str = "Avery Counsel"
    user_email: str = "avery@sandbox-law.example"
    rate_limit_per_minute: int = 50
    time_scale: float = 1.0
    token_lifetime_seconds: int = THIRTY_DAYS
    faults: FaultConfig = field(default_factory=FaultConfig)
    state_file: str | None = None
    webhook_timeout: float = 5.0
    inclusive_since: bool = False
    clock_offset_seconds: int = 0
