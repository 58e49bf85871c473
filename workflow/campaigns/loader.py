"""Loading a campaign plan: every 整治措施 becomes a trackable `rectification_measure` case.

One transaction: the plan row (with its self-report windows) is stored or updated, and each
measure not yet mapped gets a case, opened through the case service and recorded in the
campaign → measure → case map. Loading the same plan again creates nothing new; a measure added
to the file later gets its case on the next load. The units the plan declares (``units:``) are matched
(same code and name) or created first, each creation in the access log; a declared unit whose code the
directory holds under another name is a clash and nothing is written. Every unit the plan names must
then exist. Loading an edited plan reconciles its measure cases first (workflow.campaigns.reconcile):
changed units, dates and texts as audited events, dropped measures withdrawn, returning ones reinstated;
`preview` shows that diff without writing anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.campaigns import reconcile
from workflow.campaigns.entity import CampaignEntity, parse_entity
from workflow.campaigns.plan_body import schedule_text
from workflow.campaigns.plan_directory import check_units, declare_units
from workflow.campaigns.plans import Plan, PlanItem, parse_plan
from workflow.campaigns.status import campaign_status, dropped_rows
from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import UnitOfWork
from workflow.definitions.problems import Problems
from workflow.errors import NotFound
from workflow.escalation.calendar import WorkingCalendar
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
    units_created: list[str] = field(default_factory=list)  # declared units this load added to the directory
    diff: reconcile.Diff = field(default_factory=reconcile.Diff)  # what the load changed on existing cases

    def to_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "dry_run": False, "measures": self.measures, "cases": self.cases,
                "created": self.created, "units_created": self.units_created, **self.diff.to_dict()}


def read_plan(files: YamlFiles, path: Path) -> tuple[Plan, str]:
    """Parse and validate a plan file; (plan, sha256 of its bytes)."""
    data, _, digest = files.load(Path(path))
    return parse_plan(data, source=str(path)), digest


def read_campaign(files: YamlFiles, path: Path) -> tuple[Plan, CampaignEntity, str]:
    """Parse and validate a plan file with its campaign attributes (workflow.campaigns.entity)."""
    data, _, digest = files.load(Path(path))
    plan = parse_plan(data, source=str(path))
    problems = Problems(str(path))
    entity = parse_entity(data, problems)
    problems.raise_if_any()
    return plan, entity, digest


class Campaigns:
    """Loading plans and reporting their progress (the plan files are read through a YamlFiles port)."""

    def __init__(self, cases: CaseService, files: YamlFiles, calendar: WorkingCalendar | None = None) -> None:
        self.cases, self.files, self.calendar = cases, files, calendar

    def read_plan(self, path: Path) -> tuple[Plan, str]:
        return read_plan(self.files, path)

    def load(self, path: Path, *, actor: str | None = None) -> LoadReport:
        """Store the plan and open a measure case for each measure that has none yet.

        Raises:
            DefinitionError: the file is invalid or names units that do not exist (``PATH:LINE: message``).
            UnknownUser, RoleNotAllowed: `actor` may not open measure cases. Nothing is written then.
        """
        plan, entity, digest = read_campaign(self.files, path)
        defn = self.cases.registry.latest(MEASURE_TYPE)
        with self.cases.begin() as work:
            user = User.system(SYSTEM_ACTOR) if actor is None else work.user(actor)
            units_created = declare_units(work.tx, plan, user.login, format_time(work.now))
            check_units(work.tx, plan, entity)
            found = reconcile.diff(work.tx, plan)
            reconcile.apply(work, plan, found, requested_by=actor)
            work.tx.save_campaign(StoredCampaign(
                plan.key, plan.title.get("zh", plan.key)[:400], plan.source[:500], digest,
                [w.to_dict() for w in plan.windows], {**plan.to_dict(), "entity": entity.to_dict()},
                format_time(work.now)))
            report = _open_measures(work, plan, user, defn)
            report.units_created = units_created
            report.diff = found
            return report

    def preview(self, path: Path) -> dict[str, Any]:
        """What `load` would do with the file (`--dry-run`): measures added, dropped, reinstated and changed
        (old → new, naming each case). Nothing is written.

        Raises:
            DefinitionError: the file is invalid or names units that do not exist.
        """
        plan, entity, _ = read_campaign(self.files, path)
        with self.cases.store.read() as tx:
            check_units(tx, plan, entity, declared=frozenset(u.code for u in plan.units))
            found = reconcile.diff(tx, plan)
        return {"campaign": plan.key, "dry_run": True, "measures": len(plan.measures), **found.to_dict()}

    def register_windows(self, key: str, title: str, windows: list[dict[str, Any]],
                         units: list[str] | tuple[str, ...] = ()) -> bool:
        """Register self-report windows without a plan (a drill, the demo) under `key`: a campaign spanning
        `units` while its windows run (spanning none: no case falls in it by default); False (nothing
        written) if `key` is loaded already."""
        entity = {"issued_by": "", "document": "", "units": list(units), "categories": [], "case_types": [],
                  "starts_on": min((w["from"] for w in windows), default=None),
                  "ends_on": max((w["until"] for w in windows), default=None)}
        with self.cases.begin() as work:
            if work.tx.get_campaign(key) is not None:
                return False
            work.tx.save_campaign(StoredCampaign(key, title, "", "", windows, {"items": [], "entity": entity},
                                                 format_time(work.now)))
        return True

    def campaigns(self) -> list[dict[str, Any]]:
        """Every loaded campaign as data (key, title, issuing body, document, dates, units, categories, case
        types, self-report windows, measure count), by key."""
        with self.cases.store.read() as tx:
            stored = [s for key in tx.campaign_keys() if (s := tx.get_campaign(key))]
        out = []
        for s in stored:
            entity = s.plan.get("entity") or {}
            out.append({"key": s.key, "title": s.title, "issued_by": entity.get("issued_by") or "",
                        "document": entity.get("document") or s.plan.get("document") or "",
                        "starts_on": entity.get("starts_on"), "ends_on": entity.get("ends_on"),
                        "units": list(entity.get("units") or []), "categories": list(entity.get("categories") or []),
                        "case_types": list(entity.get("case_types") or []), "windows": s.windows,
                        "leniency": dict(entity.get("leniency") or {}),
                        "measures": sum(1 for i in s.plan.get("items") or [] if i.get("kind") == "measure"),
                        "loaded_at": s.loaded_at})
        return out

    def status(self, key: str, *, as_of: datetime | None = None) -> dict[str, Any]:
        """The plan `key`'s measures as they stood at `as_of` (default: now), replayed from the event log
        (workflow.campaigns.status).

        Raises:
            NotFound: no plan `key` is loaded.
        """
        if self.calendar is None:
            raise RuntimeError("Campaigns.status needs the working calendar")
        at = as_of or self.cases.clock.now()
        return campaign_status(self.cases.store, key, at=at, calendar=self.calendar,
                               stage_of=lambda c: self.cases.definition_of(c).states[c.state].stage)

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
        order, then the measures a revised plan dropped (withdrawn, still shown) — the battle map's rows by task and
        measure."""
        with self.cases.store.read() as tx:
            stored = [s for key in tx.campaign_keys() if (s := tx.get_campaign(key))]
            mapped = {s.key: tx.measure_cases(s.key) for s in stored}
            listed = {s.key: {i["id"] for i in s.plan.get("items") or [] if i.get("kind") == "measure"} for s in stored}
            dropped = {cid: tx.get_case(cid) for key, m in mapped.items() for mid, cid in m.items()
                       if mid not in listed[key]}
        out: dict[str, dict[str, Any]] = {}
        for s in stored:
            titles = {t["id"]: t.get("title") or {} for t in s.plan.get("tasks") or []}
            tasks: dict[str, Any] = {}
            measures: dict[str, tuple[str, Any]] = {}
            for item in s.plan.get("items") or []:
                if item.get("kind") == "measure":
                    tasks.setdefault(item["task"], titles.get(item["task"], {}))
                    measures[item["id"]] = (item["task"], item.get("title") or {})
            for measure_id, case_id in mapped[s.key].items():  # dropped by a revised plan: kept, after the plan's
                case = dropped.get(case_id)
                if case is not None and measure_id not in measures:
                    task = str(case.fields.get("task") or "")
                    tasks.setdefault(task, titles.get(task, {}))
                    measures[measure_id] = (task, {"zh": case.title.removeprefix(measure_id).strip()})
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
                         "due_at": (case.deadline or {}).get("due_at") if case else None, "in_plan": True})
            counts = tasks.setdefault(item["task"], {"measures": 0, "accepted": 0})
            counts["measures"] += 1
            counts["accepted"] += int(stage == "closed" and case is not None and case.state != reconcile.WITHDRAWN)
        rows += dropped_rows(stored.plan, mapping, cases,
                             lambda c: self.cases.definition_of(c).states[c.state].stage)
        return {"campaign": key, "title": {"zh": stored.title}, "measures": rows, "tasks": tasks,
                "windows": stored.windows, "loaded_at": stored.loaded_at}


