"""Idle timeout and absolute lifetime of a logged-in session (等保: 登录连接超时自动退出).

The login stamps the session with when it began (`login_at`) and every request with when it was last
used (`seen_at`), both from the core's clock (so tests move time, and RECTIFLOW_NOW drills too). A
request that comes after `RECTIFLOW_SESSION_IDLE_MINUTES` without use, or `RECTIFLOW_SESSION_MAX_HOURS`
after the login, ends the session and goes to the login page with a message saying why. A session
without the stamps (made before this check existed) is ended too. The stamps are in the signed
cookie: a client cannot move them, and logout's token rotation still ends every copy at once.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.wrappers import Response

from web.context import core, now, now_text
from workflow.events import parse_time

UNTIMED = frozenset({"static", "vendor"})  # files: neither end a session nor count as using it


def init_app(app: Flask) -> None:
    app.before_request(expire_session)


def stamp_login() -> None:
    """At login (after the session was cleared): the session begins now."""
    session["login_at"] = session["seen_at"] = now_text()


def expire_session() -> Response | None:
    if "_user_id" not in session or request.endpoint in UNTIMED:
        return None
    settings, moment = core().settings, now()
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    message = None
    if not login_at or not seen_at:
        message = _("Your session has ended. Please log in again.")
    elif moment - parse_time(login_at) >= timedelta(hours=settings.session_max_hours):
        message = _("You have been logged in for %(hours)d hours, the longest a session may last. Please log in "
                    "again.", hours=settings.session_max_hours)
    elif moment - parse_time(seen_at) >= timedelta(minutes=settings.session_idle_minutes):
        message = _("Your session ended after %(minutes)d minutes without activity. Please log in again.",
                    minutes=settings.session_idle_minutes)
    if message is None:
        session["seen_at"] = now_text()
        return None
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(message, "info")
    if request.endpoint == "auth.login":
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
