"""A case moved by `definitions migrate` shows the move in Chinese on its history page (升级流程版本 v1→v2, the
new state by its label) and the page's check still finds its chain and replay whole. SQLite and PostgreSQL."""
from __future__ import annotations

import re

from factories import LEDGER, copy_definitions, open_ledger, seed_directory
from webtools import make_web, session_as

from workflow.cases.migration import migrate, plan_migration

V2 = (LEDGER.read_text(encoding="utf-8").replace("version: 1\n", "version: 2\n")
      .replace("  verified:\n", "  confirmed:\n").replace("dest: verified", "dest: confirmed")
      .replace("source: verified", "source: confirmed"))


def test_history_shows_the_migration_in_chinese_and_checks_clean(make_app, database_url, tmp_path):
    defs = copy_definitions(tmp_path / "definitions", extra=(LEDGER,))
    first = make_app(database_url, definitions=defs)
    seed_directory(first)
    case = open_ledger(first)
    first.cases.advance(case.id, "verify", actor="supervisor")
    (defs / "ledger_item_v2.yaml").write_text(V2, encoding="utf-8")
    app = make_app(database_url, definitions=defs)  # stores v2 beside v1
    plan = plan_migration(app.cases, "ledger_item", 2, {"verified": "confirmed"}, actor="admin")
    migrate(app.cases, plan, actor="admin")
    assert app.cases.get(case.id).state == "confirmed"

    client = make_web(app).test_client()
    session_as(client, app, "supervisor")
    response = client.get(f"/cases/{case.id}/history")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "升级流程版本 v1→v2" in html
    assert "confirmed" not in re.sub(r"<[^>]+>", " ", html).split("升级流程版本")[1][:400]  # its label, not its name
    assert re.search(r'<dd id="check-chain" class="ok">', html) and re.search(r'<dd id="check-replay" class="ok">',
                                                                             html)
