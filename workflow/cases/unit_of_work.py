"""The one write path: every change to a case is a step run in a unit of work.

A `UnitOfWork` is one write transaction. `change(case_id, actor, step)` locks the case, checks the version the
caller saw and the actor's unit scope, asks the step what to record (the step checks what it must: state, role,
guards, fields), seals the event onto the case's hash chain, appends it and updates the case row and the read
models — in that transaction. `open(...)` does the same for a new case. A use case that opens linked cases, a
plan load that opens a case per measure, a sweep that fires fifty rungs: each runs its changes in one unit of
work, which commits once at the end (or, on any error, writes nothing).

Every use case has this one shape — a `Step` whose `decide(ctx)` returns a `Change`:
workflow.cases.steps (advance, assign, return, comment, correct fields), and the escalation
feature's rungs, flags and recomputed deadlines (workflow.escalation).
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import EllipsisType
from typing import Any, Protocol

from workflow.cases.campaign_choice import CampaignScope, campaign_scopes, choose_campaign
from workflow.cases.notices import Before, handover_rows
from workflow.cases.validation import (
    check_opener,
    check_references,
    comment_text,
    derived_values,
    parse_fields,
    require,
)
from workflow.definitions.fields import TITLE_LIMIT, clean_text
from workflow.definitions.leniency import MATTER_FIELD
from workflow.definitions.model import Definition
from workflow.definitions.registry import DefinitionRegistry
from workflow.engine.machine import Lifecycles
from workflow.engine.policy import Scope
from workflow.engine.projection import apply
from workflow.errors import CaseBusy, CaseNotFound, ConcurrencyConflict, InvalidInput, UnknownUnit, UnknownUser
from workflow.events import (
    COMMENTED,
    DEADLINE_RECOMPUTED,
    ESCALATED,
    FLAGGED,
    GENESIS_HASH,
    OPENED,
    UNFLAGGED,
    Event,
    format_time,
    parse_time,
)
from workflow.messages import Message, field_what
from workflow.ports import ReadTx, WriteTx
from workflow.records import CaseState, User
from workflow.search_terms import searchable_texts

# (definition, case, dest state, fields, now, trigger or None at intake) -> deadline dict | None | ... (unchanged)
DeadlineHook = Callable[[Definition, CaseState, str, Mapping[str, Any], datetime, "str | None"],
                        "dict[str, Any] | EllipsisType | None"]


def new_case_id() -> str:
    """Opaque, unguessable case ids (not sequential): 'c' + 16 hex digits."""
    return "c" + secrets.token_hex(8)


def case_texts(defn: Definition, case: CaseState) -> tuple[str, ...]:
    """What keyword search finds the case by (workflow.search_terms): its title and free-text fields."""
    return searchable_texts(case.title, case.fields, defn.free_text_fields)


@dataclass(frozen=True)
class Casework:
    """What every use case consults: definitions and machines, the deadline rule, the zone, new case ids."""

    registry: DefinitionRegistry
    lifecycles: Lifecycles
    deadlines: DeadlineHook | None
    tz: tzinfo
    new_id: Callable[[], str] = new_case_id

    def deadline(self, defn: Definition, case: CaseState, dest: str, fields: Mapping[str, Any], now: datetime,
                 trigger: str | None = None) -> Any:
        """The deadline payload on entering `dest`: a dict, None (no deadline), or ... (unchanged)."""
        if self.deadlines is None:
            return ...
        return self.deadlines(defn, case, dest, fields, now, trigger)


@dataclass(frozen=True)
class Change:
    """What a step records: an event `action` with its `payload`, moving the case to `to_state` (or not)."""

    action: str
    payload: dict[str, Any]
    to_state: str | None = None


@dataclass(frozen=True)
class StepContext:
    """What a step may look at and use while it decides, inside the unit of work."""

    work: UnitOfWork
    case: CaseState  # locked, as stored
    user: User
    definition: Definition
    scope: Scope | None  # the case unit's chain; None when the engine itself acts (a system actor)

    @property
    def tx(self) -> WriteTx:
        return self.work.tx

    @property
    def now(self) -> datetime:
        return self.work.now


class Step(Protocol):
    def decide(self, ctx: StepContext) -> Change:
        """Check the change against the locked case and say what to record; raise to refuse it."""


# What happened to a case since someone looked at it that cannot change what they decided: a comment,
# a fired escalation rung, a supervision flag (a step's guards are judged again on the locked case anyway).
NEVER_STALE = frozenset({COMMENTED, ESCALATED, FLAGGED, UNFLAGGED, DEADLINE_RECOMPUTED})


class UnitOfWork:
    """One write transaction; every case change inside it goes through `change` or `open`."""

    def __init__(self, casework: Casework, tx: WriteTx, now: datetime) -> None:
        self.casework, self.tx, self.now = casework, tx, now
        self._campaigns: list[CampaignScope] | None = None

    def campaigns(self) -> list[CampaignScope]:
        """The loaded campaigns, read once per unit of work (a ledger import opens hundreds of cases; a plan
        load stores its plan before it opens any)."""
        if self._campaigns is None:
            self._campaigns = campaign_scopes(self.tx)
        return self._campaigns

    @property
    def registry(self) -> DefinitionRegistry:
        return self.casework.registry

    def savepoint(self) -> AbstractContextManager[None]:
        """A part that an exception inside undoes alone (the sweep fires each case in one)."""
        return self.tx.savepoint()

    def user(self, login: str) -> User:
        return active_user(self.tx, login)

    def change(self, case_id: str, actor: str, step: Step, *, expected_version: int | None = None,
               system_actor: bool = False, skip_locked: bool = False) -> CaseState:
        """Lock the case, check, record the step's change, update the case row; return the new state.

        With `skip_locked`, a case another transaction holds is not waited for: CaseBusy (PostgreSQL
        FOR UPDATE SKIP LOCKED; the escalation sweep passes over claimed cases this way).
        """
        tx = self.tx
        case = tx.lock_case(case_id, skip_locked=True) if skip_locked else tx.lock_case(case_id)
        if case is None:
            if skip_locked and tx.get_case(case_id) is not None:
                raise CaseBusy("case.busy", case_id=case_id)
            raise CaseNotFound(case_id)
        defn = self.registry.get(case.type, case.definition_version)
        check_seen(tx, case, expected_version, step, defn)
        user = User.system(actor) if system_actor else active_user(tx, actor)
        scope = None
        if not system_actor:
            scope = Scope(tx.unit_chain(case.unit), self.registry.roles)  # the unit and its ancestors suffice
            scope.check_act(user, defn, case.unit)
        locked_version, before, texts_before = case.version, Before.of(case), case_texts(defn, case)
        change = step.decide(StepContext(self, case, user, defn, scope))
        event = tx.append(self._event(case, user, change))
        # The locked case was loaded by this transaction for it alone: fold the event in place.
        new = apply(case, event)
        texts = case_texts(defn, new)  # (`case` itself is folded in place: its texts were taken before)
        tx.update_case(new, defn.states[new.state].stage, expected_version=locked_version,
                       search=texts if texts != texts_before else None)
        self._tell(defn, before, new, event)
        return new

    def _tell(self, defn: Definition, before: Before, after: CaseState, event: Event) -> None:
        """The handover notices of the event, written with it (workflow.cases.notices)."""
        rows = handover_rows(self.tx, self.registry.roles, defn, before, after, event.action, event.payload,
                             event.actor, event.at)
        if rows:
            self.tx.add_alerts(rows)

    def open(self, defn: Definition, user: User, *, title: str, fields: Mapping[str, Any], unit: str | None = None,
             files: Iterable[dict[str, Any]] = (), comment: str | None = None, links: Iterable[Mapping[str, str]] = (),
             case_id: str | None = None, assignee: str | None = None, reported_at: datetime | None = None,
             provenance: Mapping[str, Any] | None = None, campaign: str | None = None,
             preferred_campaign: str | None = None, by_campaign: bool = False) -> CaseState:
        """Register a new case of `defn` (intake, a declaration, a plan measure, a step's linked case).

        The usual checks apply (the role may open the type, the unit is in scope); a system user, acting for the
        engine itself, skips them. `reported_at` (default: now) is when the problem was reported, for the
        自查从宽、被查从严 rule (workflow.definitions.leniency). `provenance` (a ledger import's file, SHA-256 and
        row: workflow.ledger) is recorded in the event as `ledger`. `campaign` names the case's campaign; without
        one, the unit's one active campaign (workflow.cases.campaign_choice). A type `opened_by: campaign` is
        opened only `by_campaign` (a plan load, an assessment round).
        """
        tx, now, work = self.tx, self.now, self.casework
        check_opener(defn, by_campaign=by_campaign)
        title = clean_text(str(title), what="title", limit=TITLE_LIMIT)
        if not title:
            raise InvalidInput("case.title_empty")
        files = list(files)
        case_unit = unit or user.unit
        if not case_unit:
            raise InvalidInput("case.needs_unit")
        chain = tx.unit_chain(case_unit)
        if not chain:
            raise UnknownUnit(str(case_unit))
        values = parse_fields(defn, fields, allowed=None)
        # The campaign first: its rules (self-report windows, 被查从严 matching) decide the computed fields.
        chosen = choose_campaign(tx, named=campaign, case_type=defn.name, chain=[u.code for u in chain],
                                 today=(reported_at or now).astimezone(work.tz).date(),
                                 category=values.get(MATTER_FIELD), preferred=preferred_campaign,
                                 scopes=self.campaigns)
        case = CaseState(id=case_id or work.new_id(), state=defn.initial, fields={}, campaign=chosen)
        values.update(derived_values(tx, defn, case, {}, values, reported_at or now, intake=True, tz=work.tz,
                                     subject_fields=self.registry.subject_fields()))
        require(defn, [f for f, spec in defn.fields.items() if spec.required], values, files, {},
                Message("where.intake"))
        text = comment_text(comment, required=False)
        if not user.is_system:
            Scope(chain, self.registry.roles).check_act(user, defn, case_unit, opening=True)
        check_references(tx, defn, values)
        check_ledger_no(tx, defn, values)
        payload: dict[str, Any] = {
            "title": title, "unit": case_unit, "fields": values, "definition_hash": defn.content_hash,
            "attachments": files, "links": [dict(link) for link in links],
        }
        if chosen is not None:
            payload["campaign"] = chosen
        if assignee is not None:
            active_user(tx, assignee)
            payload["assignee"] = assignee
        if reported_at is not None and reported_at != now:
            payload["reported_at"] = format_time(reported_at)
        if text:
            payload["comment"] = text
        if provenance:
            payload["ledger"] = dict(provenance)
        deadline = work.deadline(defn, case, defn.initial, values, now)
        if deadline is not ...:
            payload["deadline"] = deadline
        event = Event(case.id, 1, format_time(now), user.login, OPENED, None, defn.initial, payload,
                      defn.name, defn.version, GENESIS_HASH).sealed()
        new = apply(case, tx.append(event))
        tx.insert_case(new, defn.states[new.state].stage, case_texts(defn, new))
        self._tell(defn, Before("", None, {}), new, event)  # a form issued to someone (a declaration)
        return new

    def _event(self, case: CaseState, user: User, change: Change) -> Event:
        at = max(self.now, parse_time(case.updated_at)) if case.updated_at else self.now  # time never runs backwards
        return Event(case.id, case.version + 1, format_time(at), user.login, change.action,
                     case.state if change.to_state else None, change.to_state, change.payload, case.type,
                     case.definition_version, case.head_hash).sealed()


def active_user(tx: ReadTx, login: str) -> User:
    user = tx.get_user(login)
    if user is None or not user.active:
        raise UnknownUser(login)
    return user


def check_ledger_no(tx: ReadTx, defn: Definition, values: Mapping[str, Any]) -> None:
    """A 问题编号 (`ledger_no`) names one case of its type: a second one is refused (the store's unique index
    backs this up)."""
    number = values.get("ledger_no")
    if number and tx.ledger_cases(defn.name, [number]):
        raise InvalidInput("ledger.no_taken", what=field_what("ledger_no"), field="ledger_no", value=number,
                           case_type=defn.name)


def check_seen(tx: ReadTx, case: CaseState, expected_version: int | None, step: Step, defn: Definition) -> None:
    """ConcurrencyConflict when the case changed, since the version the caller saw, in a way that matters to
    `step` — what it depends on, as its `unaffected_by(event, definition)` says (without one: any change)."""
    if expected_version is None or case.version == expected_version:
        return
    unaffected = getattr(step, "unaffected_by", None)
    if unaffected is not None and 0 < expected_version < case.version:
        since = [e for e in tx.events(case.id) if e.version > expected_version]
        if all(unaffected(e, defn) for e in since):
            return
    check_version(case, expected_version)


def check_version(case: CaseState, expected_version: int | None) -> None:
    """ConcurrencyConflict when the caller saw another version of the case (someone acted first)."""
    if expected_version is not None and case.version != expected_version:
        raise ConcurrencyConflict("case.version_conflict", case_id=case.id, version=case.version,
                                  seen=expected_version)
