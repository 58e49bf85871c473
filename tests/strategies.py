"""Hypothesis strategies and settings the test suites share.

  DURABILITY_PROFILE  the durability suite's settings profile (registered here, never loaded globally,
                      so other folders keep their own): tests opt in with settings.get_profile(…)
  scaled              example counts times RECTIFLOW_DURABILITY_SCALE, for a longer local soak
  valid_value / invalid_value   a value a field spec takes / refuses (every field type)
  SAFE_TEXT, LONG_TEXT          one-line and multi-line text a user may type
  yaml_junk           any YAML-shaped value (scalars, short lists and maps), for the definition fuzzer

Imported by name (``from strategies import …``), like tests/factories.py.
"""
from __future__ import annotations

import os
from datetime import date
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from rectiflow.demo import UNITS, USERS
from workflow.definitions.fields import DATE_MAX, DATE_MIN

DURABILITY_PROFILE = "rectiflow-durability"
settings.register_profile(
    DURABILITY_PROFILE,
    deadline=None,  # database round trips vary; speed belongs in bench/, not here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    max_examples=20,
    print_blob=True,
    # No shrinking: every example replays database work, and shrinking a long walk took minutes.
    # A failure prints all its draws and the blob to reproduce it; the example database replays it first.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def scaled(n: int) -> int:
    """Example counts times RECTIFLOW_DURABILITY_SCALE (default 1), for a longer local soak."""
    try:
        return n * max(1, int(os.environ.get("RECTIFLOW_DURABILITY_SCALE", "1")))
    except ValueError:
        return n


# ---- field values ---------------------------------------------------------------------------------
LOGINS = [login for login, *_ in USERS]  # the demo directory's users (rectiflow.demo)
UNIT_CODES = [code for code, *_ in UNITS]
GHOST = "ghost"  # a syntactically fine login nobody has

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=24).filter(str.strip)
LONG_TEXT = st.lists(SAFE_TEXT, min_size=1, max_size=3).map("\n".join)


def valid_value(spec: Any) -> st.SearchStrategy[Any]:
    """Values the field `spec` accepts (in the forms a user or a caller may send them)."""
    kind = spec.type
    if kind == "choice":
        return st.sampled_from(spec.choice_values)
    if kind == "text":
        return SAFE_TEXT
    if kind == "longtext":
        return LONG_TEXT
    if kind == "date" and not spec.allow_past:  # today or later: after any clock a sequence reaches (< 2 years)
        return st.one_of(st.dates(date(2028, 1, 1), date(2028, 12, 31)),
                         st.dates(date(2028, 1, 1), DATE_MAX)).map(date.isoformat)
    if kind == "date":
        return st.one_of(st.dates(date(2026, 1, 1), date(2027, 12, 31)),
                         st.dates(DATE_MIN, DATE_MAX)).map(date.isoformat)
    if kind == "integer":
        low = -10**12 if spec.minimum is None else spec.minimum
        high = 10**12 if spec.maximum is None else spec.maximum
        return st.one_of(st.integers(low, high), st.integers(max(low, -999), max(low, min(high, 999))).map(str))
    if kind == "boolean":
        return st.sampled_from(["yes", "no", "true", "false", True, False, "是", "否"])
    if kind == "person":
        return st.sampled_from(LOGINS)
    if kind == "unit":
        return st.sampled_from(UNIT_CODES)
    raise AssertionError(f"no strategy for field type {kind!r}")


def invalid_value(spec: Any) -> st.SearchStrategy[Any]:
    """Values the field `spec` refuses."""
    kind = spec.type
    if kind in ("text", "longtext"):
        one_line = ["two\nlines", "over\u202eride"] if kind == "text" else []
        bad = ["", "   ", "bell\x07inside", "x" * (spec.limit() + 1), *one_line]
        return st.sampled_from(bad)
    past = [] if spec.allow_past else ["2001-01-01"]  # before any clock a sequence runs at
    below = [] if spec.minimum is None else [str(spec.minimum - 1)]
    return st.sampled_from({
        "choice": ["not-a-choice", ""],
        "date": ["2026-02-30", "tomorrow", "", "0999-01-01", "9999-12-31", *past],
        "integer": ["abc", "1.5", str(10**13), True, *below],
        "boolean": ["maybe", ""],
        "person": [GHOST, "bad login!"],
        "unit": ["no-such-unit", "bad unit!"],
    }[kind])


# ---- definition files ----------------------------------------------------------------------------------
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**6), st.floats(allow_nan=False),
                         st.text(max_size=12), st.sampled_from(["on", "no", "reported", "closed", "5 working_days",
                                                                "red + 2 wd", "supervisor", "zh", "en"]))
yaml_junk = st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["zh", "en", "label", "stage", "within", "x"]),
                                                 inner, max_size=3)), max_leaves=6)
