"""``billsync doctor``: what an operator gets wrong, each finding with its fix.

The local checks (configuration, database, migrations, the secret key against the stored
tokens) are also what the daemon runs at start: a fatal finding there stops it with the
same words. The network checks (the providers and the webhook URL answer, the clocks
agree) only warn, and only ``doctor`` runs them: a provider that is down now is no
reason to refuse to start, the daemon retries.
"""

from __future__ import annotations

import email.utils
import enum
import smtplib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import peewee
from cryptography.fernet import Fernet, InvalidToken

from billsync.daemon.config import Config
from billsync.daemon.errors import ConfigError
from billsync.daemon.rpc.tls import ServerTls
from billsync.daemon.store import migrations
from billsync.daemon.store.db import open_database

#: Seconds a clock may differ from a provider's before it is worth a look.
CLOCK_TOLERANCE = 30.0
#: Seconds each network check waits for an answer.
NETWORK_TIMEOUT = 10.0
GENERATE_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class Severity(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    FATAL = "fatal"


@dataclass(frozen=True)
class Finding:
    """One check's result: what was found and, when something is wrong, how to fix it."""

    check: str
    severity: Severity
    found: str
    fix: str = ""

    def __str__(self) -> str:
        mark = {Severity.OK: "ok  ", Severity.WARNING: "WARN", Severity.FATAL: "FAIL"}[self.severity]
        return f"[{mark}] {self.check}: {self.found}" + (f"\n       fix: {self.fix}" if self.fix else "")


def _ok(check: str, found: str) -> Finding:
    return Finding(check, Severity.OK, found)


def examine(env: dict[str, str], *, network: bool = True) -> list[Finding]:
    """Every check that applies; the network ones only when ``network``."""
    try:
        config = Config.from_env(env)
    except ConfigError as e:
        return [Finding("configuration", Severity.FATAL, str(e), "set the key as the message says, then run again")]
    findings = list(local_checks(config))
    if network:
        findings += network_checks(config)
    return findings


def refuse_to_start(config: Config) -> None:
    """Raises ConfigError naming every fatal local finding (what the daemon runs at start)."""
    fatal = [f for f in local_checks(config) if f.severity is Severity.FATAL]
    if fatal:
        raise ConfigError("; ".join(f"{f.found} (fix: {f.fix})" for f in fatal))


def local_checks(config: Config) -> Iterator[Finding]:
    yield from _keys(config)
    yield _listening(config)
    yield from _redirect_uris(config.redirect_uris)
    yield from _alerts(config)
    yield _spill_dir(config)
    yield from _database(config)


def _keys(config: Config) -> Iterator[Finding]:
    try:
        Fernet(config.secret_key.encode())
        yield _ok("secret key", "BILLSYNC_SECRET_KEY is a valid key")
    except ValueError:
        yield Finding(
            "secret key",
            Severity.FATAL,
            "BILLSYNC_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes)",
            f"generate one with {GENERATE_KEY}; keep the old one if tokens were saved with it",
        )
    token = config.api_token
    if not token.isascii() or not token.isprintable() or " " in token:
        yield Finding(
            "API token",
            Severity.FATAL,
            "BILLSYNC_API_TOKEN has spaces or characters that cannot travel in a gRPC header",
            "use printable ASCII without spaces, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    elif len(token) < 16:
        yield Finding(
            "API token",
            Severity.WARNING,
            f"BILLSYNC_API_TOKEN has {len(token)} characters: easy to guess",
            "use at least 16 random characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    else:
        yield _ok("API token", "BILLSYNC_API_TOKEN is set")
    for name, key, client_id, secret in (
        ("Clio", "CLIO", config.clio_client_id, config.clio_client_secret),
        ("QuickBooks", "QBO", config.qbo_client_id, config.qbo_client_secret),
    ):
        if client_id and secret:
            yield _ok(f"{name} app", f"BILLSYNC_{key}_CLIENT_ID and _SECRET are set")
        else:
            yield Finding(
                f"{name} app",
                Severity.WARNING,
                f"BILLSYNC_{key}_CLIENT_ID or BILLSYNC_{key}_CLIENT_SECRET is not set: {name} cannot be authorized",
                f"copy both from your {name} developer app (README: 'Pointing it at real Clio and QBO accounts')",
            )


def _listening(config: Config) -> Finding:
    """TLS set-up as the daemon will read it at start: both files of a pair, readable, and
    plaintext only where the traffic cannot leave the machine (or allowed explicitly)."""
    try:
        secure = ServerTls.of(config).credentials(config.address) is not None
    except ConfigError as e:
        return Finding("listening", Severity.FATAL, str(e), "see README, 'TLS and mutual TLS'")
    return _ok("listening", f"{config.address} with {'TLS' if secure else 'plaintext'}")


def _alerts(config: Config) -> Iterator[Finding]:
    """E-mail alerts need a sender, and every alert links to the panel when it knows where it is."""
    if config.smtp_host and not config.smtp_from:
        yield Finding(
            "alerts",
            Severity.WARNING,
            "BILLSYNC_SMTP_HOST is set but BILLSYNC_SMTP_FROM is not: mail servers refuse mail without a sender",
            "set BILLSYNC_SMTP_FROM to the address alerts come from",
        )
    if config.smtp_host and not config.panel_url:
        yield Finding(
            "alerts",
            Severity.WARNING,
            "BILLSYNC_PANEL_URL is not set: alerts cannot link to the page that fixes what they report",
            "set BILLSYNC_PANEL_URL to the panel's public base URL",
        )


def _redirect_uris(allowed: tuple[str, ...]) -> Iterator[Finding]:
    """The panel's callback URLs as the daemon will accept them. Whether each provider's
    app lists the same ones cannot be asked through their APIs: the fix says where to look."""
    register = "register the same URLs in the Clio and Intuit developer apps"
    if not allowed:
        yield Finding(
            "redirect URIs",
            Severity.WARNING,
            "BILLSYNC_REDIRECT_URIS is empty: no connection can be authorized",
            f"set it to the panel's …/oauth/clio/callback and …/oauth/qbo/callback URLs; {register}",
        )
        return
    problems = [p for p in map(_redirect_uri_problem, allowed) if p]
    for found, fix in problems:
        yield Finding("redirect URIs", Severity.WARNING, found, fix or register)
    if not problems:
        yield _ok("redirect URIs", f"{len(allowed)} allowed, e.g. {allowed[0]}")


def _redirect_uri_problem(uri: str) -> tuple[str, str] | None:
    parts = urlsplit(uri)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{uri!r} is not an absolute http(s) URL: no authorization can name it", ""
    if parts.scheme == "http" and not loopback:
        return (
            f"{uri} is plain http: the OAuth code would cross the network readable",
            "serve the panel over https (Intuit refuses http redirect URIs outside localhost)",
        )
    if "*" in uri and not loopback:
        return f"{uri} has a wildcard: any page it matches could receive a grant", "list the two callback URLs exactly"
    return None


def _spill_dir(config: Config) -> Finding:
    """Cycles keep what they read of Clio in files of the spill folder (``clio.spill``)."""
    folder = config.spill_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"billsync")
    except OSError as e:
        return Finding(
            "spill folder",
            Severity.FATAL,
            f"cannot write in {folder}, where each sync keeps what it reads of Clio: {e.strerror or e}",
            "set BILLSYNC_DATA_DIR to a folder the daemon's user may write, on a disk with room for "
            "what a firm's first sync reads",
        )
    return _ok("spill folder", f"{folder} is writable")


def _database(config: Config) -> Iterator[Finding]:
    try:
        db = open_database(config.database_url)
        db.connect(reuse_if_open=True)
        todo = migrations.pending(db)
    except (ConfigError, peewee.DatabaseError, OSError) as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        yield Finding(
            "database",
            Severity.FATAL,
            f"cannot open {_without_password(config.database_url)}: {first_line}",
            "check BILLSYNC_DATABASE_URL, that the server runs and the user may connect",
        )
        return
    if todo:
        yield Finding(
            "database",
            Severity.FATAL,
            f"the database needs {len(todo)} migration(s)",
            "run 'billsync migrate' (with the same BILLSYNC_DATABASE_URL)",
        )
        return
    yield _ok("database", f"{_without_password(config.database_url)} is reachable and up to date")
    yield from _stored_tokens(db, config.secret_key)


def _stored_tokens(db: peewee.Database, key: str) -> Iterator[Finding]:
    """Whether the secret key opens every stored grant: a changed key makes every
    connection need authorization again. (A malformed key is reported once, above.)"""
    try:
        fernet = Fernet(key.encode())
    except ValueError:
        return
    locked = []
    for name, *tokens in db.execute_sql("SELECT name, qbo_tokens, clio_tokens FROM connection").fetchall():
        try:
            for sealed in filter(None, tokens):
                fernet.decrypt(sealed.encode())
        except InvalidToken:
            locked.append(name)
    if locked:
        yield Finding(
            "stored tokens",
            Severity.FATAL,
            f"BILLSYNC_SECRET_KEY cannot decrypt the tokens of {len(locked)} connection(s): {', '.join(locked[:10])}",
            "set BILLSYNC_SECRET_KEY back to the key they were saved with; if it is lost, revoke and authorize again",
        )
    else:
        yield _ok("stored tokens", "the secret key decrypts every stored grant")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def network_checks(config: Config) -> Iterator[Finding]:
    with httpx.Client(timeout=NETWORK_TIMEOUT) as http:
        # Without a token each answers 401: what matters is that something answers, and when.
        yield from _provider(http, "Clio", "BILLSYNC_CLIO_URL", f"{config.clio_url}/api/v4/users/who_am_i.json")
        yield from _provider(
            http, "QuickBooks", "BILLSYNC_QBO_API_URL", f"{config.qbo_api_url}/v3/company/0/companyinfo/0"
        )
        if config.webhook_url:
            yield _webhook(http, config.webhook_url)
    if config.smtp_host:
        yield _smtp(config)


def _smtp(config: Config) -> Finding:
    """Connects to the mail server as alerts will, STARTTLS and login included, sending nothing."""
    where = f"{config.smtp_host}:{config.smtp_port}"
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=NETWORK_TIMEOUT) as smtp:
            if config.smtp_starttls:
                smtp.starttls()
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password)
    except (OSError, smtplib.SMTPException) as e:
        return Finding(
            "mail server",
            Severity.WARNING,
            f"{where}: {e}",
            "check BILLSYNC_SMTP_HOST, _PORT, _STARTTLS, _USER and _PASSWORD",
        )
    return _ok("mail server", f"{where} accepts billsync")


