"""Roles as data: definitions/roles.yaml names each role and what it may do (its capabilities).

Python code never asks "is this user a supervisor?" — it asks whether the user's role has a
capability (``roles.may(user.role, FLAG)``), and lists of roles are derived from the file
(``roles.having(ASSIGN)``). Adding a role is an edit of roles.yaml; a capability is a fixed word of
the vocabulary below, so a misspelt one is an error at load, never a silent "no".
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.definitions.model import NAME_RE, line_of
from workflow.errors import DefinitionError

# The capability vocabulary, in the order roles.yaml documents it.
ACT = "act"                        # act on cases: open them, fire steps, comment (without it a role is read-only)
READ = "read"                      # see the cases of its own unit and the units below it
READ_ALL = "read_all"              # county-wide: every case of every unit, confidential case types included
CLAIM = "claim"                    # work a unit queue: claim (签收) an unassigned case, give one back (退回)
ASSIGN = "assign"                  # assign cases to others (a definition's `assigners`, when it names none)
EDIT_FIELDS = "edit_fields"        # correct field values outside a step (a definition's `editors`, when none)
BE_ASSIGNED = "be_assigned"        # may be given cases: offered in the assignee pickers
OWN_TODO = "own_todo"              # the to-do lists only the cases assigned to them; the rest is the queue
SEE_OVERDUE = "see_overdue"        # the overdue-and-escalated inbox
FLAG = "flag"                      # put cases under supervision: 催办, 督办, 挂牌督办
FLAG_ALERTS = "flag_alerts"        # alerted when a case of its unit chain is flagged
LISTING_ALERTS = "listing_alerts"  # alerted when a case of its unit chain is listed (挂牌督办)
AUDIT = "audit"                    # the audit log, the access log, audit exports (the logs, not the cases)
ADMINISTER_ACCOUNTS = "administer_accounts"  # accounts (add, disable, reset password), units, definitions
GRANT_ROLES = "grant_roles"        # give a user a role, change or take it away (never one's own)
RECOMPUTE_DEADLINES = "recompute_deadlines"  # recompute deadlines after the working-day calendar changed
IMPORT_LEDGER = "import_ledger"    # import a problem ledger (问题台账) from a spreadsheet: `rectiflow ledger import`
WITNESS = "witness"                # register witness keys, bring cosigned checkpoints back (the audit administrator)

CAPABILITIES = (ACT, READ, READ_ALL, CLAIM, ASSIGN, EDIT_FIELDS, BE_ASSIGNED, OWN_TODO, SEE_OVERDUE, FLAG,
                FLAG_ALERTS, LISTING_ALERTS, AUDIT, ADMINISTER_ACCOUNTS, GRANT_ROLES, RECOMPUTE_DEADLINES,
                IMPORT_LEDGER, WITNESS)
# The administrative powers (三员分立): held by the system, security and audit administrators. An account
# holding one is protected from the others: its password is reset only at the host (`rectiflow user
# reset-password`), so no administrator can take over another's powers through a temporary password.
ADMINISTRATIVE = (ADMINISTER_ACCOUNTS, GRANT_ROLES, AUDIT)
# Capabilities of earlier releases and what replaced them (a roles.yaml still naming one is told so).
RENAMED = {"administer": "administer_accounts (accounts, units) and grant_roles (roles): 三员分立"}
NO_ROLE = ""  # an account the system administrator created and no security administrator has given a role yet
ROLE_KEYS = frozenset({"label", "may"})


@dataclass(frozen=True)
class Role:
    name: str
    label: Mapping[str, str]
    capabilities: frozenset[str] = frozenset()

    @property
    def read_only(self) -> bool:
        """May never act on cases (and so may not be named where a definition says who acts)."""
        return ACT not in self.capabilities


class RoleBook(Mapping[str, Role]):
    """The role vocabulary, by name, in the file's order; answers what a role may do."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self._roles = {r.name: r for r in roles}

    def __getitem__(self, name: str) -> Role:
        return self._roles[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._roles)

    def __len__(self) -> int:
        return len(self._roles)

    def may(self, role: str, capability: str) -> bool:
        """Whether `role` has `capability` (an unknown role — a system actor's empty one — has none)."""
        if capability not in CAPABILITIES:
            raise ValueError(f"unknown capability {capability!r}")
        found = self._roles.get(role)
        return found is not None and capability in found.capabilities

    def having(self, *capabilities: str) -> tuple[str, ...]:
        """The roles with any of `capabilities`, in the file's order."""
        for capability in capabilities:
            if capability not in CAPABILITIES:
                raise ValueError(f"unknown capability {capability!r}")
        return tuple(r.name for r in self._roles.values() if r.capabilities & set(capabilities))

    def administrative(self, role: str) -> bool:
        """Whether `role` holds one of the administrative powers (ADMINISTRATIVE)."""
        found = self._roles.get(role)
        return found is not None and bool(found.capabilities & set(ADMINISTRATIVE))

    def read_only(self) -> frozenset[str]:
        return frozenset(r.name for r in self._roles.values() if r.read_only)

    def needs_unit(self, role: str) -> bool:
        """Whether a user of `role` must belong to a unit: a role that reads cases (`read`) but not
        county-wide (`read_all`) sees and acts within its unit, so without one it would have no scope."""
        found = self._roles.get(role)
        return found is not None and READ in found.capabilities and READ_ALL not in found.capabilities


def parse_roles(data: Any, *, source: str) -> RoleBook:
    """The role book from roles.yaml's data; every problem raised together as ``PATH:LINE: message``."""
    roles = data.get("roles") if isinstance(data, Mapping) else None
    if not isinstance(roles, Mapping) or not roles:
        raise DefinitionError(f"{source}:1: expected `roles:` mapping role names to their label and `may:` list")
    problems, out = [], []
    for name, spec in roles.items():
        where = f"{source}:{line_of(roles, name) or '?'}"
        if not isinstance(name, str) or not NAME_RE.match(name) or not isinstance(spec, Mapping):
            problems.append(f"{where}: bad role entry {name!r}")
            continue
        problems += [f"{where}: role {name!r}: unknown key {k!r} (known: {', '.join(sorted(ROLE_KEYS))})"
                     for k in spec if k not in ROLE_KEYS]
        may = spec.get("may") or []
        if not isinstance(may, list) or not all(isinstance(c, str) for c in may):
            problems.append(f"{where}: role {name!r}: `may` must be a list of capabilities")
            may = []
        problems += [f"{where}: role {name!r}: capability {c!r} was replaced by {RENAMED[c]}"
                     for c in may if c in RENAMED]
        problems += [f"{where}: role {name!r}: unknown capability {c!r} (known: {', '.join(CAPABILITIES)})"
                     for c in may if c not in CAPABILITIES and c not in RENAMED]
        out.append(Role(name, dict(spec.get("label") or {}), frozenset(c for c in may if c in CAPABILITIES)))
    if problems:
        raise DefinitionError(problems)
    return RoleBook(out)
