"""The daemon's configuration, read once from the environment.

Every key is documented in README.md ("Configuration"). Demo mode exists so that the
README's product command needs no set-up: it generates the secrets it would otherwise
refuse to start without, and keeps them in the data directory.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from billsync.daemon.errors import ConfigError
from billsync.locations import DEFAULT_ADDRESS, default_data_dir, read_or_create


@dataclass(frozen=True)
class Config:
    """What the daemon needs to start; see README.md for each key."""

    address: str
    data_dir: Path
    database_url: str
    api_token: str
    secret_key: str
    demo: bool
    clio_url: str
    clio_client_id: str
    clio_client_secret: str
    qbo_api_url: str
    qbo_authorize_url: str
    qbo_token_url: str
    qbo_revoke_url: str
    qbo_client_id: str
    qbo_client_secret: str
    webhook_address: str
    qbo_webhook_verifier: str
    #: Divides every provider rate window, matching the emulators' setting, so benchmarks
    #: against a time-scaled sandbox run at the scaled ceiling (1 for real providers).
    time_scale: float = 1.0
    qbo_app_url: str = "https://app.qbo.intuit.com"
    workers: int = 4
    #: The base URL at which providers reach the receiver listening on ``webhook_address``
    #: (e.g. behind a proxy); when set, Clio webhooks are subscribed to ``<it>/webhooks/clio/<token>``.
    webhook_url: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        """Reads BILLSYNC_* keys; raises ConfigError naming any missing secret."""
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("BILLSYNC_DATA_DIR") or default_data_dir())
        demo = env.get("BILLSYNC_DEMO", "") not in ("", "0", "false")
        api_token = env.get("BILLSYNC_API_TOKEN") or (
            demo and read_or_create(data_dir / "api-token", secrets.token_urlsafe(32))
        )
        secret_key = env.get("BILLSYNC_SECRET_KEY") or (
            demo and read_or_create(data_dir / "secret.key", Fernet.generate_key().decode())
        )
        missing = [k for k, v in (("BILLSYNC_API_TOKEN", api_token), ("BILLSYNC_SECRET_KEY", secret_key)) if not v]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} must be set (or BILLSYNC_DEMO=1 for a throwaway demo); "
                "generate a secret key with: "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            )
        qbo_oauth = env.get("BILLSYNC_QBO_OAUTH_URL", "")
        return cls(
            address=env.get("BILLSYNC_ADDRESS", DEFAULT_ADDRESS),
            data_dir=data_dir,
            database_url=env.get("BILLSYNC_DATABASE_URL") or f"sqlite:///{data_dir / 'billsync.db'}",
            api_token=api_token,
            secret_key=secret_key,
            demo=demo,
            clio_url=env.get("BILLSYNC_CLIO_URL", "https://app.clio.com").rstrip("/"),
            clio_client_id=env.get("BILLSYNC_CLIO_CLIENT_ID", ""),
            clio_client_secret=env.get("BILLSYNC_CLIO_CLIENT_SECRET", ""),
            qbo_api_url=env.get("BILLSYNC_QBO_API_URL", "https://quickbooks.api.intuit.com").rstrip("/"),
            qbo_authorize_url=qbo_oauth + "/connect/oauth2"
            if qbo_oauth
            else "https://appcenter.intuit.com/connect/oauth2",
            qbo_token_url=qbo_oauth + "/oauth2/v1/tokens/bearer"
            if qbo_oauth
            else "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            qbo_revoke_url=qbo_oauth + "/v2/oauth2/tokens/revoke"
            if qbo_oauth
            else "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
            qbo_client_id=env.get("BILLSYNC_QBO_CLIENT_ID", ""),
            qbo_client_secret=env.get("BILLSYNC_QBO_CLIENT_SECRET", ""),
            webhook_address=env.get("BILLSYNC_WEBHOOK_ADDRESS", ""),
            qbo_webhook_verifier=env.get("BILLSYNC_QBO_WEBHOOK_VERIFIER", ""),
            time_scale=float(env.get("BILLSYNC_TIME_SCALE") or 1.0),
            qbo_app_url=env.get("BILLSYNC_QBO_APP_URL", "https://app.qbo.intuit.com").rstrip("/"),
            workers=int(env.get("BILLSYNC_WORKERS") or 4),
            webhook_url=env.get("BILLSYNC_WEBHOOK_URL", "").rstrip("/"),
        )
