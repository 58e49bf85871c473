"""The composition root: the only place adapters are built and wired to the core.

`build(settings)` returns the whole `Application` — cases, escalations, campaigns, declarations,
the ledger import, the directory, the audit, the read model — on the configured database, definitions, calendar and
clock. The web UI, the scheduler and the CLI all start here and take what they need from it, so
each runs the same engine the same way; none of them builds an adapter or opens a transaction.
The few things done without a running application (migrating the schema, checking definition
files, the catalogue's inputs) are the functions at the end.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from workflow.adapters.files.audit_keys import AuditKeyFiles
from workflow.adapters.files.blobs import FileBlobStore
from workflow.adapters.files.checked_files import CALENDAR_FILE, check_files
from workflow.adapters.files.checked_files import CheckedFile as CheckedFile  # re-exported for `definitions check`
from workflow.adapters.files.definition_files import (
    ROLES_FILE,
    LoadedFile,
    SyncReport,
    load_roles,
    read_definition_folder,
    registry_from_store,
    sync_definitions,
)
from workflow.adapters.files.ledger_sheets import LedgerSheets
from workflow.adapters.files.plan_files import module_exists_under, read_coverage, read_plan_items
from workflow.adapters.files.xlsx_workbooks import XlsxWorkbooks
from workflow.adapters.files.yaml_files import YamlFileReader
from workflow.adapters.sql import sqlstore
from workflow.adapters.sql.audit_scan import SqlAuditScanner
from workflow.adapters.sql.login_counters import SqlLoginCounters
from workflow.adapters.sql.merkle_log import SqlMerkleLog
from workflow.adapters.sql.sqlqueries import SqlQueries
from workflow.audit.checkpoints import Checkpoints
from workflow.audit.service import Audit
from workflow.audit.witness import Cosigned, CosignerKey
from workflow.audit.witnessing import Witnessing
from workflow.campaigns.coverage import Coverage, PlanItemRef, coverage_problems
from workflow.campaigns.declarations import Declarations
from workflow.campaigns.loader import Campaigns
from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import Casework
from workflow.clock import FixedClock, SystemClock
from workflow.config import Settings
from workflow.definitions.registry import DefinitionRegistry
from workflow.definitions.roles import RoleBook
from workflow.directory.saved_filters import SavedFilters
from workflow.directory.staff import Directory
from workflow.directory.throttle import LoginGuard, ThrottlePolicy
from workflow.documents.service import Documents
from workflow.engine.machine import Lifecycles
from workflow.errors import DefinitionError, InvalidInput, WorkflowError
from workflow.escalation.calendar import WorkingCalendar, parse_calendar
from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.escalation.service import Escalations
from workflow.events import format_time
from workflow.ledger.importer import LedgerImports
from workflow.ports import BlobStore, Clock, ReadModel, Store
from workflow.reporting.workbook import WorkbookWriter


class DatabaseNotReady(WorkflowError):
    """The schema is missing or old: run `rectiflow db upgrade`."""


@dataclass
class Application:
    """Everything an interface needs, built once per process by `build`."""

    settings: Settings
    clock: Clock
    roles: RoleBook
    registry: DefinitionRegistry
    calendar: WorkingCalendar
    store: Store
    blobs: BlobStore
    cases: CaseService
    escalations: Escalations
    campaigns: Campaigns
    declarations: Declarations
    directory: Directory
    audit: Audit
    queries: ReadModel
    ledger: LedgerImports
    workbooks: WorkbookWriter  # .xlsx of reporting tables (ledger, battle map, audit log)
    documents: Documents
    logins: LoginGuard  # the login form's throttled password check
    checkpoints: Checkpoints  # the Merkle log's signed checkpoints
    warnings: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Release the database connections (the application is not used afterwards)."""
        self.store.dispose()

    @functools.cached_property
    def saved_filters(self) -> SavedFilters:
        """Each user's saved inbox filters (private to their owner)."""
        from workflow.adapters.sql.saved_filters import SqlSavedFilters

        return SavedFilters(SqlSavedFilters(self.store.engine), self.clock)  # type: ignore[attr-defined]

    @functools.cached_property
    def witnessing(self) -> Witnessing:
        """The audit administrator's witnessing: checkpoints to carry out, cosignatures brought back."""
        from workflow.adapters.sql.witness_book import SqlWitnessBook

        engine = self.store.engine  # type: ignore[attr-defined]  # built on SqlStore alone (build)
        return Witnessing(SqlWitnessBook(engine), self.checkpoints, lambda: format_time(self.clock.now()))


