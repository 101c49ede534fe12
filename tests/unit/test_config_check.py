"""Loading ``clinic.yaml``: the sample loads, and each mistake is reported at its line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config_check import check_config, load_clinic_file, load_faq_file
from clinic.config import ClinicConfig
from clinic.loader import ConfigError, Problem, load_clinic, parse_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAMPLE = (EXAMPLES / "clinic.yaml").read_text(encoding="utf-8")
NAME = "clinic.yaml"


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) >= occurrence, f"{needle!r} is not in the text"
    return lines[occurrence - 1]


def broken(old: str, new: str) -> str:
    """The sample with one thing changed (``old`` must be in it exactly once)."""
    assert SAMPLE.count(old) == 1, f"{old!r} must occur once in the sample"
    return SAMPLE.replace(old, new)


def problems_of(text: str) -> list[Problem]:
    result = load_clinic(text, NAME)
    assert isinstance(result, list), "the broken text was accepted"
    return result


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# ------------------------------------------------------------------ good files


def test_sample_clinic_loads_cleanly():
    """The shipped example is a valid clinic with 5 practitioners and 7 services."""
    config = load_clinic(SAMPLE, NAME)
    assert isinstance(config, ClinicConfig)
    assert config.clinic.name == "Centre médical Lumière"
    assert (len(config.practitioners), len(config.services)) == (5, 7)
    assert config.public_holidays[0] == date(2026, 1, 1)


def test_check_config_summarises_valid_files():
    """``check_config`` on the two samples is ok and says what it loaded."""
    report = check_config(EXAMPLES / "clinic.yaml", EXAMPLES / "faq.yaml")
    assert report.ok, "\n".join(map(str, report.problems))
    assert report.problems == []
    clinic_line, faq_line = report.summary_lines()
    assert clinic_line.endswith(
        "clinic.yaml: Centre médical Lumière (Europe/Paris, fr/en) — 5 practitioners, 7 services"
    )
    assert faq_line.endswith("faq.yaml: 22 entries")


def test_file_loaders_return_the_configs():
    """The startup helpers return the parsed files when they are valid."""
    config = load_clinic_file(EXAMPLES / "clinic.yaml")
    faq = load_faq_file(EXAMPLES / "faq.yaml", config.clinic.languages)
    assert config.practitioner("dr-roussel").languages == ["fr"]
    assert faq.entry("parking").answer.en


# ------------------------------------------------------- YAML with positions


def _types(value: Any) -> set[type]:
    if isinstance(value, dict):
        return {dict}.union(*(_types(v) for v in value.values()), *(_types(k) for k in value))
    if isinstance(value, list):
        return {list}.union(*(_types(v) for v in value))
    return {type(value)}


def test_yaml_becomes_plain_python_with_lines():
    """ruamel's round-trip types become builtins; keys and items keep their line."""
    doc = parse_yaml(SAMPLE + "extra:\n  when: 2026-01-02 10:30:00\n  n: 0x10\n", NAME)
    assert not isinstance(doc, list)
    assert _types(doc.data) <= {dict, list, str, int, float, bool, date, datetime, type(None)}
    assert type(doc.data["services"][0]["price"]) is float
    assert type(doc.data["extra"]["when"]) is datetime
    assert type(doc.data["public_holidays"][0]) is date
    assert doc.lines[("practitioners", 2, "schedule", "mon")] == line_of(
        SAMPLE, 'mon: {hours: "09:00-18:00"'
    )
    assert doc.lines[("practitioners", 0, "schedule", "mon", "breaks", 0)] == line_of(
        SAMPLE, 'mon: {hours: "08:30-18:30"'
    )
    assert doc.lines[("public_holidays", 2)] == line_of(SAMPLE, "- 2026-05-01")


def test_problem_reads_file_line_field_message_hint():
    """A problem prints as ``file:line: field: what is wrong — how to fix it``."""
    problem = Problem("clinic.yaml", 12, "clinic.timezone", "unknown timezone 'X'", "use Y")
    assert str(problem) == "clinic.yaml:12: clinic.timezone: unknown timezone 'X' — use Y"
    assert str(Problem("c.yaml", None, "", "file not found", "check it")) == (
        "c.yaml: file not found — check it"
    )


# ------------------------------------------------------------ schema mistakes


