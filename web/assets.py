"""Content-hashed URLs for the static files and the npm vendor files, and how long browsers may keep them.

At start-up every file under web/static and every vendor file is hashed once (SHA-256 of its contents);
`url_for('static', ...)` and `url_for('vendor', ...)` then add `?v=<first 12 hex digits>` by themselves, so
templates need no helper. A response to the current hash may be kept for a year (`immutable`): a changed
file gets a new URL at the next start, so no browser keeps a stale copy. Any other URL of a static file
(no hash, an old hash) gets a short lifetime; pages are never cached (web.security).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"  # an unhashed URL: a deploy reaches every browser within five minutes
# The built files of the npm packages the pages use, served from node_modules (never copied). The diagram loads
# mermaid's ES module build, which imports only the chunks a state diagram needs (~850 KB; the single-file
# bundle is 3.5 MB).
# The battle map's charts use ECharts' single-file build, loaded on that page only; date inputs use flatpickr with
# its Chinese locale, loaded on the pages that have one.
VENDOR_FILES = {"mermaid/mermaid.esm.min.mjs": "mermaid/dist/mermaid.esm.min.mjs",
                "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
                "flatpickr/flatpickr.min.js": "flatpickr/dist/flatpickr.min.js",
                "flatpickr/flatpickr.min.css": "flatpickr/dist/flatpickr.min.css",
                "flatpickr/zh.js": "flatpickr/dist/l10n/zh.js"}
# The chunks that module imports by relative URL: their file names carry the bundler's content hash
# (`chunk-2NMSUPJH.mjs`), so they are cached like hashed URLs. Nothing else of the folder is served.
VENDOR_CHUNKS = ("mermaid/chunks/mermaid.esm.min/", "mermaid/dist/chunks/mermaid.esm.min/")
_CHUNK = re.compile(r"[A-Za-z0-9_.-]*-[A-Z0-9]{8}\.mjs")
_ARGUMENT = {"static": "filename", "vendor": "name"}
_KEY = "rectiflow_assets"


def fingerprint(path: Path) -> str:
    """The URL token of a file: a prefix of the SHA-256 of its contents."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def fingerprints(static_dir: Path, node_modules: Path) -> dict[tuple[str, str], str]:
    """(endpoint, name) -> token for every static file and every installed vendor file."""
    out: dict[tuple[str, str], str] = {}
    for path in sorted(static_dir.rglob("*")):
        if path.is_file():
            out[("static", path.relative_to(static_dir).as_posix())] = fingerprint(path)
    for name, rel in VENDOR_FILES.items():
        if (node_modules / rel).is_file():
            out[("vendor", name)] = fingerprint(node_modules / rel)
    return out


def vendor_path(name: str) -> str | None:
    """The node_modules-relative path of a vendor URL name, or None when it is not one served."""
    if name in VENDOR_FILES:
        return VENDOR_FILES[name]
    prefix, folder = VENDOR_CHUNKS
    if name.startswith(prefix) and _CHUNK.fullmatch(name[len(prefix):]):
        return folder + name[len(prefix):]
    return None


def init_app(app: Flask, node_modules: Path) -> None:
    app.extensions[_KEY] = fingerprints(Path(app.static_folder or ""), node_modules)
    app.url_defaults(_add_version)


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    arg = _ARGUMENT.get(endpoint)
    if arg is None or "v" in values or arg not in values:
        return
    token = current_app.extensions[_KEY].get((endpoint, values[arg]))
    if token:
        values["v"] = token


def cache_control() -> str | None:
    """The Cache-Control of a static or vendor response to this request; None for anything else."""
    arg = _ARGUMENT.get(request.endpoint or "")
    if arg is None:
        return None
    name = (request.view_args or {}).get(arg)
    current = current_app.extensions[_KEY].get((request.endpoint, name))
    if current is None and request.endpoint == "vendor" and vendor_path(name or ""):  # a chunk: hashed name
        return IMMUTABLE
    return IMMUTABLE if current and request.args.get("v") == current else SHORT
