"""Password hashing (workflow.directory.passwords): Argon2id, and the stand-in hash for unknown logins."""
from __future__ import annotations

from argon2 import PasswordHasher

from workflow.directory.passwords import check_password, dummy_hash, hash_password


def test_a_password_checks_against_its_hash_only():
    stored = hash_password("correct horse")
    assert check_password(stored, "correct horse")
    assert not check_password(stored, "correct horsE")
    assert not check_password("", "correct horse")


def test_an_unknown_login_costs_a_real_check_that_never_succeeds():
    # Same algorithm and cost parameters as a real hash, so the time taken does not reveal
    # whether the login exists; and no password matches it.
    stand_in = dummy_hash()
    assert stand_in.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(stand_in)
    assert stand_in.split("$")[3] == hash_password("another one").split("$")[3]  # m=…,t=…,p=…
    assert not check_password(stand_in, "rectiflow-dummy")
    assert dummy_hash() == stand_in  # made once
