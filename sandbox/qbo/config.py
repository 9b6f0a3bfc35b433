"""Settings of one QBO emulator instance, all changeable at runtime through the admin API.

Every duration is given in *real-service* seconds and divided by ``time_scale`` when
used, so a benchmark at ``time_scale=60`` meets the same limits in a "minute" of one
second, and token expiry can be tested in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billsync.sandbox.faults import FaultConfig

#: The realm (company id) seeded at start; a made-up number shaped like a real one.
DEFAULT_REALM_ID = "9341453172847561"
#: OAuth client credentials the emulator accepts unless configured otherwise.
DEFAULT_CLIENT_ID = "billsync-sandbox-client"
DEFAULT_CLIENT_SECRET = "billsync-sandbox-secret"


@dataclass
class QBOConfig:
    """Configuration of :func:`billsync.sandbox.qbo.app.create_app`.

    Attributes:
        realm_id: company seeded at start (more can be seeded through the admin API).
        client_id: the only OAuth client the consent page and token endpoint accept.
        client_secret: its secret (HTTP Basic on the token and revoke endpoints).
        time_scale: divides every window and lifetime (limits, tokens, webhook delay).
        access_token_lifetime: seconds an access token lives (QBO: 3600).
        refresh_token_lifetime: seconds a refresh token lives (QBO: 100 days).
        refresh_grace: seconds a rotated-out refresh token keeps working (QBO: 24 h).
        limits_enabled: turn the throttles off for benchmarks of other components.
        requests_per_minute: per-realm request ceiling (QBO: 500).
        requests_per_second: per-realm request ceiling a second (QBO: 10, "10 requests per
            second, per realm ID and app", developer.intuit.com, *API call limits and
            throttles*).
        max_concurrent: per-realm requests in flight (QBO: 10).
        batch_per_minute: per-realm batch requests ceiling (QBO: 40).
        batch_max_items: operations in one batch (QBO: 30).
        cdc_max_days: how far back CDC may look (QBO: 30); None disables the check.
        faults: fault injection settings.
        webhook_delay: seconds changes are gathered before one webhook delivery.
        execution_limit: seconds a request may execute (here: be held) before it times out.
        state_file: JSON file the companies are loaded from and saved to.
        seed: seed the default company at start.
        kind: what company ``reset`` and the start seed (``--region``): one of
            :class:`billsync.sandbox.qbo.regions.CompanyKind`, "us" by default.
        multicurrency: seed that company with multicurrency on (``--multicurrency``).
    """

    realm_id: str = DEFAULT_REALM_ID
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    time_scale: float = 1.0
    access_token_lifetime: float = 3600.0
    refresh_token_lifetime: float = 100 * 86400.0
    refresh_grace: float = 86400.0
    limits_enabled: bool = True
    requests_per_minute: int = 500
    requests_per_second: int = 10
    max_concurrent: int = 10
    batch_per_minute: int = 40
    batch_max_items: int = 30
    cdc_max_days: int | None = 30
    faults: FaultConfig = field(default_factory=FaultConfig)
    webhook_delay: float = 1.0
    #: "Any requests that take longer than 120 seconds to execute will time out"
    #: (developer.intuit.com, *API call limits and throttles*).
    execution_limit: float = 120.0
    state_file: str | None = None
    seed: bool = True
    kind: str = "us"
    multicurrency: bool = False

    def scaled(self, seconds: float) -> float:
        """Real seconds that ``seconds`` of service time last under ``time_scale``."""
        return seconds / self.time_scale
