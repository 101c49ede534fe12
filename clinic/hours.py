"""The front desk's opening hours: is it open now, and when does it open next."""

from __future__ import annotations

from datetime import datetime, timedelta

from clinic.config import ClinicConfig


def is_open(clinic: ClinicConfig, now: datetime) -> bool:
    """Whether the desk is open at ``now`` (holidays and closures included)."""
    local = now.astimezone(clinic.zone)
    if clinic.is_closed(local.date()):
        return False
    day = clinic.opening_hours.for_weekday(local.weekday())
    moment = local.time().replace(tzinfo=None)
    return day is not None and any(r.start <= moment < r.end for r in day.working_ranges())


def next_opening(clinic: ClinicConfig, now: datetime) -> datetime | None:
    """When the desk next opens (None if it is open now, or not within two weeks)."""
    if is_open(clinic, now):
        return None
    local = now.astimezone(clinic.zone)
    for offset in range(15):
        date = (local + timedelta(days=offset)).date()
        day = clinic.opening_hours.for_weekday(date.weekday())
        if clinic.is_closed(date) or day is None:
            continue
        for hours in day.working_ranges():
            start = datetime.combine(date, hours.start, clinic.zone)
            if start > now:
                return start
    return None
