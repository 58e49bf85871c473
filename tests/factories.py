"""Factories every test suite shares: paths and the suite's clock, definition texts and folders, the
demo directory, engines, cases (through the engine, or as bare records for store-level tests), and
reading back what was stored.

Imported by name (``from factories import …``): pytest puts tests/ on sys.path for tests/conftest.py,
and child processes started with `spawn` inherit that path, so their entry points may import this
too. Fixtures built on these live in the conftest.py files (tests/conftest.py: clock, make_app, app,
pg_url, …); hypothesis strategies are in tests/strategies.py.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from workflow.adapters.files.definition_files import load_roles
from workflow.cases.validation import Attachment
from workflow.engine.projection import apply
from workflow.events import GENESIS_HASH, OPENED, Event, format_time
from workflow.records import CaseState

# ---- paths and time ------------------------------------------------------------------------------
REPO = Path(__file__).resolve().parent.parent
DEFINITIONS = REPO / "definitions"
LEDGER = REPO / "tests" / "service" / "data" / "ledger_item.yaml"  # a test-only case type
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # the suite's clock: Monday 09:00 in Beijing
START_ENV = "2026-03-02T01:00:00Z"  # START as RECTIFLOW_NOW takes it


def local(text: str) -> datetime:
    """An aware UTC instant from a Beijing wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---- definition texts: a small valid definition (MINI) and edits of it ----------------------------------
ROLES = load_roles(DEFINITIONS)
KNOWN_ROLES = ", ".join(sorted(ROLES))
STAGES = "reported, verified, handled, rectified, closed"

MINI = """\
name: mini
version: 1
title: {zh: 小流程, en: Mini flow}
initial: open
roles: [handler, supervisor]
fields:
  note:
    type: text
    label: {zh: 备注, en: Note}
  kind:
    type: choice
    label: {zh: 类别, en: Kind}
    choices:
      - {value: a, label: {zh: 甲, en: A}}
      - {value: b, label: {zh: 乙, en: B}}
  due:
    type: date
    label: {zh: 期限, en: Due}
states:
  open:
    label: {zh: 开, en: Open}
    stage: reported
  working:
    label: {zh: 办理, en: Working}
    stage: handled
  done:
    label: {zh: 完, en: Done}
    stage: closed
    terminal: true
transitions:
  - trigger: start
    label: {zh: 开始, en: Start}
    source: open
    dest: working
    roles: [handler]
  - trigger: finish
    label: {zh: 完成, en: Finish}
    source: working
    dest: done
    roles: [supervisor]
"""

EXTRA_STATE = """\
  {name}:
    label: {{zh: 另, en: Other}}
    stage: handled
"""


def edited(*changes: tuple[str, str], base: str = MINI) -> str:
    """MINI with each (old, new) replaced; `old` must occur exactly once, so an edit never misses."""
    text = base
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


# ---- definition folders -------------------------------------------------------------------------------
def copy_definitions(target: Path, *, only: Iterable[str] | None = None, extra: Iterable[Path] = ()) -> Path:
    """A private copy of definitions/ (or of the files `only` names, with the roles' and calendars'
    files), plus `extra` test-only files: tests that edit it, or must not see unrelated definitions
    change, use one."""
    if only is None:
        shutil.copytree(DEFINITIONS, target)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name in only:
            shutil.copy(DEFINITIONS / name, target / name)
        shutil.copytree(DEFINITIONS / "calendars", target / "calendars", dirs_exist_ok=True)
    for path in extra:
        shutil.copy(path, target / path.name)
    return target


def shipped_definition_names() -> list[str]:
    """Every case type shipped under definitions/ (read at collection time, so new files are covered)."""
    from workflow.adapters.files.definition_files import definition_paths
    from workflow.adapters.files.yaml_files import load_yaml_file

    names = []
    for path in definition_paths(DEFINITIONS):
        data, _, _ = load_yaml_file(path)
        if isinstance(data, dict) and "states" in data:
            names.append(str(data["name"]))
    return sorted(set(names))


# ---- engines and the directory ---------------------------------------------------------------------------
def build_app(url: str, definitions: Path, instance: Path, clock: Any, **settings: Any) -> Any:
    """workflow.bootstrap.build on these settings; it must load without warnings."""
    from workflow.bootstrap import build
    from workflow.config import Settings

    app = build(Settings(database_url=url, definitions_dir=definitions, instance_dir=instance, **settings),
                clock=clock)
    assert not app.warnings, app.warnings
    return app


