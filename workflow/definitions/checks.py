"""Checks on parsed definitions: one definition's graph, and the links between definitions.

`check_graph` (run by the parser on every file): reachability, dead ends, terminal exits,
duplicate triggers, guard references, extensions. `check_links` (run whenever a set of
definitions is loaded or checked, since one file cannot see the others): the cases a step
``opens:`` exist, get their required fields, and may be opened by the step's roles.
`leniency_problem` (run by `definitions check`): a type carrying the self-report assessment uses it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from workflow.definitions.guards import Guard, fields_named
from workflow.definitions.model import Definition, TransitionSpec

if TYPE_CHECKING:
    from workflow.definitions.problems import Problems


def check_graph(defn: Definition, data: Mapping[str, Any], problems: Problems) -> None:
    states_raw = data.get("states") or {}
    transitions_raw = data.get("transitions") or []
    if defn.initial not in defn.states:
        problems.add(data, "initial", f"initial state {defn.initial!r} is not one of the states")
        return
    if defn.states[defn.initial].terminal:
        problems.add(data, "initial", f"initial state {defn.initial!r} must not be terminal")
    seen: set[tuple[str, str]] = set()
    for t, raw in zip(defn.transitions, transitions_raw):
        for source in t.sources:
            if defn.states.get(source) and defn.states[source].terminal:
                problems.add(raw, "source", f"transition {t.trigger!r} leaves terminal state {source!r}")
            if (source, t.trigger) in seen:
                problems.add(raw, "trigger", f"duplicate trigger {t.trigger!r} from state {source!r}")
            seen.add((source, t.trigger))
    reachable = _reachable(defn)
    for name, state in defn.states.items():
        if name not in reachable:
            problems.add(states_raw, name, f"state {name!r} is unreachable from {defn.initial!r}")
        if not state.terminal and not defn.transitions_from(name):
            problems.add(states_raw, name, f"state {name!r} is not terminal but has no way out")
    if not any(s.terminal or s.stage == "closed" for s in defn.states.values()):
        problems.add(data, "states", "at least one state must be in stage closed")
    for t, raw in zip(defn.transitions, transitions_raw):
        for guard in t.guards:
            problem = guard_problem(defn, guard)
            if problem:
                problems.add(raw, "guards", f"transition {t.trigger!r}: guard {guard.kind!r}: {problem}")
    _check_extensions(defn, states_raw, problems)


def guard_problem(defn: Definition, guard: Guard) -> str | None:
    """A guard that names a real field or trigger but could never mean what it says."""
    args = guard.args
    for inner in args.get("any", ()) if guard.kind == "only_if" else ():
        problem = guard_problem(defn, inner)
        if problem:
            return f"in any: {inner.kind!r}: {problem}"
    if guard.kind == "not_actor_of" and not any(t.trigger == args["trigger"] for t in defn.transitions):
        return f"unknown trigger {args['trigger']!r}"
    spec = defn.fields.get(args.get("field", ""))
    if spec is None:
        return None
    if guard.kind == "min_attachments" and spec.type != "attachment":
        return f"field {spec.name!r} is not an attachment field"
    wanted = [args["value"]] if "value" in args else list(args.get("values") or [])
    if spec.type == "choice":
        bad = [v for v in wanted if v not in spec.choice_values]
        if bad:
            return f"{', '.join(map(repr, bad))} is not a choice of {spec.name!r} ({', '.join(spec.choice_values)})"
    if spec.type == "boolean" and not all(isinstance(v, bool) for v in wanted):
        return f"field {spec.name!r} is yes/no: compare it with true or false"
    return None


def assessment_fields(defn: Definition) -> list[str]:
    """The type's self-report assessment fields (``computed: {self_report: …}``)."""
    return [n for n, f in defn.fields.items() if f.computed is not None and f.computed.kind == "self_report"]


def guards_reading(defn: Definition, field_name: str) -> list[TransitionSpec]:
    """The transitions with a guard (or a guard nested in `only_if`) that reads `field_name`."""
    return [t for t in defn.transitions if any(field_name in fields_named(g) for g in t.guards)]


def leniency_problem(defn: Definition) -> str | None:
    """自查从宽、被查从严 as a rule, not a label: a type that carries the assessment uses it in a guard,
    or says in `leniency:` why it does not. Checked on the files (`definitions check`), not on
    stored versions, so an older stored version is never refused for it."""
    for name in assessment_fields(defn):
        if not guards_reading(defn, name) and not defn.leniency:
            return (f"field {name!r}: no guard reads the self-report assessment; use it in a guard "
                    f"(e.g. only_if) or say why not in `leniency: {{zh: …, en: …}}`")
    return None


def _check_extensions(defn: Definition, states_raw: Mapping[str, Any], problems: Problems) -> None:
    """`extended_by` must name transitions that enter the state it extends."""
    for name, state in defn.states.items():
        for trigger in state.deadline.extended_by if state.deadline else ():
            if not any(t.trigger == trigger and t.dest == name for t in defn.transitions):
                raw = (states_raw.get(name) or {}).get("deadline") or states_raw
                problems.add(raw, "extended_by", f"state {name!r} deadline: extended_by {trigger!r} "
                                                 f"is not a transition into {name!r}")


def _reachable(defn: Definition) -> set[str]:
    reached, frontier = {defn.initial}, [defn.initial]
    while frontier:
        state = frontier.pop()
        for t in defn.transitions_from(state):
            if t.dest not in reached:
                reached.add(t.dest)
                frontier.append(t.dest)
    return reached


def check_links(definitions: Iterable[Definition], *, among: Iterable[Definition] = ()) -> list[str]:
    """Problems (``PATH:LINE: message``) with the ``opens:`` of `definitions`; the opened types are
    looked up among `definitions` and then `among` (e.g. the rest of the folder, when checking one file)."""
    checked = list(definitions)
    by_name = {d.name: d for d in among}
    by_name.update({d.name: d for d in checked})
    problems = []
    for d in checked:
        for t in d.transitions:
            for o in t.opens:
                where = f"{d.source or d.name}:{o.line or '?'}: transition {t.trigger!r} opens {o.case_type!r}"
                target = by_name.get(o.case_type)
                if target is None:
                    problems.append(f"{where}: no such case type")
                    continue
                problems += [f"{where}: {target.name} has no field {f!r}" for f in o.fields if f not in target.fields]
                problems += [f"{where}: required field {f!r} is not given" for f, s in target.fields.items()
                             if s.required and s.computed is None and f not in o.fields]
                problems += [f"{where}: field {f!r} is computed by the engine" for f in o.fields
                             if f in target.fields and target.fields[f].computed is not None]
                openers = target.openers or target.roles
                problems += [f"{where}: role {r!r} may not open {target.name} cases" for r in t.roles
                             if r not in openers or (target.visible_to and r not in target.visible_to)]
    return problems
