# ruff: noqa: F811 — the fixtures signed_app and keys come from test_merkle_tamper, and tests name them as parameters
"""The Merkle check's fast proof (SqlMerkleLog.sound, workflow.adapters.sql.merkle_check) says "sound" for an
untouched log and for nothing else a full check would flag; when it cannot say yes, the full check decides,
so `audit verify`'s report is the full check's (test_merkle_tamper pins the names of every insider edit).

A payload rewritten with the same content in another spelling (a space added) changes no leaf the full
check computes (it parses and re-encodes): the fast proof cannot tell, says no, and the full check
finds the log sound — the report is unchanged, only slower."""
from __future__ import annotations

from dataclasses import replace

from factories import raw_execute, rebuild_row
from test_merkle_tamper import access_seqs, drop_access_guards, keys, record_views, signed_app  # noqa: F401
from test_tamper import delete_events, drop_guards, rehash_from

from rectiflow.demo import walk_rectification


def _checked(app):
    cp, _ = app.checkpoints.checkpoint()
    [result] = app.checkpoints.verify([])
    return cp, result


def test_an_untouched_log_is_proved_sound_and_a_wrong_root_or_size_is_not(signed_app):
    for _ in range(3):
        walk_rectification(signed_app)
    record_views(signed_app, 2)
    cp, result = _checked(signed_app)
    log = signed_app.checkpoints.log
    assert result.ok and not result.problems
    assert log.sound(cp.size, cp.root)
    assert not log.sound(cp.size, bytes(32))
    assert not log.sound(cp.size + 1, cp.root)
    walk_rectification(signed_app)  # events after the checkpoint: still sound below its size
    assert log.sound(cp.size, cp.root)


def test_every_edit_the_full_check_flags_fails_the_fast_proof(signed_app, database_url):
    cases = [walk_rectification(signed_app) for _ in range(3)]
    record_views(signed_app, 2)
    cp, _ = _checked(signed_app)
    log = signed_app.checkpoints.log
    drop_guards(database_url)
    drop_access_guards(database_url)

    rehash_from(database_url, cases[0].id, 3, lambda ev: replace(ev, actor="leader"))
    rebuild_row(database_url, cases[0].id)
    assert not log.sound(cp.size, cp.root)
    [result] = signed_app.checkpoints.verify([])
    assert [p.what for p in result.problems] == ["events_rewritten"]

    delete_events(database_url, cases[1].id, [cases[1].version])
    assert not log.sound(cp.size, cp.root)

    raw_execute(database_url, "DELETE FROM access_log WHERE seq = :s", params=[{"s": access_seqs(database_url)[0]}])
    assert not log.sound(cp.size, cp.root)


def test_a_respelled_payload_fails_the_fast_proof_and_the_full_check_finds_the_log_sound(signed_app, database_url):
    case = walk_rectification(signed_app)
    cp, _ = _checked(signed_app)
    log = signed_app.checkpoints.log
    drop_guards(database_url)
    raw_execute(database_url, "UPDATE case_events SET payload = payload || ' ' WHERE case_id = :c AND version = 2",
                params=[{"c": case.id}])
    assert not log.sound(cp.size, cp.root)
    [result] = signed_app.checkpoints.verify([])
    assert result.ok and not result.problems


def test_a_log_entry_deleted_fails_the_fast_proof(signed_app, database_url):
    walk_rectification(signed_app)
    cp, _ = _checked(signed_app)
    if database_url.startswith("sqlite"):
        raw_execute(database_url, "DROP TRIGGER log_entries_no_delete")
    else:
        raw_execute(database_url, "DROP TRIGGER log_entries_no_update ON log_entries")
    raw_execute(database_url, "DELETE FROM log_entries WHERE position = 1")
    assert not signed_app.checkpoints.log.sound(cp.size, cp.root)
    [result] = signed_app.checkpoints.verify([])
    assert [p.what for p in result.problems] == ["log"]
