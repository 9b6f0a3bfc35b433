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
from typing import Any

from cryptography.fernet import Fernet

from billsync.daemon.errors import ConfigError
from billsync.locations import DEFAULT_ADDRESS, default_data_dir, read_or_create

#: The values of BILLSYNC_LOG_FORMAT, the default first.
LOG_FORMATS = ("text", "json")


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
    #: How many cycles step at once (``turns``); a cycle that waits holds none.
    workers: int = 4
    #: The base URL at which providers reach the receiver listening on ``webhook_address``
    #: (e.g. behind a proxy); when set, Clio webhooks are subscribed to ``<it>/webhooks/clio/<token>``.
    webhook_url: str = ""
    #: ``host:port`` of the Prometheus endpoint (``observe.metrics``); none when empty.
    metrics_address: str = ""
    #: How log lines are written: one of LOG_FORMATS (``observe.logs``).
    log_format: str = "text"
    #: The only redirect URIs an authorization may name (exact, or with ``*`` wildcards):
    #: the panel's callback URLs, as registered with both providers' apps.
    redirect_uris: tuple[str, ...] = ()
    #: Alerts (``daemon/alerts``): where e-mail is sent from, and the panel's base URL that
    #: messages link to; e-mail recipients need ``smtp_host``.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    panel_url: str = ""
    #: TLS of the API (``rpc.tls``): certificate and key files, and the CA bundle that
    #: signs client certificates (mutual TLS); plaintext only on loopback unless allowed.
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    allow_plaintext: bool = False

    @property
    def spill_dir(self) -> Path:
        """Where cycles keep what they read of Clio until they plan it (``clio.spill``)."""
        return self.data_dir / "spill"

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
            time_scale=_number(env, "BILLSYNC_TIME_SCALE", float, 1.0),
            qbo_app_url=env.get("BILLSYNC_QBO_APP_URL", "https://app.qbo.intuit.com").rstrip("/"),
            workers=_number(env, "BILLSYNC_WORKERS", int, 4),
            webhook_url=env.get("BILLSYNC_WEBHOOK_URL", "").rstrip("/"),
            metrics_address=env.get("BILLSYNC_METRICS_ADDRESS", ""),
            log_format=_choice(env, "BILLSYNC_LOG_FORMAT", LOG_FORMATS),
            redirect_uris=tuple(env.get("BILLSYNC_REDIRECT_URIS", "").replace(",", " ").split()),
            smtp_host=env.get("BILLSYNC_SMTP_HOST", ""),
            smtp_port=_number(env, "BILLSYNC_SMTP_PORT", int, 587),
            smtp_user=env.get("BILLSYNC_SMTP_USER", ""),
            smtp_password=env.get("BILLSYNC_SMTP_PASSWORD", ""),
            smtp_from=env.get("BILLSYNC_SMTP_FROM", ""),
            smtp_starttls=_choice(env, "BILLSYNC_SMTP_STARTTLS", ("1", "0")) == "1",
            panel_url=env.get("BILLSYNC_PANEL_URL", "").rstrip("/"),
            tls_cert=env.get("BILLSYNC_TLS_CERT", ""),
            tls_key=env.get("BILLSYNC_TLS_KEY", ""),
            tls_client_ca=env.get("BILLSYNC_TLS_CLIENT_CA", ""),
            allow_plaintext=flag(env.get("BILLSYNC_ALLOW_PLAINTEXT")),
        )


def flag(value: object) -> bool:
    """A yes/no key: unset, empty, ``0``, ``false``, ``no`` and ``off`` are no (a bool is itself)."""
    return str(value or "").strip().lower() not in ("", "0", "false", "no", "off")


def _choice(env: dict[str, str], key: str, choices: tuple[str, ...]) -> str:
    """``env[key]``, one of ``choices`` (the first when unset); ConfigError naming the key otherwise."""
    value = env.get(key) or choices[0]
    if value not in choices:
        raise ConfigError(f"{key} must be {' or '.join(choices)}, not {value[:40]!r}")
    return value


def _number(env: dict[str, str], key: str, kind: type[int] | type[float], default: float) -> Any:
    """``env[key]`` as a positive number of ``kind``; ConfigError naming the key otherwise."""
    text = env.get(key) or ""
    try:
        value = kind(text) if text else default
    except ValueError:
        value = 0
    if value <= 0:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{key} must be {what} above 0, not {text[:40]!r}")
    return value
