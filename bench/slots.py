"""How fast ``next_free_slots`` finds the first free slots in a busy clinic.

Run it with ``python -m bench.slots``. It builds a synthetic clinic of 20
practitioners, books 10,000 appointments over a 90-day horizon (the first
days completely, so searches must skip ahead), then times the search for
several services, practitioners and ``now`` values against a naive scan
measured in the same run. It prints figures; it asserts nothing about time.

``build_synthetic_clinic`` and ``synthetic_busy`` are meant to be imported
by other benchmarks (booking on a real database, for instance).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from clinic.config import ClinicConfig, Practitioner, Service
from clinic.model import Busy, Slot
from clinic.slots import BusyCalendar, next_free_slots

ZONE = "Europe/Paris"
#: A Monday; the horizon then spans the end of March (a DST change) and Easter.
START = date(2026, 3, 2)

#: (id, duration in minutes, buffer after in minutes)
SERVICES = [
    ("consult", 20, 5),
    ("long-consult", 40, 5),
    ("vaccination", 15, 0),
    ("blood-test", 10, 5),
    ("dental-checkup", 30, 10),
    ("dental-cleaning", 45, 15),
    ("physio", 30, 0),
    ("certificate", 15, 0),
]

#: Typical days: (hours, breaks).
DAYS = [
    ("08:30-18:30", ["12:30-14:00"]),
    ("09:00-19:00", ["13:00-14:00"]),
    ("08:00-17:00", ["12:00-13:00"]),
    ("07:30-12:00", []),
    ("14:00-20:00", ["16:30-16:45"]),
]


def build_synthetic_clinic(
    practitioners: int = 20, *, horizon_days: int = 90, seed: int = 7
) -> ClinicConfig:
    """A clinic of ``practitioners`` people with varied weekly schedules, a few absences."""
    rng = random.Random(seed)
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "id": "bench",
                "name": "Bench clinic",
                "address": "1 rue du Test, Lyon",
                "phone": "+33 4 00 00 00 00",
                "timezone": ZONE,
            },
            "emergency_numbers": [{"number": "15", "label": "SAMU"}],
            "opening_hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "07:00-20:00"),
            "public_holidays": [date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8)],
            "practitioners": [_practitioner(i, rng) for i in range(practitioners)],
            "services": [
                {"id": sid, "name": sid, "duration": minutes, "buffer_after": buffer, "price": 30}
                for sid, minutes, buffer in SERVICES
            ],
            "booking": {"min_notice": "2h", "max_horizon": f"{horizon_days}d", "slot_step": "15m"},
        }
    )


def _practitioner(i: int, rng: random.Random) -> dict[str, Any]:
    """One practitioner doing 2-4 services, working 4-5 weekdays and some Saturdays."""
    weekdays = rng.sample(["mon", "tue", "wed", "thu", "fri"], rng.choice([4, 5]))
    schedule: dict[str, Any] = {}
    for day in weekdays:
        hours, breaks = rng.choice(DAYS)
        schedule[day] = {"hours": hours, "breaks": breaks}
    if rng.random() < 0.3:
        schedule["sat"] = "09:00-12:30"
    services = [SERVICES[i % len(SERVICES)][0]]  # every service has several practitioners
    services += rng.sample([s[0] for s in SERVICES if s[0] != services[0]], rng.randint(1, 3))
    absences = []
    if rng.random() < 0.2:
        away = START + timedelta(days=rng.randint(10, 80))
        absences.append({"from": away, "to": away + timedelta(days=4), "reason": "congés"})
    return {
        "id": f"p{i:02d}",
        "name": f"Practitioner {i}",
        "title": "Médecin",
        "services": services,
        "schedule": schedule,
        "absences": absences,
    }


def synthetic_busy(
    clinic: ClinicConfig,
    *,
    start: date = START,
    days: int = 90,
    count: int = 10_000,
    full_days: int = 4,
    seed: int = 11,
) -> list[Busy]:
    """``count`` appointments over ``days`` from ``start``; the first ``full_days`` are full."""
    rng = random.Random(seed)
    open_days = _open_days(clinic, start, days)
    busy = [
        item
        for day in open_days[:full_days]
        for practitioner in clinic.practitioners
        for item in _fill_day(clinic, practitioner, day)
    ]
    calendar = BusyCalendar(busy)
    while len(busy) < count:
        new = _random_booking(clinic, rng, open_days[full_days:])
        if new and calendar.is_free(new.practitioner_id, new.start, new.end):
            calendar.add(new)
            busy.append(new)
    return busy


def _open_days(clinic: ClinicConfig, start: date, days: int) -> list[date]:
    """Dates the clinic is not closed on."""
    dates = (start + timedelta(days=n) for n in range(days))
    return [d for d in dates if not clinic.is_closed(d)]


def _fill_day(clinic: ClinicConfig, practitioner: Practitioner, day: date) -> list[Busy]:
    """Back-to-back appointments over a whole working day, the odd end blocked as admin time."""
    hours = practitioner.schedule.for_weekday(day.weekday())
    service = clinic.service(practitioner.services[0])
    hold = service.duration + service.buffer_after
    items = []
    for rng in hours.working_ranges() if hours else []:
        at, end = _instant(clinic, day, rng.start), _instant(clinic, day, rng.end)
        while at < end:
            items.append(Busy(practitioner.id, at, min(at + hold, end)))
            at += hold
    return items


def _random_booking(clinic: ClinicConfig, rng: random.Random, days: list[date]) -> Busy | None:
    """An appointment at a random step of a random practitioner's random working day."""
    practitioner = rng.choice(clinic.practitioners)
    day = rng.choice(days)
    hours = practitioner.schedule.for_weekday(day.weekday())
    if hours is None:
        return None
    span = rng.choice(hours.working_ranges())
    service = clinic.service(rng.choice(practitioner.services))
    hold = service.duration + service.buffer_after
    first = datetime.combine(day, span.start)
    steps = (datetime.combine(day, span.end) - first - hold) // clinic.booking.slot_step
    if steps < 0:
        return None
    local = first + rng.randint(0, steps) * clinic.booking.slot_step
    at = local.replace(tzinfo=clinic.zone).astimezone(UTC)
    return Busy(practitioner.id, at, at + hold)


