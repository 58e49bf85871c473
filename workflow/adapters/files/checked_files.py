"""`rectiflow definitions check`: the files of a definitions folder, each read as what it is, and validated.

A definitions folder holds case types (`*.yaml`), the role vocabulary (`roles.yaml`), working-day
calendars (`calendars/`) and campaign plans with the plan's item index and coverage map
(`campaigns/`). Which one a file is follows from where it lies, so a calendar is never parsed as a case
type; a plan is also known by what it holds (a top-level `campaign:` and no `states:`), so a plan file
named anywhere is checked as a plan. Plans are also checked against the folder's other plans: one
campaign key per file, and a unit code declared by one plan is neither declared under another name nor
named (undeclared) by another. Folders are read recursively; a pattern (`'definitions/*.yaml'`,
quoted so the shell leaves it) is expanded here. Each file is checked on its own; case types also
against each other and the folder (`opens:`); checking the whole folder also requires the files every
command reads at start (roles.yaml and the calendar), with the same parsers the commands use. Nothing
is stored.
"""
from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.adapters.files.definition_files import ROLES_FILE, LoadedFile, definition_paths, read_definitions
from workflow.adapters.files.plan_files import CAMPAIGNS_DIR, COVERAGE_FILE, ITEMS_FILE
from workflow.adapters.files.yaml_files import load_yaml_file
from workflow.campaigns.coverage import Coverage, parse_coverage, parse_plan_items
from workflow.campaigns.plans import Plan, is_plan, parse_plan
from workflow.definitions.checks import assessment_fields, check_links, leniency_problem
from workflow.definitions.model import Definition, line_of
from workflow.definitions.roles import RoleBook, parse_roles
from workflow.errors import DefinitionError
from workflow.escalation.calendar import parse_calendar

CALENDARS_DIR = "calendars"
CALENDAR_FILE = f"{CALENDARS_DIR}/cn-mainland.yaml"  # the working-day calendar every command loads at start
# What every command reads at start besides the database: a whole-folder check fails without them, so a
# folder that passes `definitions check` can never stop a command from starting.
REQUIRED = (ROLES_FILE, CALENDAR_FILE)
KINDS = ("case_type", "roles", "calendar", "plan", "plan_items", "coverage")


@dataclass
class CheckedFile:
    """A valid file: its kind and what it holds (for the one line `definitions check` prints)."""

    path: Path
    kind: str  # one of KINDS
    facts: dict[str, Any] = field(default_factory=dict)


def kind_of(path: Path) -> str:
    """What a file of a definitions folder is, by its name and folder (a relative path's folder too)."""
    folder = path.resolve().parent.name
    if path.name == ROLES_FILE:
        return "roles"
    if folder == CALENDARS_DIR:
        return "calendar"
    if folder == CAMPAIGNS_DIR:
        return {ITEMS_FILE: "plan_items", COVERAGE_FILE: "coverage"}.get(path.name, "plan")
    return "case_type"


def kind_by_content(path: Path) -> str:
    """`kind_of`, except that a file outside `campaigns/` holding a plan is a plan (not a broken case type)."""
    kind = kind_of(path)
    if kind != "case_type":
        return kind
    try:
        data, _, _ = load_yaml_file(path)
    except DefinitionError:
        return kind  # the case-type reader reports why the file cannot be read
    return "plan" if is_plan(data) else kind


def expand(paths: Iterable[Path], folder: Path) -> tuple[list[Path], list[str]]:
    """The files named: a folder's YAML files (recursively), a pattern's matches, a file as it is.
    Without paths: the whole definitions `folder`. A pattern that matches nothing is a problem."""
    chosen, problems = [], []
    for path in list(paths) or [folder]:
        text = str(path)
        if path.is_dir():
            chosen += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif not path.exists() and glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            chosen += matches
            if not matches:
                problems.append(f"{text}:?: no file matches this pattern")
        else:
            chosen.append(path)
    return list(dict.fromkeys(chosen)), problems  # each file once, in the order named


def check_files(paths: Iterable[Path], folder: Path, roles: RoleBook) -> tuple[list[CheckedFile], list[str]]:
    """Validate the files named (default: the whole folder); the valid ones and every problem of the others.

    Case types are parsed with `roles` (the folder's roles.yaml) and their links checked against each
    other and the folder's other case types.
    """
    paths = list(paths)
    files, problems = expand(paths, folder)
    if not paths or any(p.is_dir() and p.resolve() == folder.resolve() for p in paths):
        problems += [f"{folder / name}:?: missing: every rectiflow command reads this file at start"
                     for name in REQUIRED if not (folder / name).is_file()]
    checked: list[CheckedFile] = []
    types: list[LoadedFile] = []
    for path in files:
        kind = kind_by_content(path)
        if kind == "plan" and path.resolve().parent == folder.resolve():
            # every command reads this folder's *.yaml as case types: a plan here would stop them all
            problems.append(f"{path}:1: a campaign plan belongs in {folder / CAMPAIGNS_DIR}/ (every command reads "
                            f"the files of {folder} as case types)")
            continue
        try:
            if kind == "case_type":
                types += read_definitions([path], roles)
            else:
                checked.append(CheckedFile(path, kind, _facts(kind, path)))
                if kind == "coverage":
                    data, _, _ = load_yaml_file(path)
                    dangling = coverage_type_problems(path, parse_coverage(data, source=str(path)), folder, roles)
                    if dangling:
                        checked.pop()
                        problems += dangling
        except DefinitionError as err:
            problems += [p if p.startswith(f"{path}:") else f"{path}:?: {p}" for p in err.problems]
    checked += _case_types(types, folder, roles, problems)
    clashes = plan_clashes([f.path for f in checked if f.kind == "plan"], folder)
    if clashes:
        problems += clashes
        checked = [f for f in checked if not any(p.startswith(f"{f.path}:") for p in clashes)]
    order = {path: n for n, path in enumerate(files)}
    return sorted(checked, key=lambda f: order[f.path]), problems


