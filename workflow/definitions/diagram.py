"""State-machine diagrams of definitions as Mermaid `stateDiagram-v2` text (drawn in the browser).

Pure text generation from the definition — no graphviz binaries. The current state of a case
can be highlighted. Labels are sanitised so no definition text can break out of the diagram.
"""
from __future__ import annotations

import re

from workflow.definitions.model import Definition

_UNSAFE = re.compile(r"[\"':;#<>{}\[\]`|\\\n\r]")


def _text(label: str) -> str:
    return _UNSAFE.sub(" ", label).strip() or "?"


def _id(state: str) -> str:
    return "s_" + state  # state names are [a-z0-9_]; the prefix avoids Mermaid keywords such as `end`


def mermaid(defn: Definition, lang: str = "zh", current: str | None = None) -> str:
    """The definition's lifecycle as Mermaid text; `current` is drawn highlighted."""
    lines = ["stateDiagram-v2", "  direction LR"]
    for s in defn.states.values():
        lines.append(f'  state "{_text(s.label.get(lang) or s.name)}" as {_id(s.name)}')
    lines.append(f"  [*] --> {_id(defn.initial)}")
    for t in defn.transitions:
        for source in t.sources:
            lines.append(f"  {_id(source)} --> {_id(t.dest)} : {_text(t.label.get(lang) or t.trigger)}")
    for s in defn.states.values():
        if s.terminal:
            lines.append(f"  {_id(s.name)} --> [*]")
    if current is not None and current in defn.states:
        lines.append("  classDef current fill:#ffd54f,stroke:#e65100,stroke-width:3px,font-weight:bold")
        lines.append(f"  class {_id(current)} current")
    return "\n".join(lines)
