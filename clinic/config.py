"""The clinic's configuration (``clinic.yaml``), as staff write it.

The schema is strict: an unknown key is an error (most often a typo), and
values are checked where they stand (times, durations, timezone, breaks).
Cross-references (a practitioner's services, duplicate ids, translations) are
checked by ``clinic.loader``, which also reads the YAML with line numbers and
turns every problem into a ``file:line`` message.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from clinic.model import GRANULE, TimeRange

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Language = Literal["fr", "en"]

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")


def parse_duration(value: Any) -> timedelta:
    """Read ``"48h"``, ``"90m"``, ``"1h30m"``, ``"14d"`` or a number of minutes."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30m, 2h or 14d")
    if isinstance(value, int):
        return timedelta(minutes=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and any(match.groups()):
            days, hours, minutes = (int(g or 0) for g in match.groups())
            return timedelta(days=days, hours=hours, minutes=minutes)
    raise ValueError(f"bad duration {value!r} — write it like 30m, 2h, 1h30m or 14d")


def _parse_range(value: Any) -> TimeRange:
    if isinstance(value, TimeRange):
        return value
    if not isinstance(value, str):
        raise ValueError(f"bad time range {value!r} — write it as HH:MM-HH:MM, e.g. 09:00-12:30")
    return TimeRange.parse(value)


def _parse_clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 21:00 as the sexagesimal integer 1260.
        return time(value // 60, value % 60)
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value.strip()):
        hours, minutes = (int(p) for p in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise ValueError(f"bad time {value!r} — write it as HH:MM, for example 08:00")


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r} — use an IANA name such as Europe/Paris"
        ) from None
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _on_granule(value: timedelta) -> timedelta:
    if value % GRANULE:
        raise ValueError("must be a whole number of 5-minute steps (5m, 10m, 15m, …)")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
GranularDuration = Annotated[
    timedelta, BeforeValidator(parse_duration), AfterValidator(_on_granule)
]
Range = Annotated[TimeRange, BeforeValidator(_parse_range)]
Ranges = Annotated[list[Range], BeforeValidator(_as_list)]
Clock = Annotated[time, BeforeValidator(_parse_clock)]
Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    """A text in each of the clinic's languages."""

    fr: str | None = None
    en: str | None = None

    def get(self, language: str, fallback: str = "fr") -> str:
        """The text in ``language``, else in ``fallback``, else any text there is."""
        for lang in (language, fallback, "fr", "en"):
            text = getattr(self, lang, None)
            if text:
                return str(text)
        return ""


def _localize(value: Any) -> Any:
    return {"fr": value, "en": value} if isinstance(value, str) else value


Text = Annotated[Localized, BeforeValidator(_localize)]


class ClinicInfo(Strict):
    """Who the clinic is and how to reach it."""

    id: Ident
    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    phone: str = Field(min_length=3)
    email: str | None = None
    website: str | None = None
    privacy_policy_url: str | None = None
    timezone: Annotated[str, AfterValidator(_check_zone)]
    languages: list[Language] = Field(default_factory=lambda: _languages("fr", "en"), min_length=1)
    default_language: Language = "fr"
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's IANA timezone."""
        return ZoneInfo(self.timezone)


class EmergencyNumber(Strict):
    """A number to call in an emergency, with what it is for."""

    number: str = Field(min_length=2)
    label: Text


class DayHours(Strict):
    """Working hours of one day, and the breaks inside them."""

    hours: Ranges
    breaks: Ranges = Field(default_factory=list)

    @model_validator(mode="after")
    def _breaks_fit(self) -> DayHours:
        _no_overlap(self.hours, "hours")
        _no_overlap(self.breaks, "breaks")
        for brk in self.breaks:
            if not any(rng.covers(brk) for rng in self.hours):
                raise ValueError(f"break {brk} is not inside the working hours")
        return self

    def working_ranges(self) -> list[TimeRange]:
        """The hours with the breaks cut out, in order."""
        ranges = sorted(self.hours)
        for brk in sorted(self.breaks):
            cut: list[TimeRange] = []
            for rng in ranges:
                if not rng.overlaps(brk):
                    cut.append(rng)
                    continue
                if rng.start < brk.start:
                    cut.append(TimeRange(rng.start, brk.start))
                if brk.end < rng.end:
                    cut.append(TimeRange(brk.end, rng.end))
            ranges = cut
        return ranges


