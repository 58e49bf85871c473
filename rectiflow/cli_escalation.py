"""`rectiflow escalate | alerts | bulletin | scheduler | deadlines recompute | case flag | case unflag`.

Deadlines, escalation ladders and supervision from the command line. Every command honours
RECTIFLOW_NOW; `escalate --now` overrides it for one sweep (drills, tests).
"""
from __future__ import annotations

import logging
from pathlib import Path

import click

from rectiflow.cli_cases import case
from rectiflow.common import VERSION, application, deadline, handles_errors, instant, json_option, local_time
from rectiflow.output import emit
from workflow.errors import InvalidInput, NotFound
from workflow.escalation.ladders import LEVEL_NAMES
from workflow.escalation.sweep import sweep_under_lease
from workflow.events import format_time, parse_time


def _instant(text: str, option: str) -> str:
    try:
        return format_time(parse_time(text))
    except (ValueError, OverflowError):  # OverflowError: a year-1 instant has no UTC year
        raise InvalidInput(f"{option}: not an ISO-8601 instant: {text!r}") from None


@click.command("escalate")
@click.option("--now", "now", default=None, metavar="ISO8601", help="Sweep as of this instant (default: now).")
@json_option
@handles_errors
def escalate(now: str | None, as_json: bool) -> None:
    """Run one escalation sweep: fire every rung that is due, each exactly once."""
    from scheduler.runner import owner_id  # the interface layer names the process

    app = application(now=_instant(now, "--now") if now is not None else None)
    esc, owner = app.escalations, owner_id("escalate")
    result = sweep_under_lease(esc.sweeper(fired_by=owner), esc.lease(owner=owner))
    lines = [f"{f.case}  {f.rung} ({LEVEL_NAMES.get(f.level, f.level)})  due {deadline(app, f.due_at)}"
             f"{'  LATE' if f.late else ''}  → {', '.join(f.targets) or '-'}" for f in result.fired]
    emit(as_json, result.to_dict(), "\n".join(lines + [f"fired {len(result.fired)} rung(s)"]))


@click.command("alerts")
@click.option("--as", "login", required=True, help="Whose alerts.")
@click.option("--unread", is_flag=True, help="Only alerts not read yet.")
@click.option("--mark-read", is_flag=True, help="Mark the listed alerts read after listing them.")
@json_option
@handles_errors
def alerts(login: str, unread: bool, mark_read: bool, as_json: bool) -> None:
    """A user's in-app alerts (escalations and supervision flags), newest first."""
    app = application()
    supervision = app.escalations.supervision
    items = supervision.alerts_of(login, unread_only=unread)
    if mark_read and items:
        supervision.mark_read(login, [a.id for a in items])
    lines = [f"{'  ' if a.read else '* '}{local_time(app, a.at)}  {a.case}  "
             f"{a.kind}:{a.rung or LEVEL_NAMES.get(a.level, a.level)}"
             f"{'  (late, due ' + deadline(app, a.due_at) + ')' if a.late else ''}  {a.title}" for a in items]
    emit(as_json, {"alerts": [a.to_dict() for a in items]}, "\n".join(lines) or "no alerts")


@click.command("bulletin")
@click.option("--since", default=None, metavar="WHEN",
              help="Only items listed at or after this instant or date (2026-03-01: from its start; -7d).")
