"""Integer bounds (`min`/`max`) and past dates (`allow_past`) in definitions: parsed, validated, applied.

Each refusal of a definition is one exact ``PATH:LINE: message`` (see definition_problems.py); a value
outside a field's bounds, or a deadline date before today, is refused with a coded message.
"""
from __future__ import annotations

from datetime import date

import pytest
from definition_problems import assert_only, problems_of
from factories import DEFINITIONS, MINI, ROLES, edited

from workflow.adapters.files.definition_files import definition_paths, read_definitions
from workflow.definitions.fields import FieldSpec, check_not_past, parse_value
from workflow.errors import InvalidInput

COUNT = "  count:\n    type: integer\n    label: {zh: 件数, en: Count}\n"
WITH_COUNT = edited(("fields:\n", "fields:\n" + COUNT))
DEADLINE_FROM_DUE = ("    stage: handled\n",
                     "    stage: handled\n    deadline: {within: 5 working_days, from_field: due}\n")


def parsed(tmp_path, text):
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    return loaded.definition


def with_count(*lines: str) -> str:
    return edited(("    label: {zh: 件数, en: Count}\n",
                   "    label: {zh: 件数, en: Count}\n" + "".join(f"    {line}\n" for line in lines)), base=WITH_COUNT)


# ---- integer min / max -----------------------------------------------------------------------------
def test_min_and_max_are_read(tmp_path):
    spec = parsed(tmp_path, with_count("min: 0", "max: 100")).fields["count"]
    assert (spec.minimum, spec.maximum) == (0, 100)
    assert parsed(tmp_path, WITH_COUNT).fields["count"].minimum is None


@pytest.mark.parametrize("setting, message", [
    ("min: lots", "field 'count': min must be a whole number between -1000000000000 and 1000000000000"),
    ("min: 1.5", "field 'count': min must be a whole number between -1000000000000 and 1000000000000"),
    ("max: true", "field 'count': max must be a whole number between -1000000000000 and 1000000000000"),
    ("max: 10000000000000", "field 'count': max must be a whole number between -1000000000000 and 1000000000000"),
])
def test_bounds_must_be_whole_numbers_within_the_limit(tmp_path, setting, message):
    assert_only(tmp_path, with_count(setting), setting, message)


def test_min_may_not_exceed_max(tmp_path):
    assert_only(tmp_path, with_count("min: 10", "max: 5"), "max: 5", "field 'count': max (5) is less than min (10)")


@pytest.mark.parametrize("key", ["min", "max"])
def test_bounds_only_on_integer_fields(tmp_path, key):
    text = edited(("    type: text\n", f"    type: text\n    {key}: 3\n"))
    assert_only(tmp_path, text, f"{key}: 3", f"field 'note': {key} applies to integer fields only")


@pytest.mark.parametrize("raw, code, message", [
    ("-1", "value.integer_between", "field 'count': -1 is outside the allowed range 0 to 100"),
    ("101", "value.integer_between", "field 'count': 101 is outside the allowed range 0 to 100"),
])
def test_values_outside_the_bounds_are_refused(raw, code, message):
    spec = FieldSpec("count", "integer", {"zh": "件数", "en": "Count"}, minimum=0, maximum=100)
    with pytest.raises(InvalidInput) as caught:
        parse_value(spec, raw)
    assert (caught.value.code, str(caught.value)) == (code, message)
    assert caught.value.params["field"] == "count"
    assert [parse_value(spec, v) for v in ("0", "100", 42)] == [0, 100, 42]


def test_one_sided_bounds():
    low = FieldSpec("year", "integer", {}, minimum=2000)
    high = FieldSpec("year", "integer", {}, maximum=2100)
    with pytest.raises(InvalidInput, match=r"^field 'year': -5 is too small; the smallest allowed is 2000$"):
        parse_value(low, "-5")
    with pytest.raises(InvalidInput, match=r"^field 'year': 99999 is too large; the largest allowed is 2100$"):
        parse_value(high, "99999")
    assert parse_value(low, "99999") == 99999 and parse_value(high, "-5") == -5


