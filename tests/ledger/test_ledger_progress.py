"""The import's progress bar (rectiflow ledger import): on a terminal, for more than 200 rows, on stderr; never in a
pipe or a log (where a bar is noise), never for a small file."""
from __future__ import annotations

import io

from rectiflow import cli_ledger


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_a_bar_for_a_long_file(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    with cli_ledger._progress() as tick:
        assert tick is not None
        for done in range(1, 251):
            tick(done, 250)
    shown = screen.getvalue()
    assert "导入" in shown and "/250" in shown and "行" in shown  # the bar, counting rows (cleared when done)


def test_a_short_file_or_a_pipe_shows_no_bar(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    with cli_ledger._progress() as tick:
        for done in range(1, 201):
            tick(done, cli_ledger.PROGRESS_FROM)
    assert screen.getvalue() == ""
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    with cli_ledger._progress() as tick:
        assert tick is None
    assert piped.getvalue() == ""
