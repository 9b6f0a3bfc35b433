"""The standalone panel's login: a login page over ``UserStore``, throttled per user
name and address, sessions that end (after BILLSYNC_SESSION_HOURS, on log out, on a new
password, on ``billsync web revoke-sessions``), and a CSRF-protected logout. A host app
brings its own login instead.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from billsync.webadmin.forms import ActionForm, LoginForm
from billsync.webadmin.throttle import THROTTLE_FILE, LoginThrottle
from billsync.webadmin.users import User, UserStore

auth = Blueprint("billsync_auth", __name__, template_folder="templates")

#: Session key of the time (seconds since the epoch) its user logged in.
LOGGED_IN_AT = "billsync_logged_in_at"


@dataclass
class AuthState:
    """``app.extensions["billsync_auth"]``: the users file, the throttle and the clock
    (seconds since the epoch; tests replace it to move time without sleeping)."""

    users: UserStore
    throttle: LoginThrottle
    clock: Callable[[], float] = time.time


def init_auth(app: Flask, users: UserStore) -> None:
    """Gives a standalone app its login manager, login page, throttle and session lifetime."""
    manager = LoginManager(app)
    manager.login_view = "billsync_auth.login"
    manager.login_message = "Log in to manage Bill Syncing."
    manager.user_loader(load_user)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=app.config["BILLSYNC_SESSION_HOURS"])
    throttle = LoginThrottle(
        users.path.parent / THROTTLE_FILE,
        free_failures=app.config["BILLSYNC_LOGIN_FREE_FAILURES"],
        max_delay=app.config["BILLSYNC_LOGIN_MAX_DELAY_SECONDS"],
    )
    app.extensions["billsync_auth"] = AuthState(users, throttle)
    app.register_blueprint(auth)


def load_user(user_id: str) -> User | None:
    """flask-login's loader, on every request: the session's user while the session is
    younger than BILLSYNC_SESSION_HOURS and its generation is the user's current one."""
    state: AuthState = current_app.extensions["billsync_auth"]
    logged_in_at = session.get(LOGGED_IN_AT)
    lifetime = current_app.config["BILLSYNC_SESSION_HOURS"] * 3600
    if not isinstance(logged_in_at, (int, float)) or not 0 <= state.clock() - logged_in_at < lifetime:
        return None
    return state.users.load(user_id)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect).

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so a
    ``next`` of ``/%09/evil.example`` (a tab) reaches them as ``//evil.example``, another
    site. A target with any control character, space or backslash is refused, not cleaned.
    """
    if not target or any(c == "\\" or c.isspace() or unicodedata.category(c).startswith("C") for c in target):
        return url_for("billsync.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("billsync.index")
    return target


def throttle_keys(name: str) -> tuple[str, str]:
    """The throttle counts failures per user name and per client address (the proxy's
    forwarded one when BILLSYNC_TRUSTED_PROXIES trusts it)."""
    return f"user:{name.casefold()}", f"address:{request.remote_addr or ''}"


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    state: AuthState = current_app.extensions["billsync_auth"]
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        name = form.username.data.strip()
        keys = throttle_keys(name)
        wait = state.throttle.wait(keys, state.clock())
        if wait:
            seconds = math.ceil(wait)
            form.form_errors.append(f"Too many failed attempts. Try again in {seconds} s.")
            return render_template("billsync/login.html", form=form), 429, {"Retry-After": str(seconds)}
        user = state.users.authenticate(name, form.password.data)
        if user is not None:
            state.throttle.succeeded(keys)
            login_user(user)
            session.permanent = True
            session[LOGGED_IN_AT] = state.clock()
            return redirect(safe_next(request.args.get("next")))
        state.throttle.failed(keys, state.clock())
        form.form_errors.append("Wrong user name or password.")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("billsync/login.html", form=form), status


@auth.post("/logout")
def logout() -> Any:
    """Ends this user's sessions everywhere: a copy of the cookie stops working too."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        current_app.extensions["billsync_auth"].users.revoke_sessions(current_user.name)
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("billsync_auth.login"))
