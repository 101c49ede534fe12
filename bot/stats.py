"""The clinic's KPI report for people: ``carebot stats`` and the staff page.

The figures come from :mod:`storage.kpi`; this module picks the clinic's
settings (time zone, minutes per conversation, retention) and writes them in
the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.numbers import format_decimal, format_percent

from bot.i18n import Translator
from clinic.config import ClinicConfig
from storage.db import Database, UnitOfWork
from storage.kpi import Durations, KpiReport, kpi_report

#: The longest period one report covers (a year and a day, for leap years).
MAX_DAYS = 366


def build_report(
    database: Database,
    clinic: ClinicConfig,
    start: date,
    end: date,
    *,
    now: datetime,
    minutes_per_conversation: float | None = None,
) -> KpiReport:
    """The report for the days ``start`` to ``end`` (both included, clinic time)."""
    with database.unit_of_work(read_only=True) as uow:
        return report_from(
            uow,
            clinic,
            start,
            end,
            now=now,
            minutes_per_conversation=minutes_per_conversation,
        )


def report_from(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    start: date,
    end: date,
    *,
    now: datetime,
    minutes_per_conversation: float | None = None,
) -> KpiReport:
    """The report read in an open unit of work (a staff command's transaction)."""
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"a report covers at most {MAX_DAYS} days")
    return kpi_report(
        uow.session,
        start,
        end,
        timezone=clinic.clinic.timezone,
        now=now,
        minutes_per_conversation=(
            minutes_per_conversation or clinic.reporting.minutes_per_conversation
        ),
        message_retention=clinic.privacy.message_retention,
    )


def last_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week before ``today``'s."""
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(weeks=1), this_monday - timedelta(days=1)


def default_period(today: date) -> tuple[date, date]:
    """The last four full weeks (Monday to Sunday) before ``today``'s week."""
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(weeks=4), this_monday - timedelta(days=1)


