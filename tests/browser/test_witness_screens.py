"""The 检查点 page (the audit administrator's witnessing) as a desk (1440×900) and a phone (390×844) show it,
in Chinese, with checkpoints, one of them witnessed; like tests/browser/test_screens.py, a page that makes a
phone scroll sideways fails. Screenshots: test-artifacts/screen-audit-admin-checkpoints-<desk|phone>.png."""
from __future__ import annotations

import pytest
from test_screens import VIEWPORTS

from workflow.audit.witness import generate_witness
from workflow.bootstrap import audit_keygen


@pytest.fixture
def witnessed(engine, tmp_path):
    """Three checkpoints, a registered witness key, the second checkpoint cosigned and brought back."""
    private, _, _ = audit_keygen(tmp_path / "keys", "bureau-audit")
    before = engine.checkpoints.key_path
    engine.checkpoints.key_path = private
    for title in ("检查点一", "检查点二", "检查点三"):
        engine.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title=title,
                               fields={"description": "见证截图用。", "category": "commutation_parole",
                                       "discovery_channel": "self_report"})
        engine.checkpoints.checkpoint()
    witness = generate_witness("sfj.example.gov.cn/witness")
    engine.witnessing.register_key(witness.verifier.text(), by="audit_admin")
    second = engine.witnessing.stored()[1]
    body = second.note.split("\n\n")[0] + "\n"
    engine.witnessing.accept(second.note + witness.cosign(body, 1_772_500_000), by="audit_admin")
    yield
    engine.checkpoints.key_path = before


def test_the_checkpoints_page_fits_a_desk_and_a_phone(witnessed, page_as, server, shot):
    page = page_as("audit_admin")
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(server + "/audit/checkpoints")
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert "sfj.example.gov.cn/witness" in page.inner_text("#checkpoints-table .witness")
        shot(page, f"screen-audit-admin-checkpoints-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"the checkpoints page on a {size}: {sideways}px of sideways scrolling"
