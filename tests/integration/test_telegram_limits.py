"""What the Telegram adapter guarantees before anything reaches the Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine import Engine
from bot.handlers.telegram import MAX_CALLBACK_BYTES, inline_keyboard, split_text
from bot.messages import Choice
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.config import ClinicConfig
from clinic.loader import load_clinic
from storage.db import Database
from tests.chat import MovableClock, ScriptedPatient

LONGEST_ID = 40  # clinic.yaml ids are at most 40 characters


def _clinic_with_longest_ids() -> ClinicConfig:
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    for short in ("dr-benali", "consult-gp", "dr-martin"):
        text = text.replace(short, (short + "-" + "x" * LONGEST_ID)[:LONGEST_ID])
    clinic = load_clinic(text, "clinic.yaml")
    assert not isinstance(clinic, list), clinic
    return clinic


def test_every_button_of_a_booking_fits_telegrams_64_bytes(database: Database) -> None:
    """With ids as long as clinic.yaml allows, every button carebot offers while booking,
    listing, moving and cancelling has callback data of at most 64 bytes."""
    clinic = _clinic_with_longest_ids()
    engine = Engine(
        database, lambda: clinic, clock=MovableClock(datetime(2026, 12, 2, 8, tzinfo=UTC))
    )
    patient = ScriptedPatient(engine, "long-ids")
    patient.says("/book")
    patient.presses("médecine générale")
    patient.presses("Dr Karim Benali")
    patient.press_data(patient.choices[2].data)
    patient.press_data(patient.choices[-2].data)
    patient.says("Alice Martin")
    patient.shares_contact("33612345678")
    patient.presses("Confirmer")
    patient.says("/appointments")
    patient.presses("Déplacer n°1")
    patient.says("/appointments")
    patient.presses("Annuler n°1")
    data = [choice.data for reply in patient.history for choice in reply.choices]
    assert any(clinic.practitioners[1].id in d for d in data), "long ids were offered"
    assert max(len(d.encode()) for d in data) <= MAX_CALLBACK_BYTES


def test_a_button_over_64_bytes_is_refused_before_sending() -> None:
    """A too-long callback would make Telegram reject the whole message: refuse it here."""
    with pytest.raises(ValueError, match="64 bytes"):
        inline_keyboard((Choice("é" * 33, "label"),))


def test_long_text_is_split_at_paragraphs_and_counted_as_telegram_counts() -> None:
    """Cuts fall between paragraphs; an emoji counts as two (UTF-16), as Telegram counts."""
    paragraph = "Lorem ipsum dolor sit amet. " * 40
    text = "\n\n".join([paragraph] * 8)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split()), "nothing lost"
    assert all(p.rstrip().endswith("amet.") for p in parts), "cuts fall at paragraph ends"
    emoji = split_text("🦷" * 3000)
    assert [len(p) for p in emoji] == [2048, 952]
    assert split_text("") == [""]
