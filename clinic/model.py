"""Value types of the scheduling domain: time ranges, busy intervals and slots.

Every ``datetime`` in this module is timezone-aware and in UTC; local times are
computed at the edges with ``zoneinfo`` (DESIGN.md, principle 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

#: Every appointment starts, lasts and is buffered in multiples of this. The
#: database claims time in cells of this size, which is what makes double
#: booking impossible by construction (see ``storage.models.SlotClaim``).
GRANULE = timedelta(minutes=5)

_TIME_RANGE = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")


class PartOfDay(StrEnum):
    """Coarse parts of a day patients ask for ("tomorrow morning")."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time falls in this part of the day."""
        if self is PartOfDay.MORNING:
            return local < time(12, 0)
        if self is PartOfDay.AFTERNOON:
            return time(12, 0) <= local < time(18, 0)
        return local >= time(18, 0)


@dataclass(frozen=True, order=True)
class TimeRange:
    """A wall-clock range within one day, ``start`` inclusive, ``end`` exclusive."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse ``"HH:MM-HH:MM"``; raise ``ValueError`` with a fix-it hint otherwise."""
        match = _TIME_RANGE.match(text)
        if not match:
            raise ValueError(
                f"bad time range {text!r} — write it as HH:MM-HH:MM, for example 09:00-12:30"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise ValueError(f"bad time range {text!r} — hours go 00-23 and minutes 00-59")
        end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
        start = time(h1, m1)
        if end <= start:
            raise ValueError(
                f"bad time range {text!r} — the end must come after the start "
                "(night shifts are not supported)"
            )
        return cls(start, end)

    def overlaps(self, other: TimeRange) -> bool:
        """Whether two ranges share at least one minute."""
        return self.start < other.end and other.start < self.end

    def covers(self, other: TimeRange) -> bool:
        """Whether ``other`` lies entirely inside this range."""
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, order=True)
class Busy:
    """Time a practitioner cannot be booked: ``[start, end)`` in UTC, buffer included."""

    practitioner_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable appointment: the patient's time is ``[start, end)``; the
    practitioner is also held for the service's buffer until ``busy_until``."""

    start: datetime
    end: datetime
    busy_until: datetime
    practitioner_id: str
    service_id: str


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
