"""Packaging (issue 12 item 13): every file the application reads at run time (templates, static files,
translation catalogues, the migration template) is package data of a declared package — so setuptools neither
warns "package absent from `packages`" nor leaves the file out of an install — and a build ships them."""
from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools.config.setupcfg import read_configuration

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("web", "workflow", "rectiflow", "scheduler")
DATA = ("*.html", "*.css", "*.js", "*.po", "*.mo", "*.mako", "*.docx")  # what the code opens from its own folders


def data_files(root: Path) -> list[Path]:
    return sorted(p for name in ROOTS for p in (root / name).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and any(fnmatch.fnmatch(p.name, d) for d in DATA))


def test_every_data_file_lies_in_a_declared_package_and_matches_its_patterns():
    options = read_configuration(REPO / "setup.cfg")["options"]
    packages, patterns = set(options["packages"]), options["package_data"]
    files = data_files(REPO)
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".mako" for p in files)
    for path in files:
        package = ".".join(path.parent.relative_to(REPO).parts)
        assert package in packages, f"{path.relative_to(REPO)}: its folder {package} is not a declared package"
        declared = patterns.get(package, []) + patterns.get("", [])
        assert any(fnmatch.fnmatch(path.name, p) for p in declared), f"{path.relative_to(REPO)}: not package data"


def test_a_build_ships_the_data_without_warnings(tmp_path):
    src = tmp_path / "src"
    for name in ROOTS:
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "build_py", "-d", str(out)],
                         cwd=src, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "absent from" not in run.stdout + run.stderr
    shipped = {p.relative_to(out) for p in data_files(out)}
    assert shipped == {p.relative_to(src) for p in data_files(src)}
