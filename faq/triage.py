"""Safety triage: emergency red flags in a patient's message, French and English, no LLM.

Runs before any flow, retrieval or LLM call, and depends on nothing that can be
down. It reads the whole message (up to Telegram's 4,096 characters) in three steps:

1. **Canonical text.** :func:`common.text.normalize` folds case, accents and
   punctuation; sentence and clause ends are kept as "." and ","; phone spellings
   are expanded ("jarrive pa" → "j arrive pas", "cant" → "can t"), glued words
   split ("heartattack"), typos of red-flag words mended ("poitrinne"), and
   look-alikes blanked out ("prise de sang", "mort de rire", "coup de soleil").
2. **Red flags.** The rules of :mod:`faq.redflags` — a catalogue by clinical
   category — are tried, each only when the message holds its anchor word.
3. **Context.** Each match is weighed against what surrounds it: a denial just
   before it ("pas de douleur thoracique", "no chest pain") drops it; so does a
   past event ("un AVC en 2019", "I fainted last week, all fine now"); something
   recent ("depuis 10 min", "right now") confirms it; yesterday, a hedge ("un
   peu", "sometimes") or a past mention beside a present symptom makes it
   *uncertain*: the patient gets the numbers and the conversation goes on.
   Suicidal wording is never made uncertain by a hedge.

An LLM may later *add* recall (flag what the rules miss); it may never remove a
flag: see :func:`llm_may_add_recall`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from clinic.config import ClinicConfig, EmergencyNumber
from common.text import normalize
from faq import redflags
from faq.redflags import Level, RedFlag

#: Telegram's limit: the whole message is read, a red flag at the end included.
MAX_CHARS = 4096


@dataclass(frozen=True)
class Emergency:
    """A red flag found in a message: what kind, the words that raised it, how sure.

    ``certain`` is False when the wording leaves room for doubt (it happened
    yesterday, it is mild or occasional, a past event sits beside a present
    symptom): the patient is given the numbers *and* the conversation goes on.
    """

    kind: str
    matched: str
    certain: bool = True


# ---------------------------------------------------------------------------
# 1. Canonical text
# ---------------------------------------------------------------------------

#: Sentence and clause ends; "38.5" and "38,5" are numbers, not two sentences.
_PUNCTUATION = re.compile(r"(?<![0-9])[.,:]|[.,:](?![0-9])|[!?;\n\r…]+")
_CLAUSE_MARKS = frozenset(",:")
_DIGITS_THEN_LETTERS = re.compile(r"(\d+)([a-z]+)")
_REPEATS = re.compile(r"(.)\1+")


def _typo_budget(word: str) -> int:
    # Short words have real neighbours ("mourir"/"courir"): six letters for one typo.
    return 0 if len(word) < 6 else 1 if len(word) < 11 else 2


def _by_initial_and_length() -> dict[tuple[str, int], tuple[str, ...]]:
    # Typos seldom hit the first letter, and it spares "courir" → "mourir"; a typo
    # changes the length by at most the budget, so only near lengths are compared.
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in sorted(redflags.VOCABULARY):
        buckets.setdefault((word[0], len(word)), []).append(word)
    return {key: tuple(words) for key, words in buckets.items()}


def _neighbour_keys() -> frozenset[tuple[str, str]]:
    """Letters a thumb slips between (QWERTY and AZERTY) or that sound alike."""
    pairs: set[tuple[str, str]] = set()
    for rows in (("qwertyuiop", "asdfghjkl", "zxcvbnm"), ("azertyuiop", "qsdfghjklm", "wxcvbn")):
        for row, below in zip(rows, (*rows[1:], ""), strict=True):
            for index, key in enumerate(row):
                near = row[index + 1 : index + 2] + below[max(index - 1, 0) : index + 1]
                pairs.update((key, other) for other in near)
    pairs.update((a, b) for a, b in ("cs", "sz", "ck", "kq", "cq", "iy", "mn"))  # sound alike
    return frozenset(pairs | {(b, a) for a, b in pairs})


_VOCABULARY_BUCKETS = _by_initial_and_length()
_KNOWN = redflags.KNOWN_WORDS | redflags.VOCABULARY
_SLIPS = _neighbour_keys()


def _looks_like_a_typo(word: str, target: str) -> bool:
    """Whether one edit from ``word`` to ``target`` is a slip of the thumb, not another word.

    A swapped pair of letters, a missing or extra vowel, a neighbouring key or a letter
    that sounds the same ("thorasique") is a typo; "facture" for "fracture" or
    "masque" for "manque" are real words and stay as they are.
    """
    if len(word) >= 11:
        return True  # long words have no near neighbours worth guarding
    if Levenshtein.distance(word, target) == 2:
        return True  # OSA distance 1, Levenshtein 2: two letters swapped
    (op,) = Levenshtein.editops(word, target)
    if op.tag == "replace":
        return (word[op.src_pos], target[op.dest_pos]) in _SLIPS
    letter = target[op.dest_pos] if op.tag == "insert" else word[op.src_pos]
    return letter in "aeiouy" or len(word) >= 8


def _mend(word: str) -> str:
    """The red-flag word ``word`` is a typo of, else ``word`` itself."""
    budget = _typo_budget(word)
    if not budget or word in _KNOWN or word in redflags.NOT_TYPOS:
        return word
    squeezed = _REPEATS.sub(r"\1", word)  # "respiiirer", "poitrinne"
    if squeezed in _KNOWN:
        return squeezed
    candidates = [
        candidate
        for length in range(len(word) - budget, len(word) + budget + 1)
        for candidate in _VOCABULARY_BUCKETS.get((word[0], length), ())
    ]
    found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=budget, limit=3)
    for target, _, _ in sorted(found, key=lambda hit: hit[1]):
        if _looks_like_a_typo(word, target):
            return str(target)
    return word


def _unglue(word: str) -> str | None:
    """``word`` split into a red-flag word and what it was glued to ("heartattack", "jetouffe")."""
    for prefix in redflags.GLUE_PREFIXES:
        rest = word[len(prefix) :]
        long_enough = len(rest) >= (4 if len(prefix) == 1 else 5)
        if word.startswith(prefix) and long_enough and rest in redflags.RED_WORDS:
            return f"{prefix} {redflags.SMS.get(rest, rest)}"
    for cut in range(4, len(word) - 3):
        left, right = word[:cut], word[cut:]
        if left in redflags.SMS and right in redflags.RED_WORDS:
            return f"{redflags.SMS[left]} {right}"  # "cantbreathe"
        if left in redflags.RED_WORDS and right in redflags.RED_WORDS:
            return f"{left} {right}"
    return None


@lru_cache(maxsize=16384)
def _canonical_word(word: str) -> str:
    """One normalized word in canonical spelling: SMS expanded, unglued, typo mended."""
    sms = redflags.SMS.get(word)
    if sms is not None:
        return sms
    if word in _KNOWN or word in redflags.NOT_TYPOS or len(word) < 4:
        return word
    number = _DIGITS_THEN_LETTERS.fullmatch(word)
    if number is not None:  # "10min", "38c", "2ans"
        return f"{number.group(1)} {number.group(2)}"
    mended = _mend(word)
    if mended == word and len(word) >= 7:
        return _unglue(word) or word
    return mended


def _canonical_piece(piece: str) -> str:
    words = normalize(piece).split()
    # A unit after a number stays as typed: "10 g" is ten grams, not "10 j'ai".
    return " ".join(
        word if index and words[index - 1].isdigit() and len(word) <= 3 else _canonical_word(word)
        for index, word in enumerate(words)
    )


def canonical(text: str) -> str:
    """The text triage reads: canonical words, "." between sentences, "," between clauses."""
    parts: list[str] = []
    start = 0
    for mark in _PUNCTUATION.finditer(text):
        parts.append(_canonical_piece(text[start : mark.start()]))
        parts.append("," if mark.group(0)[0] in _CLAUSE_MARKS else ".")
        start = mark.end()
    parts.append(_canonical_piece(text[start:]))
    joined = " ".join(part for part in parts if part)
    return _LOOK_ALIKES.sub("zz", joined)


_LOOK_ALIKES = redflags.compile_words("|".join(redflags.LOOK_ALIKES))

# ---------------------------------------------------------------------------
# 2. Red flags, tried only when their anchor word is in the message
# ---------------------------------------------------------------------------


def _index_rules() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    by_word: dict[str, list[int]] = {}
    by_prefix: dict[str, list[int]] = {}
    for index, flag in enumerate(redflags.RED_FLAGS):
        for word in flag.anchors:
            by_word.setdefault(word, []).append(index)
        for prefix in flag.prefixes:
            by_prefix.setdefault(prefix, []).append(index)
    return (
        {word: tuple(rules) for word, rules in by_word.items()},
        {prefix: tuple(rules) for prefix, rules in by_prefix.items()},
    )


_RULES_BY_WORD, _RULES_BY_PREFIX = _index_rules()
_PREFIXES = tuple(sorted(_RULES_BY_PREFIX))
_PREFIX_LENGTHS = tuple(sorted({len(prefix) for prefix in _PREFIXES}))


@lru_cache(maxsize=16384)
def _rules_for(word: str) -> tuple[int, ...]:
    """The rules a canonical word is an anchor of, as a whole word or as a prefix."""
    rules = list(_RULES_BY_WORD.get(word, ()))
    for length in _PREFIX_LENGTHS:
        rules.extend(_RULES_BY_PREFIX.get(word[:length], ()) if len(word) >= length else ())
    return tuple(rules)


#: How far from its anchor word a match may reach, in characters: the longest rule
#: spans a few dozen words. Longer messages are searched only this far around anchors.
_REACH = 160
#: How far around a match its context is read (time, chronic illness, co-occurring signs).
_CONTEXT = 400


def _candidate_rules(positions: dict[str, list[int]]) -> dict[int, list[int]]:
    """The rules whose anchor the message holds, by index in priority order, each with
    where its anchor words start."""
    found: dict[int, list[int]] = {}
    for word, starts in positions.items():
        for index in _rules_for(word):
            found.setdefault(index, []).extend(starts)
    return dict(sorted(found.items()))


def _windows(text: str, starts: list[int]) -> list[tuple[int, int]]:
    """Stretches of ``text`` around the anchor words, merged, cut between words."""
    if len(text) <= 2 * _REACH:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    for start in sorted(starts):
        left = max(0, start - _REACH)
        right = min(len(text), start + _REACH)
        if spans and left <= spans[-1][1]:
            spans[-1] = (spans[-1][0], right)
        else:
            spans.append((left, right))
    # Cut at spaces: a window must not end in the middle of a word.
    return [(text.rfind(" ", 0, left) + 1, _end_of_word(text, right)) for left, right in spans]


def _end_of_word(text: str, index: int) -> int:
    space = text.find(" ", index)
    return len(text) if space < 0 else space


# ---------------------------------------------------------------------------
# 3. Context
# ---------------------------------------------------------------------------


#: For each context pattern, the words one of which any match contains: a span holding
#: none of them is skipped without running the regex.
_GATES: dict[int, tuple[frozenset[str], tuple[str, ...]]] = {}


def _words(source: str) -> re.Pattern[str]:
    pattern = redflags.compile_words(source)
    with suppress(ValueError):  # no required word to gate on: always searched
        _GATES[id(pattern)] = redflags.anchors(source)
    return pattern


_RECENT = _words(redflags.RECENT)
_DURATION = _words(redflags.DURATION)
_RECENT_WEAK = _words(redflags.RECENT_WEAK)
_PAST = _words(redflags.PAST)
_YESTERDAY = _words(redflags.YESTERDAY)
_RECOVERED = _words(redflags.RECOVERED)
_CHRONIC = _words(redflags.CHRONIC)
_HEDGES = _words(redflags.HEDGES)
_EXERTION = _words(redflags.EXERTION)
_INTENSE = _words(redflags.INTENSE)
_PRESENT = _words(redflags.PRESENT_FRAME)
_HYPOTHETICAL = _words(redflags.HYPOTHETICAL)
_SERVICE = _words(redflags.SERVICE_FRAME)
_LAUGHTER = _words(redflags.LAUGHTER)
_CAUSE_QUESTION = _words(redflags.CAUSE_QUESTION)
_TALK_ABOUT = _words(redflags.TALK_ABOUT)
_OWN_CASE = _words(redflags.OWN_CASE)
_CHILD = _words(redflags.CHILD_REF)
_STRONG_PRESENT = _words(redflags.STRONG_PRESENT)
_PAST_TENSE_IN_CLAUSE = _words(redflags.PAST_TENSE_IN_CLAUSE)
_PAST_TENSE_BEFORE = re.compile(rf"(?:^| )(?:{redflags.PAST_TENSE})")
_POSSESSIVE_BEFORE = re.compile(rf"(?:^| ){redflags.POSSESSIVE}")
_HISTORY_BEFORE = re.compile(rf"(?:^| )(?:{redflags.HISTORY})(?: \w+){{0,3}}$")
_DENIED = re.compile(
    rf"(?:^| )(?:{redflags.NEGATORS})(?: (?:{redflags.NEGATION_FILLERS}))*"
    rf"(?: (?:\w+ ){{1,3}}(?:or|ou|ni|nor)(?: (?:{redflags.NEGATION_FILLERS}))*)?$"
)
_NOT_A_DENIAL_AFTER = re.compile(rf" (?:{redflags.NOT_A_DENIAL_AFTER})\b")
_BEREAVEMENT = _words(redflags.BEREAVEMENT)
#: Kinds told as an event ("he fell", "got stabbed", "a avalé"): the past tense is how
#: one reports what just happened, but a dated past ("last week") still makes it history.
_EVENTS = frozenset({"injury", "burn", "overdose", "poisoning"})
#: Kinds where any amount counts: "pregnant and spotting a bit", "swallowed a bit of bleach".
_NO_HEDGE = _EVENTS | {
    "suicide",
    "pregnancy_bleeding",
    "infant",
    "unconscious",
    "seizure",
    "meningitis",
}


class _Verdict(Enum):
    CERTAIN = "certain"
    UNSURE = "unsure"


@dataclass(frozen=True)
class _Time:
    recent: bool
    past: bool
    yesterday: bool
    recovered: bool
    #: Dated to the last minutes or hours ("since this morning"), not merely "still", "again".
    dated: bool = False


_Span = tuple[int, int]


class _Message:
    """A canonical message, the spans of its sentences and clauses, and what was looked up."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions: dict[str, list[int]] = {}
        start = 0
        for word in text.split(" "):
            self.positions.setdefault(word, []).append(start)
            start += len(word) + 1
        self._sentence_ends = [m.start() for m in re.finditer(r" \. ", text)]
        self._clause_ends = [m.start() for m in re.finditer(r" [.,] ", text)]
        self._seen: dict[tuple[int, _Span], bool] = {}
        self._undenied: dict[tuple[int, _Span], bool] = {}
        self._span_words: dict[_Span, frozenset[str]] = {}

    def has(self, pattern: re.Pattern[str], span: _Span) -> bool:
        """Whether ``pattern`` occurs within ``span`` (remembered: contexts are shared)."""
        key = (id(pattern), span)
        found = self._seen.get(key)
        if found is None:
            gate = _GATES.get(id(pattern))
            possible = gate is None or self._holds_one_of(gate, span)
            found = possible and pattern.search(self.text, *span) is not None
            self._seen[key] = found
        return found

    def _holds_one_of(self, gate: tuple[frozenset[str], tuple[str, ...]], span: _Span) -> bool:
        """Whether ``span`` holds one of the gate's words, or a word starting with its prefixes."""
        words = self._span_words.get(span)
        if words is None:
            words = self._span_words[span] = frozenset(self.text[slice(*span)].split())
        exact, prefixes = gate
        if not exact.isdisjoint(words):
            return True
        return bool(prefixes) and any(word.startswith(prefixes) for word in words)

    def _span(self, ends: Sequence[int], match: re.Match[str]) -> _Span:
        index = bisect_left(ends, match.start())
        left = ends[index - 1] + 3 if index else 0
        later = bisect_left(ends, match.end())
        return left, ends[later] if later < len(ends) else len(self.text)

    def clause(self, match: re.Match[str]) -> _Span:
        """Where the clause holding ``match`` starts and ends."""
        return self._span(self._clause_ends, match)

    def sentence(self, match: re.Match[str]) -> _Span:
        """Where the sentence holding ``match`` starts and ends."""
        return self._span(self._sentence_ends, match)

    def before(self, match: re.Match[str]) -> str:
        """The few words before ``match`` in its clause."""
        clause_start, _ = self.clause(match)
        return self.text[max(clause_start, match.start() - 90) : match.start()].rstrip()

    def denied(self, match: re.Match[str]) -> bool:
        """Whether a negation just before ``match`` denies it ("pas de", "no", "never had")."""
        if not _DENIED.search(self.before(match)):
            return False
        after = self.text[match.end() : match.end() + 40]
        return not _NOT_A_DENIAL_AFTER.match(after)

    def around(self, match: re.Match[str]) -> _Span:
        """The stretch of the message that bears on ``match``: a few sentences either side.

        In a long message, a date three paragraphs away says nothing about this symptom.
        """
        return max(0, match.start() - _CONTEXT), min(len(self.text), match.end() + _CONTEXT)

    def found_undenied(self, pattern: re.Pattern[str], span: _Span) -> bool:
        """Whether ``pattern`` occurs within ``span`` without being denied."""
        key = (id(pattern), span)
        found = self._undenied.get(key)
        if found is None:
            matches = pattern.finditer(self.text, *span)
            found = self._undenied[key] = any(not self.denied(m) for m in matches)
        return found

    def time(self, match: re.Match[str], *, widen: bool) -> _Time:
        """When what ``match`` describes happened, from its clause outwards.

        The clause decides first; the sentence, then the whole message, only when
        ``widen`` (a condition's name, suicidal wording) or when the clause is in a
        past tense — "I had a stroke in 2019, I can't move my arm" keeps the arm current.
        """
        clause, sentence, around = self.clause(match), self.sentence(match), self.around(match)
        scopes = [clause]
        if widen or self.has(_PAST_TENSE_IN_CLAUSE, clause):
            scopes += [sentence, around]
        recovered = self.has(_RECOVERED, sentence)
        for scope in scopes:
            past = self.has(_PAST, scope)
            yesterday = self.has(_YESTERDAY, scope)
            # "for ten minutes" is current unless it is about yesterday or long ago.
            lasting = self.has(_DURATION, scope) and not (past or yesterday)
            recent = lasting or self.has(_RECENT, scope)
            if recent or past or yesterday:
                over = past or yesterday
                recovered = recovered or (over and self.has(_RECOVERED, around))
                dated = recent and self._dated(scope)
                return _Time(recent, past, yesterday, recovered, dated)
        # A present-tense symptom and "…, started 20 min ago" later in the sentence.
        now = self.has(_RECENT, sentence) or self.has(_DURATION, sentence)
        return _Time(now and not self.has(_YESTERDAY, sentence), False, False, recovered)

    def _dated(self, scope: _Span) -> bool:
        """Whether ``scope`` says when it started, beyond a bare "still" or "again"."""
        return any(
            not _RECENT_WEAK.fullmatch(found.group(0))
            for found in _RECENT.finditer(self.text, *scope)
        ) or self.has(_DURATION, scope)

    def intense_around(self, match: re.Match[str]) -> bool:
        """Whether the sentence says it is severe, sudden or worsening — besides ``match``."""
        left, right = self.sentence(match)
        return self.has(_INTENSE, (left, match.start())) or self.has(_INTENSE, (match.end(), right))


