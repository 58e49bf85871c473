"""`case open` of a type only its campaign opens (`opened_by: campaign`): a clear refusal in English and in
Chinese, a non-zero exit, no traceback, nothing written."""
from __future__ import annotations

from cli_runner import clean_failure
from factories import event_count

ARGS = ("case", "open", "campaign_assessment", "--as", "supervisor", "--title", "手工评估", "--unit", "xf-sfj",
        "--field", "campaign=xifeng-2021")


def test_case_open_says_why_in_both_languages(cli, database_url):
    before = event_count(database_url)
    result = cli(*ARGS)
    clean_failure(result, result.exit_code or 1)
    assert "opened by their campaign" in result.stderr
    zh = cli("--lang", "zh", *ARGS)
    clean_failure(zh, result.exit_code)
    assert "由专项整治自动生成" in zh.stderr  # the CLI names the type by its name (workflow.messages.LABELLED)
    assert event_count(database_url) == before
