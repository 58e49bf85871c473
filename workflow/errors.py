"""The workflow error hierarchy: every failure a caller can act on has a named class here.

Every error carries a `Message` (workflow.messages): a code and its parameters; `str(err)` is the
English text. Interfaces map the classes to exit codes (CLI) and HTTP statuses (web) and render
the message in the user's language, each in one place, so the core never needs to know how it is
being driven or who reads it.
"""
from __future__ import annotations

from typing import Any

from workflow.messages import MESSAGES, Message


class WorkflowError(Exception):
    """Base class of every error the engine raises on purpose: `WorkflowError(code, **params)`."""

    def __init__(self, code: str | Message, /, **params: Any) -> None:
        if isinstance(code, Message):
            self.message = code
        elif code in MESSAGES:
            self.message = Message(code, params)
        else:  # text without a code (callers outside the engine); the engine always gives one
            self.message = Message("text", {"text": code})
        super().__init__(str(self.message))

    @property
    def code(self) -> str:
        return self.message.code

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.message.params)

    def reword(self, message: Message) -> None:
        """Say the same failure in a wider context (e.g. the linked case a step could not open)."""
        self.message = message
        self.args = (str(message),)


class DefinitionError(WorkflowError):
    """A definition (or calendar, or campaign plan) file is invalid; nothing from it was loaded.

    ``problems`` holds one ``PATH:LINE: message`` string per problem found.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("definition.invalid", problems="\n".join(self.problems))


class DefinitionChanged(DefinitionError):
    """A definition file changed without a version bump while cases still run on the old text."""


class DefinitionRefused(WorkflowError):
    """A definition version stored in the database that this version of rectiflow's parser refuses: its cases
    can be read, not changed, until `definitions migrate` moves them to a version it accepts."""


class InvalidInput(WorkflowError):
    """Input from a user is malformed: a bad field value, oversized text, an unreadable file."""


class NotFound(WorkflowError):
    """Something named by the caller does not exist."""


class CaseNotFound(NotFound):
    def __init__(self, case_id: str) -> None:
        super().__init__("case.not_found", case_id=case_id)


class UnknownCaseType(NotFound):
    def __init__(self, name: str, known: list[str] | None = None) -> None:
        hint = f" (known: {', '.join(sorted(known))})" if known else ""
        super().__init__("case.type_unknown", case_type=name, known=hint)


class UnknownUser(NotFound):
    def __init__(self, login: str) -> None:
        super().__init__("directory.unknown_user", user=login)


class UnknownUnit(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__("directory.unknown_unit", unit=code)


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
