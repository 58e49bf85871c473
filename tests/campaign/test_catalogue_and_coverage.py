"""The catalogue lists every case type with its lifecycle and plan clauses, and every numbered item of
the plan is traced (plan-coverage.yaml) to a case type, field, transition or feature that exists."""
from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter

from click.testing import CliRunner
from factories import REPO

from rectiflow.cli import main
from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions
from workflow.adapters.files.plan_files import module_exists_under, read_coverage, read_plan_items
from workflow.campaigns.catalogue import blocks, html_page, markdown
from workflow.campaigns.coverage import Trace, coverage_problems

DEFS = REPO / "definitions"


def shipped():
    return [f.definition for f in read_definitions(definition_paths(DEFS), load_roles(DEFS))]


def test_the_item_list_has_the_plans_numbered_items():
    items = read_plan_items(DEFS)
    groups = Counter(i.group for i in items)
    assert (groups["contents"], groups["measures"], groups["safeguards"]) == (15, 25, 5)
    assert len({i.id for i in items}) == len(items)
    for i in items:
        assert re.fullmatch(r"[一二三]\([一二三四五六]\)(内容|措施)?(\(\d\))?|二\([一二三四五六]\)目标", i.id), i.id


def test_every_plan_item_is_traced_to_something_that_exists():
    problems = coverage_problems(read_coverage(DEFS), read_plan_items(DEFS), shipped(),
                                 module_exists=module_exists_under(REPO))
    assert problems == []


def test_an_untraced_item_or_a_dangling_trace_is_reported():
    coverage = read_coverage(DEFS)
    items = dict(coverage.items)
    del items["二(三)措施(2)"]
    items["二(五)措施(5)"] = (Trace("field", "integrity_rating.stars"), Trace("feature", "teleport"),
                             Trace("transition", "clue.approve_everything"))
    broken = dataclasses.replace(coverage, items=items)
    problems = coverage_problems(broken, read_plan_items(DEFS), shipped(), module_exists=module_exists_under(REPO))
    assert "plan item 二(三)措施(2) is not traced to anything" in problems
    assert "二(五)措施(5): integrity_rating has no field 'stars'" in problems
    assert "二(五)措施(5): unknown feature 'teleport'" in problems
    assert "二(五)措施(5): clue has no transition 'approve_everything'" in problems


def test_every_shipped_case_type_names_real_plan_clauses_and_maps_states_to_stages():
    ids = {i.id for i in read_plan_items(DEFS)}
    defs = shipped()
    assert len(defs) >= 17
    for d in defs:
        assert d.source_clauses and set(d.source_clauses) <= ids, d.name
        assert d.title["zh"] and d.title["en"]
        assert any(s.stage == "closed" for s in d.states.values())


def test_catalogue_markdown_and_html_cover_every_type(tmp_path):
    env = {"RECTIFLOW_DEFINITIONS": str(DEFS), "RECTIFLOW_INSTANCE": str(tmp_path / "instance"),
           "RECTIFLOW_DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.db")}
    result = CliRunner().invoke(main, ["definitions", "catalogue", "-o", str(tmp_path / "cat"), "--json"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    md = (tmp_path / "cat" / "catalogue.md").read_text(encoding="utf-8")
    page = (tmp_path / "cat" / "catalogue.html").read_text(encoding="utf-8")
    assert out["types"] == len(shipped()) and out["markdown"].endswith("catalogue.md")
    for d in shipped():
        assert f"(`{d.name}` v{d.version})" in md and f"<code>{d.name}</code>" in page
        for clause in d.source_clauses:
            assert clause in md
        for t in d.transitions:
            assert f"`{t.trigger}`" in md
    assert md.count("```mermaid\nstateDiagram-v2") == len(shipped())
    assert page.count('<pre class="mermaid">stateDiagram-v2') == len(shipped())
    assert "二(四)措施(3)" in md and "**NOT TRACED**" not in md
    assert "years_after" in md and "restriction_until" in md  # computed fields are listed
    assert "clue (dual_check_violator)" in md  # what a step opens
    assert "<script" not in page and "&lt;" not in md


def test_default_output_folder_is_under_the_instance(tmp_path):
    env = {"RECTIFLOW_DEFINITIONS": str(DEFS), "RECTIFLOW_INSTANCE": str(tmp_path / "instance"),
           "RECTIFLOW_DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.db")}
    result = CliRunner().invoke(main, ["definitions", "catalogue"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "catalogue" / "catalogue.html").is_file()


def test_html_escapes_definition_text():
    d = shipped()[0]
    hostile = dataclasses.replace(d, description={"zh": "<script>alert(1)</script>", "en": "a & b"})
    items, coverage = read_plan_items(DEFS), read_coverage(DEFS)
    page = html_page(blocks([hostile], items, coverage))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &amp; b" in page
    assert "<script>" in markdown(blocks([hostile], items, coverage))  # Markdown keeps the text as written
