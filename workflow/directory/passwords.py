"""Password hashing with Argon2id (argon2-cffi); the engine never stores or logs a plain password."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workflow.errors import InvalidInput

_hasher = PasswordHasher()
MIN_LENGTH = 8
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput("directory.password_length", min=MIN_LENGTH, max=MAX_LENGTH)
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    if not password_hash or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A valid hash to check against when the login is unknown, so timing does not reveal which
    logins exist. Made on first use, not at import: an Argon2 hash takes ~64 MB and ~0.3 s, which
    every CLI command and the scheduler would otherwise pay without ever checking a password."""
    return _hasher.hash("rectiflow-dummy-password")
