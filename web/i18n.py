"""Languages: Chinese (zh_CN) by default, English on request; labels from definitions in both.

UI strings are gettext messages in web/translations/zh/LC_MESSAGES/messages.po (the folder is
"zh": Babel expands zh_CN to zh_Hans_CN, which finds "zh" but not "zh_CN"), compiled to .mo by
`make` — and here, once at start-up, when a .mo is missing or older than its .po. Labels of case
types, states, triggers, fields and choices come from the definition YAML's `{zh, en}` mappings.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, redirect, request, session
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

from workflow.definitions.model import STAGE_LABELS
from workflow.definitions.outcomes import OUTCOME_LABELS

bp = Blueprint("i18n", __name__)
babel = Babel()
LANGUAGES = {"zh_CN": "中文", "en": "English"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def init_app(app: Flask) -> None:
    try:
        compile_translations()
    except OSError as err:  # a read-only install: `make`/`pybabel compile` must have built the .mo files
        app.logger.warning("cannot compile the UI translations (%s); run `pybabel compile -d web/translations`", err)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals.update(L=label, stage_label=stage_label, column_label=column_label,
                                 outcome_label=outcome_label, stage_note=stage_note, LANGUAGES=LANGUAGES,
                                 lang=lang)


def select_locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "zh_CN"


def lang() -> str:
    """'zh' or 'en': the key into a definition's label mappings."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def label(mapping: Mapping[str, str] | None, fallback: str = "") -> str:
    if not mapping:
        return fallback
    return mapping.get(lang()) or mapping.get("zh") or mapping.get("en") or fallback


def stage_label(stage: str) -> str:
    return label(STAGE_LABELS.get(stage), stage)


def stage_note(defn: Any, state: str) -> str:
    """What a chip beside a state's label adds: how a closed case ended (its outcome), or an open
    state's stage — '' when the state's own label already says it (no "已登记 已登记")."""
    from web.context import core

    spec = defn.states.get(state) if defn is not None else None
    if spec is None:
        return ""
    outcome = core().registry.outcome(defn.name, defn.version, state)
    note = label(outcome.label, outcome.kind) if outcome else stage_label(spec.stage)
    return "" if note in label(spec.label, state) else note


def outcome_label(kind: str) -> str:
    """An outcome kind's default label (已销号, 查否了结, 已移交, 已办结)."""
    return label(OUTCOME_LABELS.get(kind), kind)


def column_label(column: str) -> str:
    """A battle-map column: an open stage, or an outcome of the closed cases."""
    return stage_label(column) if column in STAGE_LABELS else outcome_label(column)


@bp.route("/lang", methods=["POST"])
def switch() -> Response:
    from web.security import safe_next

    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")))


def compile_translations(directory: Path = TRANSLATIONS) -> None:
    """Compile each .po into its .mo when the .mo is missing or stale (a fresh clone ships only .po)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in directory.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)


def choice_label(spec: Any, value: Any) -> str:
    for choice in getattr(spec, "choices", ()):
        if choice.value == value:
            return label(choice.label, str(value))
    return str(value)
