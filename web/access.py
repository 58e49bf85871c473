"""The one authorization table: what a role must be able to do to reach each route.

Every endpoint of the app must appear in `ROUTES` — `init_app` refuses to start otherwise — with
the capabilities (definitions/roles.yaml) of which a role needs one, `ANY_ROLE` for every logged-in
user, or `PUBLIC`. A request to an endpoint is checked against it before the view runs: anonymous
users are sent to the login page, other roles get a (logged) 403. Views then check the case itself
(unit scope, confidential types) and the engine checks the step (role, state, guards).
The tests generate the full route × role matrix from `allowed_roles`, the same table.
"""
from __future__ import annotations

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from web.context import core
from workflow.definitions.roles import (
    ACT,
    ADMINISTER_ACCOUNTS,
    ASSIGN,
    AUDIT,
    CLAIM,
    FLAG,
    GRANT_ROLES,
    IMPORT_LEDGER,
    READ,
    READ_ALL,
    WITNESS,
    RoleBook,
)

PUBLIC = None  # reachable without logging in
ANY_ROLE = ("*",)  # every logged-in user, whatever their role may do
CASE_READERS = (READ, READ_ALL)
# 三员分立: the system administrator (accounts) and the security administrator (roles) share the
# administration pages, each seeing and posting only what their power allows; the audit administrator
# reads the logs (AUDIT) and nothing else.
ACCOUNTS = (ADMINISTER_ACCOUNTS,)
ADMINISTRATORS = (ADMINISTER_ACCOUNTS, GRANT_ROLES)

# endpoint -> the capabilities of which a role needs one (PUBLIC: anyone, logged in or not)
ROUTES: dict[str, tuple[str, ...] | None] = {
    "static": PUBLIC,
    "vendor": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ANY_ROLE,
    "auth.change_password": ANY_ROLE,
    "i18n.switch": PUBLIC,
    "inbox.index": ANY_ROLE,
    "alerts.index": ANY_ROLE,
    "alerts.mark_read": ANY_ROLE,
    # bulk actions: the roles that assign (unit heads, registrars, supervisors) or flag (supervisors, leaders);
    # the engine checks every case as if acted on alone (dispatch: the step's roles)
    "bulk.act": (ASSIGN, FLAG),
    "filters.save": CASE_READERS,
    "filters.delete": CASE_READERS,
    "cases.show": CASE_READERS,
    "cases.attachment": CASE_READERS,
    "cases.fire": (ACT,),
    "cases.comment": (ACT,),
    "cases.assign": (CLAIM,),
    "cases.return_to_queue": (CLAIM,),
    "cases.new": (ACT,),
    "cases.flag": (FLAG,),
    "cases.unflag": (FLAG,),
    "cases.definition": ANY_ROLE,
    "history.case_history": CASE_READERS,
    "history.audit": (AUDIT,),
    "history.audit_export": (AUDIT,),
    "history.access_log": (AUDIT,),
    "witness.checkpoints": (AUDIT,),  # reading the checkpoints is reading the log
    "witness.download_note": (AUDIT,),
    "witness.download_proof": (AUDIT,),
    "witness.upload": (WITNESS,),  # witnessing changes records: the audit administrator's power alone
    "witness.add_key": (WITNESS,),
    "dashboard.index": CASE_READERS,
    "dashboard.export": CASE_READERS,
    "dashboard.cases": CASE_READERS,
    "dashboard.charts": CASE_READERS,
    "exports.inbox_ledger": CASE_READERS,
    "exports.dashboard_ledger": CASE_READERS,
    "exports.audit_xlsx": (AUDIT,),
    "ledger.import_": (IMPORT_LEDGER,),
    "ledger.confirm": (IMPORT_LEDGER,),
    "ledger.template": (IMPORT_LEDGER,),
    "documents.index": (FLAG,),  # reports for supervisors and leaders
    "documents.bulletin": (FLAG,),
    "documents.campaign_report": (FLAG,),
    "documents.case_print": CASE_READERS,
    "documents.case_form": CASE_READERS,
    # Campaign pages (web.campaigns): the plan's checklist for every case reader (scoped to their units); the
    # progress report and 通报 for supervisors and leaders, like /reports; 集中填报 for the roles that assign
    # work (registrar, unit head, supervisor: their own units), the spot check for supervisors and leaders (the
    # engine then lets only a role of the step fire it).
    "campaigns.index": CASE_READERS,
    "campaigns.plan": CASE_READERS,
    "campaigns.report": (FLAG,),
    "campaigns.bulletin": (FLAG,),
    "campaigns.declarations": (ASSIGN,),
    "campaigns.issue": (ASSIGN,),
    "campaigns.spot_check": (FLAG,),
    "assessment.page": (FLAG,),  # 评估验收: the scores per unit (web.assessment)
    "assessment.record": (FLAG,),
    "admin.index": ADMINISTRATORS,
    "admin.add_user": ACCOUNTS,
    "admin.add_unit": ACCOUNTS,
    "admin.end_sessions": ACCOUNTS,
    "admin.user": ADMINISTRATORS,
    "admin.change_user": ACCOUNTS,
    "admin.change_role": (GRANT_ROLES,),
    "admin.unlock_user": (GRANT_ROLES,),
    "admin.disable_user": ACCOUNTS,
    "admin.enable_user": ACCOUNTS,
    "admin.reset_password": ACCOUNTS,
}


def allowed_roles(endpoint: str, roles: RoleBook) -> frozenset[str] | None:
    """The roles that may reach `endpoint` (None: anyone, logged in or not)."""
    needed = ROUTES.get(endpoint, ())
    if needed is None:
        return PUBLIC
    if needed == ANY_ROLE:
        return frozenset(roles)
    return frozenset(r for r in roles if any(roles.may(r, c) for c in needed))


def init_app(app: Flask) -> None:
    missing = sorted(rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint not in ROUTES)
    if missing:
        raise RuntimeError(f"routes without an entry in web.access.ROUTES: {', '.join(missing)}")
    app.before_request(check_route)


def check_route():
    if request.endpoint is None:  # no such route: let the 404 handler answer
        return None
    allowed = allowed_roles(request.endpoint, core().roles)
    if allowed is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    if current_user.user.role not in allowed:
        abort(403)
    return None
