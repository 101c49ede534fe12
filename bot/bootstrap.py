"""The one place that wires carebot together (as cosmicpython's ``bootstrap.py``).

The CLI, the bot process, the web app and the tests all build the system
here; tests pass their own settings, clock and database in.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import structlog

from bot import nlu
from bot.answers import Knowledge
from bot.engine import Clock, Engine, system_clock
from bot.logs import configure_logging
from bot.settings import Settings
from clinic.config import ClinicConfig
from clinic.loader import ConfigError, load_clinic_file
from storage.db import Database

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
    database = Database(settings.database_url)
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
