"""The battle map as of any instant equals a fold of the event log, on randomised case histories.

Random rectification items — verified or dismissed, dispatched with random deadlines, extensions
asked, approved or refused, reported, sent back, closed on time or late, reopened by a look-back,
handed to another person, commented on, several steps at the same instant — then at many
instants (random ones, and each event's own instant) the battle map's counts
(`SqlQueries.dashboard`, read from the derived case timeline) must equal what a replay of every
case's events up to that instant gives (`workflow.engine.projection`), county-wide and per unit —
and so must the closed cases by outcome (only a close-out is 销号; a reopened case is none), with no
light on any of them. The
timeline written event by event must also equal one rebuilt from the log, and `problems` must
name a case whose timeline was tampered with.
"""
from __future__ import annotations

import contextlib
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from workflow.adapters.sql import timeline
from workflow.cases.validation import Attachment
from workflow.definitions.outcomes import OUTCOME_KINDS
from workflow.engine.projection import project_case
from workflow.errors import WorkflowError
from workflow.events import format_time
from workflow.reporting.battle_map import summarise
from workflow.reporting.queries import closed_keys, light_of, stage_of_state

UNITS = ("xf-sfs-1", "xf-sfs-2", "xf-jcj")
WORKERS = {"xf-sfs-1": ("handler", "unit_head"), "xf-sfs-2": ("sfs2_handler", "sfs2_head"),
           "xf-jcj": ("jcj_head", "jcj_head")}  # who handles and who signs off, by unit
DESCRIPTION = {"description": "外出审批缺少司法所意见。", "category": "commutation_parole",
               "discovery_channel": "self_report"}


def _date(clock, days: int) -> str:
    return (clock.now() + timedelta(days=days)).date().isoformat()


# What a case's people do next, by state (weights), so histories run their whole course.
NEXT = {
    "reported": ("verify",) * 6 + ("dismiss",),
    "verified": ("dispatch",),
    "rectifying": ("report_rectified", "request_extension"),
    "signoff_pending": ("sign_off",) * 3 + ("decline_signoff",),
    "extension_pending": ("approve_extension", "reject_extension"),
    "rectified": ("close_out",) * 3 + ("return_for_rework",),
    "closed": ("reopen",),
    "unfounded": ("comment",),
}


def _step(app, clock, rng: random.Random, case_id: str) -> None:
    """One random move of the case, as whoever may make it; a refused move changes nothing."""
    s = app.cases
    kind = rng.choice(("assign", "comment")) if rng.random() < 0.2 else rng.choice(NEXT[s.get(case_id).state])
    evidence = [Attachment("evidence", "e.txt", b"evidence")]
    handler, head = WORKERS[s.get(case_id).unit]
    moves = {
        "verify": lambda: s.advance(case_id, "verify", actor="supervisor"),
        "dismiss": lambda: s.advance(case_id, "dismiss", actor="supervisor",
                                     fields={"unfounded_reason": "查无实据"}),
        "dispatch": lambda: s.advance(case_id, "dispatch", actor="supervisor", fields={
            "measure": "m", "owner": handler, "rectify_by": _date(clock, rng.randint(1, 25))}),
        "request_extension": lambda: s.advance(case_id, "request_extension", actor=handler, fields={
            "extension_reason": "r", "extension_until": _date(clock, rng.randint(5, 40))}),
        "approve_extension": lambda: s.advance(case_id, "approve_extension", actor="leader",
                                               fields={"rectify_by": _date(clock, rng.randint(2, 40))}),
        "reject_extension": lambda: s.advance(case_id, "reject_extension", actor="leader", comment="按期完成"),
        "report_rectified": lambda: s.advance(case_id, "report_rectified", actor=handler, attachments=evidence,
                                              fields={"result": "r"}),
        "sign_off": lambda: s.advance(case_id, "sign_off", actor=head),
        "decline_signoff": lambda: s.advance(case_id, "decline_signoff", actor=head,
                                             fields={"return_reason": "证据不足"}),
        "return_for_rework": lambda: s.advance(case_id, "return_for_rework", actor="supervisor",
                                               fields={"return_reason": "补充材料"}),
        "close_out": lambda: s.advance(case_id, "close_out", actor="supervisor"),
        "reopen": lambda: s.advance(case_id, "reopen", actor="leader", fields={
            "reopen_reason": "回头看", "rectify_by": _date(clock, rng.randint(1, 20))}),
        "assign": lambda: s.assign(case_id, actor="supervisor", assignee=rng.choice(("handler", "unit_head"))),
        "comment": lambda: s.add_comment(case_id, actor="supervisor", text="催办"),
    }
    with contextlib.suppress(WorkflowError):
        moves[kind]()
        if kind == "report_rectified" and rng.random() < 0.7:
            moves["sign_off"]()  # the unit head is at hand: signed at once


