"""People and units by name for documents: a login becomes a display name, a unit code the unit's name.

A document never shows a login or a unit code. The engine's own actors (`system:…`) get a label
saying what acted; the web UI may pass its translated labels instead of the Chinese ones here.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workflow.campaigns.loader import SYSTEM_ACTOR as CAMPAIGN_ACTOR
from workflow.directory.staff import OPERATOR
from workflow.escalation.recompute import RECOMPUTE_ACTOR
from workflow.events import SYSTEM_SCHEDULER
from workflow.records import SYSTEM_PREFIX, Unit, User

SYSTEM_LABELS = {
    SYSTEM_SCHEDULER: "系统（超期督办）",
    CAMPAIGN_ACTOR: "系统（方案导入）",
    RECOMPUTE_ACTOR: "系统（日历重算）",
    OPERATOR: "系统（命令行）",
}


@dataclass(frozen=True)
class Names:
    """Display names by login and unit names by code, as one lookup."""

    people: Mapping[str, str]
    units: Mapping[str, str]
    system: Mapping[str, str] = field(default_factory=lambda: dict(SYSTEM_LABELS))
    root_unit: str = ""  # the top unit's name (the bulletin's issuer)

    @classmethod
    def of(cls, users: Iterable[User], units: Iterable[Unit], **options: Mapping[str, str]) -> Names:
        unit_list = list(units)
        root = next((u.name for u in unit_list if u.parent is None), "")
        return cls({u.login: u.name or u.login for u in users}, {u.code: u.name for u in unit_list},
                   root_unit=root, **options)

    def person(self, login: str | None) -> str:
        if not login:
            return ""
        if login.startswith(SYSTEM_PREFIX):
            return self.system.get(login, "系统")
        return self.people.get(login, login)

    def unit(self, code: str | None) -> str:
        return self.units.get(code, code) if code else ""