def seed_directory(app: Any) -> None:
    """The demo units and users (rectiflow.demo) without passwords: hashing eight of them costs seconds, and
    these tests never log in (rectiflow.demo.seed_directory, which tests/conftest.py's `app` uses, does)."""
    from rectiflow.demo import UNITS, USERS

    for code, name, parent in UNITS:
        app.directory.add_unit(code, name=name, parent=parent)
    for login, role, unit, name in USERS:
        app.directory.add_user(login, role=role, unit=unit, name=name)


# ---- cases, through the engine ---------------------------------------------------------------------------------
RECT_FIELDS = {"description": "3份外出审批缺少司法所意见", "category": "commutation_parole",
               "discovery_channel": "self_report"}
LEDGER_INTAKE = {"description": "三份审批材料缺少司法所意见", "channel": "self_report"}
EVIDENCE = Attachment("evidence", "复核记录.txt", "补齐3份审批材料".encode())
SAMPLE_VALUES = {
    "text": "样例文本 sample",
    "longtext": "多行说明\nsecond line",
    "date": "2026-06-30",
    "integer": "42",
    "boolean": "yes",
    "person": "handler",
    "unit": "xf-sfs-1",
}


def attachment(field: str, name: str = "材料.txt", text: str = "佐证") -> Attachment:
    return Attachment(field, name, text.encode())


def sample_value(spec: Any) -> Any:
    """A valid value for a non-attachment field spec."""
    if spec.type == "choice":
        return spec.choice_values[0]
    return SAMPLE_VALUES[spec.type]


def intake_fields(defn: Any) -> dict[str, Any]:
    """Valid values for every required field of a definition (attachments excepted)."""
    return {name: sample_value(spec) for name, spec in defn.fields.items()
            if spec.required and spec.type != "attachment"}


def intake_attachments(defn: Any) -> list[Attachment]:
    return [Attachment(name, "intake.txt", b"intake") for name, spec in defn.fields.items()
            if spec.required and spec.type == "attachment"]


def open_rect(app: Any, *, unit: str = "xf-sfs-1", title: str = "整改事项") -> Any:
    """A rectification_item opened by the registrar, with RECT_FIELDS."""
    return app.cases.open_case("rectification_item", actor="registrar", unit=unit, title=title,
                                 fields=RECT_FIELDS)


def open_many(app: Any, n: int) -> list[str]:
    return [open_rect(app, title=f"事项{i}").id for i in range(n)]


def open_rectification_item(app: Any, *, unit: str = "xf-sfs-1") -> Any:
    """A rectification_item with a sample value in every required field."""
    defn = app.registry.latest("rectification_item")
    return app.cases.open_case("rectification_item", actor="registrar", unit=unit, title="并发测试问题",
                                 fields=intake_fields(defn))


def open_ledger(app: Any, *, actor: str = "registrar", unit: str = "xf-sfs-1", title: str = "审批材料不全",
                **fields: Any) -> Any:
    """A ledger_item (the test-only type in tests/service/data)."""
    return app.cases.open_case("ledger_item", actor=actor, title=title, unit=unit,
                                 fields={**LEDGER_INTAKE, **fields})


def walk(app: Any, case_id: str, to: str, *, reporter: str = "handler") -> Any:
    """Drive a ledger item from `reported` to `to` (verified, handling or checking)."""
    s = app.cases
    case = s.advance(case_id, "verify", actor="supervisor")
    if to == "verified":
        return case
    case = s.advance(case_id, "dispatch", actor="supervisor", fields={"owner": "handler", "due": "2026-04-30"})
    if to == "handling":
        return case
    return s.advance(case_id, "report", actor=reporter, fields={"verdict": "fixed"}, attachments=[EVIDENCE])


