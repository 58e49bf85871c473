"""Logging in and out: argon2 passwords, throttled failures, renewed sessions, server-side logout.

Sessions carry ``login:session_token`` (Flask-Login's "alternative token"); the user loader
compares the token with the one stored on the user, so rotating it at logout makes every copy
of the old cookie worthless (a cookie-only session would stay valid after logout, and "remember
me" would outlive a disabled account). Failed logins are counted in the
access log and checked *before* any password is hashed, so a flood of guesses costs no CPU.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from web.context import client_ip, core, log_access, now, queries
from workflow.events import format_time
from workflow.records import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class WebUser(UserMixin):
    """The engine's user as Flask-Login sees it; the id includes the revocable session token."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.login}:{self.user.session_token}"

    @property
    def is_active(self) -> bool:
        return self.user.active


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(user_id: str) -> WebUser | None:
    login, sep, token = user_id.partition(":")
    if not sep or not token:
        return None
    user = core().directory.user(login)
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None  # unknown, disabled, or logged out since (token rotated)
    return WebUser(user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("inbox.index"))
    if request.method == "GET":
        return render_template("auth/login.html")
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    if throttled(username):
        log_access("login", actor=username or "-", outcome="throttled")
        flash(_("Too many failed attempts. Wait a few minutes and try again."), "error")
        return render_template("auth/login.html", username=username), 429
    user = core().directory.authenticate(username, password)  # hashes even for unknown logins (timing)
    if user is None:
        log_access("login", actor=username or "-", outcome="failed")
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", username=username), 401
    lang = session.get("lang")
    session.clear()  # a fresh session at login: nothing from before survives (fixation)
    if lang:
        session["lang"] = lang
    session["sid"] = secrets.token_urlsafe(16)
    session.permanent = True
    login_user(WebUser(user))
    log_access("login", actor=user.login)
    return redirect(safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    login = current_user.user.login
    core().directory.end_sessions(login)  # every outstanding cookie of this user stops working now
    log_access("logout", actor=login)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def throttled(username: str) -> bool:
    cfg = current_app.config
    since = format_time(now() - timedelta(minutes=cfg["LOGIN_THROTTLE_MINUTES"]))
    by_login, by_ip = queries().failures_since(actor=username or "-", ip=client_ip(), since=since)
    return by_login >= cfg["LOGIN_FAILURES_PER_LOGIN"] or by_ip >= cfg["LOGIN_FAILURES_PER_IP"]


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would turn the login page into a phishing aid."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("inbox.index")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("inbox.index")
