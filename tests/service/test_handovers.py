"""Handovers (workflow.cases.handover, workflow.cases.notices, workflow.cases.offers) on the shipped definitions:

- 交办 (`assigns:` / `moves_to:`) gives the case to the 责任人 and, when chosen, to the 责任单位; a person
  who cannot take cases, or who does not work in that unit, is refused and nothing is written;
- every handover tells its receiver once, in the change's transaction, with its own kind, never the actor;
- the steps offered are those the person can take now; a return's reason stands until it is answered;
- rounds of rework keep their evidence apart; earlier evidence may be kept; a forged reference is refused.
"""
from __future__ import annotations

import pytest
from factories import EVIDENCE, RECT_FIELDS, events_of

from workflow.campaigns.declarations import Declarations
from workflow.errors import WorkflowError
from workflow.reporting.rounds import file_refs, rounds, standing_returns


@pytest.fixture
def app(app):
    app.directory.add_user("sfs2_handler", role="handler", unit="xf-sfs-2", name="平岗所 刘洋")
    app.directory.add_user("sfs2_head", role="unit_head", unit="xf-sfs-2", name="平岗所长 马军")
    return app


def alerts(app, login):
    with app.store.read() as tx:
        return [(a.case, a.kind) for a in tx.alerts_for(login, unread_only=False)]


def verified(app, unit="xf-sfs-1"):
    s = app.cases
    case = s.open_case("rectification_item", actor="registrar", unit=unit, title="外出审批缺意见", fields=RECT_FIELDS)
    return s.advance(case.id, "verify", actor="supervisor")


def dispatch(app, case_id, owner="handler", **extra):
    return app.cases.advance(case_id, "dispatch", actor="supervisor",
                             fields={"measure": "补齐材料", "owner": owner, "rectify_by": "2026-03-20", **extra})


def reported(app, case_id, *, files=(EVIDENCE,), kept=()):
    s = app.cases
    s.advance(case_id, "report_rectified", actor="handler", fields={"result": "已补齐"}, attachments=list(files),
              kept=list(kept))
    return s.advance(case_id, "sign_off", actor="unit_head")


def test_dispatch_gives_the_case_to_the_owner_who_is_told_once(app):
    case = verified(app)
    after = dispatch(app, case.id)
    assert after.assignee == "handler" and after.unit == "xf-sfs-1"
    assert alerts(app, "handler") == [(case.id, "dispatched")]
    assert alerts(app, "supervisor") == []  # never the actor
    assert events_of(app, case.id)[-1].payload["assignee"] == "handler"


def test_dispatch_may_move_the_case_to_the_responsible_unit_and_its_person(app):
    case = verified(app)
    after = dispatch(app, case.id, owner="sfs2_handler", responsible_unit="xf-sfs-2")
    assert (after.unit, after.assignee) == ("xf-sfs-2", "sfs2_handler")
    assert alerts(app, "sfs2_handler") == [(case.id, "dispatched")]
    assert alerts(app, "handler") == []
    # The first unit's handler no longer sees steps on it; the new unit's does.
    assert app.cases.available(after, "handler") == []
    assert "report_rectified" in [t.trigger for t in app.cases.available(after, "sfs2_handler")]


@pytest.mark.parametrize("owner, unit", [("leader", None),  # a leader is not given cases
                                          ("handler", "xf-sfs-2"),  # not a person of the unit it goes to
                                          ("nobody", None)])
def test_a_person_who_cannot_take_the_case_is_refused_and_nothing_is_written(app, owner, unit):
    case = verified(app)
    extra = {"responsible_unit": unit} if unit else {}
    with pytest.raises(WorkflowError):
        dispatch(app, case.id, owner=owner, **extra)
    after = app.cases.get(case.id)
    assert (after.version, after.state, after.assignee, after.unit) == (case.version, "verified", None, "xf-sfs-1")
    assert alerts(app, "handler") == [] and alerts(app, "leader") == []


def test_the_unit_head_is_asked_to_sign_and_the_handler_cannot_sign_for_them(app):
    case = verified(app)
    dispatch(app, case.id)
    s = app.cases
    pending = s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补齐"},
                        attachments=[EVIDENCE])
    assert pending.state == "signoff_pending"
    assert (case.id, "signoff_requested") in alerts(app, "unit_head")
    assert [t.trigger for t in s.available(pending, "handler")] == []
    assert {t.trigger for t in s.available(pending, "unit_head")} == {"sign_off", "decline_signoff"}
    with pytest.raises(WorkflowError):
        s.advance(case.id, "sign_off", actor="handler")
    assert s.advance(case.id, "sign_off", actor="unit_head").state == "rectified"


