"""The one place that wires carebot together (as cosmicpython's ``bootstrap.py``).

The CLI, the bot process, the web app and the tests all build the system
here; tests pass their own settings, clock and database in.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import structlog
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot import nlu
from bot.answers import Knowledge
from bot.engine import Clock, Engine, system_clock
from bot.logs import configure_logging
from bot.settings import Settings, safe_url
from clinic.config import ClinicConfig
from clinic.loader import ConfigError, load_clinic_file
from storage.db import Database, normalize_url

log = structlog.get_logger("carebot.bootstrap")


class ClinicHolder:
    """The clinic configuration in force; a reload keeps the last good one on error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.config = load_clinic_file(path)

    def __call__(self) -> ClinicConfig:
        return self.config

    def reload(self) -> list[str]:
        """Re-read the file; return the problems (and keep the old config) if it is invalid."""
        try:
            self.config = load_clinic_file(self.path)
        except ConfigError as error:
            log.warning("clinic.reload_refused", problems=len(error.problems))
            return [str(problem) for problem in error.problems]
        log.info("clinic.reloaded")
        return []


class DatabaseUnavailableError(Exception):
    """The database cannot be used; the message names DATABASE_URL (password hidden) and
    says what to do."""


#: A PostgreSQL server that does not answer is given up on after this many seconds (libpq
#: waits for the operating system's TCP timeout otherwise: minutes).
CONNECT_TIMEOUT_SECONDS = 5


def open_database(url: str) -> Database:
    """The database at ``url``, checked to answer now; ``DatabaseUnavailableError`` if not."""
    try:
        parsed = normalize_url(url)
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
        database = Database(parsed)
    except (ArgumentError, ValueError, ImportError) as error:
        raise DatabaseUnavailableError(
            f"DATABASE_URL: {safe_url(url)} is not a database carebot can use ({error}) — "
            "use sqlite:///path/to/carebot.db or postgresql+psycopg://user:password@host:5432/db"
        ) from None
    try:
        database.ping()
    except DBAPIError as error:
        database.dispose()
        raise DatabaseUnavailableError(_unreachable(database, url, error)) from None
    return database


def _unreachable(database: Database, url: str, error: DBAPIError) -> str:
    reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "no answer"
    if database.is_postgres:
        where = f"{database.url.host or 'localhost'}:{database.url.port or 5432}"
        return (
            f"DATABASE_URL: cannot connect to PostgreSQL at {where} ({safe_url(url)}): "
            f"{reason} — start the database server there, check its user and database, "
            "or fix DATABASE_URL"
        )
    return (
        f"DATABASE_URL: cannot open the SQLite database {database.url.database} "
        f"({reason}) — check that its folder exists and is writable, or fix DATABASE_URL"
    )


@dataclass
class System:
    """A wired carebot: settings, database, clinic and engine."""

    settings: Settings
    database: Database
    clinic: ClinicHolder
    engine: Engine
    knowledge: Knowledge


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = system_clock,
    migrate: bool = True,
    configure_logs: bool = True,
) -> System:
    """Build the whole system from settings; apply migrations unless told not to."""
    settings = settings or Settings()
    if configure_logs:
        configure_logging(settings.log_level)
    clinic = ClinicHolder(settings.clinic_file)
    database = open_database(settings.database_url)
    if migrate:
        database.migrate()
    # dateparser loads its language data on first use (~90 ms): pay it now, not on a patient.
    nlu.warm_up()
    # What is loaded so far lives as long as the process: keep the collector from
    # rescanning it (a full collection paused a turn for 50-65 ms in bench/turns.py).
    gc.freeze()
    knowledge = Knowledge(settings, clinic())
    engine = Engine(
        database, clinic, clock=clock, knowledge=knowledge, log_texts=settings.log_personal_data
    )
    if settings.log_personal_data:
        log.warning(
            "logs.personal_data_on",
            hint="LOG_PERSONAL_DATA is set: message texts go to the logs. Debug only; "
            "turn it off before real patients write.",
        )
    return System(settings, database, clinic, engine, knowledge)
