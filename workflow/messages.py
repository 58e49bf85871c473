"""Every message the engine gives a person, by code: the English text in workflow.message_catalogue,
translations at the edge.

An error (workflow.errors) or a guard's refusal carries a `Message`: a code from `MESSAGES` and its
parameters. `str(message)` is the English text (the CLI's, the logs'). The web UI renders the same
template through Flask-Babel in the user's language, after turning the parameters that name things
into what people call them (see `LABELLED`). Templates use gettext's ``%(name)s`` placeholders, and
`N_` marks them so that pybabel extracts them into web/translations.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.message_catalogue import MESSAGES, N_

__all__ = ["LABELLED", "MESSAGES", "N_", "WHAT", "Message", "render"]

# Parameters that name something a person knows by a label: the web shows the label, the CLI the name.
LABELLED = {
    "role": "role", "roles": "role", "state": "state", "trigger": "trigger", "triggers": "trigger",
    "field": "field", "fields": "field", "unit": "unit", "user": "user", "case_type": "case_type",
    "what": "what",
}


# What `what` may name besides a field (the web shows these words in the user's language).
WHAT = {"title": N_("title"), "comment": N_("comment"), "reason": N_("reason"), "file name": N_("file name"),
        "unit name": N_("unit name"), "user name": N_("user name"), "deadline": N_("deadline"),
        "measure": N_("measure"), "filter name": N_("filter name"), "filter": N_("filter")}


class Message:
    """A message to a person: its code (a key of MESSAGES) and parameters; str() is the English text.

    `Message("access.read_only", role="auditor")`, or with the parameters as a mapping.
    """

    __slots__ = ("code", "params")

    def __init__(self, code: str, params: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"no message {code!r} in workflow.messages.MESSAGES")
        self.code: str = code
        self.params: dict[str, Any] = {**(params or {}), **more}

    def __str__(self) -> str:
        return render(self.code, self.params)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.code, self.params) == (other.code, other.params)

    __hash__ = None  # type: ignore[assignment]  # mutable parameters: not a dict key


def render(code: str, params: Mapping[str, Any], *, template: str | None = None,
           show: Any = None) -> str:
    """The message in English, or with `template` (a translation) and `show(name, value)` turning each
    parameter into its text (the web's labels); lists are joined with ", " unless `show` joins them."""
    values = {k: show(k, v) if show is not None else _plain(v) for k, v in params.items()}
    return (template if template is not None else MESSAGES[code]) % values


class Quoted(tuple[str, ...]):
    """A list parameter shown as 'a', 'b' in English (names in quotes)."""


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return str(value)
    if isinstance(value, Quoted):
        return ", ".join(f"'{v}'" for v in value)
    if isinstance(value, (list, tuple, set, frozenset)) and not isinstance(value, str):
        return ", ".join(str(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value))
    return value


def field_what(name: str) -> str:
    """`what` for a message about a case field (the message also carries `field`, for the web's label)."""
    return f"field '{name}'"
