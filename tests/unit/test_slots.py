"""Free-slot search: what a patient would see offered, and what they would never see."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bench.slots import naive_next_free_slots
from clinic.config import ClinicConfig
from clinic.model import Busy, PartOfDay, Slot
from clinic.slots import BusyCalendar, free_days, next_free_slots, slot_is_bookable

PARIS = ZoneInfo("Europe/Paris")
SAMPLE = Path(__file__).parents[2] / "examples" / "clinic.yaml"
NOBODY = BusyCalendar()


@cache
def sample() -> ClinicConfig:
    """The sample clinic shipped in ``examples/clinic.yaml``."""
    return ClinicConfig.model_validate(YAML(typ="safe").load(SAMPLE.read_text("utf-8")))


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A Paris wall-clock time (first occurrence if repeated)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def shown(slots: list[Slot]) -> list[str]:
    """Slots as a patient reads them: local start time and who."""
    return [f"{s.start.astimezone(PARIS):%H:%M} {s.practitioner_id}" for s in slots]


def starts(slots: list[Slot]) -> list[str]:
    """Local start times of slots."""
    return [f"{s.start.astimezone(PARIS):%H:%M}" for s in slots]


def every(first: str, last: str, minutes: int = 15) -> list[str]:
    """Clock times from ``first`` to ``last`` inclusive, ``minutes`` apart."""
    at, end, out = datetime.strptime(first, "%H:%M"), datetime.strptime(last, "%H:%M"), []
    while at <= end:
        out.append(f"{at:%H:%M}")
        at += timedelta(minutes=minutes)
    return out


def booked(slot: Slot) -> Busy:
    """The busy interval a booked slot leaves behind."""
    return Busy(slot.practitioner_id, slot.start, slot.busy_until)


def one_practitioner_clinic(schedule: dict[str, Any], **extra: Any) -> ClinicConfig:
    """One practitioner "night" doing visits of 15, 60 and 150 minutes, and 45 plus 15 of buffer."""
    practitioner = {"id": "night", "name": "Dr Night", "title": "Dr", "schedule": schedule}
    practitioner |= {
        "services": ["s15", "s60", "s150", "s45"],
        "absences": extra.pop("absences", []),
    }
    return ClinicConfig.model_validate(
        {
            "clinic": {"id": "t", "name": "T", "address": "1 rue", "phone": "123"}
            | {"timezone": "Europe/Paris"},
            "emergency_numbers": [{"number": "15", "label": "SAMU"}],
            "opening_hours": {},
            "practitioners": [practitioner],
            "services": [
                {"id": f"s{m}", "name": f"{m} min", "duration": m, "price": 0, "buffer_after": b}
                for m, b in ((15, 0), (60, 0), (150, 0), (45, 15))
            ],
            "booking": {"min_notice": "0m", "max_horizon": "30d", "slot_step": "15m"},
        }
        | extra
    )


ALL_WEEK = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00")


# --- the sample clinic ---------------------------------------------------------------------


def test_first_gp_slots_on_a_monday_morning_interleave_practitioners_in_file_order() -> None:
    """At 06:00 the first GP slots start two hours later, Dr Martin first on equal times."""
    slots = next_free_slots(
        sample(), "consult-gp", now=paris(2026, 3, 2, 6, 0), busy=NOBODY, limit=8
    )

    assert shown(slots) == [
        "08:30 dr-martin",
        "08:45 dr-martin",
        "09:00 dr-martin",
        "09:00 dr-benali",
        "09:15 dr-martin",
        "09:15 dr-benali",
        "09:30 dr-martin",
        "09:30 dr-benali",
    ]
    first = slots[0]
    assert first.start == datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    assert (first.end, first.busy_until) == (paris(2026, 3, 2, 8, 50), paris(2026, 3, 2, 8, 55))
    assert all(s.start.tzinfo is UTC and s.service_id == "consult-gp" for s in slots)


def test_now_in_another_timezone_gives_the_same_slots() -> None:
    """``now`` may come in any timezone: only the instant matters."""
    now = paris(2026, 3, 2, 6, 0)
    in_tokyo = now.astimezone(ZoneInfo("Asia/Tokyo"))

    assert next_free_slots(sample(), "consult-gp", now=in_tokyo, busy=NOBODY) == next_free_slots(
        sample(), "consult-gp", now=now, busy=NOBODY
    )


def test_a_specific_practitioner_gets_only_their_own_slots() -> None:
    """Asking for Dr Benali offers only Dr Benali, from his first hour."""
    slots = next_free_slots(
        sample(),
        "consult-gp",
        now=paris(2026, 3, 2, 6, 0),
        busy=NOBODY,
        practitioner_id="dr-benali",
        limit=3,
    )

    assert shown(slots) == ["09:00 dr-benali", "09:15 dr-benali", "09:30 dr-benali"]


def test_a_practitioner_who_does_not_do_the_service_is_refused() -> None:
    """The dentist does not do GP consultations: asking for that is a caller's error."""
    with pytest.raises(ValueError, match="dr-roussel"):
        next_free_slots(
            sample(),
            "consult-gp",
            now=paris(2026, 3, 2, 6, 0),
            busy=NOBODY,
            practitioner_id="dr-roussel",
        )