def _judge_symptom(flag: RedFlag, match: re.Match[str], message: _Message) -> _Verdict | None:
    """A described symptom (ACUTE or MODERATE): current unless past, over, mild or habitual."""
    time = message.time(match, widen=False)
    before = message.before(match)
    if _HISTORY_BEFORE.search(before):
        return None if not time.recent else _Verdict.UNSURE
    if time.past:
        if flag.kind in _EVENTS or time.recovered or not time.recent:
            return None
        # A past event beside a present symptom: certain if dated ("since this morning").
        return _Verdict.CERTAIN if time.dated else _Verdict.UNSURE
    if time.recovered:
        return _Verdict.UNSURE
    if time.recent:
        return _Verdict.CERTAIN
    moderate = flag.level is Level.MODERATE
    # "never had chest pain this bad": a denial turned intensifier, not a past event.
    intensifier = bool(_DENIED.search(before))
    told_as_past = _PAST_TENSE_BEFORE.search(before) and flag.kind not in _EVENTS
    if (told_as_past and not intensifier) or time.yesterday:
        return _Verdict.UNSURE
    sentence = message.sentence(match)
    if message.has(_CAUSE_QUESTION, sentence):
        # "Can the vaccine give a 2-month-old a fever?" asks; "…my baby has 38.5" tells.
        return _Verdict.UNSURE if message.has(_OWN_CASE, sentence) else None
    if message.has(_CHRONIC, message.around(match)) or message.has(_EXERTION, sentence):
        return None if moderate else _Verdict.UNSURE
    hedgeable = not flag.firm and flag.kind not in _NO_HEDGE
    if hedgeable and message.has(_HEDGES, message.clause(match)):
        return _Verdict.UNSURE
    if moderate and not (intensifier or message.intense_around(match)):
        return _Verdict.UNSURE
    return _Verdict.CERTAIN


