"""`rectiflow ledger …`: the problem ledger (问题台账) in — an import template, and the import of a filled one
(and out: `ledger export`, rectiflow/cli_ledger_export.py).

The ledger is a Chinese document, so what the import says about its rows is in Chinese whatever
`--lang` says: `{"ok": false, "errors": [{"row": 5, "column": "整改时限", "message": "…"}], "imported": 0}`.
A file with any problem imports nothing (exit 1); `--dry-run` checks everything and writes nothing.
A progress bar (stderr) shows when stderr is a terminal and the file has more than 200 rows.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from rectiflow.cli_ledger_export import export
from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import EXIT_ERROR, emit, text_of
from workflow.errors import InvalidInput
from workflow.ledger.importer import DEFAULT_TYPE, ImportReport
from workflow.ledger.table import MAX_BYTES

PROGRESS_FROM = 200


@click.group()
def ledger() -> None:
    """The problem ledger (问题台账): import template, import, export."""


ledger.add_command(export)


@ledger.command("template")
@click.option("--type", "case_type", default=DEFAULT_TYPE, show_default=True, help="Case type of the ledger.")
@click.option("-o", "--output", "path", required=True, type=click.Path(path_type=Path), help="The .xlsx to write.")
@json_option
@handles_errors
def template(case_type: str, path: Path, as_json: bool) -> None:
    """Write the import template of a case type (.xlsx): Chinese column names, drop-down lists, a 说明 sheet."""
    app = application()
    data = app.ledger.template(case_type)
    path.write_bytes(data)
    columns = [c.header for c in app.ledger.layout(case_type).columns]
    emit(as_json, {"ok": True, "file": str(path), "type": case_type, "columns": columns},
         f"template for {case_type} written to {path}: {'、'.join(columns)}")


@ledger.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "actor", required=True, help="Login of the importer (a role with import_ledger).")
@click.option("--type", "case_type", default=DEFAULT_TYPE, show_default=True, help="Case type of the ledger.")
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.option("--campaign", default=None, metavar="KEY",
              help="The campaign every imported case belongs to (needed where several are under way).")
@json_option
@handles_errors
def import_(path: Path, actor: str, case_type: str, dry_run: bool, campaign: str | None, as_json: bool) -> None:
    """Import a filled ledger (.xlsx or .csv): every row checked first; any problem imports nothing."""
    data = _read(path)
    app = application()
    with _progress() as progress:
        report = app.ledger.run(data, path.name, actor=actor, case_type=case_type, dry_run=dry_run,
                                progress=progress, campaign=campaign)
    emit(as_json, report_json(report), _text(report))
    if not report.ok:
        click.echo(f"error: {report.file}：{len(report.errors)} 处问题，未导入任何一行", err=True)
        sys.exit(EXIT_ERROR)


def _read(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InvalidInput("ledger.too_large", name=path.name, size=size, limit=MAX_BYTES)
    return path.read_bytes()


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar on stderr, only for a terminal and more than 200 rows to write."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bars: list[Any] = []

    def tick(done: int, total: int) -> None:
        if total <= PROGRESS_FROM:
            return
        if not bars:
            bars.append(tqdm(total=total, desc="导入", unit="行", file=sys.stderr, leave=False))
        bars[0].update(1)

    try:
        yield tick
    finally:
        for bar in bars:
            bar.close()


def report_json(report: ImportReport) -> dict[str, Any]:
    """The one JSON object of an import (row errors in Chinese)."""
    return {
        "ok": report.ok, "file": report.file, "sha256": report.sha256, "type": report.case_type, "rows": report.rows,
        "dry_run": report.dry_run, "imported": 0 if not report.ok else len(report.imported),
        "errors": [{"row": e.row, "column": e.column, "message": text_of(e.message, "zh"), "code": e.message.code}
                   for e in report.errors],
        "cases": report.imported if report.ok else [], "unchanged": len(report.unchanged), "changed": report.changed,
        "ignored_columns": report.ignored_columns,
    }


def _text(report: ImportReport) -> str:
    if not report.ok:
        lines = [f"{report.file}：{len(report.errors)} 处问题，未导入任何一行"]
        lines += [f"  第 {e.row} 行：{text_of(e.message, 'zh')}" if e.row is not None
                  else f"  {text_of(e.message, 'zh')}" for e in report.errors]
        return "\n".join(lines)
    verb = "可导入（试运行，未写入）" if report.dry_run else "已导入"
    lines = [f"{report.file}（SHA-256 {report.sha256[:12]}…）：{report.rows} 行，{verb} {len(report.imported)} 行，"
             f"未变化 {len(report.unchanged)} 行，有变化 {len(report.changed)} 行（未覆盖）"]
    lines += [f"  第 {c['row']} 行 问题编号 {c['ledger_no']}：{'、'.join(c['columns'])} 与系统中的案件 {c['case']} 不同"
              for c in report.changed]
    if report.ignored_columns:
        lines.append(f"  未识别的列（已忽略）：{'、'.join(report.ignored_columns)}")
    return "\n".join(lines)


COMMANDS = (ledger,)