def random_histories(app, clock, rng: random.Random, cases: int = 14, steps: int = 120) -> dict[str, list]:
    """Random histories of `cases` cases; each case's events, by case id."""
    ids: list[str] = []
    for _ in range(steps):
        if len(ids) < cases and (not ids or rng.random() < 0.25):
            ids.append(app.cases.open_case("rectification_item", actor="registrar", unit=rng.choice(UNITS),
                                             title="问题", fields=DESCRIPTION).id)
        else:
            _step(app, clock, rng, rng.choice(ids))
        if rng.random() < 0.8:  # otherwise the next step happens at the same instant
            clock.advance(hours=rng.choice((1, 5, 20, 30, 75, 150)))
    ids.append(_prompt_case(app, clock))  # the random walks rarely keep every deadline: one case that does
    return {case_id: app.cases.history(case_id)[0] for case_id in ids}


def _prompt_case(app, clock) -> str:
    """A case closed out on time, each step well within its state's deadline."""
    s = app.cases
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="按期", fields=DESCRIPTION)
    for trigger, actor, fields in (("verify", "supervisor", {}),
                                   ("dispatch", "supervisor", {"measure": "m", "owner": "handler",
                                                               "rectify_by": _date(clock, 20)}),
                                   ("report_rectified", "handler", {"result": "r"}), ("sign_off", "unit_head", {}),
                                   ("close_out", "supervisor", {})):
        clock.advance(hours=2)
        files = [Attachment("evidence", "e.txt", b"evidence")] if trigger == "report_rectified" else []
        s.advance(case.id, trigger, actor=actor, fields=fields, attachments=files)
    return case.id


def folded(app, histories: dict[str, list], t: str, units: set[str] | None) -> Counter:
    """The battle map's raw counts by a replay of each case's events up to `t` (the reference)."""
    closed = set(closed_keys(app.registry))
    out: Counter = Counter()
    for all_events in histories.values():
        events = [e for e in all_events if e.at <= t]
        case = project_case(events)
        if case is None or (units is not None and case.unit not in units):
            continue
        deadline = case.deadline or {}
        due, yellow = deadline.get("due_at"), deadline.get("yellow_at")
        light = light_of(due, yellow, t)
        # Late: some deadline ran out at or before the event that replaced it, or by t if it is still held.
        spans = [(e.payload["deadline"] or {}).get("due_at") for e in events if "deadline" in e.payload]
        ends = [e.at for e in events if "deadline" in e.payload][1:] + [t]
        late = f"{case.type}/{case.state}" in closed and any(d and d <= end for d, end in zip(spans, ends))
        out[(case.unit, case.type, case.definition_version, case.state, light, late,
             due if light == "red" else None)] += 1
    return out


def board(app, t: str, units: tuple[str, ...] | None) -> Counter:
    counts = app.queries.dashboard(t, units, ("rectification_item",), closed_keys(app.registry))
    return Counter({(c.unit, c.type, c.definition_version, c.state, c.light, c.ever_late, c.due_at): c.count
                    for c in counts})


def by_outcome(app, counts: Counter) -> Counter:
    """Closed cases by how they ended, from the replayed states (workflow.definitions.outcomes)."""
    out: Counter = Counter()
    for (_unit, case_type, version, state, *_rest), n in counts.items():
        kind = app.registry.outcome_kind(case_type, version, state)
        if kind:
            out[kind] += n
    return out