def test_slots_stay_out_of_the_lunch_break() -> None:
    """Dr Martin's Monday: the consultation and its buffer end by 12:30, resume at 14:00."""
    slots = next_free_slots(
        sample(),
        "consult-gp",
        now=paris(2026, 3, 1, 12, 0),
        busy=NOBODY,
        practitioner_id="dr-martin",
        on_day=date(2026, 3, 2),
        limit=100,
    )

    # 20 minutes plus 5 of buffer: 12:00 ends at 12:25, 18:00 at 18:25 (day ends 18:30).
    assert starts(slots) == every("08:30", "12:00") + every("14:00", "18:00")


def test_a_45_minute_service_does_not_start_30_minutes_before_a_break() -> None:
    """A cleaning (45 min + 15 of buffer) before a 12:00 break starts at 11:00 at the latest."""
    slots = next_free_slots(
        sample(),
        "dental-cleaning",
        now=paris(2026, 3, 1, 12, 0),
        busy=NOBODY,
        on_day=date(2026, 3, 2),
        limit=100,
    )

    assert starts(slots) == every("09:00", "11:00") + every("13:30", "17:00")
    assert "11:30" not in starts(slots)


def test_the_buffer_of_a_new_slot_must_not_run_into_the_next_appointment() -> None:
    """08:45 fits a 20-minute visit before 09:05 but not its 5-minute buffer."""
    day, now = date(2026, 3, 2), paris(2026, 3, 1, 12, 0)

    def martin_after(busy_start: datetime) -> list[str]:
        busy = BusyCalendar([Busy("dr-martin", busy_start, paris(2026, 3, 2, 9, 30))])
        found = next_free_slots(
            sample(),
            "consult-gp",
            now=now,
            busy=busy,
            practitioner_id="dr-martin",
            on_day=day,
            limit=4,
        )
        return starts(found)

    assert martin_after(paris(2026, 3, 2, 9, 10)) == ["08:30", "08:45", "09:30", "09:45"]
    assert martin_after(paris(2026, 3, 2, 9, 5)) == ["08:30", "09:30", "09:45", "10:00"]


def test_a_booked_slot_keeps_its_buffer_so_the_next_one_waits() -> None:
    """After booking 08:30 (busy until 08:55), Dr Martin's next slot is 09:00."""
    now = paris(2026, 3, 2, 6, 0)
    first = next_free_slots(sample(), "consult-gp", now=now, busy=NOBODY, limit=1)[0]
    busy = BusyCalendar([booked(first)])

    slots = next_free_slots(sample(), "consult-gp", now=now, busy=busy, limit=3)

    assert shown(slots) == ["09:00 dr-martin", "09:00 dr-benali", "09:15 dr-martin"]


