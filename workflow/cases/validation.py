"""The checks a change's input must pass, shared by every use case: fields, files, comments, references.

Pure functions of the definition and the input, except `check_references` and `derived_values`,
which read the transaction (users and units exist; the facts the 自查从宽 rule needs).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from workflow.definitions.computed import ComputeContext, derive
from workflow.definitions.fields import COMMENT_LIMIT, check_not_past, clean_text, parse_value
from workflow.definitions.guards import GuardContext
from workflow.definitions.leniency import SELF_REPORT_CHANNELS
from workflow.definitions.model import Definition
from workflow.errors import FieldNotAllowed, ImmutableField, InvalidInput, MissingField, NotAllowed
from workflow.events import parse_time
from workflow.messages import Message, Quoted
from workflow.ports import ReadTx
from workflow.records import CaseState, User

MAX_ATTACHMENTS_PER_STEP = 20


@dataclass(frozen=True)
class Attachment:
    """A file a user adds to a case field (its bytes are stored content-addressed)."""

    field: str
    name: str
    data: bytes


def parse_fields(defn: Definition, raw: Mapping[str, Any], *, allowed: set[str] | None,
                 case: CaseState | None = None) -> dict[str, Any]:
    """Typed values of user input; `allowed` limits the fields (a step's), None: any plain field."""
    values = {}
    for name, value in raw.items():
        spec = defn.fields.get(name)
        if spec is None:
            raise InvalidInput("field.unknown", field=name, case_type=defn.name, known=list(defn.fields))
        if spec.computed is not None:
            raise InvalidInput("field.computed", field=name, case_type=defn.name)
        if spec.immutable and case is not None and case.fields.get(name) not in (None, ""):
            raise ImmutableField("field.immutable", field=name, case_type=defn.name)
        if allowed is not None and name not in allowed:
            raise FieldNotAllowed("field.not_at_step", field=name, case_type=defn.name,
                                  takes=sorted(allowed) or "no fields")
        try:
            values[name] = parse_value(spec, value)
        except InvalidInput as err:  # the case type lets the web name the field by its label
            err.reword(Message(err.code, {**err.params, "case_type": defn.name}))
            raise
    return values


def check_dates(defn: Definition, values: Mapping[str, Any], now: datetime, tz: tzinfo) -> None:
    """Dates a person gives for a deadline may not lie in the past (`allow_past`); `now` is the clock's."""
    today = now.astimezone(tz).date()
    for name, value in values.items():
        try:
            check_not_past(defn.fields[name], value, today)
        except InvalidInput as err:
            err.reword(Message(err.code, {**err.params, "case_type": defn.name}))
            raise


def check_files(defn: Definition, attachments: list[Attachment], *, allowed: set[str] | None,
                max_bytes: int, already: int = 0) -> None:
    """Refuse files the definition (or this step) does not take, or that are too large (`already`: files
    the step has besides these)."""
    if len(attachments) + already > MAX_ATTACHMENTS_PER_STEP:
        raise InvalidInput("file.too_many", limit=MAX_ATTACHMENTS_PER_STEP)
    for f in attachments:
        spec = defn.fields.get(f.field)
        if spec is None or spec.type != "attachment":
            raise InvalidInput("file.not_attachment_field", field=f.field, case_type=defn.name)
        if allowed is not None and f.field not in allowed:
            raise FieldNotAllowed("file.not_at_step", field=f.field, case_type=defn.name)
        if len(f.data) > max_bytes:
            raise InvalidInput("file.too_large", name=f.name, size=len(f.data), limit=max_bytes)
        if not f.data:  # a zero-byte file is no evidence, and would satisfy `min_attachments` if kept
            raise InvalidInput("file.empty", name=f.name, field=f.field, case_type=defn.name)


def require(defn: Definition, names: Iterable[str], values: Mapping[str, Any], files: list[dict[str, Any]],
            existing: Mapping[str, Any], where: Message) -> None:
    """MissingField unless every named field has a value (an attachment field: a file, old or new)."""
    missing = []
    for name in names:
        if defn.fields[name].type == "attachment":
            if not existing.get(name) and not any(f["field"] == name for f in files):
                missing.append(name)
        elif values.get(name) in (None, ""):
            missing.append(name)
    if missing:
        raise MissingField("step.needs_fields", where=where, fields=Quoted(missing), case_type=defn.name)


def comment_text(text: str | None, *, required: bool) -> str | None:
    body = clean_text(text, what="comment", limit=COMMENT_LIMIT, multiline=True) if text else ""
    if required and not body:
        raise MissingField("step.needs_comment")
    return body or None


def check_references(tx: ReadTx, defn: Definition, values: Mapping[str, Any]) -> None:
    """Person and unit fields must name users and units that exist."""
    for name, value in values.items():
        kind = defn.fields[name].type
        if kind == "person" and tx.get_user(value) is None:
            raise InvalidInput("field.unknown_user", field=name, case_type=defn.name, user=value)
        if kind == "unit" and tx.get_unit(value) is None:
            raise InvalidInput("field.unknown_unit", field=name, case_type=defn.name, unit=value)


def guard_context(case: CaseState, user: User, values: Mapping[str, Any], files: list[dict[str, Any]],
                  now: datetime) -> GuardContext:
    """What a step's guards see: the case's fields with this step's values and files merged in."""
    merged = {**case.fields, **values}  # guards only read (workflow.definitions.guards): no deep copy needed
    for item in files:
        merged.setdefault(item["field"], [])
        merged[item["field"]] = list(merged[item["field"]]) + [item]
    due = (case.deadline or {}).get("due_at")
    return GuardContext(user.login, user.role, merged, case.last_actor_by_trigger, case.assignee,
                        parse_time(due) if due else None, now)


class TxFacts:
    """The facts the 自查从宽 rule needs (workflow.definitions.leniency.Facts), read in the change's transaction."""

    def __init__(self, tx: ReadTx, tz: tzinfo, subject_fields: Mapping[str, str], *, case_type: str,
                 campaign: str | None) -> None:
        self.tx, self.tz, self.subject_fields = tx, tz, dict(subject_fields)
        self.case_type, self.campaign = case_type, campaign  # the case's own campaign: its rules alone apply
        self._windows: list[tuple[date, date]] | None = None

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def in_self_report_window(self, day: date) -> bool | None:
        if self.campaign is None:  # outside every campaign: no campaign's window applies
            return None
        if self._windows is None:
            self._windows = self.tx.self_report_windows(self.campaign)
        if not self._windows:
            return None
        return any(first <= day <= last for first, last in self._windows)

    def self_report_channels(self) -> tuple[str, ...]:
        stored = self.tx.get_campaign(self.campaign) if self.campaign else None
        policy = ((stored.plan.get("entity") or {}).get("leniency") or {}) if stored else {}
        return tuple(policy.get("self_report_channels") or SELF_REPORT_CHANNELS)

    def org_held_since(self, *, subject: str, matter: str | None, before: datetime,
                       exclude_case: str) -> datetime | None:
        return self.tx.org_held_since(self.subject_fields, subject=subject, before=before, exclude_case=exclude_case,
                                      case_type=self.case_type, matter=matter, campaign=self.campaign)


def derived_values(tx: ReadTx, defn: Definition, case: CaseState, existing: Mapping[str, Any],
                   values: Mapping[str, Any], reported_at: datetime | None, *, intake: bool, tz: tzinfo,
                   subject_fields: Mapping[str, str]) -> dict[str, Any]:
    """Engine-computed field values to record with `values` (workflow.definitions.computed)."""
    if not any(spec.computed is not None and (intake or set(spec.computed.inputs()) & set(values))
               for spec in defn.fields.values()):
        return {}
    if reported_at is None:  # a later step: the case was reported at intake (or when its source said)
        first = tx.events(case.id, up_to_version=1)
        reported_at = parse_time(first[0].payload.get("reported_at") or first[0].at)
    facts = TxFacts(tx, tz, subject_fields, case_type=defn.name, campaign=case.campaign)
    return derive(defn.fields, existing, values, ComputeContext(case.id, defn.name, reported_at, facts),
                  intake=intake)


def check_opener(defn: Definition, *, by_campaign: bool) -> None:
    """NotAllowed if a type only its campaign opens (`opened_by: campaign`: a plan measure, an assessment) is
    being opened by anything else — an intake form, `case open`, an import, a step's linked case."""
    if defn.opened_by == "campaign" and not by_campaign:
        raise NotAllowed("case.opened_by_campaign", case_type=defn.name)
