"""Engine-computed fields (`computed:`): derived by engine code, recorded in the event, never typed in."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import verify_all

from workflow.adapters.files.definition_files import load_roles
from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.computed import ComputeContext, derive, parse_computation
from workflow.definitions.parser import parse_definition
from workflow.errors import DefinitionError, InvalidInput

ROLES = load_roles(Path(__file__).resolve().parents[2] / "definitions")  # the shipped role book
CTX = ComputeContext("c1", "t", datetime(2026, 3, 2, tzinfo=UTC))


CHOICES = "[{value: x, label: {zh: x, en: x}}, {value: y, label: {zh: y, en: y}}]"


def fields_of(extra: str):
    text = f"""
name: t
version: 1
title: {{zh: 测, en: T}}
initial: a
roles: [registrar]
fields:
  start: {{type: date, label: {{zh: 起, en: Start}}}}
  kind: {{type: choice, label: {{zh: 类, en: Kind}}, choices: {CHOICES}}}
  score: {{type: integer, label: {{zh: 分, en: Score}}}}
{extra}
states:
  a: {{label: {{zh: 甲, en: A}}, stage: reported}}
  b: {{label: {{zh: 乙, en: B}}, stage: closed, terminal: true}}
transitions:
  - {{trigger: go, label: {{zh: 走, en: Go}}, source: a, dest: b, roles: [registrar], optional: [start]}}
"""
    return parse_definition(load_yaml_text(text, "t.yaml"), source="t.yaml", roles=ROLES).fields


@pytest.mark.parametrize("start,years,end", [
    ("2024-02-29", 2, "2026-02-28"), ("2024-02-29", 4, "2028-02-29"), ("2025-06-30", 2, "2027-06-30")])
def test_years_after_keeps_the_day_and_moves_29_february_to_the_28th(start, years, end):
    fields = fields_of(f"  until: {{type: date, label: {{zh: 止, en: Until}}, "
                       f"computed: {{years_after: {{field: start, years: {years}}}}}}}")
    assert derive(fields, {}, {"start": start}, CTX, intake=True) == {"until": end}


def test_band_and_one_of():
    fields = fields_of(
        "  level: {type: text, label: {zh: 级, en: Level}, "
        "computed: {band: {field: score, bands: [[90, A], [60, C], [-1000, D]]}}}\n"
        "  is_x: {type: boolean, label: {zh: 是, en: Is x}, computed: {one_of: {field: kind, values: [x]}}}")
    assert derive(fields, {}, {"score": 90, "kind": "x"}, CTX, intake=True) == {"level": "A", "is_x": True}
    assert derive(fields, {}, {"score": 89, "kind": "y"}, CTX, intake=True) == {"level": "C", "is_x": False}
    assert derive(fields, {"score": 89, "level": "C"}, {"kind": "x"}, CTX, intake=False) == {"is_x": True}


@pytest.mark.parametrize("spec,message", [
    ("{type: date, label: {zh: 止, en: U}, computed: {years_after: {field: nowhere, years: 2}}}",
     "reads unknown field 'nowhere'"),
    ("{type: text, label: {zh: 止, en: U}, computed: {years_after: {field: start, years: 2}}}",
     "gives a date value, not a text"),
    ("{type: date, label: {zh: 止, en: U}, computed: {years_after: {field: start, years: 0}}}",
     "years must be a whole number"),
    ("{type: date, label: {zh: 止, en: U}, computed: {sum_of: {field: start}}}", "unknown computation 'sum_of'"),
    ("{type: date, label: {zh: 止, en: U}, required: true, computed: {years_after: {field: start, years: 2}}}",
     "a computed field cannot be required"),
    ("{type: text, label: {zh: 止, en: U}, computed: {band: {field: score, bands: [[1, a], [5, b]]}}}",
     "highest min first"),
    ("{type: choice, label: {zh: 止, en: U}, choices: [{value: counted, label: {zh: a, en: a}}], "
     "computed: {self_report: {channel: kind}}}", "needs the choices counted, late, org_held, not_self_report"),
])
def test_a_bad_computation_is_reported_with_its_line(spec, message):
    with pytest.raises(DefinitionError) as err:
        fields_of(f"  until: {spec}")
    assert any(p.startswith("t.yaml:") and message in p for p in err.value.problems), err.value.problems


def test_a_step_cannot_take_a_computed_field():
    with pytest.raises(DefinitionError, match="computed by the engine; a step cannot take it"):
        text = load_yaml_text("""
name: t
version: 1
title: {zh: 测, en: T}
initial: a
roles: [registrar]
fields:
  start: {type: date, label: {zh: 起, en: Start}}
  until: {type: date, label: {zh: 止, en: U}, computed: {years_after: {field: start, years: 2}}}
states:
  a: {label: {zh: 甲, en: A}, stage: reported}
  b: {label: {zh: 乙, en: B}, stage: closed, terminal: true}
transitions:
  - {trigger: go, label: {zh: 走, en: Go}, source: a, dest: b, roles: [registrar], requires: [until]}
""", "t.yaml")
        parse_definition(text, source="t.yaml", roles=ROLES)


def test_parse_computation_accepts_the_short_form_of_copy():
    assert parse_computation({"copy": "start"}, "date").args == {"field": "start"}


def test_correcting_an_input_recomputes_the_value_in_the_same_event(app):
    s = app.cases
    p = s.open_case("departed_staff", actor="registrar", unit="xf-lsk", title="原检察官",
                    fields={"person_name": "陈某", "former_org": "procuratorate", "former_org_name": "西丰县人民检察院",
                            "leave_type": "resigned", "leave_date": "2025-01-15"})
    assert p.fields["restriction_until"] == "2027-01-15"
    with pytest.raises(InvalidInput, match="computed by the engine"):
        s.update_fields(p.id, actor="registrar", fields={"restriction_until": "2025-01-16"})
    p = s.update_fields(p.id, actor="registrar", fields={"leave_date": "2025-03-01", "leave_type": "expelled"},
                        comment="按人事档案更正")
    assert (p.fields["restriction_until"], p.fields["barred_from_firms"]) == ("2027-03-01", True)
    correction = s.history(p.id)[0][-1]
    assert correction.payload["fields"]["restriction_until"] == "2027-03-01"
    verify_all(app)
