"""The battle map (挂图作战): category × stage with counts and lights, per unit, with the campaign's rates —
now or as of any past date (computed from the event log) — and its CSV / Excel export.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template, request, send_file
from werkzeug.wrappers import Response

from web.context import core, now, queries, unit_names, units, viewer
from web.history import parse_local
from web.i18n import column_label, label, outcome_label
from workflow.definitions.outcomes import OUTCOME_KINDS
from workflow.engine.policy import UnitTree
from workflow.escalation.deadlines import parse_utc
from workflow.events import format_time
from workflow.reporting.battle_map import COLUMNS, Dashboard, summarise
from workflow.reporting.queries import OPEN_STAGES, closed_keys

bp = Blueprint("dashboard", __name__)


def build_board() -> tuple[Dashboard, datetime, str | None]:
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
    at = format_time(as_of)
    counts = queries().dashboard(at, scope_units, v.types, closed_keys(core().registry))
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


def rows(board: Dashboard) -> list[list[object]]:
    titles = {d.name: label(d.title, d.name) for d in core().registry.all_latest()}
    out: list[list[object]] = []
    for case_type, by_column in sorted(board.matrix.items()):
        for column in COLUMNS:
            cell = by_column[column]
            if cell.count:
                out.append([titles.get(case_type, case_type), column_label(column), cell.count, cell.green,
                            cell.yellow, cell.red])
    return out


def unit_rows(board: Dashboard) -> list[list[object]]:
    names = unit_names()
    return [[names.get(unit, unit), column_label(column), cell.count, cell.green, cell.yellow, cell.red]
            for unit, by_column in sorted(board.by_unit.items()) for column in COLUMNS
            if (cell := by_column[column]).count]


def summary(board: Dashboard) -> list[list[object]]:
    from flask_babel import gettext as _

    return [[_("As of"), board.as_of], [_("Cases"), board.total], [_("Open"), board.open],
            [_("Closed"), board.closed], *[[outcome_label(k), board.outcomes[k]] for k in OUTCOME_KINDS],
            [_("Overdue rate"), board.overdue_rate], [_("On-time rate"), board.on_time_rate],
            [_("Close-out rate"), board.close_out_rate],
            [_("Mean working days overdue"), board.mean_overdue_working_days]]


@bp.route("/dashboard/export.<fmt>")
def export(fmt: str) -> Response:
    from flask_babel import gettext as _

    if fmt not in ("csv", "xlsx"):
        abort(404)
    board, as_of, _chosen = build_board()
    head = [_("Category"), _("Stage or outcome"), _("Cases"), _("Green"), _("Yellow"), _("Red")]
    unit_head = [_("Unit")] + head[1:]
    stamp = as_of.astimezone(core().calendar.tzinfo).strftime("%Y%m%d")
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        for line in summary(board):
            writer.writerow(line)
        writer.writerow([])
        writer.writerows([head, *rows(board), [], unit_head, *unit_rows(board)])
        data = io.BytesIO(("\ufeff" + buf.getvalue()).encode("utf-8"))  # BOM: Excel opens UTF-8 CSV correctly
        return send_file(data, mimetype="text/csv", as_attachment=True, download_name=f"dashboard-{stamp}.csv")
    return send_file(_workbook(board, head, unit_head), as_attachment=True, download_name=f"dashboard-{stamp}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _workbook(board: Dashboard, head: list[str], unit_head: list[str]) -> io.BytesIO:
    from flask_babel import gettext as _
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")
    for line in summary(board):
        ws.append(line)
    for title, header, body in ((_("Categories"), head, rows(board)), (_("Units"), unit_head, unit_rows(board))):
        sheet = wb.create_sheet(title)
        sheet.append(header)
        for line in body:
            sheet.append(line)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
