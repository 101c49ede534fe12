"""Ordinary words of French and English: what a typo-tolerant matcher must leave alone.

A patient who writes "demain matin" means the morning, not Dr Martin; "crise"
is a crisis, not a "prise de sang"; "register" is not a misspelt "désister".
Fuzzy matching (typos, abbreviations) is only fair on a token that is *not* a
word of the language already: exact and accent-folded matches come first, and
a real word is never "mended" into another one.

The word lists are pyspellchecker's frequency dictionaries (built from
OpenSubtitles and Wiktionary, shipped inside the package: no download). A word
counts as ordinary when it is common enough in either language; rarer entries
of those lists are mostly names and misspellings, which must stay matchable.
"""

from __future__ import annotations

from functools import lru_cache

from common.text import fold

#: The clinic languages whose words are known.
LANGUAGES = ("fr", "en")
#: How often a word must occur in pyspellchecker's counts to be ordinary: about the 40,000
#: commonest words of each language. Below it, lists are mostly names ("Benali", "Durand").
MIN_COUNT = 500


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """Every ordinary word of the clinic languages, folded (loaded once, ~0.5 s)."""
    from spellchecker import SpellChecker  # loaded on first use (warm it up at start)

    words: set[str] = set()
    for language in LANGUAGES:
        counts = SpellChecker(language=language, distance=1).word_frequency.dictionary
        words.update(fold(word) for word, count in counts.items() if count >= MIN_COUNT)
    return frozenset(word for word in words if word.isalpha())


def is_ordinary(word: str) -> bool:
    """Whether ``word`` (already folded) is a common word of French or English."""
    return word in ordinary_words()