def _judge_name(match: re.Match[str], message: _Message) -> _Verdict | None:
    """A condition's name: an emergency in a present frame, history in a past one."""
    sentence = message.sentence(match)
    before = message.before(match)
    if message.has(_STRONG_PRESENT, sentence):
        return _Verdict.CERTAIN
    if message.has(_HYPOTHETICAL, sentence):
        return None
    time = message.time(match, widen=True)
    if _HISTORY_BEFORE.search(before) or time.past:
        return _Verdict.UNSURE if time.recent and not time.recovered else None
    if time.recovered:
        return _Verdict.UNSURE
    if message.has(_PRESENT, sentence) or time.recent:
        return _Verdict.CERTAIN
    if _PAST_TENSE_BEFORE.search(before):
        return _Verdict.UNSURE
    if _POSSESSIVE_BEFORE.search(before) or message.has(_SERVICE, sentence):
        return None
    return _Verdict.UNSURE if time.yesterday else _Verdict.CERTAIN


def _judge_suicide(flag: RedFlag, match: re.Match[str], message: _Message) -> _Verdict | None:
    """Suicidal wording: never softened by a hedge; only a clear past and recovery clear it."""
    clause = message.clause(match)
    if flag.level is Level.MODERATE and message.has(_LAUGHTER, clause):
        return None
    time = message.time(match, widen=True)
    if time.past and not (time.recent and not time.recovered):
        return None if time.recovered else _Verdict.UNSURE
    if _HISTORY_BEFORE.search(message.before(match)) or message.has(_BEREAVEMENT, clause):
        return None if time.recovered else _Verdict.UNSURE
    if flag.level is Level.MODERATE or message.has(_TALK_ABOUT, message.sentence(match)):
        return _Verdict.UNSURE
    return _Verdict.CERTAIN


