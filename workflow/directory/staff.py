"""Units (the organisation tree) and users: adding, changing and looking them up, logging in, passwords.

Every read and write of the directory goes through here, so the web and the CLI never open store
transactions of their own. Every change an administrator (or the operator at the command line)
makes is appended to the access log in the same transaction as the change itself — who did what to
whom, from where — so no change is ever stored without its record (the log is append-only).

Separation of duties (三员分立, GB/T 22239-2019 8.1.5) is enforced here, not only by the web's route table:
an administrator named by `by` must hold the power the act needs — `administer_accounts` to add, disable,
enable, rename or move an account, add a unit or reset a password; `grant_roles` to give, change or take
away a role. Nobody changes their own role, and the password of an administrative account is reset only
by the operator at the host. The operator (`system:cli`) holds every power, and is recorded as such.
"""
from __future__ import annotations

import enum
import re
import secrets
from typing import Any

from workflow.definitions.fields import clean_text
from workflow.definitions.roles import ADMINISTER_ACCOUNTS, GRANT_ROLES, NO_ROLE, RoleBook
from workflow.directory.passwords import check_password, dummy_hash, hash_password
from workflow.engine.policy import check_capability
from workflow.errors import InvalidInput, UnknownUnit, UnknownUser
from workflow.events import format_time
from workflow.messages import Message
from workflow.ports import Clock, Store, WriteTx
from workflow.read_side import AccessEntry
from workflow.records import Unit, User

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
OPERATOR = "system:cli"  # who acts when no administrator is named: the operator at the server's command line
# Temporary passwords are read off a screen and typed by someone else: no look-alike characters.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 12


