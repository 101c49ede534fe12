"""Fixtures for storage integration tests: a fixed clock, slots and a patient."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine import Engine
from clinic.config import ClinicConfig
from clinic.model import Slot
from storage.db import Database
from tests.chat import MovableClock

#: A Monday morning, 08:00 UTC; every test's "now".
NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)

MakeSlot = Callable[..., Slot]


@pytest.fixture
def now() -> datetime:
    """The fixed current time of a test."""
    return NOW


@pytest.fixture
def make_slot() -> MakeSlot:
    """Build a slot: ``make_slot(hour, minute, minutes=30, buffer=0, practitioner="dr-a")``
    on the day after ``NOW``."""

    def build(
        hour: int,
        minute: int = 0,
        minutes: int = 30,
        buffer: int = 0,
        practitioner: str = "dr-a",
        service: str = "consult",
    ) -> Slot:
        start = NOW.replace(hour=hour, minute=minute) + timedelta(days=1)
        end = start + timedelta(minutes=minutes)
        return Slot(start, end, end + timedelta(minutes=buffer), practitioner, service)

    return build


@pytest.fixture
def patient_id(database: Database, now: datetime) -> int:
    """The id of a committed patient reachable on Telegram chat 1001."""
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("telegram", "1001", "fr", now=now)
        uow.commit()
    assert patient.id is not None
    return patient.id


@pytest.fixture
def engine(database: Database, clinic: ClinicConfig, clock: MovableClock) -> Engine:
    """The engine on a fresh database, the sample clinic and the module's ``clock``."""
    return Engine(database, lambda: clinic, clock=clock)