# ---- cases as bare records, for tests of a store itself ----------------------------------------------------------
def opening_event(case_id: str, *, at: datetime = START, state: str = "reported", unit: str = "xf-sfs-1",
                  title: str = "整改事项", case_type: str = "rectification_item", definition_version: int = 1,
                  fields: dict[str, Any] | None = None, deadline: dict[str, Any] | None = None,
                  actor: str = "registrar", campaign: str | None = None) -> Event:
    """The sealed first event of a case, as workflow.cases.unit_of_work.UnitOfWork.open makes it."""
    payload: dict[str, Any] = {"title": title, "unit": unit, "fields": dict(fields or {}),
                               "definition_hash": "0" * 64, "attachments": [], "links": []}
    if campaign is not None:
        payload["campaign"] = campaign
    if deadline is not None:
        payload["deadline"] = deadline
    return Event(case_id, 1, format_time(at), actor, OPENED, None, state, payload, case_type, definition_version,
                 GENESIS_HASH).sealed()


def next_event(case: CaseState, action: str, payload: dict[str, Any], *, at: datetime = START,
               to_state: str | None = None, actor: str = "handler") -> Event:
    """The sealed next event of `case`, as UnitOfWork.change makes it (on the case's hash chain)."""
    return Event(case.id, case.version + 1, format_time(at), actor, action, case.state if to_state else None,
                 to_state, payload, case.type, case.definition_version, case.head_hash).sealed()


def folded(case: CaseState | None, event: Event) -> CaseState:
    """The case after `event` (a new CaseState: `case` is left as it was)."""
    base = CaseState(id=event.case_id) if case is None else CaseState.from_dict(case.to_dict())
    return apply(base, event)


# ---- reading back what was stored ------------------------------------------------------------------------------
def verify_all(app: Any) -> Any:
    """Every chain verifies and every case row equals the replay of its events."""
    from workflow.audit.verify import verify

    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
    return report


def linked(app: Any, case: Any, relation: str | None = None) -> list[Any]:
    """The cases `case` opened (optionally of one relation), read back from the store."""
    return [app.cases.get(link["case"]) for link in case.links
            if link["direction"] == "opened" and (relation is None or link["relation"] == relation)]


def events_of(app: Any, case_id: str) -> list[Any]:
    return app.cases.history(case_id)[0]


def raw_execute(url: str, *statements: str, params: list[dict[str, Any]] | None = None) -> list[Any]:
    """Run SQL statements in one transaction outside the engine, as the database owner; the last one's rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows: list[Any] = []
            for i, statement in enumerate(statements):
                result = conn.execute(text(statement), (params or [{}] * len(statements))[i])
                rows = list(result) if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def rebuild_row(url: str, case_id: str) -> None:
    """What a careful forger does after editing the events: make the case row and timeline match them again."""
    from sqlalchemy import create_engine

    from workflow.adapters.sql import timeline
    from workflow.adapters.sql.case_rows import case_row, event_from_row
    from workflow.engine.projection import project_case

    rows = raw_execute(url, "SELECT * FROM case_events WHERE case_id = :c ORDER BY version", params=[{"c": case_id}])
    events = [event_from_row(dict(r._mapping)) for r in rows]
    stage = raw_execute(url, "SELECT stage FROM cases WHERE id = :c", params=[{"c": case_id}])[0][0]
    values = case_row(project_case(events), stage)
    raw_execute(url, "UPDATE cases SET " + ", ".join(f"{k} = :{k}" for k in values if k != "id") + " WHERE id = :id",
                params=[values])
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            timeline.rebuild(conn, case_id)
    finally:
        engine.dispose()


def delete_case_row(url: str, case_id: str) -> None:
    """As the database owner, delete a case's row and what refers to it (its search index entry): the row of
    a case an insider wants gone (foreign keys would refuse the row alone)."""
    if url.startswith("sqlite"):
        search = ["DELETE FROM case_search WHERE rowid IN (SELECT doc FROM case_search_docs WHERE case_id = :c)",
                  "DELETE FROM case_search_docs WHERE case_id = :c"]
    else:
        search = ["DELETE FROM case_search WHERE case_id = :c"]
    statements = [*search, "DELETE FROM cases WHERE id = :c"]
    raw_execute(url, *statements, params=[{"c": case_id}] * len(statements))


def event_count(db: Any, case_id: str | None = None) -> int:
    """The events stored (all, or one case's), counted in SQL; `db` is a database URL or an Application."""
    url = db if isinstance(db, str) else db.settings.database_url
    where = " WHERE case_id = :c" if case_id else ""
    return int(raw_execute(url, f"SELECT count(*) FROM case_events{where}", params=[{"c": case_id}])[0][0])