def _judge(flag: RedFlag, match: re.Match[str], message: _Message) -> _Verdict | None:
    if message.denied(match):
        return None
    if flag.kind == "suicide":
        return _judge_suicide(flag, match, message)
    if flag.level is Level.NAMED:
        return _judge_name(match, message)
    return _judge_symptom(flag, match, message)


def _applies(flag: RedFlag, match: re.Match[str], message: _Message) -> bool:
    """Whether the rule's other conditions hold: what the message says around the match."""
    around = message.around(match)
    if flag.unless is not None and message.has(flag.unless, around):
        return False
    return all(message.found_undenied(also, around) for also in flag.also)


def _kind(flag: RedFlag, match: re.Match[str], message: _Message) -> str:
    # An unconscious child is its own kind: the reply (and the team) must know.
    if flag.kind == "unconscious" and message.has(_CHILD, message.around(match)):
        return "unconscious_child"
    return flag.kind


def _matches(flag: RedFlag, message: _Message, starts: list[int]) -> Iterable[re.Match[str]]:
    """Where the rule matches, searched only around its anchor words."""
    for left, right in _windows(message.text, starts):
        yield from flag.pattern.finditer(message.text, left, right)


def triage(text: str) -> Emergency | None:
    """The emergency a message describes, if any (rule-based, FR/EN, typo-tolerant)."""
    message = _Message(canonical(text[:MAX_CHARS]))
    # Rules come most urgent first: the first certain flag wins — but a plain symptom
    # ("chest pain") is preferred to a vaguer one made certain by context ("essoufflé
    # for 15 minutes"), and anything certain to anything uncertain.
    vague: Emergency | None = None
    unsure: Emergency | None = None
    for index, starts in _candidate_rules(message.positions).items():
        flag = redflags.RED_FLAGS[index]
        for match in _matches(flag, message, starts):
            if not _applies(flag, match, message):
                continue
            verdict = _judge(flag, match, message)
            if verdict is None:
                continue
            kind, matched = _kind(flag, match, message), match.group(0).strip()
            if verdict is _Verdict.CERTAIN and flag.level is not Level.MODERATE:
                return Emergency(kind, matched)
            if verdict is _Verdict.CERTAIN:
                vague = vague or Emergency(kind, matched)
            else:
                unsure = unsure or Emergency(kind, matched, certain=False)
    return vague or unsure


