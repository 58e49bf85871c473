"""Campaign pages (web.campaigns): the plan's tree as a checklist (owner, last day, light, progress, case link,
filters, totals per task), 集中填报 from the web through the same core calls as `rectiflow declarations`
(issue, who has filed, spot check — CSRF, role, unit scope), and the progress report and 通报 in the page,
their .docx downloads opened by LibreOffice. Chinese only: names, unit names and labels, never logins,
codes or state names."""
from __future__ import annotations

import re

import pytest
from document_cases import LISTED_TITLE, NAMES, listed_overdue, load_plan
from factories import local
from office_suite import converted, pdf_text
from webtools import csrf_token_from, make_web, session_as

CODES = ("xf-sfs-1", "xf-sfj", "xf-zzb", "supervisor", "leader", "handler", "unit_head", "registrar",
         "rectification_measure", "in_progress", "accepted", "self_declaration", "issued", "submitted", "filed")


def leaks(html: str) -> list[str]:
    """Codes, logins or state names in the text a person reads (not in URLs and form values)."""
    body = html[html.index("<main"):]
    text = re.sub(r"<[^>]+>", " ", body)
    return [word for word in CODES if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


@pytest.fixture
def plan(app, clock):
    cases = load_plan(app, clock)
    clock.set(local("2026-03-06T10:00"))
    return cases


def measures(html: str) -> list[str]:
    return re.findall(r'data-measure="([^"]+)"', html)


def test_the_plan_is_a_checklist_with_owner_deadline_light_and_case(app, as_role, plan):
    html = as_role("leader").get("/campaigns/xifeng-2021?show=all").get_data(as_text=True)
    assert app.campaigns.titles()["xifeng-2021"] in html and "二、主要任务" in html and "三、保障措施" in html
    first = app.cases.get(plan[0])
    assert first.state == "accepted" and f'/cases/{plan[0]}"' in html  # every measure links to its case
    row = html[html.index(f'data-measure="{first.fields["measure_id"]}"'):]
    row = row[:row.index("</li>")]
    assert "✓" in row and "light-red" not in row  # closed out: ticked, never red
    second = app.cases.get(plan[1])
    row2 = html[html.index(f'data-measure="{second.fields["measure_id"]}"'):]
    row2 = row2[:row2.index("</li>")]
    due = str(second.fields["due_date"])
    assert "☐" in row2 and "light-red" in row2 and f"{due} 前完成" in row2  # the plan's last day, long gone
    assert "未完成" in row2 and "专项整治办公室" in row2
    assert leaks(html) == []


def test_the_filter_keeps_not_done_overdue_or_all_and_totals_count_per_task(app, as_role, plan):
    client = as_role("leader")
    every = measures(client.get("/campaigns/xifeng-2021?show=all").get_data(as_text=True))
    open_ = measures(client.get("/campaigns/xifeng-2021").get_data(as_text=True))
    overdue = measures(client.get("/campaigns/xifeng-2021?show=overdue").get_data(as_text=True))
    done_id = app.cases.get(plan[0]).fields["measure_id"]
    late_id = app.cases.get(plan[1]).fields["measure_id"]
    assert len(every) == len(app.campaigns.progress("xifeng-2021")["measures"])
    assert done_id in every and done_id not in open_ and set(open_) == set(every) - {done_id}
    assert late_id in overdue and done_id not in overdue and set(overdue) <= set(open_)
    html = client.get("/campaigns/xifeng-2021?show=all").get_data(as_text=True)
    task = app.cases.get(plan[0]).fields["task"]
    n = sum(1 for m in app.campaigns.progress("xifeng-2021")["measures"] if m["task"] == task)
    assert f"已销号 1 项（共 {n} 项" in html


def test_the_owner_is_the_unit_and_the_handlers_name(app, as_role, plan):
    case = app.cases.get(plan[2])
    app.directory.add_user("zzb_worker", role="handler", unit=case.unit, name="整治办干部 冯雪")
    app.cases.assign(case.id, actor="supervisor", assignee="zzb_worker")
    html = as_role("supervisor").get("/campaigns/xifeng-2021?show=all").get_data(as_text=True)
    row = html[html.index(f'data-measure="{case.fields["measure_id"]}"'):]
    row = row[:row.index("</li>")]
    assert "专项整治办公室 整治办干部 冯雪" in row or ("整治办干部 冯雪" in row and "专项整治办公室" in row)
    assert leaks(html) == [] and "zzb_worker" not in html


def test_an_unknown_plan_is_a_404_and_the_index_lists_loaded_plans(app, as_role, plan):
    client = as_role("handler")
    assert client.get("/campaigns/no-such-plan").status_code == 404
    html = client.get("/campaigns").get_data(as_text=True)
    assert "/campaigns/xifeng-2021" in html and "declarations-link" not in html and "bulletin-link" not in html
    assert 'id="nav-campaigns"' in html


def test_a_unit_reader_sees_only_their_units_measures(app, as_role, plan):
    app.directory.add_user("zzb_lead", role="unit_head", unit="xf-zzb", name="整治办主任 钱伟")
    everything = measures(as_role("leader").get("/campaigns/xifeng-2021?show=all").get_data(as_text=True))
    mine = measures(as_role("zzb_lead").get("/campaigns/xifeng-2021?show=all").get_data(as_text=True))
    units = {m["id"]: m["unit"] for m in app.campaigns.progress("xifeng-2021")["measures"]}
    assert mine and set(mine) == {m for m in everything if units[m] == "xf-zzb"} and set(mine) < set(everything)
    # the Xifeng plan gives no measure to a 司法所: the page says so
    assert measures(as_role("handler").get("/campaigns/xifeng-2021?show=all").get_data(as_text=True)) == []
    assert "均不由您所在的单位承担" in as_role("handler").get("/campaigns/xifeng-2021").get_data(as_text=True)


def test_the_report_and_bulletin_are_shown_and_their_word_files_open(app, as_role, plan, clock, tmp_path):
    listed_overdue(app, clock)
    client = as_role("supervisor")
    report = client.get("/campaigns/xifeng-2021/report").get_data(as_text=True)
    assert "整治进展情况" in report and "措施完成率" in report and "progress.docx" in report
    assert leaks(report) == []
    bulletin = client.get("/campaigns/bulletin").get_data(as_text=True)
    assert "通报" in bulletin and LISTED_TITLE in bulletin and "bulletin.docx" in bulletin
    assert leaks(bulletin) == []
    for url, needle in (("/reports/campaigns/xifeng-2021/progress.docx", "整治进展情况"),
                        ("/reports/bulletin.docx", LISTED_TITLE)):
        response = client.get(url)
        assert response.status_code == 200
        path = tmp_path / url.rsplit("/", 1)[-1]
        path.write_bytes(response.data)
        assert needle in pdf_text(converted(path, "pdf"))
    assert as_role("handler").get("/campaigns/bulletin").status_code == 403


def test_declarations_are_issued_shown_and_spot_checked_from_the_web(app, as_role):
    client = as_role("supervisor")
    page = client.get("/declarations?unit=xf-sfs-1").get_data(as_text=True)
    assert NAMES["handler"] in page and "未下发" in page and "所长 张华" in page
    response = client.post("/declarations/issue", data={"unit": "xf-sfs-1", "type": "self_declaration",
                                                         "round": "1"})
    assert response.status_code == 302
    status = app.declarations.status("xf-sfs-1")
    assert status["issued"] == status["staff"] == 2 and status["filed"] == 0
    forms = {p["login"]: p["case"] for p in status["people"]}
    app.cases.advance(forms["handler"], "submit", actor="handler", fields={"truthful_pledge": "yes"})
    page = client.get("/declarations?unit=xf-sfs-1").get_data(as_text=True)
    assert "应填报 2 人，已填报 1 人" in page
    assert page.count("✓") == 1 and leaks(page) == []
    app.cases.advance(forms["handler"], "file", actor="supervisor")
    response = client.post("/declarations/spot-check", data={"unit": "xf-sfs-1", "type": "self_declaration",
                                                              "round": "1", "rate": "100", "seed": "7"},
                           follow_redirects=True)
    assert app.cases.get(forms["handler"]).state == "spot_check"
    assert "抽查" in response.get_data(as_text=True)


def test_declaration_refusals_are_messages_and_scope_is_kept(app, as_role):
    client = as_role("unit_head")
    assert client.get("/declarations?unit=xf-sfj").status_code == 403  # another unit's people
    assert client.get("/declarations?unit=xf-sfs-1&round=x").status_code == 400
    assert client.get("/declarations?unit=xf-sfs-1&type=clue").status_code == 400
    leader = as_role("leader")
    assert leader.get("/declarations").status_code == 403  # leaders do not assign work
    page = leader.post("/declarations/spot-check", data={"unit": "xf-sfj", "rate": "50"},
                       follow_redirects=True)
    assert page.status_code == 200 and 'class="flash' in page.get_data(as_text=True)  # the engine's refusal
    sup = as_role("supervisor")
    page = sup.post("/declarations/spot-check", data={"unit": "xf-sfs-1", "rate": "abc"},
                    follow_redirects=True).get_data(as_text=True)
    assert "百分比" in page
    page = sup.post("/declarations/spot-check", data={"unit": "xf-sfs-1", "rate": "500"},
                    follow_redirects=True).get_data(as_text=True)
    assert "Traceback" not in page and 'class="flash' in page


def test_declaration_posts_need_the_csrf_token(app):
    web = make_web(app, WTF_CSRF_ENABLED=True)
    client = web.test_client()
    session_as(client, app, "supervisor")
    assert client.post("/declarations/issue", data={"unit": "xf-sfs-1"}).status_code == 400
    assert app.declarations.status("xf-sfs-1")["issued"] == 0
    token = csrf_token_from(client.get("/declarations?unit=xf-sfs-1").get_data(as_text=True))
    assert client.post("/declarations/issue", data={"unit": "xf-sfs-1", "csrf_token": token}).status_code == 302
    assert app.declarations.status("xf-sfs-1")["issued"] == 2
