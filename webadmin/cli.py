"""``billsync web``: serves the panel on its own, and manages its users.

``web`` is a click group the main CLI registers (``main.add_command(web)``):
``billsync web`` serves; ``billsync web create-user NAME`` asks for a password.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from billsync.locations import default_data_dir, read_or_create
from billsync.webadmin.users import UserStore

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: In demo mode (BILLSYNC_DEMO=1) with no users yet, this user is created and its
#: password kept in the data directory, so the demo needs no set-up.
DEMO_USER, DEMO_PASSWORD_FILE = "demo", "web-demo-password"


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"expected HOST:PORT, like 127.0.0.1:8080, not {listen!r}", param_hint="--listen")
    return host.strip("[]"), int(port)


def demo_login(users: UserStore, data_dir: Path) -> str | None:
    """The demo's login line, creating the demo user on first start; None outside demo mode."""
    if os.environ.get("BILLSYNC_DEMO", "") in ("", "0", "false"):
        return None
    password = read_or_create(data_dir / DEMO_PASSWORD_FILE, secrets.token_urlsafe(12))
    if users.get(DEMO_USER) is None:
        users.set_password(DEMO_USER, password)
    return f"log in as {DEMO_USER!r} with password {password!r}"


@click.group(invoke_without_command=True)
@click.option(
    "--data-dir",
    envvar="BILLSYNC_DATA_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_data_dir,
    show_default="~/.local/share/billsync",
    help="Where the panel keeps its users and session key.",
)
@click.option(
    "--listen", envvar="BILLSYNC_WEB_LISTEN", default="127.0.0.1:8080", show_default=True, help="HOST:PORT to serve on."
)
@click.option("--address", envvar="BILLSYNC_ADDRESS", help="The daemon's host:port (default 127.0.0.1:50051).")
@click.option(
    "--secure-cookies/--insecure-cookies",
    default=None,
    help="Secure session cookie (needs https). Default: secure unless listening on a loopback address.",
)
@click.option(
    "--trusted-proxies",
    envvar="BILLSYNC_TRUSTED_PROXIES",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="How many reverse proxies in front append to X-Forwarded-For (whose address the login throttle then uses).",
)
@click.option(
    "--session-hours",
    envvar="BILLSYNC_SESSION_HOURS",
    type=click.FloatRange(min=0, min_open=True),
    default=12.0,
    show_default=True,
    help="Hours a login lasts before the user logs in again.",
)
@click.pass_context
def web(
    ctx: click.Context,
    data_dir: Path,
    listen: str,
    address: str | None,
    secure_cookies: bool | None,
    trusted_proxies: int,
    session_hours: float,
) -> None:
    """Serve the Bill Syncing admin panel (or manage its users)."""
    ctx.obj = UserStore(data_dir)
    if ctx.invoked_subcommand is not None:
        return
    from billsync.serving import AddressInUse, bind
    from billsync.webadmin.standalone import create_app

    host, port = split_listen(listen)
    secure = host not in LOOPBACK if secure_cookies is None else secure_cookies
    app = create_app(
        data_dir,
        BILLSYNC_DAEMON_ADDRESS=address,
        BILLSYNC_SECURE_COOKIES=secure,
        BILLSYNC_TRUSTED_PROXIES=trusted_proxies,
        BILLSYNC_SESSION_HOURS=session_hours,
    )
    try:
        server = bind(app, host, port, threads=8, ident="billsync")
    except AddressInUse as e:
        raise click.ClickException(f"{e}: the panel is already running (or another program holds that port)")
    login = demo_login(ctx.obj, data_dir)
    if login:
        import threading

        from billsync.daemon.rpc.client import DaemonClient
        from billsync.webadmin.demo import connect_demo_firm

        client = DaemonClient(address, actor="demo")
        threading.Thread(
            target=connect_demo_firm, args=(client, f"http://{listen}"), name="demo-connect", daemon=True
        ).start()
    click.echo(f"billsync web admin on http://{listen}/" + (f" — {login}" if login else ""), err=True)
    if not ctx.obj.names():
        click.echo("no users yet: create one with 'billsync web create-user NAME'", err=True)
    server.run()


@web.command("create-user")
@click.argument("name")
@click.password_option(help="The password (asked twice when not given).")
@click.pass_obj
def create_user(users: UserStore, name: str, password: str) -> None:
    """Create a panel user, or set a new password for one."""
    existed = users.get(name) is not None
    try:
        users.set_password(name, password)
    except ValueError as e:
        raise click.BadParameter(str(e)) from e
    click.echo(f"{'changed the password of (and logged out)' if existed else 'created'} user {name}")


@web.command("revoke-sessions")
@click.argument("name")
@click.pass_obj
def revoke_sessions(users: UserStore, name: str) -> None:
    """Log a panel user out everywhere: every session they have stops working."""
    if not users.revoke_sessions(name):
        raise click.BadParameter(f"there is no user {name!r}")
    click.echo(f"ended every session of user {name}")


@web.command("delete-user")
@click.argument("name")
@click.pass_obj
def delete_user(users: UserStore, name: str) -> None:
    """Delete a panel user."""
    if not users.delete(name):
        raise click.BadParameter(f"there is no user {name!r}")
    click.echo(f"deleted user {name}")


@web.command("list-users")
@click.pass_obj
def list_users(users: UserStore) -> None:
    """List the panel's users."""
    click.echo("\n".join(users.names()) or "no users")
