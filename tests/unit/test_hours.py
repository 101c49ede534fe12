"""When the front desk is open, and when it opens next."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.settings import DEFAULT_CLINIC_FILE
from clinic.hours import is_open, next_opening
from clinic.loader import load_clinic_file

PARIS = ZoneInfo("Europe/Paris")
CLINIC = load_clinic_file(DEFAULT_CLINIC_FILE)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 7, 10, 0, tzinfo=PARIS), None),  # Monday morning: open
        (datetime(2026, 12, 7, 20, 0, tzinfo=PARIS), datetime(2026, 12, 8, 8, 0, tzinfo=PARIS)),
        (datetime(2026, 12, 12, 13, 0, tzinfo=PARIS), datetime(2026, 12, 14, 8, 0, tzinfo=PARIS)),
        # Christmas closure (24-26) then Sunday: next is Monday 28.
        (datetime(2026, 12, 23, 19, 30, tzinfo=PARIS), datetime(2026, 12, 28, 8, 0, tzinfo=PARIS)),
    ],
)
def test_the_next_opening_skips_nights_weekends_and_closures(
    now: datetime, expected: datetime | None
) -> None:
    """Patients outside hours are told when the team will be there."""
    assert next_opening(CLINIC, now) == expected
    assert is_open(CLINIC, now) is (expected is None)
