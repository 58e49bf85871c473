"""The battle map (挂图作战): category × stage with counts and lights, per unit, with the campaign's rates —
now or as of any past date (computed from the event log) — and its CSV / Excel export.
"""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import core, now, queries, unit_names, units, viewer
from web.history import parse_local
from web.i18n import choice_label, column_label, label, lang
from web.names import unit_name
from workflow.engine.policy import UnitTree
from workflow.escalation.deadlines import parse_utc
from workflow.events import format_time
from workflow.reporting.battle_map import COLUMNS, Dashboard, summarise
from workflow.reporting.battle_map_sheet import battle_map_tables
from workflow.reporting.board_charts import overdue_trend, stage_counts, unit_rates, week_ends
from workflow.reporting.board_rows import MODES, OTHER, BoardTable, board_table, cell_cases, column_of
from workflow.reporting.queries import OPEN_STAGES, closed_keys
from workflow.reporting.workbook import write_csv

bp = Blueprint("dashboard", __name__)
LIST_CAP = 1000  # a cell's list shows this many cases (by id) at most, and says so; its count is always whole


def board_scope() -> tuple[datetime, tuple[str, ...] | None, str | None]:
    """The battle map's instant (?as_of, a date: its end; never after now), the units it covers (the viewer's,
    within the chosen ?unit's subtree; None: every unit) and the chosen unit.

    :raise 404: a unit that does not exist.
    """
    as_of = parse_local(request.args.get("as_of"), end_of_day=True) or now()
    as_of = min(as_of, now())  # the future is not in the log yet
    v = viewer()
    chosen = request.args.get("unit") or None
    scope_units = v.units
    if chosen:
        if chosen not in unit_names():
            abort(404)
        sub = UnitTree(units()).subtree(chosen)
        scope_units = tuple(sorted(sub if v.units is None else sub & set(v.units)))
    return as_of, scope_units, chosen


def board_campaign() -> str | None:
    """The battle map's ?campaign (a loaded campaign's key; none: every case). :raise 404: another value."""
    key = request.args.get("campaign") or None
    if key is not None and key not in core().campaigns.titles():
        abort(404)
    return key


def scope_name(chosen: str | None) -> str:
    """The units an export covers, by name: the one chosen, else the viewer's top units (or the county)."""
    if chosen:
        return unit_name(chosen)
    covered = viewer().units
    tops = [u.name for u in units() if (not u.parent if covered is None
                                        else u.code in covered and u.parent not in covered)]
    return "、".join(tops) or _("all my units")


def build_board() -> tuple[Dashboard, datetime, str | None]:
    as_of, scope_units, chosen = board_scope()
    at = format_time(as_of)
    counts = queries().dashboard(at, scope_units, viewer().types, closed_keys(core().registry), board_campaign())
    cal = core().calendar
    until = cal.local_date(as_of)
    overdue = {c.due_at: cal.working_days_between(cal.local_date(parse_utc(c.due_at) - timedelta(microseconds=1)),
                                                  until)
               for c in counts if c.due_at}
    return summarise(at, counts, core().registry, overdue), as_of, chosen


def row_mode() -> str:
    """?rows=category|plan|unit (default: by problem category). :raise 400: another value."""
    # the large screen's rows default to the units: a dozen rows fit a meeting room's screen
    mode = request.args.get("rows") or ("unit" if request.args.get("screen") == "1" else MODES[0])
    if mode not in MODES:
        abort(400, _("Unknown row mode."))
    return mode


class RowLabels:
    """What a row key of the battle map reads as: category, case type, task, measure or unit names."""

    def __init__(self) -> None:
        self.outline = core().campaigns.outline()
        self.defs = core().registry.all_latest()

    def task_of(self, campaign: str, measure: str) -> str | None:
        found = self.outline.get(campaign, {}).get("measures", {}).get(measure)
        return found[0] if found else None

    def label(self, key: str) -> str:
        kind, _sep, rest = key.partition(":")
        if kind == "category":
            for d in self.defs:  # the first type whose category field knows the value names it
                spec = d.fields.get("category")
                if spec is not None and any(ch.value == rest for ch in spec.choices or ()):
                    return choice_label(spec, rest)
            return rest
        if kind == "type":
            titles = {d.name: d.title for d in self.defs}
            return label(titles[rest], rest) if rest in titles else rest
        if kind in ("task", "measure"):
            campaign, _sep, item = rest.partition("/")
            plan = self.outline.get(campaign, {})
            title = (plan.get("tasks", {}).get(item) if kind == "task"
                     else plan.get("measures", {}).get(item, (None, {}))[1])
            return f"{item} {label(title, '')}".strip() if title else item
        if key == OTHER:
            return _("Cases outside the plan's measures")
        return unit_name(key)

    def sort_key(self, key: str) -> tuple[int, str]:
        kind, _sep, rest = key.partition(":")
        if kind in ("task", "measure"):  # plan order
            campaign, _sep, item = rest.partition("/")
            plan = self.outline.get(campaign, {})
            order = list(plan.get("tasks" if kind == "task" else "measures", {}))
            return (list(self.outline).index(campaign) if campaign in self.outline else 0,
                    f"{order.index(item) if item in order else len(order):05d}")
        if key == OTHER:
            return (1 << 20, "")
        if not kind or kind == key:  # a unit: the directory's order
            codes = [u.code for u in units()]
            return (0, f"{codes.index(key) if key in codes else len(codes):05d}")
        return (0 if kind == "category" else 1, self.label(key))


def board_cases(as_of: datetime, scope_units: tuple[str, ...] | None) -> list:
    return queries().board_cases(format_time(as_of), scope_units, viewer().types, closed_keys(core().registry),
                                 board_campaign())


