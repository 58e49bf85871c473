"""The campaign's 评估验收: a score per unit on the plan's indicators, each an audited step of the campaign's
`campaign_assessment` case; the latest score counts; totals per unit; bad input refused, nothing written."""
from __future__ import annotations

import pytest
from factories import REPO, verify_all

from workflow.campaigns.assessment import Assessments
from workflow.errors import InvalidInput, NotFound, RoleNotAllowed

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"


def test_scores_per_unit_are_audited_steps_and_the_latest_counts(app):
    app.campaigns.load(XIFENG)
    a = Assessments(app.cases)
    assert [i["id"] for i in a.indicators("xifeng-2021")] == ["ledger", "measures", "mechanism"]
    assert sorted(a.units("xifeng-2021")) == ["xf-jcj", "xf-jd-1", "xf-lsk", "xf-sfj", "xf-zzb"]  # the measures' units
    first = a.assess("xifeng-2021", unit="xf-lsk", indicator="ledger", score=20, note="台账缺两项", actor="supervisor")
    assert (first.type, first.state, first.unit) == ("campaign_assessment", "assessing", "xf-sfj")
    a.assess("xifeng-2021", unit="xf-lsk", indicator="measures", score=35, note="措施落实", actor="leader")
    again = a.assess("xifeng-2021", unit="xf-lsk", indicator="ledger", score=28, note="复核补齐", actor="leader")
    assert again.id == first.id  # one case per campaign
    table = a.scores("xifeng-2021")
    assert table["max_total"] == 100 and table["case"] == first.id
    lsk = next(u for u in table["units"] if u["unit"] == "xf-lsk")
    assert lsk["total"] == 63
    assert lsk["scores"]["ledger"] | {"at": None} == {"score": 28, "note": "复核补齐", "by": "leader", "at": None}
    assert next(u for u in table["units"] if u["unit"] == "xf-zzb") == {"unit": "xf-zzb", "scores": {}, "total": 0}
    events, replayed = app.cases.history(first.id)
    scored = [(e.actor, e.payload["fields"]["indicator"], e.payload["fields"]["score"]) for e in events[1:]]
    assert scored == [("supervisor", "ledger", 20), ("leader", "measures", 35), ("leader", "ledger", 28)]
    assert replayed == app.cases.get(first.id)
    verify_all(app)


@pytest.mark.parametrize("change, code", [
    ({"indicator": "speed"}, "assessment.unknown_indicator"),
    ({"unit": "xf-sfs-1"}, "assessment.unknown_unit"),
    ({"score": 31}, "assessment.score_range"),
    ({"score": -1}, "assessment.score_range"),
])
def test_bad_scores_are_refused_and_nothing_is_written(app, change, code):
    app.campaigns.load(XIFENG)
    a = Assessments(app.cases)
    args = {"unit": "xf-lsk", "indicator": "ledger", "score": 30, "note": "好", "actor": "supervisor", **change}
    with pytest.raises(InvalidInput) as err:
        a.assess("xifeng-2021", **args)
    assert err.value.code == code
    with app.store.read() as tx:
        assert tx.assessment_case("xifeng-2021") is None


def test_only_the_assessing_roles_score_and_an_unknown_plan_is_named(app):
    app.campaigns.load(XIFENG)
    a = Assessments(app.cases)
    with pytest.raises(RoleNotAllowed):
        a.assess("xifeng-2021", unit="xf-lsk", indicator="ledger", score=1, note="x", actor="handler")
    with pytest.raises(NotFound):
        a.scores("nope")


def test_cli_assess_and_scores(cli, sqlite_app):
    cli("campaign", "load", str(XIFENG))
    out = cli("campaign", "assess", "xifeng-2021", "--unit", "xf-zzb", "--indicator", "mechanism", "--score", "25",
              "--note", "制度健全", "--as", "leader", "--json")
    assert (out["unit"], out["score"], out["version"]) == ("xf-zzb", 25, 2)
    table = cli("campaign", "scores", "xifeng-2021", "--json")
    assert next(u for u in table["units"] if u["unit"] == "xf-zzb")["total"] == 25
    shown = cli("campaign", "scores", "xifeng-2021")
    assert "xf-zzb" in shown and "mechanism=25" in shown and "total 25" in shown
    refused = cli("--lang", "zh", "campaign", "assess", "xifeng-2021", "--unit", "xf-zzb", "--indicator", "mechanism",
                  "--score", "99", "--note", "x", "--as", "leader", code=1)
    assert "得分应在 0 到 30 之间" in refused
