"""Message catalogues and formatting: every language says everything, correctly formatted."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import LANGUAGES, Translator, catalogue, pick_language

PARIS = ZoneInfo("Europe/Paris")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    """A missing key or a renamed {placeholder} would show a patient a raw key or crash."""
    reference = catalogue("en")
    for language in LANGUAGES:
        messages = catalogue(language)
        assert set(messages) == set(reference), language
        for key, template in messages.items():
            assert _fields(template) == _fields(reference[key]), (language, key)


@pytest.mark.parametrize(
    ("language", "day", "short", "time", "price"),
    [
        ("fr", "mardi 1 décembre", "mar. 1 déc.", "15:30", "30,00\xa0€"),
        ("en", "Tuesday, December 1", "Tue, Dec 1", "3:30\u202fPM", "€30.00"),
    ],
)
def test_dates_times_and_prices_read_naturally(
    language: str, day: str, short: str, time: str, price: str
) -> None:
    """Babel formats days, local times (UTC in, Paris out) and prices per language."""
    t = Translator(language, PARIS)
    assert t.day(date(2026, 12, 1)) == day
    assert t.short_day(date(2026, 12, 1)) == short
    assert t.time(datetime(2026, 12, 1, 14, 30, tzinfo=UTC)) == time
    assert t.money(Decimal("30"), "EUR") == price


def test_local_time_follows_daylight_saving() -> None:
    """09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer."""
    t = Translator("fr", PARIS)
    assert t.time(datetime(2026, 12, 1, 8, 0, tzinfo=UTC)) == "09:00"
    assert t.time(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == "09:00"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr-FR", "fr"), ("en_GB", "en"), ("EN", "en"), ("de", "fr"), (None, "fr"), ("", "fr")],
)
def test_the_language_comes_from_the_platform_locale(locale: str | None, expected: str) -> None:
    """A supported locale is used; anything else falls back to the clinic's default."""
    assert pick_language(locale, ["fr", "en"], "fr") == expected
