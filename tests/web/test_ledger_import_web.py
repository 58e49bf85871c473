"""/ledger/import: upload → preview (row errors highlighted, in Chinese, names not logins) → confirm; the confirm
imports exactly the previewed file and refuses a forged token; CSRF on every POST; an oversized upload is a 413."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from webtools import csrf_token_from, make_web, session_as

GOOD = {"问题编号": "XF-001", "问题描述": "社区矫正对象请假审批材料不全", "问题类别": "减假暂/社区矫正",
        "发现渠道": "自查", "责任单位": "xf-sfs-1", "责任人": "handler", "整改措施": "补齐材料",
        "整改时限": "2026-04-30", "状态": "整改中"}


def ledger(app, rows) -> bytes:
    book = load_workbook(io.BytesIO(app.ledger.template()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "台账.xlsx"):
    return client.post("/ledger/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _zh(client):
    client.post("/lang", data={"lang": "zh_CN"})
    return client


def test_preview_shows_row_errors_in_chinese_and_writes_nothing(app, as_role):
    client = _zh(as_role("registrar"))
    bad = {**GOOD, "问题编号": "XF-002", "责任单位": "无此单位", "整改时限": "2026-02-30"}
    response = upload(client, ledger(app, [GOOD, bad]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有名称或代码为“无此单位”的单位" in html and "请填写日期" in html and "不会导入任何一行" in html
    assert 'id="row-3"' in html and 'class="bad"' in html and 'class="cell-error"' in html
    assert "承办人 李强" in html and ">handler<" not in html  # names, not logins
    assert "ledger-confirm" not in html and app.cases.count() == 0


def test_confirm_imports_exactly_the_previewed_file(app, as_role):
    client = _zh(as_role("supervisor"))
    html = upload(client, ledger(app, [GOOD])).get_data(as_text=True)
    assert "确认导入 1 行" in html and app.cases.count() == 0
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post("/ledger/import/confirm", data={"token": token})
    assert response.status_code == 302 and app.cases.count() == 1
    assert "已导入" in client.get(response.headers["Location"]).get_data(as_text=True)
    again = client.post("/ledger/import/confirm", data={"token": token})  # the same file again: nothing new
    assert again.status_code == 302 and app.cases.count() == 1


def test_forged_or_foreign_tokens_are_refused(app, as_role, web_app):
    client = as_role("registrar")
    html = upload(client, ledger(app, [GOOD])).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert client.post("/ledger/import/confirm", data={"token": token[:-2] + "xx"}).status_code == 400
    assert client.post("/ledger/import/confirm", data={"token": "forged"}).status_code == 400
    other = web_app.test_client()
    session_as(other, app, "supervisor")  # another person's preview is not theirs to confirm
    assert other.post("/ledger/import/confirm", data={"token": token}).status_code == 400
    assert app.cases.count() == 0


def test_bad_and_oversized_uploads(app, as_role, monkeypatch):
    client = _zh(as_role("registrar"))
    response = upload(client, b"PK\x03\x04garbage")
    assert response.status_code == 422 and "无法读取" in response.get_data(as_text=True)
    assert client.post("/ledger/import", data={}).status_code == 400
    monkeypatch.setattr("web.ledger.MAX_BYTES", 10)
    response = upload(client, b"x" * 11, "big.csv")
    assert response.status_code == 413 and "文件超过" in response.get_data(as_text=True)


def test_post_needs_the_csrf_token(app):
    client = make_web(app, WTF_CSRF_ENABLED=True).test_client()
    session_as(client, app, "registrar")
    assert upload(client, ledger(app, [GOOD])).status_code == 400
    page = client.get("/ledger/import").get_data(as_text=True)
    response = client.post("/ledger/import", data={"csrf_token": csrf_token_from(page),
                                                   "file": (io.BytesIO(ledger(app, [GOOD])), "a.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200


def test_template_download_and_who_sees_the_page(app, as_role):
    response = as_role("registrar").get("/ledger/template.xlsx")
    assert response.status_code == 200 and response.data.startswith(b"PK")
    assert as_role("handler").get("/ledger/import").status_code == 403