def build_rows(mode: str, as_of: datetime, scope_units: tuple[str, ...] | None) -> tuple[BoardTable, RowLabels]:
    names = RowLabels()
    table = board_table(board_cases(as_of, scope_units), core().registry, mode, names.task_of, names.sort_key)
    return table, names


@bp.route("/dashboard")
def index() -> str:
    mode = row_mode()
    board, as_of, chosen = build_board()
    _as_of, scope_units, _chosen = board_scope()
    table, names = build_rows(mode, as_of, scope_units)
    covered = viewer().units
    return render_template("dashboard/index.html", board=board, as_of=as_of, columns=COLUMNS, unit=chosen,
                           table=table, row_label=names.label, mode=mode, modes=MODES,
                           screen=request.args.get("screen") == "1",
                           today=now().astimezone(core().calendar.tzinfo).strftime("%Y-%m-%d"),
                           chart_args={k: v for k, v in request.args.items() if k in ("as_of", "unit", "campaign")},
                           campaign=board_campaign(), campaigns=core().campaigns.titles(),
                           as_of_param=as_of.astimezone(core().calendar.tzinfo).strftime("%Y-%m-%d"),
                           first_outcome=len(OPEN_STAGES),
                           unit_names=unit_names(), definitions={d.name: d for d in core().registry.all_latest()},
                           scope_units=[(u.code, u.name) for u in units() if covered is None or u.code in covered],
                           as_of_text=request.args.get("as_of", ""), args=request.args)


@bp.route("/dashboard/cases")
def cases() -> str:
    """The cases behind one count of the battle map: same scope (?unit, the viewer's units and types), same
    ?as_of, the row mode's ?row key (none: a column total) and the ?column (none: a row total)."""
    mode = row_mode()
    as_of, scope_units, chosen = board_scope()
    row, column = request.args.get("row") or None, request.args.get("column") or None
    if column is not None and column not in COLUMNS:
        abort(400, _("Unknown battle map column."))
    names = RowLabels()
    found = cell_cases(board_cases(as_of, scope_units), core().registry, mode, names.task_of, row=row, column=column)
    total = len(found)
    found = found[:LIST_CAP]
    lights = {c.id: column_of(core().registry, c)[1] for c in found}  # a closed case shows no light
    back_args: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("as_of", "unit", "rows", "campaign")}
    return render_template("dashboard/cases.html", cases=found, total=total, lights=lights, as_of=format_time(as_of),
                           mode=mode,
                           unit=chosen,
                           row_text=names.label(row) if row else None, column=column,
                           definitions={d.name: d for d in core().registry.all_latest()}, unit_names=unit_names(),
                           back=url_for("dashboard.index", **back_args))


@bp.route("/dashboard/charts.json")
def charts() -> Response:
    """The battle map's charts as data (same scope and ?as_of as the page), labels in the page's language:
    cases per stage and outcome, open and overdue cases at the end of each of the last 12 weeks (from the
    event log), each unit's on-time and 销号 rates."""
    as_of, scope_units, _chosen = board_scope()
    registry, tz = core().registry, core().calendar.tzinfo
    found = board_cases(as_of, scope_units)
    stages = stage_counts(found, registry)

    def counts_at(day: date) -> tuple[datetime, list]:
        at = min(parse_local(day.isoformat(), end_of_day=True) or as_of, as_of)
        return at, queries().dashboard(format_time(at), scope_units, viewer().types, closed_keys(registry),
                                       board_campaign())

    trend = overdue_trend(week_ends(as_of.astimezone(tz).date()), counts_at, registry, format_time)
    return jsonify({
        "as_of": as_of.astimezone(tz).strftime("%Y-%m-%d"),
        "stages": [{"key": k, "label": column_label(k), "count": n} for k, n in stages.items()],
        "trend": trend,
        "units": [{"unit": r.unit, "name": unit_name(r.unit), "cases": r.cases, "closed": r.closed,
                   "on_time": r.closed_on_time, "on_time_rate": r.on_time_rate, "closed_out": r.closed_out,
                   "to_close_out": r.to_close_out, "close_out_rate": r.close_out_rate}
                  for r in unit_rates(found, registry, format_time(as_of))],
        "labels": {"stages": _("Cases by stage and outcome"), "trend": _("Overdue open cases, week by week"),
                   "units": _("On-time and close-out rates by unit"), "open": _("Open"), "overdue": _("Overdue"),
                   "on_time_rate": _("On-time rate"), "close_out_rate": _("Close-out rate (销号率)"),
                   "cases": _("Cases")},
    })


@bp.route("/dashboard/export.<fmt>")
def export(fmt: str) -> Response:
    """The battle map as on the page — figures, the category and unit matrices with totals — as .xlsx or .csv."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    board, as_of, chosen = build_board()
    tz = core().calendar.tzinfo
    titles = {d.name: label(d.title, d.name) for d in core().registry.all_latest()}
    tables = battle_map_tables(board, scope=scope_name(chosen), at=as_of, tz=tz, type_title=lambda t: titles.get(t, t),
                               unit_name=unit_name, lang=lang())
    stamp = as_of.astimezone(tz).strftime("%Y%m%d")
    if fmt == "csv":
        text = io.StringIO()
        write_csv(tables, text)
        data = io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))  # BOM: Excel opens UTF-8 CSV correctly
        return send_file(data, mimetype="text/csv", as_attachment=True, download_name=f"dashboard-{stamp}.csv")
    out = io.BytesIO()
    core().workbooks.write(tables, out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"dashboard-{stamp}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
