"""The access log as people read it: who (by name) did what (in words) to whom, with what outcome.

The log stores logins, action names and codes (workflow.read_side.AccessEntry, append-only); this
turns one entry into labels in the user's language — display names for people, names for units,
role labels, case type titles — so the auditor's page shows no login, code or internal name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from web.context import core, unit_names
from web.i18n import label
from web.names import person
from workflow.errors import WorkflowError
from workflow.events import parse_time
from workflow.messages import N_
from workflow.read_side import AccessEntry

ACTIONS = {
    "login": N_("Log in"), "logout": N_("Log out"),
    "view_case": N_("View a confidential case"),
    "view_case_history": N_("View a confidential case's history"),
    "view_attachment": N_("Download a confidential case's file"),
    "export_audit": N_("Export the audit log"), "export_audit_xlsx": N_("Export the audit log (Excel)"),
    "export_ledger": N_("Export the problem ledger"), "forbidden": N_("Refused request"),
    "export_bulletin": N_("Download the bulletin"), "export_campaign_report": N_("Download a progress report"),
    "export_case_form": N_("Download a close-out form"),
    "view_case_print": N_("Print a confidential case's close-out form"),
    "view_case_form": N_("Download a confidential case's close-out form"),
    "add_user": N_("Add a user"), "add_unit": N_("Add a unit"),
    "change_user": N_("Change a user"), "disable_user": N_("Disable a user"),
    "enable_user": N_("Enable a user"), "reset_password": N_("Reset a password"),
    "change_password": N_("Change own password"), "end_sessions": N_("End a user's sessions"),
    "unlock_user": N_("Unlock an account"),
    "grant_role": N_("Grant a role"), "change_role": N_("Change a role"), "revoke_role": N_("Revoke a role"),
    "download_checkpoint": N_("Download a checkpoint"), "download_consistency": N_("Download a consistency proof"),
    "upload_cosignature": N_("Upload a cosigned checkpoint"), "register_witness_key": N_("Register a witness key"),
}
WITNESSING = ("download_checkpoint", "download_consistency", "upload_cosignature", "register_witness_key")
OUTCOMES = {"ok": N_("Done"), "failed": N_("Failed"), "throttled": N_("Throttled"),
            "refused": N_("Refused")}
ACTING_ON_CONFIDENTIAL = N_("Act on a confidential case")  # view_<endpoint> of the other case pages


@dataclass(frozen=True)
class AccessRow:
    entry: AccessEntry
    actor: str
    action: str
    outcome: str
    target: str
    details: list[tuple[str, str]]


def rows(entries: list[AccessEntry]) -> list[AccessRow]:
    return [_row(e) for e in entries]


def _row(e: AccessEntry) -> AccessRow:
    d = e.detail
    action = ACTIONS.get(e.action)
    if action is None and e.action.startswith("view_"):
        action = ACTING_ON_CONFIDENTIAL
    target_user = d.get("user", d.get("login") if e.action in ("add_user", "end_sessions") else None)
    target_unit = d.get("unit", d.get("code")) if e.action == "add_unit" else None
    target = person(str(target_user)) if target_user else _unit(target_unit)
    actor = "—" if e.actor == "-" else person(e.actor)
    return AccessRow(e, actor, _(action) if action else e.action,
                     _(OUTCOMES[e.outcome]) if e.outcome in OUTCOMES else e.outcome, target, _details(e))


def _details(e: AccessEntry) -> list[tuple[str, str]]:
    d, out = e.detail, []
    if e.action == "add_user" and d.get("role"):
        out.append((_("Role"), _role(d["role"])))
    if e.action == "add_user" and d.get("unit"):
        out.append((_("Unit"), _unit(d["unit"])))
    if e.action == "add_unit" and d.get("parent"):
        out.append((_("Parent unit"), _unit(d["parent"])))
    if e.action in ("grant_role", "change_role", "revoke_role"):
        out.append((_("Role"), f"{_role(d.get('previous') or '')} → {_role(d.get('role') or '')}"))
    for key, (old, new) in (d.get("changes") or {}).items():
        show = {"role": _role, "unit": _unit}.get(key, lambda v: str(v or "—"))
        out.append((_("Role") if key == "role" else _("Unit") if key == "unit" else _("Name"),
                    f"{show(old)} → {show(new)}"))
    if "generated" in d:
        out.append((_("Temporary password"), _("generated") if d["generated"] else _("given by the operator")))
    if d.get("type"):
        out.append((_("Case type"), _case_type(d["type"])))
    if "events" in d:
        out.append((_("Events"), str(d["events"])))
    if "cases" in d:
        out.append((_("Cases"), str(d["cases"])))
    if d.get("filter"):
        out.append((_("Scope"), _("all") if d["filter"] == "all" else str(d["filter"])))
    if d.get("path"):
        out.append((_("Request"), f"{d.get('method', '')} {d['path']}".strip()))
    if e.action in WITNESSING:
        if "size" in d:
            out.append((_("Entries"), str(d["size"])))
        if d.get("witness") or d.get("witnesses"):
            out.append((_("Witness"), "、".join(d.get("witnesses") or [d["witness"]])))
    if "attempts" in d:  # a failed-login row stands for this many attempts (workflow.directory.throttle)
        out.append((_("Attempts"), str(d["attempts"])))
    if d.get("until"):
        locked = _("the account") if d.get("scope") == "login" else _("the address")
        until = parse_time(str(d["until"])).astimezone(core().calendar.tzinfo).strftime("%Y-%m-%d %H:%M")
        out.append((_("Locked until"), f"{until}（{locked}）"))
    if d.get("locked_until"):  # an unlock: when the lock would have ended
        until = parse_time(str(d["locked_until"])).astimezone(core().calendar.tzinfo).strftime("%Y-%m-%d %H:%M")
        out.append((_("Was locked until"), until))
    return out


def _role(value: Any) -> str:
    role = core().roles.get(str(value)) if value else None
    return label(role.label, str(value)) if role else str(value or "—")


def _unit(value: Any) -> str:
    return unit_names().get(str(value), str(value)) if value else "—"


def _case_type(value: Any) -> str:
    try:
        defn = core().registry.latest(str(value))
    except WorkflowError:  # a type no longer loaded: its name is all there is
        return str(value)
    return label(defn.title, str(value))
