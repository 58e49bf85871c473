"""Bulk actions on inbox rows (`POST /inbox/bulk`): assign, dispatch (交办), flag 催办/督办, mark alerts read.

The rows' checkboxes and the action bar post here; the engine does the work case by case
(workflow.escalation.bulk: each case its own transaction and audit event, the same checks as one at
a time) and this page shows what happened to each: done, or refused and why — by title, in the
user's language. The request itself is checked first, and a bad one (no case, more than MAX_CASES, a
case id that is no case, no assignee, a deadline that is no date) is a 400 with nothing written.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from web.context import core, me, scope, units, users, viewer
from web.inputs import chinese_date, whole_number
from web.messages import describe
from web.names import person
from web.security import safe_next
from workflow.definitions.roles import ACT, ASSIGN, BE_ASSIGNED, FLAG
from workflow.errors import CaseNotFound, InvalidInput
from workflow.escalation.bulk import DISPATCH, MAX_CASES, Outcome, Report, Target, check_targets

bp = Blueprint("bulk", __name__)
LEVELS = (1, 2)  # 催办, 督办 (挂牌督办 is a decision taken case by case, on the case page)


def offered_actions() -> list[str]:
    """The bulk actions the current user's role may take (the action bar shows only these)."""
    roles, role = core().roles, me().role
    if not (roles.may(role, ASSIGN) or roles.may(role, FLAG)):  # web.access: the route's gate
        return []
    actions = []
    if roles.may(role, ASSIGN):
        actions.append("assign")
    if roles.may(role, ACT) and any(role in t.roles for d in core().registry.all_latest()
                                    for t in d.transitions if t.trigger == DISPATCH):
        actions.append("dispatch")
    if roles.may(role, FLAG):
        actions.append("flag")
    actions.append("read")
    return actions


def assignable_people() -> list[tuple[str, str]]:
    """Everyone who may be given cases in a unit the viewer covers (no one without a unit: they can take no case);
    the engine still checks each case's unit."""
    roles, covered = core().roles, viewer().units
    mine = [u.code for u in units() if covered is None or u.code in covered]
    return [(u.login, u.name) for u in users()
            if u.active and roles.may(u.role, BE_ASSIGNED) and any(scope().covers(u, code) for code in mine)]


def _targets() -> list[Target]:
    raw = request.form.getlist("case")
    if len(raw) > MAX_CASES:  # before looking anything up
        raise InvalidInput("bulk.too_many", count=len(raw), limit=MAX_CASES)
    targets = []
    for item in raw:
        case_id, _sep, version = item.rpartition(":")
        seen = whole_number(version, low=1) if version else None
        if not case_id or seen is None:
            raise InvalidInput("bulk.bad_case", case_id=item[:40])
        targets.append(Target(case_id[:64], seen))
    check_targets(targets)
    for t in targets:  # a forged id refuses the whole request (an existing case out of scope is refused alone)
        try:
            core().cases.get(t.case_id)
        except CaseNotFound:
            raise InvalidInput("bulk.bad_case", case_id=t.case_id[:40]) from None
    return targets


@bp.route("/inbox/bulk", methods=["POST"])
def act() -> str:
    action = request.form.get("action", "")
    if action not in offered_actions():
        raise InvalidInput("bulk.unknown_action", action=action[:20])
    targets = _targets()
    bulk, login = core().escalations.bulk, me().login
    if action == "assign":
        assignee = request.form.get("assignee", "").strip()
        if assignee not in {login for login, _name in assignable_people()}:
            raise InvalidInput("bulk.needs_assignee")
        report = bulk.assign(targets, actor=login, assignee=assignee)
    elif action == "dispatch":
        report = bulk.dispatch(targets, actor=login, measure=request.form.get("measure", ""),
                               deadline=chinese_date(request.form.get("deadline", "").strip()),
                               owner=request.form.get("owner", "").strip() or None)
    elif action == "flag":
        level = whole_number(request.form.get("level"))
        if level not in LEVELS:
            raise InvalidInput("supervision.level", level=repr(request.form.get("level", "")[:10]))
        report = bulk.flag(targets, actor=login, level=level, reason=request.form.get("reason") or None)
    else:
        report = bulk.mark_read(targets, login=login)
    return render_template("inbox/bulk_result.html", report=report, rows=[_row(o) for o in report.outcomes],
                           action_label=_action_label(report), back=_back())


def _row(o: Outcome) -> dict[str, object]:
    """One line of the summary: the case by its title when the user may see it, the outcome, the reason."""
    visible = o.case is not None and scope().can_view(me(), core().cases.definition_of(o.case), o.case.unit)
    return {"id": o.case_id, "title": o.case.title if visible and o.case else None, "link": visible,
            "done": o.done, "reason": describe(o.message) if o.message is not None else "",
            "assignee": person(o.case.assignee) if visible and o.case and o.case.assignee else ""}


def _action_label(report: Report) -> str:
    level = whole_number(request.form.get("level"))
    return {"assign": _("Assign to %(name)s", name=person(request.form.get("assignee", ""))),
            "dispatch": _("Dispatch (交办)"),
            "flag": _("Urge (催办)") if level == 1 else _("Supervise (督办)"),
            "read": _("Mark alerts read")}[report.action]


def _back() -> str:
    target = request.form.get("next")
    return safe_next(target) if target else "/"