def outcomes_on_the_map(app, t: str) -> Counter:
    """What the battle map shows of the closed cases as of `t`: counts per outcome column (none of them lit)."""
    board_ = summarise(t, app.queries.dashboard(t, None, ("rectification_item",), closed_keys(app.registry)),
                       app.registry, {})
    cells = [row[kind] for row in board_.matrix.values() for kind in OUTCOME_KINDS]
    assert not any(c.red or c.yellow or c.green for c in cells)
    assert sum(c.count for c in cells) == board_.closed
    assert board_.closed_out == sum(row["closed_out"].count for row in board_.matrix.values())
    return Counter({kind: n for kind, n in board_.outcomes.items() if n})


@pytest.mark.parametrize("seed", [1, 2])
def test_the_battle_map_as_of_any_instant_equals_a_fold_of_the_log(app, clock, seed):
    rng = random.Random(seed)
    start = format_time(clock.now() - timedelta(seconds=1))
    histories = random_histories(app, clock, rng)
    end = format_time(clock.now() + timedelta(days=10))
    instants = {e.at for events in histories.values() for e in events}
    instants |= {format_time(clock.now() - timedelta(hours=rng.uniform(0, 24 * 200))) for _ in range(12)}
    instants |= {start, end}
    seen: Counter = Counter()
    ended: Counter = Counter()
    for t in sorted(instants):
        expected = folded(app, histories, t, None)
        assert board(app, t, None) == expected, t
        scope = tuple(sorted(rng.sample(UNITS, 2)))
        assert board(app, t, scope) == folded(app, histories, t, set(scope)), (t, scope)
        for key, n in expected.items():
            seen[(stage_of_state(app.registry, key[1], key[3]), key[4], key[5])] += n
        outcomes = by_outcome(app, expected)
        assert outcomes_on_the_map(app, t) == outcomes, t
        ended.update(outcomes)
    # The histories reached what the battle map has to get right.
    assert seen[("closed", "none", True)] and seen[("closed", "none", False)], seen  # closed late, and on time
    assert any(light == "red" for _stage, light, _late in seen), seen
    assert ended["closed_out"] and ended["unfounded"], ended
    triggers = {e.payload.get("trigger") for events in histories.values() for e in events}
    assert {"reopen", "approve_extension", "return_for_rework"} <= triggers, triggers
    assert len({events[-1].at for events in histories.values()}) > 1


def test_the_timeline_written_with_each_event_equals_one_rebuilt_from_the_log(app, clock):
    histories = random_histories(app, clock, random.Random(3), cases=8, steps=50)
    with app.store.engine.connect() as conn:
        written = {i: timeline.stored(conn, i) for i in histories}
    assert all(written.values())
    assert all(written[i] == timeline.expected(events) for i, events in histories.items())
    with app.store.engine.begin() as conn:
        assert timeline.rebuild(conn) == sum(len(rows) for rows in written.values())
    with app.store.engine.connect() as conn:
        assert {i: timeline.stored(conn, i) for i in histories} == written
        assert timeline.problems(conn) == []


def test_a_case_missing_from_the_timeline_is_derived_whole_at_its_next_change(app, clock):
    case = app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="问题",
                                 fields=DESCRIPTION)
    with app.store.engine.begin() as conn:  # as a bulk load that bypassed the store would leave it
        conn.execute(delete(timeline.case_timeline_t).where(timeline.tl.case_id == case.id))
    clock.advance(days=1)
    app.cases.advance(case.id, "verify", actor="supervisor")
    with app.store.engine.connect() as conn:
        rows = timeline.stored(conn, case.id)
    assert [r["state"] for r in rows] == ["reported", "verified"]
    assert rows == timeline.expected(app.cases.history(case.id)[0])


def test_problems_name_the_case_whose_timeline_disagrees_with_the_log(app, clock):
    ids = list(random_histories(app, clock, random.Random(5), cases=3, steps=12))
    with app.store.engine.begin() as conn:
        conn.execute(update(timeline.case_timeline_t).where(timeline.tl.case_id == ids[1]).values(state="closed"))
    with app.store.engine.connect() as conn:
        found = timeline.problems(conn)
        assert timeline.problems(conn, ids[0]) == []
    assert [p.case for p in found] == [ids[1]]
    assert "timeline" in found[0].reason
