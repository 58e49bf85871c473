"""Definitions on disk ↔ definitions in the database.

Files under definitions/ are what an operator edits; the database keeps the text of every
version a case was ever opened under, so old cases keep running on their version after the file
moves on. Changing a file that cases already use, without bumping `version`, is refused.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workflow.adapters.files.yaml_files import load_yaml_file, load_yaml_text
from workflow.definitions.checks import check_links
from workflow.definitions.model import Definition
from workflow.definitions.parser import parse_definition
from workflow.definitions.registry import DefinitionRegistry
from workflow.definitions.roles import RoleBook, parse_roles
from workflow.errors import DefinitionChanged, DefinitionError
from workflow.events import format_time
from workflow.ports import Clock, Store
from workflow.records import StoredDefinition

ROLES_FILE = "roles.yaml"


def load_roles(directory: Path) -> RoleBook:
    path = Path(directory) / ROLES_FILE
    data, _, _ = load_yaml_file(path)
    return parse_roles(data, source=str(path))


def definition_paths(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != ROLES_FILE)


@dataclass
class LoadedFile:
    definition: Definition
    text: str
    path: Path


def read_definitions(paths: Iterable[Path], roles: RoleBook) -> list[LoadedFile]:
    """Parse and validate files, each on its own; every problem of every file is raised together."""
    loaded: list[LoadedFile] = []
    problems: list[str] = []
    seen: dict[tuple[str, int], Path] = {}
    for path in paths:
        try:
            data, text, digest = load_yaml_file(Path(path))
            defn = parse_definition(data, source=str(path), roles=roles, content_hash=digest)
        except DefinitionError as err:
            problems.extend(err.problems)
            continue
        if defn.key in seen:
            problems.append(f"{path}:1: {defn.name} version {defn.version} is also defined in {seen[defn.key]}")
            continue
        seen[defn.key] = path
        loaded.append(LoadedFile(defn, text, Path(path)))
    if problems:
        raise DefinitionError(problems)
    return loaded


def read_definition_folder(directory: Path, roles: RoleBook, *, paths: Iterable[Path] = ()) -> list[LoadedFile]:
    """Parse and validate `paths` (default: every definition in `directory`), then the links between
    definitions (`opens:`): the opened types are looked up among the files read and, when `paths`
    were given, the folder's other definitions. Every problem is raised together."""
    chosen = [Path(p) for p in paths]
    files = read_definitions(chosen or definition_paths(directory), roles)
    others: list[Definition] = []
    if chosen:
        names = {f.definition.name for f in files}
        for path in definition_paths(directory):
            try:
                others += [f.definition for f in read_definitions([path], roles) if f.definition.name not in names]
            except DefinitionError:
                continue  # a broken neighbour is that file's problem, not this check's
    problems = check_links([f.definition for f in files], among=others)
    if problems:
        raise DefinitionError(problems)
    return files


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sync_definitions(store: Store, files: list[LoadedFile], clock: Clock) -> SyncReport:
    """Store the files' definitions; refuse an edited version that cases already run on."""
    report = SyncReport()
    with store.write() as tx:
        stored = {(s.name, s.version): s for s in tx.stored_definitions()}
        for f in files:
            d = f.definition
            label = f"{d.name} v{d.version}"
            old = stored.get(d.key)
            if old is not None and old.content_hash == d.content_hash:
                report.unchanged.append(label)
                continue
            if old is not None and tx.definition_in_use(d.name, d.version):
                raise DefinitionChanged(
                    f"{f.path}:1: {label} has changed but cases already run on it; "
                    f"bump `version:` to {_next_version(stored, d.name)} to publish the change "
                    "(existing cases keep the old version, new cases get the new one)")
            tx.save_definition(StoredDefinition(d.name, d.version, d.content_hash, str(f.path), f.text),
                               loaded_at=format_time(clock.now()))
            (report.updated if old is not None else report.added).append(label)
    return report


def _next_version(stored: dict[tuple[str, int], StoredDefinition], name: str) -> int:
    return max(v for (n, v) in stored if n == name) + 1


def registry_from_store(store: Store, roles: RoleBook) -> DefinitionRegistry:
    """Every stored definition version, parsed again from its stored text.

    A version this parser refuses (stored by an older, laxer rectiflow) does not stop the start: it is left
    out and named in the registry's `refused`, so read-only commands keep working and whatever needs that
    version says which it is and how to move its cases on (`definitions migrate`)."""
    with store.read() as tx:
        stored = tx.stored_definitions()
    definitions, refused = [], {}
    for s in stored:
        try:
            definitions.append(parse_definition(load_yaml_text(s.text, s.source), source=s.source, roles=roles,
                                                content_hash=s.content_hash))
        except DefinitionError as err:
            refused[s.name, s.version] = err.problems[0] if err.problems else str(err)
    return DefinitionRegistry(definitions, roles, refused=refused)
