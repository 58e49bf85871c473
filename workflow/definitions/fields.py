"""Typed case fields: the vocabulary of field types and the parsing of user input into values.

Values are stored as JSON primitives (str, int, bool, list of attachment dicts), so replaying an
event never needs this module to reinterpret anything: parsing happens once, at the edge.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.definitions.computed import Computation
from workflow.errors import InvalidInput

FIELD_TYPES = ("text", "longtext", "date", "integer", "boolean", "choice", "person", "unit", "attachment")
TEXT_FIELD_TYPES = ("text", "longtext")  # the free text keyword search reads (workflow.search_terms)

# Documented limits (definitions/README.md); a definition may lower a text limit, never raise it past these.
TEXT_LIMIT = 500
LONGTEXT_LIMIT = 20_000
TITLE_LIMIT = 200
COMMENT_LIMIT = 4_000
INTEGER_LIMIT = 10**12
# Dates outside these years are typing mistakes here, and deadline arithmetic on them fails (year 999, 9999-12-31).
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)

_TRUE = {"true", "yes", "1", "y", "on", "是", "真"}
_FALSE = {"false", "no", "0", "n", "off", "否", "假"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IDENT = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# Invisible bidirectional controls (embeddings, overrides, isolates, marks): in a name they reorder what is
# shown, so "report\u202etxt.exe" reads as "reportexe.txt". Stripped from file names, refused in one-line text.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FILE_NAME_LIMIT = 200


@dataclass(frozen=True)
class Choice:
    value: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class FieldSpec:
    """One case field as declared in a definition."""

    name: str
    type: str
    label: Mapping[str, str]
    required: bool = False
    immutable: bool = False
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    help: Mapping[str, str] = field(default_factory=dict)
    computed: Computation | None = None  # derived by the engine, never set by a user (workflow.definitions.computed)
    minimum: int | None = None  # integer fields: the definition's `min` / `max` (within ±INTEGER_LIMIT)
    maximum: int | None = None
    # Date fields: False refuses a date before today (Beijing). The parser makes it False for a date that sets
    # a deadline (`from_field`) unless the definition says `allow_past: true`; True for every other date.
    allow_past: bool = True

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def limit(self) -> int:
        default = LONGTEXT_LIMIT if self.type == "longtext" else TEXT_LIMIT
        return min(self.max_length or default, default)


def clean_text(value: str, *, what: str, limit: int, multiline: bool = False, field: str | None = None) -> str:
    """Strip, reject control characters and enforce the length limit (counted in characters).

    `what` names the text in messages ("title", "comment", … or "field 'x'" with `field` set).
    """
    about = {"what": what, **({"field": field} if field else {})}
    text = value.strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes arrive as lone surrogates
        raise InvalidInput("text.not_utf8", **about) from None
    if not multiline and ("\n" in text or "\r" in text):
        raise InvalidInput("text.single_line", **about)
    if _CONTROL.search(text):
        raise InvalidInput("text.control_characters", **about)
    if not multiline and BIDI_CONTROLS.search(text):
        raise InvalidInput("text.bidi_controls", **about)
    if len(text) > limit:
        raise InvalidInput("text.too_long", length=len(text), limit=limit, **about)
    return text


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def file_name(raw: str | None) -> str:
    """An uploaded file's name as it is stored and shown: bidi controls stripped (they come from the sender's
    system, not from anything the user typed), then checked like a one-line text; "file" when nothing is left."""
    return clean_text(strip_bidi(raw or ""), what="file name", limit=FILE_NAME_LIMIT) or "file"


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """Turn raw input (a string from a form or the CLI, or a JSON value) into the stored value.

    Raises:
        InvalidInput: the value does not fit the field's type or limits.
    """
    what = f"field {spec.name!r}"
    if spec.type == "attachment":
        raise InvalidInput("value.attachment", what=what, field=spec.name)
    parser = _PARSERS[spec.type]
    return parser(spec, raw, what)


def _text(spec: FieldSpec, raw: Any, what: str) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("text.expected", what=what, field=spec.name)
    text = clean_text(raw, what=what, limit=spec.limit(), multiline=spec.type == "longtext", field=spec.name)
    if not text:
        raise InvalidInput("text.empty", what=what, field=spec.name)
    return text


def _date(spec: FieldSpec, raw: Any, what: str) -> str:
    try:
        day = raw if type(raw) is date else date.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput("value.date", what=what, field=spec.name, value=str(raw)[:40]) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise InvalidInput("value.date_range", what=what, field=spec.name, value=day.isoformat(),
                           first=DATE_MIN.year, last=DATE_MAX.year)
    return day.isoformat()


def _integer(spec: FieldSpec, raw: Any, what: str) -> int:
    if isinstance(raw, bool):
        raise InvalidInput("value.integer", what=what, field=spec.name)
    try:
        value = raw if isinstance(raw, int) else int(str(raw).strip())
    except ValueError:
        raise InvalidInput("value.integer_got", what=what, field=spec.name, value=str(raw)[:40]) from None
    if abs(value) > INTEGER_LIMIT:
        raise InvalidInput("value.integer_range", what=what, field=spec.name)
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        code = ("value.integer_between" if low is not None and high is not None
                else "value.integer_at_least" if low is not None else "value.integer_at_most")
        bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        raise InvalidInput(code, what=what, field=spec.name, value=value, **bounds)
    return value


def check_not_past(spec: FieldSpec, value: str, today: date) -> None:
    """A date that sets a deadline (or says when something will be done) may not lie before today.

    `value` is a parsed date (YYYY-MM-DD); `today` is the bureau's local date of the injected clock.
    """
    if spec.type == "date" and not spec.allow_past and value < today.isoformat():
        raise InvalidInput("value.date_past", what=f"field {spec.name!r}", field=spec.name, value=value,
                           today=today.isoformat())


def _boolean(spec: FieldSpec, raw: Any, what: str) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidInput("value.boolean", what=what, field=spec.name, value=str(raw)[:40])


def _choice(spec: FieldSpec, raw: Any, what: str) -> str:
    value = str(raw).strip()
    if value not in spec.choice_values:
        raise InvalidInput("value.choice", what=what, field=spec.name, value=value[:40],
                           choices=list(spec.choice_values))
    return value


def _identifier(spec: FieldSpec, raw: Any, what: str) -> str:
    # person → a user login, unit → a unit code; existence is checked by the service.
    value = str(raw).strip()
    if not _IDENT.match(value):
        raise InvalidInput("value.identifier", what=what, field=spec.name, value=value[:40], kind=spec.type)
    return value


_PARSERS = {
    "text": _text,
    "longtext": _text,
    "date": _date,
    "integer": _integer,
    "boolean": _boolean,
    "choice": _choice,
    "person": _identifier,
    "unit": _identifier,
}
