"""自查从宽、被查从严 — when a self-report counts as one.

The discovery channel is fixed at intake (an immutable field). Whether a self-report earns the
lenient track is then decided by the engine, never by the person filing, and recorded as a
computed field (``computed: {self_report: …}``) with one of these values:

- ``not_self_report``: the channel is an organisation channel (investigation, public report,
  inspection, look-back) — the strict track; so is a self-report channel the case's campaign does not
  count as 自查 (its ``leniency: self_report_channels``, e.g. 补报 once the supplementary rounds are over);
- ``org_held``: the organisation already held the clue when the report came in — either the
  case's own "clue held since" date (e.g. ``clue_received_at``) is on or before the reporting day,
  or an earlier case about the same subject AND the same matter, in the same campaign, came in
  through an organisation channel (`same_matter`: the same ``category`` when both cases have one,
  else the same case type; the same campaign: both in one campaign, or both outside every campaign);
- ``late``: filed outside every self-report window of the case's OWN campaign (``self_report_windows``
  in its plan, definitions/campaigns/*.yaml; another campaign's windows never count; a case outside
  every campaign, or in one without windows, is not given this test);
- ``counted``: a self-report that passed both tests — only then do definitions offer the
  leniency recommendation.

The reporting moment is the case's intake, or, for a case opened by another case's step (a
declared problem filed from a self-declaration), the moment the declarant submitted.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

SELF_REPORT_CHANNELS = ("self_report", "supplementary_self_report")
MATTER_FIELD = "category"  # the field that names a case's matter (问题类别), where its type has one
ASSESSMENTS = ("counted", "late", "org_held", "not_self_report")


class Facts(Protocol):
    """What the rule needs from outside the case (implemented over the database by an adapter)."""

    def local_date(self, instant: datetime) -> date:
        """The calendar day of `instant` where the bureau is."""

    def in_self_report_window(self, day: date) -> bool | None:
        """True/False when the case's campaign has self-report windows; None when it has none."""

    def self_report_channels(self) -> tuple[str, ...]:
        """The channels the case's campaign counts as 自查 (SELF_REPORT_CHANNELS unless its policy narrows them)."""

    def org_held_since(self, *, subject: str, matter: str | None, before: datetime,
                       exclude_case: str) -> datetime | None:
        """When the organisation first held a case about `subject` and the same matter, in the case's
        campaign, through a non-self channel."""


def assess_self_report(*, channel: object, reported_at: datetime, subject: object, held_since: object,
                       facts: Facts | None, case_id: str, matter: object = None) -> str:
    """One of ASSESSMENTS for a case reported at `reported_at` through `channel`."""
    if channel not in (facts.self_report_channels() if facts else SELF_REPORT_CHANNELS):
        return "not_self_report"
    day = facts.local_date(reported_at) if facts else reported_at.date()
    if held_since and date.fromisoformat(str(held_since)) <= day:
        return "org_held"
    if facts is not None and isinstance(subject, str) and subject.strip() and \
            facts.org_held_since(subject=subject.strip(), matter=matter if isinstance(matter, str) and matter else None,
                                 before=reported_at, exclude_case=case_id) is not None:
        return "org_held"
    if facts is not None and facts.in_self_report_window(day) is False:
        return "late"
    return "counted"


def same_matter(snap: Mapping[str, Any], *, case_type: str, matter: str | None) -> bool:
    """Whether a stored case (its snapshot) is about the same matter as a report of `case_type` whose
    category is `matter`: the same category when both have one, else the same case type."""
    other = (snap.get("fields") or {}).get(MATTER_FIELD)
    if matter and isinstance(other, str) and other:
        return other == matter
    return snap.get("type") == case_type


def earliest_org_case(snapshots: Iterable[Mapping[str, Any]], subject_fields: Mapping[str, str],
                      subject: str, *, case_type: str, matter: str | None, campaign: str | None) -> datetime | None:
    """When the earliest of `snapshots` (stored cases) that names `subject` in its type's subject field,
    is about the same matter (`same_matter`), belongs to `campaign` (None: outside every campaign) and
    came in through an organisation channel was opened; None if none did. The stores pick the
    candidates (types with a subject field, opened before the report); this is the rule they apply."""
    earliest: datetime | None = None
    for snap in snapshots:
        fields = snap.get("fields") or {}
        named = fields.get(subject_fields.get(snap.get("type", ""), ""))
        channel = fields.get("discovery_channel")
        if not (isinstance(named, str) and named.strip() == subject and channel
                and channel not in SELF_REPORT_CHANNELS):
            continue
        if snap.get("campaign") != campaign or not same_matter(snap, case_type=case_type, matter=matter):
            continue
        opened = datetime.fromisoformat(snap["opened_at"])  # stored as UTC ISO-8601 with "Z"
        earliest = opened if earliest is None or opened < earliest else earliest
    return earliest
