"""Campaign pages (专项整治): the plan's tree as a checklist, 集中填报 (self-declarations) and the documents.

- `/campaigns` lists the loaded plans; `/campaigns/<key>` draws one plan's tree (parts → tasks → contents and
  measures), every measure with its responsible unit, its handler's name, its deadline (the last day,
  Beijing), its light and progress and a link to its case, and per task how many are 销号 — filtered to
  未完成 / 逾期 / 全部. Case readers see the measures of the units and case types they may see.
- `/campaigns/<key>/report` and `/campaigns/bulletin` show the progress report and the 通报 in the page
  (the same data workflow.documents builds for `rectiflow campaign report` / `bulletin --docx`); their Word
  and Excel downloads are web.documents' routes (logged there). Supervisors and leaders (`flag`).
- `/declarations` shows who has filed a form of a round and who has not, and issues forms and runs a spot
  check (抽查) through workflow.campaigns.declarations — the calls `rectiflow declarations issue|status|
  spot-check` make; the engine checks the actor's right to open forms and to fire the spot-check step.
  Roles that assign work (`assign`) see it for their own units; the spot check is the supervisors' (`flag`).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web import assessment
from web.context import core, may, me, now, now_text, unit_names, units, viewer
from web.history import parse_local
from web.messages import describe
from web.names import people
from workflow.campaigns.declarations import DECLARANT
from workflow.campaigns.loader import MEASURE_TYPE
from workflow.definitions.roles import ASSIGN, FLAG
from workflow.documents.formats import label
from workflow.errors import NotFound, WorkflowError
from workflow.reporting.queries import light_of

bp = Blueprint("campaigns", __name__)
SHOW = ("open", "overdue", "all")  # the checklist's filter: 未完成 (default), 逾期, 全部


@bp.route("/campaigns")
def index() -> str:
    return render_template("campaigns/index.html", campaigns=sorted(core().campaigns.titles().items()))


@bp.route("/campaigns/<key>")
def plan(key: str) -> str:
    show = request.args.get("show", "open")
    if show not in SHOW:
        show = "open"
    try:
        stored = core().campaigns.plan(key)
        progress = core().campaigns.progress(key)
    except NotFound:
        abort(404)
    v = viewer()
    rows = {m["id"]: _measure(m) for m in progress["measures"]
            if (v.units is None or m["unit"] in v.units) and MEASURE_TYPE in v.types}
    parts = _tree(stored, rows, show)
    # A measure a revised plan dropped stays listed, as withdrawn (已撤销), outside the plan's counts.
    dropped = [{**rows[m["id"]], "title": label(m.get("title"), "zh", "")} for m in progress["measures"]
               if not m.get("in_plan", True) and m["id"] in rows]
    return render_template("campaigns/plan.html", key=key, title=label(stored.get("title"), "zh", key),
                           document=stored.get("document", ""), parts=parts, show=show, dropped=dropped,
                           totals=_totals([r for r in rows.values() if not r["withdrawn"]]),
                           assessment=assessment.summary(key) if may(FLAG) else None)  # 评估验收 (web.assessment)


def _measure(m: dict[str, Any]) -> dict[str, Any]:
    """One measure as the checklist shows it: names, not codes or logins; the state's label; its light."""
    case = core().cases.get(m["case"])
    defn = core().cases.definition_of(case)
    state = defn.states[case.state]
    withdrawn = not m.get("in_plan", True)  # dropped by a revised plan (workflow.campaigns.reconcile)
    done = state.stage == "closed" and not withdrawn
    d = case.deadline or {}
    light = "none" if done or withdrawn else light_of(d.get("due_at"), d.get("yellow_at"), now_text())
    return {"id": m["id"], "case": case.id, "unit": unit_names().get(case.unit, ""),
            "owner": people().get(case.assignee or "", "") if case.assignee else "",
            "deadline": str(case.fields.get("due_date") or m["deadline"] or ""),
            "progress": label(state.label, "zh", ""), "light": light, "done": done, "withdrawn": withdrawn}


def _tree(stored: dict[str, Any], rows: dict[str, dict[str, Any]], show: str) -> list[dict[str, Any]]:
    """The plan's sections as its file has them: its own numbered parts (``parts:`` layout, e.g. 一、… 二、…),
    or 一 general requirements, 二 tasks, 三 safeguards; each task with its contents, then the measures the
    filter keeps. A section with nothing in it is left out (a plan's general items and safeguards are optional)."""
    titles = {t["id"]: label(t.get("title"), "zh", t["id"]) for t in stored.get("tasks") or []}
    parts = stored.get("parts") or []
    if parts:
        sections = {p["id"]: _section(_numbered(p["id"], label(p.get("title"), "zh", ""))) for p in parts}
    else:
        sections = {"general": _section(_("General requirements")), "task": _section(_("Main tasks")),
                    "safeguard": _section(_("Safeguards"))}
    for item in stored.get("items") or []:
        text = {"id": item["id"], "title": label(item.get("title"), "zh", item["id"]), "text": item.get("text", "")}
        kind = item["kind"]
        section = (sections.get(item.get("part") or "") or next(iter(sections.values()))) if parts else \
            sections.get(kind, sections["task"])
        if kind in ("general", "safeguard"):
            section["items"].append(text)
            continue
        task = section["tasks"].setdefault(item["task"], {"id": item["task"], "title": titles.get(item["task"], ""),
                                                          "contents": [], "measures": [], "all": []})
        if kind == "measure" and item["id"] in rows:
            row = {**rows[item["id"]], "title": text["title"]}
            task["all"].append(row)
            if _kept(row, show):
                task["measures"].append(row)
        elif kind in ("content", "target"):
            task["contents"].append({**text, "target": kind == "target"})
    out = []
    for section in sections.values():
        for task in section["tasks"].values():
            task.update(_totals(task.pop("all")))
        if section["items"] or section["tasks"]:
            out.append({**section, "tasks": list(section["tasks"].values())})
    return out


