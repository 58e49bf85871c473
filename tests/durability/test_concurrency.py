"""Concurrency: racing advances of one case — threads, separate processes, the CLI — on both databases.

Whoever races, from the same state: exactly one advance succeeds, every other one gets a conflict
(or, having seen the new state, a refusal), and exactly one event is written. Many cases advanced
at once from several threads never surface "database is locked" (SQLite) or any other error.
"""
from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cli_process import run_cli, start_cli
from engine_children import race_advance
from factories import event_count, open_rectification_item

from workflow.audit.verify import verify
from workflow.errors import ConcurrencyConflict, TransitionNotAllowed, WorkflowError

THREADS = 6
ROUNDS = 4


def race(n: int, fn: Callable[[], Any]) -> list[Any]:
    """Run `fn` in n threads released together; return each result or the WorkflowError it raised."""
    barrier = threading.Barrier(n)

    def one() -> Any:
        barrier.wait(timeout=30)
        try:
            return fn()
        except WorkflowError as err:
            return err

    with ThreadPoolExecutor(n) as pool:
        return [f.result(timeout=120) for f in [pool.submit(one) for _ in range(n)]]


def assert_verified(app: Any) -> None:
    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems


@pytest.mark.parametrize("threads", [2, THREADS], ids=["two", "many"])
def test_threads_with_the_same_expected_version_one_wins(shared_app, shared_url, threads):
    for _ in range(ROUNDS):
        case = open_rectification_item(shared_app)
        outcomes = race(threads, lambda: shared_app.cases.advance(case.id, "verify", actor="supervisor",
                                                             expected_version=1))
        winners = [o for o in outcomes if not isinstance(o, Exception)]
        losers = [o for o in outcomes if isinstance(o, Exception)]
        assert len(winners) == 1 and winners[0].version == 2 and winners[0].state == "verified"
        assert all(type(err) is ConcurrencyConflict for err in losers), losers
        assert event_count(shared_url, case.id) == 2
        assert shared_app.cases.get(case.id).to_dict() == winners[0].to_dict()
    assert_verified(shared_app)


def test_threads_without_expected_version_one_wins(shared_app, shared_url):
    """Without a version, racing advances are serialised by the row lock: never two `verify` events."""
    for _ in range(ROUNDS):
        case = open_rectification_item(shared_app)
        outcomes = race(THREADS, lambda: shared_app.cases.advance(case.id, "verify", actor="supervisor"))
        winners = [o for o in outcomes if not isinstance(o, Exception)]
        assert len(winners) == 1
        # A loser is judged against the winner's result (the trigger no longer applies) or, on a
        # lost race for the lock, told of the conflict; never "database is locked".
        for err in outcomes:
            if isinstance(err, Exception):
                assert type(err) in (ConcurrencyConflict, TransitionNotAllowed), repr(err)
        assert event_count(shared_url, case.id) == 2
    assert_verified(shared_app)


def test_a_version_seen_before_someone_else_acted_is_a_conflict(shared_app, shared_url):
    """A form shows v1; B changes a field the step takes (v2); A submits saying it saw v1 — a
    conflict, even though the step would still be possible: a concurrent change is never silently merged."""
    case = open_rectification_item(shared_app)
    service = shared_app.cases
    service.update_fields(case.id, actor="supervisor2", fields={"subject": "某所长"})  # B: v2, `verify` takes it
    with pytest.raises(ConcurrencyConflict, match="you saw version 1"):
        service.advance(case.id, "verify", actor="supervisor", expected_version=1)
    assert event_count(shared_url, case.id) == 2
    assert service.get(case.id).state == "reported"
    assert_verified(shared_app)


def test_a_comment_meanwhile_does_not_make_a_step_form_stale(shared_app, shared_url):
    """A comment (or a field the step does not read) changes nothing the step decided on: A's step,
    made on v1, goes through after B's comment (v2) and B's correction of an unrelated field (v3)."""
    case = open_rectification_item(shared_app)
    service = shared_app.cases
    service.add_comment(case.id, actor="supervisor2", text="先看一下材料")
    service.update_fields(case.id, actor="supervisor2", fields={"description": "补充：涉及3份审批"})
    done = service.advance(case.id, "verify", actor="supervisor", expected_version=1)
    assert (done.state, done.version, done.fields["description"]) == ("verified", 4, "补充：涉及3份审批")
    assert event_count(shared_url, case.id) == 4
    assert_verified(shared_app)


class _BlockingBlobs:
    """The service's blob store, holding thread A's upload until B has committed."""

    def __init__(self, inner: Any, stored: threading.Event, release: threading.Event) -> None:
        self.inner, self.stored, self.release = inner, stored, release

    def put(self, data: bytes) -> str:
        digest = self.inner.put(data)
        if threading.current_thread().name == "A":
            self.stored.set()
            assert self.release.wait(30)
        return digest

    def get(self, sha256: str) -> bytes | None:
        return self.inner.get(sha256)


