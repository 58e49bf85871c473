"""HTTP hardening: CSRF on every POST, security headers, no caching of pages, the vendor route.

Static and vendor files carry content hashes in their URLs and are cached for a year (web.assets).

The Content-Security-Policy allows scripts only from this origin (no inline scripts anywhere;
the page scripts live in static/app.js). Styles allow 'unsafe-inline' only because the diagram
library injects a <style> element into each SVG it draws.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, send_from_directory, url_for
from flask_wtf.csrf import CSRFProtect

from web import assets

csrf = CSRFProtect()

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    cache = assets.cache_control()
    if cache is not None:
        h["Cache-Control"] = cache
    else:  # case data must not linger in shared or browser caches
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return response


def register_vendor_route(app: Flask, node_modules: Path) -> None:
    @app.route("/vendor/<path:name>", endpoint="vendor")
    def vendor(name: str) -> Response:
        rel = assets.vendor_path(name)
        if rel is None or not (node_modules / rel).is_file():
            abort(404)
        path = node_modules / rel
        return send_from_directory(path.parent, path.name,
                                   mimetype="text/css" if path.suffix == ".css" else "text/javascript")


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would turn the login page into a phishing aid."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("inbox.index")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("inbox.index")
