"""Administration: users and units (add, end a user's sessions) and the loaded definitions.

Administrators manage the directory only: they cannot see or act on cases, and the audit log
has no edit path anywhere in the UI.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import core, log_access, units, users
from web.messages import describe
from workflow.errors import InvalidInput, NotFound

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
def index() -> str:
    return render_template("admin/index.html", users=users(), units=units(), roles=sorted(core().roles),
                           role_labels={k: r.label for k, r in core().roles.items()},
                           definitions=core().registry.all_latest())


@bp.route("/users", methods=["POST"])
def add_user() -> Response:
    f = request.form
    try:
        core().directory.add_user(f.get("login", "").strip(), role=f.get("role", ""), unit=f.get("unit") or None,
                                name=f.get("name") or None, password=f.get("password") or None)
    except (InvalidInput, NotFound) as err:
        flash(describe(err), "error")
    else:
        log_access("add_user", login=f.get("login", ""), role=f.get("role", ""))
        flash(_("User added."), "success")
    return redirect(url_for("admin.index"))


@bp.route("/units", methods=["POST"])
def add_unit() -> Response:
    f = request.form
    try:
        core().directory.add_unit(f.get("code", "").strip(), name=f.get("name") or None, parent=f.get("parent") or None)
    except (InvalidInput, NotFound) as err:
        flash(describe(err), "error")
    else:
        log_access("add_unit", code=f.get("code", ""))
        flash(_("Unit added."), "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<login>/end-sessions", methods=["POST"])
def end_sessions(login: str) -> Response:
    if core().directory.end_sessions(login):
        log_access("end_sessions", login=login)
        flash(_("All sessions of %(login)s have been ended.", login=login), "success")
    return redirect(url_for("admin.index"))
