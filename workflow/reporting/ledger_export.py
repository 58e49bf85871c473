"""The problem ledger (问题台账) as an Excel workbook: which cases, as of when, for whom — and the sheet.

`ledger_ids` asks the read model for the cases in a scope (types, units: a viewer's or a chosen
unit's subtree) as they stood at an instant — the battle map's cases, from the case timeline, so a
past date is one range read; `read_ledger` replays each of them from its events up to that instant
(and keeps those of one campaign plan, when asked); `ledger_table` lays them out (workflow.reporting.ledger)
under a title naming the scope and "截至 YYYY-MM-DD HH:MM（北京时间）". The web's inbox export hands its
own ids (the tab and filters as on screen) to `read_ledger`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import IO

from workflow.definitions.registry import DefinitionRegistry
from workflow.engine.projection import project_case
from workflow.errors import WorkflowError
from workflow.events import format_time
from workflow.ports import ReadModel, Store
from workflow.reporting.ledger import LedgerCase, Names, headers, ledger_row, text_of
from workflow.reporting.workbook import Table, WorkbookWriter

TITLE: Mapping[str, str] = {"zh": "问题台账", "en": "Problem ledger"}
SHEET: Mapping[str, str] = {"zh": "问题台账", "en": "Ledger"}
COUNT: Mapping[str, str] = {"zh": "共 {n} 件", "en": "{n} cases"}


def as_of_line(at: datetime, tz: tzinfo, lang: str = "zh") -> str:
    """"截至 2026-03-10 23:59（北京时间）": the instant a sheet shows, as people read it."""
    local = at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"截至 {local}（北京时间）" if lang == "zh" else f"As of {local} (Beijing time)"


def ledger_ids(queries: ReadModel, at: datetime, *, units: tuple[str, ...] | None,
               types: tuple[str, ...], campaign: str | None = None) -> list[str]:
    """The cases of these types in these units (None: all) as they stood at `at` (with `campaign`: its cases)."""
    return queries.cases_at(format_time(at), units, types, campaign)


def read_ledger(store: Store, registry: DefinitionRegistry, ids: Iterable[str], *, at: datetime | None = None,
                campaign: str | None = None) -> list[LedgerCase]:
    """Each case replayed from its events up to `at` (None: all of them), in one consistent read.

    With `campaign`, only the cases of that campaign (the campaign set at intake; a measure case opened
    before campaigns were entities by its `campaign` field). Cases not yet opened at
    `at`, or of a definition no longer loaded, are left out.
    """
    cut = format_time(at) if at is not None else None
    out = []
    with store.read() as tx:
        for case_id in ids:
            events = tx.events(case_id, as_of=cut)
            if not events:
                continue
            case = project_case(events)
            if case is None or (campaign is not None and (case.campaign or case.fields.get("campaign")) != campaign):
                continue
            try:
                defn = registry.get(case.type, case.definition_version)
            except WorkflowError:
                continue
            out.append(LedgerCase(case, events, defn))
    return out


def in_ledger_order(items: Sequence[LedgerCase]) -> list[LedgerCase]:
    """By 问题编号 where there is one, then in the order the cases were opened."""
    return sorted(items, key=lambda i: (str(i.case.fields.get("ledger_no") or "\uffff"), i.case.opened_at, i.case.id))


def ledger_table(items: Sequence[LedgerCase], *, scope: str, at: datetime, tz: tzinfo, names: Names,
                 lang: str = "zh") -> Table:
    """The ledger sheet: a title with the scope, the 截至 line and the count, then one row per case."""
    title = f"{text_of(TITLE, lang)}（{scope}）" if lang == "zh" else f"{text_of(TITLE, lang)} ({scope})"
    stamp = f"{as_of_line(at, tz, lang)}　{text_of(COUNT, lang).format(n=len(items))}"
    rows = (ledger_row(n, item, at=at, tz=tz, names=names, lang=lang) for n, item in enumerate(items, start=1))
    return Table(text_of(SHEET, lang), [title, stamp], headers(lang), rows)


def write_ledger(writer: WorkbookWriter, items: Sequence[LedgerCase], out: IO[bytes], *, scope: str, at: datetime,
                 tz: tzinfo, names: Names, lang: str = "zh") -> None:
    writer.write([ledger_table(items, scope=scope, at=at, tz=tz, names=names, lang=lang)], out)
