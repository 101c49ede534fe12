"""Load ``faq.yaml`` and report every mistake as ``file:line: field: what — how to fix``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from clinic.loader import (
    ConfigError,
    Problem,
    YamlDocument,
    duplicate_ids,
    merge_problems,
    missing_translations,
    parse_yaml,
    read_config_text,
    validate,
)
from faq.model import FaqFile


def load_faq(text: str, filename: str, languages: Sequence[str]) -> FaqFile | list[Problem]:
    """Parse and check a ``faq.yaml`` for a clinic speaking ``languages``."""
    doc = parse_yaml(text, filename)
    if isinstance(doc, list):
        return doc
    faq, problems = validate(doc, FaqFile, "examples/faq.yaml")
    problems = merge_problems(problems, faq_cross_checks(doc, languages))
    if problems or faq is None:
        return problems
    return faq


def load_faq_file(path: Path, languages: Sequence[str]) -> FaqFile:
    """Read and check a ``faq.yaml``; raise ``ConfigError`` listing every problem."""
    text = read_config_text(path)
    faq = text if isinstance(text, list) else load_faq(text, str(path), languages)
    if isinstance(faq, list):
        raise ConfigError(faq)
    return faq


def faq_cross_checks(doc: YamlDocument, languages: Sequence[str]) -> list[Problem]:
    """Checks the schema cannot express: unique ids and questions, every language answered."""
    answers = [(*path, "answer") for path, _ in doc.items("entries")]
    return [
        *duplicate_ids(doc, "entries", "entry"),
        *missing_translations(doc, answers, languages),
        *_repeated_questions(doc),
    ]


def _normalized(question: str) -> str:
    # "Où se garer ?" and "où se garer?" are the same question to a patient.
    return re.sub(r"[\s?!.¿¡]+", " ", question.casefold()).strip()


def _repeated_questions(doc: YamlDocument) -> Iterator[Problem]:
    # The same phrasing under two entries makes the matching answer a coin toss.
    first: dict[str, int] = {}
    for path, entry in doc.items("entries"):
        questions = entry.get("questions")
        for index, question in enumerate(questions if isinstance(questions, list) else []):
            key = _normalized(question) if isinstance(question, str) else ""
            where = (*path, "questions", index)
            if key and key in first:
                hint = f"it is already asked on line {first[key]}; keep it in one entry only"
                yield doc.problem(where, f"question {question.strip()!r} is listed twice", hint)
            elif key:
                first[key] = doc.line_of(where)
