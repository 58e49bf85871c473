"""The case-type catalogue: every definition with its stages, states, transitions, roles, deadlines,
escalation ladder, diagram and plan clauses — as Markdown and as HTML, from the same blocks.

A bureau reads it to check the plan line by line: the coverage table maps every numbered item of
the plan to the case types, fields and features that serve it.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workflow.campaigns.coverage import Coverage, PlanItemRef, items_by_case_type
from workflow.definitions.checks import assessment_fields, guards_reading
from workflow.definitions.diagram import mermaid
from workflow.definitions.guards import Guard, fields_named
from workflow.definitions.model import STAGE_LABELS, STAGES, Definition


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | h3 | p | table | mermaid
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()  # for tables: the header row first


def blocks(definitions: Iterable[Definition], items: Sequence[PlanItemRef], coverage: Coverage) -> list[Block]:
    defs = sorted(definitions, key=lambda d: d.name)
    out = [Block("h1", "案件类型目录 / Case-type catalogue"),
           Block("p", f"{len(defs)} case types, generated from definitions/*.yaml. Each lists the plan clauses it "
                      "serves; the coverage table below traces every numbered item of the plan.")]
    out += _coverage(items, coverage)
    traced = items_by_case_type(coverage)
    for d in defs:
        out += _definition(d, traced.get(d.name, []))
    return out


def _coverage(items: Sequence[PlanItemRef], coverage: Coverage) -> list[Block]:
    rows = [("Plan item", "Gloss", "Traced to")]
    for item in items:
        traces = coverage.items.get(item.id, ())
        text = "; ".join(f"{t.kind.replace('_', ' ')} `{t.target}`" + (f" ({t.note})" if t.note else "")
                         for t in traces) or "**NOT TRACED**"
        rows.append((item.id, item.gloss, text))
    features = [("Feature", "Module", "What")] + [(name, f"`{f['module']}`", str(f.get("what", "")))
                                                  for name, f in coverage.features.items()]
    return [Block("h2", "计划条目覆盖 / Plan coverage"), Block("table", rows=tuple(rows)),
            Block("h3", "Features"), Block("table", rows=tuple(features))]


def _definition(d: Definition, traced: list[str]) -> list[Block]:
    out = [Block("h2", f"{d.title.get('zh', '')} / {d.title.get('en', '')} (`{d.name}` v{d.version})")]
    if d.description:
        out.append(Block("p", f"{d.description.get('zh', '')} — {d.description.get('en', '')}"))
    out.append(Block("p", f"**Source clauses:** {', '.join(d.source_clauses) or '—'}. "
                          f"**Plan items traced here:** {', '.join(traced) or '—'}."))
    opens = "the campaign itself (a plan load or an assessment round)" if d.opened_by == "campaign" \
        else ", ".join(d.openers or d.roles)
    who = f"**Roles:** {', '.join(d.roles)}. **May open:** {opens}. **Assign:** {', '.join(d.assigners)}."
    if d.visible_to:
        who += f" **Confidential to:** {', '.join(d.visible_to)} (and auditors, read-only)."
    out.append(Block("p", who))
    out += [Block("h3", "Stages and states"), Block("table", rows=_states(d)),
            Block("h3", "Transitions"), Block("table", rows=_transitions(d))]
    out += _leniency(d)
    computed = [(n, f.label.get("zh", ""), f"{f.computed.kind} {dict(f.computed.args)}")
                for n, f in d.fields.items() if f.computed is not None]
    if computed:
        out += [Block("h3", "Computed by the engine"), Block("table", rows=(("Field", "Label", "Rule"), *computed))]
    if d.escalation:
        rows = [("Rung", "When", "Notify", "Level", "Bulletin")] + [
            (f"{r.name} ({r.label.get('zh', '')})", r.when, ", ".join(r.notify), str(r.level),
             "yes" if r.bulletin else "")
            for r in d.escalation]
        out += [Block("h3", "Escalation"), Block("table", rows=tuple(rows))]
    out += [Block("h3", "Diagram"), Block("mermaid", mermaid(d, "zh"))]
    return out


def _leniency(d: Definition) -> list[Block]:
    """自查从宽、被查从严 for one type, in Chinese: the rule in words and each step the assessment gates."""
    assessed = assessment_fields(d)
    if not assessed and not d.leniency:
        return []
    out = [Block("h3", "自查从宽、被查从严 / Self-report rule")]
    if d.leniency:
        out.append(Block("p", d.leniency.get("zh", "")))
    rows = [("步骤", "条件（中文）")]
    seen = set()
    for name in assessed:
        for t in guards_reading(d, name):
            if t.trigger in seen:
                continue
            seen.add(t.trigger)
            rules = [g for g in t.guards if name in fields_named(g) or g.kind == "only_if"]
            rows.append((f"{t.label.get('zh', '')}（`{t.trigger}`）", "；".join(_guard_zh(d, g) for g in rules)))
    if len(rows) > 1:
        out.append(Block("table", rows=tuple(rows)))
    elif assessed:
        out.append(Block("p", "本类型不以自查认定限制任何步骤（理由见上）。"))
    return out


def _guard_zh(d: Definition, g: Guard) -> str:
    """A guard as a sentence in Chinese, with field and choice labels."""
    def name(field: object) -> str:
        spec = d.fields.get(str(field))
        return f"“{spec.label.get('zh', field) if spec else field}”"

    def value(field: object, v: object) -> str:
        spec = d.fields.get(str(field))
        if isinstance(v, bool):
            return "是" if v else "否"
        if spec is not None:
            return next((c.label.get("zh", c.value) for c in spec.choices if c.value == str(v)), str(v))
        return str(v)

    a = g.args
    if g.kind == "field_equals":
        return f"{name(a['field'])}为“{value(a['field'], a['value'])}”"
    if g.kind == "field_in":
        return f"{name(a['field'])}为“{'”或“'.join(value(a['field'], v) for v in a['values'])}”"
    if g.kind == "field_not_in":
        return f"{name(a['field'])}不为“{'”或“'.join(value(a['field'], v) for v in a['values'])}”"
    if g.kind == "only_if":
        chosen = "”或“".join(value(a["field"], v) for v in a["values"])
        return f"{name(a['field'])}为“{chosen}”时须{'，或'.join(_guard_zh(d, x) for x in a['any'])}"
    return g.kind


def _states(d: Definition) -> tuple[tuple[str, ...], ...]:
    rows = [("Stage", "State", "Label", "Deadline", "Final")]
    for stage in STAGES:
        for s in (s for s in d.states.values() if s.stage == stage):
            dl = s.deadline
            deadline = "" if dl is None else "keeps the case's deadline" if getattr(dl, "carry", False) else (
                f"{dl.within}" + (f", or until {dl.from_field}" if dl.from_field else "")
                + (f", warn {dl.warn_before} before" if dl.warn_before else "")
                + (f", {dl.on_reentry} on re-entry" if dl.on_reentry != "restart" else ""))
            name = f"`{s.name}`" + (" (initial)" if s.name == d.initial else "")
            rows.append((f"{stage} {STAGE_LABELS[stage]['zh']}", name,
                         f"{s.label.get('zh', '')} / {s.label.get('en', '')}", deadline, "yes" if s.terminal else ""))
    return tuple(rows)


def _transitions(d: Definition) -> tuple[tuple[str, ...], ...]:
    rows = [("Trigger", "Label", "From → to", "Roles", "Requires", "Guards", "Opens")]
    for t in d.transitions:
        guards = ", ".join(g.kind + (f" {dict(g.args)}" if g.args else "") for g in t.guards)
        opens = ", ".join(f"{o.case_type} ({o.relation})" for o in t.opens)
        rows.append((f"`{t.trigger}`", t.label.get("zh", ""), f"{', '.join(t.sources)} → {t.dest}", ", ".join(t.roles),
                     ", ".join(t.requires) + (" (comment)" if t.comment == "required" else ""), guards, opens))
    return tuple(rows)


# ---- rendering ------------------------------------------------------------------------------------
def markdown(doc: list[Block]) -> str:
    out = []
    for b in doc:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + b.text)
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "mermaid":
            out.append("```mermaid\n" + b.text + "\n```")
        else:
            head, *body = b.rows
            cell = lambda c: c.replace("|", "\\|").replace("\n", " ")  # noqa: E731
            lines = ["| " + " | ".join(map(cell, head)) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(map(cell, r)) + " |" for r in body]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    """Escape, then the two bits of Markdown the blocks use: **bold** and `code`."""
    parts = html.escape(text).split("**")
    text = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
    parts = text.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def html_page(doc: list[Block]) -> str:
    body = []
    for b in doc:
        if b.kind in ("h1", "h2", "h3"):
            body.append(f"<{b.kind}>{_inline(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{_inline(b.text)}</p>")
        elif b.kind == "mermaid":  # the text itself; a page with mermaid.js draws it
            body.append(f'<pre class="mermaid">{html.escape(b.text)}</pre>')
        else:
            head, *rows = b.rows
            cells = "".join(f"<th>{_inline(c)}</th>" for c in head)
            trs = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
            body.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{trs}</tbody></table>")
    style = ("body{font-family:sans-serif;max-width:80em;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}"
             "pre{background:#f6f6f6;padding:1em;overflow:auto}")
    return ('<!doctype html>\n<html lang="zh"><head><meta charset="utf-8"><title>Case-type catalogue</title>'
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
