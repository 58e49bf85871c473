"""Forms generated from definitions: one widget per field a step (or intake) takes, and the parsing back.

Values are pre-checked here field by field (required, type, upload type and size) so errors
appear next to the field that caused them; the engine then checks everything again.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict

from web.inputs import chinese_date
from web.messages import describe
from workflow.cases.validation import MAX_ATTACHMENTS_PER_STEP, Attachment
from workflow.definitions.fields import FieldSpec, parse_value, strip_bidi
from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.roles import ACT, RoleBook
from workflow.errors import InvalidInput, WorkflowError
from workflow.messages import Message
from workflow.records import User

ALLOWED_EXTENSIONS = frozenset({"pdf", "ofd", "png", "jpg", "jpeg", "gif", "txt", "csv", "doc", "docx", "xls",
                                "xlsx", "wps", "et", "zip"})
WIDGETS = {"text": "text", "longtext": "textarea", "date": "date", "integer": "number", "boolean": "checkbox",
           "choice": "select", "person": "select", "unit": "select", "attachment": "file"}


@dataclass
class Widget:
    name: str
    spec: FieldSpec
    required: bool
    kind: str
    value: Any = None
    error: str | None = None
    options: list[tuple[str, Any]] = field(default_factory=list)  # (value, label mapping or text)
    kept: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # files stored already: (token, ref)
    earlier: list[dict[str, Any]] = field(default_factory=list)  # files of earlier rounds that may be kept
    case_type: str | None = None  # lets a refusal name the field by its label


def step_widgets(defn: Definition, t: TransitionSpec, people: list[tuple[str, str]], units: list[tuple[str, str]]
                 ) -> list[Widget]:
    names = [(n, True) for n in t.requires] + [(n, False) for n in t.optional if n not in t.requires]
    return [_widget(defn.fields[n], req, people, units, defn.name) for n, req in names]


def intake_widgets(defn: Definition, people: list[tuple[str, str]], units: list[tuple[str, str]]) -> list[Widget]:
    """Fields asked at registration: the required ones, then optional ones no later step asks for."""
    later = {n for t in defn.transitions for n in (*t.requires, *t.optional)}
    askable = {n: f for n, f in defn.fields.items() if f.computed is None}  # the engine derives the others
    names = [(n, True) for n, f in askable.items() if f.required]
    names += [(n, False) for n, f in askable.items() if not f.required and n not in later]
    return [_widget(defn.fields[n], req, people, units, defn.name) for n, req in names]


def _widget(spec: FieldSpec, required: bool, people: list[tuple[str, str]], units: list[tuple[str, str]],
            case_type: str) -> Widget:
    w = Widget(spec.name, spec, required, WIDGETS.get(spec.type, "text"), case_type=case_type)
    if spec.type == "boolean" and required:  # an unticked box cannot say "no": the person answers 是 or 否
        w.kind, w.options = "select", [("true", _("Yes")), ("false", _("No"))]
    elif spec.type == "choice":
        w.options = [(c.value, c.label) for c in spec.choices]
    elif spec.type == "person":
        w.options = list(people)
    elif spec.type == "unit":
        w.options = list(units)
    return w


def parse(widgets: list[Widget], form: MultiDict[str, str], files: MultiDict[str, FileStorage], max_bytes: int,
          kept: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[Attachment], bool]:
    """Fill each widget's value and error from the submission; return values, files and whether all is well.
    `kept`: file fields that have stored files already (a required one then needs no new upload)."""
    values: dict[str, Any] = {}
    attachments: list[Attachment] = []
    ok = True
    for w in widgets:
        if w.kind == "file":
            got, w.error = _files(w, files.getlist(w.name), max_bytes, has_kept=w.name in kept)
            attachments += got
        else:
            raw = "true" if (w.kind == "checkbox" and form.get(w.name)) else form.get(w.name, "")
            if w.kind == "date":  # the text box also takes 2026年3月1日; the engine stores the ISO date
                raw = chinese_date(raw.strip())
            w.value = raw
            if raw.strip() == "":
                w.error = _("This field is required.") if w.required else None
            else:
                try:
                    values[w.name] = parse_value(w.spec, raw)
                except InvalidInput as err:
                    w.error = describe(Message(err.code, {**err.params, "case_type": w.case_type}))
        ok = ok and w.error is None
    if len(attachments) > MAX_ATTACHMENTS_PER_STEP:
        ok = False
        widgets[-1].error = _("At most %(n)d files per step.", n=MAX_ATTACHMENTS_PER_STEP)
    return values, attachments, ok


def _files(w: Widget, uploads: list[FileStorage], max_bytes: int, *, has_kept: bool = False
           ) -> tuple[list[Attachment], str | None]:
    out = []
    for up in uploads:
        if not up or not up.filename:
            continue
        name = strip_bidi(PurePath(up.filename.replace("\\", "/")).name)  # the extension as it will be shown
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED_EXTENSIONS:
            return [], _("File type .%(ext)s is not accepted (allowed: %(allowed)s).", ext=ext or "?",
                         allowed=extension_list())
        data = up.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            return [], _("%(name)s is larger than the limit of %(mb)s MB.", name=name, mb=_mb(max_bytes))
        if not data:
            return [], describe(Message("file.empty", name=name, field=w.name, case_type=w.case_type))
        out.append(Attachment(w.name, name, data))
    if w.required and not out and not has_kept:
        return [], _("Attach at least one file.")
    return out, None


def extension_list() -> str:
    """The accepted file types as people name them ("CSV、DOC和ZIP"), in the page's language."""
    return format_list([e.upper() for e in sorted(ALLOWED_EXTENSIONS)], locale=str(get_locale() or "zh_CN"))


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def people_options(users: list[User], roles: RoleBook) -> list[tuple[str, str]]:
    """The people a person field may name: active users whose role acts on cases."""
    return [(u.login, u.name or u.login) for u in users if u.active and roles.may(u.role, ACT)]  # names, not logins


def error_for(err: WorkflowError, widgets: list[Widget]) -> bool:
    """Attach an engine refusal about a field to that field's widget; True when one matched."""
    fields = err.params.get("fields") or ()
    named = [err.params.get("field"), *(fields if isinstance(fields, (list, tuple)) else ())]
    for w in widgets:
        if w.name in named:  # the case type lets the message name fields and choices by their labels
            w.error = describe(Message(err.code, {"case_type": w.case_type, **err.params}))
            return True
    return False


def limits(max_bytes: int) -> Mapping[str, Any]:
    return {"max_mb": _mb(max_bytes), "extensions": extension_list(),
            "max_files": MAX_ATTACHMENTS_PER_STEP}
