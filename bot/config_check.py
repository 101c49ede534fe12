"""``carebot check-config``: read ``clinic.yaml`` and ``faq.yaml`` and check them together.

The bot's startup and reloads use ``load_clinic_file`` / ``load_faq_file``
(re-exported here), which raise ``ConfigError`` so that a broken file stops the
start, or is refused by a reload, with every problem listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from clinic.config import ClinicConfig
from clinic.loader import (
    ConfigError,
    Problem,
    declared_languages,
    load_clinic,
    load_clinic_file,
    parse_yaml,
    read_config_text,
)
from faq.loader import load_faq, load_faq_file
from faq.model import FaqFile

__all__ = [
    "CheckReport",
    "ConfigError",
    "Problem",
    "check_config",
    "load_clinic_file",
    "load_faq_file",
]


@dataclass(frozen=True)
class CheckReport:
    """What ``check_config`` found: the loaded files, or the problems in them."""

    clinic_path: Path
    faq_path: Path
    problems: list[Problem] = field(default_factory=list)
    clinic: ClinicConfig | None = None
    faq: FaqFile | None = None

    @property
    def ok(self) -> bool:
        """Whether both files loaded without a single problem."""
        return not self.problems and self.clinic is not None and self.faq is not None

    def summary_lines(self) -> list[str]:
        """One line per file saying what was loaded (empty unless ``ok``)."""
        if self.clinic is None or self.faq is None or self.problems:
            return []
        info = self.clinic.clinic
        practitioners = _count(len(self.clinic.practitioners), "practitioner")
        services = _count(len(self.clinic.services), "service")
        return [
            f"{self.clinic_path}: {info.name} ({info.timezone}, {'/'.join(info.languages)})"
            f" — {practitioners}, {services}",
            f"{self.faq_path}: {_count(len(self.faq.entries), 'entry', 'entries')}",
        ]


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def check_config(clinic_path: Path, faq_path: Path) -> CheckReport:
    """Read and check both config files; every problem in either is reported."""
    clinic_text = read_config_text(clinic_path)
    clinic = _load(clinic_text, lambda text: load_clinic(text, str(clinic_path)))
    languages = _languages(clinic, clinic_text, clinic_path)
    faq_text = read_config_text(faq_path)
    faq = _load(faq_text, lambda text: load_faq(text, str(faq_path), languages))
    return CheckReport(
        clinic_path=clinic_path,
        faq_path=faq_path,
        problems=[*_problems(clinic), *_problems(faq)],
        clinic=None if isinstance(clinic, list) else clinic,
        faq=None if isinstance(faq, list) else faq,
    )


Loaded = TypeVar("Loaded")


def _load(
    text: str | list[Problem], load: Callable[[str], Loaded | list[Problem]]
) -> Loaded | list[Problem]:
    return text if isinstance(text, list) else load(text)


def _problems(result: object) -> list[Problem]:
    return list(result) if isinstance(result, list) else []


def _languages(
    clinic: ClinicConfig | list[Problem], clinic_text: str | list[Problem], path: Path
) -> list[str]:
    # With a broken clinic.yaml, still check the FAQ against the languages it
    # declares, so that one run reports the problems of both files.
    if not isinstance(clinic, list):
        return list(clinic.clinic.languages)
    doc = None if isinstance(clinic_text, list) else parse_yaml(clinic_text, str(path))
    return declared_languages(None if doc is None or isinstance(doc, list) else doc.data)
