"""The one authorization table: which roles may reach which route.

Every endpoint of the app must appear here — `init_app` refuses to start otherwise — and a
request to an endpoint is checked against it before the view runs: anonymous users are sent
to the login page, other roles get a (logged) 403. Views then check the case itself (unit
scope, confidential types) and the engine checks the step (role, state, guards).
The tests generate the full route × role matrix from this same table.
"""
from __future__ import annotations

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

ALL_ROLES = frozenset({"registrar", "handler", "unit_head", "supervisor", "leader", "auditor", "admin"})
CASE_READERS = ALL_ROLES - {"admin"}
ACTORS = CASE_READERS - {"auditor"}
ASSIGNERS = frozenset({"registrar", "handler", "unit_head", "supervisor"})  # claim, assign, return
PUBLIC = None  # reachable without logging in

# endpoint -> roles allowed (PUBLIC: anyone, logged in or not)
ROUTES: dict[str, frozenset[str] | None] = {
    "static": PUBLIC,
    "vendor": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ALL_ROLES,
    "i18n.switch": PUBLIC,
    "inbox.index": ALL_ROLES,
    "alerts.index": ALL_ROLES,
    "alerts.mark_read": ALL_ROLES,
    "cases.show": CASE_READERS,
    "cases.attachment": CASE_READERS,
    "cases.fire": ACTORS,
    "cases.comment": ACTORS,
    "cases.assign": ASSIGNERS,
    "cases.give_back": ASSIGNERS,
    "cases.new": ACTORS,
    "cases.flag": frozenset({"supervisor", "leader"}),
    "cases.unflag": frozenset({"supervisor", "leader"}),
    "cases.definition": ALL_ROLES,
    "history.case_history": CASE_READERS,
    "history.audit": frozenset({"auditor"}),
    "history.audit_export": frozenset({"auditor"}),
    "history.access_log": frozenset({"auditor"}),
    "dashboard.index": CASE_READERS,
    "dashboard.export": CASE_READERS,
    "admin.index": frozenset({"admin"}),
    "admin.add_user": frozenset({"admin"}),
    "admin.add_unit": frozenset({"admin"}),
    "admin.end_sessions": frozenset({"admin"}),
}


def init_app(app: Flask) -> None:
    missing = sorted(rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint not in ROUTES)
    if missing:
        raise RuntimeError(f"routes without an entry in web.access.ROUTES: {', '.join(missing)}")
    app.before_request(check_route)


def check_route():  # type: ignore[no-untyped-def]
    if request.endpoint is None:  # no such route: let the 404 handler answer
        return None
    allowed = ROUTES.get(request.endpoint, frozenset())
    if allowed is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    if current_user.user.role not in allowed:
        abort(403)
    return None
