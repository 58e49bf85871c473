"""A stored definition version that this rectiflow's stricter parser refuses stops no command at start-up.

An older rectiflow stored ledger_item v1 with a key the current parser refuses (here written into the
stored text directly). Read-only commands keep working and warn which definition/version it is and how to
move its cases on; a change to one of its cases is refused with that message; `definitions migrate` moves the
case to a version the parser accepts. On SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import replace

from cli_runner import Cli, clean_failure
from test_definitions_migrate import v2_text

from workflow.bootstrap import build
from workflow.config import Settings

SAYS = "ledger_item v1 (stored) is refused by this rectiflow"


def refuse_stored_v1(cli: Cli) -> None:
    app = build(Settings.from_env(cli.env))
    try:
        with app.store.write() as tx:
            [v1] = [s for s in tx.stored_definitions() if (s.name, s.version) == ("ledger_item", 1)]
            # the same content hash (the file on disk is unchanged), a text the current parser refuses
            tx.save_definition(replace(v1, text=v1.text + "gaurds: 1\n"))
    finally:
        app.close()


def test_read_only_commands_keep_working_and_say_how_to_migrate(cli, cli_defs):
    case_id = cli.open_case()
    other = cli.json("case", "open", "rectification_item", "--as", "registrar", "--title", "制度缺失",
                     "--unit", "xf-sfs-1", "--field", "description=缺少复核制度", "--field", "category=other",
                     "--field", "discovery_channel=self_report")
    refuse_stored_v1(cli)

    listed = cli.ok("definitions", "list")
    assert SAYS in listed.stderr and "unknown key 'gaurds'" in listed.stderr
    assert "rectiflow definitions migrate ledger_item --to VERSION" in listed.stderr
    assert "rectification_item" in listed.stdout
    assert cli.ok("audit", "verify").exit_code == 0
    assert cli.json("case", "show", other["id"])["state"]  # cases of other types read as ever

    refused = cli("case", "advance", case_id, "verify", "--as", "supervisor")
    clean_failure(refused, 1)
    assert SAYS in refused.stderr and "definitions migrate ledger_item" in refused.stderr

    (cli_defs / "ledger_item.yaml").write_text(v2_text(), encoding="utf-8")
    moved = cli.json("definitions", "migrate", "ledger_item", "--to", "2", "--as", "admin")
    assert [c["outcome"] for c in moved["cases"]] == ["migrated"]
    cli.ok("case", "advance", case_id, "confirm", "--as", "supervisor")
    assert cli.ok("audit", "verify").exit_code == 0