def test_busy_appointments_are_not_offered() -> None:
    """A busy morning pushes the first slots of that practitioner to after it."""
    busy = BusyCalendar(
        [
            Busy("dr-benali", paris(2026, 3, 2, 9, 0), paris(2026, 3, 2, 11, 0)),
            Busy("dr-martin", paris(2026, 3, 2, 8, 30), paris(2026, 3, 2, 9, 40)),
        ]
    )

    slots = next_free_slots(sample(), "consult-gp", now=paris(2026, 3, 2, 6, 0), busy=busy, limit=4)

    assert shown(slots) == [
        "09:45 dr-martin",
        "10:00 dr-martin",
        "10:15 dr-martin",
        "10:30 dr-martin",
    ]


def test_min_notice_is_respected() -> None:
    """At 08:50 with two hours' notice the first slot is 11:00."""
    slots = next_free_slots(
        sample(), "consult-gp", now=paris(2026, 3, 2, 8, 50), busy=NOBODY, limit=2
    )

    assert shown(slots) == ["11:00 dr-martin", "11:00 dr-benali"]


def test_the_horizon_counts_real_time_across_the_clock_change() -> None:
    """60 days after Tue 10:00 (winter time) is Sat 11:00 summer time: nothing after."""
    now = paris(2026, 3, 3, 10, 0)

    last_day = next_free_slots(
        sample(), "consult-gp", now=now, busy=NOBODY, on_day=date(2026, 5, 2), limit=100
    )
    beyond = next_free_slots(
        sample(), "consult-gp", now=now, busy=NOBODY, on_day=date(2026, 5, 4), limit=100
    )

    assert starts(last_day) == every("09:00", "11:00")
    assert beyond == []


def test_until_bounds_the_search() -> None:
    """``until`` is the latest start offered."""
    slots = next_free_slots(
        sample(),
        "consult-gp",
        now=paris(2026, 3, 2, 6, 0),
        busy=NOBODY,
        until=paris(2026, 3, 2, 9, 0),
        limit=100,
    )

    assert shown(slots) == [
        "08:30 dr-martin",
        "08:45 dr-martin",
        "09:00 dr-martin",
        "09:00 dr-benali",
    ]


def test_after_moves_the_search_forward() -> None:
    """ "Later than 16:00" offers 16:00 onwards."""
    slots = next_free_slots(
        sample(),
        "consult-gp",
        now=paris(2026, 3, 2, 6, 0),
        busy=NOBODY,
        after=paris(2026, 3, 2, 16, 0),
        limit=2,
    )

    assert shown(slots) == ["16:00 dr-martin", "16:00 dr-benali"]


def test_public_holidays_and_closures_have_no_slots() -> None:
    """Easter Monday and the Christmas closure are skipped; the days around them are not."""
    easter = free_days(sample(), "consult-gp", now=paris(2026, 4, 3, 7, 0), busy=NOBODY, limit=3)
    christmas = free_days(
        sample(), "consult-gp", now=paris(2026, 12, 21, 7, 0), busy=NOBODY, limit=4
    )

    assert easter == [date(2026, 4, 3), date(2026, 4, 4), date(2026, 4, 7)]
    assert christmas == [
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 28),
    ]


def test_a_practitioner_on_leave_is_not_offered() -> None:
    """Dr Martin is away 15-19 February 2027; Dr Benali still sees patients then."""
    now = paris(2027, 2, 12, 7, 0)
    martin = free_days(
        sample(), "consult-gp", now=now, busy=NOBODY, practitioner_id="dr-martin", limit=3
    )
    that_monday = next_free_slots(
        sample(), "consult-gp", now=now, busy=NOBODY, on_day=date(2027, 2, 15), limit=100
    )

    assert martin == [date(2027, 2, 12), date(2027, 2, 22), date(2027, 2, 23)]
    assert {s.practitioner_id for s in that_monday} == {"dr-benali"}


