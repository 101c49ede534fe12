"""Free appointment slots: where a service fits in the practitioners' working hours.

Pure functions of the clinic's config, the busy intervals and a given ``now``.
Inside this module an instant is an ``int`` of microseconds since the Unix
epoch (UTC): the inner loops then compare integers instead of building
datetimes, and only the returned ``Slot`` values are aware UTC datetimes.

Candidate starts are wall-clock times of ``clinic.zone``, stepped by
``booking.slot_step`` from the start of each working range. A day with one
UTC offset converts them with one subtraction; a day on which the clocks
change converts each one, leaves out the times the clocks skip and takes the
first occurrence of a repeated time.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from clinic.config import ClinicConfig, Practitioner
from clinic.model import Busy, PartOfDay, Slot, TimeRange, utc

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_MICROSECOND = timedelta(microseconds=1)
_DAY = 86_400_000_000
_ONE_DAY = timedelta(days=1)

#: Sorted, disjoint busy intervals of one practitioner: their starts and their ends.
Intervals = tuple[list[int], list[int]]
_NONE: Intervals = ([], [])


def _us(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    return (moment - _EPOCH) // _MICROSECOND


def _at(instant: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=instant)


def _ticks(span: timedelta) -> int:
    """A duration in microseconds."""
    return span // _MICROSECOND


class BusyCalendar:
    """Busy intervals per practitioner, merged and sorted so an overlap test is one bisect."""

    def __init__(self, busy: Iterable[Busy] = ()) -> None:
        self._intervals: dict[str, Intervals] = {}
        for item in busy:
            self.add(item)

    def is_free(self, practitioner_id: str, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` overlaps none of the practitioner's busy intervals."""
        return (
            _blocked_until(self.intervals(practitioner_id), _us(utc(start)), _us(utc(end))) is None
        )

    def add(self, busy: Busy) -> None:
        """Mark an interval busy, merged with the ones it overlaps or touches."""
        start, end = _us(utc(busy.start)), _us(utc(busy.end))
        if end <= start:
            return  # an empty interval blocks nothing
        starts, ends = self._intervals.setdefault(busy.practitioner_id, ([], []))
        first, stop = bisect_left(ends, start), bisect_right(starts, end)
        if first < stop:
            start, end = min(start, starts[first]), max(end, ends[stop - 1])
        starts[first:stop] = [start]
        ends[first:stop] = [end]

    def intervals(self, practitioner_id: str) -> Intervals:
        """The practitioner's busy intervals in epoch microseconds (read-only)."""
        return self._intervals.get(practitioner_id, _NONE)


def _blocked_until(intervals: Intervals, start: int, end: int) -> int | None:
    """``None`` if ``[start, end)`` is free, else the end of the interval in the way."""
    starts, ends = intervals
    # Merged intervals have increasing ends too, so the last one starting
    # before ``end`` is the only one that can reach past ``start``.
    i = bisect_left(starts, end)
    if i and ends[i - 1] > start:
        return ends[i - 1]
    return None


@dataclass
class _Who:
    """A practitioner as one search sees them: busy and away intervals, hours per weekday."""

    practitioner: Practitioner
    busy: Intervals
    away: Intervals
    _ranges: dict[int, list[TimeRange]] = field(default_factory=dict)

    def ranges(self, weekday: int) -> list[TimeRange]:
        """Working ranges (breaks cut out) of a weekday, computed once per search."""
        if weekday not in self._ranges:
            hours = self.practitioner.schedule.for_weekday(weekday)
            self._ranges[weekday] = hours.working_ranges() if hours else []
        return self._ranges[weekday]


@dataclass(frozen=True)
class _Search:
    """One query, with its bounds in epoch microseconds."""

    clinic: ClinicConfig
    service_id: str
    whos: list[_Who]
    lo: int
    hi: int
    duration: int
    hold: int
    step: int
    part: PartOfDay | None

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's timezone."""
        return self.clinic.zone


