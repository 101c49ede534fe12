"""Questions and emergencies, for the engine: the FAQ pipeline and safety triage wired to turns.

Retrieval runs inside the turn (it is fast and local). When only the LLM can
help, the turn commits first and the LLM is asked after, outside any
database transaction, so a slow model never holds a lock; its answer then
goes out in a second, short transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from bot.flows.base import TurnContext, menu_choices
from bot.flows.menu import passed_on
from bot.messages import Choice, Reply
from bot.settings import Settings
from clinic.config import ClinicConfig
from clinic.loader import ConfigError
from faq.answerer import Answer, QuestionPipeline, Reason
from faq.llm_result import TURN_LLM_SECONDS
from faq.loader import load_faq_file
from faq.retrieval import FaqIndex
from faq.triage import Emergency, emergency_reply, triage

if TYPE_CHECKING:
    from faq.llm_understanding import LlmUnderstanding

log = structlog.get_logger("carebot.answers")

#: Button data of a suggested FAQ entry: ``fq:<entry id>:<question id>``.
SUGGESTION = "fq:"
#: Telegram's limit on a button's data.
MAX_BUTTON_DATA = 64


def suggestion_data(entry_id: str, question_id: int) -> str:
    """A suggestion button's data; the question's id is left out if it would not fit."""
    data = f"{SUGGESTION}{entry_id}:{question_id}"
    return data if len(data.encode()) <= MAX_BUTTON_DATA else f"{SUGGESTION}{entry_id}"


def parse_suggestion(data: str) -> tuple[str, int | None]:
    """The entry id and question id of a suggestion button's data (after the prefix)."""
    entry_id, _, tail = data.rpartition(":")
    if entry_id and tail.isdigit():
        return entry_id, int(tail)
    return data, None


class Knowledge:
    """The FAQ in force with its index and LLM; a reload keeps the last good one on error."""

    def __init__(self, settings: Settings, clinic: ClinicConfig) -> None:
        self.settings = settings
        self.path: Path = settings.faq_file
        self.entries = 0
        self.pipeline, self.understanding = self._build(clinic)

    def _build(self, clinic: ClinicConfig) -> tuple[QuestionPipeline, LlmUnderstanding | None]:
        faq = load_faq_file(self.path, clinic.clinic.languages)
        self.entries = len(faq.entries)
        llm, understanding = None, None
        if self.settings.anthropic_api_key is not None:
            # The SDK is loaded only when it is used.
            from faq.llm import make_answerer
            from faq.llm_understanding import make_understanding

            llm = make_answerer(self.settings, faq, clinic)
            understanding = make_understanding(self.settings, clinic)
        return QuestionPipeline(FaqIndex.build(faq, clinic), llm), understanding

    @property
    def llm_enabled(self) -> bool:
        """Whether questions the FAQ cannot answer go to the LLM."""
        return self.pipeline.llm is not None

    def reload(self, clinic: ClinicConfig) -> list[str]:
        """Re-read faq.yaml (and the clinic facts); keep the old one if it is invalid."""
        try:
            pipeline, understanding = self._build(clinic)
        except ConfigError as error:
            log.warning("faq.reload_refused", problems=len(error.problems))
            return [str(problem) for problem in error.problems]
        self.close()
        self.pipeline, self.understanding = pipeline, understanding
        log.info("faq.reloaded", entries=self.entries)
        return []

    def close(self) -> None:
        """Release the LLM clients."""
        if self.pipeline.llm is not None:
            self.pipeline.llm.close()
        if self.understanding is not None:
            self.understanding.close()

    def answer_locally(self, ctx: TurnContext) -> list[Reply] | None:
        """A medical question's handoff, the FAQ's sure answer, or the entries it may be about
        (without an LLM); None when the FAQ has nothing for it."""
        answer = self.pipeline.answer_without_llm(ctx.text, ctx.language)
        if answer is not None:
            return replies_for(ctx, answer)
        if self.llm_enabled:
            return None  # the LLM, grounded in the same entries, does better than buttons
        return self.suggest(ctx)

    def suggest(self, ctx: TurnContext) -> list[Reply] | None:
        """ "Is your question about: …" with the best entries as buttons, and a person."""
        matches = self.pipeline.index.suggestions(ctx.text, ctx.language)
        if not matches:
            return None
        ids = [match.entry_id for match in matches]
        ctx.events.append("question.suggested")
        ctx.understood.append(f"question.suggested:{','.join(ids)}")
        noted = ctx.desk.note_faq_question(ctx.patient.id, ctx.language, ctx.text, ids)
        index = self.pipeline.index
        choices = [
            Choice(suggestion_data(entry_id, noted), index.entry(entry_id).title(ctx.language))
            for entry_id in ids
        ]
        choices.append(Choice("m:human", ctx.t("question.something_else")))
        return [Reply(ctx.t("question.suggest"), tuple(choices))]

    def entry_reply(self, ctx: TurnContext, data: str) -> list[Reply] | None:
        """The answer of a pressed suggestion (its button data, without the prefix); None if
        the entry is gone (the FAQ changed)."""
        entry_id, noted = parse_suggestion(data)
        try:
            entry = self.pipeline.index.entry(entry_id)
        except KeyError:
            return None
        ctx.events.append("question.suggestion_chosen")
        if noted is not None:
            ctx.desk.note_faq_choice(ctx.patient.id, noted, entry_id)
        answer = Answer("faq", entry.answer(ctx.language), (entry.id,), Reason.RETRIEVAL)
        return replies_for(ctx, answer)

    def defer_to_llm(self, ctx: TurnContext) -> bool:
        """Leave the question for the LLM, asked once the turn has committed."""
        if not self.llm_enabled:
            return False
        ctx.pending_question = ctx.text
        ctx.events.append("question.to_llm")
        return True

    def answer_after_commit(
        self, ctx: TurnContext, question: str, spent: float = 0.0
    ) -> list[Reply]:
        """Ask the LLM (slow, outside any transaction) and turn its answer into replies;
        ``spent`` is what the turn already gave the LLM (to understand the message): the
        whole turn stays within one LLM budget, which a clean stop waits for."""
        budget = TURN_LLM_SECONDS - spent
        answer = self.pipeline.answer_with_llm(question, ctx.language, budget)
        return replies_for(ctx, answer) or [passed_on(ctx)]


def replies_for(ctx: TurnContext, answer: Answer) -> list[Reply] | None:
    """What the patient reads; None leaves the honest "I'll pass it on" to the menu."""
    if answer.kind in ("faq", "llm") and answer.text:
        ctx.events.append(f"question.answered:{answer.kind}")
        ctx.understood.extend(f"question.answered:{answer.kind}:{i}" for i in answer.faq_ids[:1])
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