def _provider(http: httpx.Client, name: str, key: str, url: str) -> Iterator[Finding]:
    check = f"{name} API"
    sent = time.time()
    try:
        answer = http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as e:
        yield Finding(check, Severity.WARNING, f"no answer from {url}: {e}", f"check {key} and this host's network")
        return
    midway = (sent + time.time()) / 2
    yield _ok(check, f"{url.split('/', 3)[2]} answers (HTTP {answer.status_code})")
    if date := answer.headers.get("Date"):
        yield _clock(name, email.utils.parsedate_to_datetime(date).timestamp() - midway)


def _clock(name: str, behind: float) -> Finding:
    """``behind``: seconds this host's clock is behind the provider's (negative: ahead)."""
    if abs(behind) <= CLOCK_TOLERANCE:
        return _ok(f"clock against {name}", f"within {CLOCK_TOLERANCE:.0f} s")
    direction = "behind" if behind > 0 else "ahead of"
    return Finding(
        f"clock against {name}",
        Severity.WARNING,
        f"this host's clock is {abs(behind):.0f} s {direction} {name}'s",
        "synchronize it with NTP (e.g. systemd-timesyncd or chrony)",
    )


def _webhook(http: httpx.Client, base: str) -> Finding:
    """Posts an unsigned notification to the public URL: billsync's receiver refuses it
    with its own words, which proves the URL reaches this daemon's receiver."""
    url = f"{base}/webhooks/qbo"
    fix = "check BILLSYNC_WEBHOOK_URL, the proxy in front of BILLSYNC_WEBHOOK_ADDRESS, and that the daemon runs"
    try:
        answer = http.post(url, content=b"{}")
    except httpx.HTTPError as e:
        return Finding("webhook URL", Severity.WARNING, f"no answer from {url}: {e}", fix)
    if answer.status_code in (401, 404) and ("intuit-signature" in answer.text or "BILLSYNC_" in answer.text):
        return _ok("webhook URL", f"{url} reaches billsync's receiver")
    return Finding(
        "webhook URL", Severity.WARNING, f"{url} answers HTTP {answer.status_code}, not billsync's receiver", fix
    )
