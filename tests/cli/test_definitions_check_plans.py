"""`definitions check` reads a plan as a plan — wherever the file lies — with PATH:LINE problems for its ids,
units, dates and references, and checks the folder's plans against each other (keys, unit codes); the plan's
item index and coverage map stay checked as what they are. (In-process: the `no_db_cli` runner.)"""
from __future__ import annotations

from cli_runner import clean_failure


def _line_of(path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_both_shipped_plans_and_the_index_and_coverage_files_pass_each_as_what_it_is(no_db_cli, cli_defs):
    result = no_db_cli("definitions", "check", str(cli_defs / "campaigns"))
    assert result.exit_code == 0 and result.stderr == "", result.output
    lines = dict(line[3:].split(": ", 1) for line in result.stdout.splitlines())
    assert lines[str(cli_defs / "campaigns" / "district-procuratorate-2021.yaml")].startswith(
        "plan district-procuratorate-2021 — 某区人民检察院")
    assert "7 measures" in lines[str(cli_defs / "campaigns" / "district-procuratorate-2021.yaml")]
    assert "7 declared unit(s)" in lines[str(cli_defs / "campaigns" / "district-procuratorate-2021.yaml")]
    assert lines[str(cli_defs / "campaigns" / "plan-items.yaml")].startswith("plan item index — ")
    assert lines[str(cli_defs / "campaigns" / "plan-coverage.yaml")].startswith("plan coverage map — ")


def test_a_plan_file_outside_the_campaigns_folder_is_checked_as_a_plan(no_db_cli, cli_defs, tmp_path):
    copy = tmp_path / "draft.yaml"
    copy.write_text((cli_defs / "campaigns" / "district-procuratorate-2021.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    result = no_db_cli("definitions", "check", str(copy))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok {copy}: plan district-procuratorate-2021 — ")


def test_a_broken_plan_names_each_problem_at_its_line_and_nothing_of_a_case_type(no_db_cli, cli_defs, tmp_path):
    text = (cli_defs / "campaigns" / "district-procuratorate-2021.yaml").read_text(encoding="utf-8")
    text = (text.replace("supporting_units: [dp-xsjc]", "supporting_units: [dp-nowhere]", 1)
            .replace("deadline: 2021-06-15", "deadline: 2021-02-01", 1)
            .replace("id: 二、4、(2)", "id: 二、2、(3)", 1))
    draft = tmp_path / "draft.yaml"
    draft.write_text(text, encoding="utf-8")
    result = no_db_cli("definitions", "check", str(draft))
    clean_failure(result, 1)
    err = result.stderr
    assert "unknown key 'campaign'" not in err and "states" not in err, err  # never read as a case type
    measure_line = _line_of(draft, "id: 二、1、(3)")
    assert f"{draft}:{measure_line}: measure 二、1、(3): unknown unit 'dp-nowhere'" in err, err
    early = _line_of(draft, "id: 二、2、(3)")
    assert f"{draft}:{early}: measure 二、2、(3): deadline 2021-02-01 is before the plan was issued" in err, err
    assert "item 二、2、(3) is listed twice" in err, err


def test_a_plan_checked_from_inside_the_campaigns_folder_is_still_a_plan(no_db_cli, cli_defs, monkeypatch):
    monkeypatch.chdir(cli_defs / "campaigns")
    result = no_db_cli("definitions", "check", "district-procuratorate-2021.yaml", "plan-items.yaml")
    assert result.exit_code == 0, result.output
    assert "ok plan-items.yaml: plan item index" in result.stdout


def test_a_declared_unit_code_another_plan_uses_is_a_clash(no_db_cli, cli_defs):
    plan = cli_defs / "campaigns" / "district-procuratorate-2021.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("{code: dp-jjz,", "{code: xf-zzb,").replace("dp-jjz", "xf-zzb"), encoding="utf-8")
    result = no_db_cli("definitions", "check", str(plan))
    clean_failure(result, 1)
    line = _line_of(plan, "{code: xf-zzb,")
    assert f"{plan}:{line}: unit xf-zzb is also named by {cli_defs / 'campaigns' / 'xifeng-2021.yaml'}" in \
        result.stderr, result.stderr


def test_two_plans_of_the_folder_with_one_key_clash(no_db_cli, cli_defs):
    twin = cli_defs / "campaigns" / "twin.yaml"
    twin.write_text((cli_defs / "campaigns" / "xifeng-2021.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = no_db_cli("definitions", "check")
    clean_failure(result, 1)
    assert f"{twin}:1: campaign 'xifeng-2021' is also the key of" in result.stderr, result.stderr


def test_a_plan_dropped_among_the_case_types_is_refused_since_every_command_would_read_it_as_one(no_db_cli,
                                                                                                    cli_defs):
    stray = cli_defs / "district-plan.yaml"
    stray.write_text((cli_defs / "campaigns" / "district-procuratorate-2021.yaml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    result = no_db_cli("definitions", "check", str(stray))
    clean_failure(result, 1)
    assert f"{stray}:1: a campaign plan belongs in {cli_defs / 'campaigns'}/" in result.stderr, result.stderr