def llm_may_add_recall(rules: Emergency | None, llm: Emergency | None) -> Emergency | None:
    """Merge the rules' verdict with an LLM's: the LLM may add a flag, never remove one.

    The hook for a later LLM-assisted triage: call the model only when
    :func:`triage` found nothing, and pass its verdict here. A rule flag always
    stands whatever the model says, and a model that is down, slow or wrong
    (``None``) leaves the rules' verdict as it is — safety never depends on it.
    """
    return rules if rules is not None else llm


# ---------------------------------------------------------------------------
# The reply
# ---------------------------------------------------------------------------

_SUICIDE_LINE = re.compile(r"suicid|3114|samaritans|crisis|detresse|ecoute")


def is_suicide_line(number: EmergencyNumber) -> bool:
    """Whether a clinic's emergency number is its suicide line (by its label, or 3114)."""
    labels = f"{normalize(number.label.get('fr'))} {normalize(number.label.get('en'))}"
    return bool(_SUICIDE_LINE.search(labels)) or number.number.replace(" ", "") == "3114"


def _numbers_text(numbers: Sequence[EmergencyNumber], language: str) -> str:
    """ "15 (SAMU — urgence médicale) ou le 112 (…)", in the patient's language."""
    parts = [f"{n.number} ({n.label.get(language)})" for n in numbers]
    if language == "fr":
        return "le " + " ou le ".join(parts)
    return " or ".join(parts)


