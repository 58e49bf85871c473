"""The Lifecycle (workflow.engine.machine): transitions computed from a definition, with no machine per case.

No database: a Lifecycle is a pure calculator from (state, trigger, context) to the next state.
"""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from factories import MINI, ROLES, edited

from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.guards import GuardContext
from workflow.definitions.parser import parse_definition
from workflow.engine.machine import Lifecycle
from workflow.errors import GuardRejected, TransitionNotAllowed

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
GUARDED = edited(("    roles: [supervisor]\n",
                  "    roles: [supervisor]\n    guards: [{not_actor_of: start}, {field_present: note}]\n"))


def lifecycle(text: str = GUARDED) -> Lifecycle:
    return Lifecycle(parse_definition(load_yaml_text(text, "mini.yaml"), source="mini.yaml", roles=ROLES))


def ctx(actor: str = "sup", started_by: str = "han", **fields) -> GuardContext:
    return GuardContext(actor, "supervisor", fields, {"start": started_by}, None, None, NOW)


def test_a_trigger_leads_to_its_dest():
    lc = lifecycle()
    assert lc.fire("open", "start", ctx()) == "working"
    assert lc.fire("working", "finish", ctx(note="done")) == "done"


def test_the_stored_state_is_kept_when_the_case_is_attached():
    # If the machine put the case in its initial state ("open"), `finish` would be impossible here.
    lc = lifecycle()
    assert lc.fire("working", "finish", ctx(note="x")) == "done"


def test_no_automatic_to_state_triggers():
    lc = lifecycle()
    for state in ("open", "working"):
        for target in ("open", "working", "done"):
            with pytest.raises(TransitionNotAllowed, match=f"unknown trigger 'to_{target}'"):
                lc.fire(state, f"to_{target}", ctx(note="x"))


def test_a_blocked_trigger_raises_and_says_what_is_possible():
    lc = lifecycle()
    with pytest.raises(TransitionNotAllowed) as caught:
        lc.fire("open", "finish", ctx(note="x"))
    assert str(caught.value) == "'finish' is not possible from state 'open'; possible now: start"


def test_nothing_leaves_a_final_state():
    lc = lifecycle()
    with pytest.raises(TransitionNotAllowed) as caught:
        lc.fire("done", "start", ctx())
    assert str(caught.value) == "'start' is not possible from state 'done'; possible now: nothing (final state)"


def test_an_unknown_trigger_raises():
    with pytest.raises(TransitionNotAllowed, match="unknown trigger 'fly'; possible now: start"):
        lifecycle().fire("open", "fly", ctx())


@pytest.mark.parametrize("trigger", ["trigger", "may_trigger", "state", "__class__", "refusal"])
def test_model_attributes_are_not_triggers(trigger):
    with pytest.raises(TransitionNotAllowed):
        lifecycle().fire("open", trigger, ctx())


def test_a_guard_refusal_raises_with_its_reason():
    lc = lifecycle()
    with pytest.raises(GuardRejected) as caught:
        lc.fire("working", "finish", ctx(note=""))
    assert str(caught.value) == "field 'note' must be filled in first"
    with pytest.raises(GuardRejected) as caught:
        lc.fire("working", "finish", ctx(actor="han", note="x"))
    assert str(caught.value) == "the person who did 'start' may not also do this step (four-eyes rule)"


def test_step_finds_the_transition_without_evaluating_guards():
    lc = lifecycle()
    # guards would refuse (no note), but step() only looks at the graph
    assert lc.step("working", "finish").trigger == "finish"
    with pytest.raises(TransitionNotAllowed, match="'finish' is not possible from state 'open'"):
        lc.step("open", "finish")


def test_available_lists_the_triggers_out_of_a_state():
    lc = lifecycle(edited(("transitions:\n", "transitions:\n  - {trigger: skip, label: {zh: 跳过, en: Skip},"
                                             " source: open, dest: done, roles: [supervisor]}\n")))
    assert lc.available("open") == ["skip", "start"]
    assert lc.available("done") == []


def test_models_do_not_accumulate_and_no_call_leaks_into_the_next():
    lc = lifecycle()
    for _ in range(200):
        assert lc.fire("open", "start", ctx()) == "working"
        with pytest.raises(TransitionNotAllowed):
            lc.fire("open", "finish", ctx())
        with pytest.raises(GuardRejected, match="'note' must be filled in"):
            lc.fire("working", "finish", ctx())
        # The previous call left the machine's model in "working" with a refusal recorded: neither
        # the state nor the reason may carry over to a case in another state.
        with pytest.raises(TransitionNotAllowed, match="'finish' is not possible from state 'open'"):
            lc.fire("open", "finish", ctx(note="x"))
        assert lc.fire("working", "finish", ctx(note="x")) == "done"
    assert lc.attached_models <= 1


def test_threads_each_get_correct_answers():
    lc = lifecycle()
    errors: list[BaseException] = []
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        barrier.wait()
        try:
            for i in range(300):
                state, trigger = (("open", "start"), ("working", "finish"))[(n + i) % 2]
                dest = lc.fire(state, trigger, ctx(note="x"))
                with lock:
                    results.append(f"{state}->{dest}")
            assert lc.attached_models == 1  # this thread's own machine holds this thread's own model
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(set(results)) == ["open->working", "working->done"]
    assert len(results) == 8 * 300


def test_a_definition_with_states_named_like_yaml_booleans_runs():
    text = edited(("initial: open\n", "initial: on\n"), ("  open:\n", "  on:\n"), ("  done:\n", "  off:\n"),
                  ("    source: open\n", "    source: on\n"), ("    dest: done\n", "    dest: off\n"), base=MINI)
    lc = lifecycle(text)
    assert lc.fire("on", "start", ctx()) == "working"
    assert lc.fire("working", "finish", ctx()) == "off"
