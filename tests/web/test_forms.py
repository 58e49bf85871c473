"""The registration form asks only for fields a person may fill in."""
from __future__ import annotations

from pathlib import Path

import pytest

from web.forms import intake_widgets
from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"
LOADED = read_definitions(definition_paths(DEFINITIONS), load_roles(DEFINITIONS))


@pytest.mark.parametrize("loaded", LOADED, ids=[f.definition.name for f in LOADED])
def test_intake_form_never_offers_computed_fields(loaded):
    defn = loaded.definition
    offered = {w.name for w in intake_widgets(defn, [], [])}
    computed = {n for n, f in defn.fields.items() if f.computed is not None}
    assert not offered & computed
    assert {n for n, f in defn.fields.items() if f.required and f.computed is None} <= offered


def test_some_shipped_definition_has_computed_fields():
    # Guards the test above against passing vacuously.
    assert any(f.computed is not None for loaded in LOADED for f in loaded.definition.fields.values())
