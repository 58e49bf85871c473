"""Reloading an edited plan reconciles, never loses: a changed unit, a changed deadline and a dropped measure
become three audited changes on their cases (progress kept, `audit verify` passes, every case replays);
`preview` (--dry-run) lists them and writes nothing; a measure that comes back is reinstated; a case still on
rectification_measure v2 is moved to v3 in the same transaction as its withdrawal. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from factories import REPO, copy_definitions, seed_directory
from sqlalchemy import func, select

from rectiflow.demo import DEMO_PASSWORD
from workflow.adapters.sql import schema
from workflow.errors import WorkflowError

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
CHANGED_DATE, CHANGED_UNIT, DROPPED = "二(一)措施(1)", "二(一)措施(2)", "二(六)措施(2)"


def edited(tmp_path, *, drop: bool = True):
    """The plan with 二(一)措施(1) due later, 二(一)措施(2) given to another unit and 二(六)措施(2) dropped."""
    text = XIFENG.read_text(encoding="utf-8")
    for measure, old, new in ((CHANGED_DATE, "deadline: 2021-05-31", "deadline: 2021-07-15"),
                              (CHANGED_UNIT, "responsible_unit: xf-zzb", "responsible_unit: xf-sfj")):
        at = text.index(old, text.index(f"- id: {measure}\n"))
        text = text[:at] + new + text[at + len(old):]
    if drop:
        start = text.index("      - id: 二(六)措施(2)")
        end = text.index("    target: {id: 二(六)目标")
        text = text[:start] + text[end:]
    path = tmp_path / "xifeng-2021.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def as_v2(v3: str) -> str:
    """rectification_measure as it was before withdrawal existed: no plan_status, no 已撤销, no withdraw/reinstate."""
    text = v3.replace("version: 3", "version: 2", 1)
    for start, end in (("  plan_status:", "\nstates:"), ("  withdrawn:", "\ntransitions:"),
                       ("  - trigger: withdraw\n", "\nescalation:")):
        text = text[:text.index(start)] + text[text.index(end) + 1:]
    assert "withdraw" not in text.split("\nname:")[1]
    return text


def events(app, case_id):
    with app.store.read() as tx:
        return tx.events(case_id)


def counts(app):
    with app.store.read() as tx:
        return tuple(tx.conn.execute(select(func.count()).select_from(table)).scalar_one()
                     for table in (schema.cases, schema.case_events, schema.alerts))


def started(app, case_id, note):
    app.cases.advance(case_id, "start", actor="supervisor", fields={"progress_note": note})
    return app.cases.get(case_id)


def every_case_checks(app, case_ids):
    assert app.audit.verify().ok
    for case_id in case_ids:
        check = app.audit.check_case(case_id)
        assert check.chain is None and check.replay is None, check.to_dict()
        _, replayed = app.cases.history(case_id)
        assert replayed == app.cases.get(case_id)


def test_a_reload_records_the_three_changes_and_loses_nothing(app, tmp_path):
    first = app.campaigns.load(XIFENG)
    ids = dict(zip([m["id"] for m in app.campaigns.progress("xifeng-2021")["measures"]], first.cases, strict=True))
    dated, moved, dropped = ids[CHANGED_DATE], ids[CHANGED_UNIT], ids[DROPPED]
    before = started(app, dated, "已制定细则")
    started(app, dropped, "已完成排查一半")
    app.directory.add_user("zzb_handler", role="handler", unit="xf-zzb", name="整治办 钱伟", password=DEMO_PASSWORD)
    app.cases.assign(moved, actor="supervisor", assignee="zzb_handler")

    report = app.campaigns.load(edited(tmp_path)).to_dict()
    assert report["added"] == [] and report["reinstated"] == [] and report["unchanged"] == 22
    assert report["dropped"] == [{"measure": DROPPED, "case": dropped, "state": "in_progress"}]
    assert {(c["measure"], c["case"]): c["changes"] for c in report["changed"]} == {
        (CHANGED_DATE, dated): {"due_date": {"from": "2021-05-31", "to": "2021-07-15"}},
        (CHANGED_UNIT, moved): {"responsible_unit": {"from": "xf-zzb", "to": "xf-sfj"}}}

    # the changed deadline: recorded, progress kept, the running deadline planned again from the new date
    case = app.cases.get(dated)
    assert case.state == "in_progress" and case.fields["progress_note"] == "已制定细则"
    assert case.fields["due_date"] == "2021-07-15"
    assert case.deadline["due_at"] == "2021-07-15T16:00:00.000000Z" != before.deadline["due_at"]
    assert case.deadline["key"] != before.deadline["key"] and case.deadline["rungs"]
    [revised] = [e for e in events(app, dated) if e.action == "plan_revised"]
    assert revised.actor == "system:campaign" and revised.from_state is None
    assert revised.payload["changes"] == {"due_date": {"from": "2021-05-31", "to": "2021-07-15"}}

    # the changed unit: the case moves with it; its assignee does not work there, so it waits in the queue
    case = app.cases.get(moved)
    assert (case.unit, case.fields["responsible_unit"], case.assignee, case.state) == ("xf-sfj", "xf-sfj", None,
                                                                                      "planned")

    # the dropped measure: withdrawn with its reason, its progress kept, still listed by the status
    case = app.cases.get(dropped)
    assert case.state == "withdrawn" and case.fields["withdraw_reason"] == "方案修订删除该措施"
    assert case.fields["progress_note"] == "已完成排查一半" and case.fields["plan_status"] == "dropped"
    assert case.deadline is None
    rows = {m["id"]: m for m in app.campaigns.progress("xifeng-2021")["measures"]}
    assert rows[DROPPED]["state"] == "withdrawn" and rows[DROPPED]["in_plan"] is False
    assert rows[DROPPED]["case"] == dropped and rows[CHANGED_UNIT]["unit"] == "xf-sfj"
    assert app.campaigns.progress("xifeng-2021")["tasks"]["二(六)"] == {"measures": 1, "accepted": 0}
    every_case_checks(app, first.cases)

    # loading the same file again changes nothing
    again = app.campaigns.load(edited(tmp_path)).to_dict()
    assert (again["changed"], again["dropped"], again["reinstated"], again["created"]) == ([], [], [], [])


def test_dry_run_lists_the_changes_and_writes_nothing(app, tmp_path):
    first = app.campaigns.load(XIFENG)
    stored = app.campaigns.plan("xifeng-2021")
    written = counts(app)
    preview = app.campaigns.preview(edited(tmp_path))
    assert counts(app) == written and app.campaigns.plan("xifeng-2021") == stored
    assert preview["dry_run"] is True and preview["campaign"] == "xifeng-2021" and preview["measures"] == 24
    assert [c["measure"] for c in preview["changed"]] == [CHANGED_DATE, CHANGED_UNIT]
    assert [d["measure"] for d in preview["dropped"]] == [DROPPED]
    assert {c["case"] for c in preview["changed"]} | {d["case"] for d in preview["dropped"]} <= set(first.cases)
    assert set(preview) == {"campaign", "dry_run", "measures", "added", "changed", "dropped", "reinstated",
                            "unchanged"}


def test_a_measure_that_returns_is_reinstated(app, tmp_path):
    first = app.campaigns.load(XIFENG)
    dropped = first.cases[-1]
    app.campaigns.load(edited(tmp_path))
    assert app.cases.get(dropped).state == "withdrawn"
    back = app.campaigns.load(XIFENG).to_dict()
    assert back["reinstated"] == [{"measure": DROPPED, "case": dropped}] and back["created"] == []
    case = app.cases.get(dropped)
    assert case.state == "planned" and case.fields["plan_status"] == "in_plan" and case.deadline is not None
    assert case.fields["reinstate_reason"] == "方案修订重新列入该措施"
    every_case_checks(app, first.cases)


def test_nobody_withdraws_or_reinstates_a_measure_by_hand(app):
    first = app.campaigns.load(XIFENG)
    with pytest.raises(WorkflowError):
        app.cases.advance(first.cases[0], "withdraw", actor="leader", fields={"withdraw_reason": "不想做了"})
    with pytest.raises(WorkflowError):  # plan_status is set by a plan load only
        app.cases.advance(first.cases[0], "withdraw", actor="leader",
                          fields={"withdraw_reason": "不想做了", "plan_status": "dropped"})
    assert app.cases.get(first.cases[0]).state == "planned"


def test_a_case_on_v2_is_moved_to_v3_when_it_is_withdrawn(make_app, database_url, tmp_path):
    defs = copy_definitions(tmp_path / "definitions")
    measure = defs / "rectification_measure.yaml"
    v3 = measure.read_text(encoding="utf-8")
    v2 = as_v2(v3)
    measure.write_text(v2, encoding="utf-8")
    old = make_app(database_url, definitions=defs)
    seed_directory(old)
    first = old.campaigns.load(XIFENG)
    dropped = first.cases[-1]
    started(old, dropped, "已完成排查一半")
    assert old.cases.get(dropped).definition_version == 2

    measure.write_text(v3, encoding="utf-8")
    app = make_app(database_url, definitions=defs)
    app.campaigns.load(edited(tmp_path))
    case = app.cases.get(dropped)
    assert (case.state, case.definition_version, case.fields["progress_note"]) == ("withdrawn", 3, "已完成排查一半")
    assert [e.action for e in events(app, dropped)][-2:] == ["migrated", "advanced"]
    assert app.cases.get(first.cases[0]).definition_version == 2  # a case the reload only revises keeps v2
    every_case_checks(app, first.cases)



def test_a_date_the_case_moved_itself_is_not_a_plan_change(app, tmp_path):
    """What the plan gave is read from the case's events: a date moved on the case (an extension, a correction)
    is not reported as a plan change, and is replaced only when the plan's own date changes."""
    first = app.campaigns.load(XIFENG)
    case_id = first.cases[0]
    started(app, case_id, "已制定细则")
    app.cases.update_fields(case_id, actor="supervisor", fields={"due_date": "2026-12-31"})
    again = app.campaigns.load(XIFENG).to_dict()
    assert again["changed"] == [] and app.cases.get(case_id).fields["due_date"] == "2026-12-31"
    report = app.campaigns.load(edited(tmp_path, drop=False)).to_dict()
    [dated] = [c for c in report["changed"] if c["case"] == case_id]
    assert dated["changes"] == {"due_date": {"from": "2021-05-31", "to": "2021-07-15"}}
    assert app.cases.get(case_id).fields["due_date"] == "2021-07-15"
    every_case_checks(app, [case_id])
