"""`rectiflow case form` and `rectiflow campaign report`: the documents people file — a case's 销号审批表
(close-out approval form) and the campaign's periodic progress report (定期发布整治进展), as Word or Excel.
The Word 通报 is `rectiflow bulletin --docx` (rectiflow/cli_escalation.py)."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.cli_campaign import campaign
from rectiflow.cli_cases import case
from rectiflow.common import application, handles_errors, instant, json_option
from rectiflow.output import emit

OUTPUT = click.Path(dir_okay=False, path_type=Path)


@case.command("form")
@click.argument("case_id")
@click.option("-o", "--output", type=OUTPUT, required=True, help="The .docx to write.")
@json_option
@handles_errors
def form(case_id: str, output: Path, as_json: bool) -> None:
    """Write CASE's 销号审批表 (close-out approval form) as a Word document: the problem, the measures, the
    evidence with SHA-256, who did each step, who accepted it, the audit chain's head hash."""
    docs = application().documents
    sheet = docs.closeout(case_id)
    output.write_bytes(docs.closeout_docx(sheet))
    emit(as_json, {"output": str(output), "case": sheet.case_id, "head_hash": sheet.head_hash,
                   "evidence": len(sheet.evidence)}, f"wrote {output}: the close-out form of {sheet.case_id}")


@campaign.command("report")
@click.argument("key")
@click.option("--docx", "fmt", flag_value="docx", help="A Word report.")
@click.option("--xlsx", "fmt", flag_value="xlsx", help="An Excel workbook.")
@click.option("-o", "--output", type=OUTPUT, required=True, help="The file to write (.docx or .xlsx).")
@click.option("--as-of", "as_of", default=None, metavar="WHEN",
              help="The progress as it was then: an instant, a date (its end) or -7d (default: now).")
@json_option
@handles_errors
def report(key: str, fmt: str | None, output: Path, as_of: str | None, as_json: bool) -> None:
    """Write the progress report of the loaded plan KEY: per task and measure the progress, counts, rates
    and what is overdue, with the campaign's figures per category and unit."""
    fmt = fmt or output.suffix.lstrip(".").lower()
    if fmt not in ("docx", "xlsx"):
        raise click.UsageError("say --docx or --xlsx (or name the file .docx / .xlsx)")
    app = application()
    moment = instant(as_of, "--as-of", now=app.clock.now(), tz=app.calendar.tzinfo) if as_of else None
    docs = app.documents
    progress = docs.progress(key, as_of=moment)
    output.write_bytes(docs.progress_docx(progress) if fmt == "docx" else docs.progress_xlsx(progress))
    emit(as_json, {"output": str(output), "campaign": key, "as_of": progress.as_of, "measures": progress.measures,
                   "done": progress.done, "overdue": len(progress.overdue)},
         f"wrote {output}: {progress.done}/{progress.measures} measures done, {len(progress.overdue)} overdue "
         f"(as of {progress.as_of})")


COMMANDS: tuple[click.Command, ...] = ()  # both attach to their groups (case, campaign) on import
