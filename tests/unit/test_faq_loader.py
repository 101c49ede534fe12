"""Loading ``faq.yaml``: the sample loads, and each mistake is reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.loader import Problem
from faq.loader import load_faq
from faq.model import FaqFile

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "examples" / "faq.yaml").read_text(encoding="utf-8")
BROKEN = (ROOT / "tests" / "fixtures" / "faq_broken.yaml").read_text(encoding="utf-8")
NAME = "faq.yaml"
BILINGUAL = ("fr", "en")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) >= occurrence, f"{needle!r} is not in the text"
    return lines[occurrence - 1]


def broken(old: str, new: str) -> str:
    """The sample with one thing changed (``old`` must be in it exactly once)."""
    assert SAMPLE.count(old) == 1, f"{old!r} must occur once in the sample"
    return SAMPLE.replace(old, new)


def problems_of(text: str, languages: tuple[str, ...] = BILINGUAL) -> list[Problem]:
    result = load_faq(text, NAME, languages)
    assert isinstance(result, list), "the broken text was accepted"
    return result


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_sample_faq_loads_cleanly():
    """The shipped FAQ has about twenty bilingual entries with several phrasings each."""
    faq = load_faq(SAMPLE, NAME, BILINGUAL)
    assert isinstance(faq, FaqFile)
    assert len(faq.entries) >= 20
    for entry in faq.entries:
        assert entry.answer.fr, entry.id
        assert entry.answer.en, entry.id
        assert len(entry.questions) >= 4, entry.id
    assert faq.entry("parking").tags == ["access"]


def test_entry_lookup_by_unknown_id_raises_key_error():
    """``FaqFile.entry`` raises ``KeyError`` for an id it does not have."""
    faq = load_faq(SAMPLE, NAME, BILINGUAL)
    assert isinstance(faq, FaqFile)
    with pytest.raises(KeyError):
        faq.entry("valet-parking")


def test_french_only_clinic_needs_only_french_answers():
    """Answers are required in the clinic's languages, not in every language."""
    text = "entries:\n  - id: a\n    questions: [Où ?]\n    answer:\n      fr: Ici.\n"
    assert isinstance(load_faq(text, NAME, ["fr"]), FaqFile)


def test_duplicate_id():
    """A second entry with the same id is reported, citing the first one's line."""
    text = broken("  - id: masks", "  - id: pets")
    problem = only_problem(text)
    assert problem.line == line_of(text, "- id: pets", occurrence=2)
    assert problem.field == "entries[19].id"
    assert problem.message == "duplicate entry id 'pets'"
    assert f"line {line_of(text, '- id: pets')}" in problem.hint


def test_entry_missing_english_answer():
    """An answer without `en` is reported at its `answer:` line."""
    english = (
        "      en: No, we do not offer video consultations at the moment. All appointments"
        " take place at the clinic. I can find you an appointment if you like.\n"
    )
    text = broken(english, "")
    problem = only_problem(text)
    assert problem.line == line_of(text, "fr: Non, nous ne proposons pas") - 1
    assert problem.field == "entries[7].answer"
    assert problem.message == "no 'en' text"
    assert "en:" in problem.hint


def test_empty_questions():
    """`questions: []` is reported at that line with "add at least one"."""
    text = broken(
        "    questions:\n      - Puis-je venir avec mon chien ?\n"
        "      - Les animaux sont-ils acceptés ?\n      - Can I bring my dog?\n"
        "      - Are pets allowed?\n",
        "    questions: []\n",
    )
    problem = only_problem(text)
    assert problem.line == line_of(text, "questions: []")
    assert problem.field == "entries[19].questions"
    assert problem.message == "must not be empty"
    assert "at least one" in problem.hint


def test_blank_question():
    """A question made of spaces is reported at its own line."""
    text = broken("      - Is there wifi?", '      - "  "')
    problem = only_problem(text)
    assert problem.line == line_of(text, '- "  "')
    assert problem.field == "entries[16].questions[3]"
    assert problem.message == "must not be blank"


def test_unknown_key_suggests_the_right_one():
    """`answers:` instead of `answer:` gets "did you mean 'answer'?", and nothing else."""
    text = broken("  - id: pets\n    questions:", "  - id: pets\n    question:")
    problem = only_problem(text)
    assert problem.line == line_of(text, "question:")
    assert problem.field == "entries[19].question"
    assert problem.hint == "did you mean 'questions'?"


def test_answer_as_plain_text_asks_for_one_line_per_language():
    """An answer must be written per language, not as one plain text."""
    text = "entries:\n  - id: a\n    questions: [Où ?]\n    answer: Ici.\n"
    (problem,) = problems_of(text)
    assert (problem.line, problem.field) == (4, "entries[0].answer")
    assert "'fr: …' and 'en: …'" in problem.hint


def test_same_question_in_two_entries():
    """One phrasing under two entries is reported (case and spaces ignored)."""
    text = broken("      - Are pets allowed?", "      - where can I park ?")
    problem = only_problem(text)
    assert problem.line == line_of(text, "where can I park ?")
    assert f"line {line_of(text, 'Where can I park?')}" in problem.hint


def test_yaml_syntax_error():
    """A syntax error is reported at its line."""
    text = broken("      - Objets trouvés", "    - Objets trouvés")
    problem = only_problem(text)
    assert problem.line == line_of(text, "    - Objets trouvés")
    assert problem.message.startswith("YAML syntax error")


def test_every_problem_of_a_broken_file_is_reported():
    """The fixture's five mistakes are all reported, at their exact lines."""
    problems = problems_of(BROKEN)
    assert [str(p) for p in problems] == [
        "faq.yaml:10: entries[1].id: duplicate entry id 'parking'"
        " — give each entry its own id (this one is already used on line 3)",
        "faq.yaml:20: entries[2].answer: no 'en' text — add a line 'en: …' under 'answer'",
        "faq.yaml:24: entries[3].questions: must not be empty — add at least one item",
        "faq.yaml:32: entries[4].questions[1]: must not be blank"
        " — write the text, or remove the line",
        "faq.yaml:36: entries[4].tag: unknown key 'tag' — did you mean 'tags'?",
    ]


def test_load_faq_file_raises_config_error(tmp_path):
    """The startup loader raises ``ConfigError`` with the file's path in each problem."""
    from clinic.loader import ConfigError
    from faq.loader import load_faq_file

    path = tmp_path / "faq.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_faq_file(path, BILINGUAL)
    assert len(caught.value.problems) == 5
    assert str(caught.value).startswith(f"{path}:10: entries[1].id: duplicate entry id")
