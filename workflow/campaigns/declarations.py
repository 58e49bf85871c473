"""Self-declarations (集中填报): one form per staff member of a unit, who has and has not filed, spot checks.

A declaration type is any case type with a ``declarant`` person field (self_declaration,
commitment_letter). Issuing opens one case per active staff member of the unit — assigned to that
person, who alone may submit it — in one transaction, and records it in the declarations table,
so issuing again skips everyone who already has a form for that round. Declared problems become
their own cases when the form is filed (see definitions/self_declaration.yaml); the filed form is
the person's dossier (建档立册). A spot check (随机抽查) selects a seeded random sample of filed forms.
"""
from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from workflow.cases.service import CaseService
from workflow.definitions.model import Definition
from workflow.engine.policy import Scope, UnitTree
from workflow.errors import InvalidInput, UnknownUnit
from workflow.ports import ReadTx
from workflow.records import User

DECLARANT = "declarant"
SPOT_CHECK_TRIGGER = "select_for_spot_check"


@dataclass
class IssueReport:
    unit: str
    case_type: str
    round: int
    issued: list[dict[str, str]] = field(default_factory=list)
    already: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "type": self.case_type, "round": self.round, "issued": self.issued,
                "already_issued": self.already, "skipped": self.skipped}


class Declarations:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def issue(self, unit: str, *, actor: str, case_type: str = "self_declaration", round_no: int = 1,
              subunits: bool = False) -> IssueReport:
        """Open a form for every active staff member of `unit` who has none for this round yet.

        Raises:
            InvalidInput: `case_type` is not a declaration type, or the round is not a positive number.
            UnknownUnit, UnknownUser, RoleNotAllowed: nothing is issued.
        """
        defn = self._declaration_type(case_type)
        if round_no < 1:
            raise InvalidInput("declarations.round")
        report = IssueReport(unit, case_type, round_no)
        read_only = self.cases.registry.roles.read_only()
        with self.cases.begin() as work:
            user = work.user(actor)
            staff = self._staff(work.tx, unit, subunits)
            # Checked even when nobody is left to issue to.
            Scope(work.tx.units(), self.cases.registry.roles).check_act(user, defn, unit, opening=True)
            existing = work.tx.declarations(case_type, round_no)
            for person in staff:
                entry = {"login": person.login, "name": person.name}
                if person.role in read_only:
                    report.skipped.append({**entry, "reason": f"role {person.role} is read-only and cannot file"})
                elif person.login in existing:
                    report.already.append({**entry, "case": existing[person.login]})
                else:
                    case = work.open(defn, user, title=self._title(defn.title, person, round_no), unit=person.unit,
                                     fields=self._fields(defn.fields, person, round_no), assignee=person.login)
                    work.tx.add_declaration(case_type=case_type, round_no=round_no, declarant=person.login,
                                            case_id=case.id, unit=str(person.unit), issued_at=work.now)
                    report.issued.append({**entry, "case": case.id})
        return report

    def status(self, unit: str, *, case_type: str = "self_declaration", round_no: int = 1,
               subunits: bool = False) -> dict[str, Any]:
        """Who in `unit` has filed, who has not, and who was never issued a form."""
        defn = self._declaration_type(case_type)
        read_only = self.cases.registry.roles.read_only()
        with self.cases.store.read() as tx:
            staff = [p for p in self._staff(tx, unit, subunits) if p.role not in read_only]
            existing = tx.declarations(case_type, round_no)
            cases = {p.login: tx.get_case(existing[p.login]) for p in staff if p.login in existing}
        people = []
        for p in staff:
            case = cases.get(p.login)
            row: dict[str, Any] = {"login": p.login, "name": p.name, "unit": p.unit, "case": None, "state": None,
                                   "filed": False}
            if case is not None:
                d = self.cases.definition_of(case)
                row.update(case=case.id, state=case.state, stage=d.states[case.state].stage,
                           filed=case.state != d.initial)
            people.append(row)
        return {
            "unit": unit, "type": defn.name, "round": round_no, "staff": len(people),
            "issued": sum(1 for r in people if r["case"]), "filed": sum(1 for r in people if r["filed"]),
            "not_filed": [r["login"] for r in people if r["case"] and not r["filed"]],
            "not_issued": [r["login"] for r in people if not r["case"]], "people": people,
        }

    def spot_check(self, unit: str, *, actor: str, rate: float, seed: int | None = None,
                   case_type: str = "self_declaration", round_no: int = 1, subunits: bool = False) -> dict[str, Any]:
        """Select ceil(rate × filed forms) at random (reproducible from `seed`) for a spot check.

        Each selected form moves on in its own step (recorded with the rate and seed).
        """
        if not 0 < rate <= 1:
            raise InvalidInput("declarations.rate")
        seed = secrets.randbelow(10**9) if seed is None else seed
        people = self.status(unit, case_type=case_type, round_no=round_no, subunits=subunits)["people"]
        candidates = []  # ordered by declarant, so the same seed picks the same people in any database
        for row in sorted(people, key=lambda r: r["login"]):
            if row["case"]:
                case = self.cases.get(row["case"])
                if self.cases.definition_of(case).transition(case.state, SPOT_CHECK_TRIGGER):
                    candidates.append(row["case"])
        size = math.ceil(rate * len(candidates)) if candidates else 0
        chosen = random.Random(seed).sample(candidates, size)
        basis = f"rate {rate:g}, seed {seed}, {size} of {len(candidates)} filed"
        for case_id in chosen:
            self.cases.advance(case_id, SPOT_CHECK_TRIGGER, actor=actor, fields={"sample_basis": basis})
        return {"unit": unit, "type": case_type, "round": round_no, "seed": seed, "rate": rate,
                "candidates": len(candidates), "selected": chosen}

    # ---- helpers ----------------------------------------------------------------------------
    def _declaration_type(self, case_type: str) -> Definition:
        defn = self.cases.registry.latest(case_type)
        spec = defn.fields.get(DECLARANT)
        if spec is None or spec.type != "person":
            raise InvalidInput("declarations.not_a_form", case_type=case_type, field=DECLARANT)
        return defn

    @staticmethod
    def _staff(tx: ReadTx, unit: str, subunits: bool) -> list[User]:
        if tx.get_unit(unit) is None:
            raise UnknownUnit(unit)
        units = UnitTree(tx.units()).subtree(unit) if subunits else {unit}
        return [u for u in tx.users() if u.active and u.unit in units]

    @staticmethod
    def _title(title: Any, person: User, round_no: int) -> str:
        return f"{title['zh']}（第{round_no}轮）— {person.name}"

    @staticmethod
    def _fields(fields: Any, person: User, round_no: int) -> dict[str, Any]:
        values: dict[str, Any] = {DECLARANT: person.login}
        if "declarant_name" in fields:
            values["declarant_name"] = person.name
        if "round" in fields:
            values["round"] = round_no
        return values
