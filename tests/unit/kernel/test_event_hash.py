"""An event's hash covers every field but the hash and the sequence number, nested payload included."""
from __future__ import annotations

import hashlib
from dataclasses import fields, replace

from workflow.events import GENESIS_HASH, Event, canonical_json


def test_hash_is_sha256_of_the_canonical_content_and_changes_with_any_field():
    ev = Event("c1", 2, "2026-03-02T01:00:00.000000Z", "handler", "advanced", "a", "b",
               {"fields": {"x": [1, {"y": "中"}]}}, "rectification_item", 1, GENESIS_HASH)
    expected = {f.name: getattr(ev, f.name) for f in fields(ev) if f.name not in ("hash", "seq")}
    assert ev.sealed().hash == hashlib.sha256(canonical_json(expected).encode()).hexdigest()
    assert replace(ev, seq=99).sealed().hash == ev.sealed().hash
    changed = replace(ev, payload={"fields": {"x": [1, {"y": "中文"}]}})
    assert changed.sealed().hash != ev.sealed().hash
