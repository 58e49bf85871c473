"""Definition versions: a case keeps the definition it was opened under; editing a version in use is refused.

The files under definitions/ are what an operator edits; the database keeps the text of every
version a case was opened under. These tests edit a private copy of the folder (`defs_dir`).
"""
from __future__ import annotations

import hashlib

import pytest
from factories import LEDGER, open_ledger

from workflow.adapters.files.definition_files import definition_paths, read_definitions, sync_definitions
from workflow.errors import DefinitionChanged, TransitionNotAllowed

V1 = LEDGER.read_text(encoding="utf-8")


def v2_text() -> str:
    """Version 2 renames `verify` to `confirm`, so which version a case runs on is visible."""
    text = V1.replace("version: 1\n", "version: 2\n")
    return text.replace("  - trigger: verify\n", "  - trigger: confirm\n")


def stored(app) -> dict[tuple[str, int], str]:
    with app.store.read() as tx:
        return {(s.name, s.version): s.content_hash for s in tx.stored_definitions()}


def changed_message(path) -> str:
    return (f"{path}:1: ledger_item v1 has changed but cases already run on it; bump `version:` to 2 to publish "
            "the change (existing cases keep the old version, new cases get the new one)")


def test_a_case_records_name_version_and_content_hash(ledger_app, defs_dir):
    case = open_ledger(ledger_app)
    digest = hashlib.sha256((defs_dir / "ledger_item.yaml").read_bytes()).hexdigest()
    assert (case.type, case.definition_version, case.definition_hash) == ("ledger_item", 1, digest)
    [opened], _ = ledger_app.cases.history(case.id)
    assert (opened.definition, opened.definition_version, opened.payload["definition_hash"]) == \
        ("ledger_item", 1, digest)
    assert stored(ledger_app)[("ledger_item", 1)] == digest


def test_a_new_version_applies_to_new_cases_while_old_cases_keep_theirs(ledger_app, make_ledger_app, database_url,
                                                                         defs_dir):
    old = open_ledger(ledger_app)
    (defs_dir / "ledger_item.yaml").write_text(v2_text(), encoding="utf-8")
    app2 = make_ledger_app(database_url)  # every entry point stores new file versions when it starts

    new = open_ledger(app2)
    assert (new.definition_version, old.definition_version) == (2, 1)
    assert set(stored(app2)) >= {("ledger_item", 1), ("ledger_item", 2)}
    # The old case still runs on version 1 (the file no longer says `verify`) ...
    assert [t.trigger for t in app2.cases.available(app2.cases.get(old.id))] == ["verify", "drop"]
    assert app2.cases.advance(old.id, "verify", actor="supervisor").state == "verified"
    # ... and the new one on version 2.
    with pytest.raises(TransitionNotAllowed, match="unknown trigger 'verify'; possible now: confirm, drop"):
        app2.cases.advance(new.id, "verify", actor="supervisor")
    assert app2.cases.advance(new.id, "confirm", actor="supervisor").state == "verified"


def test_editing_a_version_in_use_without_a_bump_is_refused(ledger_app, defs_dir):
    open_ledger(ledger_app)
    path = defs_dir / "ledger_item.yaml"
    before = stored(ledger_app)
    # Even a changed comment counts: the version's text is what cases were opened under.
    path.write_text(V1.replace("# A test-only case type", "# An edited test-only case type"), encoding="utf-8")
    files = read_definitions(definition_paths(defs_dir), ledger_app.roles)
    with pytest.raises(DefinitionChanged) as caught:
        sync_definitions(ledger_app.store, files, ledger_app.clock)
    assert caught.value.problems == [changed_message(path)]
    assert stored(ledger_app) == before  # nothing loaded, not even the files that did not change


def test_other_entry_points_warn_and_keep_the_stored_version(ledger_app, make_ledger_app, database_url, defs_dir):
    first = open_ledger(ledger_app)
    path = defs_dir / "ledger_item.yaml"
    path.write_text(V1.replace("label: {zh: 核实, en: Verify}", "label: {zh: 核实属实, en: Verify}"),
                    encoding="utf-8")
    (defs_dir / "extra_item.yaml").write_text(V1.replace("name: ledger_item", "name: extra_item"), encoding="utf-8")

    app2 = make_ledger_app(database_url, expect_warnings=True)
    assert app2.warnings == [changed_message(path)]
    # New cases still get the stored (unchanged) version 1; the new type waits for the file to be fixed.
    second = open_ledger(app2)
    assert (second.definition_version, second.definition_hash) == (1, first.definition_hash)
    assert app2.registry.latest("ledger_item").transition("reported", "verify").label["zh"] == "核实"
    assert "extra_item" not in app2.registry.names()

    path.write_text(V1, encoding="utf-8")  # undoing the edit makes everything load again
    app3 = make_ledger_app(database_url)
    assert "extra_item" in app3.registry.names()


def test_a_version_no_case_uses_yet_may_still_be_edited(ledger_app, make_ledger_app, database_url, defs_dir):
    path = defs_dir / "ledger_item.yaml"
    path.write_text(V1.replace("title: {zh: 测试台账, en: Test ledger item}",
                               "title: {zh: 测试台账（改）, en: Test ledger item (edited)}"), encoding="utf-8")
    app2 = make_ledger_app(database_url)
    assert app2.registry.latest("ledger_item").title["en"] == "Test ledger item (edited)"
    case = open_ledger(app2)
    assert case.definition_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_invalid_file_keeps_the_stored_version_running(ledger_app, make_ledger_app, database_url, defs_dir):
    first = open_ledger(ledger_app)
    path = defs_dir / "ledger_item.yaml"
    path.write_text(V1.replace("    dest: verified\n", "    dest: verifed\n"), encoding="utf-8")
    app2 = make_ledger_app(database_url, expect_warnings=True)
    assert len(app2.warnings) == 1
    assert app2.warnings[0].startswith(f"{path}:") and "unknown dest state 'verifed'" in app2.warnings[0]
    assert app2.cases.advance(first.id, "verify", actor="supervisor").state == "verified"
