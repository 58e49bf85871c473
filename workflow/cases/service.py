"""CaseService: the use cases of the engine — open, advance, assign, return, comment, correct, read, replay.

Every change is one unit of work (workflow.cases.unit_of_work): load and lock the case, check state,
role, scope, guards and fields, append one sealed audit event, update the case row. Either all of it
is committed or nothing is. A caller may pass the version it saw (a web form does): if the case has
moved on since, ConcurrencyConflict. Without one, the request applies to the case as it is when
locked — racing requests are serialised by the lock, and the second is judged against the first
one's result. Files are the one thing handled before the transaction (see `advance`).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from workflow.cases.offers import offered
from workflow.cases.steps import Advance, Assign, Comment, EditFields, ReturnToQueue
from workflow.cases.unit_of_work import Casework, Step, UnitOfWork, check_version
from workflow.cases.validation import Attachment, check_dates, check_files, comment_text, parse_fields
from workflow.definitions.fields import COMMENT_LIMIT, clean_text, file_name
from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.registry import DefinitionRegistry
from workflow.engine.policy import Scope
from workflow.engine.projection import project_case
from workflow.errors import CaseNotFound, FieldNotAllowed, InvalidInput, TransitionNotAllowed, UnknownUser
from workflow.events import Event, format_time
from workflow.ports import BlobStore, Clock, Store
from workflow.records import SYSTEM_PREFIX, CaseState

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

__all__ = ["MAX_ATTACHMENT_BYTES", "Attachment", "CaseService"]


class CaseService:
    def __init__(self, store: Store, casework: Casework, clock: Clock, blobs: BlobStore, *,
                 max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> None:
        self.store, self.casework, self.clock, self.blobs = store, casework, clock, blobs
        self.max_attachment_bytes = max_attachment_bytes

    @property
    def registry(self) -> DefinitionRegistry:
        return self.casework.registry

    # ---- the write path ------------------------------------------------------------------
    @contextmanager
    def begin(self) -> Iterator[UnitOfWork]:
        """A unit of work: one write transaction, committed when the block ends without an error."""
        now = self.clock.now()
        with self.store.write() as tx:
            yield UnitOfWork(self.casework, tx, now)

    def change(self, case_id: str, step: Step, *, actor: str, expected_version: int | None = None) -> CaseState:
        """Run one step on one case in its own unit of work (the engine's `system:` actors included)."""
        with self.begin() as work:
            return work.change(case_id, actor, step, expected_version=expected_version,
                               system_actor=actor.startswith(SYSTEM_PREFIX))

    # ---- intake -------------------------------------------------------------------------
    def open_case(self, case_type: str, *, actor: str, title: str, unit: str | None = None,
                  fields: Mapping[str, Any] | None = None, attachments: Iterable[Attachment] = (),
                  comment: str | None = None, links: Iterable[Mapping[str, str]] = (),
                  campaign: str | None = None) -> CaseState:
        """Register a new case of `case_type` under its latest definition version, in `campaign` (default: the
        unit's one active campaign; workflow.cases.campaign_choice)."""
        defn = self.registry.latest(case_type)
        # Bad input fails before any file is stored (the unit of work parses the fields again).
        check_dates(defn, parse_fields(defn, fields or {}, allowed=None), self.clock.now(), self.casework.tz)
        attachments = named(attachments)
        check_files(defn, attachments, allowed=None, max_bytes=self.max_attachment_bytes)
        files = self._store_files(defn, attachments)
        with self.begin() as work:
            return work.open(defn, work.user(actor), title=title, unit=unit, fields=fields or {}, files=files,
                             comment=comment, links=links, campaign=campaign)

    # ---- moving a case ------------------------------------------------------------------
    def advance(self, case_id: str, trigger: str, *, actor: str, fields: Mapping[str, Any] | None = None,
                attachments: Iterable[Attachment] = (), comment: str | None = None,
                expected_version: int | None = None, kept: Iterable[Mapping[str, Any]] = (),
                checks: Mapping[int, Mapping[str, Any]] | None = None) -> CaseState:
        """Fire `trigger` on the case: checks, then one event and one row update, atomically.

        `checks` are the acceptance checklist's results by criterion number ({met, note, evidence}),
        for a step the definition's `acceptance:` names (workflow.definitions.acceptance).

        `kept` are files stored already (by `stage_files`, or on this case in an earlier round), as
        {field, name, sha256, size}: the caller vouches that the person may use them.

        Raises:
            TransitionNotAllowed, RoleNotAllowed, GuardRejected, MissingField, InvalidInput: nothing written.
            ConcurrencyConflict: the case changed since `expected_version`; nothing written.
        """
        attachments, kept = list(attachments), list(kept)
        files: list[dict[str, Any]] = []
        if attachments or kept:
            files, expected_version = self.stage_files(case_id, trigger, attachments, expected_version, kept=kept)
        step = Advance(trigger, dict(fields or {}), tuple(files), comment, dict(checks or {}))
        return self._change(case_id, actor, step, expected_version)

    def stage_files(self, case_id: str, trigger: str, attachments: list[Attachment],
                    expected_version: int | None = None, *, kept: Iterable[Mapping[str, Any]] = ()
                    ) -> tuple[list[dict[str, Any]], int]:
        """Store a step's files before its transaction: (their references, the version to insist on).

        Files are stored before the write transaction, so that writing megabytes never holds the
        database's write lock; judging them needs the step, hence one read first. (Blobs are
        content-addressed: one left by a refused step is harmless and reused — which is also how a
        form that failed keeps its uploads: it passes the references back as `kept`.)
        """
        seen = self.get(case_id)
        moved = expected_version is not None and seen.version != expected_version
        if moved and expected_version is not None and expected_version > seen.version:
            check_version(seen, expected_version)
        defn = self.definition_of(seen)
        try:
            t = self.casework.lifecycles.of(defn).step(seen.state, trigger)
        except TransitionNotAllowed:
            if moved:  # the form was made for a state the case has left
                check_version(seen, expected_version)
            raise
        allowed = set(t.requires + t.optional)
        refs = [self._kept(defn, dict(k), allowed) for k in kept]
        attachments = named(attachments)
        check_files(defn, attachments, allowed=allowed, max_bytes=self.max_attachment_bytes, already=len(refs))
        return refs + self._store_files(defn, attachments), seen.version if expected_version is None \
            else expected_version

    def assign(self, case_id: str, *, actor: str, assignee: str | None,
               expected_version: int | None = None) -> CaseState:
        """Give the case to a handler (or take it back with assignee=None); 签收 is assigning oneself."""
        return self._change(case_id, actor, Assign(assignee), expected_version)

    def return_to_queue(self, case_id: str, *, actor: str, reason: str,
                        expected_version: int | None = None) -> CaseState:
        """退回: unassign the case with a reason (mandatory).

        Raises:
            InvalidInput: no reason, or the case has no assignee.
            RoleNotAllowed: the actor is neither the assignee nor an assigner, or does not cover the unit.
            ConcurrencyConflict: the case moved on since `expected_version`.
        """
        text = clean_text(reason or "", what="reason", limit=COMMENT_LIMIT, multiline=True)
        if not text:
            raise InvalidInput("case.return_needs_reason")
        return self._change(case_id, actor, ReturnToQueue(text), expected_version)

    def add_comment(self, case_id: str, *, actor: str, text: str, expected_version: int | None = None) -> CaseState:
        body = comment_text(text, required=True)
        assert body is not None
        return self._change(case_id, actor, Comment(body), expected_version)

    def update_fields(self, case_id: str, *, actor: str, fields: Mapping[str, Any],
                      attachments: Iterable[Attachment] = (), comment: str | None = None,
                      expected_version: int | None = None) -> CaseState:
        """Correct field values outside a step (definition `editors` only; never immutable fields)."""
        attachments = named(attachments)
        if not fields and not attachments:
            raise InvalidInput("case.nothing_to_change")
        text = comment_text(comment, required=False)
        files: list[dict[str, Any]] = []
        if attachments:  # stored before the write transaction, as in `advance`
            seen = self._seen(case_id, expected_version)
            expected_version = seen.version if expected_version is None else expected_version
            defn = self.definition_of(seen)
            check_files(defn, attachments, allowed=None, max_bytes=self.max_attachment_bytes)
            files = self._store_files(defn, attachments)
        return self._change(case_id, actor, EditFields(dict(fields), tuple(files), text), expected_version)

    # ---- reading ------------------------------------------------------------------------
    def get(self, case_id: str) -> CaseState:
        with self.store.read() as tx:
            case = tx.get_case(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def count(self) -> int:
        """How many cases there are (of every type, open or closed)."""
        with self.store.read() as tx:
            return tx.count_cases()

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

    def available(self, case: CaseState, login: str | None = None) -> list[TransitionSpec]:
        """The steps out of the case's state; with `login`, only those that person can take now
        (workflow.cases.offers)."""
        defn = self.definition_of(case)
        if login is None:
            return defn.transitions_from(case.state)
        with self.store.read() as tx:
            user = tx.get_user(login)
            if user is None or not user.active:
                raise UnknownUser(login)
            chain = tx.unit_chain(case.unit)
        return offered(defn, case, user, Scope(chain, self.registry.roles), self.clock.now())

    # ---- internals ----------------------------------------------------------------------
    def _change(self, case_id: str, actor: str, step: Step, expected_version: int | None) -> CaseState:
        with self.begin() as work:
            return work.change(case_id, actor, step, expected_version=expected_version)

    def _seen(self, case_id: str, expected_version: int | None) -> CaseState:
        """The case as it is, to judge files against before the transaction (which checks what the caller saw)."""
        case = self.get(case_id)
        if expected_version is not None and expected_version > case.version:
            check_version(case, expected_version)
        return case

    def _kept(self, defn: Definition, ref: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
        """A reference to a stored file, checked: a file field of the step, a blob that exists, its size."""
        field, sha = str(ref.get("field", "")), str(ref.get("sha256", ""))
        spec = defn.fields.get(field)
        if spec is None or spec.type != "attachment":
            raise InvalidInput("file.not_attachment_field", field=field, case_type=defn.name)
        if field not in allowed:
            raise FieldNotAllowed("file.not_at_step", field=field, case_type=defn.name)
        size = self.blobs.size(sha)
        if size is None:
            raise InvalidInput("file.gone", name=str(ref.get("name", "")))
        return {"field": field, "name": file_name(str(ref.get("name") or "")), "sha256": sha, "size": size}

    def _store_files(self, defn: Definition, attachments: list[Attachment]) -> list[dict[str, Any]]:
        """Store checked files (see `named`); their references."""
        # Content-addressed: a blob left by a failed transaction is harmless and reused later.
        return [{"field": f.field, "name": file_name(f.name), "sha256": self.blobs.put(f.data), "size": len(f.data)}
                for f in attachments]


def named(attachments: Iterable[Attachment]) -> list[Attachment]:
    """The files with the names they will be stored under (bidi controls and paths stripped), so that
    checking them judges what is stored."""
    return [replace(f, name=file_name(f.name)) for f in attachments]