def _split_numbers(
    numbers: Iterable[EmergencyNumber],
) -> tuple[list[EmergencyNumber], list[EmergencyNumber]]:
    listening: list[EmergencyNumber] = []
    urgent: list[EmergencyNumber] = []
    for number in numbers:
        (listening if is_suicide_line(number) else urgent).append(number)
    return listening, urgent


def _suicide_reply(
    listening: Sequence[EmergencyNumber], urgent: Sequence[EmergencyNumber], fr: bool
) -> str:
    language = "fr" if fr else "en"
    if fr:
        return (
            f"Merci de nous l'avoir écrit. Appelez maintenant {_numbers_text(listening, language)}"
            " : quelqu'un vous écoutera. Ce que vous traversez "
            "compte, et vous n'avez pas à le porter seul·e. Si vous êtes en danger, si vous "
            f"vous êtes fait du mal ou avez pris quelque chose, appelez tout de suite "
            f"{_numbers_text(urgent, language)}."
        )
    return (
        f"Thank you for telling us. Please call {_numbers_text(listening, language)} now: "
        "someone will listen. What you are going through "
        "matters, and you do not have to carry it alone. If you are in danger, have hurt "
        f"yourself or taken something, call {_numbers_text(urgent, language)} right away."
    )


def _uncertain_reply(
    emergency: Emergency,
    listening: Sequence[EmergencyNumber],
    urgent: Sequence[EmergencyNumber],
    fr: bool,
) -> str:
    language = "fr" if fr else "en"
    if emergency.kind == "suicide" and listening:
        if fr:
            return (
                "Si vous avez des idées de suicide en ce moment, appelez "
                f"{_numbers_text(listening, language)} ; en cas de danger, "
                f"{_numbers_text(urgent, language)}."
            )
        return (
            f"If you are having thoughts of suicide right now, call "
            f"{_numbers_text(listening, language)}; if you are in danger, "
            f"{_numbers_text(urgent, language)}."
        )
    if fr:
        return (
            "⚠️ Si cela se passe maintenant ou s'aggrave, appelez tout de suite "
            f"{_numbers_text(urgent, language)}."
        )
    return f"⚠️ If this is happening now or getting worse, call {_numbers_text(urgent, language)}."


def emergency_reply(emergency: Emergency, clinic: ClinicConfig, language: str) -> str:
    """What to tell a patient whose message raised a red flag: call now, with the numbers.

    A certain emergency gets only this; an uncertain one gets a short "if this is
    happening now, call…" and the conversation goes on. Suicidal wording gets the
    suicide line first, a few warm words, then the emergency numbers.
    """
    listening, urgent = _split_numbers(clinic.emergency_numbers)
    urgent = urgent or listening  # a clinic listing only one kind of number
    fr = language == "fr"
    if not emergency.certain:
        return _uncertain_reply(emergency, listening, urgent, fr)
    if emergency.kind == "suicide" and listening:
        return _suicide_reply(listening, urgent, fr)
    if fr:
        return (
            "⚠️ Ce que vous décrivez peut être une urgence. Appelez tout de suite "
            f"{_numbers_text(urgent, 'fr')}. N'attendez pas de réponse ici : cette "
            "messagerie n'est pas faite pour les urgences."
        )
    return (
        "⚠️ What you describe may be an emergency. Call "
        f"{_numbers_text(urgent, 'en')} right now. Do not wait for an answer here: "
        "this chat is not for emergencies."
    )
