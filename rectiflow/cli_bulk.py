"""`rectiflow case bulk assign|dispatch|flag|read`: the inbox's bulk actions from the command line.

The same core as the web (workflow.escalation.bulk): every case its own transaction and audit event,
with the checks of one at a time; a refused case does not stop the others. One line per case (done, or
refused with the reason); exit 0 when every case was done, 3 when any was refused, 1 for a bad request
(nothing written). CASE may be ID or ID@VERSION (the version you saw: refused if the case moved on).
"""
from __future__ import annotations

from collections.abc import Sequence

import click

from rectiflow.cli_cases import case
from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import emit, text_of
from workflow.errors import InvalidInput
from workflow.escalation.bulk import Report, Target

REFUSED_EXIT = 3  # as a refused single step ("not allowed")


@case.group("bulk")
def bulk() -> None:
    """Act on many cases at once (each case alone: its own checks, transaction and event)."""


def _targets(cases: Sequence[str]) -> list[Target]:
    targets = []
    for item in cases:
        case_id, sep, version = item.partition("@")
        if sep and not version.isdigit():
            raise InvalidInput("bulk.bad_case", case_id=item[:40])
        targets.append(Target(case_id, int(version) if sep else None))
    return targets


def _report(report: Report, as_json: bool) -> None:
    lang = click.get_current_context().find_root().meta.get("rectiflow.lang") or "en"
    lines = [f"{o.case_id}  {'done' if o.done else 'refused'}"
             + (f": {text_of(o.message, lang)}" if o.message is not None else "") for o in report.outcomes]
    emit(as_json, {"action": report.action, "done": len(report.done), "refused": len(report.refused),
                   "cases": [{"id": o.case_id, "done": o.done, "code": o.message.code if o.message else None,
                              "error": o.error or None, "version": o.case.version if o.case else None}
                             for o in report.outcomes]},
         "\n".join(lines + [f"{len(report.done)} done, {len(report.refused)} refused"]))
    if report.refused:
        raise SystemExit(REFUSED_EXIT)


@bulk.command("assign")
@click.argument("cases", nargs=-1, required=True)
@click.option("--as", "actor", required=True)
@click.option("--to", "assignee", required=True, help="The handler (责任人) to give every case to.")
@json_option
@handles_errors
def assign(cases: tuple[str, ...], actor: str, assignee: str, as_json: bool) -> None:
    """Assign CASES to one person."""
    _report(application().escalations.bulk.assign(_targets(cases), actor=actor, assignee=assignee), as_json)


@bulk.command("dispatch")
@click.argument("cases", nargs=-1, required=True)
@click.option("--as", "actor", required=True)
@click.option("--measure", required=True, help="The measure text, one for all.")
@click.option("--deadline", required=True, help="The rectification deadline (YYYY-MM-DD), one for all.")
@click.option("--owner", default=None, help="The owner (责任人), where the dispatch step asks for one.")
@json_option
@handles_errors
def dispatch(cases: tuple[str, ...], actor: str, measure: str, deadline: str, owner: str | None,
             as_json: bool) -> None:
    """交办: fire the dispatch step of CASES with one measure and one deadline."""
    _report(application().escalations.bulk.dispatch(_targets(cases), actor=actor, measure=measure,
                                                    deadline=deadline, owner=owner), as_json)


@bulk.command("flag")
@click.argument("cases", nargs=-1, required=True)
@click.option("--as", "actor", required=True)
@click.option("--level", type=click.IntRange(1, 2), required=True, help="1 催办, 2 督办.")
@click.option("--reason", default=None)
@json_option
@handles_errors
def flag(cases: tuple[str, ...], actor: str, level: int, reason: str | None, as_json: bool) -> None:
    """Flag CASES 催办 or 督办."""
    _report(application().escalations.bulk.flag(_targets(cases), actor=actor, level=level, reason=reason), as_json)


@bulk.command("read")
@click.argument("cases", nargs=-1, required=True)
@click.option("--as", "login", required=True)
@json_option
@handles_errors
def read(cases: tuple[str, ...], login: str, as_json: bool) -> None:
    """Mark LOGIN's unread alerts about CASES read (no case changes)."""
    _report(application().escalations.bulk.mark_read(_targets(cases), login=login), as_json)


COMMANDS: tuple[click.Command, ...] = ()  # the group attaches to `case` on import
