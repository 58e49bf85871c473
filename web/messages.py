"""The engine's messages (workflow.messages) in the user's language, naming things as people know them.

`describe(message)` translates the message's template through Flask-Babel and shows each parameter
that names something by its label: a role by its role label, a state, step or field by the label its
case type gives it, a unit by its name, a user by their display name, a case type by its title. So a
Chinese page never shows an English sentence, a login or an internal name.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext

from web.context import core, unit_names
from web.i18n import choice_label, label, lang
from web.names import person
from workflow.definitions.model import Definition
from workflow.errors import WorkflowError
from workflow.messages import LABELLED, MESSAGES, WHAT, Message


def describe(message: Message | WorkflowError) -> str:
    """The message in the current language, with labels for the names it carries."""
    if isinstance(message, WorkflowError):
        message = message.message
    params = message.params
    defn = _definition(params.get("case_type"))
    shown = {name: _show(name, value, params, defn) for name, value in params.items()}
    for name in params:  # `x_repr` is the English way to write x ('a', True); people read x's label
        if name.endswith("_repr") and name[:-5] in shown:
            shown[name] = shown[name[:-5]]
    return gettext(MESSAGES[message.code]) % shown


def _show(name: str, value: Any, params: Mapping[str, Any], defn: Definition | None) -> Any:
    if isinstance(value, Message):  # a nested reason (e.g. of only_if) names the same case type's fields
        inner = {"case_type": params["case_type"], **value.params} if "case_type" in params else value.params
        return describe(Message(value.code, inner))
    kind = LABELLED.get(name)
    if name in ("value", "values") and defn is not None and params.get("field") in defn.fields:
        spec = defn.fields[params["field"]]
        return _join(choice_label(spec, v) for v in value) if name == "values" else choice_label(spec, value)
    if kind is None:
        return _join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
    if isinstance(value, (list, tuple)):
        return _join(_label(kind, str(v), params, defn) for v in value)
    return _label(kind, str(value), params, defn)


def _label(kind: str, value: str, params: Mapping[str, Any], defn: Definition | None) -> str:
    if kind == "role":
        role = core().roles.get(value)
        return label(role.label, value) if role else value
    if kind == "unit":
        return unit_names().get(value, value)
    if kind == "user":
        return person(value)
    if kind == "case_type":
        return label(defn.title, value) if defn is not None else value
    if kind == "what":
        field = params.get("field")
        if field and defn is not None and field in defn.fields:
            return label(defn.fields[field].label, field)
        return gettext(WHAT[value]) if value in WHAT else value
    if defn is None:
        return value
    if kind == "state" and value in defn.states:
        return label(defn.states[value].label, value)
    if kind == "trigger":
        found = next((t for t in defn.transitions if t.trigger == value), None)
        return label(found.label, value) if found else value
    if kind == "field" and value in defn.fields:
        return label(defn.fields[value].label, value)
    return value


def _definition(name: Any) -> Definition | None:
    try:
        return core().registry.latest(str(name)) if name else None
    except WorkflowError:
        return None


def _join(values: Iterable[str]) -> str:
    return ("、" if lang() == "zh" else ", ").join(values)


__all__ = ["describe"]