def test_typo_in_top_level_key_suggests_the_right_one():
    """`practioners:` is one problem (not also "practitioners missing"), with a suggestion."""
    text = broken("practitioners:", "practioners:")
    problem = only_problem(text)
    assert problem.line == line_of(text, "practioners:")
    assert problem.field == "practioners"
    assert "unknown key 'practioners'" in problem.message
    assert problem.hint == "did you mean 'practitioners'?"


def test_typo_inside_a_practitioner_points_at_that_practitioner():
    """`servics:` in the 4th practitioner is reported at its own line."""
    text = broken("    services: [physio]", "    servics: [physio]")
    problem = only_problem(text)
    assert problem.line == line_of(text, "servics:")
    assert problem.field == "practitioners[3].servics"
    assert "did you mean 'services'?" in problem.hint


def test_unknown_key_without_close_match_lists_allowed_keys():
    """When nothing resembles the key, the hint lists what is allowed there."""
    text = broken("  currency: EUR\n", "  currency: EUR\n  vat_number: 12\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "vat_number")
    assert problem.field == "clinic.vat_number"
    assert "timezone" in problem.hint
    assert "default_language" in problem.hint


def test_bad_time_range_keeps_the_schema_hint():
    """`9h-12h` is explained with the HH:MM-HH:MM format, without pydantic's prefix."""
    text = broken('  mon: "08:00-19:00"', '  mon: "9h-12h"')
    problem = only_problem(text)
    assert problem.line == line_of(text, "9h-12h")
    assert problem.field == "opening_hours.mon"
    assert problem.message == "bad time range '9h-12h'"
    assert "HH:MM-HH:MM" in problem.hint
    assert "Value error" not in str(problem)


def test_unknown_timezone_suggests_the_closest_zone():
    """`Europe/Pariss` gets "did you mean 'Europe/Paris'?"."""
    text = broken("timezone: Europe/Paris", "timezone: Europe/Pariss")
    problem = only_problem(text)
    assert problem.line == line_of(text, "timezone:")
    assert problem.field == "clinic.timezone"
    assert "unknown timezone 'Europe/Pariss'" in problem.message
    assert "did you mean 'Europe/Paris'?" in problem.hint


def test_missing_required_timezone_names_the_key_and_where_to_add_it():
    """A missing `timezone` is reported on the `clinic:` line, naming the key."""
    text = broken("  timezone: Europe/Paris\n", "")
    problem = only_problem(text)
    assert problem.line == line_of(text, "clinic:")
    assert problem.field == "clinic"
    assert problem.message == "missing required key 'timezone'"
    assert "under 'clinic'" in problem.hint


def test_bad_duration_explains_the_format():
    """`2 hours` is not a duration; the hint shows how durations are written."""
    text = broken("min_notice: 2h", "min_notice: 2 hours")
    problem = only_problem(text)
    assert problem.line == line_of(text, "min_notice")
    assert problem.field == "booking.min_notice"
    assert problem.message == "bad duration '2 hours'"
    assert "30m, 2h" in problem.hint


def test_overlapping_breaks_point_at_the_second_break():
    """Overlapping breaks are reported on the line of the break that overlaps."""
    day = '      wed:\n        hours: "09:00-12:00"\n        breaks:\n'
    text = broken(
        '      wed: "09:00-12:00"\n', day + '          - "10:00-10:30"\n          - "10:15-10:45"\n'
    )
    problem = only_problem(text)
    assert problem.line == line_of(text, '- "10:15-10:45"')
    assert problem.field == "practitioners[2].schedule.wed.breaks[1]"
    assert "overlap" in problem.message
    assert problem.hint


def test_break_outside_hours_points_at_the_break():
    """A break after the day's hours end is reported on its own line."""
    day = '      wed:\n        hours: "09:00-12:00"\n        breaks:\n'
    text = broken('      wed: "09:00-12:00"\n', day + '          - "12:00-13:00"\n')
    problem = only_problem(text)
    assert problem.line == line_of(text, '- "12:00-13:00"')
    assert problem.field == "practitioners[2].schedule.wed.breaks[0]"
    assert "not inside the working hours" in problem.message
    assert "hours" in problem.hint


def test_wrong_type_says_what_was_expected():
    """A word where a number belongs is named, with an example of the right form."""
    text = broken("max_upcoming_per_patient: 3", "max_upcoming_per_patient: three")
    problem = only_problem(text)
    assert problem.line == line_of(text, "max_upcoming_per_patient")
    assert problem.message == "expected a whole number, got 'three'"
    assert problem.hint


def test_date_or_datetime_error_is_reported_once():
    """A `date | datetime` field reports a bad value once, not once per member."""
    text = broken("      - from: 2027-02-15", "      - from: tomorrow")
    problem = only_problem(text)
    assert problem.line == line_of(text, "from: tomorrow")
    assert problem.field == "practitioners[0].absences[0].from"
    assert "YYYY-MM-DD" in problem.hint


# ------------------------------------------------------------------ YAML itself


def test_yaml_syntax_error_has_the_line():
    """An unquoted `: ` in a value is a syntax error at that line, with a fix."""
    text = broken("  name: Centre médical Lumière", "  name: Centre: médical Lumière")
    problem = only_problem(text)
    assert problem.line == line_of(text, "Centre: médical")
    assert problem.message.startswith("YAML syntax error")
    assert "quotes" in problem.hint


def test_tab_indentation_is_explained():
    """A tab in the indentation is reported with "indent with spaces"."""
    text = broken("  currency: EUR", "\tcurrency: EUR")
    problem = only_problem(text)
    assert problem.line == line_of(text, "\tcurrency")
    assert "spaces, not tabs" in problem.hint


def test_duplicate_yaml_key_is_reported_at_the_second_one():
    """A key given twice in one section is an error at the repeated key."""
    text = broken("  currency: EUR\n", "  currency: EUR\n  timezone: Europe/Berlin\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "timezone: Europe/Berlin")
    assert problem.message == "YAML syntax error: duplicate key 'timezone'"
    assert problem.hint == (
        f"'timezone' is already set on line {line_of(text, 'timezone: Europe/Paris')};"
        " keep one and remove the other"
    )


def test_empty_file_is_a_problem():
    """An empty clinic.yaml says so, pointing at the example."""
    problem = only_problem("# nothing yet\n")
    assert problem.message == "the file is empty"
    assert "examples/clinic.yaml" in problem.hint


# ------------------------------------------------------------------ cross-checks


def test_unknown_service_suggests_the_closest_id():
    """A practitioner offering `consult-xyz` gets "did you mean 'consult-gp'?"."""
    text = broken(
        "services: [consult-gp, vaccination, certificate, blood-test]",
        "services: [consult-gp, vaccination, certificate, consult-xyz, blood-test]",
    )
    problem = only_problem(text)
    assert problem.line == line_of(text, "consult-xyz")
    assert problem.field == "practitioners[1].services[3]"
    assert problem.message == "unknown service 'consult-xyz'"
    assert "did you mean 'consult-gp'?" in problem.hint


def test_duplicate_practitioner_id_names_the_first_line():
    """Two practitioners with one id: the second is reported, citing the first."""
    text = broken("  - id: ide-petit", "  - id: dr-martin")
    problem = only_problem(text)
    assert problem.line == line_of(text, "- id: dr-martin", occurrence=2)
    assert problem.field == "practitioners[4].id"
    assert problem.message == "duplicate practitioner id 'dr-martin'"
    assert f"line {line_of(text, '- id: dr-martin')}" in problem.hint


def test_duplicate_service_id():
    """Two services with one id: the second is reported."""
    text = broken("  - id: dental-cleaning", "  - id: dental-checkup")
    duplicate, *_ = (p for p in problems_of(text) if p.field == "services[5].id")
    assert duplicate.line == line_of(text, "- id: dental-checkup", occurrence=2)
    assert duplicate.message == "duplicate service id 'dental-checkup'"


def test_service_nobody_offers():
    """A service no practitioner performs cannot be booked: it is reported."""
    text = broken("    services: [physio]", "    services: [consult-gp]")
    problem = only_problem(text)
    assert problem.line == line_of(text, "- id: physio")
    assert problem.field == "services[6].id"
    assert "no practitioner offers" in problem.message


def test_practitioner_language_outside_clinic_languages():
    """A practitioner speaking `en` in a French-only clinic is reported per item."""
    text = broken("  languages: [fr, en]\n  default", "  languages: [fr]\n  default")
    text = text.replace("    languages: [fr, en]\n", "    languages: [fr]\n", 3)
    problem = only_problem(text)
    assert problem.line == line_of(text, "languages: [fr, en]")
    assert problem.field == "practitioners[4].languages[1]"
    assert "'en' is not one of the clinic's languages" in problem.message


def test_default_language_must_be_a_clinic_language():
    """`default_language: en` with `languages: [fr]` is reported."""
    text = broken(
        "  languages: [fr, en]\n  default_language: fr", "  languages: [fr]\n  default_language: en"
    )
    problems = problems_of(text)
    assert problems[0].line == line_of(text, "default_language")
    assert problems[0].field == "clinic.default_language"


def test_missing_translation_of_a_title():
    """A practitioner title without its English text is reported at `title:`."""
    text = broken("      en: Physiotherapist\n", "")
    problem = only_problem(text)
    assert problem.line == line_of(text, "      fr: Masseur-kinésithérapeute") - 1
    assert problem.field == "practitioners[3].title"
    assert problem.message == "no 'en' text"
    assert "en:" in problem.hint


def test_blank_translation_of_a_service_name():
    """An empty `en:` counts as missing."""
    text = broken("      en: Dental cleaning", '      en: ""')
    problem = only_problem(text)
    assert problem.field == "services[5].name"
    assert problem.line == line_of(text, '      en: ""') - 2


def test_clinic_never_open_and_practitioner_never_working():
    """Empty opening hours and an empty schedule are both reported."""
    opening = SAMPLE[SAMPLE.index("opening_hours:") : SAMPLE.index("public_holidays:")]
    text = broken(opening, "opening_hours: {}\n\n")
    nurse = text[text.index('    schedule:\n      mon: "07:30') : text.index("services:\n  - id")]
    text = text.replace(nurse, "    schedule:\n      sun: null\n\n")
    problems = problems_of(text)
    assert [(p.field, p.line) for p in problems] == [
        ("opening_hours", line_of(text, "opening_hours: {}")),
        ("practitioners[4].schedule", line_of(text, "sun: null") - 1),
    ]
    assert problems[0].message == "the clinic is never open"
    assert problems[1].message == "this practitioner never works"


def test_duplicate_reminder_offsets():
    """`48h` and `2d` are the same reminder: the second is reported."""
    text = broken("  offsets: [48h, 2h]", "  offsets:\n    - 48h\n    - 2h\n    - 2d")
    problem = only_problem(text)
    assert problem.line == line_of(text, "- 2d")
    assert problem.field == "reminders.offsets[2]"
    assert "48h" in problem.hint


def test_staff_ids():
    """Repeated or negative user ids and a positive group id are reported."""
    text = broken(
        "  telegram_user_ids: []\n  telegram_group_id: null",
        "  telegram_user_ids:\n    - 111\n    - 111\n    - -5\n  telegram_group_id: 42",
    )
    problems = problems_of(text)
    assert [(p.field, p.line) for p in problems] == [
        ("staff.telegram_user_ids[1]", line_of(text, "- 111", occurrence=2)),
        ("staff.telegram_user_ids[2]", line_of(text, "- -5")),
        ("staff.telegram_group_id", line_of(text, "telegram_group_id")),
    ]


def test_several_problems_are_all_reported_in_file_order():
    """A file with many mistakes lists every one, sorted by line."""
    text = broken("timezone: Europe/Paris", "timezone: Europe/Pariss")
    text = text.replace('  mon: "08:00-19:00"', '  mon: "9h-12h"')
    text = text.replace("  - id: ide-petit", "  - id: dr-martin")
    text = text.replace("    services: [physio]", "    servics: [physio]")
    text = text.replace("[consult-gp, vaccination, certificate]", "[consult-xyz, vaccination]")
    text = text.replace("min_notice: 2h", "min_notice: 2 hours")
    problems = problems_of(text)
    assert [(p.line, p.field) for p in problems] == [
        (line_of(text, "Europe/Pariss"), "clinic.timezone"),
        (line_of(text, "9h-12h"), "opening_hours.mon"),
        (line_of(text, "consult-xyz"), "practitioners[0].services[0]"),
        (line_of(text, "servics"), "practitioners[3].servics"),
        (line_of(text, "- id: dr-martin", occurrence=2), "practitioners[4].id"),
        (line_of(text, "min_notice"), "booking.min_notice"),
    ]


# ------------------------------------------------------------------ files


def test_missing_file_is_a_problem_and_faq_is_still_checked(tmp_path):
    """A missing clinic.yaml is reported, and the FAQ is still checked in the same run."""
    faq = tmp_path / "faq.yaml"
    faq.write_text("entries:\n  - id: a\n    questions: [Q?]\n    answer: {fr: R}\n")
    report = check_config(tmp_path / "clinic.yaml", faq)
    assert not report.ok
    assert [str(p) for p in report.problems] == [
        f"{tmp_path / 'clinic.yaml'}: file not found"
        " — check the path, or start from the examples/ folder",
        f"{faq}:4: entries[0].answer: no 'en' text — add a line 'en: …' under 'answer'",
    ]
    assert report.summary_lines() == []


def test_faq_is_checked_against_the_languages_of_a_broken_clinic(tmp_path):
    """With a broken but French-only clinic.yaml, a French-only FAQ is fine."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(
        broken("  languages: [fr, en]\n  default", "  languages: [fr]\n  bogus: 1\n  default")
    )
    faq = tmp_path / "faq.yaml"
    faq.write_text("entries:\n  - id: a\n    questions: [Q?]\n    answer: {fr: R}\n")
    report = check_config(clinic, faq)
    assert {p.file for p in report.problems} == {str(clinic)}


def test_non_utf8_file_is_a_problem(tmp_path):
    """A file saved in Latin-1 is reported with the line of the first bad byte."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_bytes("clinic:\n  name: Lumière\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_clinic_file(clinic)
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "the file is not UTF-8 text")


def test_load_clinic_file_raises_with_every_problem(tmp_path):
    """The startup loader raises ``ConfigError`` whose text is one problem per line."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(broken("practitioners:", "practioners:"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_clinic_file(clinic)
    assert len(caught.value.problems) == 1
    assert str(caught.value) == str(caught.value.problems[0])
    assert f"{clinic}:{line_of(SAMPLE, 'practitioners:')}: practioners:" in str(caught.value)


# ------------------------------------------------------------------ YAML features


def test_anchors_and_merge_keys_are_plain_data():
    """`<<: *anchor` merges keys; merged keys take the line of the mapping using them."""
    text = (
        "base: &day {hours: '09:00-17:00'}\n"
        "week:\n"
        "  mon:\n"
        "    <<: *day\n"
        "    breaks: ['12:00-13:00']\n"
    )
    doc = parse_yaml(text, NAME)
    assert not isinstance(doc, list)
    assert doc.data["week"]["mon"] == {"hours": "09:00-17:00", "breaks": ["12:00-13:00"]}
    assert doc.lines[("week", "mon", "breaks")] == 5
    assert doc.lines[("week", "mon", "hours")] == 3


def test_reused_anchor_name_is_not_an_error():
    """Redefining an anchor is legal YAML: ruamel's warning must not break loading."""
    doc = parse_yaml("a: &x 1\nb: &x 2\nc: *x\n", NAME)
    assert not isinstance(doc, list)
    assert doc.data == {"a": 1, "b": 2, "c": 2}


def test_self_referencing_alias_is_a_problem():
    """A list that contains itself is reported instead of recursing forever."""
    result = parse_yaml("&x [1, *x]\n", NAME)
    assert isinstance(result, list)
    assert "refers to itself" in result[0].message


def test_unclosed_quote_points_where_it_opens():
    """An unclosed quote is only noticed at the end; the problem names its opening line."""
    text = broken("  release_after: 24h", '  release_after: "24h')
    problem = only_problem(text)
    assert problem.line == line_of(text, 'release_after: "24h')
    assert problem.message == "YAML syntax error: quoted text never closed"
    assert "close the quote" in problem.hint


def test_a_whatsapp_template_using_an_unknown_value_is_reported_at_its_line() -> None:
    """A template mapping must use values the message has (check-config catches typos)."""
    text = SAMPLE.replace("parameters: [when, practitioner, address]", "parameters: [when, phone]")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "[when, phone]" in row)
    problems = load_clinic(text, "clinic.yaml")
    assert isinstance(problems, list)
    assert any(p.line == line and "whatsapp.templates.reminder" in p.field for p in problems)
