"""The case page and its actions: fire a trigger, comment, claim/assign/return, files, registration.

Views are thin: parse the form → one engine call → redirect (or the page again with the errors
next to their fields). A stale form — someone acted first — is a 409 with a clear message.
"""
from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web import acceptance_form, forms, step_forms
from web.auth import safe_next
from web.context import core, me, now, scope, unit_names, units, users, viewable_case
from web.i18n import lang
from web.inputs import whole_number
from web.messages import describe
from workflow.definitions.diagram import mermaid
from workflow.definitions.model import Definition
from workflow.definitions.roles import BE_ASSIGNED
from workflow.errors import ConcurrencyConflict, InvalidInput, NotAllowed, UnknownCaseType
from workflow.messages import Message
from workflow.records import CaseState
from workflow.reporting.presenters import case_summary, closing_event
from workflow.reporting.rounds import rounds, standing_returns

bp = Blueprint("cases", __name__)


@lru_cache(maxsize=256)
def diagram(name: str, version: int, language: str, current: str | None) -> str:
    return mermaid(core().registry.get(name, version), language, current)


def _people() -> list[tuple[str, str]]:
    return forms.people_options(users(), core().roles)


def _unit_options() -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in units()]


def _version() -> int:
    version = whole_number(request.form.get("version"))
    if version is None:
        abort(400)
    return version


@bp.route("/cases/<case_id>")
def show(case_id: str, widgets: dict[str, list[forms.Widget]] | None = None, open_trigger: str | None = None,
         status: int = 200, typed_checks: dict[str, dict[int, dict[str, Any]]] | None = None) -> tuple[str, int]:
    case = viewable_case(case_id)
    defn = core().cases.definition_of(case)
    events, _state = core().cases.history(case.id)
    mine = step_forms.offered(case)
    forms_by_step = {t.trigger: (widgets or {}).get(t.trigger) or step_forms.widgets(defn, case, t, events)
                     for t in mine}
    offered = {t.trigger for t in mine}
    return render_template(
        "cases/show.html", case=case, defn=defn, summary=case_summary(case, defn, now(), core().calendar),
        events=events, comments=[e for e in events if e.payload.get("comment") or e.payload.get("reason")],
        mine=mine, others=[t for t in defn.transitions_from(case.state) if t.trigger not in offered],
        step_forms=forms_by_step, open_trigger=open_trigger, unit_names=unit_names(),
        diagram=diagram(defn.name, defn.version, lang(), case.state), limits=forms.limits(_max_bytes()),
        assignees=_assignees(case), returns=standing_returns(events, defn), rounds=rounds(events, defn),
        closing=closing_event(events, case, core().registry.outcome(defn.name, defn.version, case.state)),
        checklists=acceptance_form.checklists(defn, case, mine, typed_checks),
    ), status


def _assignees(case: CaseState) -> list[tuple[str, str]]:
    sc, roles = scope(), core().roles
    return [(u.login, u.name) for u in users()
            if u.active and roles.may(u.role, BE_ASSIGNED) and sc.covers(u, case.unit)]


def _max_bytes() -> int:
    return core().cases.max_attachment_bytes


