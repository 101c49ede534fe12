"""The clinic's KPI report: what carebot brought over a period, as counts only.

Every figure is read from the tables the bot already writes (appointments and
their events, the outbox, turn logs, handoffs, the waitlist); nothing here
names a patient. Days and weeks are the clinic's own (its time zone), and the
period is a closed range of days: ``--from 2026-11-02 --to 2026-11-08`` is
that whole week.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from storage.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Conversation,
    Handoff,
    OutboxMessage,
    OutboxStatus,
    TurnLog,
    WaitlistEntry,
    WaitlistStatus,
)


@dataclass(frozen=True)
class WeekFigures:
    """One ISO week (Monday to Sunday, clinic time) of the period."""

    week: str  # "2026-W45"
    start: str  # its Monday, "2026-11-02"
    bookings: int  # new appointments booked by patients through the bot (not moves)
    visits: int  # appointments due that week, not cancelled, already started
    no_shows: int
    no_show_rate: float | None  # no_shows / visits; None without visits


@dataclass(frozen=True)
class Reminders:
    """Reminders sent, and how many of their appointments were confirmed after."""

    sent: int
    confirmed: int
    confirmation_rate: float | None


@dataclass(frozen=True)
class NoShows:
    """Visits due in the period (not cancelled, already started) and those missed."""

    visits: int
    no_shows: int
    rate: float | None


@dataclass(frozen=True)
class Cancellations:
    """Appointments cancelled in the period (moves excluded), and freed times that
    went to someone on the waitlist."""

    total: int
    rebooked_from_waitlist: int
    rebooked_rate: float | None


@dataclass(frozen=True)
class Durations:
    """How many cases were measured, and their median and 90th percentile in seconds."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Conversations:
    """Chats with at least one patient message in the period."""

    total: int
    without_person: int  # no person held them at any time in the period
    share_without_person: float | None


@dataclass(frozen=True)
class Handoffs:
    """Conversations handed to a person in the period, and how long patients waited."""

    total: int
    answered: int
    wait: Durations
    by_reason: dict[str, int]


@dataclass(frozen=True)
class Messages:
    """Patient messages (and button presses) received, by channel and by language."""

    total: int
    by_channel: dict[str, int]
    by_language: dict[str, int]


@dataclass(frozen=True)
class TimeSaved:
    """Conversations the bot settled alone × the minutes a person would have spent."""

    minutes_per_conversation: float
    conversations: int
    minutes: float


@dataclass(frozen=True)
class KpiReport:
    """Everything on the staff page and in ``carebot stats``."""

    start: str  # first day, "2026-11-01"
    end: str  # last day, included
    timezone: str
    bookings: int
    weeks: list[WeekFigures]
    reminders: Reminders
    no_shows: NoShows
    cancellations: Cancellations
    first_answer: Durations
    conversations: Conversations
    handoffs: Handoffs
    messages: Messages
    time_saved: TimeSaved
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (``carebot stats --json``)."""
        return asdict(self)


# --- computing it ---


def kpi_report(
    session: Session,
    start: date,
    end: date,
    *,
    timezone: str,
    now: datetime,
    minutes_per_conversation: float,
    message_retention: timedelta | None = None,
) -> KpiReport:
    """The report for the days ``start`` to ``end`` (both included, clinic time)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    zone = ZoneInfo(timezone)
    period = _Period(zone, start, end)
    reader = _Reader(session, period, now)
    bookings = reader.bookings()
    visits = reader.visits()
    weeks = [
        _week(monday, period, bookings, visits) for monday in _mondays(period.start, period.end)
    ]
    missed = sum(1 for _, status in visits if status == AppointmentStatus.NO_SHOW)
    turns = reader.turns()
    handoffs = reader.handoffs()
    with_person = reader.held_by_a_person()
    conversations = {turn.conversation_id for turn in turns}
    settled = len(conversations - with_person)
    notes = []
    if message_retention is not None and period.utc_start < now - message_retention:
        notes.append("retention")
    cancelled = reader.cancellations()
    rebooked = reader.rebooked_from_waitlist()
    reminded, confirmed = reader.reminders()
    channels, languages = reader.message_origins()
    waits = [
        (handoff.staff_replied_at - handoff.opened_at).total_seconds()
        for handoff in handoffs
        if handoff.staff_replied_at is not None
    ]
    return KpiReport(
        start=start.isoformat(),
        end=end.isoformat(),
        timezone=timezone,
        bookings=len(bookings),
        weeks=weeks,
        reminders=Reminders(reminded, confirmed, _rate(confirmed, reminded)),
        no_shows=NoShows(len(visits), missed, _rate(missed, len(visits))),
        cancellations=Cancellations(cancelled, rebooked, _rate(rebooked, cancelled)),
        first_answer=durations(reader.first_answers(turns)),
        conversations=Conversations(
            len(conversations), settled, _rate(settled, len(conversations))
        ),
        handoffs=Handoffs(
            total=len(handoffs),
            answered=len(waits),
            wait=durations(waits),
            by_reason=dict(sorted(Counter(h.reason for h in handoffs).items())),
        ),
        messages=Messages(len(turns), channels, languages),
        time_saved=TimeSaved(
            minutes_per_conversation, settled, round(settled * minutes_per_conversation, 1)
        ),
        notes=notes,
    )


