"""The ledger import use case: the template, and a filled ledger read, checked and imported all-or-nothing.

`run(data, name, actor=…)` reads the file (workflow.ledger.table's port), checks every row
(workflow.ledger.rows) and reports every problem at once; only a file without one is imported. The
import is ONE unit of work on the engine's write path: each new row is opened (and walked to the
state it carries, workflow.ledger.steps), every event carrying the file's SHA-256 and the row number;
any refusal, or a dry run, rolls the whole transaction back. A row whose 问题编号 is already a case is
not written again: unchanged, it is counted; changed, it is reported with the columns that differ.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import UnitOfWork
from workflow.definitions.model import Definition
from workflow.definitions.roles import IMPORT_LEDGER
from workflow.engine.policy import check_capability
from workflow.errors import InvalidInput, UnknownUser, WorkflowError
from workflow.ledger.layout import CLOSED_ON, LEDGER_FIELD, RECTIFIED_ON, STATE, Layout, importable, layout
from workflow.ledger.rows import Directory, RowError, RowPlan, RowReader
from workflow.ledger.steps import Recorded
from workflow.ledger.table import MAX_BYTES, Spreadsheets, TemplateColumn, TemplateSpec
from workflow.messages import Message
from workflow.records import CaseState

DEFAULT_TYPE = "rectification_item"
Progress = Callable[[int, int], None]  # (rows written, rows to write)


@dataclass
class ImportReport:
    """What an import did (or, with errors or a dry run, would have done: nothing was written then)."""

    file: str
    sha256: str
    case_type: str
    rows: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    imported: list[dict[str, Any]] = field(default_factory=list)  # {row, ledger_no, case, state}
    unchanged: list[dict[str, Any]] = field(default_factory=list)  # {row, ledger_no, case}
    changed: list[dict[str, Any]] = field(default_factory=list)  # {row, ledger_no, case, columns}
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _RollBack(Exception):
    """Leave the unit of work without committing (a dry run, or a refused row)."""


class LedgerImports:
    def __init__(self, cases: CaseService, sheets: Spreadsheets) -> None:
        self.cases, self.sheets = cases, sheets

    def layout(self, case_type: str = DEFAULT_TYPE) -> Layout:
        defn = self.cases.registry.latest(case_type)
        if not importable(defn):
            raise InvalidInput("ledger.not_importable", case_type=case_type)
        return layout(defn)

    def template(self, case_type: str = DEFAULT_TYPE) -> bytes:
        """The .xlsx import template of `case_type` (latest definition version)."""
        return self.sheets.template(template_spec(self.layout(case_type)))

    def run(self, data: bytes, name: str, *, actor: str, case_type: str = DEFAULT_TYPE, dry_run: bool = False,
            progress: Progress | None = None, campaign: str | None = None) -> ImportReport:
        """Check and import a ledger file; see the module docstring. Every new case belongs to `campaign` when
        one is named (a row it does not cover is a row error), else to its unit's one active campaign.

        Raises:
            InvalidInput: the file cannot be read as a ledger (not .xlsx/.csv, empty, too large, no header).
            UnknownUser, RoleNotAllowed: the importer is unknown or may not import ledgers.
        """
        report = ImportReport(name, hashlib.sha256(data).hexdigest(), case_type, dry_run=dry_run)
        lay = self.layout(case_type)
        if len(data) > MAX_BYTES:
            raise InvalidInput("ledger.too_large", name=name, size=len(data), limit=MAX_BYTES)
        table = self.sheets.read(data, name)
        if not table.rows:
            raise InvalidInput("ledger.empty", name=name)
        report.rows = len(table.rows)
        report.ignored_columns = [h for h in table.headers if h and h not in lay.by_header]
        with self.cases.store.read() as tx:
            user = tx.get_user(actor)
            if user is None or not user.active:
                raise UnknownUser(actor)
            check_capability(self.cases.registry.roles, user, IMPORT_LEDGER, Message("doing.import_ledger"))
            directory = Directory.of(tx.units(), tx.users())
            reader = RowReader(lay, table, directory, self.cases.clock.now().astimezone(self.cases.casework.tz).date())
            plans = reader.plans() if reader.check_header() else []
            known = tx.ledger_cases(case_type, [p.ledger_no for p in plans])
            existing = {no: tx.get_case(case_id) for no, case_id in known.items()}
        report.errors = reader.errors
        if report.errors:
            return report
        new = [p for p in plans if p.ledger_no not in existing]
        for plan in plans:
            case = existing.get(plan.ledger_no)
            if case is not None:
                _compare(lay, plan, case, report)
        self._write(lay.definition, lay, new, report, actor, progress, campaign)
        return report

    def _write(self, defn: Definition, lay: Layout, plans: list[RowPlan], report: ImportReport, actor: str,
               progress: Progress | None, campaign: str | None) -> None:
        if not plans:
            return
        try:
            with self.cases.begin() as work:
                user = work.user(actor)
                for done, plan in enumerate(plans, 1):
                    try:
                        with work.savepoint():
                            case = self._import_row(work, defn, lay, plan, user.login, report, campaign)
                        report.imported.append({"row": plan.row, "ledger_no": plan.ledger_no, "case": case.id,
                                                "state": case.state})
                    except WorkflowError as err:
                        report.errors.append(RowError(plan.row, _column_of(defn, err), err.message))
                    if progress is not None:
                        progress(done, len(plans))
                if report.errors or report.dry_run:
                    raise _RollBack
        except _RollBack:
            if report.errors:
                report.imported = []

    def _import_row(self, work: UnitOfWork, defn: Definition, lay: Layout, plan: RowPlan, actor: str,
                    report: ImportReport, campaign: str | None) -> CaseState:
        source = {"file": report.file, "sha256": report.sha256, "row": plan.row}
        walk = lay.walks[plan.state]
        later = {f for t in walk for f in t.requires + t.optional}
        intake = {k: v for k, v in plan.fields.items() if k not in later}
        case = work.open(defn, work.user(actor), title=plan.title, unit=plan.unit, fields=intake, provenance=source,
                         campaign=campaign)
        entered_rectified = False
        for t in walk:
            on = {}
            if defn.states[t.dest].stage == "rectified" and not entered_rectified and RECTIFIED_ON in plan.dates:
                on, entered_rectified = {"on": plan.dates[RECTIFIED_ON]}, True
            if lay.closes_out(t.dest) and CLOSED_ON in plan.dates:
                on = {"on": plan.dates[CLOSED_ON]}
            fields = {k: v for k, v in plan.fields.items() if k in t.requires + t.optional}
            case = work.change(case.id, actor, Recorded(t.trigger, fields, {**source, **on}))
        return case


def _compare(lay: Layout, plan: RowPlan, case: CaseState, report: ImportReport) -> None:
    """A row already imported: unchanged, or changed (reported with its columns — never written)."""
    differ = [c.header for c in lay.columns
              if c.field is not None and c.field.name in plan.fields and case.fields.get(c.field.name) !=
              plan.fields[c.field.name]]
    if case.state != plan.state:
        differ.append(STATE)
    entry = {"row": plan.row, "ledger_no": plan.ledger_no, "case": case.id}
    if differ:
        report.changed.append({**entry, "columns": differ})
    else:
        report.unchanged.append(entry)


def _column_of(defn: Definition, err: WorkflowError) -> str | None:
    name = err.params.get("field")
    if isinstance(name, str) and name in defn.fields:
        return defn.fields[name].label.get("zh") or name
    return None


def template_spec(lay: Layout) -> TemplateSpec:
    """What the import template holds: every column with its list of choices and a note, the instructions."""
    defn = lay.definition
    columns = []
    for c in lay.columns:
        spec = c.field
        choices: tuple[str, ...] = ()
        if spec is not None and spec.type == "choice":
            choices = tuple(ch.label.get("zh", ch.value) for ch in spec.choices)
        elif c.kind == "state":
            choices = tuple(defn.states[s].label.get("zh", s) for s in lay.walks)
        columns.append(TemplateColumn(c.header, c.width, c.required, choices, c.kind == "date" or (
            spec is not None and spec.type == "date"), _note(lay, c.header, c.kind, c.required)))
    ledger_label = defn.fields[LEDGER_FIELD].label.get("zh", LEDGER_FIELD)
    return TemplateSpec(defn.title.get("zh", defn.name), columns, (
        f"每行一个问题；第一行是列名，请勿修改。{ledger_label}在本台账中唯一，再次导入时据此识别已导入的问题。",
        "带“必填”的列必须填写；选择类列可从下拉列表中选，也可填写其英文名称。",
        "责任单位填写单位名称或代码；责任人填写姓名或登录名。日期填写为日期格式或 2026-03-31 这样的文字。",
        f"状态留空即为“{defn.states[defn.initial].label.get('zh', defn.initial)}”；"
        "已整改、已销号等问题请填写状态及对应日期，"
        "系统按流程逐步记录，每一步都记入审计日志并注明来源文件和行号。",
        "导入前系统逐行检查，一次列出全部问题（行号、列名、原因）；有任何问题时不导入任何一行。",
    ))


def _note(lay: Layout, header: str, kind: str, required: bool) -> str:
    spec = lay.by_header[header].field
    parts = ["必填" if required else "选填"]
    if spec is not None and spec.help.get("zh"):
        parts.append(spec.help["zh"])
    if kind == "state":
        parts.append("留空即为新登记的问题")
    if header in (RECTIFIED_ON, CLOSED_ON):
        parts.append("状态为已整改或已销号时必填" if header == RECTIFIED_ON else "状态为已销号时必填")
    return "；".join(parts)
