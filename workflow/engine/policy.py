"""Who may see and do what: every permission question the engine asks, answered here from data.

Roles and what they may do come from definitions/roles.yaml (workflow.definitions.roles); who
may fire a step, assign or correct fields comes from the case's definition; where a user may act
comes from the unit tree. A user acts within their unit and the units below it (a bureau-level
user covers the whole county; a user with no unit does too, unless their role works within a unit
— `RoleBook.needs_unit` — when they cover nothing); a `read_all` role sees everything and
changes nothing; a role without `act` is read-only. The state machine (workflow.engine.machine)
answers the remaining question — whether the step is possible from the case's state.
"""
from __future__ import annotations

from collections.abc import Iterable

from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.roles import ACT, READ, READ_ALL, RoleBook
from workflow.errors import RoleNotAllowed
from workflow.messages import Message
from workflow.records import CaseState, Unit, User


class UnitTree:
    """The unit tree (or one case unit's chain of ancestors): who covers which unit."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._parent = {u.code: u.parent for u in units}

    def chain(self, code: str) -> list[str]:
        """The unit and its ancestors up to the root."""
        out: list[str] = []
        while code and code not in out:
            out.append(code)
            code = self._parent.get(code) or ""
        return out

    def subtree(self, code: str) -> set[str]:
        return {c for c in self._parent if code in self.chain(c)}

    def covers(self, user: User, case_unit: str) -> bool:
        return user.unit is None or user.unit in self.chain(case_unit)


class Scope(UnitTree):
    """A unit tree seen with the role book: may this user see, or act on, a case of that unit?"""

    def __init__(self, units: Iterable[Unit], roles: RoleBook) -> None:
        super().__init__(units)
        self.roles = roles

    def covers(self, user: User, case_unit: str) -> bool:
        """As UnitTree.covers, except that a user whose role works within a unit but who has none
        (a row from before units were required) covers nothing, rather than the whole county."""
        if user.unit is None and self.roles.needs_unit(user.role):
            return False
        return super().covers(user, case_unit)

    def can_view(self, user: User, defn: Definition, case_unit: str) -> bool:
        return can_see_type(self.roles, user.role, defn) and (
            self.roles.may(user.role, READ_ALL) or self.covers(user, case_unit))

    def check_act(self, user: User, defn: Definition, case_unit: str, *, opening: bool = False) -> None:
        """RoleNotAllowed unless `user` may act on a `defn` case of `case_unit` (or open one)."""
        if not self.roles.may(user.role, ACT):
            raise RoleNotAllowed("access.read_only", role=user.role)
        if defn.visible_to and user.role not in defn.visible_to:
            raise RoleNotAllowed("access.confidential", case_type=defn.name, roles=list(defn.visible_to))
        if opening and user.role not in (defn.openers or defn.roles):
            raise RoleNotAllowed("access.may_not_open", role=user.role, case_type=defn.name,
                                 roles=list(defn.openers or defn.roles))
        if not self.covers(user, case_unit):
            raise RoleNotAllowed("access.not_covered", user=user.login, user_unit=str(user.unit), unit=case_unit)


def can_see_type(roles: RoleBook, role: str, defn: Definition) -> bool:
    """Whether `role` may see cases of this type at all (unit scope aside)."""
    if roles.may(role, READ_ALL):
        return True
    if not roles.may(role, READ):
        return False
    return not defn.visible_to or role in defn.visible_to


def check_step(user: User, t: TransitionSpec) -> None:
    if user.role not in t.roles:
        raise RoleNotAllowed("access.may_not_step", role=user.role, trigger=t.trigger, roles=list(t.roles))


def check_assign(user: User, defn: Definition, case: CaseState, assignee: str | None) -> None:
    """Assigners may give a case to anyone in scope; anyone may claim an unassigned case (签收)."""
    claiming = assignee == user.login and case.assignee is None
    if not claiming and user.role not in defn.assigners:
        raise RoleNotAllowed("access.may_not_assign", role=user.role, case_type=defn.name, roles=list(defn.assigners))


def check_return(user: User, defn: Definition, case: CaseState) -> None:
    """The assignee, or an assigner, may give a case back to the unit queue (退回)."""
    if user.login != case.assignee and user.role not in defn.assigners:
        raise RoleNotAllowed("access.may_not_return", roles=list(defn.assigners))


def check_edit(user: User, defn: Definition) -> None:
    if user.role not in defn.editors:
        raise RoleNotAllowed("access.may_not_edit", role=user.role, case_type=defn.name, roles=list(defn.editors))


def check_capability(roles: RoleBook, user: User, capability: str, doing: Message) -> None:
    """RoleNotAllowed unless the user's role has `capability` (the message says what and who may)."""
    if not roles.may(user.role, capability):
        raise RoleNotAllowed("access.capability", role=user.role, doing=doing, roles=list(roles.having(capability)))
