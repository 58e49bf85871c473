"""Reading the plan files under definitions/campaigns/: the item index and the coverage map."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workflow.adapters.files.yaml_files import load_yaml_file
from workflow.campaigns.coverage import Coverage, PlanItemRef, parse_coverage, parse_plan_items

CAMPAIGNS_DIR = "campaigns"
ITEMS_FILE = "plan-items.yaml"
COVERAGE_FILE = "plan-coverage.yaml"


def read_plan_items(definitions_dir: Path) -> list[PlanItemRef]:
    path = Path(definitions_dir) / CAMPAIGNS_DIR / ITEMS_FILE
    data, _, _ = load_yaml_file(path)
    return parse_plan_items(data, source=str(path))


def read_coverage(definitions_dir: Path) -> Coverage:
    path = Path(definitions_dir) / CAMPAIGNS_DIR / COVERAGE_FILE
    data, _, _ = load_yaml_file(path)
    return parse_coverage(data, source=str(path))


def module_exists_under(root: Path) -> Callable[[str], bool]:
    """A check for coverage features: does `module` (a path relative to `root`) exist?"""
    return lambda module: (Path(root) / module).is_file()
