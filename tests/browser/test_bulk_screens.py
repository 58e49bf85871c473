"""Bulk actions and saved filters in the browser, as a desk (1440×900) and a phone (390×844) show them: the inbox
with a saved filter, rows selected and the action bar, then the result page of a bulk 催办 (one case refused:
flagged already).

Screenshots: test-artifacts/screen-inbox-bulk-<desk|phone>.png and screen-bulk-result-<desk|phone>.png. Neither
page may make a phone scroll sideways.
"""
from __future__ import annotations

import pytest

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}


def _sideways(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _seed(engine, size):
    s = engine.cases
    ids = [s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title=f"批量{size}：{what}",
                       fields={"description": "台账核对发现的问题。", "category": "commutation_parole",
                               "discovery_channel": "org_investigation"}).id
           for what in ("请假审批缺集体研究", "档案材料不全", "走访记录缺失")]
    engine.escalations.supervision.flag(ids[2], actor="supervisor", level=1)  # the bulk 催办 refuses this one
    return ids


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_inbox_selection_action_bar_and_result(page_as, server, shot, engine, size):
    ids = _seed(engine, size)
    page = page_as("supervisor")
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size])))
    page.goto(server + "/?tab=all&type=rectification_item")
    page.fill("#save-filter input[name=name]", f"问题整改（{size}）")  # saved filters: a link above the list
    page.click("#save-filter button")
    page.wait_for_selector(f"a.saved-filter:has-text('问题整改（{size}）')")
    page.check("#pick-all")
    assert page.locator("input.pick:checked").count() == page.locator("input.pick").count() > 0
    assert "已选" in page.inner_text("#bulk-count")
    page.uncheck("#pick-all")
    for case_id in ids:
        page.check(f'tr[data-case="{case_id}"] input.pick')
    assert page.inner_text("#bulk-count").strip() == "已选 3 件"
    page.click(".bulk-dispatch summary")  # the 交办 form opens in the bar
    shot(page, f"screen-inbox-bulk-{size}")
    assert _sideways(page) <= 1, f"inbox with the action bar on a {size}"
    page.click(".bulk-dispatch summary")
    page.select_option('select[name="level"]', "1")
    page.click("#bulk-flag")
    page.wait_for_selector("#bulk-result")
    summary = page.inner_text("#bulk-summary")
    assert "催办" in summary and "2 件已完成" in summary and "1 件未执行" in summary
    assert page.locator("tr.outcome-refused").count() == 1
    assert "已" in page.inner_text("tr.outcome-refused td.c-reason")
    shot(page, f"screen-bulk-result-{size}")
    assert _sideways(page) <= 1, f"bulk result on a {size}"
    assert [engine.cases.get(i).flag_level for i in ids] == [1, 1, 1]
