"""When reminders, instructions and no-show messages go out: policy, quiet hours, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.settings import DEFAULT_CLINIC_FILE
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from scheduler.planning import MessageKind, plan_for_appointment, plan_no_show

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def clinic() -> ClinicConfig:
    """The sample clinic: reminders 48 h and 2 h before, quiet 21:00-08:00."""
    return load_clinic_file(DEFAULT_CLINIC_FILE)


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def local_times(planned) -> list[tuple[str, str]]:
    return [
        (m.key.split(":", 2)[2], m.send_at.astimezone(PARIS).strftime("%a %d %H:%M"))
        for m in planned
    ]


def test_reminders_go_48h_and_2h_before_with_instructions_the_day_before(
    clinic: ClinicConfig,
) -> None:
    """A blood test on Thursday 10:00, booked on Monday."""
    planned = plan_for_appointment(
        clinic,
        appointment_id=7,
        service_id="blood-test",
        start=paris(2026, 12, 10, 10, 0),
        now=paris(2026, 12, 7, 9, 0),
    )
    assert local_times(planned) == [
        ("reminder:48h", "Tue 08 10:00"),
        ("instructions", "Wed 09 10:00"),
        ("reminder:2h", "Thu 10 08:00"),
    ]
    assert all(m.key.startswith("appt:7:") for m in planned)


def test_a_reminder_due_at_night_goes_out_the_evening_before(clinic: ClinicConfig) -> None:
    """08:30 appointment: the 2 h reminder would be 06:30; it goes at 20:45 the day before."""
    planned = plan_for_appointment(
        clinic,
        appointment_id=1,
        service_id="consult-gp",
        start=paris(2026, 12, 14, 8, 30),
        now=paris(2026, 12, 7, 9, 0),
    )
    assert ("reminder:2h", "Sun 13 20:45") in local_times(planned)


@pytest.mark.parametrize(
    ("start", "expected_48h", "expected_2h"),
    [
        # Clocks go forward on Sunday 29 March 2026 (02:00 → 03:00).
        (paris(2026, 3, 31, 9, 0), "Sun 29 09:00", "Mon 30 20:45"),
        (paris(2026, 3, 30, 7, 30), "Fri 27 20:45", "Sun 29 20:45"),
        # Clocks go back on Sunday 25 October 2026 (03:00 → 02:00).
        (paris(2026, 10, 27, 9, 0), "Sun 25 09:00", "Mon 26 20:45"),
        (paris(2026, 10, 26, 7, 30), "Fri 23 20:45", "Sun 25 20:45"),
    ],
)
def test_daylight_saving_changes_keep_real_offsets_and_local_quiet_hours(
    clinic: ClinicConfig, start: datetime, expected_48h: str, expected_2h: str
) -> None:
    """48 h is 48 real hours; quiet hours are 21:00-08:00 on the clinic's clock either way,
    and a reminder due during them goes out the evening before."""
    planned = dict(
        local_times(
            plan_for_appointment(
                clinic,
                appointment_id=1,
                service_id="consult-gp",
                start=start,
                now=start - timedelta(days=10),
            )
        )
    )
    assert planned["reminder:48h"] == expected_48h
    assert planned["reminder:2h"] == expected_2h
    by_key = {
        m.key: m.send_at
        for m in plan_for_appointment(
            clinic,
            appointment_id=1,
            service_id="consult-gp",
            start=start,
            now=start - timedelta(days=10),
        )
    }
    if start.hour >= 8:
        assert start - by_key["appt:1:reminder:48h"] == timedelta(hours=48)


def test_booked_late_at_night_the_reminders_merge_into_one_in_the_morning(
    clinic: ClinicConfig,
) -> None:
    """Booked at 22:00 for 08:30 tomorrow: one reminder at 08:00, none during the night."""
    planned = plan_for_appointment(
        clinic,
        appointment_id=3,
        service_id="consult-gp",
        start=paris(2026, 12, 8, 8, 30),
        now=paris(2026, 12, 7, 22, 0),
    )
    assert local_times(planned) == [("reminder:2h", "Tue 08 08:00")]


def test_a_missed_appointment_gets_a_message_then_one_follow_up_never_at_night(
    clinic: ClinicConfig,
) -> None:
    """Marked no-show at 19:30: +2 h would be 21:30, so it goes at 08:00; then +3 days."""
    planned = plan_no_show(clinic, appointment_id=9, marked_at=paris(2026, 12, 7, 19, 30))
    assert [m.kind for m in planned] == [MessageKind.NO_SHOW, MessageKind.NO_SHOW]
    assert local_times(planned) == [("noshow:1", "Tue 08 08:00"), ("noshow:2", "Thu 10 19:30")]


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
    service=st.sampled_from(["consult-gp", "blood-test", "dental-checkup", "physio"]),
)
def test_nothing_is_ever_planned_in_quiet_hours_in_the_past_or_after_the_visit(
    clinic: ClinicConfig, start: datetime, lead: timedelta, service: str
) -> None:
    """Whatever the appointment time and booking time, across both DST changes."""
    start_utc = start.replace(tzinfo=UTC)
    now = start_utc - lead
    for message in plan_for_appointment(
        clinic, appointment_id=1, service_id=service, start=start_utc, now=now
    ):
        local = message.send_at.astimezone(PARIS).time()
        assert not clinic.reminders.quiet_hours.contains(local), message
        assert now <= message.send_at < start_utc
