"""The FAQ's gaps, for staff: what patients asked that it did not answer for sure, what they
chose among suggestions, and adding their wording to faq.yaml in one step."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.answers import Knowledge
from bot.engine import Engine
from bot.faq_gaps import add_gap, gap_lines, since_days
from bot.i18n import Translator
from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE, Settings
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from faq.editing import FaqEditError, add_phrasing
from faq.loader import load_faq_file
from storage.db import Database
from tests.chat import MovableClock, ScriptedPatient

START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def clinic() -> ClinicConfig:
    """The sample clinic."""
    return load_clinic_file(DEFAULT_CLINIC_FILE)


@pytest.fixture
def faq_file(tmp_path: Path) -> Path:
    """A copy of the sample FAQ that the test may edit."""
    copy = tmp_path / "faq.yaml"
    shutil.copy(DEFAULT_FAQ_FILE, copy)
    return copy


@pytest.fixture
def engine(tmp_path: Path, clinic: ClinicConfig, faq_file: Path) -> Iterator[Engine]:
    """The engine on that FAQ, no LLM, fresh SQLite."""
    database = Database(f"sqlite:///{tmp_path / 'carebot.db'}")
    database.migrate()
    settings = Settings(_env_file=None, clinic_file=DEFAULT_CLINIC_FILE, faq_file=faq_file)
    yield Engine(
        database, lambda: clinic, clock=MovableClock(START), knowledge=Knowledge(settings, clinic)
    )
    database.dispose()


def lines(engine: Engine, clinic: ClinicConfig) -> list[str]:
    """What `carebot faq gaps` lists for the last 30 days."""
    with engine.database.unit_of_work(read_only=True) as uow:
        return gap_lines(uow, Translator("en", clinic.zone), since_days(START, 30))


def test_an_unanswered_question_is_listed_masked(engine: Engine, clinic: ClinicConfig) -> None:
    """A question nothing answers is listed for staff, with the phone number masked."""
    bob = ScriptedPatient(engine, "bob", locale="en")
    bob.says("/start")
    bob.says("do you sell bitcoin vouchers? my number is 06 12 34 56 78")
    listed = lines(engine, clinic)
    assert len(listed) == 1 and "not answered" in listed[0]
    assert "bitcoin" in listed[0] and "06 12 34 56 78" not in listed[0]


def test_a_pressed_suggestion_is_recorded_and_its_wording_added(
    engine: Engine, clinic: ClinicConfig, faq_file: Path
) -> None:
    """Suggestions shown, one pressed: listed as chosen; `faq add ID` puts the patient's
    wording under that entry in faq.yaml, comments kept, and the new FAQ answers it."""
    question = "is there a corner for kids to play while I wait?"
    bob = ScriptedPatient(engine, "bob", locale="en")
    bob.says("/start")
    bob.says(question)
    offered = [c for c in bob.choices if c.data.startswith("fq:")]
    assert offered, f"expected suggestions, got {bob.text!r}"
    bob.press_data(offered[0].data)
    chosen = offered[0].data.split(":")[1]
    listed = lines(engine, clinic)
    assert any(f"chose {chosen}" in line for line in listed), listed
    question_id = int(listed[0].split(" ")[0].lstrip("#"))
    with engine.database.unit_of_work() as uow:
        assert add_gap(uow, clinic, faq_file, question_id, None) == chosen
        uow.commit()
    text = faq_file.read_text(encoding="utf-8")
    assert "# faq.yaml — everyday questions" in text, "the staff's comments stay"
    assert question in load_faq_file(faq_file, ["fr", "en"]).entry(chosen).questions
    assert lines(engine, clinic) == [], "an added wording is no longer a gap"


def test_adding_to_an_unknown_entry_or_twice_is_refused(faq_file: Path) -> None:
    """A wrong entry id or a wording already there: a clear refusal, the file unchanged."""
    before = faq_file.read_text(encoding="utf-8")
    with pytest.raises(FaqEditError, match="no entry"):
        add_phrasing(faq_file, "no-such-entry", "where do I park?", ["fr", "en"])
    with pytest.raises(FaqEditError, match="already"):
        add_phrasing(faq_file, "parking", "Où puis-je me garer ?", ["fr", "en"])
    assert faq_file.read_text(encoding="utf-8") == before


def test_questions_go_with_the_message_retention(engine: Engine, clinic: ClinicConfig) -> None:
    """The retention sweep deletes recorded questions older than the retention."""
    from bot.privacy import purge_old_messages

    bob = ScriptedPatient(engine, "bob", locale="en")
    bob.says("/start")
    bob.says("do you sell bitcoin vouchers?")
    with engine.database.unit_of_work() as uow:
        purge_old_messages(uow, START + timedelta(days=91), timedelta(days=90))
        uow.commit()
    assert lines(engine, clinic) == []