def test_an_absence_of_a_few_hours_blocks_only_those_hours() -> None:
    """Away 10:00-11:00: a 60-minute visit may end at 10:00 and start again at 11:00."""
    absence = {"from": datetime(2026, 3, 2, 10, 0), "to": datetime(2026, 3, 2, 11, 0)}
    clinic = one_practitioner_clinic({"mon": "08:00-12:00"}, absences=[absence])

    slots = next_free_slots(
        clinic, "s60", now=paris(2026, 3, 1, 12, 0), busy=NOBODY, on_day=date(2026, 3, 2), limit=100
    )

    assert starts(slots) == ["08:00", "08:15", "08:30", "08:45", "09:00", "11:00"]


def test_part_of_day_filters_on_the_local_start_time() -> None:
    """Afternoon starts at 12:00; evening at 18:00, for whoever still works then."""
    now = paris(2026, 3, 2, 6, 0)
    afternoon = next_free_slots(
        sample(), "consult-gp", now=now, busy=NOBODY, part_of_day=PartOfDay.AFTERNOON, limit=3
    )
    evening = next_free_slots(
        sample(), "consult-gp", now=now, busy=NOBODY, part_of_day=PartOfDay.EVENING, limit=5
    )

    assert shown(afternoon) == ["12:00 dr-martin", "12:00 dr-benali", "12:15 dr-benali"]
    assert shown(evening)[:4] == [
        "18:00 dr-martin",
        "18:00 dr-benali",
        "18:15 dr-benali",
        "18:30 dr-benali",
    ]
    assert shown(evening)[4:] == ["18:00 dr-martin"]  # Tuesday: Dr Benali does not work Tuesdays
    assert evening[4].start.astimezone(PARIS).date() == date(2026, 3, 3)


def test_on_day_restricts_to_that_local_date() -> None:
    """ "Thursday" offers Thursday slots only, for practitioners who work Thursdays."""
    thursday = date(2026, 3, 5)
    slots = next_free_slots(
        sample(), "vaccination", now=paris(2026, 3, 2, 6, 0), busy=NOBODY, on_day=thursday, limit=50
    )

    assert {s.start.astimezone(PARIS).date() for s in slots} == {thursday}
    assert shown(slots)[:3] == ["07:30 ide-petit", "07:45 ide-petit", "08:00 ide-petit"]


def test_free_days_skips_days_with_no_room_left() -> None:
    """A fully booked Monday is not offered in the "pick a day" menu."""
    full = BusyCalendar(
        [
            Busy(p, paris(2026, 3, 2, 0, 0), paris(2026, 3, 3, 0, 0))
            for p in ("dr-martin", "dr-benali")
        ]
    )
    now = paris(2026, 3, 1, 12, 0)

    assert free_days(sample(), "consult-gp", now=now, busy=full, limit=3) == [
        date(2026, 3, 3),
        date(2026, 3, 4),
        date(2026, 3, 5),
    ]


def test_free_days_for_the_evening_skips_days_without_evening_hours() -> None:
    """Saturday has only morning hours: an evening menu goes from Friday to Monday."""
    friday = paris(2026, 3, 6, 6, 0)
    evening = free_days(
        sample(), "consult-gp", now=friday, busy=NOBODY, limit=2, part_of_day=PartOfDay.EVENING
    )

    assert free_days(sample(), "consult-gp", now=friday, busy=NOBODY, limit=2) == [
        date(2026, 3, 6),
        date(2026, 3, 7),
    ]
    assert evening == [date(2026, 3, 6), date(2026, 3, 9)]


def test_limit_zero_finds_nothing() -> None:
    """A limit of zero is an empty answer, not an error."""
    assert (
        next_free_slots(sample(), "consult-gp", now=paris(2026, 3, 2, 6, 0), busy=NOBODY, limit=0)
        == []
    )


# --- daylight saving time --------------------------------------------------------------------


def test_spring_forward_night_has_no_slot_in_the_skipped_hour() -> None:
    """29 March 2026, 02:00 → 03:00: 92 quarter-hours that day, none at 02:xx."""
    clinic = one_practitioner_clinic(ALL_WEEK)
    day = date(2026, 3, 29)

    slots = next_free_slots(
        clinic, "s15", now=paris(2026, 3, 27, 0, 0), busy=NOBODY, on_day=day, limit=500
    )

    assert len(slots) == 96 - 4
    assert starts(slots) == every("00:00", "01:45") + every("03:00", "23:45")
    assert slots[8].start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST follows 01:45 CET
    assert all(s.end - s.start == timedelta(minutes=15) for s in slots)


