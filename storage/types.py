"""Column types shared by every table.

SQLite has no time zones, and PostgreSQL's ``timestamp with time zone`` would
hand back values in the session's zone; storing naive UTC everywhere and
converting at the boundary keeps both databases identical (DESIGN.md,
principle 5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC; refuse a naive one."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive value is ambiguous (local? UTC?); guessing here is how
            # appointments silently move by an hour twice a year.
            raise ValueError("UTCDateTime refuses a naive datetime: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Mark a stored naive UTC value as UTC."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)

    @property
    def python_type(self) -> type[datetime]:
        """The Python type of values in this column."""
        return datetime
