"""A spreadsheet as the core sees it, and the port that reads and writes them (workflow.adapters.files).

`Table` is the header row and the data rows, each with the row number the spreadsheet shows (so an
error says "row 5" where the person sees row 5). Cell values are what the file holds: text, numbers,
dates (an .xlsx's date cells), or None. `TemplateSpec` is what the import template must contain.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_ROWS = 20_000  # rows per import: a county's ledger is a few thousand; more is a wrong file
MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (row number as shown, cells in header order)

    def column(self, header: str) -> int | None:
        return self.headers.index(header) if header in self.headers else None


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    width: int
    required: bool = False
    choices: tuple[str, ...] = ()  # a drop-down list of these labels
    is_date: bool = False
    note: str = ""  # what to write, on the instructions sheet


@dataclass(frozen=True)
class TemplateSpec:
    title: str
    columns: Sequence[TemplateColumn]
    instructions: Sequence[str] = field(default_factory=tuple)


class Spreadsheets(Protocol):
    def read(self, data: bytes, name: str, *, max_rows: int = MAX_ROWS) -> Table:
        """The table in an .xlsx (first sheet) or .csv (UTF-8, with or without BOM) file.

        Raises:
            InvalidInput: not such a file, no header row, more than `max_rows` rows (ledger.* messages).
        """

    def template(self, spec: TemplateSpec) -> bytes:
        """An .xlsx import template: the header row (bold, frozen), drop-down lists, an instructions sheet."""
