"""The history page runs the real check for its case: chain, replay against the events, inclusion in the checkpoint.

Tampering as a database owner (append-only triggers dropped, as tests/durability/test_merkle_tamper.py does):
a rewritten case row, an edited event with its chain re-hashed, a deleted tail with the row rewound, edited
log entries — each shows red, in Chinese, naming what differs; an untouched case is green; no checkpoint
yet, or events newer than the checkpoint, are said as such (not errors).
"""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from factories import raw_execute, rebuild_row

from rectiflow.demo import walk_rectification
from workflow.adapters.sql.case_rows import event_from_row, event_to_row
from workflow.bootstrap import audit_keygen


@pytest.fixture
def signed(app, tmp_path):
    """The app with a signing key configured (RECTIFLOW_AUDIT_KEY)."""
    private, _, _ = audit_keygen(tmp_path / "keys", "bureau-audit")
    app.checkpoints.key_path = private
    return app


def page(client, case_id: str) -> str:
    response = client.get(f"/cases/{case_id}/history")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def line(html: str, which: str) -> tuple[str, str]:
    """(class, text) of one line of the check: check-chain, check-replay, check-checkpoint."""
    match = re.search(rf'<dd id="{which}" class="(\w+)">(.*?)</dd>', html, re.S)
    assert match, which
    return match.group(1), match.group(2)


def url_of(app) -> str:
    return app.settings.database_url


def drop_guards(url: str) -> None:
    if url.startswith("sqlite"):
        raw_execute(url, "DROP TRIGGER case_events_no_update", "DROP TRIGGER case_events_no_delete")
    else:
        names = [r[0] for r in raw_execute(url, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                                                "AND tgrelid = 'case_events'::regclass")]
        raw_execute(url, *[f'DROP TRIGGER "{name}" ON case_events' for name in names])


def drop_log_guards(url: str) -> None:
    if url.startswith("sqlite"):
        raw_execute(url, "DROP TRIGGER log_entries_no_update", "DROP TRIGGER log_entries_no_delete")
    else:
        raw_execute(url, "DROP TRIGGER log_entries_no_update ON log_entries")


def events_rows(url: str, case_id: str) -> list[dict]:
    return [dict(r._mapping) for r in raw_execute(
        url, "SELECT * FROM case_events WHERE case_id = :c ORDER BY version", params=[{"c": case_id}])]


def rehash_from(url: str, case_id: str, version: int, change) -> None:
    """A careful forger: change one event and recompute every hash after it, so the chain is whole."""
    prev = None
    for row in events_rows(url, case_id):
        ev = event_from_row(row)
        if ev.version >= version:
            if ev.version == version:
                ev = change(ev)
            ev = replace(ev, prev_hash=prev or ev.prev_hash).sealed()
            values = {k: v for k, v in event_to_row(ev).items() if k not in ("case_id", "version")}
            raw_execute(url, "UPDATE case_events SET " + ", ".join(f"{k} = :{k}" for k in values) +
                        " WHERE case_id = :cid AND version = :ver", params=[{**values, "cid": case_id,
                                                                              "ver": ev.version}])
        prev = ev.hash




def test_untouched_case_is_green_and_newer_events_are_not_yet_covered(signed, as_role, clock):
    case = walk_rectification(signed)
    client = as_role("auditor")
    signed.checkpoints.checkpoint()
    html = page(client, case.id)
    assert 'class="verify ok" id="chain-status"' in html
    assert line(html, "check-chain")[0] == "ok" and line(html, "check-replay")[0] == "ok"
    cls, text = line(html, "check-checkpoint")
    assert cls == "ok" and f"{case.version} 条记录已证明纳入检查点" in text and "已用本系统公钥核验" in text
    assert "（北京时间）" in text and not re.search(r"[0-9a-f]{16}", text)
    other = walk_rectification(signed)
    signed.checkpoints.sequence()
    cls, text = line(page(client, other.id), "check-checkpoint")
    assert cls == "ok" and f"另有 {other.version} 条较新的记录尚未纳入检查点" in text
    check = signed.audit.check_case(other.id)
    assert check.ok and check.pending == other.version and check.proven == 0


def test_no_checkpoint_yet_is_said(signed, as_role):
    case = walk_rectification(signed)
    html = page(as_role("auditor"), case.id)
    cls, text = line(html, "check-checkpoint")
    assert cls == "na" and "尚无签名检查点" in text
    assert 'class="verify ok"' in html  # not an error


def test_rewritten_case_row_is_red_and_names_the_state(signed, as_role):
    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    raw_execute(url_of(signed), "UPDATE cases SET state = 'reported' WHERE id = :c", params=[{"c": case.id}])
    html = page(as_role("auditor"), case.id)
    assert 'class="verify bad"' in html
    assert line(html, "check-chain")[0] == "ok"
    cls, text = line(html, "check-replay")
    assert cls == "bad" and "存储的案件与记录回放结果不一致：状态" in text and "state" not in text
    assert line(html, "check-checkpoint")[0] == "ok"  # the events themselves are untouched
    assert signed.audit.check_case(case.id).replay.code == "row_differs"