def test_return_for_rework_tells_the_handler_resets_the_report_and_stands_until_answered(app):
    case = verified(app)
    dispatch(app, case.id)
    reported(app, case.id)
    s = app.cases
    back = s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺制度文件"})
    assert back.state == "rectifying" and back.assignee == "handler"
    assert "result" not in back.fields and "evidence" not in back.fields  # reset for the new round
    assert sorted(alerts(app, "handler")) == [(case.id, "dispatched"), (case.id, "returned")]
    defn = s.definition_of(back)
    [banner] = standing_returns(events_of(app, case.id), defn)
    assert (banner["kind"], banner["reason"], banner["by"]) == ("rework", "缺制度文件", "supervisor")
    assert [t.trigger for t in s.available(back, "handler")][:1] != []  # the handler can act on it again
    reported(app, case.id, files=[EVIDENCE.__class__("evidence", "制度.txt", "复核制度".encode())])
    assert standing_returns(events_of(app, case.id), defn) == []  # answered: the work came back


def test_rounds_keep_their_evidence_apart_and_earlier_evidence_can_be_kept(app):
    case = verified(app)
    dispatch(app, case.id)
    reported(app, case.id)
    s = app.cases
    s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺制度文件"})
    defn = s.definition_of(s.get(case.id))
    first = rounds(events_of(app, case.id), defn)[0]
    policy = EVIDENCE.__class__("evidence", "制度.txt", "复核制度".encode())
    reported(app, case.id, files=[policy], kept=file_refs(first.files_of("evidence")))
    closed = s.advance(case.id, "close_out", actor="supervisor2")
    one, two = rounds(events_of(app, case.id), defn)
    assert [f["name"] for f in one.files_of("evidence")] == ["复核记录.txt"]
    assert one.returned["reason"] == "缺制度文件"
    assert sorted(f["name"] for f in two.files_of("evidence")) == ["制度.txt", "复核记录.txt"]
    assert {f["name"] for f in closed.fields["evidence"]} == {"制度.txt", "复核记录.txt"}


def test_a_kept_reference_to_a_file_that_was_never_stored_is_refused(app):
    case = verified(app)
    dispatch(app, case.id)
    forged = {"field": "evidence", "name": "伪造.txt", "sha256": "0" * 64, "size": 3}
    with pytest.raises(WorkflowError) as refused:
        app.cases.advance(case.id, "report_rectified", actor="handler", fields={"result": "x"}, kept=[forged])
    assert refused.value.code == "file.gone"
    assert app.cases.get(case.id).state == "rectifying"


def test_a_comment_does_not_make_a_step_form_stale_but_a_change_of_state_does(app):
    case = verified(app)
    s = app.cases
    seen = s.get(case.id).version
    s.add_comment(case.id, actor="unit_head", text="抓紧办理")
    dispatched = s.advance(case.id, "dispatch", actor="supervisor", expected_version=seen,
                           fields={"measure": "m", "owner": "handler", "rectify_by": "2026-03-20"})
    assert dispatched.state == "rectifying"
    with pytest.raises(WorkflowError):  # the form was for `verified`: the case moved on since
        s.advance(case.id, "dismiss", actor="supervisor", expected_version=seen, fields={"unfounded_reason": "x"})


def test_giving_a_case_back_tells_the_unit_queue_but_not_the_person_who_gave_it_back(app):
    case = verified(app)
    dispatch(app, case.id)
    app.cases.return_to_queue(case.id, actor="handler", reason="不属于本所管辖")
    assert (case.id, "returned_to_unit") in alerts(app, "unit_head")
    assert (case.id, "returned_to_unit") not in alerts(app, "handler")


def test_an_extension_decision_tells_who_asked(app):
    case = verified(app)
    dispatch(app, case.id)
    s = app.cases
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "材料需上级调取", "extension_until": "2026-04-30"})
    s.advance(case.id, "approve_extension", actor="leader", fields={"rectify_by": "2026-04-30"})
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "仍需时间", "extension_until": "2026-05-30"})
    s.advance(case.id, "reject_extension", actor="supervisor", comment="不予延期")
    kinds = [k for c, k in alerts(app, "handler") if c == case.id]
    assert kinds.count("extension_approved") == 1 and kinds.count("extension_rejected") == 1


def test_a_form_issued_to_a_person_tells_them_and_only_they_may_sign(app):
    report = Declarations(app.cases).issue("xf-sfs-1", actor="registrar", case_type="commitment_letter")
    issued = {row["login"]: row["case"] for row in report.issued}
    assert {"handler", "unit_head"} <= set(issued)
    for login, case_id in issued.items():
        assert alerts(app, login) == [(case_id, "issued")]
        case = app.cases.get(case_id)
        assert "sign" in [t.trigger for t in app.cases.available(case, login)]
        for other in {"handler", "unit_head"} - {login}:  # four eyes: only the declarant signs their letter
            assert "sign" not in [t.trigger for t in app.cases.available(case, other)]
    assert alerts(app, "registrar") == []


def test_notify_false_silences_a_step(app, defs_dir, make_ledger_app, database_url):
    path = defs_dir / "rectification_item.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    moves_to: responsible_unit  # and, when chosen, the case goes to the 责任单位\n",
                                 "    moves_to: responsible_unit\n    notify: false\n", 1), encoding="utf-8")
    quiet = make_ledger_app(database_url)  # on the database `app` seeded with the demo directory
    case = verified(quiet)
    assert dispatch(quiet, case.id).assignee == "handler"  # still handed over, only silently
    assert alerts(quiet, "handler") == []
