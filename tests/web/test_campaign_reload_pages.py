"""What a reload of an edited plan shows on the web, in Chinese: the plan page keeps a dropped measure, as
已撤销 under 已从方案删除 and outside the counts; the case history names the plan revision (方案修订) with each
value old → new, and the withdrawal (方案修订撤销) with its reason. SQLite and PostgreSQL."""
from __future__ import annotations

from factories import REPO

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
DATED, DROPPED = "二(一)措施(1)", "二(六)措施(2)"


def reload_edited(app, tmp_path) -> dict[str, str]:
    first = app.campaigns.load(XIFENG)
    ids = dict(zip([m["id"] for m in app.campaigns.progress("xifeng-2021")["measures"]], first.cases, strict=True))
    text = XIFENG.read_text(encoding="utf-8")
    at = text.index("deadline: 2021-05-31", text.index(f"- id: {DATED}\n"))
    text = text[:at] + "deadline: 2021-07-15" + text[at + len("deadline: 2021-05-31"):]
    text = text[:text.index(f"      - id: {DROPPED}")] + text[text.index("    target: {id: 二(六)目标"):]
    path = tmp_path / "xifeng-2021.yaml"
    path.write_text(text, encoding="utf-8")
    app.campaigns.load(path)
    return ids


def test_the_plan_page_keeps_a_dropped_measure_as_withdrawn(app, as_role, tmp_path):
    ids = reload_edited(app, tmp_path)
    html = as_role("leader").get("/campaigns/xifeng-2021?show=all").get_data(as_text=True)
    section = html[html.index('id="plan-dropped"'):]
    assert "已从方案删除" in section and f'data-measure="{DROPPED}"' in section and "已撤销" in section
    assert f'/cases/{ids[DROPPED]}"' in section
    assert "整治措施 24 项" in html  # the plan's own measures only
    assert html.count(f'data-measure="{DROPPED}"') == 1  # not also among the plan's tasks


def test_the_history_names_the_revision_and_the_withdrawal(app, as_role, tmp_path):
    ids = reload_edited(app, tmp_path)
    client = as_role("leader")
    html = client.get(f"/cases/{ids[DATED]}/history").get_data(as_text=True)
    assert "方案修订" in html and "2021-05-31" in html and "2021-07-15" in html
    assert "plan_revised" not in html and "due_date" not in html
    html = client.get(f"/cases/{ids[DROPPED]}/history").get_data(as_text=True)
    assert "方案修订撤销" in html and "方案修订删除该措施" in html and "已撤销" in html
    main = html[html.index("<main"):]
    assert "withdraw_reason" not in main and ">withdrawn<" not in main


def test_the_case_page_offers_no_withdraw_or_reinstate(app, as_role, tmp_path):
    ids = reload_edited(app, tmp_path)
    client = as_role("supervisor")
    html = client.get(f"/cases/{ids[DATED]}").get_data(as_text=True)
    assert 'id="step-start"' in html and 'id="step-withdraw"' not in html  # only a plan load withdraws
    html = as_role("leader").get(f"/cases/{ids[DATED]}").get_data(as_text=True)
    assert "加强思想发动" in html and 'id="step-withdraw"' not in html  # a leader's role alone does not do it
    html = client.get(f"/cases/{ids[DROPPED]}").get_data(as_text=True)
    assert "已撤销" in html and 'id="step-reinstate"' not in html and 'class="step"' not in html


def test_the_battle_map_keeps_a_dropped_measure_under_its_task(app, as_role, tmp_path):
    reload_edited(app, tmp_path)
    assert app.campaigns.outline()["xifeng-2021"]["measures"][DROPPED][0] == "二(六)"
    html = as_role("leader").get("/dashboard?rows=plan").get_data(as_text=True)
    assert "二(六)措施(2) 对照" in html  # its row, by its name (not among the cases outside the plan)