def next_free_slots(
    clinic: ClinicConfig,
    service_id: str,
    *,
    now: datetime,
    busy: BusyCalendar,
    practitioner_id: str | None = None,
    after: datetime | None = None,
    on_day: date | None = None,
    part_of_day: PartOfDay | None = None,
    until: datetime | None = None,
    limit: int = 10,
) -> list[Slot]:
    """The earliest free slots for a service, in time order, for one or any practitioner."""
    search = _search(clinic, service_id, now, busy, practitioner_id, after, until, part_of_day)
    found: list[tuple[int, int]] = []
    for day, shift in _days(search, on_day):
        if len(found) >= limit:
            break
        # Ties go to the practitioner listed first: the index is the second key.
        runs = (_free_on(search, index, day, shift) for index in range(len(search.whos)))
        found.extend(islice(heapq.merge(*runs), limit - len(found)))
    return [_slot(search, start, index) for start, index in found]


def slot_is_bookable(
    clinic: ClinicConfig, slot: Slot, *, now: datetime, busy: BusyCalendar
) -> bool:
    """Whether a slot offered earlier still obeys every rule and is still free."""
    try:
        found = next_free_slots(
            clinic,
            slot.service_id,
            now=now,
            busy=busy,
            practitioner_id=slot.practitioner_id,
            after=slot.start,
            until=slot.start,
            limit=1,
        )
    except (KeyError, ValueError):
        return False  # the config changed: the service or the practitioner went away
    return found == [slot]


def free_days(
    clinic: ClinicConfig,
    service_id: str,
    *,
    now: datetime,
    busy: BusyCalendar,
    practitioner_id: str | None = None,
    limit: int = 7,
    part_of_day: PartOfDay | None = None,
    after: datetime | None = None,
    until: datetime | None = None,
) -> list[date]:
    """The next local dates with at least one free slot, for a "pick a day" menu."""
    search = _search(clinic, service_id, now, busy, practitioner_id, after, until, part_of_day)
    days: list[date] = []
    for day, shift in _days(search, None):
        if len(days) >= limit:
            break
        if any(next(_free_on(search, i, day, shift), None) for i in range(len(search.whos))):
            days.append(day)
    return days


def _search(
    clinic: ClinicConfig,
    service_id: str,
    now: datetime,
    busy: BusyCalendar,
    practitioner_id: str | None,
    after: datetime | None,
    until: datetime | None,
    part: PartOfDay | None,
) -> _Search:
    """Gather what a query needs: who, the service's lengths, the earliest and latest start."""
    service, rules, start = clinic.service(service_id), clinic.booking, _us(utc(now))
    lo, hi = start + _ticks(rules.min_notice), start + _ticks(rules.max_horizon)
    lo = max(lo, _us(utc(after))) if after else lo
    hi = min(hi, _us(utc(until))) if until else hi
    whos = [_who(clinic, p, busy) for p in _performers(clinic, service_id, practitioner_id)]
    duration = _ticks(service.duration)
    hold, step = duration + _ticks(service.buffer_after), _ticks(rules.slot_step)
    return _Search(clinic, service_id, whos, lo, hi, duration, hold, step, part)


def _performers(
    clinic: ClinicConfig, service_id: str, practitioner_id: str | None
) -> list[Practitioner]:
    """Who may be booked: everyone doing the service in file order, or the one asked for."""
    if practitioner_id is None:
        return clinic.practitioners_for(service_id)
    practitioner = clinic.practitioner(practitioner_id)
    if service_id not in practitioner.services:
        raise ValueError(f"{practitioner_id} does not perform the service {service_id!r}")
    return [practitioner]


def _who(clinic: ClinicConfig, practitioner: Practitioner, busy: BusyCalendar) -> _Who:
    """A practitioner with their busy intervals and their absences made UTC."""
    zone, pid = clinic.zone, practitioner.id
    bounds = (absence.local_bounds() for absence in practitioner.absences)
    away = BusyCalendar(
        Busy(pid, a.replace(tzinfo=zone), b.replace(tzinfo=zone)) for a, b in bounds
    )
    return _Who(practitioner, busy.intervals(pid), away.intervals(pid))


