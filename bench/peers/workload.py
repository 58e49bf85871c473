"""The lifecycle every throughput variant drives: open, then four steps (a rectification item's main path).

The engine runs it with its real definition; the baselines and peers write comparable data (the
same field values, a deadline record of the same shape) so that bytes written are alike.
"""
from __future__ import annotations

from typing import Any

BASE_FIELDS = {"description": "2020年以来3份外出审批缺少司法所意见。", "category": "commutation_parole",
               "discovery_channel": "self_report"}
# (trigger, actor, destination state, stage)
STEPS = (
    ("verify", "supervisor", "verified", "verified"),
    ("dispatch", "supervisor", "rectifying", "handled"),
    ("report_rectified", "handler", "signoff_pending", "rectified"),
    ("sign_off", "unit_head", "rectified", "rectified"),
    ("close_out", "supervisor", "closed", "closed"),
)
STEP_FIELDS: tuple[dict[str, Any], ...] = (
    {},
    {"measure": "逐案补齐审批材料并建立复核制度", "owner": "handler", "rectify_by": "2026-12-31"},
    {"result": "材料已补齐"},
    {},
    {},
)
EVIDENCE = "补齐3份审批材料，复核制度已印发。".encode()
DEADLINE = {"state": "rectifying", "start": "2026-03-02T01:00:00.000000Z", "due_at": "2026-12-31T16:00:00.000000Z",
            "first_due_at": "2026-12-31T16:00:00.000000Z", "yellow_at": "2026-12-28T16:00:00.000000Z",
            "unit": "date", "amount": 0, "skipped": [], "provisional": False, "warn_before": "3 working_days",
            "warn_at_percent": 80}
TRANSITIONS_PER_CASE = 1 + len(STEPS)  # the open counts: it is a commit with its event too


def payload_for(index: int) -> dict[str, Any]:
    trigger = STEPS[index][0]
    attachments = ([{"field": "evidence", "name": "复核记录.txt", "sha256": "ab" * 32, "size": len(EVIDENCE)}]
                   if trigger == "report_rectified" else [])
    return {"trigger": trigger, "fields": dict(STEP_FIELDS[index]), "attachments": attachments, "deadline": DEADLINE}