def test_spring_forward_durations_are_real_time() -> None:
    """A 60-minute visit at 01:30 ends at 03:30 on the clock; the last one starts at 23:00."""
    clinic = one_practitioner_clinic(ALL_WEEK)

    slots = next_free_slots(
        clinic,
        "s60",
        now=paris(2026, 3, 27, 0, 0),
        busy=NOBODY,
        on_day=date(2026, 3, 29),
        limit=500,
    )

    at_0130 = slots[6]
    assert starts([at_0130]) == ["01:30"]
    assert at_0130.end.astimezone(PARIS).time() == time(3, 30)
    assert len(slots) == 96 - 4 - 3
    assert starts(slots)[-1] == "23:00"
    with_buffer = next_free_slots(
        clinic,
        "s45",
        now=paris(2026, 3, 27, 0, 0),
        busy=NOBODY,
        on_day=date(2026, 3, 29),
        limit=500,
    )
    assert starts(with_buffer)[-1] == "23:00"  # the buffer must fit before midnight too


def test_fall_back_night_offers_the_repeated_hour_once() -> None:
    """25 October 2026, 03:00 → 02:00: 96 quarter-hours, 02:xx only in summer time."""
    clinic = one_practitioner_clinic(ALL_WEEK)

    slots = next_free_slots(
        clinic,
        "s15",
        now=paris(2026, 10, 23, 0, 0),
        busy=NOBODY,
        on_day=date(2026, 10, 25),
        limit=500,
    )

    assert len(slots) == 96
    assert starts(slots) == every("00:00", "23:45")
    at_0230 = slots[10]
    assert at_0230.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET
    assert slots[12].start - slots[11].start == timedelta(hours=1, minutes=15)  # 02:45 → 03:00


