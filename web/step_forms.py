"""The case page's step forms: which steps are offered, who and which units they offer, and files kept.

* Only the steps the user can take now are offered (workflow.cases.offers, via CaseService.available).
* A step that hands the case over (`assigns:`) offers only the people who can take it — who may be
  given cases, may act on this type, and work in the case's unit (or, when the step may also move the
  case, in a unit the user covers); a step that moves the case (`moves_to:`) offers the units the
  user covers, the case's own first.
* Files survive a failed submit: they are stored at once (content-addressed, so nothing is lost if the
  step is never taken) and the form carries a signed reference to each, ticked, instead of asking for
  the upload again. Files of an earlier round may be kept on a re-report the same way.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from web import forms
from web.context import core, me, scope, unit_names, units, users
from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.roles import ACT, BE_ASSIGNED
from workflow.engine.policy import can_see_type
from workflow.errors import WorkflowError
from workflow.events import Event
from workflow.records import CaseState
from workflow.reporting.rounds import file_refs, rounds

SALT = "rectiflow.kept-files"


def offered(case: CaseState) -> list[TransitionSpec]:
    return core().cases.available(case, me().login)


def widgets(defn: Definition, case: CaseState, t: TransitionSpec, events: list[Event]) -> list[forms.Widget]:
    """The step's widgets, with its people and units chosen for this case and user."""
    people = forms.people_options(users(), core().roles)
    out = forms.step_widgets(defn, t, people, [(u.code, u.name) for u in units()])
    for w in out:
        if w.name == t.handoff.assigns:
            w.options = assignable(defn, case, moving=t.handoff.moves_to is not None)
        elif w.name == t.handoff.moves_to:
            w.options = [(code, name) for code, name in covered_units() if code == case.unit] + [
                (code, name) for code, name in covered_units() if code != case.unit]
            w.value = case.unit
        elif w.kind == "file":  # files of earlier rounds that are no longer current: keep them with a tick
            current = {f["sha256"] for f in case.fields.get(w.name) or []}
            w.earlier = _unique([f for r in rounds(events, defn)[:-1] for f in r.files_of(w.name)
                                 if f["sha256"] not in current])
    return out


def assignable(defn: Definition, case: CaseState, *, moving: bool) -> list[tuple[str, str]]:
    """People who can be handed the case: "name · unit" (the unit tells namesakes and places apart)."""
    roles, sc, mine = core().roles, scope(), me()
    names = unit_names()
    out = []
    for u in users():
        if not (u.active and roles.may(u.role, BE_ASSIGNED) and roles.may(u.role, ACT)
                and u.role in defn.roles and can_see_type(roles, u.role, defn)):
            continue
        here = sc.covers(u, case.unit)
        elsewhere = moving and u.unit is not None and sc.covers(mine, u.unit)
        if here or elsewhere:
            out.append((u.login, f"{u.name} · {names.get(u.unit or '', '')}".rstrip(" ·")))
    return out


def covered_units() -> list[tuple[str, str]]:
    sc, mine = scope(), me()
    return [(u.code, u.name) for u in units() if sc.covers(mine, u.code)]


# ---- files kept across a failed submit, and from earlier rounds ---------------------------------------
def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def keep(case: CaseState, trigger: str, refs: list[dict[str, Any]], step_widgets: list[forms.Widget]) -> None:
    """Put a signed reference to each stored file on its widget (shown ticked: 已上传，保留)."""
    signer = _signer()
    for ref in refs:
        token = signer.dumps({"case": case.id, "step": trigger, "user": me().login, "ref": ref})
        for w in step_widgets:
            if w.name == ref["field"]:
                w.kept.append((token, ref))


def kept_files(case: CaseState, trigger: str, defn: Definition, events: list[Event]) -> list[dict[str, Any]]:
    """The stored files the submitted form keeps: signed references (a 400 if forged) and ticked files of
    earlier rounds (looked up on this case, never taken from the form)."""
    signer, out = _signer(), []
    for token in request.form.getlist("kept"):
        try:
            data = signer.loads(token)
        except BadSignature:
            abort(400)
        if (data.get("case"), data.get("step"), data.get("user")) != (case.id, trigger, me().login):
            abort(400)
        out.append(data["ref"])
    chosen = set(request.form.getlist("keep_file"))
    if chosen:
        earlier = [f for r in rounds(events, defn)[:-1] for f in r.files]
        out += file_refs([f for f in _unique(earlier) if f["sha256"] in chosen])
    return _unique(out)


def stage(case: CaseState, trigger: str, files: list[Any], version: int) -> list[dict[str, Any]]:
    """Store the files of a submit that failed, so the form can keep them; [] when they cannot be kept."""
    if not files:
        return []
    try:
        refs, _version = core().cases.stage_files(case.id, trigger, files, version)
    except WorkflowError:
        return []
    return refs


def _unique(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for f in files:
        key = (f["field"], f["sha256"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