def _instant(clinic: ClinicConfig, day: date, wall: time) -> datetime:
    """A local wall-clock time of a day as aware UTC."""
    return datetime.combine(day, wall, tzinfo=clinic.zone).astimezone(UTC)


def naive_next_free_slots(
    clinic: ClinicConfig,
    service_id: str,
    *,
    now: datetime,
    busy: dict[str, list[Busy]],
    practitioner_id: str | None = None,
    limit: int = 10,
) -> list[Slot]:
    """The baseline: same rules, one zoneinfo conversion per step, ``any()`` over busy lists."""
    service, rules = clinic.service(service_id), clinic.booking
    now = now.astimezone(UTC)
    lo, hi = now + rules.min_notice, now + rules.max_horizon
    people = clinic.practitioners_for(service_id)
    if practitioner_id is not None:
        people = [p for p in people if p.id == practitioner_id]
    found: list[Slot] = []
    day = lo.astimezone(clinic.zone).date()
    while len(found) < limit and day <= hi.astimezone(clinic.zone).date():
        if not clinic.is_closed(day):
            todays = [s for p in people for s in _naive_day(clinic, service, p, day, busy)]
            order = {p.id: i for i, p in enumerate(people)}
            todays.sort(key=lambda s: (s.start, order[s.practitioner_id]))
            found += [s for s in todays if lo <= s.start <= hi][: limit - len(found)]
        day += timedelta(days=1)
    return found


def _naive_day(
    clinic: ClinicConfig,
    service: Service,
    practitioner: Practitioner,
    day: date,
    busy: dict[str, list[Busy]],
) -> Iterable[Slot]:
    """Every free slot of one practitioner on one day, testing each step."""
    zone, hours = clinic.zone, practitioner.schedule.for_weekday(day.weekday())
    theirs = busy.get(practitioner.id, [])
    away = [
        (a.replace(tzinfo=zone), b.replace(tzinfo=zone))
        for a, b in (x.local_bounds() for x in practitioner.absences)
    ]
    for span in hours.working_ranges() if hours else []:
        wall = datetime.combine(day, span.start)
        end_wall = datetime.combine(day, time()) + timedelta(days=1)
        if span.end != time.max:
            end_wall = datetime.combine(day, span.end)
        end = end_wall.replace(tzinfo=zone).astimezone(UTC)
        while wall < end_wall:
            start = wall.replace(tzinfo=zone).astimezone(UTC)
            until = start + service.duration + service.buffer_after
            exists = start.astimezone(zone).replace(tzinfo=None) == wall
            if (
                exists
                and until <= end
                and not any(b.start < until and start < b.end for b in theirs)
                and not any(a < until and start < b for a, b in away)
            ):
                yield Slot(start, start + service.duration, until, practitioner.id, service.id)
            wall += clinic.booking.slot_step


