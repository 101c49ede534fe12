"""Add a patient's wording to an entry of ``faq.yaml`` in one step, keeping the file as staff
wrote it (comments, order, quoting) — ruamel.yaml's round-trip mode.

The new file is checked exactly as ``carebot check-config`` would before it replaces
the old one (written to a temporary file, then renamed), so a running bot that
reloads it never sees a broken FAQ.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ruamel.yaml import YAML

from faq.loader import load_faq

#: A phrasing is a question, not a story.
MAX_PHRASING = 300


class FaqEditError(ValueError):
    """The wording cannot be added (unknown entry, already there, or the file would break)."""


def add_phrasing(path: Path, entry_id: str, phrasing: str, languages: Sequence[str]) -> None:
    """Append ``phrasing`` to the questions of entry ``entry_id`` in the FAQ file at ``path``."""
    phrasing = " ".join(phrasing.split())[:MAX_PHRASING]
    if not phrasing:
        raise FaqEditError("the wording is empty")
    yaml = YAML()  # round-trip: comments and layout survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    document = yaml.load(path.read_text(encoding="utf-8"))
    entry = _entry(document, entry_id, path)
    questions = entry.get("questions")
    if not isinstance(questions, list):
        raise FaqEditError(f"{path}: entry {entry_id!r} has no `questions` list")
    if any(_same(phrasing, q) for q in questions if isinstance(q, str)):
        raise FaqEditError(f"{path}: entry {entry_id!r} already has this wording")
    questions.append(phrasing)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    text = buffer.getvalue()
    checked = load_faq(text, str(path), languages)
    if isinstance(checked, list):
        problems = "; ".join(str(p) for p in checked)
        raise FaqEditError(f"{path}: adding it would break the file: {problems}")
    _replace(path, text)


def _entry(document: object, entry_id: str, path: Path) -> dict[str, object]:
    entries = document.get("entries") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("id") == entry_id:
            return entry
    raise FaqEditError(f"{path}: no entry with id {entry_id!r}")


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()).rstrip(" ?!.") == " ".join(b.casefold().split()).rstrip(
        " ?!."
    )


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
