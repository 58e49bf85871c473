"""`opened_by:` — who opens cases of a type: `people` (the default) or only a `campaign`'s own work; any other
value is refused on its line, and the shipped plan measure and assessment types are campaign-opened."""
from __future__ import annotations

from definition_problems import assert_only
from factories import DEFINITIONS, MINI, ROLES, edited

from workflow.adapters.files.definition_files import definition_paths, read_definitions

ROLES_LINE = "roles: [handler, supervisor]\n"


def load(tmp_path, text):
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    return loaded.definition


def test_people_open_cases_unless_the_file_says_otherwise(tmp_path):
    assert load(tmp_path, MINI).opened_by == "people"
    assert load(tmp_path, edited((ROLES_LINE, ROLES_LINE + "opened_by: campaign\n"))).opened_by == "campaign"


def test_an_unknown_opener_kind_is_refused_on_its_line(tmp_path):
    text = edited((ROLES_LINE, ROLES_LINE + "opened_by: everyone\n"))
    assert_only(tmp_path, text, "opened_by: everyone", "opened_by must be one of people, campaign, got 'everyone'")


def test_the_shipped_campaign_types_are_opened_by_their_campaign():
    shipped = {d.definition.name: d.definition.opened_by
               for d in read_definitions(definition_paths(DEFINITIONS), ROLES)}
    assert {name for name, by in shipped.items() if by == "campaign"} == {"rectification_measure",
                                                                         "campaign_assessment"}
