"""The battle map (挂图作战): category × stage with counts and lights, per unit, with the campaign's rates —
now or as of any past date (computed from the event log) — and its CSV / Excel export.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import core, now, queries, unit_names, units, viewer
from web.history import parse_local
from web.i18n import label, lang
from web.names import unit_name
from workflow.engine.policy import UnitTree
from workflow.escalation.deadlines import parse_utc
from workflow.events import format_time
from workflow.reporting.battle_map import COLUMNS, Dashboard, summarise
from workflow.reporting.battle_map_sheet import battle_map_tables
from workflow.reporting.queries import OPEN_STAGES, closed_keys
from workflow.reporting.workbook import write_csv

bp = Blueprint("dashboard", __name__)


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
    counts = queries().dashboard(at, scope_units, viewer().types, closed_keys(core().registry))
    cal = core().calendar
    until = cal.local_date(as_of)
    overdue = {c.due_at: cal.working_days_between(cal.local_date(parse_utc(c.due_at) - timedelta(microseconds=1)),
                                                  until)
               for c in counts if c.due_at}
    return summarise(at, counts, core().registry, overdue), as_of, chosen


@bp.route("/dashboard")
def index() -> str:
    board, as_of, chosen = build_board()
    covered = viewer().units
    return render_template("dashboard/index.html", board=board, as_of=as_of, columns=COLUMNS, unit=chosen,
                           first_outcome=len(OPEN_STAGES),
                           unit_names=unit_names(), definitions={d.name: d for d in core().registry.all_latest()},
                           scope_units=[(u.code, u.name) for u in units() if covered is None or u.code in covered],
                           as_of_text=request.args.get("as_of", ""), args=request.args)


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