def durations(seconds: Iterable[float]) -> Durations:
    """Count, median and 90th percentile (nearest rank: the smallest value with at least
    90 % of the cases at or below it)."""
    ordered = sorted(seconds)
    if not ordered:
        return Durations(0, None, None)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    return Durations(len(ordered), round(statistics.median(ordered), 3), round(p90, 3))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class _Period:
    """The days of the report as an instant range, and their clinic-time dates."""

    zone: ZoneInfo
    start: date
    end: date

    @property
    def utc_start(self) -> datetime:
        return self.utc(self.start)

    @property
    def utc_end(self) -> datetime:
        return self.utc(self.end + timedelta(days=1))

    def utc(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def within(self, column: Any) -> Any:
        return and_(col(column) >= self.utc_start, col(column) < self.utc_end)


def _mondays(start: date, end: date) -> list[date]:
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _week(
    monday: date,
    period: _Period,
    bookings: Sequence[date],
    visits: Sequence[tuple[date, str]],
) -> WeekFigures:
    sunday = monday + timedelta(days=6)
    booked = sum(1 for day in bookings if monday <= day <= sunday)
    due = [status for day, status in visits if monday <= day <= sunday]
    missed = due.count(AppointmentStatus.NO_SHOW)
    year, number, _ = monday.isocalendar()
    return WeekFigures(
        week=f"{year}-W{number:02d}",
        start=monday.isoformat(),
        bookings=booked,
        visits=len(due),
        no_shows=missed,
        no_show_rate=_rate(missed, len(due)),
    )


class Turn(NamedTuple):
    """One patient message: which chat, when."""

    conversation_id: int
    at: datetime


#: How long after the period's end a reply to its last message is still looked for.
REPLY_WINDOW = timedelta(hours=1)


class _Reader:
    """The queries behind the report, each over the period's instants."""

    def __init__(self, session: Session, period: _Period, now: datetime) -> None:
        self.session = session
        self.period = period
        self.now = now

    def bookings(self) -> list[date]:
        """Days (clinic time) of the appointments patients booked through the bot; a move
        is not a new booking."""
        statement = (
            select(Appointment.created_at)
            .join(AppointmentEvent, col(AppointmentEvent.appointment_id) == Appointment.id)
            .where(
                col(Appointment.rescheduled_from_id).is_(None),
                col(AppointmentEvent.from_status).is_(None),
                AppointmentEvent.actor == "patient",
                self.period.within(Appointment.created_at),
            )
        )
        return [self.period.day(created) for created in self.session.exec(statement)]

    def visits(self) -> list[tuple[date, str]]:
        """Appointments due in the period that have started by now and were not cancelled:
        their day and status."""
        statement = select(Appointment.start, Appointment.status).where(
            self.period.within(Appointment.start),
            col(Appointment.start) <= self.now,
            Appointment.status != AppointmentStatus.CANCELLED,
        )
        return [(self.period.day(start), status) for start, status in self.session.exec(statement)]

    def cancellations(self) -> int:
        """Appointments cancelled in the period, moves excluded (a move frees nothing)."""
        statement = (
            select(AppointmentEvent.appointment_id)
            .join(Appointment, col(Appointment.id) == AppointmentEvent.appointment_id)
            .where(
                AppointmentEvent.to_status == AppointmentStatus.CANCELLED,
                col(AppointmentEvent.from_status) != AppointmentStatus.CANCELLED,
                self.period.within(AppointmentEvent.at),
                col(Appointment.cancel_reason).is_distinct_from("rescheduled"),
            )
            .distinct()
        )
        return len(self.session.exec(statement).all())

    def rebooked_from_waitlist(self) -> int:
        """Times offered from the waitlist and taken, booked in the period."""
        statement = (
            select(Appointment.id)
            .join(
                WaitlistEntry,
                and_(
                    col(WaitlistEntry.patient_id) == Appointment.patient_id,
                    col(WaitlistEntry.offered_practitioner_id) == Appointment.practitioner_id,
                    col(WaitlistEntry.offered_start) == Appointment.start,
                ),
            )
            .where(
                WaitlistEntry.status == WaitlistStatus.DONE,
                self.period.within(Appointment.created_at),
            )
            .distinct()
        )
        return len(self.session.exec(statement).all())

    def reminders(self) -> tuple[int, int]:
        """Appointments reminded in the period, and how many the patient confirmed after
        the first reminder."""
        statement = select(OutboxMessage.idempotency_key, OutboxMessage.sent_at).where(
            OutboxMessage.kind == "reminder",
            OutboxMessage.status == OutboxStatus.SENT,
            self.period.within(OutboxMessage.sent_at),
        )
        first: dict[int, datetime] = {}
        for key, sent_at in self.session.exec(statement):
            appointment_id = _appointment_of(key)
            if appointment_id is None or sent_at is None:
                continue
            if appointment_id not in first or sent_at < first[appointment_id]:
                first[appointment_id] = sent_at
        if not first:
            return 0, 0
        confirmed_at = dict(
            self.session.exec(
                select(Appointment.id, Appointment.confirmed_at).where(
                    col(Appointment.id).in_(list(first)),
                    col(Appointment.confirmed_at).is_not(None),
                )
            ).all()
        )
        confirmed = sum(
            1
            for appointment_id, sent_at in first.items()
            if (at := confirmed_at.get(appointment_id)) is not None and at >= sent_at
        )
        return len(first), confirmed

    def turns(self) -> list[Turn]:
        """Every patient message and button press in the period: its chat and moment."""
        statement = select(TurnLog.conversation_id, TurnLog.at).where(
            self.period.within(TurnLog.at)
        )
        return [Turn(*row) for row in self.session.exec(statement.order_by(col(TurnLog.at)))]

    def handoffs(self) -> list[Handoff]:
        """Conversations handed to a person in the period."""
        return list(self.session.exec(select(Handoff).where(self.period.within(Handoff.opened_at))))

    def held_by_a_person(self) -> set[int]:
        """Conversations a person held at some time in the period (a handoff opened in it,
        or opened before and not closed before it began)."""
        statement = select(Handoff.conversation_id).where(
            col(Handoff.opened_at) < self.period.utc_end,
            or_(
                col(Handoff.closed_at).is_(None),
                col(Handoff.closed_at) >= self.period.utc_start,
            ),
        )
        return set(self.session.exec(statement))

    def message_origins(self) -> tuple[dict[str, int], dict[str, int]]:
        """Patient messages by channel and by the conversation's language."""
        statement = (
            select(Conversation.channel, Conversation.language, func.count())
            .join(TurnLog, col(TurnLog.conversation_id) == Conversation.id)
            .where(self.period.within(TurnLog.at))
            .group_by(col(Conversation.channel), col(Conversation.language))
        )
        channels: Counter[str] = Counter()
        languages: Counter[str] = Counter()
        for channel, language, count in self.session.exec(statement):
            channels[channel] += count
            languages[language] += count
        return dict(channels.most_common()), dict(languages.most_common())

    def first_answers(self, turns: Sequence[Turn]) -> list[float]:
        """For each patient message the bot answered, seconds until its first reply was
        delivered (replies written in that turn or just after, before the next message)."""
        if not turns:
            return []
        statement = select(
            OutboxMessage.conversation_id, OutboxMessage.created_at, OutboxMessage.sent_at
        ).where(
            OutboxMessage.kind == "reply",
            col(OutboxMessage.created_at) >= self.period.utc_start,
            # A reply to the period's last message may be written a little after it ends.
            col(OutboxMessage.created_at) < self.period.utc_end + REPLY_WINDOW,
        )
        replies: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for conversation_id, created_at, sent_at in self.session.exec(statement):
            # Staff relays have no conversation; unsent replies were never read.
            if conversation_id is not None and sent_at is not None:
                replies[conversation_id].append((created_at, sent_at))
        by_conversation: dict[int, list[datetime]] = defaultdict(list)
        for turn in turns:
            by_conversation[turn.conversation_id].append(turn.at)
        seconds = []
        for conversation_id, moments in by_conversation.items():
            written = sorted(replies.get(conversation_id, []))
            created = [at for at, _ in written]
            moments.sort()
            for at in moments:
                # Until the chat's next message; messages of the same instant share a window.
                later = bisect.bisect_right(moments, at)
                until = moments[later] if later < len(moments) else None
                low = bisect.bisect_left(created, at)
                high = bisect.bisect_left(created, until) if until else len(created)
                if low < high:
                    first_sent = min(sent for _, sent in written[low:high])
                    seconds.append(max(0.0, (first_sent - at).total_seconds()))
        return seconds


def _appointment_of(key: str) -> int | None:
    """The appointment id in a planned message's key, ``appt:<id>:reminder:…``."""
    prefix, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    return int(number) if prefix == "appt" and number.isdigit() else None
