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


def test_sealing_encodes_the_payload_once_and_hashes_exactly_as_compute_hash():
    """`sealed` splices the payload's text into the other fields' canonical text; the store writes that text.
    Neither may differ from encoding the whole content at once — whatever the strings hold."""
    tricky = ',"prev_hash":"x","payload":{}}\\"\u2028中'
    ev = Event("c1", 3, "2026-03-02T01:00:00.000000Z", tricky, tricky, tricky, None,
               {tricky: [tricky, {"prev_hash": tricky}], "n": 1.5, "z": None}, tricky, 2, GENESIS_HASH)
    sealed = ev.sealed()
    assert sealed.hash == ev.compute_hash() == sealed.compute_hash()
    assert sealed.payload_text() == canonical_json(dict(ev.payload))
    # A copy with another payload forgets the sealed text: the store writes the payload it holds.
    forged = replace(sealed, payload={"comment": "改过"})
    assert forged.payload_text() == canonical_json({"comment": "改过"})
