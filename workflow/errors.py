"""The workflow error hierarchy: every failure a caller can act on has a named class here.

Interfaces map these to exit codes (CLI) and HTTP statuses (web) in one place each, so the
core never needs to know how it is being driven.
"""
from __future__ import annotations


class WorkflowError(Exception):
    """Base class of every error the engine raises on purpose."""


class DefinitionError(WorkflowError):
    """A definition (or calendar, or campaign plan) file is invalid; nothing from it was loaded.

    ``problems`` holds one ``PATH:LINE: message`` string per problem found.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class DefinitionChanged(DefinitionError):
    """A definition file changed without a version bump while cases still run on the old text."""


class InvalidInput(WorkflowError):
    """Input from a user is malformed: a bad field value, oversized text, an unreadable file."""


class NotFound(WorkflowError):
    """Something named by the caller does not exist."""


class CaseNotFound(NotFound):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case with id {case_id!r}")


class UnknownCaseType(NotFound):
    def __init__(self, name: str, known: list[str] | None = None) -> None:
        hint = f" (known: {', '.join(sorted(known))})" if known else ""
        super().__init__(f"unknown case type {name!r}{hint}")


class UnknownUser(NotFound):
    def __init__(self, login: str) -> None:
        super().__init__(f"unknown user {login!r}")


class UnknownUnit(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown unit {code!r}")


class NotAllowed(WorkflowError):
    """The action is well-formed but the rules forbid it now (state, role, guard, fields)."""


class TransitionNotAllowed(NotAllowed):
    """The trigger does not exist from the case's current state."""


class RoleNotAllowed(NotAllowed):
    """The actor's role may not fire this trigger (or act on this case)."""


class GuardRejected(NotAllowed):
    """A guard declared in the definition said no."""


class MissingField(NotAllowed):
    """A field required at this step was not supplied."""


class ImmutableField(NotAllowed):
    """The field is fixed at intake and can never be edited (e.g. the discovery channel)."""


class FieldNotAllowed(NotAllowed):
    """This step does not take the field (another step sets it, or none does)."""


class ConcurrencyConflict(WorkflowError):
    """Someone else changed the case first; reload and try again. Nothing was written."""


class CaseBusy(ConcurrencyConflict):
    """Another transaction holds the case right now (asked not to wait for it). Nothing was written."""
