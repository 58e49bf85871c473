"""The composition root: wires settings, database, definitions, calendar and clock into a CaseService.

`web`, `scheduler` and the CLI all start here, so each runs the same engine the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from workflow.adapters.files.blobs import FileBlobStore
from workflow.adapters.sql.campaign_tables import facts_hook
from workflow.adapters.files.definition_files import (
    definition_paths, load_roles, read_definitions, registry_from_store, sync_definitions,
)
from workflow.adapters.sql.sqlstore import SqlStore, make_engine, schema_status
from workflow.adapters.files.yaml_files import load_yaml_file
from workflow.escalation.calendar import WorkingCalendar, parse_calendar
from workflow.clock import FixedClock, SystemClock
from workflow.config import Settings
from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.directory.staff import Directory
from workflow.errors import DefinitionError, WorkflowError
from workflow.ports import Clock
from workflow.definitions.registry import DefinitionRegistry, Role
from workflow.cases.service import CaseService

CALENDAR_FILE = "calendars/cn-mainland.yaml"


class DatabaseNotReady(WorkflowError):
    """The schema is missing or old: run `rectiflow db upgrade`."""


@dataclass
class Rectiflow:
    """Everything an interface needs, built once per process."""

    settings: Settings
    engine: Engine
    store: SqlStore
    roles: dict[str, Role]
    registry: DefinitionRegistry
    calendar: WorkingCalendar
    clock: Clock
    service: CaseService
    directory: Directory
    warnings: list[str] = field(default_factory=list)


def make_clock(settings: Settings) -> Clock:
    return FixedClock(settings.now) if settings.now else SystemClock()


def load_calendar(settings: Settings) -> WorkingCalendar:
    data, _, _ = load_yaml_file(settings.definitions_dir / CALENDAR_FILE)
    return parse_calendar(data)


def build(settings: Settings, *, clock: Clock | None = None, sync: bool = True,
          engine: Engine | None = None) -> Rectiflow:
    """Build the engine on the configured database.

    With `sync`, definition files are stored first; a file that cannot be loaded (invalid, or
    changed without a version bump) is reported in `warnings` and the stored versions stay in use.
    """
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        return _assemble(settings, engine, clock, sync)
    except BaseException:
        if own_engine:  # a build that fails (schema not ready, bad files) leaves no pooled connection behind
            engine.dispose()
        raise


def _assemble(settings: Settings, engine: Engine, clock: Clock | None, sync: bool) -> Rectiflow:
    ensure_schema(engine)
    store = SqlStore(engine)
    clock = clock or make_clock(settings)
    roles = load_roles(settings.definitions_dir)
    warnings: list[str] = []
    if sync:
        try:
            files = read_definitions(definition_paths(settings.definitions_dir), roles)
            sync_definitions(store, files, clock)
        except DefinitionError as err:
            warnings.extend(err.problems)
    registry = registry_from_store(store, roles)
    calendar = load_calendar(settings)
    service = CaseService(store, registry, clock, FileBlobStore(settings.instance_dir / "attachments"),
                          deadline_hook=DeadlinePolicy(calendar), max_attachment_bytes=settings.max_attachment_bytes,
                          facts=facts_hook(calendar.tzinfo))
    return Rectiflow(settings, engine, store, roles, registry, calendar, clock, service,
                     Directory(store, set(roles)), warnings)


def ensure_schema(engine: Engine) -> None:
    applied, heads = schema_status(engine)
    if not applied:
        raise DatabaseNotReady("the database is not initialised: run `rectiflow db upgrade` first")
    if applied != heads:
        raise DatabaseNotReady(f"the database schema is at {', '.join(sorted(applied))}, the code needs "
                               f"{', '.join(sorted(heads))}: run `rectiflow db upgrade`")
