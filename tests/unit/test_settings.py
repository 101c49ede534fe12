"""Settings shown to an operator never show a database password."""

from __future__ import annotations

import pytest

from bot.settings import safe_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://carebot:s3cret@db:5432/carebot",
            "postgresql+psycopg://…@db:5432/carebot",
        ),
        # SQLAlchemy takes a raw "/" or "?" in a password: it must not cut the URL there.
        ("postgresql+psycopg://carebot:ab/cd@db/carebot", "postgresql+psycopg://…@db/carebot"),
        ("postgresql+psycopg://carebot:ab?cd@db/carebot", "postgresql+psycopg://…@db/carebot"),
        # A query may carry a password too: it is never shown.
        ("postgresql://db/carebot?user=x&password=s3cret", "postgresql://db/carebot"),
        ("sqlite:///carebot.db", "sqlite:///carebot.db"),
        ("not a url s3cret", "?://…"),
    ],
)
def test_a_database_url_is_shown_without_credentials(url: str, shown: str) -> None:
    assert safe_url(url) == shown
    assert "s3cret" not in safe_url(url) and "ab/cd" not in safe_url(url)
