"""Settings: one typed object built from the environment once per entry point, then passed down."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workflow.errors import InvalidInput
from workflow.events import parse_time


@dataclass(frozen=True)
class Settings:
    database_url: str
    definitions_dir: Path
    instance_dir: Path
    sqlite_synchronous: str = "NORMAL"
    max_attachment_bytes: int = 20 * 1024 * 1024
    now: datetime | None = None  # RECTIFLOW_NOW: act at a fixed instant (drills, tests)
    secret_key: str | None = None
    scheduler_interval: int = 60
    cookie_secure: bool = False  # RECTIFLOW_COOKIE_SECURE=1 when the web UI is served over TLS
    node_modules: Path | None = None  # RECTIFLOW_NODE_MODULES: where the front-end packages are installed
    bulletin_template: Path | None = None  # RECTIFLOW_BULLETIN_TEMPLATE: a .docx replacing the shipped 通报 template
    login_failures: int = 5  # RECTIFLOW_LOGIN_FAILURES: failed logins before the login is locked
    login_lock_minutes: int = 5  # RECTIFLOW_LOGIN_LOCK_MINUTES: how long it stays locked
    login_failures_per_address: int = 100  # RECTIFLOW_LOGIN_FAILURES_PER_ADDRESS: the same, per client address
    trusted_proxies: int = 0  # RECTIFLOW_TRUSTED_PROXIES: reverse proxies whose X-Forwarded-For is believed
    session_idle_minutes: int = 30  # RECTIFLOW_SESSION_IDLE_MINUTES: a session unused this long ends
    session_max_hours: int = 12  # RECTIFLOW_SESSION_MAX_HOURS: every session ends this long after its login
    audit_key: Path | None = None  # RECTIFLOW_AUDIT_KEY: the private key file that signs checkpoints
    checkpoint_interval: int = 86400  # RECTIFLOW_CHECKPOINT_INTERVAL: seconds between the scheduler's checkpoints

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings of this process's environment (read once per entry point)."""
        return cls.from_env(os.environ)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        instance = Path(env.get("RECTIFLOW_INSTANCE", "instance")).resolve()
        url = env.get("RECTIFLOW_DATABASE_URL") or f"sqlite:///{instance / 'rectiflow.db'}"
        now = env.get("RECTIFLOW_NOW")
        try:
            moment = parse_time(now) if now else None
        except ValueError:
            raise InvalidInput("setting.instant", setting="RECTIFLOW_NOW", value=now) from None
        return cls(
            database_url=url,
            definitions_dir=Path(env.get("RECTIFLOW_DEFINITIONS", "definitions")).resolve(),
            instance_dir=instance,
            sqlite_synchronous=env.get("RECTIFLOW_SQLITE_SYNCHRONOUS", "NORMAL").upper(),
            max_attachment_bytes=_int(env, "RECTIFLOW_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024),
            now=moment,
            secret_key=env.get("RECTIFLOW_SECRET_KEY"),
            scheduler_interval=_int(env, "RECTIFLOW_SCHEDULER_INTERVAL", 60),
            cookie_secure=env.get("RECTIFLOW_COOKIE_SECURE", "0").lower() in ("1", "true", "yes"),
            node_modules=Path(env["RECTIFLOW_NODE_MODULES"]) if env.get("RECTIFLOW_NODE_MODULES") else None,
            bulletin_template=(Path(env["RECTIFLOW_BULLETIN_TEMPLATE"]).resolve()
                               if env.get("RECTIFLOW_BULLETIN_TEMPLATE") else None),
            login_failures=_int(env, "RECTIFLOW_LOGIN_FAILURES", 5, low=1),
            login_lock_minutes=_int(env, "RECTIFLOW_LOGIN_LOCK_MINUTES", 5, low=1),
            login_failures_per_address=_int(env, "RECTIFLOW_LOGIN_FAILURES_PER_ADDRESS", 100, low=1),
            trusted_proxies=_int(env, "RECTIFLOW_TRUSTED_PROXIES", 0, low=0),
            session_idle_minutes=_int(env, "RECTIFLOW_SESSION_IDLE_MINUTES", 30, low=1),
            session_max_hours=_int(env, "RECTIFLOW_SESSION_MAX_HOURS", 12, low=1),
            audit_key=Path(env["RECTIFLOW_AUDIT_KEY"]).resolve() if env.get("RECTIFLOW_AUDIT_KEY") else None,
            checkpoint_interval=_int(env, "RECTIFLOW_CHECKPOINT_INTERVAL", 86400),
        )


def _int(env: Mapping[str, str], key: str, default: int, *, low: int | None = None) -> int:
    try:
        value = int(env.get(key, default))
    except ValueError:
        raise InvalidInput("setting.integer", setting=key, value=env[key]) from None
    if low is not None and value < low:
        raise InvalidInput("setting.too_small", setting=key, value=env[key], low=low)
    return value