@pytest.mark.parametrize("expected", [None, 3], ids=["no-version-given", "expected-version"])
@pytest.mark.parametrize("meanwhile", ["assign", "comment"])
def test_a_change_while_files_are_being_stored_is_judged_against_what_the_step_saw(shared_app, shared_url, expected,
                                                                                   meanwhile):
    """Files are stored before the write transaction (the lock is never held for an upload); the
    version read before storing them is the one the transaction judges against — with or without a
    version from the caller. Deterministic interleaving: A stores its file, B commits, A writes.
    B taking the case over makes A's step stale (a conflict, nothing written); B's comment does not."""
    from workflow.cases.validation import Attachment

    case = open_rectification_item(shared_app)
    service = shared_app.cases
    service.advance(case.id, "verify", actor="supervisor")
    service.advance(case.id, "dispatch", actor="supervisor",  # v3: the next step takes evidence files
                    fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-12-31"})
    stored, release = threading.Event(), threading.Event()
    plain = service.blobs
    service.blobs = _BlockingBlobs(plain, stored, release)
    outcome: dict[str, Any] = {}
    try:
        def a() -> None:
            try:
                outcome["a"] = service.advance(
                    case.id, "report_rectified", actor="handler", expected_version=expected,
                    fields={"result": "材料已补齐"}, attachments=[Attachment("evidence", "a.txt", b"evidence")])
            except WorkflowError as err:
                outcome["a"] = err

        thread_a = threading.Thread(target=a, name="A")
        thread_a.start()
        assert stored.wait(30)
        if meanwhile == "assign":
            outcome["b"] = service.assign(case.id, actor="supervisor2", assignee="unit_head")
        else:
            outcome["b"] = service.add_comment(case.id, actor="supervisor2", text="B 先动了")
        release.set()
        thread_a.join(30)
    finally:
        service.blobs = plain
    assert outcome["b"].version == 4
    if meanwhile == "assign":
        assert type(outcome["a"]) is ConcurrencyConflict, outcome["a"]
        assert event_count(shared_url, case.id) == 4
        assert service.get(case.id).state == "rectifying"
    else:
        assert not isinstance(outcome["a"], WorkflowError), outcome["a"]
        assert event_count(shared_url, case.id) == 5
        assert service.get(case.id).state == "signoff_pending"
    assert_verified(shared_app)


@pytest.mark.parametrize("expected", [None, 1], ids=["pre-read-version", "expected-version"])
def test_separate_processes_race_one_wins(shared_app, shared_url, shared_instance, expected):
    """Spawned processes (own engine, own connection pool) released together at a barrier."""
    ctx = multiprocessing.get_context("spawn")
    processes = 4
    case = open_rectification_item(shared_app)
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    children = [ctx.Process(target=race_advance, args=(shared_url, str(shared_instance), case.id, expected,
                                                        barrier, results)) for _ in range(processes)]
    for child in children:
        child.start()
    try:
        outcomes = [results.get(timeout=120) for _ in children]
    finally:
        for child in children:
            child.join(60)
    assert [child.exitcode for child in children] == [0] * processes
    winners = [o for o in outcomes if o[0] == "ok"]
    assert winners == [("ok", 2)], outcomes
    allowed = {"ConcurrencyConflict"} | ({"TransitionNotAllowed"} if expected is None else set())
    assert {kind for kind, _ in outcomes if kind != "ok"} <= allowed, outcomes
    assert event_count(shared_url, case.id) == 2
    assert_verified(shared_app)


def test_cli_processes_race_one_wins_others_exit_4(shared_app, shared_url, shared_instance):
    """`rectiflow case advance --expect-version` from several OS processes: one 0, the rest exit 4."""
    case = open_rectification_item(shared_app)
    procs = [start_cli(shared_url, shared_instance, "case", "advance", case.id, "verify", "--as", "supervisor",
                       "--expect-version", "1", "--json") for _ in range(3)]
    finished = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in finished)
    assert codes == [0, 4, 4], finished
    for code, out, err in finished:
        assert "Traceback" not in err
        if code == 4:
            assert '"error": "ConcurrencyConflict"' in out
    assert event_count(shared_url, case.id) == 2
    verified = run_cli(shared_url, shared_instance, "audit", "verify", "--json")
    assert verified.code == 0 and verified.json()["ok"] is True


def test_many_cases_from_many_threads_never_surface_a_lock_error(shared_app, shared_url):
    """Each thread drives its own cases through several steps while the others write too."""
    cases = [open_rectification_item(shared_app) for _ in range(THREADS * 3)]
    mine = [cases[i::THREADS] for i in range(THREADS)]
    errors: list[BaseException] = []

    def drive(own: list[Any]) -> None:
        try:
            for case in own:
                s = shared_app.cases
                s.advance(case.id, "verify", actor="supervisor")
                s.assign(case.id, actor="supervisor", assignee="handler")
                s.add_comment(case.id, actor="handler", text="收到")
                s.advance(case.id, "dispatch", actor="supervisor",
                          fields={"measure": "整改", "owner": "handler", "rectify_by": "2026-06-30"})
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=drive, args=(own,)) for own in mine]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors  # in particular no StoreBusy ("database is locked")
    for case in cases:
        assert shared_app.cases.get(case.id).version == 5
        assert event_count(shared_url, case.id) == 5
    assert_verified(shared_app)
