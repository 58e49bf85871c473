"""Per-request helpers: the engine, the read model and who the current user is, computed once per request."""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, g, request
from flask_login import current_user

from workflow.bootstrap import Rectiflow
from workflow.events import format_time
from workflow.engine.policy import Scope
from workflow.ports import Unit, User
from workflow.engine.projection import CaseState
from workflow.reporting.queries import AccessEntry, ReadModel, Viewer, viewer_for


def rf() -> Rectiflow:
    return current_app.extensions["workflow"]  # type: ignore[no-any-return]


def queries() -> ReadModel:
    return current_app.extensions["rectiflow.queries"]  # type: ignore[no-any-return]


def me() -> User:
    return current_user.user  # type: ignore[no-any-return]


def now() -> datetime:
    return rf().clock.now()


def now_text() -> str:
    return format_time(now())


def units() -> list[Unit]:
    if "units" not in g:
        with rf().store.read() as tx:
            g.units = tx.units()
    return g.units  # type: ignore[no-any-return]


def unit_names() -> dict[str, str]:
    return {u.code: u.name for u in units()}


def scope() -> Scope:
    if "scope" not in g:
        g.scope = Scope(units())
    return g.scope  # type: ignore[no-any-return]


def viewer() -> Viewer:
    if "viewer" not in g:
        g.viewer = viewer_for(me(), units(), rf().registry)
    return g.viewer  # type: ignore[no-any-return]


def client_ip() -> str:
    return request.remote_addr or "-"


def record(action: str, *, case_id: str | None = None, outcome: str = "ok", actor: str | None = None,
           **detail: object) -> None:
    """Append to the access log (logins, confidential views, exports, refusals)."""
    who = actor if actor is not None else (me().login if current_user.is_authenticated else "-")
    queries().record_access(AccessEntry(0, now_text(), who, action, case_id, outcome, client_ip(), dict(detail)))


def viewable_case(case_id: str) -> CaseState:
    """The case, if the current user may see it.

    :raise 404: no such case.
    :raise 403: outside the user's units, or a confidential type the role may not see.
    """
    from workflow.errors import CaseNotFound

    try:
        case = rf().service.get(case_id)
    except CaseNotFound:
        abort(404)
    defn = rf().service.definition_of(case)
    if not scope().can_view(me(), defn, case.unit):
        abort(403)
    if defn.confidential:  # every view of a confidential case is itself an audit record
        action = "view_" + (request.endpoint or "?").split(".")[-1]
        record("view_case" if action == "view_show" else action, case_id=case.id, type=case.type)
    return case