def _section(title: str) -> dict[str, Any]:
    return {"title": title, "items": [], "tasks": {}}


def _numbered(label_id: str, title: str) -> str:
    """A heading as the plan prints it: 一、总体要求 (no space after 、), 四(一) 压实责任."""
    return f"{label_id}{'' if label_id.endswith(('、', '．', '.')) else ' '}{title}".strip()


def _kept(row: dict[str, Any], show: str) -> bool:
    return show == "all" or (show == "open" and not row["done"]) or (show == "overdue" and row["light"] == "red")


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total, done = len(rows), sum(r["done"] for r in rows)
    return {"total": total, "done": done, "overdue": sum(r["light"] == "red" for r in rows),
            "rate": f"{round(100 * done / total)}%" if total else "—"}


@bp.route("/campaigns/<key>/report")
def report(key: str) -> str:
    as_of = parse_local(request.args.get("as_of"), end_of_day=True)
    v = viewer()
    try:
        doc = core().documents.progress(key, as_of=as_of, units=v.units, types=v.types)
    except NotFound:
        abort(404)
    return render_template("campaigns/report.html", key=key, report=doc, as_of=request.args.get("as_of", ""),
                           today=now().astimezone(core().calendar.tzinfo).date().isoformat())


@bp.route("/campaigns/bulletin")
def bulletin() -> str:
    since = parse_local(request.args.get("since"))
    v, campaigns = viewer(), core().campaigns.titles()
    campaign = request.args.get("campaign") or None
    if campaign is not None and campaign not in campaigns:
        abort(404)
    doc = core().documents.bulletin(since=since, units=v.units, types=v.types, campaign=campaign)
    return render_template("campaigns/bulletin.html", bulletin=doc, since=request.args.get("since", ""),
                           campaign=campaign, campaigns=campaigns)


# ---- declarations (集中填报) ------------------------------------------------------------------------------
def _declaration_types() -> list[tuple[str, str]]:
    """The case types with a `declarant` person field, by their Chinese titles."""
    return [(d.name, label(d.title, "zh", d.name)) for d in core().registry.all_latest()
            if (spec := d.fields.get(DECLARANT)) is not None and spec.type == "person"]


def _my_units() -> list[tuple[str, str]]:
    covered = viewer().units
    return [(u.code, u.name) for u in units() if covered is None or u.code in covered]


def _choice() -> dict[str, Any]:
    """The unit, type, round and sub-units chosen in the query string or the form (a 4xx on bad input)."""
    values = request.values
    my_units, types = dict(_my_units()), dict(_declaration_types())
    unit = values.get("unit") or next(iter(my_units), "")
    if unit not in my_units:
        abort(403 if unit in unit_names() else 400)
    case_type = values.get("type") or "self_declaration"
    if case_type not in types:
        abort(400)
    try:
        round_no = int(values.get("round") or 1)
    except ValueError:
        abort(400)
    if round_no < 1:
        abort(400)
    return {"unit": unit, "type": case_type, "round": round_no, "subunits": values.get("subunits") == "1"}


@bp.route("/declarations")
def declarations() -> str:
    c = _choice()
    status = core().declarations.status(c["unit"], case_type=c["type"], round_no=c["round"], subunits=c["subunits"])
    names = unit_names()
    rows = []
    for p in status["people"]:
        case = core().cases.get(p["case"]) if p["case"] else None
        rows.append({"name": p["name"], "unit": names.get(p["unit"], ""), "case": p["case"], "filed": p["filed"],
                     "progress": label(core().cases.definition_of(case).states[case.state].label, "zh", "")
                     if case else ""})
    return render_template("campaigns/declarations.html", choice=c, status=status, rows=rows, units=_my_units(),
                           types=_declaration_types(), may_check=may(FLAG))


def _back(c: dict[str, Any]) -> Response:
    if not may(ASSIGN):  # a leader may ask for a spot check (the engine refuses them) but not read the page
        return redirect(url_for("campaigns.index"))
    return redirect(url_for("campaigns.declarations", unit=c["unit"], type=c["type"], round=c["round"],
                            subunits="1" if c["subunits"] else None))


@bp.route("/declarations/issue", methods=["POST"])
def issue() -> Response:
    c = _choice()
    try:
        report = core().declarations.issue(c["unit"], actor=me().login, case_type=c["type"], round_no=c["round"],
                                           subunits=c["subunits"])
    except WorkflowError as err:
        flash(describe(err), "error")
        return _back(c)
    flash(_("%(issued)d form(s) issued, %(already)d already had one, %(skipped)d read-only account(s) skipped.",
            issued=len(report.issued), already=len(report.already), skipped=len(report.skipped)), "success")
    return _back(c)


@bp.route("/declarations/spot-check", methods=["POST"])
def spot_check() -> Response:
    c = _choice()
    try:
        rate = float(request.form.get("rate", "")) / 100
        seed = int(request.form["seed"]) if request.form.get("seed") else None
    except ValueError:
        flash(_("Give the share to check as a percentage (1–100) and the seed as a whole number."), "error")
        return _back(c)
    try:
        data = core().declarations.spot_check(c["unit"], actor=me().login, rate=rate, seed=seed, case_type=c["type"],
                                              round_no=c["round"], subunits=c["subunits"])
    except WorkflowError as err:
        flash(describe(err), "error")
        return _back(c)
    flash(_("%(selected)d of %(candidates)d filed form(s) selected for the spot check (seed %(seed)s).",
            selected=len(data["selected"]), candidates=data["candidates"], seed=data["seed"]), "success")
    return _back(c)
