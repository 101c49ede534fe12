"""Message catalogues (``bot/locales/*.json``) and Babel formatting of dates and prices.

Every text a patient reads comes from a catalogue, so a translation is a file
to edit, not code. A test checks that every language has every key with the
same placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency

LANGUAGES: tuple[str, ...] = ("fr", "en")
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """The message catalogue of a language, loaded once."""
    text = resources.files("bot").joinpath("locales", f"{language}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def pick_language(locale: str | None, supported: Sequence[str], default: str) -> str:
    """The supported language closest to a platform locale (``fr-FR`` → ``fr``)."""
    if locale:
        base = locale.replace("_", "-").split("-")[0].lower()
        if base in supported:
            return base
    return default


class Translator:
    """Texts and formatted values in one language and timezone."""

    def __init__(self, language: str, zone: ZoneInfo) -> None:
        self.language = language if language in LANGUAGES else "fr"
        self.zone = zone
        self._messages = catalogue(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        """The text of ``key`` with ``values`` filled in."""
        template = self._messages.get(key) or catalogue("en").get(key, key)
        return template.format(**values) if values else template

    def day(self, value: date | datetime) -> str:
        """A day as patients say it: "mardi 3 décembre" / "Tuesday, December 3"."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, self("format.day_pattern"), locale=self.language)

    def short_day(self, value: date) -> str:
        """A short day for buttons: "mar. 3 déc." / "Tue, Dec 3"."""
        return format_date(value, self("format.short_day_pattern"), locale=self.language)

    def time(self, value: datetime) -> str:
        """A local time: "15:30" / "3:30 PM"."""
        return format_time(value.astimezone(self.zone), format="short", locale=self.language)

    def when(self, value: datetime) -> str:
        """Day and local time of an appointment."""
        return self("format.when", day=self.day(value), time=self.time(value))

    def long_date(self, value: date) -> str:
        """A date with its year: "3 décembre 2026"."""
        return format_date(value, format="long", locale=self.language)

    def money(self, amount: Decimal, currency: str) -> str:
        """A price: "30,00 €" / "€30.00"."""
        return format_currency(amount, currency, locale=self.language)

    def minutes(self, minutes: int) -> str:
        """A duration in minutes, e.g. "20 min" or "1 h 30"."""
        if minutes < 60:
            return self("format.minutes", minutes=minutes)
        hours, rest = divmod(minutes, 60)
        return self("format.hours", hours=hours, minutes=f"{rest:02d}" if rest else "").strip()
