"""The `transitions` wrapper under threads: one shared Lifecycle per definition, many threads firing.

A multi-threaded server shares the registry's Lifecycle objects between all request threads. Here
many threads fire random triggers from random states with random guard contexts on the same
Lifecycles of every shipped definition, and every answer is compared with what the definition
says (the destination, or the refusal and its reason). Afterwards no thread's machine holds more
than its own one model: memory does not grow with the number of cases or calls.
"""
from __future__ import annotations

import random
import threading
from datetime import timedelta
from typing import Any

import pytest
from factories import DEFINITIONS, START

from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions
from workflow.definitions.guards import GuardContext, evaluate
from workflow.definitions.model import Definition
from workflow.engine.machine import Lifecycle
from workflow.errors import GuardRejected, TransitionNotAllowed

THREADS = 12
CALLS_PER_THREAD = 600
ACTORS = ["registrar", "handler", "supervisor", "leader"]


@pytest.fixture(scope="module")
def lifecycles() -> list[Lifecycle]:
    loaded = read_definitions(definition_paths(DEFINITIONS), load_roles(DEFINITIONS))
    return [Lifecycle(f.definition) for f in loaded]


def random_context(rng: random.Random, defn: Definition) -> GuardContext:
    """Values the guards look at, drawn from what the definition's guards compare against."""
    fields: dict[str, Any] = {}
    for t in defn.transitions:
        for g in t.guards:
            name = g.args.get("field")
            if name is None or rng.random() < 0.3:
                continue
            candidates = [g.args.get("value"), *(g.args.get("values") or []), None, "other",
                          [{"sha256": "0" * 64}] * rng.randint(0, 2)]
            fields[name] = rng.choice(candidates)
    triggers = [t.trigger for t in defn.transitions]
    return GuardContext(
        actor=rng.choice(ACTORS), actor_role="supervisor", fields=fields,
        last_actor_by_trigger={tr: rng.choice(ACTORS) for tr in rng.sample(triggers, k=min(3, len(triggers)))},
        assignee=rng.choice([None, *ACTORS]),
        due_at=rng.choice([None, START - timedelta(days=1), START + timedelta(days=1)]), now=START)


def expected(defn: Definition, state: str, trigger: str, ctx: GuardContext) -> tuple[str, str | None]:
    """What the definition says, computed without `transitions`."""
    spec = defn.transition(state, trigger)
    if spec is None:
        return "not allowed", None
    reason = evaluate(spec.guards, ctx)
    return ("refused", str(reason)) if reason else ("moved", spec.dest)


def test_many_threads_on_shared_lifecycles_get_correct_answers_and_leave_nothing_attached(lifecycles):
    barrier = threading.Barrier(THREADS)
    failures: list[str] = []
    leftovers: list[int] = []
    lock = threading.Lock()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait(timeout=30)
            for _ in range(CALLS_PER_THREAD):
                lifecycle = rng.choice(lifecycles)
                defn = lifecycle.definition
                state = rng.choice(list(defn.states))
                trigger = rng.choice([t.trigger for t in defn.transitions] + ["no_such_trigger"])
                ctx = random_context(rng, defn)
                try:
                    got: tuple[str, str | None] = ("moved", lifecycle.fire(state, trigger, ctx))
                except TransitionNotAllowed:
                    got = ("not allowed", None)
                except GuardRejected as err:
                    got = ("refused", str(err))
                want = expected(defn, state, trigger, ctx)
                if got != want:
                    with lock:
                        failures.append(f"{defn.name}: {state} --{trigger}--> got {got}, want {want}")
            with lock:
                leftovers.extend(lc.attached_models for lc in lifecycles)
        except BaseException as err:
            with lock:
                failures.append(f"thread {seed} crashed: {err!r}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not failures, failures[:10]
    assert len(leftovers) == THREADS * len(lifecycles) and max(leftovers) <= 1
    assert all(lc.attached_models <= 1 for lc in lifecycles)


def test_a_guard_that_raises_leaves_the_machine_sound(lifecycles):
    """An exception inside a guard (a malformed context) must neither add models to the machine nor
    leave the next call a wrong state."""
    lifecycle, spec = next((lc, t) for lc in lifecycles for t in lc.definition.transitions
                           if any(g.kind == "min_attachments" for g in t.guards))
    fields = {g.args["field"]: g.args.get("value", (g.args.get("values") or [None])[0]) for g in spec.guards
              if g.kind in ("field_equals", "field_in")}  # the guards before it agree ...
    fields.update({g.args["field"]: 7 for g in spec.guards if g.kind == "min_attachments"})  # ... this one breaks
    broken = GuardContext(actor="a", actor_role="r", fields=fields, last_actor_by_trigger={}, assignee=None,
                          due_at=None, now=START)
    with pytest.raises(TypeError):
        lifecycle.fire(spec.sources[0], spec.trigger, broken)
    assert lifecycle.attached_models <= 1
    other = next(t for t in lifecycle.definition.transitions if not t.guards and t.sources[0] != spec.sources[0])
    ok = GuardContext(actor="a", actor_role="r", fields={}, last_actor_by_trigger={}, assignee=None,
                      due_at=None, now=START)
    assert lifecycle.fire(other.sources[0], other.trigger, ok) == other.dest