def _case_types(types: list[LoadedFile], folder: Path, roles: RoleBook, problems: list[str]) -> list[CheckedFile]:
    seen: dict[tuple[str, int], Path] = {}
    valid = []
    for f in types:
        if f.definition.key in seen:
            problems.append(f"{f.path}:1: {f.definition.name} version {f.definition.version} is also defined in "
                            f"{seen[f.definition.key]}")
            continue
        seen[f.definition.key] = f.path
        valid.append(f)
    names = {f.definition.name for f in valid}
    others = []
    for path in definition_paths(folder):
        try:
            others += [f.definition for f in read_definitions([path], roles) if f.definition.name not in names]
        except DefinitionError:
            continue  # a broken neighbour is that file's problem, not this check's
    broken = check_links([f.definition for f in valid], among=others)
    broken += dangling_references(others, known=names | {d.name for d in others})
    for f in valid:
        unused = leniency_problem(f.definition)
        if unused:
            data, _, _ = load_yaml_file(f.path)
            field = assessment_fields(f.definition)[0]
            line = line_of(data.get("fields") or {}, field) or 1
            broken.append(f"{f.path}:{line}: {unused}")
    problems += broken
    return [CheckedFile(f.path, "case_type", {"definition": f.definition}) for f in valid
            if not any(p.startswith(f"{f.path}:") for p in broken)]


def dangling_references(definitions: Iterable[Definition], *, known: set[str]) -> list[str]:
    """`opens:` of the folder's other case types naming a type no file defines any more: checking a file that
    renames (or the folder after deleting) a type others open is caught where they open it."""
    return [f"{d.source or d.name}:{o.line or '?'}: transition {t.trigger!r} opens {o.case_type!r}: no such case "
            "type (deleted or renamed?)"
            for d in definitions for t in d.transitions for o in t.opens if o.case_type not in known]


def coverage_type_problems(path: Path, coverage: Coverage, folder: Path, roles: RoleBook) -> list[str]:
    """Traces of the coverage map naming a case type the folder no longer defines (deleted or renamed)."""
    names = set()
    for p in definition_paths(folder):
        try:
            names |= {f.definition.name for f in read_definitions([p], roles)}
        except DefinitionError:
            continue
    lines = path.read_text(encoding="utf-8").splitlines()
    problems = []
    for item, traces in coverage.items.items():
        for t in traces:
            name = t.target.partition(".")[0] if t.kind in ("case_type", "field", "transition") else None
            if name and name not in names:
                line = next((n for n, text in enumerate(lines, 1) if t.target in text), "?")
                problems.append(f"{path}:{line}: item {item}: unknown case type {name!r} (deleted or renamed?)")
    return problems


def plan_clashes(paths: list[Path], folder: Path) -> list[str]:
    """The named plans against each other and the folder's other plans: a campaign key in two files; a
    declared unit another plan declares under another name, or names without declaring it (two bureaus'
    plans must not share a unit code by accident — the second load would match or refuse it)."""
    named = {p.resolve() for p in paths}
    others = sorted(p for p in (folder / CAMPAIGNS_DIR).glob("*.y*ml")
                    if p.resolve() not in named and kind_of(p) == "plan") if (folder / CAMPAIGNS_DIR).is_dir() else []
    plans: list[tuple[Path, Plan]] = []
    for path in list(paths) + others:
        try:
            data, _, _ = load_yaml_file(path)
            plans.append((path, parse_plan(data, source=str(path))))
        except DefinitionError:
            continue  # its own problems are reported where it is checked
    home = (folder / CAMPAIGNS_DIR).resolve()
    problems = []
    for n, (path, plan) in enumerate(plans[:len(paths)]):
        for other_path, other in plans[:n] + plans[n + 1:]:
            if other.key == plan.key:
                # an edited copy outside the folder stands for the folder's plan; two in the folder clash
                if path.resolve().parent == home == other_path.resolve().parent:
                    problems.append(f"{path}:1: campaign {plan.key!r} is also the key of {other_path}")
                continue
            theirs = {u.code: u for u in other.units}
            for u in plan.units:
                if u.code in theirs and theirs[u.code].name != u.name:
                    problems.append(f"{path}:{u.line or '?'}: unit {u.code} ({u.name}) is declared by {other_path} "
                                    f"as {theirs[u.code].name!r}: use another code")
                elif u.code not in theirs and u.code in other.unit_codes():
                    problems.append(f"{path}:{u.line or '?'}: unit {u.code} is also named by {other_path} "
                                    f"(campaign {other.key}) for one of its own units: use another code")
    return problems


def _facts(kind: str, path: Path) -> dict[str, Any]:
    data, _, _ = load_yaml_file(path)
    source = str(path)
    if kind == "roles":
        return {"roles": list(parse_roles(data, source=source))}
    if kind == "calendar":
        cal = parse_calendar(data, source=source)
        return {"name": cal.name, "version": cal.version, "timezone": cal.timezone, "years": sorted(cal.years)}
    if kind == "plan":
        plan = parse_plan(data, source=source)
        return {"key": plan.key, "title": dict(plan.title), "measures": len(plan.measures),
                "items": len(plan.items), "windows": len(plan.windows), "units": len(plan.units)}
    if kind == "plan_items":
        return {"items": len(parse_plan_items(data, source=source))}
    coverage = parse_coverage(data, source=source)
    return {"items": len(coverage.items), "features": len(coverage.features)}
