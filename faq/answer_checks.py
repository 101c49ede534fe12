"""What an LLM answer must pass before a patient reads it: grounded quantities, no medical advice.

**Grounding.** Every quantity in the answer must be in the texts of the entries it
cites (their answers in every language; for clinic facts, the rendered text),
*with its unit*. A quantity is read as one or more *readings*; the answer's
quantity is grounded when one of its readings is a reading of a quantity in the
cited texts:

* money — currency and amount: ``30 €`` = ``30,00 €`` = ``€30.00`` = ``30 euros`` =
  ``EUR 30``; ``$30`` is another currency, and ``30 minutes`` is no money at all;
* a duration — its length: ``min``/``minutes``, ``h``/``heures``/``hours``,
  ``j``/``jours``/``days``, ``semaines``/``weeks`` compare in minutes (``1 h`` =
  ``60 minutes``, ``3 jours`` = ``3 days`` = ``72 heures``); ``mois``/``months`` and
  ``ans``/``years`` in months;
* a time of day — minutes after midnight: ``9h`` = ``9h00`` = ``9:00`` = ``09:00`` =
  ``9 am``; ``21h`` = ``9 pm``; ``noon``/``à midi`` = ``12h``. A number written with
  ``h`` or ``heures``/``hours`` and no colon or am/pm ("12h", "12 heures") reads both
  as a time and as a duration, as French uses it for both;
* a percentage, a date (day and month, and the year when the answer gives one:
  ``24/12/2026`` = ``24 décembre 2026`` = ``December 24, 2026``; numeric dates are
  day/month, month/day only when day/month is impossible), a phone number (its
  digits without the country code or the trunk 0: ``04 78 60 12 34`` =
  ``+33 4 78 60 12 34`` = ``04.78.60.12.34``), and "round the clock" (``24h/24``,
  ``24/7``, ``7j/7``);
* a **bare number** (no unit: "20 places", "ligne 5", "116 117") is grounded when the
  cited texts write that number anywhere — bare or with any unit (a "30" matches
  "30,00 €"), except inside a phone number, whose digits are no number of their own.

Single digits count like any other number. Spelled-out numbers ("trois jours",
"twenty minutes", "une heure", "une demi-heure") count when a unit follows them,
so "trois jours" needs "3 jours" (or "trois jours", "3 days"…) in the cited texts;
alone they are ignored in the answer, because "un"/"one" are mostly articles. In
the cited texts, spelled-out numbers from two upwards ("Deux places sont
réservées") also ground a bare number, so the model may write "2 places".

**Medical advice.** The answer is read sentence by sentence with the medical
rules for questions (:func:`faq.medical.is_medical_question`) plus rules only an
answer needs: a dose ("500 mg", "2 comprimés"), telling to take a medicine
("prenez un comprimé", "take 2 tablets"), a posology ("3 fois par jour", "every 6
hours"), and reassurance ("rien de grave", "c'est normal", "pas d'inquiétude",
"nothing to worry about", "you don't need to see a doctor"). A sentence copied
from a cited entry is the staff's own words and passes: the staff's answer is
sent verbatim by retrieval anyway.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from common.text import fold
from faq.medical import is_medical_question

Reading = tuple[object, ...]

MINUTES_PER = {"min": 1, "h": 60, "day": 1440, "week": 10080}
MONTHS_PER = {"month": 1, "year": 12}


@dataclass(frozen=True)
class Quantity:
    """A number in a text, as written, with what it may mean."""

    text: str
    #: What it means, e.g. ("money", "EUR", Decimal("30")); empty for a bare number.
    readings: frozenset[Reading]
    #: The numbers written in it, which ground a bare number elsewhere.
    numerals: frozenset[Decimal]

    @property
    def bare(self) -> bool:
        """Whether it is a number without a unit."""
        return not self.readings


# ---------------------------------------------------------------------------
# Numbers, in digits and in words
# ---------------------------------------------------------------------------

_UNITS_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4,
    "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
    "neuf": 9, "nine": 9,
}  # fmt: skip
_TEENS_WORDS = {
    "dix": 10, "ten": 10, "onze": 11, "eleven": 11, "douze": 12, "twelve": 12, "treize": 13,
    "thirteen": 13, "quatorze": 14, "fourteen": 14, "quinze": 15, "fifteen": 15, "seize": 16,
    "sixteen": 16, "dix-sept": 17, "dix sept": 17, "seventeen": 17, "dix-huit": 18,
    "dix huit": 18, "eighteen": 18, "dix-neuf": 19, "dix neuf": 19, "nineteen": 19,
}  # fmt: skip
_TENS_WORDS = {
    "vingt": 20, "twenty": 20, "trente": 30, "thirty": 30, "quarante": 40, "forty": 40,
    "cinquante": 50, "fifty": 50, "soixante": 60, "sixty": 60, "soixante-dix": 70,
    "seventy": 70, "quatre-vingt": 80, "quatre-vingts": 80, "eighty": 80,
    "quatre-vingt-dix": 90, "ninety": 90,
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_TENS_ALTERNATION = _alternation(_TENS_WORDS).replace("\\-", "[- ]")
_WORD_NUMBER = (
    rf"(?:(?:{_TENS_ALTERNATION})(?:[- ](?:et[- ])?"
    rf"(?:{_alternation(_TEENS_WORDS)}|{_alternation(_UNITS_WORDS)}))?"
    rf"|{_alternation(_TEENS_WORDS)}|{_alternation(_UNITS_WORDS)})"
)
#: A number in digits: "30", "43,38", "1.5".
_NUM = r"\d+(?:[.,]\d+)?"
#: An amount of money may group thousands with spaces: "1 000,50".
_MONEY_NUM = r"\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
#: Not inside a longer number or word.
_START = r"(?<![\w.,])"
#: Not followed by a letter or digit.
_END = r"(?![^\W_])"


def _number(written: str) -> Decimal | None:
    """The value of a number written in digits or words, or None."""
    text = fold(written).strip()
    if text[:1].isdigit():
        return _digits_value(text)
    words = [w for w in re.split(r"[- ]+", text) if w != "et"]  # "vingt et un"
    simple = {**_UNITS_WORDS, **_TEENS_WORDS}
    for split in range(len(words), 0, -1):  # the longest tens first: "quatre-vingt-dix"
        tens = _TENS_WORDS.get("-".join(words[:split]))
        rest = "-".join(words[split:])
        if tens is not None and (not rest or rest in simple):
            return Decimal(tens + simple.get(rest, 0))
    return Decimal(simple["-".join(words)]) if "-".join(words) in simple else None


def _digits_value(text: str) -> Decimal | None:
    compact = text.replace(" ", "")
    # "1.000" or "1,000" groups thousands; "43,38" and "1.5" are decimals.
    if re.fullmatch(r"\d{1,3}[.,]\d{3}", compact):
        compact = re.sub(r"[.,]", "", compact)
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None


# ---------------------------------------------------------------------------
# Reading a text's quantities
# ---------------------------------------------------------------------------

_MONTH_NAMES = {
    "janvier": 1, "janv": 1, "january": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2,
    "february": 2, "feb": 2, "mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4,
    "april": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "june": 6, "jun": 6, "juillet": 7,
    "juil": 7, "july": 7, "jul": 7, "aout": 8, "august": 8, "aug": 8, "septembre": 9,
    "sept": 9, "september": 9, "sep": 9, "octobre": 10, "october": 10, "oct": 10,
    "novembre": 11, "november": 11, "nov": 11, "decembre": 12, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = rf"(?:{_alternation(_MONTH_NAMES)})"
_CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
    "dollar": "USD", "dollars": "USD", "£": "GBP", "gbp": "GBP",
}  # fmt: skip
_DURATION_UNITS = {
    "min": "min", "mins": "min", "mn": "min", "minute": "min", "minutes": "min",
    "j": "day", "jour": "day", "jours": "day", "day": "day", "days": "day",
    "semaine": "week", "semaines": "week", "week": "week", "weeks": "week", "wk": "week",
    "wks": "week", "mois": "month", "month": "month", "months": "month", "an": "year",
    "ans": "year", "annee": "year", "annees": "year", "year": "year", "years": "year",
    "yr": "year", "yrs": "year",
}  # fmt: skip
_HALF_HOURS = {
    "demi-heure": 30, "demi heure": 30, "half an hour": 30, "half-hour": 30, "half hour": 30,
    "quart d'heure": 15, "quart d’heure": 15, "quarter of an hour": 15, "quarter-hour": 15,
    "quarter hour": 15,
}  # fmt: skip

_ROUND_THE_CLOCK = re.compile(r"(?<!\d)(?:24 ?h? ?/ ?24|24 ?/ ?7|7 ?j? ?/ ?7)(?!\d)")
_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ .\-]?(?:\(0\)[ .\-]?|\(\d{1,4}\)[ .\-]?)?"
    r"\d{1,4}(?:[ .\-]?\d{1,4}){1,6}(?!\d)"
)
_PHONE_NATIONAL = re.compile(r"(?<![\w+])0[1-9](?:[ .\-]?\d{2}){4}(?!\d)")
_PHONE_US = re.compile(r"(?<!\w)\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}(?!\d)")
_DATE_ISO = re.compile(r"(?<![\d/.\-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d/\-])")
_DATE_SLASH = re.compile(
    r"(?<![\d/.\-:])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])"
)
_DATE_DOTTED = re.compile(
    r"(?<![\d/.\-:])(?P<a>\d{1,2})[.\-](?P<b>\d{1,2})[.\-](?P<y>\d{4}|\d{2})(?!\d|[.\-]\d)"
)
_DATE_DAY_MONTH = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})(?:er|re|e|st|nd|rd|th)? (?:of )?(?P<m>{_MONTH})\.?"
    rf"(?:,? (?P<y>\d{{4}}))?{_END}",
    re.IGNORECASE,
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![^\W\d_])(?P<m>{_MONTH})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?"
    r"(?![\d:h])",  # "mar 14h" is Tuesday at 2 pm, not March 14
    re.IGNORECASE,
)
_MONEY_AFTER = re.compile(
    rf"{_START}(?P<n>{_MONEY_NUM}|{_WORD_NUMBER}) ?(?P<c>€|\$|£|eur|euros?|usd|dollars?|gbp)"
    rf"{_END}",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(
    rf"(?<![^\W\d_])(?P<c>€|\$|£|eur|usd|gbp) ?(?P<n>{_MONEY_NUM})(?!\d)", re.IGNORECASE
)
_PERCENT = re.compile(
    rf"{_START}(?P<n>{_NUM}|{_WORD_NUMBER}) ?(?:%|pour ?cent{_END}|per ?cent{_END})",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"(?<![\d:.,])(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?!\d)(?: ?(?P<ap>[ap])\.?m\.?(?![^\W\d_]))?",
    re.IGNORECASE,
)
_AM_PM = re.compile(
    r"(?<![\d:.,])(?P<h>\d{1,2})(?:\.(?P<m>[0-5]\d))? ?(?P<ap>[ap])\.?m\.?(?![^\W\d_])",
    re.IGNORECASE,
)
_NAMED_TIME = re.compile(
    r"(?<![^\W\d_])(?P<w>noon|midday|midnight|minuit|(?<=a )midi)(?![^\W\d_])",  # "à midi"
    re.IGNORECASE,
)
_HOURS_WORD = re.compile(
    rf"{_START}(?P<n>{_NUM}|{_WORD_NUMBER}) ?(?:heures?|hours?|hrs?)(?: (?P<m>[0-5]\d)(?!\d))?"
    rf"{_END}",
    re.IGNORECASE,
)
_HOURS_H = re.compile(
    r"(?<![\w:.,])(?P<n>\d{1,2}) ?h(?: ?(?P<m>[0-5]\d))?(?: ?min)?(?![^\W_])", re.IGNORECASE
)
_HALF_HOUR = re.compile(
    rf"(?<![^\W\d_])(?:une |a )?(?P<w>{_alternation(_HALF_HOURS)}){_END}", re.IGNORECASE
)
_DURATION = re.compile(
    rf"{_START}(?P<n>{_NUM}|{_WORD_NUMBER}) ?(?P<u>{_alternation(_DURATION_UNITS)})"
    r"(?![^\W_'’])",
    re.IGNORECASE,
)
_BARE = re.compile(rf"{_START}\d+(?:[.,]\d+)?")
_WORD_NUMBER_ALONE = re.compile(rf"(?<![^\W\d_]){_WORD_NUMBER}(?![^\W\d_])", re.IGNORECASE)


def _phone_readings(written: str) -> set[Reading]:
    """The national significant numbers a phone may be: digits without country code or 0."""
    digits = re.sub(r"\D", "", written.replace("(0)", ""))
    if written.lstrip().startswith(("+", "00")):
        digits = digits[2:] if written.lstrip().startswith("00") else digits
        candidates = [digits[k:] for k in (1, 2, 3)]  # country codes have 1 to 3 digits
    else:
        candidates = [digits]
    return {("phone", c.lstrip("0")) for c in candidates if len(c.lstrip("0")) >= 6}


def _date(day: int, month: int, year: int | None) -> set[Reading] | None:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    if year is not None and year < 100:
        year += 2000
    return {("date", month, day)} if year is None else {("date", month, day, year)}


def _numeric_date(match: re.Match[str]) -> set[Reading] | None:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if "d" in groups:
        return _date(int(groups["d"]), int(groups["m"]), year)
    first, second = int(groups["a"]), int(groups["b"])
    # The clinic's texts write day/month; month/day only when day/month cannot be.
    return _date(first, second, year) or _date(second, first, year)


def _wordy_date(match: re.Match[str]) -> set[Reading] | None:
    month = _MONTH_NAMES[match.group("m")]
    year = int(match.group("y")) if match.group("y") else None
    return _date(int(match.group("d")), month, year)


def _clock_time(hour: int, minute: int, am_pm: str | None) -> set[Reading] | None:
    if am_pm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if am_pm.lower() == "p" else 0)
    if hour > 24:
        return None
    return {("time", (hour * 60 + minute) % 1440)}  # 24:00 is midnight


def _hours(value: Decimal, minutes: int) -> set[Reading]:
    """ "12h", "12 heures": a time of day or a number of hours (French writes both so)."""
    length = value * 60 + minutes
    readings: set[Reading] = {("duration", length)}
    if value == value.to_integral_value() and value <= 24:
        readings.add(("time", int(length) % 1440))
    return readings


def _duration(value: Decimal, unit: str) -> set[Reading]:
    if unit in MONTHS_PER:
        return {("months", value * MONTHS_PER[unit])}
    return {("duration", value * MINUTES_PER[unit])}


_Reader = Callable[[re.Match[str]], "set[Reading] | None"]


def _valued(match: re.Match[str], build: Callable[[Decimal], set[Reading]]) -> set[Reading] | None:
    """The readings of a quantity whose number is the match's group ``n``."""
    value = _number(match.group("n"))
    return None if value is None else build(value)


