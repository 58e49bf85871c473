"""Audit trail and replay: a case's timeline stepped through version by version or to a chosen moment,
with its chain verified; the global audit log with filters and JSON Lines export; the access log.
"""
from __future__ import annotations

import tempfile
from datetime import datetime

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web import access_view
from web.context import core, log_access, may, now, now_text, queries, unit_names, users, viewable_case
from web.event_labels import find_what, step_labels
from web.i18n import label
from web.inputs import local_instant, whole_number
from web.names import find_people
from web.templating import localtime
from workflow.audit.case_check import CaseCheck, Finding
from workflow.audit.verify import write_bundle
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
    check = core().audit.check_case(case.id)
    defn = core().registry.get(case.type, case.definition_version)
    return render_template("history/case.html", case=case, defn=defn, events=events, chosen=chosen, then=then,
                           check=check, lines=check_lines(check, defn), unit_names=unit_names(),
                           at=request.args.get("at", ""))


def check_lines(check: CaseCheck, defn) -> list[tuple[str, str, bool | None, str]]:
    """The case check as the page says it: (id, label, ok — None when not applicable, sentence in Chinese)."""
    chain = ((_("%(n)d events: every hash recomputed and equal, every link to the event before intact, "
                "versions 1 to %(n)d without a gap.", n=check.events), True) if check.chain is None else
             (finding_text(check.chain, defn), False))
    if check.chain is not None:
        replay: tuple[str, bool | None] = (_("Not replayed: the chain is broken."), None)
    elif check.replay is None:
        replay = (_("The events replayed through the definition give exactly the stored case."), True)
    else:
        replay = (finding_text(check.replay, defn), False)
    return [("check-chain", _("Chain"), chain[1], chain[0]), ("check-replay", _("Replay"), replay[1], replay[0]),
            ("check-checkpoint", _("Checkpoint"), *_checkpoint_line(check, defn))]


def _checkpoint_line(check: CaseCheck, defn) -> tuple[bool | None, str]:
    cp = check.checkpoint
    problems = " ".join(finding_text(f, defn) for f in check.inclusion)
    if cp is None:
        return (False, problems) if problems else (None, _("No signed checkpoint yet: the events are not yet "
                                                           "covered by one (尚未纳入检查点)."))
    said = _("Latest checkpoint: %(size)d log entries, signed %(time)s (Beijing time); signature %(sig)s.",
             size=cp.size, time=localtime(cp.time), sig=_("checked with the deployment's public key")
             if cp.signature_checked else _("not checked (no key configured)"))
    proven = _("%(n)d events proven included.", n=check.proven)
    pending = _("%(n)d newer events not yet covered by a checkpoint.", n=check.pending) if check.pending else ""
    return (not problems, " ".join(t for t in (said, proven, pending, problems) if t))


ROW_FIELDS = {"state": "State", "version": "Version", "fields": "Fields", "assignee": "Assignee", "title": "Title",
              "unit": "Unit", "deadline": "Due", "updated_at": "Last changed", "head_hash": "Latest hash",
              "type": "Case type", "definition_version": "Definition version", "opened_by": "Opened by",
              "opened_at": "Opened", "comments": "Comments", "supervision_level": "Supervision level",
              "listed": "Listed", "ever_overdue": "Ever overdue", "extension_count": "Extensions",
              "links": "Links", "last_actor_by_trigger": "Who last took each step", "definition_hash":
              "Definition hash"}


def finding_text(f: Finding, defn) -> str:
    """One finding as a Chinese sentence (labels, never internal names or hashes)."""
    p = {**f.params, "version": f.version or 0}
    if f.code == "row_differs":
        names = [_(ROW_FIELDS[k]) if k in ROW_FIELDS else _("other data") for k in p["fields"]]  # type: ignore
        return _("The stored case differs from the replay of its events in: %(fields)s — the row was rewritten "
                 "outside the application.", fields="、".join(dict.fromkeys(names)))
    if f.code == "checkpoint_refused":
        return _("The latest checkpoint is refused: %(reason)s.", reason=_("its signature does not verify")
                 if str(p.get("reason", "")).startswith("audit.note") else _("it belongs to another log"))
    texts = {
        "no_events": _("The case has no events: its whole log was deleted."),
        "version_missing": _("Event %(version)d is missing: events were deleted or reordered."),
        "prev_hash": _("Event %(version)d does not link to the event before it: the chain was cut."),
        "hash": _("Event %(version)d does not match its hash: it was altered."),
        "row_missing": _("The events exist but the stored case is missing."),
        "row_ahead": _("The stored case is at version %(row_version)d but the events end at %(version)d: "
                       "the log was truncated."),
        "unreplayable": _("Event %(version)d cannot be replayed: it was forged."),
        "unknown_state": _("Event %(version)d leads to a state the definition does not have: it was forged."),
        "discontinuous": _("Event %(version)d starts from a state the case was not in: it was forged."),
        "no_transition": _("Event %(version)d is a step the definition has no such transition for: it was forged."),
        "log_tampered": _("The stored log entries no longer make the checkpoint's signed root: the log table "
                          "was edited."),
        "events_deleted": _("Events %(version)d to %(last)d are covered by the checkpoint but were deleted."),
        "events_rewritten": _("Events %(version)d to %(last)d differ from what the checkpoint signed: they were "
                              "rewritten (the chain re-hashed)."),
        "entries_tampered": _("Events %(version)d to %(last)d cannot be proven in the checkpoint: log entries "
                              "were edited."),
    }
    if p.get("last") == p["version"]:  # one event: said as one
        texts.update({
            "events_deleted": _("Event %(version)d is covered by the checkpoint but was deleted."),
            "events_rewritten": _("Event %(version)d differs from what the checkpoint signed: it was rewritten "
                                  "(the chain re-hashed)."),
            "entries_tampered": _("Event %(version)d cannot be proven in the checkpoint: log entries were edited.")})
    return texts[f.code] % p if f.code in texts else _("Unknown problem.")


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
