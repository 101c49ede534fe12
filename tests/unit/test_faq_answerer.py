"""The question pipeline without an LLM: medical to the team, the FAQ when sure, else a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.loader import load_clinic_file
from faq.answerer import Answer, QuestionPipeline, Reason
from faq.llm import LlmAnswerer
from faq.loader import load_faq_file
from faq.retrieval import FaqIndex

ROOT = Path(__file__).resolve().parents[2]
CLINIC = load_clinic_file(ROOT / "examples" / "clinic.yaml")
FAQ = load_faq_file(ROOT / "examples" / "faq.yaml", CLINIC.clinic.languages)


@pytest.fixture(scope="module")
def pipeline() -> QuestionPipeline:
    """Retrieval only, as when no API key is set."""
    return QuestionPipeline(FaqIndex.build(FAQ, CLINIC), llm=None)


def test_a_clear_question_gets_the_staffs_answer(pipeline: QuestionPipeline) -> None:
    """A paraphrase of an FAQ question gets that entry's answer, verbatim."""
    answer = pipeline.answer("il y a un parking chez vous ?", "fr")
    assert answer == Answer("faq", FAQ.entry("parking").answer.fr, ("parking",), Reason.RETRIEVAL)
    assert not answer.is_handoff


def test_a_clinic_fact_is_answered_too(pipeline: QuestionPipeline) -> None:
    """A price from clinic.yaml is an answer like any other."""
    answer = pipeline.answer("How much is a dental cleaning?", "en")
    assert answer.kind == "faq"
    assert answer.faq_ids == ("fact:service:dental-cleaning",)
    assert answer.text is not None and "€43.38" in answer.text


@pytest.mark.parametrize(
    "text",
    [
        "Que dois-je prendre pour la fièvre ?",
        "Can I take ibuprofen?",
        "What do my results mean?",  # an FAQ phrasing, but a medical question
        "j'ai mal à la gorge c'est grave ?",
    ],
)
def test_medical_questions_are_handed_to_the_team(pipeline: QuestionPipeline, text: str) -> None:
    """Medical advice is never answered from the FAQ."""
    answer = pipeline.answer(text, "fr")
    assert answer == Answer("handoff", None, (), Reason.MEDICAL)


def test_an_unknown_question_without_llm_goes_to_a_person(pipeline: QuestionPipeline) -> None:
    """Nothing matches and no LLM is configured: a handoff, "not covered"."""
    answer = pipeline.answer("Do you do acupuncture?", "en")
    assert answer == Answer("handoff", None, (), Reason.NOT_COVERED)


def test_nothing_to_read_is_a_handoff(pipeline: QuestionPipeline) -> None:
    """Only emoji or punctuation: nothing to answer."""
    assert pipeline.answer("🙂 ?!", "fr").reason is Reason.EMPTY


def test_an_llm_without_a_client_counts_as_down() -> None:
    """An answerer with no client (no key) never answers: the question goes to a person."""
    index = FaqIndex.build(FAQ, CLINIC)
    llm = LlmAnswerer(None, "claude-haiku-4-5", 8.0, FAQ, CLINIC)
    answer = QuestionPipeline(index, llm).answer("Do you do acupuncture?", "en")
    assert answer == Answer("handoff", None, (), Reason.LLM_UNAVAILABLE)
    assert llm.answer("Do you do acupuncture?", "en") is None
