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
    assert {"/static/app.css", "/static/diagram.js", "/static/diagram.css",
            "/vendor/mermaid/mermaid.esm.min.mjs"} <= set(found)
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
    library = dist / "mermaid.esm.min.mjs"

    def vendor_url() -> str:
        client = make_web(app, RECTIFLOW_NODE_MODULES=str(tmp_path / "node_modules")).test_client()
        session_as(client, app, "supervisor")
        html = client.get("/definitions/clue").get_data(as_text=True)  # the diagram's data-src
        return f"/vendor/mermaid/mermaid.esm.min.mjs?v={urls(html)['/vendor/mermaid/mermaid.esm.min.mjs']}"

    library.write_text("export default {version: 1};")
    first = vendor_url()
    assert vendor_url() == first  # same contents, same URL
    library.write_text("export default {version: 2};")
    second = vendor_url()
    assert second != first
    client = make_web(app, RECTIFLOW_NODE_MODULES=str(tmp_path / "node_modules")).test_client()
    session_as(client, app, "supervisor")
    response = client.get(first)  # the old URL still answers, with the new file, but only briefly cached
    body, cache = response.get_data(as_text=True), response.headers["Cache-Control"]
    response.close()
    assert body == "export default {version: 2};" and "immutable" not in cache


def test_the_modules_chunks_are_served_by_their_hashed_names_and_nothing_else_of_the_package(client):
    """The ES module imports its chunks by relative URL; their names carry the bundler's content hash."""
    chunks = REPO / "node_modules" / "mermaid" / "dist" / "chunks" / "mermaid.esm.min"
    chunk = next(p.name for p in sorted(chunks.iterdir()) if p.name.startswith("chunk-") and p.suffix == ".mjs")
    response = client.get(f"/vendor/mermaid/chunks/mermaid.esm.min/{chunk}")
    response.close()
    assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE
    assert response.mimetype == "text/javascript"
    for other in (f"mermaid/chunks/mermaid.esm.min/{chunk}.map", "mermaid/chunks/mermaid.esm.min/../../package.json",
                  "mermaid/package.json", "mermaid/dist/mermaid.js", "../package.json", "mermaid.min.js"):
        response = client.get(f"/vendor/{other}")
        response.close()
        assert response.status_code == 404, other


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
