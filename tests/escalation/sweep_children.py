"""Helpers of the escalation tests (plain code: imported by the tests and by spawned child processes)."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # the suite's clock: Monday 09:00 in Beijing
SHIPPED = ("roles.yaml", "rectification_item.yaml", "clue.yaml")
RECT_FIELDS = {"description": "3份外出审批缺少司法所意见", "category": "commutation_parole",
               "discovery_channel": "self_report"}


def local(text: str) -> datetime:
    """An aware UTC instant from a Beijing wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def copy_definitions(target: Path, *, extra: tuple[Path, ...] = ()) -> Path:
    """The shipped case types this feature tests, the roles, the calendar and any test-only files.

    A private copy keeps these tests independent of unrelated definition files being edited.
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        shutil.copy(REPO / "definitions" / name, target / name)
    shutil.copytree(REPO / "definitions" / "calendars", target / "calendars", dirs_exist_ok=True)
    for path in extra:
        shutil.copy(path, target / path.name)
    return target


def build_app(url: str, definitions: Path, instance: Path, clock: Any, **settings: Any) -> Any:
    from workflow.bootstrap import build
    from workflow.config import Settings

    app = build(Settings(database_url=url, definitions_dir=definitions, instance_dir=instance, **settings),
                clock=clock)
    assert not app.warnings, app.warnings
    return app


def seed_directory(app: Any) -> None:
    """The demo units and users (rectiflow.demo), without passwords: hashing them is slow and unused here."""
    from rectiflow.demo import UNITS, USERS

    for code, name, parent in UNITS:
        app.directory.add_unit(code, name=name, parent=parent)
    for login, role, unit, name in USERS:
        app.directory.add_user(login, role=role, unit=unit, name=name)


def open_rect(app: Any, *, unit: str = "xf-sfs-1", title: str = "整改事项") -> Any:
    return app.cases.open_case("rectification_item", actor="registrar", unit=unit, title=title,
                                 fields=RECT_FIELDS)


def open_many(app: Any, n: int) -> list[str]:
    return [open_rect(app, title=f"事项{i}").id for i in range(n)]


def sweep_in_child(url: str, definitions: str, instance: str, now_iso: str, fired_by: str) -> int:
    """Entry point of a spawned process: sweep without the lease (as a misconfigured second sweeper)."""
    from workflow.clock import FixedClock

    app = build_app(url, Path(definitions), Path(instance), FixedClock(datetime.fromisoformat(now_iso)))
    try:
        return len(app.escalations.sweeper(fired_by=fired_by, batch=50).sweep().fired)
    finally:
        app.close()


def days(n: float) -> timedelta:
    return timedelta(days=n)


def sweep_then_hang(url: str, definitions: str, instance: str, now_iso: str, hang_at: int, conn: Any) -> None:
    """Entry point of a spawned process: sweep in batches and stop for good inside the batch's transaction,
    after `hang_at` cases of it have fired (their events, firing rows and alerts written, not committed)."""
    import time

    from workflow.adapters.sql.sqltx import SqlTx
    from workflow.clock import FixedClock

    app = build_app(url, Path(definitions), Path(instance), FixedClock(datetime.fromisoformat(now_iso)))
    real, written = SqlTx.add_alerts, [0]

    def add_alerts(self: Any, rows: list[dict[str, Any]]) -> None:
        real(self, rows)
        written[0] += 1
        if written[0] == hang_at:
            conn.send("in the transaction")
            time.sleep(600)  # the parent kills us here

    SqlTx.add_alerts = add_alerts  # type: ignore[method-assign]
    app.escalations.sweeper(fired_by="doomed").sweep()