def _days(search: _Search, on_day: date | None) -> Iterator[tuple[date, int | None]]:
    """Open local dates between the earliest and latest start, with their shift (see ``_shift``)."""
    day, last = _local_date(search, search.lo), _local_date(search, search.hi)
    if on_day is not None:
        day, last = max(day, on_day), min(last, on_day)
    while day <= last:
        if not search.clinic.is_closed(day):
            yield day, _shift(search.zone, day)
        day += _ONE_DAY


def _local_date(search: _Search, instant: int) -> date:
    """The clinic's local date at an instant."""
    return _at(instant).astimezone(search.zone).date()


def _shift(zone: ZoneInfo, day: date) -> int | None:
    """The instant of ``day``'s local midnight if the whole day has one UTC offset, else None."""
    offset = zone.utcoffset(datetime.combine(day, time()))
    if offset is None or offset != zone.utcoffset(datetime.combine(day + _ONE_DAY, time())):
        return None
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY - _ticks(offset)


def _free_on(
    search: _Search, index: int, day: date, shift: int | None
) -> Iterator[tuple[int, int]]:
    """Free starts of one practitioner on one local date, in order, as (instant, index)."""
    who = search.whos[index]
    for rng in who.ranges(day.weekday()):
        for start in _free_in_range(search, who, day, shift, rng):
            yield start, index


def _free_in_range(
    search: _Search, who: _Who, day: date, shift: int | None, rng: TimeRange
) -> Iterator[int]:
    """Free starts within one working range of one day."""
    clocks = _clock_grid(rng.start, rng.end, search.step, search.part)
    if shift is not None:
        cap = min(_of_day(rng.end) - search.hold, search.hi - shift)
        return _free_run(who, clocks, shift, search.lo - shift, cap, search.hold)
    instants = _instants_on_change_day(search, day, clocks, rng.end)
    return _free_run(who, instants, 0, search.lo, search.hi, search.hold)


def _free_run(
    who: _Who, seq: Sequence[int], shift: int, first: int, cap: int, hold: int
) -> Iterator[int]:
    """Starts ``seq[j] + shift`` with ``first <= seq[j] <= cap`` that are free, in order."""
    j, size = bisect_left(seq, first), len(seq)
    while j < size and seq[j] <= cap:
        start = seq[j] + shift
        blocked = _blocked_until(who.busy, start, start + hold)
        if blocked is None:
            blocked = _blocked_until(who.away, start, start + hold)
        if blocked is None:
            yield start
            j += 1
        else:  # jump over the whole busy interval instead of testing each step in it
            j = bisect_left(seq, blocked - shift, j + 1)


def _instants_on_change_day(
    search: _Search, day: date, clocks: tuple[int, ...], end: time
) -> list[int]:
    """Starts of a range on a day the clocks change; durations count in real elapsed time."""
    midnight = datetime.combine(day, time())
    stop = _us((midnight + timedelta(microseconds=_of_day(end))).replace(tzinfo=search.zone))
    starts = (_existing(search.zone, midnight + timedelta(microseconds=c)) for c in clocks)
    return [s for s in starts if s is not None and s + search.hold <= stop]


def _existing(zone: ZoneInfo, wall: datetime) -> int | None:
    """The instant of a naive local time (first one if repeated), None if the clocks skip it."""
    local = wall.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return _us(local)


@lru_cache(maxsize=4096)
def _clock_grid(start: time, end: time, step: int, part: PartOfDay | None) -> tuple[int, ...]:
    """Wall-clock starts (microseconds after midnight) of a range, kept to a part of the day."""
    clocks = range(_of_day(start), _of_day(end), step)
    return tuple(c for c in clocks if part is None or part.contains(_clock(c)))


def _of_day(moment: time) -> int:
    """A wall-clock time as microseconds after midnight; ``time.max`` stands for 24:00."""
    if moment == time.max:
        return _DAY
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 10**6 + moment.microsecond


def _clock(of_day: int) -> time:
    """Microseconds after midnight as a wall-clock time."""
    seconds, micro = divmod(of_day, 10**6)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)


def _slot(search: _Search, start: int, index: int) -> Slot:
    """The ``Slot`` value of a free start."""
    pid = search.whos[index].practitioner.id
    end, until = _at(start + search.duration), _at(start + search.hold)
    return Slot(_at(start), end, until, pid, search.service_id)
