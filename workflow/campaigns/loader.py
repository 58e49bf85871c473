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

from workflow.campaigns.plans import Plan, PlanItem, parse_plan
from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import UnitOfWork
from workflow.errors import DefinitionError, NotFound
from workflow.events import format_time
from workflow.ports import ReadTx, YamlFiles
from workflow.records import StoredCampaign, User

MEASURE_TYPE = "rectification_measure"
CAMPAIGN_FIELD = "campaign"  # the measure's field holding its plan's key
SYSTEM_ACTOR = "system:campaign"


@dataclass
class LoadReport:
    campaign: str
    measures: int
    cases: list[str] = field(default_factory=list)  # one per measure, in plan order
    created: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "measures": self.measures, "cases": self.cases, "created": self.created}


def read_plan(files: YamlFiles, path: Path) -> tuple[Plan, str]:
    """Parse and validate a plan file; (plan, sha256 of its bytes)."""
    data, _, digest = files.load(Path(path))
    return parse_plan(data, source=str(path)), digest


class Campaigns:
    """Loading plans and reporting their progress (the plan files are read through a YamlFiles port)."""

    def __init__(self, cases: CaseService, files: YamlFiles) -> None:
        self.cases, self.files = cases, files

    def read_plan(self, path: Path) -> tuple[Plan, str]:
        return read_plan(self.files, path)

    def load(self, path: Path, *, actor: str | None = None) -> LoadReport:
        """Store the plan and open a measure case for each measure that has none yet.

        Raises:
            DefinitionError: the file is invalid or names units that do not exist (``PATH:LINE: message``).
            UnknownUser, RoleNotAllowed: `actor` may not open measure cases. Nothing is written then.
        """
        plan, digest = self.read_plan(path)
        defn = self.cases.registry.latest(MEASURE_TYPE)
        with self.cases.begin() as work:
            _check_units(work.tx, plan)
            user = User.system(SYSTEM_ACTOR) if actor is None else work.user(actor)
            work.tx.save_campaign(StoredCampaign(
                plan.key, plan.title.get("zh", plan.key)[:400], plan.source[:500], digest,
                [w.to_dict() for w in plan.windows], plan.to_dict(), format_time(work.now)))
            return _open_measures(work, plan, user, defn)

    def register_windows(self, key: str, title: str, windows: list[dict[str, Any]]) -> bool:
        """Register self-report windows without a plan (a drill, the demo) under `key`; False (nothing
        written) if `key` is loaded already."""
        with self.cases.begin() as work:
            if work.tx.get_campaign(key) is not None:
                return False
            work.tx.save_campaign(StoredCampaign(key, title, "", "", windows, {"items": []}, format_time(work.now)))
        return True

    def titles(self) -> dict[str, str]:
        """Each loaded plan's title by its key (what a page shows instead of the key)."""
        with self.cases.store.read() as tx:
            return {key: stored.title for key in tx.campaign_keys() if (stored := tx.get_campaign(key))}

    def plan(self, key: str) -> dict[str, Any]:
        """The stored plan `key` as data (its items in plan order, task titles) — what a page draws its tree from.

        Raises:
            NotFound: no plan `key` is loaded.
        """
        with self.cases.store.read() as tx:
            stored = tx.get_campaign(key)
            if stored is None:
                raise NotFound("campaign.not_loaded", campaign=key, known=tx.campaign_keys())
            return dict(stored.plan)

    def outline(self) -> dict[str, dict[str, Any]]:
        """Each loaded plan's title, its tasks (id -> title) and its measures (id -> (task id, title)), in plan
        order — the battle map's rows by task and measure."""
        with self.cases.store.read() as tx:
            stored = [s for key in tx.campaign_keys() if (s := tx.get_campaign(key))]
        out: dict[str, dict[str, Any]] = {}
        for s in stored:
            titles = {t["id"]: t.get("title") or {} for t in s.plan.get("tasks") or []}
            tasks: dict[str, Any] = {}
            measures: dict[str, tuple[str, Any]] = {}
            for item in s.plan.get("items") or []:
                if item.get("kind") == "measure":
                    tasks.setdefault(item["task"], titles.get(item["task"], {}))
                    measures[item["id"]] = (item["task"], item.get("title") or {})
            out[s.key] = {"title": s.title, "tasks": tasks, "measures": measures}
        return out

    def progress(self, key: str) -> dict[str, Any]:
        """Plan progress for the battle map: each measure with its case's state, and counts per task."""
        with self.cases.store.read() as tx:
            stored = tx.get_campaign(key)
            if stored is None:
                raise NotFound("campaign.not_loaded", campaign=key, known=tx.campaign_keys())
            mapping = tx.measure_cases(key)
            cases = {cid: tx.get_case(cid) for cid in mapping.values()}
        rows: list[dict[str, Any]] = []
        tasks: dict[str, dict[str, int]] = {}
        for item in stored.plan["items"]:
            if item["kind"] != "measure" or item["id"] not in mapping:
                continue
            case = cases[mapping[item["id"]]]
            stage = self.cases.definition_of(case).states[case.state].stage if case else None
            rows.append({"id": item["id"], "task": item["task"], "title": item["title"],
                         "unit": item["responsible_unit"], "deadline": item["deadline"], "case": mapping[item["id"]],
                         "state": case.state if case else None, "stage": stage,
                         "due_at": (case.deadline or {}).get("due_at") if case else None})
            counts = tasks.setdefault(item["task"], {"measures": 0, "accepted": 0})
            counts["measures"] += 1
            counts["accepted"] += int(stage == "closed")
        return {"campaign": key, "title": {"zh": stored.title}, "measures": rows, "tasks": tasks,
                "windows": stored.windows, "loaded_at": stored.loaded_at}


def _open_measures(work: UnitOfWork, plan: Plan, user: User, defn: Any) -> LoadReport:
    existing = work.tx.measure_cases(plan.key)
    report = LoadReport(plan.key, len(plan.measures))
    for measure in plan.measures:
        case_id = existing.get(measure.id)
        if case_id is None:
            case_id = work.open(defn, user, title=_title(measure), unit=measure.responsible_unit,
                                fields=_fields(plan, measure)).id
            work.tx.add_measure_case(plan.key, measure.id, case_id)
            report.created.append(case_id)
        report.cases.append(case_id)
    return report


def _check_units(tx: ReadTx, plan: Plan) -> None:
    problems = [f"{plan.source}:{m.line or '?'}: measure {m.id}: unknown responsible_unit {m.responsible_unit!r}"
                for m in plan.measures if m.responsible_unit is None or tx.get_unit(m.responsible_unit) is None]
    if tx.get_unit(plan.lead_unit) is None:
        problems.insert(0, f"{plan.source}:?: unknown lead_unit {plan.lead_unit!r}")
    if problems:
        raise DefinitionError(problems)


def _title(m: PlanItem) -> str:
    return f"{m.id} {m.title.get('zh', '')}".strip()


def _fields(plan: Plan, m: PlanItem) -> dict[str, Any]:
    fields = {CAMPAIGN_FIELD: plan.key, "measure_id": m.id, "task": m.task, "measure_text": m.text or m.title["zh"],
              "responsible_unit": m.responsible_unit, "due_date": m.deadline}
    if m.criteria:  # 评估验收: the plan's 验收条件, one a line (workflow.definitions.acceptance reads them)
        fields["acceptance_criteria"] = "\n".join(m.criteria)
    return fields
