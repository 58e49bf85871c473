"""Per-request helpers: the core application, the read model and who the current user is, once per request."""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, g, request
from flask_login import current_user

from workflow.bootstrap import Application
from workflow.engine.policy import Scope
from workflow.errors import CaseNotFound
from workflow.events import format_time
from workflow.ports import ReadModel
from workflow.read_side import AccessEntry
from workflow.records import CaseState, Unit, User
from workflow.reporting.queries import Viewer, viewer_for


def core() -> Application:
    """The engine this web app runs on (workflow.bootstrap.Application), built once per process."""
    return current_app.extensions["workflow"]


def queries() -> ReadModel:
    return core().queries


def me() -> User:
    return current_user.user


def may(capability: str) -> bool:
    """Whether the current user's role has `capability` (definitions/roles.yaml)."""
    return current_user.is_authenticated and core().roles.may(me().role, capability)


def now() -> datetime:
    return core().clock.now()


def now_text() -> str:
    return format_time(now())


def units() -> list[Unit]:
    if "units" not in g:
        g.units = core().directory.units()
    return g.units


def users() -> list[User]:
    if "users" not in g:
        g.users = core().directory.users()
    return g.users


def unit_names() -> dict[str, str]:
    return {u.code: u.name for u in units()}


def scope() -> Scope:
    if "scope" not in g:
        g.scope = Scope(units(), core().roles)
    return g.scope


def viewer() -> Viewer:
    if "viewer" not in g:
        g.viewer = viewer_for(me(), units(), core().registry)
    return g.viewer


def client_ip() -> str:
    return request.remote_addr or "-"


def log_access(action: str, *, case_id: str | None = None, outcome: str = "ok", actor: str | None = None,
               **detail: object) -> None:
    """Append to the access log (logins, confidential views, exports, refusals)."""
    who = actor if actor is not None else (me().login if current_user.is_authenticated else "-")
    queries().record_access(AccessEntry(0, now_text(), who, action, case_id, outcome, client_ip(), dict(detail)))


def viewable_case(case_id: str) -> CaseState:
    """The case, if the current user may see it.

    :raise 404: no such case.
    :raise 403: outside the user's units, or a confidential type the role may not see.
    """
    try:
        case = core().cases.get(case_id)
    except CaseNotFound:
        abort(404)
    defn = core().cases.definition_of(case)
    if not scope().can_view(me(), defn, case.unit):
        abort(403)
    if defn.confidential:  # every view of a confidential case is itself an audit record
        action = "view_" + (request.endpoint or "?").split(".")[-1]
        log_access("view_case" if action == "view_show" else action, case_id=case.id, type=case.type)
    return case
