"""Deterministic benchmark data: N cases written by the engine itself, fast enough for a million.

Every event is made by the real CaseService (checks, guards, deadlines, sealing, projection); only
where it is kept differs. Small N (`through_engine=True`) writes through the SQL store, one
transaction per step, exactly as production does. Large N runs the same service on an in-memory
store and bulk-inserts the resulting sealed events and case rows in big transactions — so
`rectiflow audit verify` passes on the generated database either way.

    python -m bench.generate --cases 100000 --db sqlite:///bench/.work/100k.db [--seed N]
"""
from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench import dataset
from bench.common import DEFINITIONS, log
from workflow.adapters.files.blobs import MemoryBlobStore
from workflow.adapters.sql import schema as t
from workflow.adapters.sql import search_index, timeline
from workflow.adapters.sql.case_rows import case_row, event_to_row
from workflow.adapters.sql.sqlstore import upgrade_database
from workflow.bootstrap import Application, build
from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import Casework
from workflow.cases.validation import Attachment
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.engine.machine import Lifecycles
from workflow.errors import WorkflowError
from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.events import Event
from workflow.records import CaseState, Unit, User
from workflow.search_terms import document_terms

BATCH_CASES = 2000


class MemoryStore:
    """ports.Store kept in dicts: the service's transactions run against it unchanged."""

    def __init__(self, units: list[Unit], users: list[User]) -> None:
        self._units = list(units)
        self._unit_map = {u.code: u for u in units}
        self._users = {u.login: u for u in users}
        self.cases: dict[str, tuple[CaseState, str]] = {}
        self.written: dict[str, list[Event]] = {}  # per case, in version order
        self.alerts: list[dict[str, Any]] = []  # handover notices, written with their events
        self.search: dict[str, tuple[str, ...]] = {}  # each case's searchable texts (workflow.search_terms)

    @contextmanager
    def read(self) -> Iterator[MemoryStore]:
        yield self

    write = read  # one caller at a time; a refused step raises before anything is appended

    def get_case(self, case_id: str) -> CaseState | None:
        found = self.cases.get(case_id)
        return found[0] if found else None

    def lock_case(self, case_id: str, **_options: Any) -> CaseState | None:
        return self.get_case(case_id)

    def events(self, case_id: str, *, up_to_version: int | None = None, as_of: str | None = None) -> list[Event]:
        return [e for e in self.written.get(case_id, [])
                if (up_to_version is None or e.version <= up_to_version) and (as_of is None or e.at <= as_of)]

    def append(self, event: Event) -> Event:
        self.written.setdefault(event.case_id, []).append(event)
        return event

    def insert_case(self, case: CaseState, stage: str, search: tuple[str, ...] = ()) -> None:
        self.cases[case.id] = (case, stage)
        self.search[case.id] = search

    def update_case(self, case: CaseState, stage: str, expected_version: int,
                    search: tuple[str, ...] | None = None) -> None:
        self.cases[case.id] = (case, stage)
        if search is not None:
            self.search[case.id] = search

    def get_user(self, login: str) -> User | None:
        return self._users.get(login)

    def users(self) -> list[User]:
        return list(self._users.values())

    def get_unit(self, code: str) -> Unit | None:
        return self._unit_map.get(code)

    def units(self) -> list[Unit]:
        return self._units

    def unit_chain(self, code: str) -> list[Unit]:
        chain: list[Unit] = []
        while code in self._unit_map and all(u.code != code for u in chain):
            chain.append(self._unit_map[code])
            code = self._unit_map[code].parent or ""
        return chain

    def alert_candidates(self, unit: str, *, roles_anywhere: Any, login: str | None) -> list[User]:
        """As workflow.adapters.memory: active users in the unit's chain or in no unit, of `roles_anywhere`, `login`."""
        chain = {u.code for u in self.unit_chain(unit)}
        return [u for u in self._users.values() if u.active and (
            u.unit is None or u.unit in chain or u.login == login or u.role in roles_anywhere)]

    def all_case_ids(self) -> list[str]:
        return sorted(self.cases)

    def self_report_windows(self, campaign: str | None = None) -> list[Any]:
        return []  # the generated campaign has no plan loaded

    def campaign_keys(self) -> list[str]:
        return []  # no plan loaded: every generated case is outside every campaign

    def get_campaign(self, key: str) -> None:
        return None

    def org_held_since(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def add_alerts(self, rows: list[dict[str, Any]]) -> None:
        self.alerts += rows

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"bench.generate.MemoryStore has no {name!r}: the engine's store port grew — "
                                  "add it here (or generate with --through-engine)")

    def take(self) -> tuple[list[Event], list[tuple[CaseState, str]], list[dict[str, Any]], dict[str, tuple[str, ...]]]:
        """Everything written since the last take (each case's events in version order, then its alerts,
        and the searchable texts of the cases)."""
        events = [e for evs in self.written.values() for e in evs]
        rows, alerts, search = list(self.cases.values()), self.alerts, self.search
        self.written, self.cases, self.alerts, self.search = {}, {}, [], {}
        return events, rows, alerts, search


@dataclass
class Generated:
    cases: int
    events: int
    seconds: float
    stages: dict[str, int]
    refused: int = 0


def seed_directory(app: Application, n_cases: int) -> None:
    """Units and users straight into their tables (one shared password hash; demo password)."""
    from workflow.directory.passwords import hash_password

    units, users = dataset.directory(n_cases)
    pw = hash_password("rectiflow-demo")
    with app.store.write() as tx:
        for unit in units:
            tx.add_unit(unit)
        for i, u in enumerate(users):
            tx.add_user(User(u.login, u.name, u.role, u.unit, pw, True, f"{i:032x}"))


