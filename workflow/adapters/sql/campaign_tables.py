"""SQL for campaign plans: loaded plans and their self-report windows, the measure → case map,
issued self-declarations, the case a ledger's 问题编号 became, and the facts the 自查从宽、被查从严 rule
asks about (workflow.definitions.leniency).

Functions over the open transaction's connection (the SqlTx methods of workflow.ports call them),
so these rows are written in the same transaction as the cases they point to.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from workflow.adapters.sql import schema as t
from workflow.definitions.leniency import earliest_org_case
from workflow.events import format_time
from workflow.records import StoredCampaign


def get_campaign(conn: Connection, key: str) -> StoredCampaign | None:
    row = conn.execute(select(t.campaigns).where(t.campaigns.c.key == key)).mappings().first()
    if row is None:
        return None
    return StoredCampaign(row["key"], row["title"], row["source"], row["content_hash"], json.loads(row["windows"]),
                          json.loads(row["plan"]), row["loaded_at"])


def campaign_keys(conn: Connection) -> list[str]:
    return list(conn.execute(select(t.campaigns.c.key).order_by(t.campaigns.c.key)).scalars())


def ledger_cases(conn: Connection, case_type: str, numbers: Collection[str]) -> dict[str, str]:
    """问题编号 → case id (ux_cases_type_ledger_no), in chunks that keep every IN list short."""
    wanted, out = sorted(set(numbers)), {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = conn.execute(select(t.cases.c.ledger_no, t.cases.c.id).where(
            t.cases.c.type == case_type, t.cases.c.ledger_no.in_(chunk)))
        out.update({str(no): str(case_id) for no, case_id in rows})
    return out


def save_campaign(conn: Connection, c: StoredCampaign) -> None:
    """Insert or replace a plan's row (its measure cases are kept: see measure_cases)."""
    values = {"title": c.title, "source": c.source, "content_hash": c.content_hash, "loaded_at": c.loaded_at,
              "windows": json.dumps(c.windows, ensure_ascii=False), "plan": json.dumps(c.plan, ensure_ascii=False)}
    if get_campaign(conn, c.key) is None:
        conn.execute(insert(t.campaigns).values(key=c.key, **values))
    else:
        conn.execute(update(t.campaigns).where(t.campaigns.c.key == c.key).values(**values))


def measure_cases(conn: Connection, key: str) -> dict[str, str]:
    m = t.campaign_measures.c
    rows = conn.execute(select(m.measure_id, m.case_id).where(m.campaign == key))
    return {measure: case for measure, case in rows}  # noqa: C416 — rows are Row objects, not pairs


def assessment_case(conn: Connection, key: str) -> str | None:
    a = t.campaign_assessments.c
    return conn.execute(select(a.case_id).where(a.campaign == key)).scalar()


def add_assessment_case(conn: Connection, key: str, case_id: str) -> None:
    conn.execute(insert(t.campaign_assessments).values(campaign=key, case_id=case_id))


def add_measure_case(conn: Connection, key: str, measure_id: str, case_id: str) -> None:
    conn.execute(insert(t.campaign_measures).values(campaign=key, measure_id=measure_id, case_id=case_id))


def self_report_windows(conn: Connection, campaign: str | None = None) -> list[tuple[date, date]]:
    out = []
    query = select(t.campaigns.c.windows)
    if campaign is not None:
        query = query.where(t.campaigns.c.key == campaign)
    for text in conn.execute(query).scalars():
        out += [(date.fromisoformat(w["from"]), date.fromisoformat(w["until"])) for w in json.loads(text)]
    return out


def declarations(conn: Connection, case_type: str, round_no: int, units: Iterable[str] | None = None
                 ) -> dict[str, str]:
    """Declarant login → declaration case id, for one form and round (optionally within units)."""
    d = t.declarations.c
    query = select(d.declarant, d.case_id).where(d.case_type == case_type, d.round == round_no)
    if units is not None:
        query = query.where(d.unit.in_(list(units)))
    return {login: case for login, case in conn.execute(query)}  # noqa: C416 — rows are Row objects


def add_declaration(conn: Connection, *, case_type: str, round_no: int, declarant: str, case_id: str, unit: str,
                    issued_at: datetime) -> None:
    conn.execute(insert(t.declarations).values(case_type=case_type, round=round_no, declarant=declarant,
                                               case_id=case_id, unit=unit, issued_at=format_time(issued_at)))


def org_held_since(conn: Connection, subject_fields: Mapping[str, str], *, subject: str, before: datetime,
                   exclude_case: str, case_type: str, matter: str | None, campaign: str | None) -> datetime | None:
    """The earliest case about `subject` and the same matter, in `campaign`, that came in through a
    non-self channel before `before` (the rule: workflow.definitions.leniency.earliest_org_case).

    Scans the snapshots of the case types that name a subject field: fine at county scale
    (thousands of cases); a subject index table would be the next step beyond that.
    """
    if not subject_fields:
        return None
    c = t.cases.c
    query = select(c.snapshot).where(c.type.in_(list(subject_fields)), c.opened_at < format_time(before),
                                     c.id != exclude_case,
                                     c.campaign.is_(None) if campaign is None else c.campaign == campaign)
    return earliest_org_case((json.loads(text) for text in conn.execute(query).scalars()), subject_fields, subject,
                             case_type=case_type, matter=matter, campaign=campaign)
