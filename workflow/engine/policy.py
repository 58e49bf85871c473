"""Who may see and act on which case: roles, the unit tree and confidential case types.

A user acts within their unit and its sub-units (a bureau-level user therefore covers the whole
county); auditors see everything and change nothing; admins manage users and units only.
"""
from __future__ import annotations

from typing import Iterable

from workflow.definitions.model import Definition
from workflow.errors import RoleNotAllowed
from workflow.ports import Unit, User

READ_ONLY_ROLES = frozenset({"auditor", "admin"})  # may never act on cases (definitions are checked too)


class Scope:
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

    def can_view(self, user: User, defn: Definition, case_unit: str) -> bool:
        if user.role == "auditor":
            return True
        if user.role == "admin":
            return False
        if defn.visible_to and user.role not in defn.visible_to:
            return False
        return self.covers(user, case_unit)

    def check_act(self, user: User, defn: Definition, case_unit: str, *, opening: bool = False) -> None:
        if user.role in READ_ONLY_ROLES:
            raise RoleNotAllowed(f"role {user.role!r} is read-only for cases")
        if defn.visible_to and user.role not in defn.visible_to:
            raise RoleNotAllowed(f"{defn.name} cases are confidential to {', '.join(defn.visible_to)}")
        if opening and user.role not in (defn.openers or defn.roles):
            raise RoleNotAllowed(f"role {user.role!r} may not open {defn.name} cases "
                                 f"(openers: {', '.join(defn.openers or defn.roles)})")
        if not self.covers(user, case_unit):
            raise RoleNotAllowed(f"{user.login} ({user.unit}) does not cover unit {case_unit!r}")