def make_app(url: str, instance: Path, now: Any = None) -> Application:
    """The engine on a benchmark database, with the definitions of this checkout.

    A dataset outlives the code that made it; its stored definition texts are replaced by the
    current files (same names and versions), so a stricter parser or a fixed label does not lock
    the benchmarks out of their own data. Never do this to a real database.
    """
    from sqlalchemy import delete

    from workflow.adapters.sql import schema as t
    from workflow.adapters.sql.sqlstore import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(t.definitions))
    finally:
        engine.dispose()
    settings = Settings(database_url=url, definitions_dir=DEFINITIONS, instance_dir=instance)
    return build(settings, clock=FixedClock(now or dataset.NOW))


def deterministic_ids(rng: random.Random) -> Callable[[], str]:
    """Case ids from the seed instead of the OS (same data on every run)."""
    return lambda: "c" + f"{rng.getrandbits(64):016x}"


def run_case(service: CaseService, clock: FixedClock, steps: list[dataset.Step], start: Any) -> int:
    """Play one case's script until the benchmark's now; 1 if the engine refused a step, else 0.

    A refused optional step ends its branch; any other refusal ends the case where it stands (the
    definitions evolve — the data stays valid, and the refusal count shows the script drifting).
    """
    at, case_id, skipping = start, None, False
    for step in steps:
        at = at + step.delay
        if at >= dataset.NOW:
            return 0
        if skipping and step.optional:
            continue
        skipping = False
        clock.set(at)
        try:
            if step.kind == "open":
                case_id = service.open_case(step.case_type, actor=step.actor, title=step.title, unit=step.unit,
                                            fields=step.fields).id
            elif step.kind == "advance":
                files = [Attachment("evidence", "佐证.txt", dataset.EVIDENCE)] if step.evidence else []
                service.advance(case_id, step.trigger, actor=step.actor, fields=step.fields, attachments=files,
                                comment=step.comment)
            elif step.kind == "assign":
                service.assign(case_id, actor=step.actor, assignee=step.assignee)
            else:
                service.add_comment(case_id, actor=step.actor, text=step.comment or "")
        except WorkflowError:
            if step.kind == "open":
                raise
            if not step.optional:
                return 1
            skipping = True
    return 0


def generate(url: str, n_cases: int, *, seed: int, instance: Path, through_engine: bool | None = None) -> Generated:
    """Create (migrate) the database at `url` and fill it with `n_cases` cases."""
    t0 = time.perf_counter()
    upgrade_database(url)
    app = make_app(url, instance)
    try:
        seed_directory(app, n_cases)
        through_engine = n_cases <= 500 if through_engine is None else through_engine
        id_rng = random.Random(seed)
        units, users = dataset.directory(n_cases)
        memory = MemoryStore(units, users)
        clock = FixedClock(dataset.NOW)
        casework = Casework(app.registry, Lifecycles(), DeadlinePolicy(app.calendar), app.calendar.tzinfo,
                            new_id=deterministic_ids(id_rng))
        store = app.store if through_engine else memory
        service = CaseService(store, casework, clock, MemoryBlobStore())  # type: ignore[arg-type]
        stages: dict[str, int] = {}
        events = refused = 0
        for i in range(n_cases):
            rng = random.Random(seed * 1_000_003 + i)
            start = dataset.opened_at(rng)
            refused += run_case(service, clock, dataset.script(rng, i, n_cases, start), start)
            if not through_engine and (i + 1) % BATCH_CASES == 0:
                events += _flush(app, memory, stages)
                if (i + 1) % (BATCH_CASES * 25) == 0:
                    log(f"generated {i + 1:,} cases, {events:,} events ({time.perf_counter() - t0:.0f} s)")
        if not through_engine:
            events += _flush(app, memory, stages)
            with app.store.engine.begin() as conn:  # bulk inserts bypass the store: derive the battle map's rows
                timeline.rebuild(conn)
        if through_engine:
            events, stages = _count(app)
        return Generated(n_cases, events, time.perf_counter() - t0, dict(sorted(stages.items())), refused)
    finally:
        app.close()


def _flush(app: Application, memory: MemoryStore, stages: dict[str, int]) -> int:
    events, rows, alerts, search = memory.take()
    with app.store.engine.begin() as conn:
        if events:
            conn.execute(insert(t.case_events), [event_to_row(e) for e in events])
        if rows:
            conn.execute(insert(t.cases), [case_row(case, stage) for case, stage in rows])
        for case_id, texts in search.items():  # the keyword index, as the store writes it
            search_index.write(conn, case_id, document_terms(texts), new=True)
        if alerts:
            conn.execute(insert(t.alerts), alerts)
    for _case, stage in rows:
        stages[stage] = stages.get(stage, 0) + 1
    return len(events)


def _count(app: Application) -> tuple[int, dict[str, int]]:
    from sqlalchemy import func, select

    with app.store.engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(t.case_events)).scalar_one()
        stages = dict(conn.execute(select(t.cases.c.stage, func.count()).group_by(t.cases.c.stage)).all())
    return int(events), stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty (or missing) database")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--instance", type=Path, default=Path("bench/.work/instance"))
    parser.add_argument("--through-engine", action="store_true", help="write every step through the SQL store")
    args = parser.parse_args()
    done = generate(args.db, args.cases, seed=args.seed, instance=args.instance,
                    through_engine=True if args.through_engine else None)
    print(f"{done.cases:,} cases, {done.events:,} events in {done.seconds:.1f} s; stages {done.stages}; "
          f"{done.refused} scripted steps refused by the engine")


if __name__ == "__main__":
    main()
