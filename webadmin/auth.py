"""The standalone panel's login: a login page over ``UserStore``, throttled per user
name and address, and a CSRF-protected logout. A host app brings its own login instead.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, login_user, logout_user

from billsync.webadmin.forms import ActionForm, LoginForm
from billsync.webadmin.users import UserStore

auth = Blueprint("billsync_auth", __name__, template_folder="templates")


@dataclass
class LoginThrottle:
    """At most ``max_failures`` failed logins per key within ``window`` seconds.

    In memory: ``billsync web`` is one process, and a restart forgetting the count
    costs an attacker a restart they cannot cause.
    """

    max_failures: int
    window: float
    clock: Any = time.monotonic
    _failures: dict[tuple[str, str], deque] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: tuple[str, str]) -> deque:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= self.clock() - self.window:
            failures.popleft()
        return failures

    def wait(self, key: tuple[str, str]) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < self.max_failures:
                return 0.0
            return failures[0] + self.window - self.clock()

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            failures = self._recent(key)
            failures.append(self.clock())
            self._failures[key] = failures

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


@dataclass(frozen=True)
class AuthState:
    """``app.extensions["billsync_auth"]``: the users file and the throttle."""

    users: UserStore
    throttle: LoginThrottle


def init_auth(app: Flask, users: UserStore) -> None:
    """Gives a standalone app its login manager, login page and throttle."""
    manager = LoginManager(app)
    manager.login_view = "billsync_auth.login"
    manager.login_message = "Log in to manage Bill Syncing."
    manager.user_loader(users.get)
    app.extensions["billsync_auth"] = AuthState(
        users, LoginThrottle(app.config["BILLSYNC_LOGIN_MAX_FAILURES"], app.config["BILLSYNC_LOGIN_WINDOW_SECONDS"])
    )
    app.register_blueprint(auth)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("billsync.index")


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    state: AuthState = current_app.extensions["billsync_auth"]
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        key = (form.username.data.strip().casefold(), request.remote_addr or "")
        wait = state.throttle.wait(key)
        if wait:
            form.form_errors.append(f"Too many failed attempts. Try again in {max(1, round(wait / 60))} minute(s).")
            return render_template("billsync/login.html", form=form), 429
        user = state.users.authenticate(form.username.data.strip(), form.password.data)
        if user is not None:
            state.throttle.succeeded(key)
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        state.throttle.failed(key)
        form.form_errors.append("Wrong user name or password.")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("billsync/login.html", form=form), status


@auth.post("/logout")
def logout() -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("billsync_auth.login"))
