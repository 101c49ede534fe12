"""Staff edit clinic.yaml or faq.yaml while the bot runs: good edits apply, broken ones
are refused with file:line problems sent to the staff, and the bot keeps working."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlmodel import select

from bot.bootstrap import bootstrap
from bot.reload import ConfigWatcher
from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE, Settings
from storage.models import OutboxMessage
from tests.chat import ScriptedPatient


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))


def test_a_faq_edit_applies_and_a_broken_clinic_file_is_refused(tmp_path: Path) -> None:
    """Add an FAQ entry: answered at once. Break clinic.yaml: refused, the staff group is
    told where, and the bot still books with the last good configuration."""
    clinic_file, faq_file = tmp_path / "clinic.yaml", tmp_path / "faq.yaml"
    clinic_text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8").replace(
        "telegram_group_id: null", "telegram_group_id: -1001112223334"
    )
    clinic_file.write_text(clinic_text, encoding="utf-8")
    shutil.copyfile(DEFAULT_FAQ_FILE, faq_file)
    system = bootstrap(
        Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'c.db'}",
            clinic_file=clinic_file,
            faq_file=faq_file,
        ),
        configure_logs=False,
    )
    watcher = ConfigWatcher(system)
    assert watcher.check() == []
    patient = ScriptedPatient(system.engine, "alice")
    patient.says("/start")
    with faq_file.open("a", encoding="utf-8") as faq:
        faq.write(
            "\n  - id: defibrillator\n"
            "    questions:\n"
            "      - Avez-vous un défibrillateur ?\n"
            "      - Do you have a defibrillator?\n"
            "    answer:\n      fr: Oui, un défibrillateur est à l'accueil.\n"
            "      en: Yes, there is a defibrillator at the front desk.\n"
        )
    _touch_later(faq_file)
    assert watcher.check() == []
    patient.says("Avez-vous un défibrillateur ?")
    assert patient.sees("un défibrillateur est à l'accueil")

    clinic_file.write_text(clinic_text.replace("Europe/Paris", "Europe/Pariss"), encoding="utf-8")
    _touch_later(clinic_file)
    problems = watcher.check()
    assert problems and "clinic.yaml:" in problems[0] and "Europe/Pariss" in problems[0]
    assert system.clinic().clinic.timezone == "Europe/Paris", "the last good one is kept"
    with system.database.unit_of_work(read_only=True) as uow:
        alert = uow.session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_alert")
        ).one()
    assert alert.external_id == "-1001112223334"
    assert (
        "Configuration refusée" in alert.payload["text"] and "clinic.yaml:" in alert.payload["text"]
    )
    patient.says("/book")
    assert patient.sees("Pour quel type de rendez-vous")
    system.database.dispose()
