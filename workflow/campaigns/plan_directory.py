"""A plan's units against the directory: the units it declares matched or created, and every unit it names
known and within the units its campaign spans.

Both run inside `campaign load`'s transaction (workflow.campaigns.loader), so a clash or an unknown unit
writes nothing; `check_units` also serves the dry run, where the declared units do not exist yet.
"""
from __future__ import annotations

from workflow.campaigns.entity import CampaignEntity
from workflow.campaigns.plans import Plan
from workflow.errors import DefinitionError
from workflow.ports import ReadTx, WriteTx
from workflow.read_side import AccessEntry
from workflow.records import Unit


def declare_units(tx: WriteTx, plan: Plan, actor: str, now: str) -> list[str]:
    """Match or create the plan's declared units (parents first); the codes created.

    Raises:
        DefinitionError: a declared code the directory holds under another name, or a parent that
            neither the plan nor the directory has.
    """
    problems, pending = [], []
    for u in plan.units:
        existing = tx.get_unit(u.code)
        if existing is None:
            pending.append(u)
        elif existing.name != u.name:
            problems.append(f"{plan.source}:{u.line or '?'}: unit {u.code}: the directory already has {u.code} "
                            f"as {existing.name!r}, the plan declares {u.name!r} (same code, another unit: "
                            "rename the code in the plan, or use the directory's name to mean that unit)")
    created: list[str] = []
    while pending and not problems:
        ready = [u for u in pending if u.parent is None or tx.get_unit(u.parent) is not None]
        if not ready:
            problems += [f"{plan.source}:{u.line or '?'}: unit {u.code}: unknown parent {u.parent!r} (declare it "
                         "in the plan or add it to the directory)" for u in pending]
            break
        for u in ready:
            tx.add_unit(Unit(u.code, u.name, u.parent))
            tx.record_access(AccessEntry(0, now, actor, "add_unit", None, "ok", "-",
                                         {"unit": u.code, "name": u.name, "parent": u.parent,
                                          "campaign": plan.key}))
            created.append(u.code)
        pending = [u for u in pending if u not in ready]
    if problems:
        raise DefinitionError(problems)
    return created


def check_units(tx: ReadTx, plan: Plan, entity: CampaignEntity, *, declared: frozenset[str] = frozenset()) -> None:
    """Every unit the plan names exists (or, for a dry run, is one the plan declares and a load would create),
    and every measure's unit lies within the units the campaign spans."""
    def known(code: str | None) -> bool:
        return code is not None and (code in declared or tx.get_unit(code) is not None)

    def chain(code: str) -> set[str]:
        """The unit and every unit above it (a declared unit not created yet follows the plan's parents)."""
        parents = {u.code: u.parent for u in plan.units}
        out: set[str] = set()
        while code and code not in out:
            if tx.get_unit(code) is not None:
                return out | {u.code for u in tx.unit_chain(code)}
            out.add(code)
            code = parents.get(code) or ""
        return out

    problems = [f"{plan.source}:{m.line or '?'}: measure {m.id}: unknown responsible_unit {m.responsible_unit!r}"
                for m in plan.measures if not known(m.responsible_unit)]
    problems += [f"{plan.source}:{m.line or '?'}: measure {m.id}: unknown supporting unit {code!r}"
                 for m in plan.measures for code in m.supporting_units if not known(code)]
    problems += [f"{plan.source}:?: spans: unknown unit {code!r}" for code in entity.units if not known(code)]
    spanned = set(entity.units)
    problems += [f"{plan.source}:{m.line or '?'}: measure {m.id}: {m.responsible_unit!r} is not within the "
                 f"campaign's units ({', '.join(entity.units)})"
                 for m in plan.measures if known(m.responsible_unit) and not spanned & chain(m.responsible_unit or "")]
    if not known(plan.lead_unit):
        problems.insert(0, f"{plan.source}:?: unknown lead_unit {plan.lead_unit!r}")
    if problems:
        raise DefinitionError(problems)
