"""SQL for the battle map (挂图作战) as of an instant: the grouped counts, the cases behind them, and the cases one by
one with what the other row modes group by. A part of workflow.adapters.sql.sqlqueries.SqlQueries (its base class).

The battle map as of an instant T reads the case timeline (workflow.adapters.sql.timeline, derived from case_events
in the same transaction as each event): the row of each case valid at T gives its state, unit and deadline.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, bindparam, text

from workflow.read_side import BoardCase, DashboardCount

# The cases of one campaign (cases.campaign, set at intake and never changed: the same at every instant).
IN_CAMPAIGN = "AND {id} IN (SELECT id FROM cases WHERE campaign = :campaign)"


class BoardQueries:
    engine: Engine
    dialect: str

    # ---- the battle map -----------------------------------------------------------------------
    def dashboard(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                  closed: tuple[str, ...], campaign: str | None = None) -> list[DashboardCount]:
        stmt = text(self._dashboard_sql(units is not None, campaign is not None)).bindparams(
            bindparam("types", expanding=True), bindparam("closed", expanding=True))
        params: dict[str, Any] = {"t": as_of, "types": list(types) or ["-"], "closed": list(closed) or ["-"],
                                  "campaign": campaign}
        if units is not None:
            stmt = stmt.bindparams(bindparam("units", expanding=True))
            params["units"] = list(units) or ["-"]
        with self.engine.connect() as conn:
            rows = conn.execute(stmt, params).all()
        return [DashboardCount(u, ty, int(v), st, light, bool(late), int(n), red_due)
                for u, ty, v, st, light, late, red_due, n in rows]

    @staticmethod
    def _dashboard_sql(by_unit: bool, by_campaign: bool = False) -> str:
        # The rows of case_timeline valid at :t — each case's row from its last event at or before :t
        # that moved it on the battle map (workflow.adapters.sql.timeline) — read from a covering index
        # (migration dash_0001): by validity end for everyone, by unit for a unit's map.
        # ever_late (closed cases only, for the on-time rate): an earlier deadline ran out before it
        # was replaced (`late`), or the deadline the case still held at :t had run out by then.
        unit_filter = "AND unit IN :units" if by_unit else ""
        unit_filter += f" {IN_CAMPAIGN.format(id='case_id')}" if by_campaign else ""
        return f"""
        SELECT unit, type, definition_version, state,
               CASE WHEN due_at IS NULL THEN 'none' WHEN due_at <= :t THEN 'red'
                    WHEN yellow_at IS NOT NULL AND yellow_at <= :t THEN 'yellow' ELSE 'green' END AS light,
               CASE WHEN type || '/' || state IN :closed AND (late OR due_at <= :t) THEN 1 ELSE 0 END AS ever_late,
               CASE WHEN due_at <= :t THEN due_at END AS red_due,
               COUNT(*) AS n
        FROM case_timeline
        WHERE valid_to > :t AND valid_from <= :t AND type IN :types {unit_filter}
        GROUP BY unit, type, definition_version, state, light, ever_late, red_due
        """

    def cases_at(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                 campaign: str | None = None) -> list[str]:
        # The same rows of case_timeline as the battle map at :t, one per case.
        unit_filter = "AND unit IN :units" if units is not None else ""
        unit_filter += f" {IN_CAMPAIGN.format(id='case_id')}" if campaign is not None else ""
        stmt = text(f"SELECT case_id FROM case_timeline WHERE valid_to > :t AND valid_from <= :t "
                    f"AND type IN :types {unit_filter} ORDER BY case_id").bindparams(bindparam("types", expanding=True))
        params: dict[str, Any] = {"t": as_of, "types": list(types) or ["-"], "campaign": campaign}
        if units is not None:
            stmt = stmt.bindparams(bindparam("units", expanding=True))
            params["units"] = list(units) or ["-"]
        with self.engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(stmt, params)]

    def board_cases(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                    closed: tuple[str, ...], campaign: str | None = None) -> list[BoardCase]:
        # The battle map's rows one case at a time (the same case_timeline rows and lights as `dashboard`),
        # with what the other row modes group by: the case's `category` field and its plan measure.
        category = ("json_extract_path_text(c.snapshot::json, 'fields', 'category')" if self.dialect == "postgresql"
                    else "json_extract(c.snapshot, '$.fields.category')")
        unit_filter = "AND tl.unit IN :units" if units is not None else ""
        unit_filter += " AND c.campaign = :campaign" if campaign is not None else ""
        stmt = text(f"""
        SELECT tl.case_id, tl.unit, tl.type, tl.definition_version, tl.state,
               CASE WHEN tl.due_at IS NULL THEN 'none' WHEN tl.due_at <= :t THEN 'red'
                    WHEN tl.yellow_at IS NOT NULL AND tl.yellow_at <= :t THEN 'yellow' ELSE 'green' END AS light,
               CASE WHEN tl.type || '/' || tl.state IN :closed AND (tl.late OR tl.due_at <= :t) THEN 1 ELSE 0 END,
               CASE WHEN tl.due_at <= :t THEN tl.due_at END,
               c.title, {category}, m.campaign, m.measure_id
        FROM case_timeline tl JOIN cases c ON c.id = tl.case_id
             LEFT JOIN campaign_measures m ON m.case_id = tl.case_id
        WHERE tl.valid_to > :t AND tl.valid_from <= :t AND tl.type IN :types {unit_filter}
        ORDER BY tl.case_id
        """).bindparams(bindparam("types", expanding=True), bindparam("closed", expanding=True))
        params: dict[str, Any] = {"t": as_of, "types": list(types) or ["-"], "closed": list(closed) or ["-"],
                                  "campaign": campaign}
        if units is not None:
            stmt = stmt.bindparams(bindparam("units", expanding=True))
            params["units"] = list(units) or ["-"]
        with self.engine.connect() as conn:
            rows = conn.execute(stmt, params).all()
        return [BoardCase(str(i), u, ty, int(v), st, light, bool(late), red_due, title,
                          None if cat is None else str(cat), camp, measure)
                for i, u, ty, v, st, light, late, red_due, title, cat, camp, measure in rows]