@bp.route("/cases/<case_id>/fire/<trigger>", methods=["POST"])
def fire(case_id: str, trigger: str) -> Response | tuple[str, int]:
    case = viewable_case(case_id)
    defn = core().cases.definition_of(case)
    spec = defn.transition(case.state, trigger)
    expected = _version()
    if spec is None or me().role not in spec.roles:
        if expected != case.version:  # the form was made for a state the case has left
            raise ConcurrencyConflict("stale form")
        abort(403)
    events, _state = core().cases.history(case.id)
    widgets = step_forms.widgets(defn, case, spec, events)
    kept = step_forms.kept_files(case, trigger, defn, events)
    values, files, ok = forms.parse(widgets, request.form, request.files, _max_bytes(),
                                    kept=frozenset(f["field"] for f in kept))
    comment = request.form.get("comment", "")
    checks = acceptance_form.parse(request.form, acceptance_form.checklists(defn, case, [spec]).get(trigger))
    if spec.comment == "required" and not comment.strip():
        ok = False
        flash(_("This step needs a comment (the reason)."), "error")
    if ok:
        try:
            core().cases.advance(case.id, trigger, actor=me().login, fields=values, attachments=files,
                                 comment=comment or None, expected_version=expected, kept=kept, checks=checks)
        except (NotAllowed, InvalidInput) as err:
            if not forms.error_for(err, widgets):  # with the case type, fields and choices go by their labels
                flash(describe(Message(err.code, {"case_type": case.type, **err.params})), "error")
        else:
            flash(_("Done: %(step)s.", step=spec.label.get(lang()) or trigger), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    # Nothing typed or chosen is lost: the values go back into the form, the files are kept by reference.
    step_forms.keep(case, trigger, kept + step_forms.stage(case, trigger, files, expected), widgets)
    for w in widgets:
        if w.kind == "file":
            w.earlier = [f for f in w.earlier if f["sha256"] not in {r["sha256"] for _t, r in w.kept}]
    return show(case.id, widgets={trigger: widgets}, open_trigger=trigger, status=422, typed_checks={trigger: checks})


@bp.route("/cases/<case_id>/comment", methods=["POST"])
def comment(case_id: str) -> Response:
    case = viewable_case(case_id)
    core().cases.add_comment(case.id, actor=me().login, text=request.form.get("text", ""),
                             expected_version=_version())
    flash(_("Comment added."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/cases/<case_id>/assign", methods=["POST"])
def assign(case_id: str) -> Response:
    """Claim (assign yourself), assign or reassign; an empty assignee takes the case back to the queue."""
    case = viewable_case(case_id)
    assignee = request.form.get("assignee", "").strip() or None
    core().cases.assign(case.id, actor=me().login, assignee=assignee, expected_version=_version())
    flash(_("Claimed.") if assignee == me().login else _("Assignment saved."), "success")
    return redirect(_back(case.id))


@bp.route("/cases/<case_id>/return", methods=["POST"])
def return_to_queue(case_id: str) -> Response:
    case = viewable_case(case_id)
    core().cases.return_to_queue(case.id, actor=me().login, reason=request.form.get("reason", ""),
                                 expected_version=_version())
    flash(_("Returned to the unit queue."), "success")
    return redirect(_back(case.id))


def _back(case_id: str) -> str:
    target = request.form.get("next")
    return safe_next(target) if target else url_for("cases.show", case_id=case_id)


@bp.route("/cases/<case_id>/flag", methods=["POST"])
def flag(case_id: str) -> Response:
    """Put the case under supervision: 1 催办, 2 督办, 3 挂牌督办 (audited; alerts the unit chain)."""
    case = viewable_case(case_id)
    level = whole_number(request.form.get("level")) or 0  # 0 and blank: refused by the engine with its message
    core().escalations.supervision.flag(case.id, actor=me().login, level=level,
                                        reason=request.form.get("reason") or None, expected_version=_version())
    flash(_("Supervision flag set."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/cases/<case_id>/unflag", methods=["POST"])
def unflag(case_id: str) -> Response:
    case = viewable_case(case_id)
    core().escalations.supervision.unflag(case.id, actor=me().login, reason=request.form.get("reason") or None,
                         expected_version=_version())
    flash(_("Supervision flag removed."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/cases/<case_id>/files/<sha256>")
def attachment(case_id: str, sha256: str) -> Response:
    case = viewable_case(case_id)
    files = [f for v in case.fields.values() if isinstance(v, list) for f in v
             if isinstance(f, dict) and f.get("sha256") == sha256]
    data = core().blobs.get(sha256) if files else None
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=files[0]["name"])


@bp.route("/cases/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int] | str:
    # The types this person may register: never one only a campaign opens (a plan measure, an assessment).
    openable = [d for d in core().registry.all_latest() if me().role in (d.openers or d.roles)
                and d.opened_by == "people" and (not d.visible_to or me().role in d.visible_to)]
    chosen = request.values.get("type")
    defn = next((d for d in openable if d.name == chosen), None)
    if defn is None:
        if chosen:
            abort(404)
        return render_template("cases/new.html", openable=openable, defn=None)
    widgets = forms.intake_widgets(defn, _people(), _unit_options())
    my_units = [(u.code, u.name) for u in units() if scope().covers(me(), u.code)]
    ctx: dict[str, Any] = {"openable": openable, "defn": defn, "widgets": widgets, "units": my_units,
                           "limits": forms.limits(_max_bytes()), "form": request.form,
                           "default_unit": me().unit,  # a case is usually registered in one's own unit
                           "campaigns": core().campaigns.titles()}
    if request.method == "GET":
        return render_template("cases/new.html", **ctx)
    return _register(defn, widgets, ctx)


def _register(defn: Definition, widgets: list[forms.Widget], ctx: dict[str, Any]) -> Response | tuple[str, int]:
    values, files, ok = forms.parse(widgets, request.form, request.files, _max_bytes())
    title = request.form.get("title", "").strip()
    if not title:
        ok = False
        ctx["title_error"] = _("This field is required.")
    if ok:
        try:
            case = core().cases.open_case(defn.name, actor=me().login, title=title,
                                          unit=request.form.get("unit") or None, fields=values, attachments=files,
                                          comment=request.form.get("comment") or None,
                                          campaign=_campaign_choice(ctx["campaigns"]))
        except (NotAllowed, InvalidInput) as err:
            if not forms.error_for(err, widgets):  # with the case type, fields and choices go by their labels
                flash(describe(Message(err.code, {"case_type": defn.name, **err.params})), "error")
        else:
            flash(_("Case registered."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/new.html", **ctx), 422


CAMPAIGN_CHOICE = "case_campaign"  # not "campaign": a case type may have a field of that name (a measure's plan key)


def _campaign_choice(campaigns: dict[str, str]) -> str | None:
    """The intake form's campaign (none: the unit's one active campaign). :raise 400: not a loaded campaign."""
    key = request.form.get(CAMPAIGN_CHOICE) or None
    if key is not None and key not in campaigns:
        abort(400)
    return key


@bp.route("/definitions/<name>")
def definition(name: str) -> str:
    try:
        defn = core().registry.latest(name)
    except UnknownCaseType:
        abort(404)
    return render_template("cases/definition.html", defn=defn, diagram=diagram(defn.name, defn.version, lang(), None))