def test_fall_back_night_gives_an_extra_real_hour() -> None:
    """Hours 01:00-03:00 last three real hours that night: a 150-minute visit fits only then."""
    clinic = one_practitioner_clinic({"sat": "01:00-03:00", "sun": "01:00-03:00"})
    now = paris(2026, 10, 23, 0, 0)

    slots = next_free_slots(clinic, "s150", now=now, busy=NOBODY, limit=5)

    assert [(s.start, s.end) for s in slots] == [
        (paris(2026, 10, 25, 1, 0), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # ends 02:30 CET
        (paris(2026, 10, 25, 1, 15), datetime(2026, 10, 25, 1, 45, tzinfo=UTC)),
        (paris(2026, 10, 25, 1, 30), datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ]


def test_nine_oclock_stays_nine_oclock_on_both_sides_of_each_change() -> None:
    """The UTC instant of a 09:00 slot moves by an hour with the clocks; the local time does not."""
    clinic = one_practitioner_clinic({"sat": "09:00-09:15", "mon": "09:00-09:15"})

    spring = next_free_slots(clinic, "s15", now=paris(2026, 3, 27, 0, 0), busy=NOBODY, limit=2)
    autumn = next_free_slots(clinic, "s15", now=paris(2026, 10, 23, 0, 0), busy=NOBODY, limit=2)

    assert [s.start.hour for s in spring] == [8, 7]  # Sat CET, Mon CEST
    assert [s.start.hour for s in autumn] == [7, 8]  # Sat CEST, Mon CET
    assert starts(spring + autumn) == ["09:00"] * 4


def test_hours_until_midnight_fill_the_whole_day() -> None:
    """ "00:00-24:00" on an ordinary day: 96 slots, the last one 23:45-24:00."""
    clinic = one_practitioner_clinic(ALL_WEEK)

    slots = next_free_slots(
        clinic, "s15", now=paris(2026, 3, 1, 0, 0), busy=NOBODY, on_day=date(2026, 3, 3), limit=500
    )

    assert len(slots) == 96
    assert slots[-1].end == paris(2026, 3, 4, 0, 0)


# --- re-validating a chosen slot -----------------------------------------------------------------


def test_a_freshly_offered_slot_is_bookable() -> None:
    """A slot just offered can be booked."""
    now = paris(2026, 3, 2, 6, 0)
    slot = next_free_slots(sample(), "consult-gp", now=now, busy=NOBODY, limit=1)[0]

    assert slot_is_bookable(sample(), slot, now=now, busy=NOBODY)


def test_a_slot_taken_in_the_meantime_is_not_bookable() -> None:
    """Someone else booked it (or something overlapping it) since the button was shown."""
    now = paris(2026, 3, 2, 6, 0)
    slot = next_free_slots(sample(), "consult-gp", now=now, busy=NOBODY, limit=1)[0]
    overlapping = Busy(
        slot.practitioner_id, slot.busy_until - timedelta(minutes=5), slot.busy_until
    )

    assert not slot_is_bookable(sample(), slot, now=now, busy=BusyCalendar([booked(slot)]))
    assert not slot_is_bookable(sample(), slot, now=now, busy=BusyCalendar([overlapping]))


def test_a_stale_or_past_slot_is_not_bookable() -> None:
    """Too late for the notice, in the past, off the grid, or with the wrong length: refused."""
    now = paris(2026, 3, 2, 6, 0)
    slot = next_free_slots(sample(), "consult-gp", now=now, busy=NOBODY, limit=1)[0]
    five = timedelta(minutes=5)
    shifted = Slot(
        slot.start + five,
        slot.end + five,
        slot.busy_until + five,
        slot.practitioner_id,
        slot.service_id,
    )
    short = Slot(
        slot.start, slot.end - five, slot.busy_until - five, slot.practitioner_id, slot.service_id
    )

    assert not slot_is_bookable(sample(), slot, now=slot.start - timedelta(hours=1), busy=NOBODY)
    assert not slot_is_bookable(sample(), slot, now=slot.start + timedelta(days=1), busy=NOBODY)
    assert not slot_is_bookable(sample(), shifted, now=now, busy=NOBODY)
    assert not slot_is_bookable(sample(), short, now=now, busy=NOBODY)


def test_a_slot_whose_practitioner_or_service_no_longer_matches_is_not_bookable() -> None:
    """After a config change the old button refers to something that is no longer offered."""
    now = paris(2026, 3, 2, 6, 0)
    slot = next_free_slots(sample(), "consult-gp", now=now, busy=NOBODY, limit=1)[0]
    dentist = Slot(slot.start, slot.end, slot.busy_until, "dr-roussel", slot.service_id)
    gone = Slot(slot.start, slot.end, slot.busy_until, slot.practitioner_id, "acupuncture")

    assert not slot_is_bookable(sample(), dentist, now=now, busy=NOBODY)
    assert not slot_is_bookable(sample(), gone, now=now, busy=NOBODY)


# --- the busy calendar ------------------------------------------------------------------------


def test_busy_calendar_treats_intervals_as_half_open_and_merges_them() -> None:
    """Back-to-back is free; overlapping busy intervals, in any order, block their union."""
    t = paris(2026, 3, 2, 9, 0)
    m = timedelta(minutes=1)
    calendar = BusyCalendar([Busy("a", t + 30 * m, t + 40 * m), Busy("a", t, t + 60 * m)])
    calendar.add(Busy("a", t + 60 * m, t + 70 * m))
    calendar.add(Busy("a", t + 90 * m, t + 100 * m))

    assert calendar.is_free("a", t - 10 * m, t)
    assert not calendar.is_free("a", t + 65 * m, t + 66 * m)
    assert calendar.is_free("a", t + 70 * m, t + 90 * m)
    assert not calendar.is_free("a", t + 80 * m, t + 95 * m)
    assert calendar.is_free("b", t, t + 60 * m)
    assert calendar.intervals("a")[0] == sorted(calendar.intervals("a")[0])
    assert len(calendar.intervals("a")[0]) == 2


# --- properties -------------------------------------------------------------------------------

PEOPLE = ("dr-martin", "dr-benali", "dr-roussel", "kine-durand", "ide-petit")
SERVICES = ("consult-gp", "vaccination", "blood-test", "dental-cleaning", "physio", "certificate")
BASE = datetime(2026, 3, 16, tzinfo=UTC)  # two weeks around the March clock change

busy_items = st.lists(
    st.builds(
        lambda who, day, start, length: Busy(
            who,
            BASE + timedelta(days=day, minutes=5 * start),
            BASE + timedelta(days=day, minutes=5 * (start + length)),
        ),
        st.sampled_from(PEOPLE),
        st.integers(0, 20),
        st.integers(6 * 12, 18 * 12),  # 06:00-18:00 UTC, in 5-minute steps
        st.integers(1, 36),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    busy=busy_items,
    minutes=st.integers(0, 14 * 24 * 60),
    service_id=st.sampled_from(SERVICES),
    limit=st.integers(1, 40),
)
def test_every_slot_is_free_in_working_hours_and_in_order(
    busy: list[Busy], minutes: int, service_id: str, limit: int
) -> None:
    """Whatever is booked and whenever we ask: free, within hours and rules, sorted, complete."""
    clinic, now = sample(), BASE + timedelta(minutes=minutes)

    slots = next_free_slots(clinic, service_id, now=now, busy=BusyCalendar(busy), limit=limit)

    by_who: dict[str, list[Busy]] = defaultdict(list)
    for item in busy:
        by_who[item.practitioner_id].append(item)
    assert slots == naive_next_free_slots(clinic, service_id, now=now, busy=by_who, limit=limit)
    order = [p.id for p in clinic.practitioners]
    assert slots == sorted(slots, key=lambda s: (s.start, order.index(s.practitioner_id)))
    for slot in slots:
        assert not any(
            b.start < slot.busy_until and slot.start < b.end for b in by_who[slot.practitioner_id]
        )
        assert_in_hours_and_rules(clinic, slot, now)


def assert_in_hours_and_rules(clinic: ClinicConfig, slot: Slot, now: datetime) -> None:
    """The slot lies in one working range of its practitioner and obeys the booking rules."""
    service, rules = clinic.service(slot.service_id), clinic.booking
    assert slot.end - slot.start == service.duration
    assert slot.busy_until - slot.end == service.buffer_after
    assert now + rules.min_notice <= slot.start <= now + rules.max_horizon
    start, until = slot.start.astimezone(PARIS), slot.busy_until.astimezone(PARIS)
    assert not clinic.is_closed(start.date())
    hours = clinic.practitioner(slot.practitioner_id).schedule.for_weekday(start.weekday())
    assert hours is not None
    assert any(r.start <= start.time() and until.time() <= r.end for r in hours.working_ranges())
    assert until.date() == start.date()


#: 22:00 UTC before each clock change of 2026 in Paris; the change comes three hours later.
CHANGE_NIGHTS = [
    datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
    datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
]

night_busy = st.builds(
    lambda night, start, length: Busy(
        "night",
        night + timedelta(minutes=5 * start),
        night + timedelta(minutes=5 * (start + length)),
    ),
    st.sampled_from(CHANGE_NIGHTS),
    st.integers(0, 6 * 12),
    st.integers(1, 30),
)


@settings(max_examples=100, deadline=None)
@given(
    busy=st.lists(night_busy, max_size=12),
    night=st.sampled_from(CHANGE_NIGHTS),
    minutes=st.integers(0, 6 * 60),
    service_id=st.sampled_from(["s15", "s60", "s150", "s45"]),
)
def test_around_clock_changes_the_search_agrees_with_a_plain_scan(
    busy: list[Busy], night: datetime, minutes: int, service_id: str
) -> None:
    """Night shifts across both clock changes: same slots as converting every step one by one."""
    clinic, now = one_practitioner_clinic(ALL_WEEK), night + timedelta(minutes=minutes)
    plain = naive_next_free_slots(clinic, service_id, now=now, busy={"night": busy}, limit=30)

    assert next_free_slots(clinic, service_id, now=now, busy=BusyCalendar(busy), limit=30) == plain
