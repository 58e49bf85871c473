"""Every row of a ledger checked like the web form, every problem collected as (row, column, message).

A cell is read as the field's type reads input (workflow.definitions.fields.parse_value), after the
ledger's own ways of writing things are understood: a choice by its Chinese or English label (or its
value), a unit by its name or code, a person by display name or login, a date as a date cell or as
text (2026-03-31, 2026/3/31, 2026.3.31, 2026年3月31日), a whole number typed as 3 or 3.0. A deadline
date in the past is refused as on the form, unless the row's case is already rectified or closed.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from workflow.definitions.fields import FieldSpec, check_not_past, parse_value
from workflow.errors import InvalidInput
from workflow.ledger.layout import CLOSED_ON, LEDGER_FIELD, RECTIFIED_ON, STATE, TITLE, Column, Layout
from workflow.ledger.table import Table
from workflow.messages import Message
from workflow.records import Unit, User

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
TITLE_FROM_DESCRIPTION = 60


@dataclass(frozen=True)
class RowError:
    """One problem: the row as the spreadsheet numbers it, the column's header (None: the whole row/file)."""

    row: int | None
    column: str | None
    message: Message


@dataclass
class RowPlan:
    """A valid row: what to open and which steps to record."""

    row: int
    ledger_no: str
    title: str
    unit: str | None
    fields: dict[str, Any]  # every field the row gives, parsed
    state: str
    dates: dict[str, str] = field(default_factory=dict)  # RECTIFIED_ON / CLOSED_ON → ISO date


@dataclass(frozen=True)
class Directory:
    """Units and people as a ledger names them."""

    units: Mapping[str, str]  # code or name -> code
    people: Mapping[str, str | None]  # login or display name -> login (None: two people share the name)

    @classmethod
    def of(cls, units: list[Unit], users: list[User]) -> Directory:
        by_unit = {u.name: u.code for u in units} | {u.code: u.code for u in units}
        names: dict[str, str | None] = {}
        for u in users:
            if u.active:
                names[u.name] = None if u.name in names and names[u.name] != u.login else u.login
        return cls(by_unit, names | {u.login: u.login for u in users if u.active})


