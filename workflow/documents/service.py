"""The documents feature as one object, built once by workflow.bootstrap for the CLI and the web UI.

Each document is read in a few read transactions, built as plain data, then written as bytes:
`bulletin` / `bulletin_docx`, `progress` / `progress_docx` / `progress_xlsx`, `closeout` / `closeout_docx`.
A caller that shows only part of the county passes the units and case types its viewer may see.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from workflow.campaigns.loader import Campaigns
from workflow.cases.service import CaseService
from workflow.directory.staff import Directory
from workflow.documents import excel, word
from workflow.documents.bulletin import Bulletin, Listing, build_bulletin
from workflow.documents.closeout import CloseoutForm, closeout_form
from workflow.documents.formats import label
from workflow.documents.names import Names
from workflow.documents.progress import MeasureCase, ProgressReport, build_progress
from workflow.errors import NotFound
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.service import Escalations
from workflow.events import format_time
from workflow.ports import ReadModel
from workflow.read_side import DashboardCount
from workflow.reporting.queries import closed_keys

Scope = tuple[str, ...] | None  # unit codes (None: every unit)


class Documents:
    def __init__(self, cases: CaseService, escalations: Escalations, campaigns: Campaigns, directory: Directory,
                 queries: ReadModel, calendar: WorkingCalendar, *, bulletin_template: Path | None = None) -> None:
        self.cases, self.escalations, self.campaigns = cases, escalations, campaigns
        self.directory, self.queries, self.calendar = directory, queries, calendar
        self.bulletin_template = bulletin_template

    def names(self) -> Names:
        return Names.of(self.directory.users(), self.directory.units())

    def _now(self, as_of: datetime | None = None) -> datetime:
        now = self.cases.clock.now()
        return min(as_of, now) if as_of else now  # the future is not in the log yet

    def _counts(self, at: str, units: Scope, types: tuple[str, ...] | None,
                campaign: str | None = None) -> list[DashboardCount]:
        registry = self.cases.registry
        return self.queries.dashboard(at, units, tuple(types if types is not None else registry.names()),
                                      closed_keys(registry), campaign)

    # ---- the bulletin (通报) ------------------------------------------------------------------------
    def bulletin(self, *, since: datetime | None = None, units: Scope = None, types: tuple[str, ...] | None = None,
                 names: Names | None = None, campaign: str | None = None) -> Bulletin:
        """The cases listed for the bulletin (since an instant; within `units`, `types` and `campaign` when
        given)."""
        now, names = self._now(), names or self.names()
        latest = {row["case_id"]: row for row in self.escalations.bulletin(format_time(since) if since else None)}
        listings = []
        for case_id, row in latest.items():
            case = self.cases.get(case_id)
            if (units is not None and case.unit not in units) or (types is not None and case.type not in types) \
                    or (campaign is not None and case.campaign != campaign):
                continue
            defn = self.cases.definition_of(case)
            listings.append(Listing(case, label(defn.states[case.state].label, "zh", case.state), row))
        at = format_time(now)
        return build_bulletin(listings, self._counts(at, units, types, campaign), names=names, calendar=self.calendar,
                              registry=self.cases.registry, today=self.calendar.local_date(now),
                              since=self.calendar.local_date(since) if since else None, as_of=at)

    def bulletin_docx(self, bulletin: Bulletin) -> bytes:
        return word.bulletin_docx(bulletin, self.bulletin_template)

    # ---- the progress report (定期发布整治进展) ----------------------------------------------------
    def progress(self, key: str, *, as_of: datetime | None = None, units: Scope = None,
                 types: tuple[str, ...] | None = None, names: Names | None = None) -> ProgressReport:
        """The campaign `key`'s progress as of an instant (default: now).

        Raises:
            NotFound: no plan `key` is loaded.
        """
        moment, names = self._now(as_of), names or self.names()
        with self.cases.store.read() as tx:
            stored = tx.get_campaign(key)
            if stored is None:
                raise NotFound("campaign.not_loaded", campaign=key, known=tx.campaign_keys())
            mapping = tx.measure_cases(key)
        then = {}
        for measure, case_id in mapping.items():
            events, replayed = self.cases.history(case_id, as_of=moment)
            then[measure] = MeasureCase(replayed if events else None, events)
        at = format_time(moment)
        return build_progress(stored.plan, then, self._counts(at, units, types), names=names,
                              calendar=self.calendar, registry=self.cases.registry, as_of=at,
                              today=self.calendar.local_date(moment))

    def progress_docx(self, report: ProgressReport) -> bytes:
        return word.progress_docx(report)

    def progress_xlsx(self, report: ProgressReport) -> bytes:
        return excel.progress_xlsx(report)

    # ---- a case's 销号审批表 ---------------------------------------------------------------------------
    def closeout(self, case_id: str, *, names: Names | None = None, lang: str = "zh") -> CloseoutForm:
        """The close-out form of one case (raises CaseNotFound)."""
        case = self.cases.get(case_id)
        events, _ = self.cases.history(case.id)
        defn = self.cases.definition_of(case)
        outcome = self.cases.registry.outcome(defn.name, defn.version, case.state)
        return closeout_form(case, events, defn, outcome, names or self.names(), self.calendar, lang=lang)

    def closeout_docx(self, form: CloseoutForm) -> bytes:
        return word.closeout_docx(form)
