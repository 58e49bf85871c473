"""CaseService: the use cases of the engine — open, advance, assign, comment, read, replay.

Every change is one write transaction: load and lock the case, check state, role, scope, guards
and fields, append one sealed audit event, update the case row. Either all of it is committed or
nothing is. A caller may pass the version it saw (a web form does): if the case has moved on since,
ConcurrencyConflict. Without one, the request applies to the case as it is when locked — racing
requests are serialised by the lock, and the second is judged against the first one's result.
Files are the one thing handled before the transaction (see `advance`).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from workflow.definitions.model import Definition, TransitionSpec
from workflow.errors import (
    CaseBusy, CaseNotFound, ConcurrencyConflict, FieldNotAllowed, ImmutableField, InvalidInput, MissingField,
    RoleNotAllowed, TransitionNotAllowed, UnknownUnit, UnknownUser,
)
from workflow.events import (
    ADVANCED, ASSIGNED, COMMENTED, FIELDS_CHANGED, GENESIS_HASH, OPENED, Event, format_time, parse_time,
)
from workflow.engine.fields import COMMENT_LIMIT, TITLE_LIMIT, clean_text, parse_value
from workflow.engine.computed import ComputeContext, derive, subject_fields
from workflow.engine.guards import GuardContext
from workflow.engine.leniency import Facts
from workflow.cases.linking import open_linked
from workflow.engine.policy import Scope
from workflow.ports import BlobStore, Clock, ReadTx, Store, User, WriteTx
from workflow.engine.projection import CaseState, apply, project_case
from workflow.definitions.registry import DefinitionRegistry

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS_PER_STEP = 20


@dataclass(frozen=True)
class Attachment:
    """A file a user adds to a case field (its bytes are stored content-addressed)."""

    field: str
    name: str
    data: bytes


# (definition, case, dest state, fields, now, trigger or None at intake) -> deadline dict | None | ... (unchanged)
DeadlineHook = Callable[[Definition, CaseState, str, Mapping[str, Any], datetime, "str | None"],
                        "dict[str, Any] | None | type[Ellipsis]"]


# Makes a change's event inside the write transaction: (tx, locked case, acting user, now, the case
# unit's scope — None for the engine's own system actors).
Builder = Callable[[WriteTx, CaseState, User, datetime, Scope | None], Event]


# (transaction, case type -> subject field) -> the facts the 自查从宽 rule needs (workflow.engine.leniency)
FactsHook = Callable[[ReadTx, Mapping[str, str]], Facts]


class CaseService:
    def __init__(self, store: Store, registry: DefinitionRegistry, clock: Clock, blobs: BlobStore, *,
                 deadline_hook: DeadlineHook | None = None, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
                 facts: FactsHook | None = None) -> None:
        self.store, self.registry, self.clock, self.blobs = store, registry, clock, blobs
        self.deadline_hook = deadline_hook
        self.facts = facts
        self.max_attachment_bytes = max_attachment_bytes
        self._subjects: tuple[DefinitionRegistry, Mapping[str, str]] | None = None

    # ---- intake -------------------------------------------------------------------------
    def open_case(self, case_type: str, *, actor: str, title: str, unit: str | None = None,
                  fields: Mapping[str, Any] | None = None, attachments: Iterable[Attachment] = (),
                  comment: str | None = None, links: Iterable[Mapping[str, str]] = ()) -> CaseState:
        """Register a new case of `case_type` under its latest definition version."""
        defn = self.registry.latest(case_type)
        self._parse_fields(defn, fields or {}, allowed=None)  # bad input fails before any file is stored
        files = self._store_files(defn, attachments, allowed=None)
        now = self.clock.now()
        with self.store.write() as tx:
            return self.open_in(tx, defn, self._user(tx, actor), now, title=title, unit=unit, fields=fields or {},
                                files=files, comment=comment, links=links)

    def open_in(self, tx: WriteTx, defn: Definition, user: User, now: datetime, *, title: str,
                fields: Mapping[str, Any], unit: str | None = None, files: Iterable[dict[str, Any]] = (),
                comment: str | None = None, links: Iterable[Mapping[str, str]] = (), case_id: str | None = None,
                assignee: str | None = None, reported_at: datetime | None = None) -> CaseState:
        """Open a case inside the caller's write transaction (intake, declarations, a step's linked cases).

        The usual checks apply (the role may open the type, the unit is in scope); a ``system:`` user,
        acting for the engine itself, skips them. `reported_at` (default: now) is when the problem
        was reported, for the 自查从宽、被查从严 rule (workflow.engine.leniency).
        """
        title = clean_text(str(title), what="title", limit=TITLE_LIMIT)
        if not title:
            raise InvalidInput("title: must not be empty")
        files = list(files)
        case = CaseState(id=case_id or new_case_id(), state=defn.initial, fields={})
        values = self._parse_fields(defn, fields, allowed=None)
        values.update(self._derived(tx, defn, case, {}, values, reported_at or now, intake=True))
        self._require(defn, [f for f, spec in defn.fields.items() if spec.required], values, files, {}, "intake")
        text = self._comment(comment, required=False)
        case_unit = unit or user.unit
        if not case_unit:
            raise InvalidInput("the case needs a unit (--unit)")
        chain = tx.unit_chain(case_unit)
        if not chain:
            raise UnknownUnit(str(case_unit))
        if user.role != "system":
            Scope(chain).check_act(user, defn, case_unit, opening=True)
        self._check_references(tx, defn, values)
        payload: dict[str, Any] = {
            "title": title, "unit": case_unit, "fields": values, "definition_hash": defn.content_hash,
            "attachments": files, "links": [dict(link) for link in links],
        }
        if assignee is not None:
            target = tx.get_user(assignee)
            if target is None or not target.active:
                raise UnknownUser(assignee)
            payload["assignee"] = assignee
        if reported_at is not None and reported_at != now:
            payload["reported_at"] = format_time(reported_at)
        if text:
            payload["comment"] = text
        deadline = self._deadline(defn, case, defn.initial, values, now)
        if deadline is not ...:
            payload["deadline"] = deadline
        event = Event(case.id, 1, format_time(now), user.login, OPENED, None, defn.initial, payload,
                      defn.name, defn.version, GENESIS_HASH).sealed()
        new = apply(case, tx.append(event))
        tx.insert_case(new, defn.states[new.state].stage)
        return new

    # ---- moving a case ------------------------------------------------------------------
    def advance(self, case_id: str, trigger: str, *, actor: str, fields: Mapping[str, Any] | None = None,
                attachments: Iterable[Attachment] = (), comment: str | None = None,
                expected_version: int | None = None) -> CaseState:
        """Fire `trigger` on the case: checks, then one event and one row update, atomically.

        Raises:
            TransitionNotAllowed, RoleNotAllowed, GuardRejected, MissingField, InvalidInput: nothing written.
            ConcurrencyConflict: the case changed since `expected_version`; nothing written.
        """
        attachments = list(attachments)
        files: list[dict[str, Any]] = []
        if attachments:
            # Files are stored before the write transaction, so that writing megabytes never holds the
            # database's write lock; judging them needs the step, hence one read first. The version
            # read then is the one the transaction insists on. (Blobs are content-addressed: one left
            # by a refused step is harmless and reused.)
            seen = self._seen(case_id, expected_version)
            expected_version = seen.version
            seen_defn = self.definition_of(seen)
            files = self._store_files(seen_defn, attachments,
                                      allowed=self._step_fields(seen_defn, seen.state, trigger))

        def build(tx: WriteTx, case: CaseState, user: User, now: datetime, scope: Scope | None) -> Event:
            defn = self.registry.get(case.type, case.definition_version)
            allowed = self._step_fields(defn, case.state, trigger)  # wrong state or unknown trigger: said first
            values = self._parse_fields(defn, fields or {}, allowed=allowed, case=case)
            t = defn.transition(case.state, trigger)
            assert t is not None  # _step_fields raised otherwise
            text = self._comment(comment, required=t.comment == "required")
            if user.role not in t.roles:
                raise RoleNotAllowed(f"role {user.role!r} may not {trigger!r} (allowed: {', '.join(t.roles)})")
            step = {**values, **self._derived(tx, defn, case, case.fields, values, None, intake=False)}
            ctx = self._guard_ctx(case, user, step, files, now)
            dest = self.registry.lifecycle(defn).fire(case.state, trigger, ctx)  # raises when not possible
            self._require(defn, list(t.requires), step, files, case.fields, f"step {trigger!r}")
            self._check_references(tx, defn, step)
            payload: dict[str, Any] = {"trigger": trigger, "fields": step, "attachments": files}
            if text:
                payload["comment"] = text
            deadline = self._deadline(defn, case, dest, {**case.fields, **step}, now, trigger)
            if deadline is not ...:
                payload["deadline"] = deadline
            links = open_linked(self, tx, defn=defn, case=case, t=t, user=user, ctx=ctx, now=now) if t.opens else []
            if links:  # linked cases, opened in this same transaction (workflow.cases.linking)
                payload["links"] = links
            return self._event(case, user, now, ADVANCED, dest, payload)

        return self._change(case_id, actor, expected_version, build)

    def assign(self, case_id: str, *, actor: str, assignee: str | None, expected_version: int | None = None) -> CaseState:
        """Give the case to a handler (or take it back with assignee=None); 签收 is assigning oneself."""

        def build(tx: WriteTx, case: CaseState, user: User, now: datetime, scope: Scope | None) -> Event:
            defn = self.registry.get(case.type, case.definition_version)
            scope = scope or Scope(tx.unit_chain(case.unit))
            claiming = assignee == user.login and case.assignee is None
            if not claiming and user.role not in defn.assigners:
                raise RoleNotAllowed(f"role {user.role!r} may not assign {defn.name} cases "
                                     f"(assigners: {', '.join(defn.assigners)})")
            if assignee is not None:
                target = tx.get_user(assignee)
                if target is None or not target.active:
                    raise UnknownUser(assignee)
                scope.check_act(target, defn, case.unit)
            return self._event(case, user, now, ASSIGNED, None, {"assignee": assignee})

        return self._change(case_id, actor, expected_version, build)

    def add_comment(self, case_id: str, *, actor: str, text: str, expected_version: int | None = None) -> CaseState:
        body = self._comment(text, required=True)

        def build(tx: WriteTx, case: CaseState, user: User, now: datetime, scope: Scope | None) -> Event:
            return self._event(case, user, now, COMMENTED, None, {"comment": body})

        return self._change(case_id, actor, expected_version, build)

    def update_fields(self, case_id: str, *, actor: str, fields: Mapping[str, Any],
                      attachments: Iterable[Attachment] = (), comment: str | None = None,
                      expected_version: int | None = None) -> CaseState:
        """Correct field values outside a step (definition `editors` only; never immutable fields)."""
        attachments = list(attachments)
        if not fields and not attachments:
            raise InvalidInput("nothing to change: give at least one field or file")
        text = self._comment(comment, required=False)
        files: list[dict[str, Any]] = []
        if attachments:  # stored before the write transaction, as in `advance`
            seen = self._seen(case_id, expected_version)
            expected_version = seen.version
            files = self._store_files(self.definition_of(seen), attachments, allowed=None)

        def build(tx: WriteTx, case: CaseState, user: User, now: datetime, scope: Scope | None) -> Event:
            defn = self.registry.get(case.type, case.definition_version)
            values = self._parse_fields(defn, fields, allowed=None, case=case)
            for name in values:
                if defn.fields[name].immutable:
                    raise ImmutableField(f"field {name!r} is fixed at intake and cannot be changed")
            if user.role not in defn.editors:
                raise RoleNotAllowed(f"role {user.role!r} may not edit {defn.name} fields "
                                     f"(editors: {', '.join(defn.editors)})")
            if defn.states[case.state].terminal:
                raise TransitionNotAllowed(f"case {case.id} is in final state {case.state!r}")
            self._check_references(tx, defn, values)
            changed = {**values, **self._derived(tx, defn, case, case.fields, values, None, intake=False)}
            payload: dict[str, Any] = {"fields": changed, "attachments": files}
            if text:
                payload["comment"] = text
            return self._event(case, user, now, FIELDS_CHANGED, None, payload)

        return self._change(case_id, actor, expected_version, build)

    def record(self, case_id: str, *, actor: str, action: str, payload: Mapping[str, Any],
               to_state: str | None = None, expected_version: int | None = None,
               check: Callable[[WriteTx, CaseState, User, Definition], None] | None = None,
               skip_locked: bool = False) -> CaseState:
        """Append an event of another module's action (escalations, flags, extensions) the same safe way.

        `check` runs inside the transaction, after the case is locked, and may fill in `payload`.
        With `skip_locked`, a case another transaction holds is not waited for: CaseBusy is raised
        (PostgreSQL FOR UPDATE SKIP LOCKED; the escalation sweep uses it to pass over claimed cases).
        """
        with self.store.write() as tx:
            return self.record_in(tx, case_id, actor=actor, action=action, payload=payload, to_state=to_state,
                                  expected_version=expected_version, check=check, skip_locked=skip_locked)

    def record_in(self, tx: WriteTx, case_id: str, *, actor: str, action: str, payload: Mapping[str, Any],
                  to_state: str | None = None, expected_version: int | None = None,
                  check: Callable[[WriteTx, CaseState, User, Definition], None] | None = None,
                  skip_locked: bool = False) -> CaseState:
        """`record` inside the caller's write transaction: the change commits (or not) with it. The caller
        owns that transaction — the escalation sweep fires a batch of cases in one, each in a savepoint."""

        def build(tx: WriteTx, case: CaseState, user: User, now: datetime, scope: Scope | None) -> Event:
            if check is not None:
                check(tx, case, user, self.registry.get(case.type, case.definition_version))
            return self._event(case, user, now, action, to_state, dict(payload))

        return self._change_in(tx, self.clock.now(), case_id, actor, expected_version, build,
                               system_actor=actor.startswith("system:"), skip_locked=skip_locked)

    # ---- reading ------------------------------------------------------------------------
    def get(self, case_id: str) -> CaseState:
        with self.store.read() as tx:
            case = tx.get_case(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def definition_of(self, case: CaseState) -> Definition:
        return self.registry.get(case.type, case.definition_version)

    def history(self, case_id: str, *, version: int | None = None, as_of: datetime | None = None
                ) -> tuple[list[Event], CaseState | None]:
        """The case's events (up to a version or instant) and the case replayed from them alone."""
        with self.store.read() as tx:
            if tx.get_case(case_id) is None and not tx.events(case_id):
                raise CaseNotFound(case_id)
            events = tx.events(case_id, up_to_version=version, as_of=format_time(as_of) if as_of else None)
        return events, project_case(events)

    def available(self, case: CaseState) -> list[TransitionSpec]:
        return self.definition_of(case).transitions_from(case.state)

    # ---- internals ----------------------------------------------------------------------
    def _seen(self, case_id: str, expected_version: int | None) -> CaseState:
        case = self.get(case_id)
        if expected_version is not None and case.version != expected_version:
            raise ConcurrencyConflict(
                f"case {case_id} is at version {case.version}, you saw version {expected_version}: "
                "someone else acted first — reload and try again")
        return case

    def _step_fields(self, defn: Definition, state: str, trigger: str) -> set[str]:
        """The fields `trigger` takes from `state`; TransitionNotAllowed when it does not leave `state`."""
        spec = defn.transition(state, trigger)
        if spec is None:
            self.registry.lifecycle(defn).check(state, trigger)  # raises, naming what is possible
            raise TransitionNotAllowed(f"{trigger!r} is not possible from state {state!r}")
        return set(spec.requires + spec.optional)

    def _change(self, case_id: str, actor: str, expected_version: int | None, build: Builder,
                system_actor: bool = False, skip_locked: bool = False) -> CaseState:
        now = self.clock.now()
        with self.store.write() as tx:
            return self._change_in(tx, now, case_id, actor, expected_version, build, system_actor, skip_locked)

    def _change_in(self, tx: WriteTx, now: datetime, case_id: str, actor: str, expected_version: int | None,
                   build: Builder, system_actor: bool = False, skip_locked: bool = False) -> CaseState:
        case = tx.lock_case(case_id, skip_locked=True) if skip_locked else tx.lock_case(case_id)
        if case is None:
            if skip_locked and tx.get_case(case_id) is not None:
                raise CaseBusy(f"case {case_id} is being changed by another transaction")
            raise CaseNotFound(case_id)
        if expected_version is not None and case.version != expected_version:
            raise ConcurrencyConflict(
                f"case {case_id} is at version {case.version}, you saw version {expected_version}: "
                "someone else acted first — reload and try again")
        user = User(actor, actor, "system", None) if system_actor else self._user(tx, actor)
        defn = self.registry.get(case.type, case.definition_version)
        scope = None
        if not system_actor:
            scope = Scope(tx.unit_chain(case.unit))  # the case's unit and its ancestors: all a check needs
            scope.check_act(user, defn, case.unit)
        locked_version = case.version
        event = tx.append(build(tx, case, user, now, scope))
        # The locked case was loaded by this transaction for it alone: fold the event in place.
        new = apply(case, event)
        tx.update_case(new, defn.states[new.state].stage, expected_version=locked_version)
        return new

    @staticmethod
    def _event(case: CaseState, user: User, now: datetime, action: str, dest: str | None,
               payload: dict[str, Any]) -> Event:
        at = max(now, parse_time(case.updated_at)) if case.updated_at else now  # time never runs backwards
        return Event(case.id, case.version + 1, format_time(at), user.login, action, case.state if dest else None,
                     dest, payload, case.type, case.definition_version, case.head_hash).sealed()

    @staticmethod
    def _user(tx: ReadTx, login: str) -> User:
        user = tx.get_user(login)
        if user is None or not user.active:
            raise UnknownUser(login)
        return user

    @staticmethod
    def _guard_ctx(case: CaseState, user: User, values: Mapping[str, Any], files: list[dict[str, Any]],
                   now: datetime) -> GuardContext:
        merged = {**case.fields, **values}  # guards only read (workflow.engine.guards): no deep copy needed
        for item in files:
            merged.setdefault(item["field"], [])
            merged[item["field"]] = list(merged[item["field"]]) + [item]
        due = (case.deadline or {}).get("due_at")
        return GuardContext(user.login, user.role, merged, case.last_actor_by_trigger, case.assignee,
                            parse_time(due) if due else None, now)

    @staticmethod
    def _parse_fields(defn: Definition, raw: Mapping[str, Any], *, allowed: set[str] | None,
                      case: CaseState | None = None) -> dict[str, Any]:
        values = {}
        for name, value in raw.items():
            spec = defn.fields.get(name)
            if spec is None:
                raise InvalidInput(f"unknown field {name!r} for {defn.name} (known: {', '.join(defn.fields)})")
            if spec.computed is not None:
                raise InvalidInput(f"field {name!r} is computed by the engine and cannot be set")
            if spec.immutable and case is not None and case.fields.get(name) not in (None, ""):
                raise ImmutableField(f"field {name!r} is fixed at intake and cannot be changed")
            if allowed is not None and name not in allowed:
                raise FieldNotAllowed(f"field {name!r} cannot be set at this step"
                                      f" (this step takes: {', '.join(sorted(allowed)) or 'no fields'})")
            values[name] = parse_value(spec, value)
        return values

    def _store_files(self, defn: Definition, attachments: Iterable[Attachment], *, allowed: set[str] | None
                     ) -> list[dict[str, Any]]:
        files = list(attachments)
        if len(files) > MAX_ATTACHMENTS_PER_STEP:
            raise InvalidInput(f"at most {MAX_ATTACHMENTS_PER_STEP} files per step")
        out = []
        for f in files:
            spec = defn.fields.get(f.field)
            if spec is None or spec.type != "attachment":
                raise InvalidInput(f"{f.field!r} is not an attachment field of {defn.name}")
            if allowed is not None and f.field not in allowed:
                raise FieldNotAllowed(f"files for {f.field!r} cannot be added at this step")
            if len(f.data) > self.max_attachment_bytes:
                raise InvalidInput(f"file {f.name!r} is {len(f.data)} bytes; the limit is {self.max_attachment_bytes}")
            name = clean_text(f.name or "file", what="file name", limit=200)
            # Content-addressed: a blob left by a failed transaction is harmless and reused later.
            out.append({"field": f.field, "name": name, "sha256": self.blobs.put(f.data), "size": len(f.data)})
        return out

    @staticmethod
    def _require(defn: Definition, names: list[str], values: Mapping[str, Any], files: list[dict[str, Any]],
                 existing: Mapping[str, Any], where: str) -> None:
        missing = []
        for name in names:
            if defn.fields[name].type == "attachment":
                if not existing.get(name) and not any(f["field"] == name for f in files):
                    missing.append(name)
            elif values.get(name) in (None, ""):
                missing.append(name)
        if missing:
            raise MissingField(f"{where} needs {', '.join(repr(m) for m in missing)}")

    @staticmethod
    def _comment(text: str | None, *, required: bool) -> str | None:
        body = clean_text(text, what="comment", limit=COMMENT_LIMIT, multiline=True) if text else ""
        if required and not body:
            raise MissingField("this step needs a comment (the reason)")
        return body or None

    @staticmethod
    def _check_references(tx: ReadTx, defn: Definition, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            kind = defn.fields[name].type
            if kind == "person" and tx.get_user(value) is None:
                raise InvalidInput(f"field {name!r}: unknown user {value!r}")
            if kind == "unit" and tx.get_unit(value) is None:
                raise InvalidInput(f"field {name!r}: unknown unit {value!r}")

    def _derived(self, tx: ReadTx, defn: Definition, case: CaseState, existing: Mapping[str, Any],
                 values: Mapping[str, Any], reported_at: datetime | None, *, intake: bool) -> dict[str, Any]:
        """Engine-computed field values to record with `values` (workflow.engine.computed)."""
        if not any(spec.computed is not None and (intake or set(spec.computed.inputs()) & set(values))
                   for spec in defn.fields.values()):
            return {}
        if reported_at is None:  # a later step: the case was reported at intake (or when its source said)
            first = tx.events(case.id, up_to_version=1)
            reported_at = parse_time(first[0].payload.get("reported_at") or first[0].at)
        facts = self.facts(tx, self._subject_fields()) if self.facts else None
        return derive(defn.fields, existing, values, ComputeContext(case.id, defn.name, reported_at, facts),
                      intake=intake)

    def _subject_fields(self) -> Mapping[str, str]:
        """workflow.engine.computed.subject_fields of the current registry, worked out once per registry."""
        memo = self._subjects
        if memo is None or memo[0] is not self.registry:
            memo = self._subjects = (self.registry, subject_fields(self.registry.all_latest()))
        return memo[1]

    def _deadline(self, defn: Definition, case: CaseState, dest: str, fields: Mapping[str, Any], now: datetime,
                  trigger: str | None = None) -> Any:
        """The deadline payload on entering `dest`: a dict, None (no deadline), or ... (unchanged)."""
        if self.deadline_hook is None:
            return ...
        return self.deadline_hook(defn, case, dest, fields, now, trigger)


def new_case_id() -> str:
    """Opaque, unguessable case ids (not sequential): 'c' + 16 hex digits."""
    return "c" + secrets.token_hex(8)
