"""Audit trail and replay: a case's timeline stepped through version by version or to a chosen moment,
with its chain verified; the global audit log with filters and JSON Lines export; the access log.
"""
from __future__ import annotations

import tempfile
from datetime import datetime

from flask import Blueprint, render_template, request, send_file
from werkzeug.wrappers import Response

from web.context import core, log_access, now, now_text, queries, unit_names, viewable_case
from web.inputs import local_instant, whole_number
from workflow.audit.verify import case_problem, write_bundle
from workflow.engine.projection import project_case
from workflow.events import format_time
from workflow.read_side import AuditFilter

bp = Blueprint("history", __name__)
AUDIT_PAGE = 100


def parse_local(text: str | None, *, end_of_day: bool = False) -> datetime | None:
    """A date or date-time typed in local (calendar) time, as an aware instant; None when blank.

    :raise 400: the text is not a date or date-time, or lies outside the years a case may carry.
    """
    return local_instant(text, core().calendar.tzinfo, end_of_day=end_of_day)


@bp.route("/cases/<case_id>/history")
def case_history(case_id: str) -> str:
    case = viewable_case(case_id)
    events, _ = core().cases.history(case.id)
    chosen = _chosen_version(events)
    then = project_case(events[:chosen]) if chosen else None
    problem = case_problem(case.id, events, case)
    defn = core().registry.get(case.type, case.definition_version)
    return render_template("history/case.html", case=case, defn=defn, events=events, chosen=chosen, then=then,
                           problem=problem, unit_names=unit_names(), at=request.args.get("at", ""))


def _chosen_version(events: list) -> int:
    """Which version to show: ?version=N, or the last event at or before ?at=, else the latest."""
    if not events:
        return 0
    if request.args.get("at"):
        moment = format_time(parse_local(request.args["at"]) or now())
        return sum(1 for e in events if e.at <= moment)
    version = whole_number(request.args.get("version"), low=1)
    return len(events) if version is None else min(version, len(events))


def audit_filter() -> AuditFilter:
    a = request.args
    since, until = parse_local(a.get("since")), parse_local(a.get("until"), end_of_day=True)
    return AuditFilter(actor=(a.get("actor") or "").strip()[:80] or None,
                       action=(a.get("action") or "").strip()[:40] or None,
                       case_id=(a.get("case") or "").strip()[:40] or None,
                       type=(a.get("type") or "").strip()[:64] or None,
                       since=format_time(since) if since else None, until=format_time(until) if until else None)


def _before() -> int | None:
    return whole_number(request.args.get("before"), low=1)


@bp.route("/audit")
def audit() -> str:
    events = queries().audit_events(audit_filter(), before_seq=_before(), limit=AUDIT_PAGE + 1)
    more = len(events) > AUDIT_PAGE
    events = events[:AUDIT_PAGE]
    return render_template("history/audit.html", events=events, next_before=events[-1].seq if more else None,
                           args={k: v for k, v in request.args.items() if k != "before"},
                           types=core().registry.names())


@bp.route("/audit/export.jsonl")
def audit_export() -> Response:
    """The filtered log as a JSON Lines bundle (header, events, digest) that `audit verify --bundle` checks."""
    filt = audit_filter()
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 — send_file closes it
    count, digest = write_bundle(queries().iter_audit_events(filt), spool, exported_at=now_text(),
                                 scope=_scope_text(filt))
    log_access("export_audit", events=count, digest=digest, filter=_scope_text(filt))
    spool.seek(0)
    return send_file(spool, mimetype="application/x-ndjson", as_attachment=True,
                     download_name=f"rectiflow-audit-{now().strftime('%Y%m%d-%H%M%S')}.jsonl")


def _scope_text(filt: AuditFilter) -> str:
    parts = [f"{k}={v}" for k, v in vars(filt).items() if v]
    return "all" if not parts else " ".join(parts)


@bp.route("/audit/access")
def access_log() -> str:
    a = request.args
    entries = queries().access_entries(actor=(a.get("actor") or None), case_id=(a.get("case") or None),
                                       before_seq=_before(), limit=AUDIT_PAGE + 1)
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    return render_template("history/access.html", entries=entries,
                           next_before=entries[-1].seq if more else None,
                           args={k: v for k, v in a.items() if k != "before"})
