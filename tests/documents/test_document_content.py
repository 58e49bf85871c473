"""The documents (workflow.documents) on a walked case, an overdue listed case and the Xifeng plan — both
databases: what each says (headings, unit names, working days overdue, supervision levels, rates, evidence
hashes, the audit chain's head, names instead of logins), and that LibreOffice opens every file and shows it.
"""
from __future__ import annotations

import hashlib

import pytest
from document_cases import (
    FIRST,
    LISTED_TITLE,
    NAMES,
    SECOND,
    WALKED_TITLE,
    listed_overdue,
    load_plan,
    walk_to_close_out,
)
from factories import local
from office_suite import converted, pdf_text

from workflow.errors import InvalidInput

UTF8_EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
LOGINS_AND_CODES = ("registrar", "handler", "unit_head", "supervisor", "leader", "xf-sfs", "xf-zzb", "xf-sfj",
                    "rectifying", "reported", "closed_out", "system:")


def squashed(text: str) -> str:
    """The text without whitespace: LibreOffice's PDF puts spaces between Chinese and digits, and wraps cells."""
    return "".join(text.split())


def docx_text(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return squashed(pdf_text(converted(path, "pdf")))


def no_identifiers(text: str) -> None:
    found = [word for word in LOGINS_AND_CODES if word in text]
    assert found == [], f"the document shows logins, codes or state names: {found}"


@pytest.fixture
def walked(app, clock):
    return walk_to_close_out(app, clock)


@pytest.fixture
def listed(app, clock, walked):
    return listed_overdue(app, clock)


def test_the_bulletin_lists_the_overdue_case_by_unit_with_its_days_level_and_every_units_rates(app, listed,
                                                                                                tmp_path):
    doc = app.documents.bulletin()
    assert (doc.count, doc.period, doc.issuer) == (1, "截至2026年3月20日", "西丰县司法局")
    [group] = doc.groups
    [item] = group.cases
    assert group.unit == "平岗司法所"
    assert (item.title, item.state, item.deadline, item.overdue_days, item.level, item.listed_on) == (
        LISTED_TITLE, "已登记", "2026-03-09", 9, "督办", "2026-03-20")
    rates = {r.unit: r for r in doc.rates}
    assert (rates["城区司法所"].closed_out, rates["城区司法所"].on_time_rate, rates["城区司法所"].close_out_rate) == (
        1, "100.0%", "100.0%")
    assert (rates["平岗司法所"].overdue, rates["平岗司法所"].on_time_rate, rates["平岗司法所"].close_out_rate) == (
        1, "—", "0.0%")

    text = docx_text(tmp_path, "bulletin.docx", app.documents.bulletin_docx(doc))
    assert "关于顽瘴痼疾专项整治超期未整改问题的通报" in text and "××〔2026〕×号" in text
    assert "截至2026年3月20日" in text and "共1件，涉及1个单位" in text
    assert "（1）平岗司法所（1件）" in text and LISTED_TITLE in text
    assert "2026-03-099督办2026-03-20" in text  # deadline (its last day), working days overdue, level, listed on
    assert "城区司法所1001100.0%100.0%" in text  # cases, open, overdue, closed out, on-time rate, 销号率
    assert "一、通报事项" in text and "二、各单位整改情况" in text and text.endswith("西丰县司法局2026年3月20日")
    no_identifiers(text)


def test_a_bulletin_since_a_later_date_lists_nothing_and_says_so(app, listed, tmp_path):
    doc = app.documents.bulletin(since=local("2026-03-21T00:00"))
    assert (doc.count, doc.groups) == (0, [])
    text = docx_text(tmp_path, "empty.docx", app.documents.bulletin_docx(doc))
    assert "本期无列入通报的事项" in text and "共0件" in text


def test_the_bulletin_template_can_be_replaced(app, listed, tmp_path):
    from docx import Document

    mine = Document()
    mine.add_paragraph("{{ issuer }}自定义通报 {{ doc_number }}")
    mine.add_paragraph("{%p for g in groups %}")
    mine.add_paragraph("{{ g.unit }}：{% for c in g.cases %}{{ c.title }}超期{{ c.overdue_days }}个工作日{% endfor %}")
    mine.add_paragraph("{%p endfor %}")
    mine.save(tmp_path / "mine.docx")
    app.documents.bulletin_template = tmp_path / "mine.docx"
    text = docx_text(tmp_path, "custom.docx", app.documents.bulletin_docx(app.documents.bulletin()))
    assert "西丰县司法局自定义通报××〔2026〕×号" in text and f"平岗司法所：{LISTED_TITLE}超期9个工作日" in text

    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    app.documents.bulletin_template = tmp_path / "broken.docx"
    with pytest.raises(InvalidInput, match="bulletin template"):
        app.documents.bulletin_docx(app.documents.bulletin())


def test_the_progress_report_per_task_and_measure_now_and_as_of_a_past_date(app, clock, listed, tmp_path):
    cases = load_plan(app, clock)
    clock.set(local("2026-03-20T09:00"))
    report = app.documents.progress("xifeng-2021")
    first_task = report.tasks[0]
    assert (first_task.id, first_task.title) == ("二(一)", '贯彻落实防止干预司法"三个规定"中的突出问题')
    one, two = first_task.measures[:2]
    assert (one.id, one.progress, one.light, one.done, one.unit) == ("二(一)措施(1)", "已验收", "—", True,
                                                                     "专项整治办公室")
    assert (two.id, two.progress, two.light, two.deadline) == ("二(一)措施(2)", "落实中", "超期", "2021-06-30")
    cal = app.calendar
    assert two.overdue_days == cal.working_days_between(local("2021-06-30T12:00").date(), local("2026-03-20T12:00")
                                                        .date())
    assert two.latest == "2026-03-04 启动落实"
    assert (first_task.total, first_task.done, first_task.rate) == (5, 1, "20.0%")
    assert [m.id for m in report.overdue][:1] == ["二(一)措施(2)"]
    figures = dict(report.summary)
    assert (figures["整治措施（项）"], figures["已完成措施（项）"], figures["措施完成率"]) == ("25", "1", "4.0%")
    assert figures["已销号（件）"] == "2"  # the walked case and the accepted measure
    categories = {c.category: c for c in report.categories}
    items = categories["问题整改"]
    assert (items.total, items.closed_out, items.overdue) == (2, 1, 1)

    before = app.documents.progress("xifeng-2021", as_of=local("2026-03-03T23:59"))
    then_one = before.tasks[0].measures[0]
    assert (before.as_of, then_one.progress, then_one.done, before.done) == ("2026年3月3日", "已部署", False, 0)

    text = docx_text(tmp_path, "progress.docx", app.documents.progress_docx(report))
    assert "西丰县司法行政系统顽瘴痼疾专项整治实施方案整治进展情况" in text and "（截至2026年3月20日）" in text
    assert "一、总体情况" in text and "三、超期事项" in text and "措施完成率4.0%" in text
    assert "二(一)措施(2)" in text and "专项整治办公室" in text and "城区司法所" in text
    no_identifiers(text)

    book = tmp_path / "progress.xlsx"
    book.write_bytes(app.documents.progress_xlsx(report))
    converted(book, "csv", filter_options=UTF8_EVERY_SHEET)
    sheets = {p.stem.split("-", 2)[-1]: p.read_text(encoding="utf-8") for p in (tmp_path / "converted-progress")
              .glob("progress*.csv")}
    assert "措施完成率,4.0%" in sheets["总体情况"] and "整治进展情况" in sheets["总体情况"]
    assert f"二(一)措施(2),全面清查：逐人自查补报，回头看和一案双查,专项整治办公室,2021-06-30,{two.overdue_days}" in \
        sheets["超期事项"]
    assert "二(一)措施(1),加强思想发动和学习教育,专项整治办公室,2021-05-31,已验收" in sheets["措施进展"]
    assert cases  # the plan's measures were opened


def test_the_close_out_form_shows_rounds_evidence_hashes_people_and_the_head_hash(app, walked, tmp_path):
    form = app.documents.closeout(walked.id)
    events, _ = app.cases.history(walked.id)
    first, second = (hashlib.sha256(f.data).hexdigest() for f in (FIRST, SECOND))
    assert [(e.round, e.name, e.sha256, e.by, e.at, e.current) for e in form.evidence] == [
        (1, "复核记录.txt", first, NAMES["handler"], "2026-03-05 15:30", False),
        (2, "外出审批复核制度.txt", second, NAMES["handler"], "2026-03-10 16:00", True)]
    assert form.returns == [(1, NAMES["supervisor"], "2026-03-06 11:00", "缺少复核制度文件")]
    assert (form.rectified_by, form.rectified_at) == (NAMES["handler"], "2026-03-10 16:00")
    assert (form.accepted_by, form.accepted_at, form.outcome) == (NAMES["supervisor2"], "2026-03-11 09:30", "已销号")
    assert (form.head_hash, form.version, form.chain_ok, form.rounds) == (events[-1].hash, walked.version, True, 2)
    fields = dict(form.fields)
    assert (fields["责任人"], fields["整改时限"]) == (NAMES["handler"], "2026-03-20")
    assert fields["问题类别"] == "减假暂/社区矫正"
    assert ("单位负责人签字确认", NAMES["unit_head"]) in [(s.step, s.by) for s in form.steps]

    text = docx_text(tmp_path, "closeout.docx", app.documents.closeout_docx(form))
    assert "问题整改销号审批表" in text and WALKED_TITLE in text and "城区司法所" in text
    assert first in text and second in text and form.head_hash in text and "校验结果：完整" in text
    assert f"验收销号人{squashed(NAMES['supervisor2'])}2026-03-1109:30" in text
    assert "缺少复核制度文件" in text and "分管领导审批意见" in text
    no_identifiers(text)


def test_an_open_cases_form_awaits_approval(app, listed, tmp_path):
    form = app.documents.closeout(listed.id)
    assert (form.accepted_by, form.outcome, form.evidence, form.deadline) == ("", "", [], "2026-03-09")
    text = docx_text(tmp_path, "open.docx", app.documents.closeout_docx(form))
    assert "办结结果待审批" in text and "当前期限2026-03-09" in text
