"""Login throttling (等保 登录失败处理): locks per login and per address, counted before any hashing.

Every attempt first takes a slot from its address's counter and then from its login's, each in one
atomic statement of the store (`ports.LoginCounters.reserve`), so however many requests arrive at
once, no more than `per_login` password hashes are ever computed for one login in a window: there is
no check-then-act gap between counting and locking. The attempt that fills a login's slots locks it
for `lock` (default 5 minutes); while it is locked even the right password is refused, with the time
the lock ends. A success lifts the login's lock and forgets its failures; a success does not clear
the address's count (one known account must not launder guesses at others) but gives back its slot.

Failed and refused attempts go to the access log aggregated: at most one row per login, address and
outcome per `log_every`, carrying how many attempts it stands for, so anonymous guessing cannot grow
the (append-only) log without bound. Attempts after the last row of a burst are counted into the next
row written for that key.

The security administrator (who holds `grant_roles`, 三员分立) sees which logins are locked and until when,
and may lift a lock early (`unlock`): the lock is lifted and the access-log row written in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from workflow.definitions.roles import GRANT_ROLES
from workflow.directory.staff import OPERATOR, Directory
from workflow.engine.policy import check_capability
from workflow.errors import InvalidInput, UnknownUser
from workflow.events import format_time, parse_time
from workflow.messages import Message
from workflow.ports import Clock, LoginCounters
from workflow.read_side import AccessEntry
from workflow.records import User

LOGIN_KEY = "login:"  # the counter of one login: "login:<login>" (an address's is "ip:<address>")


@dataclass(frozen=True)
class ThrottlePolicy:
    per_login: int = 5  # failures before a login is locked
    per_address: int = 100  # far higher: many people may log in from behind one address
    lock: timedelta = timedelta(minutes=5)
    window: timedelta = timedelta(minutes=15)  # failures older than this are forgotten
    log_every: timedelta = timedelta(minutes=1)  # at most one failed-login row per login/address/outcome


@dataclass(frozen=True)
class Locked:
    """A refused attempt: whose counter is full (the login or the address) and when it frees up."""

    scope: Literal["login", "address"]
    until: datetime


class LoginGuard:
    """Logging in with throttling and an aggregated access log; the web's login form calls `login`."""

    def __init__(self, counters: LoginCounters, directory: Directory, clock: Clock, policy: ThrottlePolicy) -> None:
        self.counters, self.directory, self.clock, self.policy = counters, directory, clock, policy

    def login(self, login: str, password: str, ip: str) -> User | Locked | None:
        """The user (logged in), a `Locked` refusal (no password was checked), or None (wrong password
        or unknown login). Failures and refusals are recorded in the access log, aggregated."""
        now = self.clock.now()
        actor = login or "-"
        address_key, login_key = f"ip:{ip}", LOGIN_KEY + actor
        p = self.policy
        refused = self._reserve(address_key, p.per_address, now)
        scope: Literal["login", "address"] = "address"
        if refused is None:
            refused, scope = self._reserve(login_key, p.per_login, now), "login"
            if refused is not None:
                self.counters.settle(address_key, success=True, forget=False)  # not a guess: no hash was computed
        if refused is not None:
            self._log(actor, ip, "throttled", now, scope=scope, until=format_time(refused))
            return Locked(scope, refused)
        user = self.directory.authenticate(login, password)
        self.counters.settle(login_key, success=user is not None, forget=True)
        if user is None:
            self._log(actor, ip, "failed", now)
            return None
        self.counters.settle(address_key, success=True, forget=False)
        return user

    # ---- the security administrator's view and act ------------------------------------------------
    def locked_logins(self) -> dict[str, datetime]:
        """The logins locked now after failed attempts, each with the instant its lock ends."""
        locks = self.counters.locks(LOGIN_KEY, now=format_time(self.clock.now()))
        return {key[len(LOGIN_KEY):]: parse_time(until) for key, until in locks.items()}

    def unlock(self, login: str, *, by: str = OPERATOR, ip: str = "-") -> datetime:
        """Lift `login`'s lock now (the security administrator's act, or the operator's); the instant it would
        have ended. Recorded in the access log (action `unlock_user`) in the same transaction.

        Raises:
            RoleNotAllowed: `by` does not hold `grant_roles` (the system and audit administrators).
            UnknownUser: no such login (or `by` is not an active user).
            InvalidInput: the login is not locked (`directory.not_locked`).
        """
        if by != OPERATOR:
            actor = self.directory.user(by)
            if actor is None or not actor.active:
                raise UnknownUser(by)
            check_capability(self.directory.roles, actor, GRANT_ROLES, Message("doing.unlock_accounts"))
        if self.directory.user(login) is None:
            raise UnknownUser(login)
        now = self.clock.now()
        entry = AccessEntry(0, format_time(now), by, "unlock_user", None, "ok", ip, {"user": login})
        until = self.counters.unlock(LOGIN_KEY + login, entry, now=format_time(now))
        if until is None:
            raise InvalidInput("directory.not_locked", user=login)
        return parse_time(until)

    def _reserve(self, key: str, limit: int, now: datetime) -> datetime | None:
        until = self.counters.reserve(key, limit=limit, now=format_time(now),
                                      window_start=format_time(now - self.policy.window),
                                      lock_until=format_time(now + self.policy.lock))
        return None if until is None else parse_time(until)

    def _log(self, actor: str, ip: str, outcome: str, now: datetime, **detail: object) -> None:
        entry = AccessEntry(0, format_time(now), actor, "login", None, outcome, ip, dict(detail))
        self.counters.record_aggregated(f"log:{outcome}:{actor[:80]}|{ip[:64]}", entry, now=format_time(now),
                                        quiet_since=format_time(now - self.policy.log_every))
