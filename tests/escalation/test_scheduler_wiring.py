"""APScheduler wiring: the job's settings, standby behind the lease, the embedded and standalone schedulers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from apscheduler.events import EVENT_JOB_EXECUTED
from factories import local, open_many, open_rect

from scheduler.jobs import SweepJob
from scheduler.runner import JOB_ID, background_scheduler, blocking_scheduler, stop_background_scheduler


def test_the_sweep_job_is_coalesced_single_and_tolerates_lateness(make_esc_app, sqlite_url) -> None:
    app = make_esc_app(sqlite_url, scheduler_interval=45)
    scheduler, job = blocking_scheduler(app, owner="test-owner")
    registered = scheduler.get_job(JOB_ID)
    assert registered.trigger.interval == timedelta(seconds=45)
    assert (registered.coalesce, registered.max_instances, registered.misfire_grace_time) == (True, 1, 45)
    assert registered.func is job and job.owner == "test-owner"


def test_a_second_process_stands_by_while_the_first_holds_the_lease(sqlite_esc_app, clock, lease_clock) -> None:
    open_many(sqlite_esc_app, 2)
    clock.set(local("2026-03-20T09:00"))
    esc = sqlite_esc_app.escalations
    first, second = SweepJob(esc, "host-a"), SweepJob(esc, "host-b")
    assert len(first().fired) == 6
    assert second() is None  # standing by: the lease is held between runs
    assert first().fired == []  # the holder renews and finds nothing new
    first.release()
    assert second() is not None and esc.lease(owner="host-a").holder()[0] == "host-b"


def test_an_embedded_background_scheduler_sweeps_at_start(sqlite_esc_app, clock) -> None:
    open_rect(sqlite_esc_app)
    clock.set(local("2026-03-20T09:00"))
    ran = threading.Event()
    scheduler, job = background_scheduler(sqlite_esc_app, owner="web-worker-1")
    scheduler.add_listener(lambda event: ran.set(), EVENT_JOB_EXECUTED)
    scheduler.start()
    try:
        assert ran.wait(timeout=60), "the first sweep did not run at start-up"
    finally:
        stop_background_scheduler(scheduler, job)
    assert len(sqlite_esc_app.escalations.firings()) == 3
    assert sqlite_esc_app.escalations.lease(owner="web-worker-2").acquire()  # released at stop


def test_the_standalone_scheduler_sweeps_and_releases_its_lease_on_sigterm(sqlite_esc_app, defs, tmp_path) -> None:
    open_rect(sqlite_esc_app)
    env = {**os.environ, "RECTIFLOW_DATABASE_URL": sqlite_esc_app.settings.database_url,
           "RECTIFLOW_DEFINITIONS": str(defs), "RECTIFLOW_INSTANCE": str(tmp_path / "instance"),
           "RECTIFLOW_NOW": "2026-03-20T09:00:00+08:00"}
    rectiflow = Path(sys.executable).with_name("rectiflow")
    proc = subprocess.Popen([str(rectiflow), "scheduler", "--interval", "3600"], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    guard = threading.Timer(120, proc.kill)  # never hang the suite if the process misbehaves
    guard.start()
    try:
        log = []
        for line in proc.stderr:  # blocking reads, no sleeping
            log.append(line)
            if "sweep: fired" in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate()
    finally:
        guard.cancel()
    assert proc.returncode == 0, "".join(log) + rest
    assert "sweep: fired 3 rung(s), 3 late" in "".join(log)
    assert "lease released" in rest
    assert len(sqlite_esc_app.escalations.firings()) == 3
    assert sqlite_esc_app.escalations.lease(owner="another-host").acquire()


def test_two_lease_guarded_schedulers_started_together_sweep_once(make_esc_app, database_url, clock,
                                                                  lease_clock) -> None:
    app = make_esc_app(database_url)
    open_many(app, 100)
    clock.set(local("2026-04-30T09:00"))
    esc = app.escalations
    jobs = [SweepJob(esc, "host-a"), SweepJob(esc, "host-b")]
    start, results = threading.Barrier(2), {}

    def run(job: SweepJob) -> None:
        start.wait()
        results[job.owner] = job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    swept = [r for r in results.values() if r is not None]
    assert len(swept) == 1 and len(swept[0].fired) == 300  # one swept everything, the other stood by
    assert len(esc.firings()) == 300


def test_the_scheduler_signs_checkpoints_when_a_key_is_configured(make_esc_app, sqlite_url, tmp_path) -> None:
    from scheduler.runner import CHECKPOINT_JOB_ID
    from workflow.bootstrap import audit_keygen

    key, _, _ = audit_keygen(tmp_path / "keys", "county")
    app = make_esc_app(sqlite_url, audit_key=key, checkpoint_interval=3600)
    open_rect(app)
    scheduler, job = blocking_scheduler(app, owner="test-owner")
    registered = scheduler.get_job(CHECKPOINT_JOB_ID)
    assert registered.trigger.interval == timedelta(hours=1)
    job()  # the sweep sequences what committed
    assert app.checkpoints.log.size() > 0
    note = registered.func()
    assert note is not None and app.checkpoints.stored()[-1][1] == note
    from dataclasses import replace

    unsigned, _ = blocking_scheduler(replace(app, settings=replace(app.settings, audit_key=None)), owner="other")
    assert unsigned.get_job(CHECKPOINT_JOB_ID) is None  # no key: no checkpoint job
