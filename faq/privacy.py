"""Mask personal data in a patient's message before it leaves the process (to the LLM).

Replaced, in this order, by a placeholder in brackets:

* e-mail addresses → ``[email]``;
* French social security numbers (NIR, 13 digits plus the 2-digit key, spaced or
  not) → ``[social-security-number]``;
* phone numbers: French (``06 12 34 56 78``, ``06.12.34.56.78``, ``+33 6…``,
  ``0033 (0)6…``) and international (``+44 20 7946 0958``, ``+1 (415) 555-0100``)
  → ``[phone]``;
* dates: numeric (``12/03/1985``, ``12-03-85``, ``1985-03-12``, ``12.03``), with a
  month name (``12 mars 1985``, ``March 12, 1985``, ``1er janvier``), and a year of
  birth (``né en 1985``, ``born in 1985``) → ``[date]``;
* a street address (``5 rue des Acacias``, ``12 Baker Street``) → ``[address]``;
* any other run of 6 or more digits (a file or card number) → ``[number]``;
* names where the message introduces one ("je m'appelle Marie Dupont", "my name is
  John", "Mme Durand", "pour mon fils Lucas", a signature after "Cordialement")
  → ``[name]``. Names given in ``keep`` (the clinic's practitioners) stay.

Known gap: a bare name with no cue ("Dupont, rdv mardi") is not recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SEP = r"[ .\-]?"
_NIR = re.compile(
    rf"\b[12]{_SEP}\d{{2}}{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}(?:\d{{2}}|2[AB]){_SEP}"
    rf"\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d{{2}})?\b",
    re.IGNORECASE,
)
_PHONE_FR = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[ .\-]?(?:\(0\)[ .\-]?)?|0)[1-9](?:[ .\-]?\d{2}){4}(?!\d)"
)
_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}"
    r"(?:[ .\-]?\d{2,4}){1,4}(?!\d)"
)
_PHONE_US = re.compile(r"(?<!\w)\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}(?!\d)")

_MONTHS = (
    r"(?:janvier|janv|f[ée]vrier|f[ée]vr?|mars|avril|avr|mai|juin|juillet|juil|ao[uû]t|"
    r"septembre|sept|octobre|oct|novembre|nov|d[ée]cembre|d[ée]c|january|jan|february|feb|"
    r"march|mar|april|apr|may|june|jun|july|jul|august|aug|september|sep|october|"
    r"november|december|dec)\.?"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.\-])(?:\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}|\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?)"
    r"(?![\d/\-]|\.\d)"
)
_WORDY_DATE = re.compile(
    rf"\b(?:(?:le |the )?\d{{1,2}}(?:er|re|e|st|nd|rd|th)? (?:of )?{_MONTHS}(?:,? \d{{4}})?|"
    rf"{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|{_MONTHS} \d{{4}})\b",
    re.IGNORECASE,
)
_BIRTH_YEAR = re.compile(
    r"(?P<cue>\b(?:n[ée]e?s? (?:en|le)|born (?:in|on)|ann[ée]e de naissance|year of birth)"
    r"\s*:?\s*)\d{4}\b",
    re.IGNORECASE,
)
_STREET = re.compile(
    r"\b\d{1,4}(?: ?(?:bis|ter))?,? (?:rue|avenue|av\.?|boulevard|bd|chemin|place|all[ée]e|"
    r"impasse|route|quai|cours|square|street|st\.?|road|rd\.?|lane|drive|way)"
    r"(?: [\w'’\-]+){1,4}",
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"(?<!\w)\d(?:[ .\-]?\d){5,}(?!\w)")

_NAME = r"(?:[A-ZÀ-ÖØ-Þ][\w'’\-]+)"
_ANY_NAME = r"(?:[^\W\d_][\w'’\-]+)"
#: Cues after which the next one or two words are a name, capitalised or not.
_STRONG_CUES = re.compile(
    rf"(?P<cue>(?i:\b(?:je m['’ ]?appelle|mon nom est|mon nom c['’ ]?est|moi c['’ ]?est|"
    rf"my name is|my name['’]s|de la part de|on behalf of)[ ,:]+))"
    rf"(?P<name>{_ANY_NAME}(?: {_ANY_NAME})?)",
)
#: Cues after which capitalised words are a name: titles, relatives, introductions.
_WEAK_CUES = re.compile(
    rf"(?P<cue>(?i:\b(?:je suis|i am|i['’]m|this is|patiente?|"
    rf"mon (?:fils|mari|fr[èe]re|p[èe]re|enfant|b[ée]b[ée]|conjoint|compagnon)|"
    rf"ma (?:fille|femme|s[œo]eur|m[èe]re|conjointe|compagne)|"
    rf"my (?:son|daughter|husband|wife|child|baby|mother|father|partner)|"
    rf"madame|monsieur|mademoiselle|mme|mlle|mrs|miss|mr|ms)\b\.?[ ,:]+|\bM\.[ ]?))"
    rf"(?P<name>{_NAME}(?: {_NAME}){{0,2}})",
)
_SIGNATURE = re.compile(
    rf"(?P<cue>(?i:\b(?:cordialement|bien à vous|merci|regards|thanks|thank you|best|cheers)"
    rf"[ ,.!\-]+))(?P<name>{_NAME}(?: {_NAME}){{0,2}})\s*$",
)
#: Words after a cue that are no name ("je suis enceinte", "my son is", "Mme Dr").
# fmt: off
_NOT_NAMES = frozenset({
    "je", "j", "il", "elle", "on", "nous", "vous", "ils", "elles", "le", "la", "les", "un",
    "une", "des", "mon", "ma", "mes", "ce", "cette", "i", "a", "an", "the", "my", "it", "is",
    "we", "you", "he", "she", "they", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
    "samedi", "dimanche", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "demain", "tomorrow", "aujourd", "hui", "today", "dr", "docteur", "doctor",
    "rdv", "rendez", "bonjour", "hello", "merci", "thanks", "oui", "non", "yes", "no", "ok",
    "en", "au", "de", "du", "pas", "not", "has", "have", "had", "was", "will", "can", "est",
    "été", "ne", "n", "and", "et", "qui", "who", "pregnant", "enceinte", "sick", "malade",
    "late", "ill",
})
# fmt: on


def _date_or_text(match: re.Match[str]) -> str:
    """``[date]`` for a numeric date, the text as it was for "43.38" or "150/95"."""
    parts = [int(p) for p in re.split(r"[/.\-]", match.group(0))]
    if len(parts) == 3 and parts[0] > 31:  # 1985-03-12
        parts = [parts[2], parts[1]]
    day, month = parts[0], parts[1]
    if (1 <= day <= 31 and 1 <= month <= 12) or (1 <= month <= 31 and 1 <= day <= 12):
        return "[date]"
    return match.group(0)


def mask_personal_data(text: str, keep: Iterable[str] = ()) -> str:
    """The text with e-mails, NIR, phones, dates, addresses, long numbers and names masked."""
    text = _EMAIL.sub("[email]", text)
    text = _NIR.sub("[social-security-number]", text)
    for pattern in (_PHONE_FR, _PHONE_INTL, _PHONE_US):
        text = pattern.sub("[phone]", text)
    text = _WORDY_DATE.sub("[date]", text)
    text = _NUMERIC_DATE.sub(_date_or_text, text)
    text = _BIRTH_YEAR.sub(r"\g<cue>[date]", text)
    text = _STREET.sub("[address]", text)
    text = _LONG_NUMBER.sub("[number]", text)
    return _mask_names(text, {word.casefold() for name in keep for word in name.split()})


def _mask_names(text: str, kept: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        words = match.group("name").split()
        # Stop at the first word that is no name: "je m'appelle Marie et…".
        names = []
        for word in words:
            if word.casefold() in _NOT_NAMES:
                break
            names.append(word)
        if not names or all(word.casefold() in kept for word in names):
            return match.group(0)
        rest = match.group("name")[len(" ".join(names)) :]
        return f"{match.group('cue')}[name]{rest}"

    for pattern in (_STRONG_CUES, _WEAK_CUES, _SIGNATURE):
        text = pattern.sub(replace, text)
    return text