def test_every_shipped_year_and_count_field_has_bounds():
    """No more "year −5": every integer field of the shipped case types says its range."""
    unbounded = []
    for loaded in read_definitions(definition_paths(DEFINITIONS), ROLES):
        for spec in loaded.definition.fields.values():
            if spec.type == "integer" and spec.computed is None and (spec.minimum is None or spec.maximum is None):
                unbounded.append(f"{loaded.definition.name}.{spec.name}")
    assert unbounded == []


# ---- allow_past -----------------------------------------------------------------------------------------
def test_a_date_that_sets_a_deadline_refuses_the_past_by_default(tmp_path):
    defn = parsed(tmp_path, edited(DEADLINE_FROM_DUE))
    assert defn.fields["due"].allow_past is False
    assert parsed(tmp_path, MINI).fields["due"].allow_past is True  # not a deadline: any date


def test_allow_past_opts_out_and_in(tmp_path):
    opt_out = edited(DEADLINE_FROM_DUE, ("    type: date\n", "    type: date\n    allow_past: true\n"))
    assert parsed(tmp_path, opt_out).fields["due"].allow_past is True
    opt_in = edited(("    type: date\n", "    type: date\n    allow_past: false\n"))
    assert parsed(tmp_path, opt_in).fields["due"].allow_past is False


def test_allow_past_only_on_date_fields(tmp_path):
    text = edited(("    type: text\n", "    type: text\n    allow_past: true\n"))
    assert_only(tmp_path, text, "allow_past: true", "field 'note': allow_past applies to date fields only")


def test_allow_past_is_true_or_false(tmp_path):
    text = edited(("    type: date\n", "    type: date\n    allow_past: no\n"))
    _, problems = problems_of(tmp_path, text)
    assert problems == [f"{tmp_path / 'mini.yaml'}:{text.splitlines().index('    allow_past: no') + 1}: "
                        "field 'due': allow_past must be true or false, got 'no'"]


def test_shipped_extension_dates_refuse_the_past():
    shipped = {f.definition.name: f.definition for f in read_definitions(definition_paths(DEFINITIONS), ROLES)}
    assert not shipped["rectification_item"].fields["rectify_by"].allow_past  # a from_field
    assert not shipped["rectification_item"].fields["extension_until"].allow_past  # says so
    assert not shipped["practice_complaint"].fields["requested_until"].allow_past
    assert shipped["departed_staff"].fields["leave_date"].allow_past  # a fact of the past


def test_check_not_past():
    spec = FieldSpec("due", "date", {"zh": "期限", "en": "Due"}, allow_past=False)
    today = date(2026, 3, 2)
    check_not_past(spec, "2026-03-02", today)  # today is fine
    with pytest.raises(InvalidInput) as caught:
        check_not_past(spec, "2026-03-01", today)
    assert caught.value.code == "value.date_past"
    assert str(caught.value) == "field 'due': 2026-03-01 is in the past; give today (2026-03-02) or a later date"
    check_not_past(FieldSpec("due", "date", {}), "1999-01-01", today)  # allow_past defaults to True


# ---- min_attachments counts files with content ------------------------------------------------------------
def test_an_empty_file_is_no_evidence_for_min_attachments():
    """New empty uploads are refused (file.empty); one stored before that rule must not satisfy the guard."""
    from datetime import UTC, datetime

    from workflow.definitions.guards import Guard, GuardContext, evaluate

    guard = (Guard("min_attachments", {"field": "evidence", "count": 1}),)

    def ctx(*sizes: int) -> GuardContext:
        files = [{"name": f"f{n}.pdf", "sha256": "0" * 64, "size": size} for n, size in enumerate(sizes)]
        return GuardContext("handler", "handler", {"evidence": files}, {}, None, None, datetime.now(UTC))

    refusal = evaluate(guard, ctx(0))
    assert refusal is not None and refusal.code == "guard.min_attachments" and refusal.params["have"] == 0
    assert evaluate(guard, ctx(0, 12)) is None
