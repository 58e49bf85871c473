"""Static and vendor files: content-hashed URLs cached for a year, unhashed URLs briefly, pages never (web.assets)."""
from __future__ import annotations

import hashlib
import re

from webtools import REPO, make_web, session_as

IMMUTABLE = "public, max-age=31536000, immutable"
HASHED = re.compile(r'(?:href|src|data-src)="(/(?:static|vendor)/[^"?]+)\?v=([0-9a-f]{12})"')


def urls(html: str) -> dict[str, str]:
    return dict(HASHED.findall(html))


def test_pages_link_static_files_by_content_hash(client):
    found = urls(client.get("/login").get_data(as_text=True))
    for name in ("app.css", "app.js"):
        token = hashlib.sha256((REPO / "web" / "static" / name).read_bytes()).hexdigest()[:12]
        assert found[f"/static/{name}"] == token


def test_hashed_urls_are_immutable_unhashed_ones_short_lived_pages_never_cached(as_role, rect_case):
    client = as_role("supervisor")
    page = client.get(f"/cases/{rect_case.id}")
    assert page.headers["Cache-Control"] == "no-store"
    found = urls(page.get_data(as_text=True))
    assert {"/static/app.css", "/static/diagram.js", "/static/diagram.css", "/vendor/mermaid.min.js"} <= set(found)
    for path, token in found.items():
        response = client.get(f"{path}?v={token}")
        response.close()
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE, path
        for stale in (path, f"{path}?v=000000000000"):  # no hash, or one from before a deploy
            response = client.get(stale)
            response.close()
            assert response.status_code == 200, stale
            cache = response.headers["Cache-Control"]
            assert "immutable" not in cache and re.fullmatch(r"public, max-age=\d{1,3}", cache), stale


def test_a_changed_file_gets_a_new_url(app, tmp_path):
    """The hash is of the contents, taken at start-up: the next start after a change links a new URL."""
    dist = tmp_path / "node_modules" / "mermaid" / "dist"
    dist.mkdir(parents=True)
    library = dist / "mermaid.min.js"

    def vendor_url() -> str:
        client = make_web(app, RECTIFLOW_NODE_MODULES=str(tmp_path / "node_modules")).test_client()
        session_as(client, app, "supervisor")
        html = client.get("/definitions/clue").get_data(as_text=True)  # the diagram's data-src
        return f"/vendor/mermaid.min.js?v={urls(html)['/vendor/mermaid.min.js']}"

    library.write_text("window.mermaid = {version: 1};")
    first = vendor_url()
    assert vendor_url() == first  # same contents, same URL
    library.write_text("window.mermaid = {version: 2};")
    second = vendor_url()
    assert second != first
    client = make_web(app, RECTIFLOW_NODE_MODULES=str(tmp_path / "node_modules")).test_client()
    session_as(client, app, "supervisor")
    response = client.get(first)  # the old URL still answers, with the new file, but only briefly cached
    body, cache = response.get_data(as_text=True), response.headers["Cache-Control"]
    response.close()
    assert body == "window.mermaid = {version: 2};" and "immutable" not in cache


def test_fingerprints_follow_file_contents(tmp_path):
    from web.assets import fingerprints

    static = tmp_path / "static"
    (static / "sub").mkdir(parents=True)
    (static / "app.css").write_text("body { color: black }")
    (static / "sub" / "x.js").write_text("1")
    before = fingerprints(static, tmp_path / "no-node-modules")
    assert set(before) == {("static", "app.css"), ("static", "sub/x.js")}
    (static / "app.css").write_text("body { color: red }")
    after = fingerprints(static, tmp_path / "no-node-modules")
    assert after[("static", "app.css")] != before[("static", "app.css")]
    assert after[("static", "sub/x.js")] == before[("static", "sub/x.js")]
