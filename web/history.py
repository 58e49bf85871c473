"""Audit trail and replay: a case's timeline stepped through version by version or to a chosen moment,
with its chain verified; the global audit log with filters and JSON Lines export; the access log.
"""
from __future__ import annotations

import tempfile
from datetime import datetime

from flask import Blueprint, render_template, request, send_file
from werkzeug.wrappers import Response

from web import access_view
from web.context import core, log_access, may, now, now_text, queries, unit_names, users, viewable_case
from web.event_labels import find_what, step_labels
from web.i18n import label
from web.inputs import local_instant, whole_number
from web.names import find_people
from workflow.audit.verify import case_problem, write_bundle
from workflow.definitions.roles import READ, READ_ALL
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
    """The audit log's filters: a person by name or login, an 操作 by label or name (web.event_labels)."""
    a = request.args
    since, until = parse_local(a.get("since")), parse_local(a.get("until"), end_of_day=True)
    actions, steps = find_what((a.get("action") or "")[:80])
    return AuditFilter(actors=find_people((a.get("actor") or "")[:80]), actions=actions, steps=steps,
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
                           types=[(d.name, label(d.title, d.name)) for d in core().registry.all_latest()],
                           titles=_titles({e.case_id for e in events}), reads_cases=reads_cases(),
                           people=sorted({u.name for u in users()}), steps=step_labels())


@bp.route("/audit/export.jsonl")
def audit_export() -> Response:
    """The filtered log as a JSON Lines bundle (header, events, digest) that `audit verify --bundle` checks."""
    filt = audit_filter()
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 — send_file closes it
    count, digest = write_bundle(queries().iter_audit_events(filt), spool, exported_at=now_text(),
                                 scope=_scope_text(filt))
    typed = " ".join(f"{k}={v}" for k, v in request.args.items() if v)  # as the auditor typed it: names, labels
    log_access("export_audit", events=count, digest=digest, filter=typed or "all")
    spool.seek(0)
    return send_file(spool, mimetype="application/x-ndjson", as_attachment=True,
                     download_name=f"rectiflow-audit-{now().strftime('%Y%m%d-%H%M%S')}.jsonl")


def _scope_text(filt: AuditFilter) -> str:
    """The filter as the bundle's header states it (internal names: the bundle is read by `audit verify`)."""
    parts = []
    for key, value in vars(filt).items():
        if value and isinstance(value, tuple):
            value = ",".join("/".join(v) if isinstance(v, tuple) else v for v in value)
        if value:
            parts.append(f"{key}={value}")
    return "all" if not parts else " ".join(parts)


@bp.route("/audit/access")
def access_log() -> str:
    a = request.args
    actors = find_people((a.get("actor") or "")[:80])
    entries = queries().access_entries(actor=None, actors=actors, case_id=(a.get("case") or None),
                                       before_seq=_before(), limit=AUDIT_PAGE + 1)
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    return render_template("history/access.html", rows=access_view.rows(entries),
                           next_before=entries[-1].seq if more else None,
                           titles=_titles({e.case_id for e in entries if e.case_id}), reads_cases=reads_cases(),
                           args={k: v for k, v in a.items() if k != "before"})


def reads_cases() -> bool:
    """The auditor (纪检) reads cases; the audit administrator reads the logs only: case numbers, no titles."""
    return may(READ) or may(READ_ALL)


def _titles(case_ids: set[str]) -> dict[str, str]:
    return queries().case_titles(case_ids) if reads_cases() else {}