def build(settings: Settings, *, clock: Clock | None = None, sync: bool = True,
          engine_options: Mapping[str, Any] | None = None) -> Application:
    """Build the application on the configured database.

    With `sync`, definition files are stored first; a file that cannot be loaded (invalid, or
    changed without a version bump) is reported in `warnings` and the stored versions stay in use.
    `engine_options` go to SQLAlchemy's create_engine (the benchmarks set driver options this way).

    Raises:
        DatabaseNotReady: the schema is missing or older than the code.
        DefinitionError: roles.yaml or the calendar is invalid.
    """
    store = sqlstore.SqlStore(sqlstore.make_engine(settings.database_url, synchronous=settings.sqlite_synchronous,
                                                   **dict(engine_options or {})))
    try:
        return _assemble(settings, store, clock or make_clock(settings), sync)
    except BaseException:
        store.dispose()  # a build that fails (schema not ready, bad files) leaves no pooled connection behind
        raise


def _assemble(settings: Settings, store: sqlstore.SqlStore, clock: Clock, sync: bool) -> Application:
    roles = roles_of(settings)  # first: run from the wrong folder, say so (not "the database is not initialised")
    _ensure_schema(store)
    warnings: list[str] = []
    if sync:
        try:
            sync_definitions(store, read_definition_folder(settings.definitions_dir, roles), clock)
        except DefinitionError as err:
            warnings.extend(err.problems)
    registry = registry_from_store(store, roles)
    warnings.extend(str(refusal) for refusal in registry.refusals())
    calendar = load_calendar(settings)
    policy = DeadlinePolicy(calendar)
    blobs = FileBlobStore(settings.instance_dir / "attachments")
    cases = CaseService(store, Casework(registry, Lifecycles(), policy, calendar.tzinfo), clock, blobs,
                        max_attachment_bytes=settings.max_attachment_bytes)
    escalations = Escalations(cases, store, policy, interval=settings.scheduler_interval, lease_clock=SystemClock())
    campaigns = Campaigns(cases, YamlFileReader(), calendar)
    directory, queries = Directory(store, roles, clock), SqlQueries(store.engine)
    documents = Documents(cases, escalations, campaigns, directory, queries, calendar,
                          bulletin_template=settings.bulletin_template)
    checkpoints = Checkpoints(SqlMerkleLog(store.engine), AuditKeyFiles(), clock, settings.audit_key)
    return Application(
        settings, clock, roles, registry, calendar, store, blobs, cases, escalations, campaigns, Declarations(cases),
        directory, Audit(store, SqlAuditScanner(settings.database_url, store), clock, checkpoints=checkpoints,
                         registry=registry), queries,
        LedgerImports(cases, LedgerSheets()), XlsxWorkbooks(), documents,
        LoginGuard(SqlLoginCounters(store.engine), directory, clock, throttle_policy(settings)),
        checkpoints, warnings)


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(per_login=settings.login_failures, per_address=settings.login_failures_per_address,
                          lock=timedelta(minutes=settings.login_lock_minutes))


def make_clock(settings: Settings) -> Clock:
    return FixedClock(settings.now) if settings.now else SystemClock()


def load_calendar(settings: Settings) -> WorkingCalendar:
    """The working-day calendar every command needs (a problem names the file and line, as `definitions check`)."""
    path = settings.definitions_dir / CALENDAR_FILE
    data, _, _ = YamlFileReader().load(path)
    return parse_calendar(data, source=str(path))


def _ensure_schema(store: sqlstore.SqlStore) -> None:
    applied, heads = sqlstore.schema_status(store.engine)
    if not applied:
        raise DatabaseNotReady("database.not_initialised")
    if applied != heads:
        raise DatabaseNotReady("database.schema_old", applied=sorted(applied), heads=sorted(heads))


