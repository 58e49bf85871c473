"""APScheduler wiring: a BlockingScheduler for `rectiflow scheduler`, a BackgroundScheduler for `serve`.

One interval job, registered at start-up in the default memory job store (never one job per case:
due times live on the case rows), with ``coalesce=True`` (a backlog of runs is one run),
``max_instances=1`` and an explicit ``misfire_grace_time`` (APScheduler's default of 1 s would
silently skip a late run). The first run starts immediately, which is the catch-up after downtime.
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from scheduler.jobs import CheckpointJob, SweepJob
from workflow.bootstrap import Application

JOB_ID = "escalation-sweep"
CHECKPOINT_JOB_ID = "audit-checkpoint"
log = logging.getLogger("rectiflow.scheduler")


def owner_id(role: str = "scheduler") -> str:
    """Who holds the lease: host, process and a random tag (pids repeat across hosts and restarts)."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def add_sweep_job(scheduler: BaseScheduler, job: SweepJob, interval: int) -> Job:
    """Register the sweep on `scheduler` (not started) and report missed or failed runs in the log."""
    scheduler.add_listener(_log_trouble, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler.add_job(job, "interval", seconds=interval, id=JOB_ID, name="escalation sweep",
                             replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=interval,
                             next_run_time=datetime.now(UTC))


def add_checkpoint_job(scheduler: BaseScheduler, app: Application, sweep: SweepJob) -> Job | None:
    """Sign a checkpoint every RECTIFLOW_CHECKPOINT_INTERVAL seconds (default daily) — when a key is configured."""
    if app.settings.audit_key is None:
        log.info("no RECTIFLOW_AUDIT_KEY: the scheduler signs no checkpoints")
        return None
    interval = app.settings.checkpoint_interval
    return scheduler.add_job(CheckpointJob(app.checkpoints, sweep), "interval", seconds=interval,
                             id=CHECKPOINT_JOB_ID, name="audit checkpoint", replace_existing=True, coalesce=True,
                             max_instances=1, misfire_grace_time=interval)


def _with_log(app: Application, owner: str) -> SweepJob:
    return SweepJob(app.escalations, owner, sequence=app.checkpoints.sequence)


def _log_trouble(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("sweep run due at %s was missed; the next run catches up", event.scheduled_run_time)
    else:
        log.error("sweep failed: %r (the next run retries; nothing half-written)", event.exception)


def blocking_scheduler(app: Application, *, owner: str | None = None) -> tuple[BlockingScheduler, SweepJob]:
    """The standalone scheduler (`rectiflow scheduler`), not started yet."""
    scheduler = BlockingScheduler(timezone=UTC)
    job = _with_log(app, owner or owner_id())
    add_sweep_job(scheduler, job, app.settings.scheduler_interval)
    add_checkpoint_job(scheduler, app, job)
    return scheduler, job


def background_scheduler(app: Application, *, owner: str | None = None) -> tuple[BackgroundScheduler, SweepJob]:
    """The sweep for embedding in another process (e.g. each web worker), not started yet."""
    scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
    job = _with_log(app, owner or owner_id("web"))
    add_sweep_job(scheduler, job, app.settings.scheduler_interval)
    add_checkpoint_job(scheduler, app, job)
    return scheduler, job


def start_background_scheduler(app: Application, *, owner: str | None = None) -> tuple[BackgroundScheduler, SweepJob]:
    """Embed the sweep in another process (e.g. each web worker): started, guarded by the lease.

    Every worker may call this; the lease lets one of them sweep at a time. Call
    ``stop_background_scheduler`` at exit so the lease is handed over at once.
    """
    scheduler, job = background_scheduler(app, owner=owner)
    scheduler.start()
    return scheduler, job


def stop_background_scheduler(scheduler: BaseScheduler, job: SweepJob) -> None:
    scheduler.shutdown(wait=True)
    job.release()


def run_forever(app: Application) -> None:
    """Run the standalone scheduler until SIGTERM/SIGINT, then give up the lease."""
    scheduler, job = blocking_scheduler(app)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping after the current run", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler %s: sweeping every %ds", job.owner, app.settings.scheduler_interval)
    try:
        scheduler.start()
    finally:
        job.release()
        log.info("scheduler %s stopped; lease released", job.owner)
