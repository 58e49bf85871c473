"""`rectiflow case …`: open, advance, assign, comment, show and replay cases."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rectiflow.common import (
    VERSION,
    VERSION_MAX,
    application,
    deadline,
    handles_errors,
    instant,
    json_option,
    local_time,
)
from rectiflow.output import emit
from workflow.bootstrap import Application
from workflow.cases.service import Attachment
from workflow.errors import InvalidInput
from workflow.records import CaseState
from workflow.reporting.presenters import case_summary, history_summary

field_option = click.option("--field", "fields", multiple=True, metavar="KEY=VALUE", help="A field value (repeat).")
attach_option = click.option("--attach", "attachments", multiple=True, metavar="[FIELD=]PATH",
                             help="Attach a file (repeat); FIELD defaults to the step's only attachment field.")

check_option = click.option("--check", "checks", multiple=True, metavar="N=met|unmet[:NOTE]",
                            help="评估验收: criterion N of the acceptance checklist met or not, with a note (repeat).")
check_file_option = click.option("--check-file", "check_files", multiple=True, metavar="N=FILE",
                                 help="The file on the case (its name) that evidences criterion N (repeat).")
_MET = {"met": True, "yes": True, "达到": True, "是": True, "unmet": False, "not_met": False, "no": False,
        "未达到": False, "否": False}


def parse_checks(checks: tuple[str, ...], files: tuple[str, ...]) -> dict[int, dict[str, Any]]:
    """`--check 1=met:说明 --check 2=unmet:原因 --check-file 1=验收报告.pdf` → {1: {met, note, evidence}, …}."""
    out: dict[int, dict[str, Any]] = {}
    for pair in checks:
        no, sep, rest = pair.partition("=")
        verdict, _, note = rest.partition(":")
        if not sep or not no.strip().isdigit() or verdict.strip().lower() not in _MET:
            raise InvalidInput(f"--check {pair!r}: expected N=met[:NOTE] or N=unmet[:NOTE]")
        if int(no) in out:
            raise InvalidInput(f"--check {no.strip()} given twice")
        out[int(no)] = {"met": _MET[verdict.strip().lower()], "note": note}
    for pair in files:
        no, sep, name = pair.partition("=")
        if not sep or not no.strip().isdigit() or not name.strip():
            raise InvalidInput(f"--check-file {pair!r}: expected N=FILE (a file on the case, by its name)")
        out.setdefault(int(no), {"met": False, "note": ""})["evidence"] = name.strip()
    return out


def parse_fields(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--field {pair!r}: expected KEY=VALUE")
        if key.strip() in out:
            raise InvalidInput(f"--field {key.strip()!r} given twice")
        out[key.strip()] = value
    return out


def read_attachments(app: Application, case_type: str, version: int | None, specs: tuple[str, ...]
                     ) -> list[Attachment]:
    """Read every file before anything is written, so an unreadable file changes nothing."""
    defn = app.registry.get(case_type, version) if version else app.registry.latest(case_type)
    attachment_fields = [n for n, f in defn.fields.items() if f.type == "attachment"]
    out = []
    for spec in specs:
        field, sep, path = spec.partition("=")
        if not sep:
            field, path = "", spec
        if not field:
            if len(attachment_fields) != 1:
                raise InvalidInput(f"--attach {spec!r}: say which field, one of {', '.join(attachment_fields)}")
            field = attachment_fields[0]
        p = Path(path)
        if p.is_file() and p.stat().st_size > app.cases.max_attachment_bytes:
            raise InvalidInput(f"{p}: larger than the {app.cases.max_attachment_bytes}-byte limit")
        try:
            data = p.read_bytes()
        except OSError as err:
            raise InvalidInput(f"cannot read {p}: {err.strerror}") from None
        out.append(Attachment(field, p.name, data))
    return out


def brief(case: CaseState) -> dict[str, Any]:
    return {"id": case.id, "type": case.type, "state": case.state, "version": case.version}


@click.group()
def case() -> None:
    """Cases: open, advance, assign, comment, show, history."""


@case.command("open")
@click.argument("case_type")
@click.option("--as", "actor", required=True, help="Login of the acting user.")
@click.option("--title", required=True)
@click.option("--unit", default=None, help="Unit code (default: the actor's unit).")
@field_option
@attach_option
@click.option("--comment", default=None)
@click.option("--campaign", default=None, metavar="KEY",
              help="The campaign the case belongs to (default: the unit's one active campaign; required when "
                   "several are under way).")
@json_option
@handles_errors
def open_(case_type: str, actor: str, title: str, unit: str | None, fields: tuple[str, ...],
          attachments: tuple[str, ...], comment: str | None, campaign: str | None, as_json: bool) -> None:
    """Register a new case of CASE_TYPE."""
    app = application()
    files = read_attachments(app, case_type, None, attachments)
    c = app.cases.open_case(case_type, actor=actor, title=title, unit=unit, fields=parse_fields(fields),
                              attachments=files, comment=comment, campaign=campaign)
    emit(as_json, {**brief(c), "campaign": c.campaign},
         f"opened {c.id} ({c.type}) in state {c.state}" + (f", campaign {c.campaign}" if c.campaign else ""))


@case.command("advance")
@click.argument("case_id")
@click.argument("trigger")
@click.option("--as", "actor", required=True)
@field_option
@attach_option
@check_option
@check_file_option
@click.option("--comment", default=None)
@click.option("--expect-version", type=VERSION, default=None, help="Fail with a conflict if the case moved on.")
@json_option
@handles_errors
def advance(case_id: str, trigger: str, actor: str, fields: tuple[str, ...], attachments: tuple[str, ...],
            checks: tuple[str, ...], check_files: tuple[str, ...], comment: str | None, expect_version: int | None,
            as_json: bool) -> None:
    """Fire TRIGGER on a case."""
    app = application()
    current = app.cases.get(case_id)
    files = read_attachments(app, current.type, current.definition_version, attachments)
    c = app.cases.advance(case_id, trigger, actor=actor, fields=parse_fields(fields), attachments=files,
                            comment=comment, expected_version=expect_version,
                            checks=parse_checks(checks, check_files))
    emit(as_json, {"id": c.id, "state": c.state, "version": c.version}, f"{c.id}: now {c.state} (v{c.version})")


@case.command("assign")
@click.argument("case_id")
@click.argument("assignee")
@click.option("--as", "actor", required=True)
@click.option("--expect-version", type=VERSION, default=None)
@json_option
@handles_errors
def assign(case_id: str, assignee: str, actor: str, expect_version: int | None, as_json: bool) -> None:
    """Assign a case to a handler (assigning yourself is 签收/claim)."""
    c = application().cases.assign(case_id, actor=actor, assignee=assignee, expected_version=expect_version)
    emit(as_json, {"id": c.id, "assignee": c.assignee, "version": c.version}, f"{c.id}: assigned to {c.assignee}")


@case.command("edit")
@click.argument("case_id")
@click.option("--as", "actor", required=True)
@field_option
@attach_option
@click.option("--comment", default=None, help="Why the correction was made.")
@click.option("--expect-version", type=VERSION, default=None)
@json_option
@handles_errors
def edit(case_id: str, actor: str, fields: tuple[str, ...], attachments: tuple[str, ...], comment: str | None,
         expect_version: int | None, as_json: bool) -> None:
    """Correct field values outside a step (definition editors only; immutable fields never)."""
    app = application()
    current = app.cases.get(case_id)
    files = read_attachments(app, current.type, current.definition_version, attachments)
    c = app.cases.update_fields(case_id, actor=actor, fields=parse_fields(fields), attachments=files,
                                  comment=comment, expected_version=expect_version)
    emit(as_json, {"id": c.id, "version": c.version}, f"{c.id}: fields updated (v{c.version})")


@case.command("comment")
@click.argument("case_id")
@click.argument("text")
@click.option("--as", "actor", required=True)
@json_option
@handles_errors
def comment(case_id: str, text: str, actor: str, as_json: bool) -> None:
    """Add a comment to a case."""
    c = application().cases.add_comment(case_id, actor=actor, text=text)
    emit(as_json, {"id": c.id, "version": c.version}, f"{c.id}: comment added (v{c.version})")


@case.command("show")
@click.argument("case_id")
@click.option("--as", "actor", default=None,
              help="List under `available` only the steps this user can take now (default: every step out of "
                   "the state).")
@json_option
@handles_errors
def show(case_id: str, actor: str | None, as_json: bool) -> None:
    """A case: fields, state, deadline and the steps out of its state (with --as: those the user can take now)."""
    app = application()
    c = app.cases.get(case_id)
    data = case_summary(c, app.cases.definition_of(c), app.clock.now(), app.calendar,
                        available=app.cases.available(c, actor) if actor else None)
    lines = [f"{c.id}  {c.title}", f"  type {c.type} v{c.definition_version}, unit {c.unit}, "
             f"state {c.state} ({data['stage']}), version {c.version}, assignee {c.assignee or '-'}, "
             f"campaign {c.campaign or '-'}"]
    if data["deadline"]:
        dl = data["deadline"]
        provisional = " provisional" if dl["provisional"] else ""
        lines.append(f"  due {deadline(app, dl['due_at'])} [{dl['light']}]{provisional}")
    lines += [f"  {k}: {v}" for k, v in c.fields.items()]
    lines += [f"  → {a['trigger']} → {a['dest']} ({', '.join(a['roles'])})" for a in data["available"]]
    emit(as_json, data, "\n".join(lines))


@case.command("history")
@click.argument("case_id")
@click.option("--as-of", "as_of", default=None, metavar="WHEN",
              help="The case as it was then: an ISO-8601 instant (no offset: Beijing time), a date (its end) or "
                   "a time relative to now: -3d, -12h, -90m.")
@click.option("--version", type=click.IntRange(1, VERSION_MAX), default=None,
              help="The case as it was at this version.")
@json_option
@handles_errors
def history(case_id: str, as_of: str | None, version: int | None, as_json: bool) -> None:
    """The audit trail of a case and the case replayed from it."""
    if as_of and version:
        raise InvalidInput("give --as-of or --version, not both")
    app = application()
    moment = instant(as_of, "--as-of", now=app.clock.now(), tz=app.calendar.tzinfo) if as_of else None
    events, replayed = app.cases.history(case_id, version=version, as_of=moment)
    text = "\n".join(f"{e.version:>4} {local_time(app, e.at)} {e.actor:<12} {e.action:<14} "
                     f"{e.from_state or ''} → {e.to_state or ''}  {e.payload.get('comment', '')}" for e in events)
    if replayed:
        text += f"\nstate then: {replayed.state} (version {replayed.version})"
    emit(as_json, history_summary(case_id, events, replayed), text or "no events at that point")


COMMANDS = (case,)
