"""Text as every matcher compares it: casefolded, accent-free, punctuation as spaces."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "’": "'", "‘": "'", "ʼ": "'"})


def fold(text: str) -> str:
    """Casefold and strip accents (ligatures and typographic apostrophes too), keeping every
    other character."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1024)
def normalize(text: str) -> str:
    """Casefold, strip accents, turn punctuation and emoji into spaces, collapse spaces."""
    kept = "".join(char if char.isalnum() else " " for char in fold(text))
    return " ".join(kept.split())
