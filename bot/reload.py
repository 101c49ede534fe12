"""Live reload of clinic.yaml and faq.yaml: staff edit a file, the running bot follows.

A file that no longer validates is refused: the bot keeps the last good
configuration, logs the problems and tells the staff group exactly what to
fix (file:line). Checked by modification time every few seconds (and on
SIGHUP, see the runner).
"""

from __future__ import annotations

from pathlib import Path

import structlog

from bot.bootstrap import System
from bot.i18n import catalogue
from scheduler.alerts import alert_staff

log = structlog.get_logger("carebot.reload")


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


class ConfigWatcher:
    """Reloads the clinic and the FAQ when their files change."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.files = (system.clinic.path, system.knowledge.path)
        self.seen = {path: _mtime(path) for path in self.files}

    def check(self) -> list[str]:
        """Reload if a file changed since the last check; the problems found, if any."""
        current = {path: _mtime(path) for path in self.files}
        if current == self.seen:
            return []
        self.seen = current
        return self.reload()

    def reload(self) -> list[str]:
        """Reload both files now (keeping the old ones if invalid); the problems found."""
        problems = self.system.clinic.reload()
        problems += self.system.knowledge.reload(self.system.clinic())
        if problems:
            self._tell_staff(problems)
        return problems

    def _tell_staff(self, problems: list[str]) -> None:
        clinic = self.system.clinic()
        intro = catalogue(clinic.clinic.default_language)["staff.config_refused"]
        text = "\n".join([intro.format(count=len(problems)), *problems[:10]])
        now = self.system.engine.clock()
        with self.system.database.unit_of_work() as uow:
            alert_staff(
                uow,
                clinic,
                key=f"config:{int(now.timestamp())}",
                text=text,
                now=now,
                detail={"problems": len(problems)},
            )
            uow.commit()
