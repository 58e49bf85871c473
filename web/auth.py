"""Logging in and out, changing one's password: argon2 passwords, throttled failures, renewed sessions,
server-side logout, idle and absolute session limits (web.session_limits).

Sessions carry ``login:session_token`` (Flask-Login's "alternative token"); the user loader
compares the token with the one stored on the user, so rotating it at logout makes every copy
of the old cookie worthless (a cookie-only session would stay valid after logout, and "remember
me" would outlive a disabled account). A password change, a reset and disabling the account rotate
it too. Failed logins are counted and locked atomically *before* any password is hashed
(workflow.directory.throttle), so a flood of guesses costs no CPU. A user whose password an
administrator reset is sent to the password page after logging in and can reach nothing else until
they have chosen a new one.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from web import session_limits
from web.context import client_ip, core, log_access
from web.messages import describe
from web.security import safe_next
from web.session_limits import stamp_login
from workflow.directory.passwords import MAX_LENGTH, MIN_LENGTH
from workflow.directory.throttle import Locked
from workflow.errors import WorkflowError
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


# What a user whose password was reset may still reach before choosing a new one.
BEFORE_PASSWORD_CHANGE = frozenset({"auth.change_password", "auth.logout", "auth.login", "static", "vendor",
                                    "i18n.switch"})


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    session_limits.init_app(app)  # before the password-change check: an expired session goes to the login page
    app.before_request(require_password_change)


def require_password_change() -> Response | None:
    """After an administrator's reset the user can do nothing but choose a new password (or log out)."""
    if (current_user.is_authenticated and current_user.user.must_change_password
            and request.endpoint not in BEFORE_PASSWORD_CHANGE):
        return redirect(url_for("auth.change_password"))
    return None


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
    # Counted and, when locked, refused before any hashing; hashes even for unknown logins (timing).
    user = core().logins.login(username, password, client_ip())
    if isinstance(user, Locked):
        flash(locked_message(user), "error")
        return render_template("auth/login.html", username=username), 429
    if user is None:
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", username=username), 401
    lang = session.get("lang")
    session.clear()  # a fresh session at login: nothing from before survives (fixation)
    if lang:
        session["lang"] = lang
    session["sid"] = secrets.token_urlsafe(16)
    session.permanent = True
    login_user(WebUser(user))
    stamp_login()
    log_access("login", actor=user.login)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(safe_next(request.args.get("next")))


LIMITS = (MIN_LENGTH, MAX_LENGTH)
# Which field of the form a refusal is about.
PASSWORD_FIELDS = {"directory.wrong_password": "current", "directory.password_length": "new",
                   "directory.password_unchanged": "new", "directory.passwords_differ": "repeat"}


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Response | str | tuple[str, int]:
    """Every user's own password change: the current one, then the new one twice."""
    forced = current_user.user.must_change_password
    if request.method == "GET":
        return render_template("auth/password.html", forced=forced, errors={}, limits=LIMITS)
    f = request.form
    try:
        user = core().directory.change_password(current_user.user.login, current=f.get("current", ""),
                                                new=f.get("new", ""), repeat=f.get("repeat", ""), ip=client_ip())
    except WorkflowError as err:
        errors = {PASSWORD_FIELDS.get(err.code, ""): describe(err)}
        return render_template("auth/password.html", forced=forced, errors=errors, limits=LIMITS), 400
    login_user(WebUser(user))  # this session goes on under the new token; every other session has ended
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("inbox.index"))


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


def locked_message(locked: Locked) -> str:
    """When the lock ends, as HH:MM in the calendar's zone (Beijing time)."""
    until = locked.until.astimezone(core().calendar.tzinfo).strftime("%H:%M")
    if locked.scope == "login":
        return _("This account is locked after too many failed logins. Try again after %(time)s.", time=until)
    return _("Too many failed logins from this address. Try again after %(time)s.", time=until)