@click.option("--docx", "as_docx", is_flag=True, help="Write the 通报 as an editable Word document (with -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .docx to write (with --docx).")
@click.option("--campaign", default=None, metavar="KEY", help="Only the cases of this campaign.")
@json_option
@handles_errors
def bulletin(since: str | None, as_docx: bool, output: Path | None, campaign: str | None, as_json: bool) -> None:
    """Cases a ladder put on the bulletin list (通报), e.g. 5 working days past their deadline; with --docx
    the Word 通报 (from the template, RECTIFLOW_BULLETIN_TEMPLATE replaces it)."""
    if as_docx != (output is not None):
        raise click.UsageError("--docx and -o FILE.docx go together")
    app = application()
    since_at = instant(since, "--since", now=app.clock.now(), tz=app.calendar.tzinfo, end_of_day=False) \
        if since else None
    if campaign is not None and campaign not in app.campaigns.titles():
        raise NotFound("campaign.not_loaded", campaign=campaign, known=sorted(app.campaigns.titles()))
    if output is not None:
        doc = app.documents.bulletin(since=since_at, campaign=campaign)
        output.write_bytes(app.documents.bulletin_docx(doc))
        emit(as_json, {"output": str(output), "count": doc.count, "units": len(doc.groups)},
             f"wrote {output}: {doc.count} case(s) of {len(doc.groups)} unit(s)")
        return
    rows = app.escalations.bulletin(format_time(since_at) if since_at else None)
    if campaign is not None:
        rows = [r for r in rows if app.cases.get(r["case_id"]).campaign == campaign]
    items = [{"case": r["case_id"], "title": r["title"], "unit": r["unit"], "state": r["state"], "rung": r["rung"],
              "level": r["level"], "due_at": r["due_at"], "listed_at": r["fired_at"], "late": bool(r["late"])}
             for r in rows]
    lines = [f"{local_time(app, i['listed_at'])}  {i['case']}  {i['unit']}  {i['title']}" for i in items]
    emit(as_json, {"items": items, "count": len(items)}, "\n".join(lines) or "nothing listed")


@click.command("scheduler")
@click.option("--interval", type=click.IntRange(min=1), default=None,
              help="Seconds between sweeps (default: RECTIFLOW_SCHEDULER_INTERVAL or 60).")
@handles_errors
def scheduler_(interval: int | None) -> None:
    """Run the escalation scheduler until stopped (SIGTERM/Ctrl-C); safe to run on several hosts."""
    from scheduler.runner import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_forever(application(interval=interval))


@click.group()
def deadlines() -> None:
    """Deadlines: recompute provisional ones after the calendar gained a year."""


@deadlines.command("recompute")
@click.option("--as", "login", required=True, help="Administrator or supervisor asking (recorded).")
@click.option("--other-versions", is_flag=True,
              help="Also recompute deadlines made under another calendar version (after a correction).")
@json_option
@handles_errors
def recompute(login: str, other_versions: bool, as_json: bool) -> None:
    """Recompute deadlines with the current calendar; every change is an audit event."""
    app = application()
    changed = app.escalations.recompute(requested_by=login, other_versions=other_versions)
    lines = [f"{c['case']}  {deadline(app, c['due_at_before'])} → {deadline(app, c['due_at'])}"
             f"{'  (still provisional)' if c['provisional'] else ''}" for c in changed]
    emit(as_json, {"recomputed": changed, "count": len(changed)},
         "\n".join(lines + [f"recomputed {len(changed)} deadline(s)"]))


@case.command("flag")
@click.argument("case_id")
@click.option("--level", type=click.IntRange(1, 3), required=True, help="1 催办, 2 督办, 3 挂牌督办.")
@click.option("--as", "actor", required=True)
@click.option("--reason", default=None)
@click.option("--expect-version", type=VERSION, default=None)
@json_option
@handles_errors
def flag(case_id: str, level: int, actor: str, reason: str | None, expect_version: int | None,
         as_json: bool) -> None:
    """Put a case under supervision (supervisors and leaders)."""
    c = application().escalations.supervision.flag(case_id, actor=actor, level=level, reason=reason,
                                               expected_version=expect_version)
    emit(as_json, {"id": c.id, "supervision_level": c.supervision_level, "listed": c.listed, "version": c.version},
         f"{c.id}: flagged {LEVEL_NAMES[level]} (supervision level {c.supervision_level})")


@case.command("unflag")
@click.argument("case_id")
@click.option("--as", "actor", required=True)
@click.option("--reason", default=None)
@click.option("--expect-version", type=VERSION, default=None)
@json_option
@handles_errors
def unflag(case_id: str, actor: str, reason: str | None, expect_version: int | None, as_json: bool) -> None:
    """Remove a manual flag; a 挂牌督办 listing only once the case is closed (摘牌)."""
    c = application().escalations.supervision.unflag(case_id, actor=actor, reason=reason,
                                                 expected_version=expect_version)
    emit(as_json, {"id": c.id, "supervision_level": c.supervision_level, "listed": c.listed, "version": c.version},
         f"{c.id}: flag removed (supervision level {c.supervision_level})")


COMMANDS = (escalate, alerts, bulletin, scheduler_, deadlines)
