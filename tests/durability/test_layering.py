"""Layering: the engine core (workflow/) never imports Flask, Flask-Login, APScheduler, web or scheduler.

Two independent checks, so `make test` fails even where import-linter is not run:
* every module under workflow/ is parsed and its import statements (also inside functions and
  `if TYPE_CHECKING:` blocks) are checked against the forbidden packages;
* a fresh interpreter imports every workflow module and must end with none of them loaded — this
  also catches an import that happens indirectly, through a third package.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from factories import REPO

FORBIDDEN = ("flask", "flask_login", "apscheduler", "web", "scheduler")
WORKFLOW = REPO / "workflow"


def imported_names(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a parsed module."""
    found = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def workflow_modules() -> list[tuple[Path, str]]:
    out = []
    for path in sorted(WORKFLOW.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        out.append((path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)))
    return out


def test_no_workflow_module_imports_an_interface_or_framework_package():
    modules = workflow_modules()
    assert len(modules) > 20, "the walk found too few modules: wrong folder?"
    offences = [f"{path.relative_to(REPO)}:{line}: imports {name}"
                for path, module in modules
                for line, name in imported_names(ast.parse(path.read_text(encoding="utf-8")), module)
                if forbidden(name)]
    assert not offences, "workflow/ must stay framework-free:\n" + "\n".join(offences)


def test_the_checker_sees_every_kind_of_import():
    source = ("import flask\nfrom apscheduler.schedulers import background\n"
              "def f():\n    from web import app\n    import importlib; importlib.import_module('scheduler.jobs')\n"
              "from . import x\nfrom ..web import y\n")
    names = [n for _, n in imported_names(ast.parse(source), "workflow.adapters.thing")]
    assert {n for n in names if forbidden(n)} == {"flask", "apscheduler.schedulers", "web", "scheduler.jobs"}
    assert {"workflow.adapters", "workflow.web"} <= set(names)  # relative imports resolved, not mistaken


def test_importing_every_workflow_module_loads_no_framework():
    names = [module for path, module in workflow_modules() if "migrations" not in module.split(".")]
    script = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {list(FORBIDDEN)!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