def _languages(*codes: Language) -> list[Language]:
    return list(codes)


def _no_overlap(ranges: list[TimeRange], what: str) -> None:
    for first, second in pairwise(sorted(ranges)):
        if first.overlaps(second):
            raise ValueError(f"{what} {first} and {second} overlap")


def _day_hours(value: Any) -> Any:
    if isinstance(value, str | list):
        return {"hours": value}
    return value


Day = Annotated[DayHours, BeforeValidator(_day_hours)]


class WeeklySchedule(Strict):
    """Hours for each weekday; a missing day is a day off."""

    mon: Day | None = None
    tue: Day | None = None
    wed: Day | None = None
    thu: Day | None = None
    fri: Day | None = None
    sat: Day | None = None
    sun: Day | None = None

    def for_weekday(self, weekday: int) -> DayHours | None:
        """Hours of ``date.weekday()`` (0 is Monday)."""
        day: DayHours | None = getattr(self, WEEKDAYS[weekday])
        return day


class Absence(Strict):
    """A period a practitioner is away: whole days, or from a time to a time."""

    start: date | datetime = Field(alias="from")
    end: date | datetime = Field(alias="to")
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if _as_datetime(self.end, end=True) <= _as_datetime(self.start, end=False):
            raise ValueError("'to' must come after 'from'")
        return self

    def local_bounds(self) -> tuple[datetime, datetime]:
        """Naive local ``[start, end)``; a date ``to`` includes that whole day."""
        return _as_datetime(self.start, end=False), _as_datetime(self.end, end=True)


