"""Loading a campaign plan: every 整治措施 becomes a trackable `rectification_measure` case.

One transaction: the plan row (with its self-report windows) is stored or updated, and each
measure not yet mapped gets a case, opened through the case service and recorded in the
campaign → measure → case map. Loading the same plan again creates nothing new; a measure added
to the file later gets its case on the next load. Units named by the plan must exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.adapters.sql import campaign_tables as tables
from workflow.adapters.files.yaml_files import load_yaml_file
from workflow.campaigns.plans import Plan, PlanItem, parse_plan
from workflow.errors import DefinitionError, NotFound, UnknownUser
from workflow.events import format_time
from workflow.ports import User
from workflow.cases.service import CaseService

MEASURE_TYPE = "rectification_measure"
SYSTEM_ACTOR = "system:campaign"


@dataclass
class LoadReport:
    campaign: str
    measures: int
    cases: list[str] = field(default_factory=list)  # one per measure, in plan order
    created: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "measures": self.measures, "cases": self.cases, "created": self.created}


def read_plan(path: Path) -> tuple[Plan, str]:
    """Parse and validate a plan file; (plan, sha256 of its bytes)."""
    data, _, digest = load_yaml_file(Path(path))
    return parse_plan(data, source=str(path)), digest


def load_campaign(service: CaseService, path: Path, *, actor: str | None = None) -> LoadReport:
    """Store the plan and open a measure case for each measure that has none yet.

    Raises:
        DefinitionError: the file is invalid or names units that do not exist (``PATH:LINE: message``).
        UnknownUser, RoleNotAllowed: `actor` may not open measure cases. Nothing is written then.
    """
    plan, digest = read_plan(path)
    defn = service.registry.latest(MEASURE_TYPE)
    now = service.clock.now()
    with service.store.write() as tx:
        _check_units(tx, plan)
        user = _acting_user(tx, actor)
        conn = tx.extra()
        tables.save_campaign(conn, tables.StoredCampaign(
            plan.key, plan.title.get("zh", plan.key)[:400], plan.source[:500], digest,
            [w.to_dict() for w in plan.windows], plan.to_dict(), format_time(now)))
        existing = tables.measure_cases(conn, plan.key)
        report = LoadReport(plan.key, len(plan.measures))
        for measure in plan.measures:
            case_id = existing.get(measure.id)
            if case_id is None:
                case_id = service.open_in(tx, defn, user, now, title=_title(measure), unit=measure.responsible_unit,
                                          fields=_fields(plan, measure)).id
                tables.add_measure_case(conn, plan.key, measure.id, case_id)
                report.created.append(case_id)
            report.cases.append(case_id)
    return report


def _acting_user(tx: Any, actor: str | None) -> User:
    if actor is None:
        return User(SYSTEM_ACTOR, SYSTEM_ACTOR, "system", None)
    user = tx.get_user(actor)
    if user is None or not user.active:
        raise UnknownUser(actor)
    return user


def _check_units(tx: Any, plan: Plan) -> None:
    problems = [f"{plan.source}:{m.line or '?'}: measure {m.id}: unknown responsible_unit {m.responsible_unit!r}"
                for m in plan.measures if tx.get_unit(m.responsible_unit) is None]
    if tx.get_unit(plan.lead_unit) is None:
        problems.insert(0, f"{plan.source}:?: unknown lead_unit {plan.lead_unit!r}")
    if problems:
        raise DefinitionError(problems)


def _title(m: PlanItem) -> str:
    return f"{m.id} {m.title.get('zh', '')}".strip()


def _fields(plan: Plan, m: PlanItem) -> dict[str, Any]:
    return {"campaign": plan.key, "measure_id": m.id, "task": m.task, "measure_text": m.text or m.title["zh"],
            "responsible_unit": m.responsible_unit, "due_date": m.deadline}


def campaign_progress(service: CaseService, key: str) -> dict[str, Any]:
    """Plan progress for the battle map: each measure with its case's state, and counts per task."""
    with service.store.read() as tx:
        stored = tables.get_campaign(tx.extra(), key)  # type: ignore[attr-defined]
        if stored is None:
            raise NotFound(f"no campaign {key!r} is loaded (known: {', '.join(tables.campaign_keys(tx.extra()))})")
        mapping = tables.measure_cases(tx.extra(), key)  # type: ignore[attr-defined]
        cases = {cid: tx.get_case(cid) for cid in mapping.values()}
    rows, tasks = [], {}
    for item in stored.plan["items"]:
        if item["kind"] != "measure" or item["id"] not in mapping:
            continue
        case = cases[mapping[item["id"]]]
        stage = service.registry.get(case.type, case.definition_version).states[case.state].stage if case else None
        rows.append({"id": item["id"], "task": item["task"], "title": item["title"], "unit": item["responsible_unit"],
                     "deadline": item["deadline"], "case": mapping[item["id"]], "state": case.state if case else None,
                     "stage": stage, "due_at": (case.deadline or {}).get("due_at") if case else None})
        counts = tasks.setdefault(item["task"], {"measures": 0, "accepted": 0})
        counts["measures"] += 1
        counts["accepted"] += int(stage == "closed")
    return {"campaign": key, "title": {"zh": stored.title}, "measures": rows, "tasks": tasks,
            "windows": stored.windows, "loaded_at": stored.loaded_at}
