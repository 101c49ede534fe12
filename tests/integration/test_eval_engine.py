"""`carebot eval`: cases played through the whole engine are judged by what the patient
experiences; the tuned set keeps its floors, and a wrong verdict cannot pass unnoticed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import EvalCase, EvalReport, Seen, judge, load_cases, run_file
from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE

ROOT = Path(__file__).resolve().parents[2]
TUNED = ROOT / "tests" / "eval" / "cases.yaml"
UNSEEN = ROOT / "tests" / "eval" / "unseen.yaml"


def case(category: str, expect: tuple[str, ...] = (), kind: str | None = None) -> EvalCase:
    """A case of a category."""
    return EvalCase(category, "en", "…", expect, (), kind)


@pytest.mark.parametrize(
    ("labelled", "seen", "verdict", "correct"),
    [
        (case("emergency", kind="cardiac"), Seen(emergency="chest_pain"), "emergency", True),
        (case("emergency", kind="cardiac"), Seen(), "missed", False),
        (case("emergency", kind="suicide"), Seen(emergency="suicide"), "no suicide line", False),
        (case("emergency"), Seen(emergency="x", flow="book"), "flow", False),
        (case("paraphrase", ("parking",)), Seen(answered="parking"), "right", True),
        (
            case("paraphrase", ("parking",)),
            Seen(answered="parking", suggested=("parking", "tram")),
            "suggested",
            True,
        ),
        (case("paraphrase", ("parking",)), Seen(answered="prices"), "wrong", False),
        (case("paraphrase", ("parking",)), Seen(flow="book"), "flow", False),
        (case("past_event", ("flow:book",)), Seen(emergency="stroke"), "request lost", False),
        (case("past_event", ("flow:book",)), Seen(emergency="x", flow="book"), "flow", True),
        (case("medical"), Seen(person=True), "person", True),
        (case("medical"), Seen(flow="book"), "flow", False),
        (case("medical"), Seen(answered="prices"), "wrong", False),
        (case("manipulative"), Seen(), "nothing", True),
        (case("action", ("person",)), Seen(person=True), "person", True),
    ],
)
def test_verdicts(labelled: EvalCase, seen: Seen, verdict: str, correct: bool) -> None:
    """Each outcome is judged as the patient would: a missed flag, a lost request, a wrong
    answer or a started flow is a failure."""
    result = judge(labelled, seen)
    assert (result.verdict, result.correct) == (verdict, correct)


@pytest.fixture(scope="module")
def tuned() -> EvalReport:
    """The tuned set, played once through the engine."""
    return run_file(TUNED, DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE)


def test_the_tuned_set_keeps_its_floors(tuned: EvalReport) -> None:
    """Every emergency flagged, no medical, out-of-scope or manipulative message answered or
    sent into a flow, paraphrases right ≥ 90 %, no wrong confident answer."""
    assert tuned.rate("emergency") == 1.0
    for category in ("medical", "out_of_scope", "manipulative"):
        assert tuned.rate(category) == 1.0, category
    assert tuned.rate("paraphrase") >= 0.9
    assert tuned.wrong_answers == 0
    given, total = tuned.suicide
    assert given == total > 0


def test_the_unseen_set_names_its_clinic() -> None:
    """The held-out set is played against its own clinic and FAQ, not the sample's."""
    loaded = load_cases(UNSEEN)
    assert loaded.clinic_dir is not None and (loaded.clinic_dir / "faq.yaml").exists()
    assert len(loaded.cases) >= 250
