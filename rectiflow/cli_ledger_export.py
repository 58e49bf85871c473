"""`rectiflow ledger export`: the problem ledger (问题台账) out of rectiflow as an Excel workbook
(registered on the `ledger` group by rectiflow/cli_ledger.py)."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.common import application, handles_errors, instant, json_option
from rectiflow.output import emit
from workflow.bootstrap import Application
from workflow.engine.policy import UnitTree
from workflow.errors import NotFound, UnknownUnit, UnknownUser
from workflow.reporting.ledger import directory_names
from workflow.reporting.ledger_export import in_ledger_order, ledger_ids, read_ledger, write_ledger
from workflow.reporting.queries import viewer_for


@click.command("export")
@click.option("--type", "types", multiple=True, metavar="TYPE", help="Only cases of this type (repeatable).")
@click.option("--unit", default=None, metavar="CODE", help="Only cases of this unit and the units below it.")
@click.option("--campaign", default=None, metavar="KEY", help="Only the cases of this campaign plan.")
@click.option("--as-of", "as_of", default=None, metavar="WHEN",
              help="The ledger as it stood then (instant, date = end of that day, or -3d), replayed from the log.")
@click.option("--as", "login", default=None, metavar="LOGIN", help="Only what this person may see.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@json_option
@handles_errors
def export(types: tuple[str, ...], unit: str | None, campaign: str | None, as_of: str | None, login: str | None,
           output: Path, as_json: bool) -> None:
    """Write one row per case — 序号, 问题编号, 发现渠道, 类别, 问题描述, 责任单位, 责任人, 整改措施, 整改时限,
    整改进展, 完成情况, 佐证材料, 销号时间, 验收人, 亮灯, 备注 — to an .xlsx workbook."""
    app = application(sync=False)
    tz = app.calendar.tzinfo
    at = instant(as_of, "--as-of", now=app.clock.now(), tz=tz) if as_of else app.clock.now()
    at = min(at, app.clock.now())  # the future is not in the log yet
    for name in types:
        app.registry.latest(name)  # UnknownCaseType, naming the known ones
    if campaign is not None and campaign not in app.campaigns.titles():
        raise NotFound("campaign.not_loaded", campaign=campaign, known=sorted(app.campaigns.titles()))
    units_seen, types_seen = _scope(app, login)
    chosen = tuple(t for t in (types or app.registry.names()) if t in types_seen)
    wanted = units_seen
    if unit is not None:
        if unit not in {u.code for u in app.directory.units()}:
            raise UnknownUnit(unit)
        sub = UnitTree(app.directory.units()).subtree(unit)
        wanted = tuple(sorted(sub if units_seen is None else sub & set(units_seen)))
    items = in_ledger_order(read_ledger(app.store, app.registry, ledger_ids(app.queries, at, units=wanted,
                                                                            types=chosen), at=at, campaign=campaign))
    names = directory_names(app.directory.users(), app.directory.units())
    with output.open("wb") as out:
        write_ledger(app.workbooks, items, out, scope=_scope_text(app, unit, types, campaign), at=at, tz=tz,
                     names=names)
    emit(as_json, {"file": str(output), "cases": len(items), "as_of": at.isoformat()},
         f"wrote {len(items)} cases to {output}")


def _scope(app: Application, login: str | None) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """The units (None: all) and case types one may see: everything for the operator, else the person's."""
    if login is None:
        return None, tuple(app.registry.names())
    user = app.directory.user(login)
    if user is None:
        raise UnknownUser(login)
    v = viewer_for(user, app.directory.units(), app.registry)
    return v.units, v.types


def _scope_text(app: Application, unit: str | None, types: tuple[str, ...], campaign: str | None) -> str:
    """The title's scope: the unit (or the county), the case types, the plan."""
    units = app.directory.units()
    where = next((u for u in units if u.code == unit), None) if unit else next((u for u in units if not u.parent), None)
    parts = [where.name if where else "全部单位"]
    parts += ["、".join(app.registry.latest(t).title.get("zh", t) for t in types) or "全部类型"]
    if campaign:
        parts.append(app.campaigns.titles().get(campaign, campaign))
    return " · ".join(parts)
