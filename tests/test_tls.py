"""The daemon's API over TLS and mutual TLS, and plaintext kept to loopback (issue 17).

A real daemon serves a throwaway PKI's certificate (tests/certs.py); the attacker of the
issue is a byte relay on the path between a client and the daemon.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest

from billsync.daemon.config import Config
from billsync.daemon.errors import ConfigError
from billsync.daemon.process import Daemon
from billsync.daemon.rpc.client import ClientTls, DaemonClient, DaemonError
from billsync.daemon.rpc.tls import ServerTls, is_loopback
from billsync.v1 import billsync_pb2 as pb
from tests.certs import Pki, make_pki
from tests.harness import stop_in_process

OAUTH_CODE = "oauth-code-that-must-not-leak"


@pytest.fixture
def pki(tmp_path) -> Pki:
    return make_pki(tmp_path / "pki")


@contextmanager
def serving(config: Config) -> Iterator[str]:
    """A daemon of ``config`` on a free port of 127.0.0.1; yields its address."""
    daemon = Daemon(config)
    daemon.start()
    try:
        yield f"127.0.0.1:{daemon.port}"
    finally:
        stop_in_process(daemon, grace=0.5)


@pytest.fixture
def tls_address(config, db, pki) -> Iterator[str]:
    """A daemon serving TLS only."""
    with serving(dataclasses.replace(config, tls_cert=pki.server_cert, tls_key=pki.server_key)) as address:
        yield address


@pytest.fixture
def mtls_address(config, db, pki) -> Iterator[str]:
    """A daemon serving TLS only, to clients with a certificate its client CA signed."""
    tls = {"tls_cert": pki.server_cert, "tls_key": pki.server_key, "tls_client_ca": pki.ca}
    with serving(dataclasses.replace(config, **tls)) as address:
        yield address


def test_a_tls_client_is_served_and_a_plaintext_one_is_not(tls_address, config, pki):
    with DaemonClient(tls_address, token=config.api_token, tls=ClientTls(ca=pki.ca)) as client:
        assert client.create_connection("Over TLS").name == "Over TLS"
    with DaemonClient(tls_address, token=config.api_token, tls=ClientTls()) as plaintext:
        with pytest.raises(DaemonError) as refused:
            plaintext.list_connections()
    assert refused.value.unreachable


def test_mutual_tls_refuses_a_client_without_a_certificate(mtls_address, config, pki, tmp_path):
    signed = ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    with DaemonClient(mtls_address, token=config.api_token, tls=signed) as client:
        assert client.list_connections().connections == []
    stranger = make_pki(tmp_path / "stranger")  # a certificate the daemon's client CA did not sign
    for tls in (ClientTls(ca=pki.ca), ClientTls(ca=pki.ca, cert=stranger.client_cert, key=stranger.client_key)):
        with DaemonClient(mtls_address, token=config.api_token, tls=tls, timeout=5) as client:
            with pytest.raises(DaemonError) as refused:
                client.list_connections()
        assert refused.value.unreachable


def billsync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "billsync", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_cli_works_over_mutual_tls(mtls_address, config, pki):
    env = {
        **os.environ,
        "BILLSYNC_ADDRESS": mtls_address,
        "BILLSYNC_API_TOKEN": config.api_token,
        "BILLSYNC_TLS_CA": pki.ca,
        "BILLSYNC_TLS_CLIENT_CERT": pki.client_cert,
        "BILLSYNC_TLS_CLIENT_KEY": pki.client_key,
    }
    created = billsync("connections", "create", "Smith & Jones LLP", env=env)
    assert created.returncode == 0, created.stderr
    listed = billsync("connections", env=env)
    assert "Smith & Jones LLP" in listed.stdout
    without_certificate = {k: v for k, v in env.items() if not k.startswith("BILLSYNC_TLS_CLIENT_")}
    assert billsync("connections", env=without_certificate).returncode == 3


class Relay:
    """A TCP relay between clients and the daemon that keeps a copy of every byte, as
    anything on the network path could."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.captured = bytearray()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            host, port = self.target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    self.captured += data
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def close(self) -> None:
        self.listener.close()


def call_through(relay: Relay, token: str, tls: ClientTls) -> bytes:
    """What the relay captures of a call with the token and of an OAuth code exchange."""
    with DaemonClient(relay.address, token=token, tls=tls) as client:
        client.list_connections()
        with pytest.raises(DaemonError):  # the state is not one this daemon issued
            client.complete_authorization(
                pb.PROVIDER_CLIO, state="made-up", code=OAUTH_CODE, redirect_uri="http://127.0.0.1:9/callback"
            )
    return bytes(relay.captured)


@pytest.mark.parametrize("secure", [True, False], ids=["tls", "plaintext-on-loopback"])
def test_a_relay_on_the_path_reads_the_token_and_code_only_in_plaintext(secure, request, config, pki):
    """The issue's attack: over TLS the relay learns neither; in plaintext (which proves it
    sees the traffic) it reads both."""
    target = request.getfixturevalue("tls_address" if secure else "address")
    relay = Relay(target)
    try:
        captured = call_through(relay, config.api_token, ClientTls(ca=pki.ca) if secure else ClientTls())
    finally:
        relay.close()
    assert len(captured) > 1000
    leaked = config.api_token.encode() in captured, OAUTH_CODE.encode() in captured
    assert leaked == ((False, False) if secure else (True, True))


@pytest.mark.parametrize(
    "address, loopback",
    [
        ("127.0.0.1:50051", True),
        ("127.8.9.10:1", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("unix:/run/billsync.sock", True),
        ("0.0.0.0:50051", False),
        ("[::]:50051", False),
        ("10.0.0.7:50051", False),
        ("billsync.internal:50051", False),
    ],
)
def test_what_counts_as_loopback(address, loopback):
    assert is_loopback(address) == loopback


def test_the_daemon_refuses_to_listen_in_plaintext_beyond_loopback():
    server = grpc.server(thread_pool=None)
    with pytest.raises(ConfigError, match="BILLSYNC_ALLOW_PLAINTEXT=1") as refused:
        ServerTls().listen(server, "0.0.0.0:0")
    assert "BILLSYNC_TLS_CERT" in str(refused.value)
    assert ServerTls(allow_plaintext=True).listen(server, "0.0.0.0:0") > 0


def test_clients_refuse_to_dial_another_host_in_plaintext(config):
    with pytest.raises(DaemonError, match="BILLSYNC_ALLOW_PLAINTEXT=1") as refused:
        DaemonClient("10.0.0.7:50051", token="t", tls=ClientTls())
    assert "BILLSYNC_TLS_CA" in str(refused.value)
    DaemonClient("10.0.0.7:50051", token="t", tls=ClientTls(allow_plaintext=True)).close()
    shell = billsync("--address", "10.0.0.7:50051", "connections", env={**os.environ, "BILLSYNC_API_TOKEN": "t"})
    assert shell.returncode == 1
    assert "BILLSYNC_ALLOW_PLAINTEXT=1" in shell.stderr and "Traceback" not in shell.stderr


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"cert": "server.pem"}, "BILLSYNC_TLS_KEY"),
        ({"client_ca": "ca.pem"}, "BILLSYNC_TLS_CERT"),
        ({"cert": "/nonexistent.pem", "key": "/nonexistent.key"}, "BILLSYNC_TLS_CERT"),
    ],
)
def test_an_incomplete_or_unreadable_daemon_tls_configuration_names_the_key(settings, key):
    with pytest.raises(ConfigError, match=key):
        ServerTls(**settings).listen(grpc.server(thread_pool=None), "127.0.0.1:0")