class RowReader:
    """Reads the rows of one table against one layout; `errors` collects every problem found."""

    def __init__(self, layout: Layout, table: Table, directory: Directory, today: date) -> None:
        self.layout, self.table, self.directory, self.today = layout, table, directory, today
        self.errors: list[RowError] = []
        self.states = layout.state_words()

    def check_header(self) -> bool:
        present = set(self.table.headers)
        missing = [c.header for c in self.layout.columns if c.required and c.header not in present]
        if missing:
            self.errors.append(RowError(None, None, Message("ledger.missing_columns", columns=missing)))
        return not missing

    def plans(self) -> list[RowPlan]:
        """A plan per row without problems (rows with problems add to `errors`); duplicates refused."""
        plans: list[RowPlan] = []
        first_row: dict[str, int] = {}
        for number, cells in self.table.rows:
            plan = self._row(number, cells)
            if plan is None:
                continue
            if plan.ledger_no in first_row:
                self._error(number, self.layout.definition.fields[LEDGER_FIELD].label.get("zh", LEDGER_FIELD),
                            "ledger.duplicate_no", value=plan.ledger_no, other=first_row[plan.ledger_no])
                continue
            first_row[plan.ledger_no] = number
            plans.append(plan)
        return plans

    # ---- one row --------------------------------------------------------------------------
    def _row(self, number: int, cells: tuple[Any, ...]) -> RowPlan | None:
        before = len(self.errors)
        raw = {h: cells[i] if i < len(cells) else None for i, h in enumerate(self.table.headers)}
        state = self._state(number, raw.get(STATE))
        values: dict[str, Any] = {}
        for column in self.layout.columns:
            if column.field is not None and not _blank(raw.get(column.header)):
                value = self._cell(number, column, column.field, raw[column.header])
                if value is not None:
                    values[column.field.name] = value
        if state is not None:
            self._required(number, values, state)
            self._not_past(number, values, state)
        dates = self._dates(number, raw, state) if state is not None else {}
        if len(self.errors) > before or state is None:
            return None
        return RowPlan(number, str(values[LEDGER_FIELD]), self._title(raw, values), values.get("responsible_unit"),
                       values, state, dates)

    def _state(self, number: int, cell: Any) -> str | None:
        if _blank(cell):
            return self.layout.definition.initial
        word = _text(cell)
        if word in self.states:
            return self.states[word]
        labels = [self.layout.definition.states[s].label.get("zh", s) for s in self.layout.walks]
        self._error(number, STATE, "ledger.unknown_state", value=word[:40], choices=labels)
        return None

    def _cell(self, number: int, column: Column, spec: FieldSpec, cell: Any) -> Any:
        try:
            return parse_value(spec, self._understood(number, column, spec, cell))
        except InvalidInput as err:
            params = {**err.params, "what": column.header, "field": spec.name, "case_type": self.layout.definition.name}
            if err.code == "value.choice":
                params["choices"] = [c.label.get("zh", c.value) for c in spec.choices]
            self.errors.append(RowError(number, column.header, Message(err.code, params)))
            return None
        except _Refused:
            return None

    def _understood(self, number: int, column: Column, spec: FieldSpec, cell: Any) -> Any:
        """The cell as the form would have received it: a value, a code, a login, an ISO date."""
        kind = spec.type
        if kind == "date":
            return _date_text(cell)
        if kind == "integer" and isinstance(cell, float) and cell.is_integer():
            return int(cell)
        text = _text(cell)
        if kind == "choice":
            for c in spec.choices:
                if text in (c.value, *c.label.values()):
                    return c.value
        elif kind == "unit":
            code = self.directory.units.get(text)
            if code is None:
                self._error(number, column.header, "ledger.unknown_unit", value=text[:40])
                raise _Refused
            return code
        elif kind == "person":
            if text not in self.directory.people:
                self._error(number, column.header, "ledger.unknown_person", value=text[:40])
                raise _Refused
            login = self.directory.people[text]
            if login is None:
                self._error(number, column.header, "ledger.ambiguous_person", value=text[:40])
                raise _Refused
            return login
        return text if kind in ("text", "longtext", "boolean", "choice") else cell if isinstance(cell, int) else text

    def _required(self, number: int, values: dict[str, Any], state: str) -> None:
        defn = self.layout.definition
        for column in self.layout.columns:
            spec = column.field
            if spec is not None and column.required and spec.name not in values and not self._has_error(number, column):
                self._error(number, column.header, "ledger.required")
        state_label = defn.states[state].label.get("zh", state)
        for t in self.layout.walks[state]:
            for name in t.requires:
                spec = defn.fields[name]
                header = spec.label.get("zh", name)
                if spec.type != "attachment" and name not in values and header in self.layout.by_header \
                        and not self._has_error(number, self.layout.by_header[header]):
                    self._error(number, header, "ledger.required_for_state", state=state_label)

    def _not_past(self, number: int, values: dict[str, Any], state: str) -> None:
        if self.layout.definition.states[state].stage in ("rectified", "closed"):
            return  # a case rectified or closed long ago keeps the deadline it had
        for column in self.layout.columns:
            spec = column.field
            if spec is not None and spec.name in values:
                try:
                    check_not_past(spec, values[spec.name], self.today)
                except InvalidInput as err:
                    self.errors.append(RowError(number, column.header, Message(
                        err.code, {**err.params, "what": column.header, "case_type": self.layout.definition.name})))

    def _dates(self, number: int, raw: Mapping[str, Any], state: str) -> dict[str, str]:
        needed = {RECTIFIED_ON: self.layout.passes_stage(state, "rectified"), CLOSED_ON: self.layout.closes_out(state)}
        out: dict[str, str] = {}
        for header, wanted in needed.items():
            if not wanted:
                continue
            cell = raw.get(header)
            if _blank(cell):
                self._error(number, header, "ledger.required_for_state",
                            state=self.layout.definition.states[state].label.get("zh", state))
                continue
            text = _date_text(cell)
            try:
                day = date.fromisoformat(text)
            except ValueError:
                self._error(number, header, "value.date", what=header, value=str(cell)[:40])
                continue
            if day > self.today:
                self._error(number, header, "ledger.date_future", what=header, value=text, today=self.today.isoformat())
                continue
            out[header] = text
        if len(out) == 2 and out[CLOSED_ON] < out[RECTIFIED_ON]:
            self._error(number, CLOSED_ON, "ledger.date_order", what=CLOSED_ON, value=out[CLOSED_ON],
                        other=RECTIFIED_ON, before=out[RECTIFIED_ON])
        return out

    def _title(self, raw: Mapping[str, Any], values: Mapping[str, Any]) -> str:
        if not _blank(raw.get(TITLE)):
            return _text(raw[TITLE])[:200]
        description = str(values.get("description") or "").strip().splitlines()
        if description:
            first = description[0]
            return first if len(first) <= TITLE_FROM_DESCRIPTION else first[:TITLE_FROM_DESCRIPTION - 1] + "…"
        return f"问题 {values[LEDGER_FIELD]}"

    def _has_error(self, number: int, column: Column) -> bool:
        return any(e.row == number and e.column == column.header for e in self.errors)

    def _error(self, number: int, column: str, code: str, **params: Any) -> None:
        params.setdefault("what", column)
        params.setdefault("case_type", self.layout.definition.name)
        self.errors.append(RowError(number, column, Message(code, params)))


class _Refused(Exception):
    """A cell already reported (an unknown unit or person): nothing more to say about it."""


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a number typed into a text column (问题编号 12) reads as it was typed
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def _date_text(cell: Any) -> Any:
    """A date cell or a date written as ledgers write them, as ISO text (anything else: as it is)."""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell).strip()
    match = _DATE.match(text)
    if match:
        year, month, day = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text