#: (kind, service, practitioner or None, now)
Scenario = tuple[str, str, str | None, datetime]
#: One search of a scenario, as timed.
Search = Callable[[str, str | None, datetime], list[Slot]]


def _scenarios(clinic: ClinicConfig) -> list[Scenario]:
    """Every service from the full first days and from later dates; a few practitioners."""
    first = datetime.combine(START, time(7, 0), tzinfo=clinic.zone)
    later = [first + timedelta(days=d, hours=h) for d, h in ((23, 3), (45, 6), (71, 1))]
    rows: list[Scenario] = [("any, past the full days", s[0], None, first) for s in SERVICES]
    rows += [("any, later dates", s[0], None, later[i % 3]) for i, s in enumerate(SERVICES)]
    rows += [("one practitioner", p.services[-1], p.id, first) for p in clinic.practitioners[::4]]
    rows += [
        ("one practitioner", p.services[0], p.id, later[1]) for p in clinic.practitioners[1::5]
    ]
    return rows


def _time(search: Search, scenarios: list[Scenario], runs: int) -> dict[str, list[float]]:
    """Milliseconds of ``runs`` searches going round the scenarios, by kind."""
    times: dict[str, list[float]] = defaultdict(list)
    for i in range(runs):
        kind, service_id, practitioner_id, now = scenarios[i % len(scenarios)]
        began = clock.perf_counter_ns()
        search(service_id, practitioner_id, now)
        times[kind].append((clock.perf_counter_ns() - began) / 1e6)
    return times


def _line(name: str, times: list[float]) -> str:
    """Median and 99th percentile of some timings."""
    median, p99 = statistics.median(times), statistics.quantiles(times, n=100)[98]
    return f"{name:<22} median {median:7.3f} ms   p99 {p99:7.3f} ms   ({len(times)} runs)"


def main() -> None:
    """Build the clinic, book it, time both searches and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=1000, help="timed searches per function (>= 500)"
    )
    args = parser.parse_args()

    clinic = build_synthetic_clinic()
    busy = synthetic_busy(clinic)
    began = clock.perf_counter_ns()
    calendar = BusyCalendar(busy)
    built_ms = (clock.perf_counter_ns() - began) / 1e6
    lists: dict[str, list[Busy]] = defaultdict(list)
    for item in busy:
        lists[item.practitioner_id].append(item)

    def fast(service_id: str, practitioner_id: str | None, now: datetime) -> list[Slot]:
        return next_free_slots(
            clinic, service_id, now=now, busy=calendar, practitioner_id=practitioner_id
        )

    def naive(service_id: str, practitioner_id: str | None, now: datetime) -> list[Slot]:
        return naive_next_free_slots(
            clinic, service_id, now=now, busy=lists, practitioner_id=practitioner_id
        )

    scenarios = _scenarios(clinic)
    same = all(fast(*row[1:]) == naive(*row[1:]) for row in scenarios)
    print(
        f"{len(clinic.practitioners)} practitioners, {len(clinic.services)} services, "
        f"{len(busy)} appointments over 90 days (the first 4 open days full); "
        f"BusyCalendar built in {built_ms:.1f} ms"
    )
    print(f"{len(scenarios)} scenarios, same slots as the naive scan: {same}")
    _report(_time(fast, scenarios, args.runs), _time(naive, scenarios, args.runs))


def _report(fast: dict[str, list[float]], naive: dict[str, list[float]]) -> None:
    """Print the timings of both searches, overall and by kind of scenario."""
    every_fast = [t for times in fast.values() for t in times]
    every_naive = [t for times in naive.values() for t in times]
    print("first 10 free slots:")
    print("  " + _line("next_free_slots", every_fast))
    print("  " + _line("naive scan (baseline)", every_naive))
    ratio = statistics.median(every_naive) / statistics.median(every_fast)
    print(f"  median ratio baseline / next_free_slots: {ratio:.1f}x")
    for kind, times in fast.items():
        print(f"  {kind}:")
        print("    " + _line("next_free_slots", times))
        print("    " + _line("naive scan (baseline)", naive[kind]))


if __name__ == "__main__":
    main()