def _as_datetime(value: date | datetime, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    moment = datetime.combine(value, time(0, 0))
    return moment + timedelta(days=1) if end else moment


class Closure(Strict):
    """Days the whole clinic is closed (holidays, works)."""

    start: date = Field(alias="from")
    end: date | None = Field(default=None, alias="to")
    reason: str | None = None

    def covers(self, day: date) -> bool:
        """Whether the clinic is closed on ``day``."""
        return self.start <= day <= (self.end or self.start)


class Practitioner(Strict):
    """A person patients can book."""

    id: Ident
    name: str = Field(min_length=1)
    title: Text
    languages: list[Language] = Field(default_factory=lambda: _languages("fr"), min_length=1)
    services: list[Ident] = Field(min_length=1)
    schedule: WeeklySchedule
    absences: list[Absence] = Field(default_factory=list)


class Preparation(Strict):
    """Instructions sent before a visit, ``send_before`` its start."""

    send_before: Duration = timedelta(hours=24)
    text: Text


class Service(Strict):
    """Something patients book: a consultation, an exam, a treatment."""

    id: Ident
    name: Text
    description: Text | None = None
    duration: GranularDuration
    price: Decimal = Field(ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    buffer_after: GranularDuration = timedelta(0)
    keywords: list[str] = Field(default_factory=list)
    preparation: Preparation | None = None

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than zero")
        return value


class BookingRules(Strict):
    """How far ahead and how late patients may book and cancel."""

    min_notice: Duration = timedelta(hours=2)
    max_horizon: Duration = timedelta(days=60)
    slot_step: GranularDuration = timedelta(minutes=15)
    cancellation_cutoff: Duration = timedelta(hours=24)
    max_upcoming_per_patient: int = Field(default=3, ge=1)


class QuietHours(Strict):
    """Local hours during which no automatic message is sent."""

    start: Clock = time(21, 0)
    end: Clock = time(8, 0)

    def contains(self, local: time) -> bool:
        """Whether a local time falls in the quiet period (which may span midnight)."""
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class ReminderPolicy(Strict):
    """When reminders go out before an appointment."""

    offsets: list[Duration] = Field(
        default_factory=lambda: [timedelta(hours=48), timedelta(hours=2)]
    )
    quiet_hours: QuietHours = QuietHours()


class NoShowPolicy(Strict):
    """What happens when a patient misses an appointment."""

    mark_after: Duration = timedelta(minutes=15)
    first_message_after: Duration = timedelta(hours=2)
    follow_up_after: Duration = timedelta(days=3)
    review_after_count: int = Field(default=2, ge=1)


class WaitlistPolicy(Strict):
    """How freed slots are offered to waiting patients."""

    hold_for: Duration = timedelta(minutes=15)


class HandoffPolicy(Strict):
    """When a waiting handoff is chased and given back."""

    remind_staff_after: Duration = timedelta(minutes=30)
    release_after: Duration = timedelta(hours=24)


class PrivacyPolicy(Strict):
    """What patients agree to, and how long their messages are kept."""

    #: Change it when the notice changes: every patient is asked again.
    notice_version: str = Field(default="1", min_length=1)
    message_retention: Duration = timedelta(days=90)


class Reporting(Strict):
    """How the KPI report (``carebot stats``, the staff page) estimates staff time saved."""

    #: Minutes a person would have spent on a conversation the bot settled alone.
    minutes_per_conversation: float = Field(default=4.0, gt=0, le=240)


class Staff(Strict):
    """Who on the staff side the bot listens to."""

    telegram_user_ids: list[int] = Field(default_factory=list)
    telegram_group_id: int | None = None


TemplateKind = Literal["reminder", "instructions", "noshow", "waitlist"]
TemplateValue = Literal["service", "practitioner", "when", "address", "text", "until"]
#: The values each kind of message can fill its template with.
TEMPLATE_VALUES: dict[str, frozenset[str]] = {
    "reminder": frozenset({"service", "practitioner", "when", "address"}),
    "instructions": frozenset({"service", "when", "text"}),
    "noshow": frozenset({"service", "when"}),
    "waitlist": frozenset({"service", "practitioner", "when", "until"}),
}


class WhatsAppTemplate(Strict):
    """A pre-approved WhatsApp template: its name, its language codes, its body values."""

    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    languages: dict[Language, str] = Field(min_length=1)
    parameters: list[TemplateValue] = Field(default_factory=list)


class WhatsAppTemplates(Strict):
    """Templates for the messages carebot starts, used outside the 24-hour window."""

    templates: dict[TemplateKind, WhatsAppTemplate] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _values_fit(self) -> WhatsAppTemplates:
        for kind, template in self.templates.items():
            extra = set(template.parameters) - TEMPLATE_VALUES[kind]
            if extra:
                allowed = ", ".join(sorted(TEMPLATE_VALUES[kind]))
                raise ValueError(
                    f"template '{kind}' cannot use {', '.join(sorted(extra))} — use {allowed}"
                )
        return self


class ClinicConfig(Strict):
    """A whole ``clinic.yaml``."""

    clinic: ClinicInfo
    emergency_numbers: list[EmergencyNumber] = Field(min_length=1)
    opening_hours: WeeklySchedule
    closures: list[Closure] = Field(default_factory=list)
    public_holidays: list[date] = Field(default_factory=list)
    practitioners: list[Practitioner] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    booking: BookingRules = BookingRules()
    reminders: ReminderPolicy = ReminderPolicy()
    no_show: NoShowPolicy = NoShowPolicy()
    waitlist: WaitlistPolicy = WaitlistPolicy()
    handoff: HandoffPolicy = HandoffPolicy()
    staff: Staff = Staff()
    privacy: PrivacyPolicy = PrivacyPolicy()
    reporting: Reporting = Reporting()
    whatsapp: WhatsAppTemplates = WhatsAppTemplates()

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's timezone."""
        return self.clinic.zone

    def service(self, service_id: str) -> Service:
        """The service with this id (``KeyError`` if there is none)."""
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def practitioner(self, practitioner_id: str) -> Practitioner:
        """The practitioner with this id (``KeyError`` if there is none)."""
        for practitioner in self.practitioners:
            if practitioner.id == practitioner_id:
                return practitioner
        raise KeyError(practitioner_id)

    def practitioners_for(self, service_id: str) -> list[Practitioner]:
        """Practitioners who perform a service, in file order."""
        return [p for p in self.practitioners if service_id in p.services]

    def is_closed(self, day: date) -> bool:
        """Whether the whole clinic is closed on a local date."""
        return day in self.public_holidays or any(c.covers(day) for c in self.closures)

    def price_currency(self, service: Service) -> str:
        """The currency a service is priced in."""
        return service.currency or self.clinic.currency
