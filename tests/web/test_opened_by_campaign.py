"""`opened_by: campaign`: a plan measure (整治措施落实) and an assessment (专项整治评估验收) are opened by their
campaign alone — a plan load, an assessment round — never by hand: the new-case form does not offer them (nor
any type the person may not open), a forged form is a 404, the core refuses with a clear message and writes
nothing (`case open`: tests/cli/test_cli_opened_by_campaign.py), and a plan load still opens its measures.
SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from factories import REPO, event_count

from workflow.errors import NotAllowed

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"


def offered(client) -> set[str]:
    html = client.get("/cases/new").get_data(as_text=True)
    return set(re.findall(r'href="/cases/new\?type=([a-z_]+)"', html))


def test_the_new_case_form_offers_only_what_the_person_may_open(as_role):
    supervisor = offered(as_role("supervisor"))
    assert "rectification_item" in supervisor and "clue" in supervisor
    assert not {"rectification_measure", "campaign_assessment"} & supervisor
    handler = offered(as_role("handler"))
    assert "rectification_item" in handler
    assert "commitment_letter" not in handler  # openers: registrar, supervisor
    client = as_role("supervisor")
    for case_type in ("rectification_measure", "campaign_assessment"):
        assert client.get(f"/cases/new?type={case_type}").status_code == 404


def test_the_core_refuses_to_open_one_by_hand_and_writes_nothing(app):
    database_url = app.settings.database_url
    before = event_count(database_url)
    with pytest.raises(NotAllowed) as refused:
        app.cases.open_case("rectification_measure", actor="supervisor", unit="xf-sfj", title="手工措施",
                            fields={"measure_id": "一(1)", "campaign": "xifeng-2021", "due_date": "2026-06-30"})
    assert refused.value.code == "case.opened_by_campaign"
    assert event_count(database_url) == before


def test_a_plan_load_still_opens_its_measures(app):
    report = app.campaigns.load(XIFENG)
    assert report.created and {app.cases.get(c).type for c in report.created} == {"rectification_measure"}

