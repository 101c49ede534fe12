"""Questions and emergencies, for the engine: the FAQ pipeline and safety triage wired to turns.

Retrieval runs inside the turn (it is fast and local). When only the LLM can
help, the turn commits first and the LLM is asked after, outside any
database transaction, so a slow model never holds a lock; its answer then
goes out in a second, short transaction.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from bot.flows.base import TurnContext, menu_choices
from bot.flows.menu import passed_on
from bot.messages import Reply
from bot.settings import Settings
from clinic.config import ClinicConfig
from clinic.loader import ConfigError
from faq.answerer import Answer, QuestionPipeline, Reason
from faq.loader import load_faq_file
from faq.retrieval import FaqIndex
from faq.triage import Emergency, emergency_reply, triage

log = structlog.get_logger("carebot.answers")


class Knowledge:
    """The FAQ in force with its index and LLM; a reload keeps the last good one on error."""

    def __init__(self, settings: Settings, clinic: ClinicConfig) -> None:
        self.settings = settings
        self.path: Path = settings.faq_file
        self.entries = 0
        self.pipeline = self._build(clinic)

    def _build(self, clinic: ClinicConfig) -> QuestionPipeline:
        faq = load_faq_file(self.path, clinic.clinic.languages)
        self.entries = len(faq.entries)
        llm = None
        if self.settings.anthropic_api_key is not None:
            from faq.llm import make_answerer  # the SDK is loaded only when it is used

            llm = make_answerer(self.settings, faq, clinic)
        return QuestionPipeline(FaqIndex.build(faq, clinic), llm)

    @property
    def llm_enabled(self) -> bool:
        """Whether questions the FAQ cannot answer go to the LLM."""
        return self.pipeline.llm is not None

    def reload(self, clinic: ClinicConfig) -> list[str]:
        """Re-read faq.yaml (and the clinic facts); keep the old one if it is invalid."""
        try:
            pipeline = self._build(clinic)
        except ConfigError as error:
            log.warning("faq.reload_refused", problems=len(error.problems))
            return [str(problem) for problem in error.problems]
        self.close()
        self.pipeline = pipeline
        log.info("faq.reloaded", entries=self.entries)
        return []

    def close(self) -> None:
        """Release the LLM client."""
        if self.pipeline.llm is not None:
            self.pipeline.llm.close()

    def answer_in_turn(self, ctx: TurnContext) -> list[Reply] | None:
        """The turn's answer to a question; the LLM is left for after the commit."""
        answer = self.pipeline.answer_without_llm(ctx.text, ctx.language)
        if answer is None:
            ctx.pending_question = ctx.text
            ctx.events.append("question.to_llm")
            return []
        return replies_for(ctx, answer)

    def answer_after_commit(self, ctx: TurnContext, question: str) -> list[Reply]:
        """Ask the LLM (slow, outside any transaction) and turn its answer into replies."""
        answer = self.pipeline.answer_with_llm(question, ctx.language)
        return replies_for(ctx, answer) or [passed_on(ctx)]


def replies_for(ctx: TurnContext, answer: Answer) -> list[Reply] | None:
    """What the patient reads; None leaves the honest "I'll pass it on" to the menu."""
    if answer.kind in ("faq", "llm") and answer.text:
        ctx.events.append(f"question.answered:{answer.kind}")
        return [Reply(answer.text, menu_choices(ctx))]
    ctx.events.append(f"handoff.requested:{answer.reason}")
    if answer.reason is Reason.MEDICAL:
        text = ctx.t("question.medical", phone=ctx.clinic.clinic.phone)
        return [Reply(text, menu_choices(ctx))]
    if answer.reason is Reason.EMPTY:
        return [Reply(ctx.t("question.ask"), menu_choices(ctx))]
    return None


def emergency_in(text: str) -> Emergency | None:
    """Red flags in a message (rule-based: no LLM, no network)."""
    return triage(text) if text.strip() else None


def emergency_replies(ctx: TurnContext, emergency: Emergency) -> list[Reply]:
    """The immediate answer with the clinic's emergency numbers."""
    return [Reply(emergency_reply(emergency, ctx.clinic, ctx.language))]
