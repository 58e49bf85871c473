"""Audit bundle format /2 (docs/audit-bundle.md): write the log, its checkpoint and its proofs as JSON Lines.

A full export ("all") holds every record of the Merkle log below the checkpoint's tree size — case
events and access-log rows — each with `seq`, its log position, so a verifier recomputes the root;
a case export ("case:<id>") holds that case's events with an RFC 6962 inclusion proof each. The
header carries the definitions the events name, and the version each `migrated` event moves its case to
(YAML text, its SHA-256, and the states and transitions a verifier without a YAML parser checks continuity
against; both null for a stored version today's parser refuses, so that one refused version does not stop
the export and the verifier says what it could not check). Every line is canonical
JSON; the trailer holds the SHA-256 of every byte before it. workflow.audit.bundle_verify reads it.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workflow.audit.checkpoints import Checkpoints
from workflow.audit.logcheck import EVENT
from workflow.audit.merkle import inclusion_proof
from workflow.definitions.model import Definition
from workflow.definitions.registry import DefinitionRegistry
from workflow.errors import CaseNotFound, DefinitionRefused
from workflow.events import MIGRATED, canonical_json, format_time
from workflow.ports import Clock, Store
from workflow.records import StoredDefinition

BUNDLE_FORMAT_V2 = "rectiflow-audit-bundle/2"


def definition_entry(stored: StoredDefinition, definition: Definition | None) -> dict[str, Any]:
    """The header entry of a stored version; `definition` None (the parser refuses it): initial/transitions null."""
    return {"name": stored.name, "version": stored.version, "yaml": stored.text,
            "yaml_sha256": hashlib.sha256(stored.text.encode("utf-8")).hexdigest(),
            "initial": definition.initial if definition else None,
            "transitions": [{"trigger": t.trigger, "from": list(t.sources), "to": t.dest}
                            for t in definition.transitions] if definition else None}


def used_definitions(records: Iterable[dict[str, Any]]) -> set[tuple[str, int]]:
    """The (name, version) a case bundle's events name, and the version each `migrated` event moves to."""
    used = set()
    for r in records:
        used.add((r["definition"], r["definition_version"]))
        if r["action"] == MIGRATED and isinstance(r["payload"].get("to_version"), int):
            used.add((r["definition"], r["payload"]["to_version"]))
    return used


def record_line(position: int, kind: str, record: Any) -> dict[str, Any]:
    """The bundle line of the record at log position `position` (an Event, or an access-log row's columns)."""
    if kind == EVENT:
        return {**record.to_dict(), "type": "event", "seq": position}
    return {"type": "access", "seq": position, "row": dict(record)}


def write_lines(out: IO[bytes], header: dict[str, Any], checkpoints: Iterable[str],
                records: Iterable[dict[str, Any]], proofs: Iterable[dict[str, Any]]) -> tuple[int, int, str]:
    """Write a /2 bundle; (events, access rows, digest of the bytes before the trailer)."""
    digest, counts = hashlib.sha256(), {"event": 0, "access": 0}

    def emit(obj: dict[str, Any]) -> None:
        line = (canonical_json(obj) + "\n").encode("utf-8")
        digest.update(line)
        out.write(line)

    emit({"type": "header", "format": BUNDLE_FORMAT_V2, **header})
    for note in checkpoints:
        emit({"type": "checkpoint", "note": note})
    for record in records:
        counts[record["type"]] += 1
        emit(record)
    for proof in proofs:
        emit({"type": "inclusion", **proof})
    final = digest.hexdigest()
    out.write((canonical_json({"type": "trailer", "digest": final, "events": counts["event"],
                               "access": counts["access"]}) + "\n").encode("utf-8"))
    return counts["event"], counts["access"], final


@dataclass
class Exported:
    events: int
    access: int
    digest: str
    size: int
    note: str | None  # the checkpoint written at export (None: no signing key configured)


class BundleExport:
    """`rectiflow audit export`: sequence, sign a checkpoint (when a key is configured), write the bundle."""

    def __init__(self, store: Store, checkpoints: Checkpoints, registry: DefinitionRegistry, clock: Clock) -> None:
        self.store, self.checkpoints, self.registry, self.clock = store, checkpoints, registry, clock

    def export(self, output: Path, *, case_id: str | None = None) -> Exported:
        """Write the bundle to `output` (whole or not at all)."""
        log = self.checkpoints.log
        if self.checkpoints.key_path is not None:
            cp, note = self.checkpoints.checkpoint()
            size: int = cp.size
            notes = [note]
        else:  # no key: the bundle still proves its own tree, but nothing signed anchors it (the verifier says so)
            log.sequence()
            size, note, notes = log.size(), None, []
        records: Iterator[dict[str, Any]] | list[dict[str, Any]]
        proofs: list[dict[str, Any]] = []
        with self.store.read() as tx:
            stored = tx.stored_definitions()
        if case_id is None:
            records, used = (record_line(p, k, r) for p, k, r in log.records(size)), None
        else:
            records = [record_line(p, k, r) for p, k, r in log.records(size, case_id)]
            if not records:
                raise CaseNotFound(case_id)
            used = used_definitions(records)
            leaves = list(log.stored_leaves(size))
            proofs = [{"seq": r["seq"], "proof": [base64.b64encode(h).decode()
                                                  for h in inclusion_proof(r["seq"], leaves)]} for r in records]
        definitions = [definition_entry(s, self._parsed(s)) for s in stored
                       if used is None or (s.name, s.version) in used]
        header = {"scope": "all" if case_id is None else f"case:{case_id}",
                  "exported_at": format_time(self.clock.now()), "origin": self.checkpoints.origin(),
                  "tree_size": size, "definitions": definitions}
        tmp = output.with_name(output.name + ".part")
        with tmp.open("wb") as fh:
            events, access, digest = write_lines(fh, header, notes, records, proofs)
        tmp.replace(output)
        return Exported(events, access, digest, size, note)

    def _parsed(self, stored: StoredDefinition) -> Definition | None:
        try:
            return self.registry.get(stored.name, stored.version)
        except DefinitionRefused:  # skipped at start-up; its cases' history is still exported, unchecked
            return None
