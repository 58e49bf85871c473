"""The rectiflow web UI: a thin, server-rendered Flask app over the engine (no SPA).

`create_app()` builds the core application once (workflow.bootstrap: definitions parsed once per
process, not per request), puts it on ``app.extensions["workflow"]`` and registers one blueprint
per feature. Every route is listed in `web.access.ROUTES`, the single policy table that both the
app and the tests read.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from workflow.bootstrap import Application, build
from workflow.config import Settings

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


def create_app(settings: Settings | None = None, core: Application | None = None,
               config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app on a core application, or on one built from `settings` / the environment."""
    from web import (
        access,
        admin,
        alerts,
        assessment,
        assets,
        auth,
        bulk,
        campaigns,
        cases,
        dashboard,
        documents,
        errors,
        exports,
        history,
        i18n,
        inbox,
        inputs,
        ledger,
        saved_filters,
        security,
        templating,
        witness,
    )

    if core is None:
        core = build(settings or Settings.from_environment())
    app = Flask(__name__, instance_path=str(core.settings.instance_dir))
    app.config.update(_defaults(core))
    app.config.update(config or {})
    app.extensions["workflow"] = core
    if core.settings.trusted_proxies:  # only then is X-Forwarded-For believed, and only that many hops of it
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = core.settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    inputs.init_app(app)  # first: its UTF-8 check runs before the CSRF check reads the form
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    for module in (auth, inbox, bulk, saved_filters, cases, history, dashboard, exports, documents, alerts, admin,
                   ledger, i18n, witness, campaigns, assessment):
        app.register_blueprint(module.bp)
    security.register_vendor_route(app, Path(app.config["RECTIFLOW_NODE_MODULES"]))
    assets.init_app(app, Path(app.config["RECTIFLOW_NODE_MODULES"]))
    access.init_app(app)
    return app


def _defaults(core: Application) -> dict[str, Any]:
    secure = core.settings.cookie_secure
    return {
        "SECRET_KEY": secret_key(core.settings),
        "SESSION_COOKIE_NAME": "rectiflow_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,  # set RECTIFLOW_COOKIE_SECURE=1 when served over TLS
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=core.settings.session_max_hours),  # web.session_limits
        # Several files per step, each within the engine's limit; the engine checks each file again.
        "MAX_CONTENT_LENGTH": core.settings.max_attachment_bytes * 5 + 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "RECTIFLOW_NODE_MODULES": str(core.settings.node_modules or NODE_MODULES),
    }


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies: RECTIFLOW_SECRET_KEY, or one kept in the instance folder.

    Every process serving the same installation must use the same key, or a session signed by one
    worker is refused by the next: `rectiflow serve --workers N` calls this once in the master,
    before forking, so the workers all read the file it wrote.
    """
    return settings.secret_key or _instance_secret(settings.instance_dir)


def _instance_secret(instance: Path) -> str:
    """A per-installation key kept in the instance folder, so restarts keep sessions valid.

    Written whole under a temporary name, then linked into place: a process starting at the same
    moment either loses the race and reads the winner's key, or finds the complete file — never an
    empty one.
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    draft = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(draft, path)
    except FileExistsError:  # another process put its key there first: use theirs
        return path.read_text().strip()
    finally:
        draft.unlink()
    return key
