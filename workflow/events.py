"""Audit events: the append-only, hash-chained record of everything that happens to a case.

An event is immutable data. Its hash is SHA-256 over a canonical JSON encoding of every field
but the database's global sequence number, and it includes the previous event's hash, so editing,
deleting, reordering or truncating a case's events breaks the chain at a nameable place.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
SYSTEM_SCHEDULER = "system:scheduler"

# The actions an event may record (the `action` column).
OPENED = "opened"
ADVANCED = "advanced"
ASSIGNED = "assigned"
COMMENTED = "commented"
FIELDS_CHANGED = "fields_changed"
# … and those of the escalation feature (workflow.escalation): a rung fired, a manual supervision flag
# set or removed, a deadline computed again after the calendar changed.
ESCALATED = "escalated"
FLAGGED = "flagged"
UNFLAGGED = "unflagged"
DEADLINE_RECOMPUTED = "deadline_recomputed"
# … and `definitions migrate` (workflow.cases.migration): the case moved to another version of its definition.
# The event itself is recorded under the old version; every later event names the new one (payload
# `from_version`, `to_version`, `definition_hash`, `mapping` old state → new state, `by`, `deadline`).
MIGRATED = "migrated"
# … and `campaign load` of an edited plan (workflow.campaigns.reconcile): the plan changed what a measure case
# carries — payload `measure_id`, `changes` {field: {"from", "to"}}, the new `fields` (and `title`), and when
# they change `unit`, `assignee` (null: back to the unit's queue) and the re-planned `deadline`. No state change.
PLAN_REVISED = "plan_revised"


def canonical_json(value: Any) -> str:
    """One byte-exact encoding for hashing and storage: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars) — several times faster than copy.deepcopy,
    which replay and every case load used to spend most of their time in."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(json_copy(v) for v in value)
    return value  # str, int, float, bool, None (immutable)


def format_time(moment: datetime) -> str:
    """Fixed-width UTC text (sortable as a string on every database)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the engine only handles aware UTC times")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Event:
    """One audit event of one case."""

    case_id: str
    version: int
    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    payload: Mapping[str, Any]
    definition: str
    definition_version: int
    prev_hash: str
    hash: str = ""
    seq: int | None = field(default=None, compare=False)

    def hashed_content(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict: asdict deep-copies the payload only for it to
        # be serialised, and that copy was the largest single cost of sealing and of `audit verify`.
        content = {name: getattr(self, name) for name in _HASHED_FIELDS}
        content["payload"] = dict(self.payload)
        return content

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.hashed_content()).encode("utf-8")).hexdigest()

    def sealed(self) -> Event:
        """This event with its hash filled in (the same hash as compute_hash: the payload, encoded once, is
        spliced into the canonical text of the other fields at its sorted place, just before prev_hash)."""
        payload_json = canonical_json(dict(self.payload))
        content = {name: getattr(self, name) for name in _HASHED_FIELDS if name != "payload"}
        text = canonical_json(content)
        # Unique: inside a JSON string every quote is escaped, so only the key itself reads ',"prev_hash":'.
        at = text.index(',"prev_hash":')
        text = f'{text[:at]},"payload":{payload_json}{text[at:]}'
        sealed = replace(self, hash=hashlib.sha256(text.encode("utf-8")).hexdigest())
        # Kept for payload_text (not a field: not hashed, not compared; a dataclasses.replace copy — a changed
        # payload, say — starts without it).
        object.__setattr__(sealed, "_payload_json", payload_json)
        return sealed

    def payload_text(self) -> str:
        """The payload's canonical JSON, as stored: the text `sealed` hashed, so it is encoded once."""
        text = self.__dict__.get("_payload_json")
        return text if text is not None else canonical_json(dict(self.payload))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form used by the CLI, the web audit view and export bundles."""
        return {
            "seq": self.seq, "case": self.case_id, "version": self.version, "at": self.at, "actor": self.actor,
            "action": self.action, "from": self.from_state, "to": self.to_state, "payload": dict(self.payload),
            "definition": self.definition, "definition_version": self.definition_version,
            "prev_hash": self.prev_hash, "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            case_id=data["case"], version=int(data["version"]), at=data["at"], actor=data["actor"],
            action=data["action"], from_state=data.get("from"), to_state=data.get("to"),
            payload=dict(data.get("payload") or {}), definition=data["definition"],
            definition_version=int(data["definition_version"]), prev_hash=data["prev_hash"],
            hash=data["hash"], seq=data.get("seq"),
        )


# Every field but the hash itself and the database's sequence number, in declaration order.
_HASHED_FIELDS = tuple(f.name for f in fields(Event) if f.name not in ("hash", "seq"))
_KEYS = sorted(_HASHED_FIELDS)
assert _KEYS[_KEYS.index("payload") + 1] == "prev_hash"  # what `sealed` splices the payload in by
