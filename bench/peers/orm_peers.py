"""The peers a user might pick instead of rectiflow, persisted the way their docs suggest.

* NaiveTransitions: a SQLAlchemy ORM `Case` row with a `state` column and a `version_id_col`,
  one `transitions.Machine(model=row)` built per request (the common recipe), the audit row
  (hash-chained like ours) added in `after_state_change` into the same session.
* Spiff: SpiffWorkflow with a four-user-task BPMN; per request the workflow is deserialized from
  the case row, the ready user task is completed, the engine steps run, and the workflow is
  serialized back into the row — plus the same audit row.

Both use rectiflow's engine settings (`make_engine`: WAL, the synchronous level, busy timeout) on
SQLite, so only the engine differs. Each benchmark database is private to its peer.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.peers.workload import BASE_FIELDS, STEPS, payload_for
from workflow.adapters.sql.sqlstore import make_engine

BPMN = Path(__file__).with_name("lifecycle_tasks.bpmn")
STATES = ["reported"] + [dest for _t, _a, dest, _s in STEPS]


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    __tablename__ = "peer_cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)          # fields as JSON (and the workflow, for Spiff)
    __mapper_args__ = {"version_id_col": version}


class AuditRow(Base):
    __tablename__ = "peer_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def _engine(url: str, synchronous: str, pg_options: str | None) -> Any:
    if url.startswith("sqlite"):
        return make_engine(url, synchronous=synchronous)
    return create_engine(url, connect_args={"options": pg_options} if pg_options else {})


def audit(session: Session, row: CaseRow, at: str, actor: str, trigger: str, src: str | None, dest: str,
          payload: dict[str, Any]) -> None:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(f"{row.id}|{at}|{actor}|{trigger}|{src}|{dest}|{text}|{row.head_hash}".encode()).hexdigest()
    session.add(AuditRow(case_id=row.id, at=at, actor=actor, trigger=trigger, from_state=src, to_state=dest,
                         payload=text, prev_hash=row.head_hash, hash=digest))
    row.head_hash = digest


class OrmPeer:
    def __init__(self, url: str, synchronous: str = "NORMAL", pg_options: str | None = None) -> None:
        self.engine = _engine(url, synchronous, pg_options)
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()


class NaiveTransitions(OrmPeer):
    """transitions + SQLAlchemy ORM, one Machine per case per request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transitions = [{"trigger": t, "source": STATES[i], "dest": dest} for i, (t, _a, dest, _s) in enumerate(STEPS)]

    def open(self, case_id: str, at: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = CaseRow(id=case_id, state="reported", head_hash="0" * 64, data=json.dumps(BASE_FIELDS))
            session.add(row)
            audit(session, row, at, "registrar", "open", None, "reported", {"fields": BASE_FIELDS})

    def step(self, case_id: str, index: int, at: str) -> None:
        from transitions import Machine

        trigger, actor, _dest, _stage = STEPS[index]
        with Session(self.engine) as session, session.begin():
            row = session.get(CaseRow, case_id)
            assert row is not None
            payload = payload_for(index)

            def record(event: Any) -> None:
                audit(session, row, at, actor, trigger, event.transition.source, row.state, payload)

            Machine(model=row, states=STATES, transitions=self.transitions, initial=row.state,
                    auto_transitions=False, send_event=True, after_state_change=[record])
            fields = json.loads(row.data)
            fields.update(payload["fields"])
            row.data = json.dumps(fields, ensure_ascii=False)
            row.trigger(trigger)


class Spiff(OrmPeer):
    """SpiffWorkflow BPMN, the serialized workflow kept in the case row."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        super().__init__(*args, **kwargs)
        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec("rectification")
        self.serializer = BpmnWorkflowSerializer()
        self.row_bytes = 0

    def open(self, case_id: str, at: str) -> None:
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        workflow = BpmnWorkflow(self.spec)
        workflow.data.update(BASE_FIELDS)
        workflow.do_engine_steps()
        with Session(self.engine) as session, session.begin():
            row = CaseRow(id=case_id, state="reported", head_hash="0" * 64, data=self.serializer.serialize_json(workflow))
            session.add(row)
            audit(session, row, at, "registrar", "open", None, "reported", {"fields": BASE_FIELDS})

    def step(self, case_id: str, index: int, at: str) -> None:
        from SpiffWorkflow.util.task import TaskState

        trigger, actor, dest, _stage = STEPS[index]
        with Session(self.engine) as session, session.begin():
            row = session.get(CaseRow, case_id)
            assert row is not None
            workflow = self.serializer.deserialize_json(row.data)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready or ready[0].task_spec.name != trigger:
                raise RuntimeError(f"{trigger} is not the ready task")
            payload = payload_for(index)
            ready[0].data.update(payload["fields"])
            ready[0].run()
            workflow.do_engine_steps()
            src, row.state = row.state, dest
            row.data = self.serializer.serialize_json(workflow)
            self.row_bytes = len(row.data)
            audit(session, row, at, actor, trigger, src, dest, payload)
