"""The sweep lease: one owner at a time, renewed while sweeping, handed over on release or expiry."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from factories import local, open_many, open_rect
from sqlalchemy import select

from workflow.adapters.sql import schema as t
from workflow.escalation.sweep import LeaseHeld, sweep_under_lease

TTL = timedelta(minutes=3)


def test_one_owner_at_a_time_until_release_or_expiry(esc, lease_clock) -> None:
    a, b = esc.lease(owner="host-a", ttl=TTL), esc.lease(owner="host-b", ttl=TTL)
    assert a.acquire() and not b.acquire()
    assert a.holder()[0] == "host-a"
    lease_clock.advance(minutes=2)
    assert a.renew() and not b.acquire()  # renewed: another three minutes from now
    lease_clock.advance(minutes=2)
    assert not b.acquire()
    a.release()
    assert b.acquire() and not a.acquire()
    lease_clock.advance(minutes=3)  # b died without releasing: its lease runs out
    assert a.acquire() and a.holder()[0] == "host-a"


def test_a_sweep_refuses_to_start_while_another_process_holds_the_lease(esc_app, esc, clock) -> None:
    open_rect(esc_app)
    clock.set(local("2026-03-20T00:00"))
    assert esc.lease(owner="scheduler@host-a", ttl=TTL).acquire()
    with pytest.raises(LeaseHeld, match="scheduler@host-a holds the escalation-sweep lease"):
        sweep_under_lease(esc.sweeper(fired_by="b"), esc.lease(owner="escalate@host-b", ttl=TTL))
    assert esc.firings() == []


def test_sweeping_under_the_lease_releases_it_afterwards(esc_app, esc, clock) -> None:
    open_rect(esc_app)
    clock.set(local("2026-03-20T00:00"))
    result = sweep_under_lease(esc.sweeper(fired_by="a"), esc.lease(owner="a", ttl=TTL))
    assert result.to_dict()["count"] == 3
    assert esc.lease(owner="b", ttl=TTL).acquire()


def test_a_sweeper_that_lost_its_lease_stops(esc_app, esc, clock, lease_clock) -> None:
    open_many(esc_app, 3)
    clock.set(local("2026-03-20T00:00"))
    a = esc.lease(owner="a", ttl=TTL)
    assert a.acquire()
    lease_clock.advance(minutes=4)  # a stalled (GC pause, network) past its lease
    assert esc.lease(owner="b", ttl=TTL).acquire()
    result = esc.sweeper(fired_by="a").sweep(keep_going=a.renew)
    assert result.stopped and result.fired == []


def test_postgresql_passes_over_a_locked_case_instead_of_waiting(make_esc_app, pg_url, clock, lease_clock) -> None:
    app = make_esc_app(pg_url)
    busy, free = open_rect(app, title="busy"), open_rect(app, title="free")
    clock.set(local("2026-03-20T00:00"))
    holder = app.store.engine.connect()
    tx = holder.begin()
    holder.execute(select(t.cases.c.id).where(t.cases.c.id == busy.id).with_for_update())  # someone is editing it
    results = []
    sweeper = app.escalations.sweeper(fired_by="a")
    worker = threading.Thread(target=lambda: results.append(sweeper.sweep()))
    worker.start()
    worker.join(timeout=60)
    waited = worker.is_alive()
    tx.rollback()
    holder.close()
    worker.join()
    assert not waited, "the sweep waited for a row lock instead of skipping it"
    assert {f.case for f in results[0].fired} == {free.id} and busy.id in results[0].passed_over
    assert {f.case for f in sweeper.sweep().fired} == {busy.id}