def _open_measures(work: UnitOfWork, plan: Plan, user: User, defn: Any) -> LoadReport:
    existing = work.tx.measure_cases(plan.key)
    report = LoadReport(plan.key, len(plan.measures))
    for measure in plan.measures:
        case_id = existing.get(measure.id)
        if case_id is None:
            fields = _fields(plan, measure, work.tx)
            if "plan_status" in defn.fields:  # v3: only a plan load sets it (workflow.campaigns.reconcile)
                fields["plan_status"] = reconcile.IN_PLAN
            case_id = work.open(defn, user, title=_title(measure), unit=measure.responsible_unit,
                                fields=fields, campaign=plan.key, by_campaign=True).id
            work.tx.add_measure_case(plan.key, measure.id, case_id)
            report.created.append(case_id)
        report.cases.append(case_id)
    return report


def _title(m: PlanItem) -> str:
    return f"{m.id} {m.title.get('zh', '')}".strip()


def _fields(plan: Plan, m: PlanItem, tx: ReadTx) -> dict[str, Any]:
    fields = {CAMPAIGN_FIELD: plan.key, "measure_id": m.id, "task": m.task, "measure_text": m.text or m.title["zh"],
              "responsible_unit": m.responsible_unit, "due_date": m.deadline}
    # Only what the plan says: a measure with one unit and one date gets exactly the fields it always had.
    if m.supporting_units:
        fields["supporting_units"] = "、".join(_unit_name(tx, code) for code in m.supporting_units)
    if m.leader:
        fields["responsible_leader"] = m.leader
    if m.phases or len(m.deadlines) > 1:
        fields["schedule"] = schedule_text(m)
    if m.criteria:  # 评估验收: the plan's 验收条件, one a line (workflow.definitions.acceptance reads them)
        fields["acceptance_criteria"] = "\n".join(m.criteria)
    return fields


def _unit_name(tx: ReadTx, code: str) -> str:
    unit = tx.get_unit(code)
    return unit.name if unit else code
