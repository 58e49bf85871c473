"""The shape of the code, checked: no import cycles, layers that cover every core module, `transitions`
in one module, small modules, no role named in Python, and a map that finds the transition in one hop.

import-linter (run by `make test` before pytest) enforces the layers contract itself; these tests make
sure the contract keeps covering the whole core, and check what import-linter cannot.
"""
from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("workflow", "web", "scheduler", "rectiflow")
MAX_LINES = 300


def python_files(*roots: str) -> list[Path]:
    return sorted(p for root in roots for p in (REPO / root).rglob("*.py") if "migrations" not in p.parts)


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """The import circles of a module graph (Tarjan's strongly connected components of size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return circles


def test_the_circle_finder_finds_a_circle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others():
    graph = grimp.build_graph(*PACKAGES)  # every import, those inside functions and TYPE_CHECKING blocks included
    modules = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert len(modules) > 100, "the graph holds too few modules: wrong packages?"
    assert strongly_connected(modules) == []


def test_no_feature_package_of_the_core_imports_another_that_imports_it_back():
    graph = grimp.build_graph("workflow")
    top = {m: m.split(".")[1] if m.count(".") else m for m in graph.modules}
    packages: dict[str, set[str]] = {}
    for m in graph.modules:
        packages.setdefault(top[m], set()).update(top[d] for d in graph.find_modules_directly_imported_by(m)
                                                  if top[d] != top[m])
    assert strongly_connected(packages) == []


def test_the_layers_contract_covers_every_part_of_the_core():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    layers = config["importlinter:contract:core-layers"]["layers"]
    named = {name.strip() for line in layers.splitlines() for name in line.split("|") if name.strip()}
    parts = {p.stem for p in (REPO / "workflow").glob("*.py") if p.stem != "__init__"}
    parts |= {p.parent.name for p in (REPO / "workflow").glob("*/__init__.py")}
    assert parts == named, f"not in the layers contract: {sorted(parts - named)}; gone: {sorted(named - parts)}"


def test_transitions_is_imported_in_exactly_one_module():
    importers = []
    for path in python_files(*PACKAGES):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(n == "transitions" or n.startswith("transitions.") for n in names):
                importers.append(str(path.relative_to(REPO)))
    assert sorted(set(importers)) == ["workflow/engine/machine.py"]


# Longer on purpose, each with its reason (and still capped).
LONG_BY_DESIGN = {
    # An auditor copies the stand-alone bundle verifier as one file and reads it top to bottom against
    # docs/audit-bundle.md; it restates every rule rather than importing the engine's code.
    "workflow/audit/bundle_verify.py": 700,
}


def test_no_module_is_longer_than_the_limit():
    long = {str(p.relative_to(REPO)): n for p in python_files(*PACKAGES)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONG_BY_DESIGN.get(
                str(p.relative_to(REPO)), MAX_LINES)}
    assert long == {}, f"modules over {MAX_LINES} lines (split them by what they do): {long}"


def test_the_core_top_level_stays_small_and_every_package_says_what_it_owns():
    top_level = sorted(p.name for p in (REPO / "workflow").glob("*.py"))
    assert len(top_level) <= 12, top_level
    packages = [p for p in (REPO / "workflow").rglob("__init__.py") if "migrations" not in p.parts]
    assert len(packages) >= 10, f"the walk found too few packages: {packages}"
    for init in packages:
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init}: say what the package owns"  # adapters' packages too
        assert "import" in doc.lower() or "adapters/" in str(init), f"{init}: say what it may import"


def test_no_python_module_names_a_role():
    """Roles are data (definitions/roles.yaml): Python asks for capabilities. The demo's seed data may
    name roles; a Blueprint may be called "admin" (a URL prefix, not a role)."""
    roles = set(re.findall(r"^  (\w+):\s*$", (REPO / "definitions" / "roles.yaml").read_text(), re.M))
    assert {"registrar", "auditor", "admin"} <= roles
    found = []
    for path in python_files(*PACKAGES):
        if path.name.startswith("demo"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        blueprint_names = {id(c.args[0]) for c in ast.walk(tree) if isinstance(c, ast.Call) and c.args
                           and getattr(c.func, "id", getattr(c.func, "attr", "")) == "Blueprint"}
        found += [f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value in roles and id(node) not in blueprint_names]
    assert found == []


def test_the_map_finds_where_a_transition_happens_in_one_hop():
    readme = (REPO / "workflow" / "README.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*Where a transition happens:\*\* `([\w/]+\.py)` `(\w+)\.(\w+)`", readme)
    assert match, "workflow/README.md must name the module, class and method"
    path, cls, method = match.groups()
    tree = ast.parse((REPO / "workflow" / path).read_text(encoding="utf-8"))
    found = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls)
    body = next(n for n in found.body if isinstance(n, ast.FunctionDef) and n.name == method)
    calls = {getattr(c.func, "attr", "") for c in ast.walk(body) if isinstance(c, ast.Call)}
    assert "fire" in calls, f"{path} {cls}.{method} does not fire the machine"
