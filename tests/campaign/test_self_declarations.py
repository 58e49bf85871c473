"""Self-declarations (集中填报): one form per staff member, who has and has not filed, spot checks."""
from __future__ import annotations

import pytest
from factories import verify_all

from workflow.campaigns.declarations import Declarations
from workflow.errors import GuardRejected, InvalidInput, UnknownUnit


def test_issue_gives_every_staff_member_of_the_unit_one_form_and_skips_read_only_accounts(app):
    report = app.declarations.issue("xf-sfj", actor="registrar")
    assert sorted(p["login"] for p in report.issued) == ["leader", "registrar", "supervisor", "supervisor2"]
    assert [p["login"] for p in report.skipped] == ["auditor"]
    for entry in report.issued:
        form = app.cases.get(entry["case"])
        assert (form.type, form.assignee, form.fields["declarant"], form.fields["round"]) == (
            "self_declaration", entry["login"], entry["login"], 1)
        assert form.unit == "xf-sfj" and form.state == "issued"
    again = app.declarations.issue("xf-sfj", actor="registrar")
    assert again.issued == [] and sorted(p["case"] for p in again.already) == sorted(p["case"] for p in report.issued)
    second_round = app.declarations.issue("xf-sfj", actor="registrar", round_no=2)
    assert len(second_round.issued) == 4
    verify_all(app)


def test_status_tracks_who_has_and_has_not_filed(app):
    decl = app.declarations
    app.directory.add_user("newcomer", role="handler", unit="xf-sfs-1", name="新同事")
    forms = {p["login"]: p["case"] for p in decl.issue("xf-sfs-1", actor="supervisor").issued}
    app.directory.add_user("latecomer", role="handler", unit="xf-sfs-1", name="后来的同事")
    app.cases.advance(forms["handler"], "submit", actor="handler", fields={"truthful_pledge": "yes"})
    status = decl.status("xf-sfs-1")
    assert (status["staff"], status["issued"], status["filed"]) == (4, 3, 1)
    assert sorted(status["not_filed"]) == ["newcomer", "unit_head"] and status["not_issued"] == ["latecomer"]
    app.cases.advance(forms["handler"], "return_for_correction", actor="unit_head", fields={"return_reason": "漏填"})
    assert "handler" in decl.status("xf-sfs-1")["not_filed"]  # returned: to be filed again


def test_only_the_declarant_submits_their_form_and_only_truthfully(app):
    form = app.declarations.issue("xf-sfs-1", actor="registrar").issued[0]["case"]
    assert app.cases.get(form).assignee == "handler"
    with pytest.raises(GuardRejected, match="only the assigned handler"):
        app.cases.advance(form, "submit", actor="unit_head", fields={"truthful_pledge": "yes"})
    with pytest.raises(GuardRejected, match="truthful_pledge"):
        app.cases.advance(form, "submit", actor="handler", fields={"truthful_pledge": "no"})
    assert app.cases.advance(form, "submit", actor="handler", fields={"truthful_pledge": "yes"}).state == "submitted"


def test_issue_refuses_what_is_not_a_declaration_and_unknown_units(app):
    decl = app.declarations
    with pytest.raises(InvalidInput, match="not a declaration type"):
        decl.issue("xf-sfs-1", actor="registrar", case_type="clue")
    with pytest.raises(UnknownUnit):
        decl.issue("xf-nowhere", actor="registrar")
    with pytest.raises(InvalidInput):
        decl.issue("xf-sfs-1", actor="registrar", round_no=0)


def test_subunits_are_included_on_request(app):
    app.directory.add_user("lawyer_head", role="unit_head", unit="xf-ls-1", name="律所主任")
    app.directory.add_user("lsk_clerk", role="handler", unit="xf-lsk", name="律管科干部")
    decl = app.declarations
    assert [p["login"] for p in decl.issue("xf-lsk", actor="registrar").issued] == ["lsk_clerk"]
    assert [p["login"] for p in decl.issue("xf-lsk", actor="registrar", subunits=True).issued] == ["lawyer_head"]
    assert decl.status("xf-lsk", subunits=True)["issued"] == 2


def filed_forms(app, unit="xf-sfj"):
    s = app.cases
    forms = Declarations(s).issue(unit, actor="registrar").issued
    for entry in forms:
        s.advance(entry["case"], "submit", actor=entry["login"], fields={"truthful_pledge": "yes"})
        reviewer = "supervisor2" if entry["login"] == "supervisor" else "supervisor"
        s.advance(entry["case"], "file", actor=reviewer)
    return [e["case"] for e in forms]


def test_spot_check_selects_a_reproducible_random_sample_of_filed_forms(app):
    forms = filed_forms(app)
    decl = app.declarations
    picked = decl.spot_check("xf-sfj", actor="supervisor", rate=0.5, seed=7)
    assert (picked["candidates"], len(picked["selected"]), picked["seed"]) == (4, 2, 7)
    assert set(picked["selected"]) <= set(forms)
    for case_id in picked["selected"]:
        case = app.cases.get(case_id)
        assert case.state == "spot_check" and case.fields["sample_basis"] == "rate 0.5, seed 7, 2 of 4 filed"
    rest = decl.spot_check("xf-sfj", actor="supervisor", rate=1, seed=7)  # the sampled ones are no longer filed
    assert sorted(rest["selected"]) == sorted(set(forms) - set(picked["selected"]))
    with pytest.raises(InvalidInput):
        decl.spot_check("xf-sfj", actor="supervisor", rate=0)
    verify_all(app)


def test_the_same_seed_gives_the_same_sample(make_app, sqlite_url, tmp_path):
    from rectiflow.demo import seed_directory

    samples = []
    for n in range(2):
        url = f"sqlite:///{tmp_path / f'db{n}.db'}"
        from workflow.adapters.sql.sqlstore import upgrade_database

        upgrade_database(url)
        app = make_app(url)
        seed_directory(app)
        forms = filed_forms(app)
        chosen = app.declarations.spot_check("xf-sfj", actor="supervisor", rate=0.25, seed=42)["selected"]
        samples.append([forms.index(c) for c in chosen])
    assert samples[0] == samples[1] and len(samples[0]) == 1




def test_cli_issue_status_and_spot_check(cli, sqlite_app):
    issued = cli("declarations", "issue", "--unit", "xf-sfs-1", "--as", "registrar", "--json")
    assert sorted(p["login"] for p in issued["issued"]) == ["handler", "unit_head"]
    assert cli("declarations", "issue", "--unit", "xf-sfs-1", "--as", "registrar", "--json")["issued"] == []
    status = cli("declarations", "status", "--unit", "xf-sfs-1", "--json")
    assert (status["issued"], status["filed"], sorted(status["not_filed"])) == (2, 0, ["handler", "unit_head"])
    text = cli("declarations", "status", "--unit", "xf-sfs-1")
    assert "0/2 filed" in text and "not filed handler" in text
    letters = cli("declarations", "issue", "--unit", "xf-sfs-1", "--as", "registrar", "--type", "commitment_letter",
                  "--json")
    assert letters["type"] == "commitment_letter" and len(letters["issued"]) == 2
    refused = cli("declarations", "issue", "--unit", "xf-sfs-1", "--as", "handler", "--json", code=3)
    assert refused["error"] == "RoleNotAllowed"
    assert cli("declarations", "status", "--unit", "nowhere", "--json", code=1)["error"] == "UnknownUnit"
    out = cli("declarations", "spot-check", "--unit", "xf-sfs-1", "--as", "supervisor", "--rate", "0.5",
              "--seed", "3", "--json")
    assert (out["candidates"], out["selected"]) == (0, [])  # nothing filed yet