# ---- without a running application --------------------------------------------------------------
def upgrade_database(settings: Settings) -> str:
    """Create or migrate the schema (idempotent); the database URL, password hidden, for the message."""
    sqlstore.upgrade_database(settings.database_url)
    return make_url(settings.database_url).render_as_string(hide_password=True)


def audit_keygen(directory: Path, name: str) -> tuple[Path, Path, str]:
    """`audit keygen`: a new checkpoint signing key (no database needed); (private file, public file, public key)."""
    from workflow.audit.notes import generate

    signer = generate(name)
    private, public = AuditKeyFiles().write(directory, signer)
    return private, public, signer.verifier.text()


def witness_keygen(directory: Path, name: str) -> tuple[Path, Path, str]:
    """`audit witness keygen`: a new witness (cosigner) key; (private file, public file, public vkey)."""
    from workflow.adapters.files.witness_state import write_witness_key
    from workflow.audit.witness import generate_witness

    signer = generate_witness(name)
    private, public = write_witness_key(directory, signer)
    return private, public, signer.verifier.text()


def witness_cosign(note: str, *, key: Path, state_dir: Path, now: int, log_key: Path | None = None,
                   proof: tuple[str, str] | None = None) -> Cosigned:
    """`audit witness cosign`, from files alone (no settings, no database): check the checkpoint `note`
    against the witness state in `state_dir` and cosign it. `proof` is (text, where it came from)."""
    from workflow.adapters.files.witness_state import WitnessStateDir, read_witness_key
    from workflow.audit.witness import ConsistencyProof, cosign

    signer = read_witness_key(key)
    verifier = AuditKeyFiles().verifier(log_key) if log_key is not None else None
    parsed = ConsistencyProof.from_json(*proof) if proof is not None else None
    with WitnessStateDir(state_dir).locked() as states:
        return cosign(note, signer, states, now=now, log_key=verifier, proof=parsed)


def witness_public_key(path: Path) -> CosignerKey:
    """A witness's public key file (vkey type 0x04)."""
    from workflow.adapters.files.witness_state import read_witness_public

    return read_witness_public(path)


def roles_of(settings: Settings) -> RoleBook:
    """The role vocabulary of the definitions folder.

    Raises:
        InvalidInput: there is no definitions folder there (commands run from the repository root, or
            RECTIFLOW_DEFINITIONS names the folder).
        DefinitionError: roles.yaml is invalid.
    """
    if not (settings.definitions_dir / ROLES_FILE).is_file():
        raise InvalidInput("setting.definitions_missing", setting="RECTIFLOW_DEFINITIONS",
                           path=str(settings.definitions_dir))
    return load_roles(settings.definitions_dir)


def check_definitions(settings: Settings, paths: Iterable[Path] = ()) -> list[LoadedFile]:
    """Validate definition files (default: the whole folder) and their links; DefinitionError lists every problem."""
    return read_definition_folder(settings.definitions_dir, roles_of(settings), paths=paths)


def check_definition_files(settings: Settings, paths: Iterable[Path] = ()) -> tuple[list[CheckedFile], list[str]]:
    """`definitions check`: every file named (folders, patterns, files; default: the whole definitions folder)
    read as what it is — case type, roles, calendar, plan — and validated; the valid files and the problems."""
    return check_files(paths, settings.definitions_dir, roles_of(settings))


def publish_definitions(app: Application) -> SyncReport:
    """Store the folder's definitions (refusing edits of versions cases already use)."""
    files = read_definition_folder(app.settings.definitions_dir, app.roles)
    return sync_definitions(app.store, files, app.clock)


def catalogue_sources(settings: Settings) -> tuple[list[LoadedFile], list[PlanItemRef], Coverage, list[str]]:
    """What `definitions catalogue` is made from — the definition files, the plan's items, the coverage
    map — and what keeps that map from being complete and true (modules are looked up beside `workflow/`)."""
    files = check_definitions(settings)
    items, coverage = read_plan_items(settings.definitions_dir), read_coverage(settings.definitions_dir)
    problems = coverage_problems(coverage, items, [f.definition for f in files],
                                 module_exists=module_exists_under(Path(__file__).resolve().parents[1]))
    return files, items, coverage, problems
