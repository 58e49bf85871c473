"""Downloads for people's spreadsheets: the problem ledger (问题台账) of the inbox as filtered and of the
battle map as of its date, and the auditor's log as an Excel working paper.

Each is a GET that changes nothing but the access log (every export is recorded there). Each lists
exactly what its page lists for the viewer — the inbox's tab and filters, the battle map's scope and
date, the audit log's filters — with names, labels and Beijing time, never logins or codes. The sheets
are laid out by workflow.reporting (ledger_export, workbook); this module only gathers and names.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, abort, request, send_file
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import core, log_access, now, now_text, queries, units, viewer
from web.dashboard import board_campaign, board_scope, scope_name
from web.event_labels import event_what, state_label, type_label
from web.history import audit_filter, reads_cases
from web.i18n import lang
from web.inbox import read_filter, tabs_for
from web.names import person, unit_name
from workflow.events import Event, parse_time
from workflow.read_side import AuditFilter
from workflow.reporting.ledger import LedgerCase, Names
from workflow.reporting.ledger_export import as_of_line, in_ledger_order, ledger_ids, read_ledger, write_ledger
from workflow.reporting.queries import build_inbox_query
from workflow.reporting.workbook import SECONDS, Column, Table

bp = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 1000


def names() -> Names:
    return Names(person, unit_name)


@bp.route("/inbox/ledger.xlsx")
def inbox_ledger() -> Response:
    """The ledger of every case the inbox tab lists with its filters (all pages), in its order."""
    tabs = tabs_for(core().roles, viewer().role)
    if not tabs:
        abort(404)
    tab = next((k for k in tabs if k == request.args.get("tab")), tabs[0])
    filt = read_filter()
    query = build_inbox_query(tab, viewer(), core().registry, filt, now_text(), units())
    ids, after = [], None
    while True:
        page = queries().inbox(query, after=after, limit=BATCH)
        ids += [r.id for r in page.rows]
        after = page.next_cursor
        if after is None:
            break
    items = read_ledger(core().store, core().registry, ids)
    tab_names = {"todo": _("To do"), "queue": _("Unit queue"), "overdue": _("Overdue and escalated"),
                 "all": _("All cases")}
    scope = " · ".join([scope_name(filt.unit), tab_names[tab], *_type_titles(filt.types)])
    return _send_ledger(items, scope, now())


@bp.route("/dashboard/ledger.xlsx")
def dashboard_ledger() -> Response:
    """The ledger of the battle map's cases — the viewer's scope, the chosen unit — as of its date."""
    as_of, scope_units, chosen = board_scope()
    ids = ledger_ids(queries(), as_of, units=scope_units, types=viewer().types, campaign=board_campaign())
    items = in_ledger_order(read_ledger(core().store, core().registry, ids, at=as_of))
    return _send_ledger(items, scope_name(chosen), as_of)


def _send_ledger(items: list[LedgerCase], scope: str, at: datetime) -> Response:
    out = io.BytesIO()
    tz = core().calendar.tzinfo
    write_ledger(core().workbooks, items, out, scope=scope, at=at, tz=tz, names=names(), lang=lang())
    log_access("export_ledger", cases=len(items), filter=_typed())
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True,
                     download_name=f"ledger-{at.astimezone(tz).strftime('%Y%m%d-%H%M')}.xlsx")


def _type_titles(types: tuple[str, ...]) -> list[str]:
    return [type_label(t) for t in types]


def _typed() -> str:
    """The filters as the person gave them (names and labels), for the access log."""
    return " ".join(f"{k}={v}" for k, v in request.args.items() if v) or "all"


# ---- the audit log as a working paper ----------------------------------------------------------------
@bp.route("/audit/export.xlsx")
def audit_xlsx() -> Response:
    """The audit log as filtered on /audit — every matching event, newest first as on the page — labelled."""
    filt = audit_filter()
    counted = [0]
    tz = core().calendar.tzinfo
    columns = [Column(_("No."), 8), Column(_("When"), 19, SECONDS), Column(_("Case"), 28, wrap=True),
               Column(_("Type"), 14), Column(_("Case id"), 19), Column(_("Version"), 6), Column(_("Who"), 14),
               Column(_("What"), 18, wrap=True), Column(_("State before"), 14), Column(_("State after"), 14),
               Column(_("Hash"), 66)]
    titles = [_("Audit log") + " — " + _filter_text(), as_of_line(now(), tz, lang())]

    shows_titles = reads_cases()  # the audit administrator reads the log, not the cases: no titles

    def rows() -> Iterator[list[object]]:
        for e, title in _events_newest_first(filt):
            counted[0] += 1
            local = parse_time(e.at).astimezone(tz).replace(tzinfo=None)
            yield [e.seq, local, title if shows_titles else "", type_label(e.definition), e.case_id, e.version,
                   person(e.actor), event_what(e), state_label(e, e.from_state), state_label(e, e.to_state), e.hash]

    out = io.BytesIO()
    core().workbooks.write([Table(_("Audit log"), titles, columns, rows())], out)
    log_access("export_audit_xlsx", events=counted[0], filter=_typed())
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True,
                     download_name=f"rectiflow-audit-{now().strftime('%Y%m%d-%H%M%S')}.xlsx")


def _events_newest_first(filt: AuditFilter) -> Iterator[tuple[Event, str]]:
    before = None
    while True:
        events = queries().audit_events(filt, before_seq=before, limit=BATCH)
        titles = queries().case_titles({e.case_id for e in events})
        yield from ((e, titles.get(e.case_id, e.case_id)) for e in events)
        if len(events) < BATCH:
            return
        before = events[-1].seq


def _filter_text() -> str:
    """The audit filters as the page shows them: "操作人：李强；操作：报送整改结果" (or "全部")."""
    a = request.args
    shown = [(_("Actor"), a.get("actor")), (_("Action"), a.get("action")), (_("Case"), a.get("case")),
             (_("Type"), type_label(a["type"]) if a.get("type") else None), (_("From"), a.get("since")),
             (_("Until"), a.get("until"))]
    parts = [f"{k}：{v.strip()}" for k, v in shown if v and v.strip()]
    return "；".join(parts) if parts else _("all")

