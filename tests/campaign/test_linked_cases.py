"""Linked cases (`opens:`): opened by the step, in its transaction, linked both ways — or not at all."""
from __future__ import annotations

from pathlib import Path

import pytest
from factories import REPO, linked, verify_all
from sqlalchemy import func, select

from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions
from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.adapters.sql import schema
from workflow.campaigns.declarations import Declarations
from workflow.definitions.checks import check_links
from workflow.definitions.parser import parse_definition
from workflow.errors import DefinitionError, MissingField

ROLES = load_roles(Path(__file__).resolve().parents[2] / "definitions")  # the shipped role book


def counts(app):
    with app.store.read() as tx:
        conn = tx.conn
        return (conn.execute(select(func.count()).select_from(schema.cases)).scalar_one(),
                conn.execute(select(func.count()).select_from(schema.case_events)).scalar_one())


def test_a_linked_case_that_cannot_be_opened_leaves_nothing_behind(app):
    s = app.cases
    form = Declarations(s).issue("xf-sfs-1", actor="registrar").issued[0]["case"]
    s.advance(form, "submit", actor="handler", fields={"truthful_pledge": "yes", "interference_unreported": "yes"})
    before, version = counts(app), s.get(form).version
    with pytest.raises(MissingField, match=r"opens a linked interference_record.*'content'"):
        s.advance(form, "file", actor="supervisor")  # declared an inquiry, but described none
    assert counts(app) == before
    assert (s.get(form).state, s.get(form).version) == ("submitted", version)
    s.advance(form, "return_for_correction", actor="unit_head", fields={"return_reason": "请写明过问情况"})
    s.advance(form, "submit", actor="handler", fields={
        "truthful_pledge": "yes", "interference_unreported": "yes", "interference_details": "2019年某领导过问一起案件"})
    filed = s.advance(form, "file", actor="supervisor")
    [record] = linked(app, filed, "declared_interference")
    assert (record.type, record.fields["discovery_channel"], record.fields["recorded_by"]) == (
        "interference_record", "supplementary_self_report", "handler")
    assert counts(app) == (before[0] + 1, before[1] + 4)  # return, submit, file (+ links) and the record's intake
    verify_all(app)


def test_the_links_are_in_the_audit_events_of_both_cases(app):
    s = app.cases
    rec = s.open_case("interference_record", actor="registrar", unit="xf-sfs-1", title="过问",
                      fields={"record_kind": "internal_inquiry", "content": "同事询问案情", "inquirer_name": "甲",
                              "discovery_channel": "self_report"})
    rec = s.advance(rec.id, "screen_as_interference", actor="supervisor", fields={
        "screening_basis": "打招呼", "handled_lawfully": "lawful", "officer_treatment": "protected"})
    [clue] = linked(app, rec)
    step = s.history(rec.id)[0][-1]
    intake = s.history(clue.id)[0][0]
    assert step.payload["links"] == [{"case": clue.id, "type": "clue", "relation": "interference_clue",
                                      "direction": "opened"}]
    assert intake.payload["links"] == [{"case": rec.id, "type": "interference_record",
                                        "relation": "interference_clue", "direction": "opened_by"}]
    assert intake.actor == step.actor == "supervisor"
    _, replayed = s.history(rec.id)
    assert replayed is not None and replayed.links == rec.links


def test_conditional_opens_open_only_what_was_declared(app):
    s = app.cases
    form = Declarations(s).issue("xf-sfs-1", actor="registrar").issued[0]["case"]
    s.advance(form, "submit", actor="handler", fields={"truthful_pledge": "yes", "own_business": "no"})
    filed = s.advance(form, "file", actor="supervisor")
    assert filed.links == [] and "links" not in s.history(form)[0][-1].payload


def test_every_shipped_link_is_sound():
    d = REPO / "definitions"
    files = read_definitions(definition_paths(d), load_roles(d))
    assert check_links([f.definition for f in files]) == []


SOURCE = """
name: demo_source
version: 1
title: {zh: 源, en: Source}
initial: open
roles: [registrar, supervisor]
fields:
  note: {type: text, label: {zh: 说明, en: Note}}
  file: {type: attachment, label: {zh: 文件, en: File}}
states:
  open: {label: {zh: 开, en: Open}, stage: reported}
  done: {label: {zh: 完, en: Done}, stage: closed, terminal: true}
transitions:
  - trigger: finish
    label: {zh: 完成, en: Finish}
    source: open
    dest: done
    roles: [registrar]
    opens:
OPENS
"""


def parse(opens: str):
    text = SOURCE.replace("OPENS\n", opens)
    return parse_definition(load_yaml_text(text, "src.yaml"), source="src.yaml", roles=ROLES)


@pytest.mark.parametrize("opens,message", [
    ("      - {type: clue, relation: r, title: t, fields: {allegation: {from: nowhere}}}\n",
     "copies unknown (or attachment) field 'nowhere'"),
    ("      - {type: clue, relation: r, title: t, fields: {allegation: {from: file}}}\n",
     "copies unknown (or attachment) field 'file'"),
    ("      - {type: clue, relation: r, title: '{missing}', fields: {allegation: {value: x}}}\n",
     "title names unknown field 'missing'"),
    ("      - {type: clue, relation: r, title: t, fields: {allegation: {value: x}}, colour: red}\n",
     "unknown key 'colour'"),
    ("      - {type: clue, relation: r, title: t, fields: {allegation: [1]}}\n", "must be {from: <field>}"),
    ("      - {type: clue, relation: r, title: t, fields: {a: {value: x}}, "
     "when: [{field_equals: {field: zz, value: 1}}]}\n",
     "when names unknown field 'zz'"),
    ("      - {relation: r, title: t, fields: {a: {value: x}}}\n", "type must be given"),
])
def test_a_bad_opens_entry_is_reported_with_its_line(opens, message):
    with pytest.raises(DefinitionError) as err:
        parse(opens)
    assert any(p.startswith("src.yaml:19:") and message in p for p in err.value.problems), err.value.problems


def test_cross_definition_checks_name_what_is_wrong():
    source = parse("      - {type: clue, relation: r, title: t, "
                   "fields: {allegation: {from: note}, colour: {value: x}}}\n"
                   "      - {type: nothing, relation: r, title: t, fields: {a: {value: x}}}\n")
    d = REPO / "definitions"
    clue = next(f.definition for f in read_definitions([d / "clue.yaml"], load_roles(d)))
    problems = check_links([source, clue])
    assert any("opens 'nothing': no such case type" in p for p in problems)
    assert any("clue has no field 'colour'" in p for p in problems)
    assert any("required field 'subject_name' is not given" in p for p in problems)
    assert any("required field 'discovery_channel' is not given" in p for p in problems)
    assert not any("role 'registrar'" in p for p in problems)  # registrar may open clues
