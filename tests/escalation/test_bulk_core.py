"""workflow.escalation.bulk: per-case outcomes with message codes, one event per case done, none for a refused one;
a bad request as a whole (no case, too many, no date, no measure) raises before anything is written."""
from __future__ import annotations

import pytest

from workflow.errors import InvalidInput
from workflow.escalation.bulk import MAX_CASES, Target


def _open(app, title, unit="xf-sfs-1"):
    return app.cases.open_case("rectification_item", actor="registrar", unit=unit, title=title,
                               fields={"description": "问题。", "category": "commutation_parole",
                                       "discovery_channel": "self_report"})


def _events(app, case_id):
    return len(app.cases.history(case_id)[0])


def test_outcomes_carry_the_engines_message_codes_and_only_done_cases_get_an_event(app):
    here, away, stale = _open(app, "甲"), _open(app, "乙", unit="xf-sfs-2"), _open(app, "丙")
    app.cases.assign(stale.id, actor="unit_head", assignee="unit_head")  # after the version the bulk saw
    report = app.escalations.bulk.assign(
        [Target(here.id, here.version), Target(away.id), Target(stale.id, stale.version), Target(here.id)],
        actor="unit_head", assignee="handler")
    assert [(o.case_id, o.done, o.message.code if o.message else None) for o in report.outcomes] == [
        (here.id, True, None), (away.id, False, "access.not_covered"), (stale.id, False, "case.version_conflict")]
    assert [_events(app, c) for c in (here.id, away.id, stale.id)] == [2, 1, 2]  # opened + assigned (stale: before)
    assert [o.error for o in report.refused] == ["RoleNotAllowed", "ConcurrencyConflict"]


def test_dispatch_refuses_a_case_without_the_step_and_does_the_others(app):
    ready, raw = _open(app, "已核实"), _open(app, "未核实")
    app.cases.advance(ready.id, "verify", actor="supervisor")
    report = app.escalations.bulk.dispatch([Target(ready.id), Target(raw.id)], actor="supervisor",
                                           measure="统一措施", deadline="2031-06-30", owner="handler")
    assert [o.done for o in report.outcomes] == [True, False]
    assert report.outcomes[1].message.code == "step.not_possible"
    assert app.cases.get(ready.id).state == "rectifying" and _events(app, raw.id) == 1


@pytest.mark.parametrize("call, code", [
    (lambda b, t: b.assign([], actor="supervisor", assignee="handler"), "bulk.no_cases"),
    (lambda b, t: b.assign([t] * (MAX_CASES + 1), actor="supervisor", assignee="handler"), "bulk.too_many"),
    (lambda b, t: b.dispatch([t], actor="supervisor", measure="措施", deadline="6月底"), "value.date"),
    (lambda b, t: b.dispatch([t], actor="supervisor", measure=" ", deadline="2031-06-30"), "text.empty"),
    (lambda b, t: b.flag([t], actor="supervisor", level=4), "supervision.level"),
    (lambda b, t: b.mark_read([], login="supervisor"), "bulk.no_cases"),
], ids=["none", "too-many", "no-date", "no-measure", "level", "read-none"])
def test_a_bad_request_raises_before_anything_is_written(app, call, code):
    case = _open(app, "甲")
    with pytest.raises(InvalidInput) as err:
        call(app.escalations.bulk, Target(case.id))
    assert err.value.code == code and _events(app, case.id) == 1
