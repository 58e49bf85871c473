"""Campaigns as entities (issue 15, items 1 and 4): two plans side by side, every case in at most one campaign
(set at intake, immutable, from the unit's active campaign or chosen), each self-report judged by its own
campaign's windows, 被查从严 matching by subject and matter within a campaign, status as of any date."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import REPO, verify_all
from openpyxl import load_workbook

from rectiflow.cli import main
from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.campaigns.plans import parse_plan
from workflow.errors import DefinitionError, InvalidInput, NotFound
from workflow.events import format_time

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
OTHER = Path(__file__).parent / "plans" / "other-2021.yaml"
BEIJING = timezone(timedelta(hours=8))


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING).astimezone(UTC)


@pytest.fixture
def two(app, clock):
    """Xifeng's plan and another bureau's (its own unit qt-jcy, window in August 2021), loaded in June 2021."""
    clock.set(at("2021-06-10"))
    app.directory.add_unit("qt-jcy", name="某区人民检察院")
    app.directory.add_user("jcy_reg", role="registrar", unit="qt-jcy", name="检察院登记员 周敏")
    app.directory.add_user("jcy_sup", role="supervisor", unit="qt-jcy", name="检察院督办 吴刚")
    return app.campaigns.load(XIFENG), app.campaigns.load(OTHER)


def clue(app, subject, channel="self_report", *, unit="xf-sfj", actor="registrar", **kw):
    return app.cases.open_case("clue", actor=actor, unit=unit, title=f"{subject}的问题", fields={
        "allegation": "收受当事人礼金", "subject_name": subject, "discovery_channel": channel}, **kw)


def item(app, subject, category, channel="self_report", *, unit="xf-sfs-1", actor="registrar"):
    return app.cases.open_case("rectification_item", actor=actor, unit=unit, title="问题", fields={
        "description": "问题描述", "category": category, "discovery_channel": channel, "subject": subject})


def test_a_self_report_is_judged_by_its_own_campaigns_window_only(app, clock, two):
    clock.set(at("2021-08-16"))  # inside other-2021's window, after Xifeng's last one (until 2021-07-31)
    xifeng = clue(app, "王五")
    assert (xifeng.campaign, xifeng.fields["self_report_assessment"]) == ("xifeng-2021", "late")
    other = clue(app, "赵六", unit="qt-jcy", actor="jcy_reg")
    assert (other.campaign, other.fields["self_report_assessment"]) == ("other-2021", "counted")
    clock.set(at("2021-07-15"))  # inside Xifeng's second window, before other-2021's
    assert clue(app, "钱七").fields["self_report_assessment"] == "counted"
    assert clue(app, "孙八", unit="qt-jcy", actor="jcy_reg").fields["self_report_assessment"] == "late"
    verify_all(app)


def test_a_campaigns_leniency_policy_decides_which_channels_count_as_self_reports(app, clock, two):
    clock.set(at("2021-08-16"))  # inside other-2021's window; Xifeng's windows are over
    narrowed = clue(app, "周九", "supplementary_self_report", unit="qt-jcy", actor="jcy_reg")
    assert narrowed.fields["self_report_assessment"] == "not_self_report"  # other-2021 counts self_report only
    assert clue(app, "吴十", unit="qt-jcy", actor="jcy_reg").fields["self_report_assessment"] == "counted"
    clock.set(at("2021-07-15"))  # inside Xifeng's window: its policy (the default) counts 补报 too
    assert clue(app, "郑一", "supplementary_self_report").fields["self_report_assessment"] == "counted"
    listed = {c["key"]: c for c in app.campaigns.campaigns()}
    assert listed["other-2021"]["leniency"]["self_report_channels"] == ["self_report"]
    assert listed["xifeng-2021"]["leniency"] == {}


@pytest.mark.parametrize("policy, message", [
    ("leniency: {self_report_channels: [org_investigation]}", "self_report_channels must be a non-empty list"),
    ("leniency: {channels: [self_report]}", "leniency: unknown key 'channels'"),
    ("leniency: [self_report]", "leniency must be a mapping"),
])
def test_a_leniency_policy_that_would_make_an_organisation_channel_lenient_is_refused(tmp_path, policy, message):
    text = OTHER.read_text(encoding="utf-8").replace(
        "leniency:  # this campaign counts only first-hand self-reports as 自查 (its 补报 rounds are over)\n"
        "  self_report_channels: [self_report]\n", policy + "\n")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("  note: {zh: 本次整治"))
    with pytest.raises(DefinitionError) as err:
        parse_plan(load_yaml_text(text, "other.yaml"), source="other.yaml")
    assert any(message in problem and problem.startswith("other.yaml:") for problem in err.value.problems)


def test_measure_cases_belong_to_their_plan_and_the_campaign_is_in_the_opened_event(app, two):
    xifeng, other = two
    assert {app.cases.get(c).campaign for c in xifeng.cases} == {"xifeng-2021"}
    assert {app.cases.get(c).campaign for c in other.cases} == {"other-2021"}
    events, replayed = app.cases.history(other.cases[0])
    assert events[0].payload["campaign"] == "other-2021" and replayed.campaign == "other-2021"


def test_outside_every_campaigns_dates_or_units_a_case_belongs_to_none(app, clock, two):
    clock.set(at("2022-03-01"))  # both plans ended on 2021-12-31
    late = clue(app, "王五")
    assert late.campaign is None and late.fields["self_report_assessment"] == "counted"  # no window applies
    clock.set(at("2021-05-01"))  # Xifeng runs, other-2021 has not started
    assert clue(app, "赵六", unit="qt-jcy", actor="jcy_reg").campaign is None
    assert clue(app, "钱七").campaign == "xifeng-2021"


def test_when_several_campaigns_are_under_way_the_intake_must_choose(app, clock, two, tmp_path):
    copy = tmp_path / "xifeng-bis.yaml"
    copy.write_text(XIFENG.read_text(encoding="utf-8").replace("campaign: xifeng-2021", "campaign: xifeng-bis"),
                    encoding="utf-8")
    app.campaigns.load(copy)
    clock.set(at("2021-07-15"))
    with pytest.raises(InvalidInput) as refused:
        clue(app, "王五")
    assert refused.value.code == "campaign.ambiguous"
    assert refused.value.params["keys"] == ["xifeng-2021", "xifeng-bis"]
    chosen = clue(app, "王五", campaign="xifeng-bis")
    assert chosen.campaign == "xifeng-bis"
    with pytest.raises(InvalidInput) as wrong:
        clue(app, "赵六", campaign="other-2021")  # other-2021 does not span xf-sfj
    assert wrong.value.code == "campaign.not_covering"
    with pytest.raises(NotFound):
        clue(app, "赵六", campaign="nope")
    assert app.cases.count() == 25 + 25 + 2 + 1  # the refused intakes wrote nothing


def test_a_campaign_with_categories_takes_only_those(app, clock, two):
    clock.set(at("2021-08-16"))
    with pytest.raises(InvalidInput) as refused:
        item(app, "王五", "business_lending", unit="qt-jcy", actor="jcy_reg")
    assert refused.value.code == "campaign.category_not_in_plan"
    assert item(app, "王五", "three_regulations", unit="qt-jcy", actor="jcy_reg").campaign == "other-2021"


def test_org_held_needs_the_same_subject_the_same_matter_and_the_same_campaign(app, clock, two):
    clock.set(at("2021-07-15"))  # inside Xifeng's window
    clue(app, "张三", "mass_report", unit="qt-jcy", actor="jcy_reg")  # held — in the other campaign
    clock.advance(hours=1)
    assert clue(app, "张三").fields["self_report_assessment"] == "counted"  # another campaign's clue: not held
    clue(app, "李四", "mass_report")
    clock.advance(hours=1)
    assert clue(app, "李四").fields["self_report_assessment"] == "org_held"  # same subject, type and campaign
    item(app, "王五", "business_lending", "inspection")
    clock.advance(hours=1)
    assert item(app, "王五", "three_regulations").fields["self_report_assessment"] == "counted"  # another matter
    assert clue(app, "王五").fields["self_report_assessment"] == "counted"  # a clue: another matter too
    assert item(app, "王五", "business_lending").fields["self_report_assessment"] == "org_held"


def test_status_as_of_an_earlier_date_shows_the_earlier_picture(app, clock, two):
    _, other = two
    clock.set(at("2021-06-14"))
    app.cases.advance(other.cases[0], "start", actor="jcy_sup")
    clock.set(at("2021-07-20"))
    now = app.campaigns.status("other-2021")
    first, second = now["measures"]
    assert (first["case"], first["state"], first["light"], first["overdue"]) == (
        other.cases[0], "in_progress", "green", False)
    assert (second["case"], second["state"], second["light"], second["overdue"]) == (
        other.cases[1], "planned", "red", True)
    assert now["overdue"] == 1 and now["tasks"]["二(一)"] == {"measures": 2, "accepted": 0, "overdue": 1}
    then = app.campaigns.status("other-2021", as_of=at("2021-06-12", 23))
    assert [(m["state"], m["overdue"]) for m in then["measures"]] == [("planned", False), ("planned", False)]
    assert then["overdue"] == 0 and then["as_of"] == format_time(at("2021-06-12", 23))
    before = app.campaigns.status("other-2021", as_of=at("2021-06-01"))  # before the load: nothing opened yet
    assert [m["state"] for m in before["measures"]] == [None, None] and before["lights"] == {"not_opened": 2}


@pytest.fixture
def cli(sqlite_app, clock, tmp_path):
    def run(*args: str, code: int = 0):
        env = {"RECTIFLOW_DATABASE_URL": sqlite_app.settings.database_url,
               "RECTIFLOW_DEFINITIONS": str(REPO / "definitions"), "RECTIFLOW_INSTANCE": str(tmp_path / "instance"),
               "RECTIFLOW_NOW": format_time(clock.now())}  # the clock as it is when the command runs
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == code, (result.output, result.stderr)
        return json.loads(result.stdout) if "--json" in args and code == 0 else result.output

    return run


def test_the_cli_lists_campaigns_shows_a_cases_campaign_and_status_as_of(sqlite_app, clock, cli, tmp_path):
    app = sqlite_app
    clock.set(at("2021-06-10"))
    app.directory.add_unit("qt-jcy", name="某区人民检察院")
    cli("campaign", "load", str(XIFENG), "--json")
    other = cli("campaign", "load", str(OTHER), "--json")
    listed = cli("campaign", "list", "--json")["campaigns"]
    assert [c["key"] for c in listed] == ["other-2021", "xifeng-2021"]
    assert listed[0]["title"] == "其他单位顽瘴痼疾整治方案（测试）" and listed[0]["units"] == ["qt-jcy"]
    assert (listed[1]["issued_by"], listed[1]["document"], listed[1]["starts_on"], listed[1]["ends_on"]) == (
        "中共西丰县司法局党组", "西司党〔2021〕11号", "2021-04-20", "2021-12-31")
    shown = cli("case", "show", other["cases"][0], "--json")
    assert shown["campaign"] == "other-2021"
    clock.set(at("2021-07-20"))
    opened = cli("case", "open", "clue", "--as", "registrar", "--title", "王五的问题", "--unit", "xf-sfj",
                 "--field", "allegation=收受礼金", "--field", "subject_name=王五",
                 "--field", "discovery_channel=self_report", "--json")
    assert opened["campaign"] == "xifeng-2021"
    assert cli("case", "show", opened["id"], "--json")["campaign"] == "xifeng-2021"
    copy = tmp_path / "xifeng-bis.yaml"
    copy.write_text(XIFENG.read_text(encoding="utf-8").replace("campaign: xifeng-2021", "campaign: xifeng-bis"),
                    encoding="utf-8")
    cli("campaign", "load", str(copy), "--json")
    refused = cli("case", "open", "clue", "--as", "registrar", "--title", "赵六", "--unit", "xf-sfj",
                  "--field", "allegation=x", "--field", "discovery_channel=self_report", code=1)
    assert "several campaigns" in refused and "--campaign xifeng-2021, xifeng-bis" in refused
    chosen = cli("case", "open", "clue", "--as", "registrar", "--title", "赵六", "--unit", "xf-sfj",
                 "--field", "allegation=x", "--field", "subject_name=赵六", "--field", "discovery_channel=self_report",
                 "--campaign", "xifeng-bis",
                 "--json")
    assert chosen["campaign"] == "xifeng-bis"
    now = cli("campaign", "status", "other-2021", "--json")
    assert [m["light"] for m in now["measures"]] == ["red", "red"] and now["overdue"] == 2
    then = cli("campaign", "status", "other-2021", "--as-of", "2021-06-12", "--json")
    assert then["overdue"] == 0 and [m["case"] for m in then["measures"]] == other["cases"]
    assert "as of" in cli("campaign", "status", "other-2021", "--as-of", "2021-06-12")
    assert "--as-of" in cli("campaign", "status", "other-2021", "--as-of", "someday", code=1)
    ledger = ledger_file(app, tmp_path / "台账.xlsx", {"问题编号": "XF-201", "问题描述": "请假审批材料不全",
                                                       "问题类别": "减假暂/社区矫正", "发现渠道": "自查",
                                                       "责任单位": "城区司法所"})
    ambiguous = cli("ledger", "import", str(ledger), "--as", "supervisor", "--json", code=1)
    assert '"code": "campaign.ambiguous"' in ambiguous and "未导入任何一行" in ambiguous
    imported = cli("ledger", "import", str(ledger), "--as", "supervisor", "--campaign", "xifeng-bis", "--json")
    assert cli("case", "show", imported["cases"][0]["case"], "--json")["campaign"] == "xifeng-bis"


def ledger_file(app, path: Path, row: dict[str, str]) -> Path:
    """The ledger import template with one filled row."""
    book = load_workbook(io.BytesIO(app.ledger.template()))
    book.worksheets[0].append([row.get(c.value) for c in book.worksheets[0][1]])
    book.save(path)
    return path