class Keep(enum.Enum):
    """`set_user`'s default: leave this attribute as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Directory:
    def __init__(self, store: Store, roles: RoleBook, clock: Clock) -> None:
        self.store, self.roles, self.clock = store, roles, clock

    # ---- units and users: adding ---------------------------------------------------------------
    def add_unit(self, code: str, *, name: str | None = None, parent: str | None = None,
                 by: str = OPERATOR, ip: str = "-") -> Unit:
        if not CODE_RE.match(code):
            raise InvalidInput("directory.unit_code", unit=code)
        unit = Unit(code, clean_text(name or code, what="unit name", limit=200), parent)
        with self.store.write() as tx:
            self._check_power(tx, by, ADMINISTER_ACCOUNTS)
            if tx.get_unit(code) is not None:
                raise InvalidInput("directory.unit_exists", unit=code)
            if parent is not None and tx.get_unit(parent) is None:
                raise UnknownUnit(parent)
            tx.add_unit(unit)
            self._record(tx, by, ip, "add_unit", unit=code, name=unit.name, parent=parent)
        return unit

    def add_user(self, login: str, *, role: str = NO_ROLE, unit: str | None = None, name: str | None = None,
                 password: str | None = None, by: str = OPERATOR, ip: str = "-") -> User:
        """Add an account. An administrator adds it without a role (NO_ROLE) — a security administrator
        grants one — and a password it gives must be changed at the first login; the operator may do both."""
        if not CODE_RE.match(login):
            raise InvalidInput("directory.login", login=login)
        self._check_role_and_unit(role, unit)
        user = User(login, clean_text(name or login, what="user name", limit=200), role, unit,
                    hash_password(password) if password else "", True, secrets.token_hex(16),
                    must_change_password=bool(password) and by != OPERATOR)
        with self.store.write() as tx:
            self._check_power(tx, by, ADMINISTER_ACCOUNTS)
            if role != NO_ROLE:
                self._check_power(tx, by, GRANT_ROLES)
            if tx.get_user(login) is not None:
                raise InvalidInput("directory.user_exists", login=login)
            if unit is not None and tx.get_unit(unit) is None:
                raise UnknownUnit(unit)
            tx.add_user(user)
            self._record(tx, by, ip, "add_user", user=login, role=role, unit=unit)
        return user

    # ---- users: changing -----------------------------------------------------------------------
    def set_user(self, login: str, *, role: str | Keep = KEEP, unit: str | Keep | None = KEEP,
                 name: str | Keep = KEEP, by: str = OPERATOR, ip: str = "-") -> User:
        """Change a user's role, unit or display name; the user as it is afterwards. Nothing is
        written (or recorded) when nothing changes."""
        new_name = name if name is KEEP else clean_text(name, what="user name", limit=200)
        if not new_name:
            raise InvalidInput("text.empty", what="user name")
        with self.store.write() as tx:
            user = _existing(tx, login)
            new_role = user.role if role is KEEP else role
            new_unit = user.unit if unit is KEEP else unit
            self._check_role_and_unit(new_role, new_unit)
            if new_unit is not None and tx.get_unit(new_unit) is None:
                raise UnknownUnit(new_unit)
            wanted = {"role": new_role, "unit": new_unit, "name": user.name if new_name is KEEP else new_name}
            changes = {k: [getattr(user, k), v] for k, v in wanted.items() if getattr(user, k) != v}
            if not changes:
                return user
            if "role" in changes:
                self._check_power(tx, by, GRANT_ROLES)
                if by == login:
                    raise InvalidInput("directory.own_role")  # nobody gives themselves a role
            if changes.keys() - {"role"}:
                self._check_power(tx, by, ADMINISTER_ACCOUNTS)
            tx.update_user(login, **wanted)
            if "role" in changes:  # a grant, change or revocation: its own entry, so the log names it
                old, new = changes["role"]
                self._record(tx, by, ip, "grant_role" if not old else "revoke_role" if not new else "change_role",
                             user=login, role=new, previous=old)
            if changes.keys() - {"role"}:
                self._record(tx, by, ip, "change_user", user=login,
                             changes={k: v for k, v in changes.items() if k != "role"})
            return _existing(tx, login)

    def disable_user(self, login: str, *, by: str = OPERATOR, ip: str = "-") -> User:
        """The user can no longer log in and every session of theirs ends; their cases stay as they are."""
        if by == login:
            raise InvalidInput("directory.own_account")
        return self._set_active(login, False, by, ip)

    def enable_user(self, login: str, *, by: str = OPERATOR, ip: str = "-") -> User:
        return self._set_active(login, True, by, ip)

    def _set_active(self, login: str, active: bool, by: str, ip: str) -> User:
        with self.store.write() as tx:
            self._check_power(tx, by, ADMINISTER_ACCOUNTS)
            user = _existing(tx, login)
            if user.active == active:
                return user
            tx.update_user(login, active=active, session_token=secrets.token_hex(16))
            self._record(tx, by, ip, "enable_user" if active else "disable_user", user=login)
            return _existing(tx, login)

    def reset_password(self, login: str, *, password: str | None = None, by: str = OPERATOR,
                       ip: str = "-") -> tuple[User, str]:
        """Give the user a temporary password (this one, or a generated one) that must be changed at
        the next login; their sessions end. Returns the user and the temporary password."""
        temporary = password or "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        hashed = hash_password(temporary)
        with self.store.write() as tx:
            self._check_power(tx, by, ADMINISTER_ACCOUNTS)
            target = _existing(tx, login)
            if by != OPERATOR and self.roles.administrative(target.role):
                # Else one administrator could take over another's powers through the temporary password.
                raise InvalidInput("directory.administrator_password", user=login)
            tx.update_user(login, password_hash=hashed, must_change_password=True,
                           session_token=secrets.token_hex(16))
            self._record(tx, by, ip, "reset_password", user=login, generated=password is None)
            return _existing(tx, login), temporary

    def change_password(self, login: str, *, current: str, new: str, repeat: str, ip: str = "-") -> User:
        """The user's own change: the current password, then the new one twice. Every other session of
        theirs ends (the caller renews its own with the returned user's token). A wrong current password
        is recorded as a failed attempt."""
        user = self.user(login)
        if user is None or not user.active:
            raise UnknownUser(login)
        if new != repeat:
            raise InvalidInput("directory.passwords_differ")
        hashed = hash_password(new)
        if not check_password(user.password_hash, current):
            with self.store.write() as tx:
                self._record(tx, login, ip, "change_password", outcome="failed", user=login)
            raise InvalidInput("directory.wrong_password")
        if new == current:
            raise InvalidInput("directory.password_unchanged")
        with self.store.write() as tx:
            tx.update_user(login, password_hash=hashed, must_change_password=False,
                           session_token=secrets.token_hex(16))
            self._record(tx, login, ip, "change_password", user=login)
            return _existing(tx, login)

    def end_sessions(self, login: str, *, by: str | None = None, ip: str = "-") -> bool:
        """Give the user a new session token: every outstanding session of theirs stops working.
        False when there is no such user. `by`: the administrator who ended them (recorded); None when
        the user logs out (the web records the logout itself)."""
        with self.store.write() as tx:
            if by is not None:
                self._check_power(tx, by, ADMINISTER_ACCOUNTS)
            if tx.get_user(login) is None:
                return False
            tx.update_user(login, session_token=secrets.token_hex(16))
            if by is not None:
                self._record(tx, by, ip, "end_sessions", user=login)
        return True

    # ---- looking up, logging in ----------------------------------------------------------------
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

    # ---- the rules every add and change keeps ------------------------------------------------------
    def _check_power(self, tx: WriteTx, by: str, capability: str) -> None:
        """RoleNotAllowed unless `by` — the operator, or an active user — holds `capability`."""
        if by == OPERATOR:
            return
        actor = tx.get_user(by)
        if actor is None or not actor.active:
            raise UnknownUser(by)
        check_capability(self.roles, actor, capability, Message(f"doing.{capability}"))

    def _check_role_and_unit(self, role: str, unit: str | None) -> None:
        if role == NO_ROLE:
            return  # an account waiting for its role: it can log in and sees nothing
        if role not in self.roles:
            raise InvalidInput("directory.unknown_role", role=role, roles=sorted(self.roles))
        if unit is None and self.roles.needs_unit(role):
            # Without a unit such a user would have no scope at all (workflow.engine.policy.Scope).
            raise InvalidInput("directory.unit_required", role=role)

    def _record(self, tx: WriteTx, by: str, ip: str, action: str, *, outcome: str = "ok", **detail: Any) -> None:
        tx.record_access(AccessEntry(0, format_time(self.clock.now()), by, action, None, outcome, ip, detail))


def _existing(tx: WriteTx, login: str) -> User:
    user = tx.get_user(login)
    if user is None:
        raise UnknownUser(login)
    return user
