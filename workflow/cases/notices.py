"""In-app notices: who hears of a change, written in the change's own transaction, once per person and event.

Three features write alerts — a handover (this module), an escalation rung (workflow.escalation.sweep)
and a supervision flag (workflow.escalation.supervision) — and all of them through `alert_rows`, so
the store's unique (login, case, event version) key makes every notice exactly-once.

Handover notices (their `kind`, and by default who receives them):
    assigned            someone else gave you the case                     → the new assignee
    dispatched          a step handed the case to a person or a unit       → the assignee, else the unit queue
    returned            a step returned the work (`returns:`)              → the assignee and the submitter
    returned_to_unit    the assignee gave the case back (退回单位)           → the unit queue
    extension_approved  / extension_rejected: the decision on a request    → the submitter and the assignee
    issued              a case was opened for you (a declaration form)     → the assignee
A definition changes or adds them per transition with `notify:` (workflow.definitions.handoffs).
Nobody is told of their own act, and only people who may see the case are told.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.definitions.handoffs import ACTOR_OF, NoticeSpec
from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.roles import CLAIM, READ_ALL, RoleBook
from workflow.engine.policy import Scope, UnitTree
from workflow.events import ADVANCED, ASSIGNED, OPENED
from workflow.ports import ReadTx
from workflow.records import CaseState, Unit, User


def alert_targets(tx: ReadTx, roles: RoleBook, defn: Definition, case: CaseState, notify: Iterable[str]) -> list[str]:
    """Active users of the named roles in the case's unit chain, plus the assignee if named.

    Only users who may see the case (unit scope, confidential case types) are alerted. Reads only
    the case unit's chain and the few users who could qualify — not the whole directory — since
    the sweep asks once per rung it fires.
    """
    wanted = sorted(set(notify))
    chain = tx.unit_chain(case.unit)
    assignee = case.assignee if "assignee" in wanted else None
    anywhere = [r for r in wanted if roles.may(r, READ_ALL)]  # they see every unit's cases
    candidates = tx.alert_candidates(case.unit, roles_anywhere=anywhere, login=assignee)
    return eligible_targets(candidates, chain, roles, defn, case, wanted)


def eligible_targets(users: Iterable[User], units: Iterable[Unit], roles: RoleBook, defn: Definition,
                     case: CaseState, notify: Iterable[str]) -> list[str]:
    """Of `users`, those to alert: the rule of alert_targets over any superset of its candidates."""
    scope, wanted = Scope(units, roles), set(notify)
    out = set()
    for user in users:
        if not user.active or not scope.can_view(user, defn, case.unit):
            continue
        if user.role in wanted or ("assignee" in wanted and user.login == case.assignee):
            out.add(user.login)
    return sorted(out)


def alert_rows(case: CaseState, logins: Iterable[str], *, kind: str, at: str, level: int,
               rung: str | None = None, due_at: str | None = None, late: bool = False) -> list[dict[str, Any]]:
    """Alert rows for the event about to be appended to `case` (version + 1)."""
    return [{"login": login, "case_id": case.id, "event_version": case.version + 1, "kind": kind, "rung": rung,
             "level": level, "at": at, "due_at": due_at, "late": late, "read_at": None} for login in logins]


@dataclass(frozen=True)
class Before:
    """What the notices need of the case as it was before the change (the fold changes it in place)."""

    state: str
    assignee: str | None
    last_actor_by_trigger: dict[str, str]

    @classmethod
    def of(cls, case: CaseState) -> Before:
        return cls(case.state, case.assignee, dict(case.last_actor_by_trigger))


def handover_notices(defn: Definition, before: Before, action: str, payload: Mapping[str, Any], actor: str
                     ) -> tuple[list[NoticeSpec], str | None]:
    """The notices a change sends (kind and recipients) and the step they name, before resolving people."""
    if action == OPENED:
        if payload.get("assignee") and payload["assignee"] != actor:
            return [NoticeSpec("issued", ("assignee",))], None
        return [], None
    if action == ASSIGNED:
        if payload.get("returned"):
            return [NoticeSpec("returned_to_unit", ("unit_queue",))], None
        if payload.get("assignee") and payload["assignee"] != actor:
            return [NoticeSpec("assigned", ("assignee",))], None
        return [], None
    if action != ADVANCED:
        return [], None
    t = defn.transition(before.state, str(payload.get("trigger")))
    if t is None or t.handoff.silent:
        return [], None
    notices = _defaults(defn, t, payload)
    for extra in t.handoff.notify:  # a kind named again replaces the default's recipients; others are added
        notices = [n for n in notices if n.kind != extra.kind] + ([extra] if extra.to else [])
    return notices, t.trigger


def _defaults(defn: Definition, t: TransitionSpec, payload: Mapping[str, Any]) -> list[NoticeSpec]:
    out = []
    if payload.get("assignee"):
        out.append(NoticeSpec("dispatched", ("assignee",)))
    elif "unit" in payload:
        out.append(NoticeSpec("dispatched", ("unit_queue",)))
    if t.handoff.returns is not None:
        out.append(NoticeSpec("returned", ("assignee", "submitter")))
    decision = _extension_decision(defn, t)
    if decision:
        out.append(NoticeSpec(decision, ("submitter", "assignee")))
    return out


def _extension_decision(defn: Definition, t: TransitionSpec) -> str | None:
    """An extension granted (the step is in its dest's `extended_by`), or refused (another way out of a
    state that such a step leaves)."""
    def extends(o: TransitionSpec) -> bool:
        deadline = defn.states[o.dest].deadline
        return deadline is not None and o.trigger in deadline.extended_by

    if extends(t):
        return "extension_approved"
    if any(extends(o) and set(o.sources) & set(t.sources) for o in defn.transitions):
        return "extension_rejected"
    return None


def resolve(tx: ReadTx, roles: RoleBook, defn: Definition, before: Before, after: CaseState,
            notices: list[NoticeSpec], actor: str) -> list[tuple[str, str]]:
    """(login, kind) for every person to tell: first kind wins for a person; never the actor."""
    chain = tx.unit_chain(after.unit)
    named = {who for n in notices for who in n.to}
    anywhere = [r for r in named if r in roles and roles.may(r, READ_ALL)]
    people = {u.login: u for u in tx.alert_candidates(after.unit, roles_anywhere=anywhere, login=None)}
    scope = Scope(chain, roles)
    out: dict[str, str] = {}
    for notice in notices:
        for login in _logins(tx, roles, before, after, notice.to, people, chain):
            user = people.get(login) or tx.get_user(login)
            if user is None or login == actor or login in out or not user.active or user.is_system:
                continue
            if scope.can_view(user, defn, after.unit):
                out[login] = notice.kind
    return sorted(out.items())


def _logins(tx: ReadTx, roles: RoleBook, before: Before, after: CaseState, to: Iterable[str],
            people: dict[str, User], chain: list[Unit]) -> list[str]:
    out: list[str] = []
    for who in to:
        if who == "assignee" and after.assignee:
            out.append(after.assignee)
        elif who == "previous_assignee" and before.assignee:
            out.append(before.assignee)
        elif who == "submitter":
            out += [e.actor for e in reversed(tx.events(after.id))
                    if e.version < after.version and e.to_state == before.state][:1]
        elif who.startswith(ACTOR_OF) and before.last_actor_by_trigger.get(who[len(ACTOR_OF):]):
            out.append(before.last_actor_by_trigger[who[len(ACTOR_OF):]])
        elif who == "unit_queue":
            out += _queue_people(roles, people, chain, after.unit)
        elif who in roles:
            out += sorted(u.login for u in people.values() if u.role == who)
    return out


def _queue_people(roles: RoleBook, people: dict[str, User], chain: list[Unit], unit: str) -> list[str]:
    """Who works the queue of the case's unit: people of that unit who may claim (签收); when it has
    none, those of the nearest unit above that has some."""
    for code in UnitTree(chain).chain(unit):
        found = sorted(u.login for u in people.values() if u.unit == code and roles.may(u.role, CLAIM))
        if found:
            return found
    return []


def handover_rows(tx: ReadTx, roles: RoleBook, defn: Definition, before: Before, after: CaseState, action: str,
                  payload: Mapping[str, Any], actor: str, at: str) -> list[dict[str, Any]]:
    """The alert rows of the handover notices of the event that made `after` (its version)."""
    notices, trigger = handover_notices(defn, before, action, payload, actor)
    if not notices:
        return []
    return [{"login": login, "case_id": after.id, "event_version": after.version, "kind": kind, "rung": trigger,
             "level": 0, "at": at, "due_at": None, "late": False, "read_at": None}
            for login, kind in resolve(tx, roles, defn, before, after, notices, actor)]
