"""The clinic's FAQ (``faq.yaml``): questions patients ask and the clinic's own answers.

Like ``clinic.config`` the schema is strict, so a typo'd key is an error rather
than a silently missing answer. Cross-checks (unique ids, an answer in each of
the clinic's languages) are in ``faq.loader``, which also gives line numbers.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from clinic.config import Ident, Localized, Strict

#: A non-blank line of text; surrounding spaces are not part of it.
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class FaqEntry(Strict):
    """One question the clinic answers, however patients phrase it."""

    id: Ident
    # Phrasings in any language; retrieval matches a patient's message against them.
    questions: list[Line] = Field(min_length=1)
    # No plain-string shortcut as in clinic.yaml: an answer must be written in
    # each language, never shown in French to a patient who asked in English.
    answer: Localized
    tags: list[Line] = Field(default_factory=list)


class FaqFile(Strict):
    """A whole ``faq.yaml``."""

    entries: list[FaqEntry]

    def entry(self, entry_id: str) -> FaqEntry:
        """The entry with this id (``KeyError`` if there is none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)
