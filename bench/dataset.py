"""What the generated campaign looks like: the organisation, its users, and how cases live.

Deterministic from a seed. The organisation grows with N (one county per 10,000 cases, up to 100
counties — a province at a million cases), each county with a bureau, a campaign office and
four line units; cases are rectification items (75 %) and clues (25 %), opened uniformly over
the campaign and driven by scripted, randomised lifecycles (dismissals, extensions, failed
acceptances, look-back reopenings, comments, hand-overs) until the benchmark's "now", so the
mix of stages, deadlines and history lengths comes out the way a live campaign's would.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from workflow.records import Unit, User

CAMPAIGN_START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)   # Monday 09:00 Beijing
NOW = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)              # Wednesday 10:00 Beijing
LINE_UNITS = ("jcj", "lsk", "sfs-1", "sfs-2")
EVIDENCE = b"rectification evidence (benchmark data)"
CATEGORIES = ("three_regulations", "commutation_parole", "business_lending", "lawyer_contact", "appraisal",
              "legal_service")
CHANNELS = ("self_report", "supplementary_self_report", "org_investigation", "mass_report", "inspection")
CLUE_CHANNELS = ("self_report", "supplementary_self_report", "org_investigation")
METHODS = ("talk_inquiry", "prelim_verification", "held_pending", "conclude", "transfer")
OUTCOMES = ("clarified", "form_measure", "referred")


def counties_for(n_cases: int) -> int:
    return max(1, min(100, n_cases // 10_000))


def county(i: int) -> str:
    return f"k{i:03d}"


def directory(n_cases: int, counties: int | None = None) -> tuple[list[Unit], list[User]]:
    """Units (parents first) and users of a campaign sized for `n_cases` (or with `counties` counties)."""
    units = [Unit("prov", "省司法厅", None)]
    users = [User("auditor", "审计 吴晨", "auditor", "prov"), User("prov-supervisor", "省整治办", "supervisor", "prov")]
    for i in range(counties_for(n_cases) if counties is None else counties):
        k = county(i)
        units.append(Unit(k, f"第{i + 1}县司法局", "prov"))
        units.append(Unit(f"{k}-zzb", "专项整治办公室", k))
        users += [User(f"{k}-registrar", "登记员", "registrar", k), User(f"{k}-supervisor", "督办", "supervisor", k),
                  User(f"{k}-supervisor2", "督办二", "supervisor", k), User(f"{k}-leader", "分管领导", "leader", k)]
        for line in LINE_UNITS:
            code = f"{k}-{line}"
            units.append(Unit(code, f"{line} 单位", k))
            users += [User(f"{code}-handler1", "承办人一", "handler", code),
                      User(f"{code}-handler2", "承办人二", "handler", code),
                      User(f"{code}-head", "负责人", "unit_head", code)]
    return units, users


@dataclass
class Step:
    """One call on CaseService, `delay` after the previous one."""

    delay: timedelta
    kind: str                     # open | advance | assign | comment
    actor: str
    trigger: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None
    evidence: bool = False
    assignee: str | None = None
    case_type: str = ""
    unit: str = ""
    title: str = ""
    optional: bool = False        # a refusal (e.g. a guard) ends the optional branch, not the case


def _days(rng: random.Random, mean: float) -> timedelta:
    return timedelta(hours=max(0.5, rng.expovariate(1 / (mean * 24))))


def _day(moment: datetime, plus_days: int) -> str:
    return (moment + timedelta(days=plus_days)).astimezone(timezone(timedelta(hours=8))).date().isoformat()


def _comments(rng: random.Random, actors: list[str], mean: float) -> list[Step]:
    out = []
    while rng.random() < mean / (mean + 1):
        out.append(Step(_days(rng, 1.0), "comment", rng.choice(actors), comment="请抓紧办理，按期报送进展。"))
    return out


def script(rng: random.Random, index: int, n_cases: int, opened_at: datetime) -> list[Step]:
    """The scripted life of case number `index` (stops early where the benchmark's now falls)."""
    k = county(index % counties_for(n_cases))
    return clue_script(rng, k) if rng.random() < 0.25 else rectification_script(rng, k, opened_at)


def rectification_script(rng: random.Random, k: str, opened_at: datetime) -> list[Step]:
    unit = f"{k}-{rng.choice(LINE_UNITS)}"
    handler = f"{unit}-handler{rng.choice((1, 2))}"
    sup, sup2, lead, head = f"{k}-supervisor", f"{k}-supervisor2", f"{k}-leader", f"{unit}-head"
    s = [Step(timedelta(0), "open", f"{k}-registrar", case_type="rectification_item", unit=unit,
              title=f"问题 {rng.randrange(10**6):06d}：审批材料不全",
              fields={"description": "自查发现审批材料缺失，需逐案补齐。", "category": rng.choice(CATEGORIES),
                      "discovery_channel": rng.choice(CHANNELS)})]
    if rng.random() < 0.07:
        return s + [Step(_days(rng, 4), "advance", sup, "dismiss", {"unfounded_reason": "经核查反映不实。"})]
    s.append(Step(_days(rng, 3), "advance", rng.choice((sup, head)), "verify", {"subject": "某工作人员"}))
    s.append(Step(_days(rng, 0.5), "assign", head, assignee=handler))
    rectify_days = rng.randint(10, 60)
    s.append(Step(_days(rng, 2), "advance", sup, "dispatch",
                  {"measure": "逐案补齐材料并建立复核制度", "owner": handler, "rectify_by": _day(opened_at, 8 + rectify_days),
                   "rectification_kind": rng.choice(("fixed_deadline", "continuous"))}))
    s += _comments(rng, [sup, handler, head], 3.0)
    if rng.random() < 0.15:
        s.append(Step(_days(rng, 2), "advance", handler, "request_extension",
                      {"extension_reason": "涉及档案调取，需延期。", "extension_until": _day(opened_at, 30 + rectify_days)},
                      optional=True))
        if rng.random() < 0.7:
            s.append(Step(_days(rng, 2), "advance", lead, "approve_extension",
                          {"rectify_by": _day(opened_at, 30 + rectify_days)}, optional=True))
        else:
            s.append(Step(_days(rng, 2), "advance", lead, "reject_extension", comment="理由不充分，按期完成。",
                          optional=True))
    report = Step(timedelta(days=rng.uniform(0.3, 1.2) * rectify_days), "advance", handler, "report_rectified",
                  {"result": "已整改到位"}, evidence=True)
    s += [report, Step(_days(rng, 1), "advance", head, "sign_off")]
    if rng.random() < 0.2:
        s.append(Step(_days(rng, 3), "advance", sup, "return_for_rework", {"return_reason": "佐证材料不充分"}))
        s.append(Step(_days(rng, 5), "advance", handler, "report_rectified", {"result": "补充材料"}, evidence=True))
        s.append(Step(_days(rng, 1), "advance", head, "sign_off"))
    s.append(Step(_days(rng, 3), "advance", sup2, "close_out", comment=rng.choice((None, "验收合格，销号"))))
    if rng.random() < 0.03:
        s.append(Step(_days(rng, 20), "advance", lead, "reopen",
                      {"reopen_reason": "回头看发现反弹", "rectify_by": _day(opened_at, 120)}))
    return s


def clue_script(rng: random.Random, k: str) -> list[Step]:
    reg, sup, lead = f"{k}-registrar", f"{k}-supervisor", f"{k}-leader"
    method = rng.choice(METHODS)
    s = [Step(timedelta(0), "open", reg, case_type="clue", unit=f"{k}-zzb", title=f"线索 {rng.randrange(10**6):06d}",
              fields={"allegation": "反映某干部违规接受吃请。", "subject_name": "某某",
                      "discovery_channel": rng.choice(CLUE_CHANNELS), "reporter_name": "匿名"})]
    propose = Step(_days(rng, 5), "advance", reg, "propose",
                   {"disposition_method": method, "disposition_basis": "依规处置"})
    s.append(propose)
    if rng.random() < 0.1:
        s += [Step(_days(rng, 1), "advance", lead, "reject_proposal", comment="处置意见不当，请重拟。"), propose]
    s += _comments(rng, [sup, lead], 2.0)
    if method in ("talk_inquiry", "prelim_verification"):
        s.append(Step(_days(rng, 1), "advance", lead, f"approve_{'talk' if method == 'talk_inquiry' else 'verification'}"))
        s.append(Step(_days(rng, 12), "advance", sup, "record_outcome", {"outcome": rng.choice(OUTCOMES)}))
        s.append(Step(_days(rng, 2), "advance", lead, "approve_outcome"))
    elif method == "held_pending":
        s.append(Step(_days(rng, 1), "advance", lead, "approve_hold"))
        s.append(Step(_days(rng, 60), "advance", lead, "conclude_held", {"conclusion_reason": "暂存期满无新情况"}))
    elif method == "conclude":
        s.append(Step(_days(rng, 1), "advance", lead, "approve_conclude", {"conclusion_reason": "反映问题不实"}))
    else:
        s.append(Step(_days(rng, 1), "advance", lead, "approve_transfer", {"transfer_target": "县纪委监委"}))
        s.append(Step(_days(rng, 30), "advance", reg, "record_feedback", {"feedback": "已立案审查"}))
    return s


def opened_at(rng: random.Random) -> datetime:
    span = (NOW - CAMPAIGN_START).total_seconds()
    return CAMPAIGN_START + timedelta(seconds=rng.random() * span * 0.98)


def today() -> date:
    return NOW.date()
