"""The questions the FAQ did not answer for sure: recorded, listed for staff, purged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import FaqQuestion, FaqQuestionOutcome

#: Longer texts are cut: a phrasing for faq.yaml is a sentence, not a story.
MAX_TEXT = 300


class FaqQuestionRepository:
    """Questions left unanswered or answered through a suggestion, for `carebot faq gaps`."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def record(
        self,
        *,
        patient_id: int | None,
        language: str,
        text: str,
        outcome: FaqQuestionOutcome,
        suggested: Sequence[str] = (),
        now: datetime,
    ) -> FaqQuestion:
        """Keep a (masked) question and what became of it."""
        row = FaqQuestion(
            at=now,
            patient_id=patient_id,
            language=language,
            text=text[:MAX_TEXT],
            outcome=outcome.value,
            suggested=list(suggested),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def choose(self, question_id: int, patient_id: int | None, entry_id: str) -> bool:
        """The patient pressed a suggestion: their wording belongs to ``entry_id``."""
        row = self.session.get(FaqQuestion, question_id)
        if row is None or row.patient_id != patient_id or entry_id not in row.suggested:
            return False
        row.outcome, row.entry_id = FaqQuestionOutcome.CHOSEN.value, entry_id
        self.session.add(row)
        return True

    def get(self, question_id: int) -> FaqQuestion | None:
        """One recorded question."""
        return self.session.get(FaqQuestion, question_id)

    def gaps(self, since: datetime) -> list[FaqQuestion]:
        """Questions since ``since`` not yet added to faq.yaml, oldest first."""
        statement = (
            select(FaqQuestion)
            .where(
                col(FaqQuestion.at) >= since,
                col(FaqQuestion.outcome) != FaqQuestionOutcome.ADDED.value,
            )
            .order_by(col(FaqQuestion.id))
        )
        return list(self.session.exec(statement).all())

    def of_patient(self, patient_id: int) -> list[FaqQuestion]:
        """A patient's recorded questions, oldest first (for /mydata)."""
        statement = (
            select(FaqQuestion)
            .where(col(FaqQuestion.patient_id) == patient_id)
            .order_by(col(FaqQuestion.id))
        )
        return list(self.session.exec(statement).all())

    def mark_added(self, question_id: int, entry_id: str) -> None:
        """Staff added this wording to an entry of faq.yaml."""
        row = self.session.get(FaqQuestion, question_id)
        if row is not None:
            row.outcome, row.entry_id = FaqQuestionOutcome.ADDED.value, entry_id
            self.session.add(row)

    def purge_before(self, cutoff: datetime) -> int:
        """Forget questions older than ``cutoff`` (the message retention); the count."""
        result = self.session.exec(delete(FaqQuestion).where(col(FaqQuestion.at) < cutoff))
        return result.rowcount