_READERS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (_ROUND_THE_CLOCK, lambda m: {("round_the_clock",)}),
    (_PHONE_INTL, lambda m: _phone_readings(m.group(0)) or None),
    (_PHONE_NATIONAL, lambda m: _phone_readings(m.group(0)) or None),
    (_PHONE_US, lambda m: _phone_readings(m.group(0)) or None),
    (_DATE_ISO, _numeric_date),
    (_DATE_SLASH, _numeric_date),
    (_DATE_DOTTED, _numeric_date),
    (_DATE_DAY_MONTH, _wordy_date),
    (_DATE_MONTH_DAY, _wordy_date),
    (_MONEY_AFTER, lambda m: _valued(m, lambda v: {("money", _CURRENCIES[m["c"]], v)})),
    (_MONEY_BEFORE, lambda m: _valued(m, lambda v: {("money", _CURRENCIES[m["c"]], v)})),
    (_PERCENT, lambda m: _valued(m, lambda v: {("percent", v)})),
    (_CLOCK, lambda m: _clock_time(int(m["h"]), int(m["m"]), m["ap"])),
    (_AM_PM, lambda m: _clock_time(int(m["h"]), int(m["m"] or 0), m["ap"])),
    (_NAMED_TIME, lambda m: {("time", 720 if m["w"] in ("noon", "midday", "midi") else 0)}),
    (_HOURS_WORD, lambda m: _valued(m, lambda v: _hours(v, int(m["m"] or 0)))),
    (_HOURS_H, lambda m: _valued(m, lambda v: _hours(v, int(m["m"] or 0)))),
    (_HALF_HOUR, lambda m: {("duration", Decimal(_HALF_HOURS[m["w"]]))}),
    (_DURATION, lambda m: _valued(m, lambda v: _duration(v, _DURATION_UNITS[m["u"]]))),
)
#: What replaces a quantity once read, so that no later pattern reads it again.
_READ = " ¦ "


def quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``: with a unit (money, time, phone…) or bare."""
    rest = _prepare(text)
    found: list[Quantity] = []
    for pattern, reader in _READERS:

        def read(match: re.Match[str], reader: _Reader = reader) -> str:
            readings = reader(match)
            if not readings:
                return match.group(0)  # not what it looked like ("31/31"): left for later
            found.append(Quantity(match.group(0), frozenset(readings), _numerals(match)))
            return _READ

        rest = pattern.sub(read, rest)
    for match in _BARE.finditer(rest):
        value = _digits_value(match.group(0))
        if value is not None:
            found.append(Quantity(match.group(0), frozenset(), frozenset({value})))
    return found


def _prepare(text: str) -> str:
    # Folding turns the no-break spaces Babel puts in "30,00 €" into plain ones, and
    # "Décembre" into "decembre", as the patterns spell them.
    return re.sub(r"[^\S\n]+", " ", fold(unicodedata.normalize("NFKC", text)))


def _numerals(match: re.Match[str]) -> frozenset[Decimal]:
    """The numbers written in a quantity; none for a phone number or "une demi-heure"."""
    written = match.group(0)
    if match.re in (_PHONE_INTL, _PHONE_NATIONAL, _PHONE_US, _HALF_HOUR):
        return frozenset()
    if match.re in (_MONEY_AFTER, _MONEY_BEFORE):  # "1 000 €" is one number
        amount = _number(match.group("n"))
        return frozenset({amount} if amount is not None else ())
    values = {_digits_value(n) for n in re.findall(r"\d+(?:[.,]\d+)?", written)}
    words = {_number(w.group(0)) for w in _WORD_NUMBER_ALONE.finditer(written)}
    return frozenset(v for v in values | words if v is not None)


def ungrounded_quantities(answer: str, sources: Iterable[str]) -> list[str]:
    """The quantities of ``answer`` no source text holds with that meaning (none: grounded)."""
    readings: set[Reading] = set()
    numerals: set[Decimal] = set()
    for source in sources:
        for quantity in quantities(source):
            readings |= quantity.readings
            numerals |= quantity.numerals
        numerals |= _spelled_numbers(source)
    return [
        quantity.text
        for quantity in quantities(answer)
        if not (quantity.numerals <= numerals if quantity.bare else quantity.readings & readings)
    ]


def _spelled_numbers(text: str) -> set[Decimal]:
    """Numbers from two upwards in words ("Deux places"); "un"/"one" is mostly an article."""
    values = {_number(m.group(0)) for m in _WORD_NUMBER_ALONE.finditer(text)}
    return {v for v in values if v is not None and v >= 2}


# ---------------------------------------------------------------------------
# Medical advice in an answer
# ---------------------------------------------------------------------------

_DOSE_UNITS = (
    r"mg|milligrammes?|milligrams?|mcg|microgrammes?|micrograms?|g|grammes?|grams?|ml|"
    r"millilitres?|milliliters?|ui|iu|gouttes?|drops?|comprimes?|cachets?|gelules?|"
    r"capsules?|tablets?|pills?|sachets?|pulverisations?|puffs?|bouffees?|doses?"
)
_FORMS = r"comprimes?|cachets?|gelules?|capsules?|tablets?|pills?|sachets?|suppositoires?"
_DRUGS = (
    rf"{_FORMS}|medicaments?|medicines?|medications?|paracetamol|ibuprofene?|doliprane|"
    r"dafalgan|efferalgan|advil|aspirine?|antibiotiques?|antibiotics?|sirop|syrup|cortisone|"
    r"antihistaminiques?|antihistamines?|pommade|cream|creme"
)
_DOSE = re.compile(
    rf"\b(?:\d+(?: \d+)? ?(?:{_DOSE_UNITS})|(?:un|une|deux|trois|one|two|three|a|an|half a|"
    rf"un demi|une demi) (?:{_FORMS}))\b"
)
_TAKE = re.compile(
    r"\b(?:prenez|prendre|prends|take|taking|donnez|donner|give|appliquez|appliquer|apply|"
    rf"avalez|swallow|use|utilisez)\b(?: \w+){{0,3}} (?:{_DRUGS})\b"
)
_POSOLOGY = re.compile(
    r"\b(?:(?:\d+|une|deux|trois|quatre) fois par (?:jour|semaine)|"
    r"(?:once|twice|\d+ times|three times|four times) (?:a|per) day|(?:once|twice) daily|"
    r"toutes les \d+ (?:heures|h)|every \d+ (?:hours|h))\b"
)
_REASSURANCE = re.compile(
    r"\b(?:rien de grave|(?:pas|rien de) (?:bien |si |tres )?grave|sans gravite|"
    r"rien d inquietant|pas inquietant|pas d inquietude|aucune inquietude|"
    r"ne vous inquietez pas|ne vous en faites pas|pas de panique|"
    r"(?:c|il|ce|cela|ca) (?:n )?est (?:pas |tout a fait |parfaitement |bien |assez |plutot )?"
    r"normale?s?|pas normale?s?|sont (?:tout a fait |parfaitement )?normales?|"
    r"(?:pas|aucun) besoin de (?:consulter|voir (?:un|le|votre) (?:medecin|docteur))|"
    r"inutile de (?:consulter|voir (?:un|le|votre) (?:medecin|docteur))|"
    r"pas la peine de (?:consulter|voir)|(?:ca|cela) (?:va|devrait) passer|(?:ca|cela) passera|"
    r"sans danger|benin|benigne?s?|"
    r"nothing (?:to worry about|to be worried about|serious|to be concerned about)|"
    r"no need to (?:worry|panic|be worried|be concerned)|(?:don t|do not) (?:worry|panic)|"
    r"not (?:serious|dangerous|worrying)|"
    r"(?:it|this|that) (?:s|is) (?:completely |perfectly |quite |totally |very |probably )?"
    r"normal|(?:is|are) (?:completely|perfectly|quite|totally) normal|"
    r"(?:don t|do not|won t|will not) need (?:to see|to consult|to call) "
    r"(?:a|the|your) (?:doctor|gp|physician)|no need (?:to see|for) (?:a|the|your) "
    r"(?:doctor|gp|physician)|(?:it|this|that) (?:will|should) (?:pass|go away|clear up|"
    r"get better)|harmless|benign|you (?:will|should) be fine|probably nothing)\b"
)


def gives_medical_advice(answer: str, sources: Iterable[str] = ()) -> bool:
    """Whether an answer gives medical advice or reassurance the staff's ``sources`` do not."""
    staff = [_words(source) for source in sources]
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", answer):
        words = _words(sentence)
        if not words or any(words in text for text in staff):
            continue
        if is_medical_question(sentence) or any(
            rule.search(words) for rule in (_DOSE, _TAKE, _POSOLOGY, _REASSURANCE)
        ):
            return True
    return False


def _words(text: str) -> str:
    """Folded words separated by single spaces ("C'est normal" → "c est normal")."""
    return " ".join("".join(c if c.isalnum() else " " for c in fold(text)).split())
