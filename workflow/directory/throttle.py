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
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from workflow.directory.staff import Directory
from workflow.events import format_time, parse_time
from workflow.ports import Clock, LoginCounters
from workflow.read_side import AccessEntry
from workflow.records import User


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
        address_key, login_key = f"ip:{ip}", f"login:{actor}"
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

    def _reserve(self, key: str, limit: int, now: datetime) -> datetime | None:
        until = self.counters.reserve(key, limit=limit, now=format_time(now),
                                      window_start=format_time(now - self.policy.window),
                                      lock_until=format_time(now + self.policy.lock))
        return None if until is None else parse_time(until)

    def _log(self, actor: str, ip: str, outcome: str, now: datetime, **detail: object) -> None:
        entry = AccessEntry(0, format_time(now), actor, "login", None, outcome, ip, dict(detail))
        self.counters.record_aggregated(f"log:{outcome}:{actor[:80]}|{ip[:64]}", entry, now=format_time(now),
                                        quiet_since=format_time(now - self.policy.log_every))
