"""Answer a patient's question: the FAQ first, the LLM if configured, a person otherwise.

This is what runs once the engine has ruled out an emergency
(:func:`faq.triage.triage`) and a request a flow handles (booking, cancelling…):

1. a request for medical advice is handed to the team (:mod:`faq.medical`),
   never answered by the FAQ or the LLM;
2. a question retrieval matches with confidence gets the staff's answer verbatim;
3. otherwise the LLM, if configured, answers from the clinic's texts;
4. when it cannot (down, slow, uncited) or says a person should, the question
   is handed to the team.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from common.text import normalize
from faq.llm_result import LlmFailure
from faq.medical import is_medical_question
from faq.retrieval import FaqIndex

if TYPE_CHECKING:
    from faq.llm import LlmAnswerer

AnswerKind = Literal["faq", "llm", "handoff"]


class Reason(StrEnum):
    """Why a question got the answer it got."""

    RETRIEVAL = "retrieval"  # the FAQ or a clinic fact, matched with confidence
    LLM = "llm"  # the LLM, grounded in cited entries
    MEDICAL = "medical"  # asks for medical advice: for the team
    NOT_COVERED = "not_covered"  # no confident match and no LLM configured
    EMPTY = "empty"  # nothing to read (emoji, punctuation)
    LLM_UNAVAILABLE = "llm_unavailable"  # the LLM is down, slow or rate-limited
    LLM_UNSURE = "llm_unsure"  # its reply cited nothing known or was malformed
    NEEDS_HUMAN = "needs_human"  # the LLM says a person should answer


@dataclass(frozen=True)
class Answer:
    """What to do with a question: send ``text`` (faq, llm) or hand it to the team (handoff)."""

    kind: AnswerKind
    text: str | None
    faq_ids: tuple[str, ...] = ()
    reason: Reason | None = None

    @property
    def is_handoff(self) -> bool:
        """Whether a person should answer (nothing is sent from the knowledge base)."""
        return self.kind == "handoff"


def handoff(reason: Reason, faq_ids: tuple[str, ...] = ()) -> Answer:
    """A question for the team."""
    return Answer("handoff", None, faq_ids, reason)


class QuestionPipeline:
    """Retrieval, then the LLM, then a person: one question at a time, never raises."""

    def __init__(self, index: FaqIndex, llm: LlmAnswerer | None) -> None:
        self.index = index
        self.llm = llm

    def answer(self, text: str, language: str) -> Answer:
        """The answer to a patient's question, in ``language`` ("fr" or "en")."""
        return self.answer_without_llm(text, language) or self.answer_with_llm(text, language)

    def answer_without_llm(self, text: str, language: str) -> Answer | None:
        """Steps 1 and 2 (fast, local): an answer, or None when the FAQ has no sure one."""
        if not normalize(text):
            return handoff(Reason.EMPTY)
        if is_medical_question(text):
            return handoff(Reason.MEDICAL)
        match = self.index.best(text, language)
        if match is not None:
            return Answer("faq", match.answer_text, (match.entry_id,), Reason.RETRIEVAL)
        return None

    def answer_with_llm(self, text: str, language: str, budget: float | None = None) -> Answer:
        """Steps 3 and 4 (slow, over the network): the LLM's grounded answer, or a person;
        ``budget`` caps the seconds the LLM may take."""
        if self.llm is None:
            return handoff(Reason.NOT_COVERED)
        outcome = self.llm.ask(text, language, budget)
        if outcome is LlmFailure.UNAVAILABLE:
            return handoff(Reason.LLM_UNAVAILABLE)
        if outcome is LlmFailure.MEDICAL:
            return handoff(Reason.MEDICAL)  # the patient is told it is for the team
        if isinstance(outcome, LlmFailure):
            return handoff(Reason.LLM_UNSURE)
        if outcome.needs_human:
            return handoff(Reason.NEEDS_HUMAN, tuple(outcome.faq_ids))
        return Answer("llm", outcome.answer, tuple(outcome.faq_ids), Reason.LLM)