def test_edited_event_rehashed_is_red(signed, as_role):
    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    url = url_of(signed)
    drop_guards(url)
    rehash_from(url, case.id, 3, lambda ev: replace(ev, actor="leader"))
    rebuild_row(url, case.id)
    html = page(as_role("auditor"), case.id)
    assert line(html, "check-chain")[0] == "ok" and line(html, "check-replay")[0] == "ok"  # a careful forger
    cls, text = line(html, "check-checkpoint")
    assert cls == "bad" and f"第 3 至 {case.version} 条记录与检查点签署的不一致" in text
    assert 'class="verify bad"' in html


def test_deleted_tail_with_row_rewound_is_red(signed, as_role):
    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    url = url_of(signed)
    drop_guards(url)
    n = case.version
    for v in (n, n - 1):
        raw_execute(url, "DELETE FROM case_events WHERE case_id = :c AND version = :v", params=[{"c": case.id, "v": v}])
    rebuild_row(url, case.id)
    html = page(as_role("auditor"), case.id)
    assert line(html, "check-chain")[0] == "ok" and line(html, "check-replay")[0] == "ok"
    cls, text = line(html, "check-checkpoint")
    assert cls == "bad" and f"第 {n - 1} 至 {n} 条记录已纳入检查点，却被删除" in text


def test_edited_log_entries_are_red(signed, as_role):
    """A forger who also rewrites the case's stored leaves: the proofs against the signed root fail."""
    from workflow.adapters.sql.audit_rows import EVENT_COLUMNS
    from workflow.adapters.sql.merkle_log import event_leaf

    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    client = as_role("auditor")
    assert line(page(client, case.id), "check-checkpoint")[0] == "ok"  # the tree's blocks are cached now
    url = url_of(signed)
    drop_guards(url)
    rehash_from(url, case.id, 2, lambda ev: replace(ev, actor="leader"))
    rebuild_row(url, case.id)
    drop_log_guards(url)
    columns = ", ".join(EVENT_COLUMNS)
    for r in raw_execute(url, f"SELECT {columns} FROM case_events WHERE case_id = :c", params=[{"c": case.id}]):
        raw_execute(url, "UPDATE log_entries SET leaf = :l WHERE case_id = :c AND version = :v",
                    params=[{"l": event_leaf(tuple(r)).hex(), "c": case.id, "v": r[1]}])
    cls, text = line(page(client, case.id), "check-checkpoint")
    # every event of the case: the proofs run through the edited entries
    assert cls == "bad" and f"第 1 至 {case.version} 条记录无法证明已纳入检查点：日志条目被改动" in text
    # a process that never saw the untouched tree (its cache is empty) finds the table itself edited
    signed.audit._tree = type(signed.audit._tree)()
    cls, text = line(page(client, case.id), "check-checkpoint")
    assert cls == "bad" and "日志表被改动" in text


def test_check_case_as_json_names_codes(signed):
    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    data = signed.audit.check_case(case.id).to_dict()
    assert data["ok"] is True and data["proven"] == case.version and data["checkpoint"]["signature_checked"]
    json.dumps(data)


def test_deleted_log_entries_of_the_case_are_red_even_with_the_tree_cached(signed, as_role):
    """Without its log entries the case's events would look merely 'not yet covered': the log is counted."""
    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    client = as_role("auditor")
    assert line(page(client, case.id), "check-checkpoint")[0] == "ok"  # blocks cached
    url = url_of(signed)
    drop_log_guards(url)
    raw_execute(url, "DELETE FROM log_entries WHERE case_id = :c", params=[{"c": case.id}])
    cls, text = line(page(client, case.id), "check-checkpoint")
    assert cls == "bad" and "日志表被改动" in text


def test_a_forged_step_the_definition_does_not_have_is_red(signed, as_role):
    """A re-hashed chain whose step jumps where the definition has no transition: replay through the definition."""
    case = walk_rectification(signed)
    url = url_of(signed)
    drop_guards(url)
    n = case.version
    rehash_from(url, case.id, 2, lambda ev: replace(ev, to_state=case.state))  # 核实 straight to 已销号
    rebuild_row(url, case.id)
    html = page(as_role("auditor"), case.id)
    assert line(html, "check-chain")[0] == "ok"
    cls, text = line(html, "check-replay")
    assert cls == "bad" and "第 2 条记录所办步骤在流程定义中没有相应的流转" in text, (n, text)


def test_a_checkpoint_not_signed_by_the_deployments_key_is_refused(signed, as_role, tmp_path):
    case = walk_rectification(signed)
    signed.checkpoints.checkpoint()
    other, _, _ = audit_keygen(tmp_path / "other-keys", "bureau-audit")
    signed.checkpoints.key_path = other  # the key the page checks with is not the one that signed
    cls, text = line(page(as_role("auditor"), case.id), "check-checkpoint")
    assert cls == "bad" and "最新检查点不予采信：签名核验不通过" in text
