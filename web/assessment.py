"""The campaign's 评估验收 page: each unit's score on the plan's indicators, with totals, and the scoring form.

- `GET /campaigns/<key>/assessment` shows the table (units by name, indicators by their Chinese labels, the
  latest score of each with who gave it, when and why, the total of each unit out of the plan's maximum) and,
  for those who may score, a form. Supervisors and leaders (`flag`), like the progress report.
- `POST /campaigns/<key>/assessment` records one score through workflow.campaigns.assessment — the call
  `rectiflow campaign assess` makes; the engine checks the actor may score, the indicator, unit and range.
The plan page (web.campaigns) shows the same totals in short (`summary`).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import core, me, unit_names
from web.messages import describe
from web.names import people
from workflow.campaigns.assessment import ASSESSMENT_TYPE, Assessments
from workflow.documents.formats import label
from workflow.errors import NotFound, WorkflowError

bp = Blueprint("assessment", __name__)


def summary(key: str) -> dict[str, Any] | None:
    """The plan's assessment as a page shows it (names and labels), or None when it has no indicators."""
    data = Assessments(core().cases).scores(key)
    if not data["indicators"]:
        return None
    names, who = unit_names(), people()
    indicators = [{"id": i["id"], "label": label(i["label"], "zh", i["id"]), "max": i["max_score"]}
                  for i in data["indicators"]]
    rows = [{"code": u["unit"], "unit": names.get(u["unit"], ""), "total": u["total"], "scored": len(u["scores"]),
             "cells": [{**s, "by": who.get(s["by"], ""), "indicator": i["id"]} if (s := u["scores"].get(i["id"]))
                       else None for i in indicators]}
             for u in data["units"]]
    return {"indicators": indicators, "rows": rows, "max_total": data["max_total"], "case": data["case"]}


def _may_score() -> bool:
    defn = core().registry.latest(ASSESSMENT_TYPE)
    return any(me().role in t.roles for t in defn.transitions if t.trigger == "record_score")


@bp.route("/campaigns/<key>/assessment")
def page(key: str, status: int = 200, typed: dict[str, str] | None = None) -> tuple[str, int]:
    try:
        title = core().campaigns.titles()[key]
        table = summary(key)
    except (KeyError, NotFound):
        abort(404)
    return render_template("campaigns/assessment.html", key=key, title=title, table=table,
                           may_score=_may_score(), typed=typed or {}), status


@bp.route("/campaigns/<key>/assessment", methods=["POST"])
def record(key: str) -> Response | tuple[str, int]:
    form = {k: request.form.get(k, "").strip() for k in ("unit", "indicator", "score", "note")}
    if not form["score"].isdigit():
        flash(_("Give the score as a whole number."), "error")
        return page(key, 422, form)
    if not form["note"]:
        flash(_("Say why (the note is recorded with the score)."), "error")
        return page(key, 422, form)
    try:
        Assessments(core().cases).assess(key, unit=form["unit"], indicator=form["indicator"],
                                         score=int(form["score"]), note=form["note"], actor=me().login)
    except NotFound:
        abort(404)
    except WorkflowError as err:
        flash(describe(err), "error")
        return page(key, 422, form)
    flash(_("Score recorded: %(unit)s, %(score)s.", unit=unit_names().get(form["unit"], ""), score=form["score"]),
          "success")
    return redirect(url_for("assessment.page", key=key))
