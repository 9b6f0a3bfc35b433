"""Transport security of the daemon's API: TLS, mutual TLS, and plaintext kept to loopback.

Every call carries the bearer token, and CompleteAuthorization an OAuth code: in plaintext,
anything that relays the bytes reads both. So neither the daemon nor its clients speak
plaintext beyond this machine unless BILLSYNC_ALLOW_PLAINTEXT says the network is safe.
The daemon's keys are ``Config`` fields; a client's come from the environment (the
panel's from its config, same names). README.md ("Security") shows how to make the files.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from billsync.daemon.config import Config, flag
from billsync.daemon.errors import ConfigError

ALLOW_PLAINTEXT = "BILLSYNC_ALLOW_PLAINTEXT"
#: The keys of a client, in the environment and in the panel's config alike.
CLIENT_KEYS = ("BILLSYNC_TLS_CA", "BILLSYNC_TLS_CLIENT_CERT", "BILLSYNC_TLS_CLIENT_KEY", ALLOW_PLAINTEXT)
#: BILLSYNC_TLS_CA's value for the system's trust store (a daemon with a public certificate).
SYSTEM_ROOTS = "system"


def is_loopback(address: str) -> bool:
    """Whether ``address`` (``host:port``, ``[v6]:port``, ``unix:path``) never leaves this machine."""
    if address.startswith(("unix:", "unix-abstract:")):
        return True
    host = address.removeprefix("dns:///").rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_plaintext(address: str, allowed: bool, doing: str, remedy: str) -> None:
    if not allowed and not is_loopback(address):
        raise ConfigError(
            f"refusing to {doing} {address} in plaintext: the API token and OAuth codes would cross the network "
            f"readable by anyone on the way. Set {remedy} (see README, Security), or {ALLOW_PLAINTEXT}=1 "
            "if the network itself is private and encrypted."
        )


def _read(key: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"{key}: cannot read {path!r} ({e.strerror})") from e


def _pair(cert_key: str, cert: str, key_key: str, key: str) -> tuple[bytes, bytes]:
    """A certificate chain and its private key, read from files named by two keys set together."""
    if bool(cert) != bool(key):
        raise ConfigError(f"{cert_key} and {key_key} go together: set both (or neither)")
    return _read(cert_key, cert), _read(key_key, key)


@dataclass(frozen=True)
class ServerTls:
    """How the daemon listens: certificate and key files (TLS), a client CA bundle
    (mutual TLS: a client must present a certificate it signed), or plaintext."""

    cert: str = ""
    key: str = ""
    client_ca: str = ""
    allow_plaintext: bool = False

    @classmethod
    def of(cls, config: Config) -> ServerTls:
        return cls(config.tls_cert, config.tls_key, config.tls_client_ca, config.allow_plaintext)

    def listen(self, server: grpc.Server, address: str) -> int:
        """Adds the port to ``server``; returns its number (0: could not bind).
        Raises ConfigError, naming the keys, for a configuration that would be unsafe."""
        credentials = self.credentials(address)
        if credentials is None:
            return server.add_insecure_port(address)
        return server.add_secure_port(address, credentials)

    def credentials(self, address: str) -> grpc.ServerCredentials | None:
        """What listening on ``address`` takes (None: plaintext), read from the files now;
        ConfigError, naming the keys, for what is unsafe or unreadable."""
        if not self.cert and not self.key:
            if self.client_ca:
                raise ConfigError("BILLSYNC_TLS_CLIENT_CA needs BILLSYNC_TLS_CERT and BILLSYNC_TLS_KEY too")
            _refuse_plaintext(address, self.allow_plaintext, "listen on", "BILLSYNC_TLS_CERT and BILLSYNC_TLS_KEY")
            return None
        chain, key = _pair("BILLSYNC_TLS_CERT", self.cert, "BILLSYNC_TLS_KEY", self.key)
        return grpc.ssl_server_credentials(
            [(key, chain)],
            root_certificates=_read("BILLSYNC_TLS_CLIENT_CA", self.client_ca) if self.client_ca else None,
            require_client_auth=bool(self.client_ca),
        )


@dataclass(frozen=True)
class ClientTls:
    """How a client dials: the CA bundle that signed the daemon's certificate (TLS), plus a
    certificate and key of its own for a daemon that asks for one (mutual TLS), or plaintext."""

    ca: str = ""
    cert: str = ""
    key: str = ""
    allow_plaintext: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> ClientTls:
        """From the CLIENT_KEYS of ``env``, each replaced by that of ``overrides`` (the
        panel's config) unless None there."""
        given = overrides or {}
        ca, cert, key, plaintext = (env.get(k) if given.get(k) is None else given[k] for k in CLIENT_KEYS)
        return cls(ca or "", cert or "", key or "", flag(plaintext))

    def channel(self, address: str) -> grpc.Channel:
        """A channel to ``address``; ConfigError, naming the keys, for an unsafe configuration."""
        if not self.ca:
            if self.cert or self.key:
                raise ConfigError("BILLSYNC_TLS_CLIENT_CERT and _KEY need BILLSYNC_TLS_CA (the daemon's CA) too")
            _refuse_plaintext(
                address, self.allow_plaintext, "dial", "BILLSYNC_TLS_CA to the CA of the daemon's certificate"
            )
            return grpc.insecure_channel(address)
        chain, key = (
            _pair("BILLSYNC_TLS_CLIENT_CERT", self.cert, "BILLSYNC_TLS_CLIENT_KEY", self.key)
            if self.cert or self.key
            else (None, None)
        )
        roots = None if self.ca == SYSTEM_ROOTS else _read("BILLSYNC_TLS_CA", self.ca)
        credentials = grpc.ssl_channel_credentials(root_certificates=roots, private_key=key, certificate_chain=chain)
        return grpc.secure_channel(address, credentials)
