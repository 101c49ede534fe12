"""What the FAQ did not answer for sure, for staff: `carebot faq gaps` and `/faqgaps`.

Lists the patients' (masked) questions of a period: those left unanswered, those
offered suggestions none of which was pressed, and those answered through a
pressed suggestion — a wording that belongs in that entry. One step adds a
wording to an entry of ``faq.yaml`` (`carebot faq add ID [ENTRY]`, `/faqadd ID
[ENTRY]`); the running bot reloads the file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.i18n import Translator
from clinic.config import ClinicConfig
from faq.editing import FaqEditError, add_phrasing
from storage.db import UnitOfWork
from storage.models import FaqQuestion, FaqQuestionOutcome

#: The default period listed: the last 30 days.
DEFAULT_DAYS = 30


def gap_lines(uow: UnitOfWork, t: Translator, since: datetime) -> list[str]:
    """One line per question since ``since``: its id, date, outcome and masked wording."""
    return [_line(t, row) for row in uow.faq_questions.gaps(since)]


def _line(t: Translator, row: FaqQuestion) -> str:
    if row.outcome == FaqQuestionOutcome.CHOSEN:
        what = t("faqgaps.chosen", entry=row.entry_id)
    elif row.outcome == FaqQuestionOutcome.SUGGESTED:
        what = t("faqgaps.suggested", entries=", ".join(row.suggested))
    else:
        what = t("faqgaps.unanswered")
    return f"#{row.id} · {t.day(row.at.astimezone(t.zone).date())} · {what}\n   « {row.text} »"


def add_gap(
    uow: UnitOfWork, clinic: ClinicConfig, faq_file: Path, question_id: int, entry_id: str | None
) -> str:
    """Add a recorded question's wording to an entry (by default the one the patient chose);
    the entry id it went to. ``FaqEditError`` says what is wrong."""
    row = uow.faq_questions.get(question_id)
    if row is None:
        raise FaqEditError(f"no question #{question_id} (older ones are deleted after retention)")
    target = entry_id or row.entry_id
    if not target:
        raise FaqEditError(f"question #{question_id}: name the entry to add it to")
    add_phrasing(faq_file, target, row.text, clinic.clinic.languages)
    uow.faq_questions.mark_added(question_id, target)
    return target


def since_days(now: datetime, days: int) -> datetime:
    """The start of a period of ``days`` days ending now."""
    return now - timedelta(days=max(days, 1))
