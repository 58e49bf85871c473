"""Units (the organisation tree) and users: adding and looking them up, logging in, ending sessions.

Every read and write of the directory goes through here, so the web and the CLI never open store
transactions of their own.
"""
from __future__ import annotations

import re
import secrets

from workflow.definitions.fields import clean_text
from workflow.definitions.roles import RoleBook
from workflow.directory.passwords import check_password, dummy_hash, hash_password
from workflow.errors import InvalidInput, UnknownUnit
from workflow.ports import Store
from workflow.records import Unit, User

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Directory:
    def __init__(self, store: Store, roles: RoleBook) -> None:
        self.store, self.roles = store, roles

    def add_unit(self, code: str, *, name: str | None = None, parent: str | None = None) -> Unit:
        if not CODE_RE.match(code):
            raise InvalidInput("directory.unit_code", unit=code)
        unit = Unit(code, clean_text(name or code, what="unit name", limit=200), parent)
        with self.store.write() as tx:
            if tx.get_unit(code) is not None:
                raise InvalidInput("directory.unit_exists", unit=code)
            if parent is not None and tx.get_unit(parent) is None:
                raise UnknownUnit(parent)
            tx.add_unit(unit)
        return unit

    def add_user(self, login: str, *, role: str, unit: str | None = None, name: str | None = None,
                 password: str | None = None) -> User:
        if not CODE_RE.match(login):
            raise InvalidInput("directory.login", login=login)
        if role not in self.roles:
            raise InvalidInput("directory.unknown_role", role=role, roles=sorted(self.roles))
        user = User(login, clean_text(name or login, what="user name", limit=200), role, unit,
                    hash_password(password) if password else "", True, secrets.token_hex(16))
        with self.store.write() as tx:
            if tx.get_user(login) is not None:
                raise InvalidInput("directory.user_exists", login=login)
            if unit is not None and tx.get_unit(unit) is None:
                raise UnknownUnit(unit)
            tx.add_user(user)
        return user

    def user(self, login: str) -> User | None:
        with self.store.read() as tx:
            return tx.get_user(login)

    def users(self) -> list[User]:
        with self.store.read() as tx:
            return tx.users()

    def units(self) -> list[Unit]:
        with self.store.read() as tx:
            return tx.units()

    def authenticate(self, login: str, password: str) -> User | None:
        """The active user with this login and password, else None. A password hash is checked even
        for an unknown login, so the time taken does not tell which logins exist."""
        user = self.user(login) if login else None
        ok = check_password(user.password_hash if user else dummy_hash(), password)
        return user if ok and user is not None and user.active else None

    def end_sessions(self, login: str) -> bool:
        """Give the user a new session token: every outstanding session of theirs stops working.
        False when there is no such user."""
        with self.store.write() as tx:
            if tx.get_user(login) is None:
                return False
            tx.update_user(login, session_token=secrets.token_hex(16))
        return True