class Formatter:
    """Rates, durations and counts as a person reads them, in one language."""

    def __init__(self, language: str, t: Translator) -> None:
        self.language = language
        self.t = t

    def rate(self, value: float | None) -> str:
        """``0.25`` → "25 %" (fr) / "25%" (en); "—" when there was nothing to count."""
        if value is None:
            return "—"
        # Rounded to a tenth of a percent, written as the language does ("33,3 %", "33.3%").
        return format_percent(round(value, 3), locale=self.language, decimal_quantization=False)

    def number(self, value: float) -> str:
        """A count or a number of minutes, grouped as the language does."""
        return format_decimal(value, "#,##0.#", locale=self.language)

    def duration(self, seconds: float | None) -> str:
        """ "0.8 s", "12 min", "2 h 05"; "—" when nothing was measured."""
        if seconds is None:
            return "—"
        if seconds < 60:
            return f"{self.number(seconds)} s"
        return self.minutes(seconds / 60)

    def minutes(self, minutes: float) -> str:
        """A span of minutes: "45 min", "6 h 08"."""
        whole = round(minutes)
        if whole < 60:
            return self.t("format.minutes", minutes=whole)
        return self.t("format.hours", hours=whole // 60, minutes=f"{whole % 60:02d}")

    def share(self, key: str, part: int, whole: int, rate: float | None) -> tuple[str, str]:
        """A labelled "part of whole (rate)" line: ``key`` and ``key.value`` name the texts."""
        value = self.t(
            f"{key}.value", part=self.number(part), whole=self.number(whole), rate=self.rate(rate)
        )
        return self.t(key), value

    def durations(self, figures: Durations) -> str:
        """Median, p90 and how many were measured."""
        return self.t(
            "kpi.durations.value",
            median=self.duration(figures.median_seconds),
            p90=self.duration(figures.p90_seconds),
            count=self.number(figures.count),
        )


def summary_lines(report: KpiReport, fmt: Formatter) -> list[tuple[str, str]]:
    """The headline figures as (label, value) pairs, in the report's order."""
    t = fmt.t
    messages = report.messages
    origins = ", ".join(
        f"{name} {fmt.number(count)}"
        for name, count in (*messages.by_channel.items(), *messages.by_language.items())
    )
    saved = report.time_saved
    return [
        (t("kpi.bookings"), fmt.number(report.bookings)),
        fmt.share(
            "kpi.reminders",
            report.reminders.confirmed,
            report.reminders.sent,
            report.reminders.confirmation_rate,
        ),
        fmt.share(
            "kpi.no_shows", report.no_shows.no_shows, report.no_shows.visits, report.no_shows.rate
        ),
        (
            t("kpi.cancellations"),
            t(
                "kpi.cancellations.value",
                total=fmt.number(report.cancellations.total),
                rebooked=fmt.number(report.cancellations.rebooked_from_waitlist),
                rate=fmt.rate(report.cancellations.rebooked_rate),
            ),
        ),
        (t("kpi.first_answer"), fmt.durations(report.first_answer)),
        fmt.share(
            "kpi.conversations",
            report.conversations.without_person,
            report.conversations.total,
            report.conversations.share_without_person,
        ),
        (
            t("kpi.handoffs"),
            t(
                "kpi.handoffs.value",
                total=fmt.number(report.handoffs.total),
                answered=fmt.number(report.handoffs.answered),
                median=fmt.duration(report.handoffs.wait.median_seconds),
                p90=fmt.duration(report.handoffs.wait.p90_seconds),
            ),
        ),
        (t("kpi.messages"), f"{fmt.number(messages.total)}" + (f" — {origins}" if origins else "")),
        (
            t("kpi.time_saved"),
            t(
                "kpi.time_saved.value",
                time=fmt.minutes(saved.minutes),
                conversations=fmt.number(saved.conversations),
                minutes=fmt.number(saved.minutes_per_conversation),
            ),
        ),
    ]


def notes(report: KpiReport, clinic: ClinicConfig, fmt: Formatter, now: datetime) -> list[str]:
    """Caveats the reader should know about the figures."""
    lines = []
    if "retention" in report.notes:
        horizon = now - clinic.privacy.message_retention
        lines.append(fmt.t("kpi.note.retention", day=fmt.t.day(horizon)))
    return lines


def _title(report: KpiReport, clinic: ClinicConfig, t: Translator) -> str:
    return t(
        "kpi.title",
        clinic=clinic.clinic.name,
        start=report.start,
        end=report.end,
        zone=report.timezone,
    )


def summary_text(report: KpiReport, clinic: ClinicConfig, language: str, now: datetime) -> str:
    """The headline figures as short lines for a chat (no table: chats wrap lines)."""
    t = Translator(language, clinic.zone)
    fmt = Formatter(t.language, t)
    lines = [f"📊 {_title(report, clinic, t)}", ""]
    lines += [
        f"• {label} : {value}" if t.language == "fr" else f"• {label}: {value}"
        for label, value in summary_lines(report, fmt)
    ]
    extra = notes(report, clinic, fmt, now)
    return "\n".join(lines + (["", *extra] if extra else []))


def format_table(report: KpiReport, clinic: ClinicConfig, language: str, now: datetime) -> str:
    """The report as plain text for a terminal."""
    t = Translator(language, clinic.zone)
    fmt = Formatter(t.language, t)
    title = _title(report, clinic, t)
    pairs = summary_lines(report, fmt)
    width = max(len(label) for label, _ in pairs)
    lines = [title, ""]
    lines += [f"{label.ljust(width)}  {value}" for label, value in pairs]
    header = t("kpi.weeks.header").split("|")
    rows = [
        [
            week.week,
            week.start,
            fmt.number(week.bookings),
            fmt.number(week.visits),
            f"{fmt.number(week.no_shows)} ({fmt.rate(week.no_show_rate)})",
        ]
        for week in report.weeks
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines.append("")
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    extra = notes(report, clinic, fmt, now)
    if extra:
        lines += ["", *extra]
    return "\n".join(lines)


# --- The period asked for (the staff page's ?from=&to=, `carebot stats --from --to`) ---

#: The first year a report may cover: no clinic ran carebot before, and far-off years
#: would overflow date arithmetic (year 1, year 9999).
FIRST_YEAR = 2000
#: Four weeks: the period when only its last day is given.
_DEFAULT_DAYS = 28
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Period:
    """A closed range of clinic days."""

    start: date
    end: date


class PeriodError(ValueError):
    """A period no report can cover; ``key`` and ``values`` make the message."""

    def __init__(self, key: str, **values: Any) -> None:
        """The catalogue key of the message and the values it names."""
        super().__init__(key)
        self.key = key
        self.values = values


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """The period asked for as ``YYYY-MM-DD`` texts; a missing end runs to today.

    Neither given: :func:`default_period`. Only the end: the four weeks up to it.
    Only the start: up to today (or the start itself if it is later), at most
    :data:`MAX_DAYS`. Raises :class:`PeriodError` for an unreadable or implausible
    day, a reversed period or one longer than :data:`MAX_DAYS`.
    """
    first = _parse_day(start, today) if start else None
    last = _parse_day(end, today) if end else None
    if first is None and last is None:
        return Period(*default_period(today))
    if first is None:
        assert last is not None
        first = last - timedelta(days=_DEFAULT_DAYS - 1)
    if last is None:
        last = max(first, min(today, first + timedelta(days=MAX_DAYS - 1)))
    if first > last:
        raise PeriodError("staff_web.error.reversed", start=first.isoformat(), end=last.isoformat())
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise PeriodError("staff_web.error.too_long", days=days, limit=MAX_DAYS)
    return Period(first, last)


def _parse_day(value: str, today: date) -> date:
    """A ``YYYY-MM-DD`` day from 2000 to the end of next year."""
    text = value.strip()
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise PeriodError("staff_web.error.bad_date", value=text[:40]) from None
    if not FIRST_YEAR <= day.year <= today.year + 1:
        raise PeriodError(
            "staff_web.error.out_of_range",
            value=text,
            first=date(FIRST_YEAR, 1, 1).isoformat(),
            last=date(today.year + 1, 12, 31).isoformat(),
        )
    return day
