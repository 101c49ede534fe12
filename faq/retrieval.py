"""Find the FAQ entry (or clinic fact) a patient's question asks for — or admit there is none.

Each entry is indexed by the terms of its phrasings (:mod:`faq.terms`: no case,
accents, stopwords or plurals; word families folded into concepts; typos in the
question mended), and at half weight by the words of its answers ("coin enfants",
"Vélo'v" are in answers, not in questions). The clinic's name and town identify
no entry and are ignored. A question is scored against an entry in two ways:

* **BM25** over whole entries (all phrasings of an entry as one document, each
  term once): how much of the question, weighted by how rare each term is, the
  entry explains. It picks the candidates and carries most of the score.
* **Phrasing fit**, on the candidates' phrasings: the share of the phrasing the
  question covers, and rapidfuzz's ``token_sort_ratio`` between their terms — so
  "combien coûte une consultation ?" goes to the entry that asks exactly that
  rather than to the one about a *dental* consultation.

:meth:`FaqIndex.best` answers only when it is confident: the best entry scores
high enough, explains most of the question (a word the clinic never mentions,
such as "bitcoin" in "can I pay in bitcoin?", lowers that), and leads the
runner-up by a margin; facts from clinic.yaml score slightly below the staff's
entries, so the staff's text wins near-ties. Otherwise the question goes to the
LLM or to a person. Answers are the staff's text, verbatim. The thresholds were
tuned on ``tests/eval/cases.yaml`` with precision first: a wrong answer costs more
than a handoff.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from clinic.config import ClinicConfig
from faq.knowledge import KnowledgeEntry, build_knowledge
from faq.model import FaqFile
from faq.terms import TypoMender, concept_words, raw_words, terms

# BM25 constants: every term counts once (phrasings repeat words on purpose), and
# entries with many phrasings are only mildly penalised for their length.
K1 = 1.2
B = 0.3
#: How many entries (by BM25) get the finer phrasing comparison.
CANDIDATES = 8
#: Weight of BM25 against the phrasing fit in the final score.
BM25_WEIGHT = 0.6
#: What a word found only in an entry's answer (not its phrasings) counts for.
ANSWER_WEIGHT = 0.5
#: Facts rendered from clinic.yaml score a little below the staff's own entries, so the
#: staff's text wins a near-tie ("certificat pour le sport": the FAQ, not the price list).
FACT_WEIGHT = 0.95

#: A confident answer scores at least this…
MIN_SCORE = 0.55
#: …explains at least this share of the question (IDF-weighted)…
MIN_COVERAGE = 0.6
#: …and leads the next entry by at least this much.
MIN_MARGIN = 0.06
#: Below a confident answer, entries at least this good are offered as buttons…
SUGGEST_MIN_SCORE = 0.2
#: …that explain at least this share of the question…
SUGGEST_MIN_COVERAGE = 0.2
#: …and come within this share of the best one's score.
SUGGEST_WITHIN = 0.6
#: At most this many suggestions (with "something else" they fit a WhatsApp button row).
SUGGESTIONS = 3


@dataclass(frozen=True)
class Match:
    """An entry a question may be asking for, how well it fits, and its answer text."""

    entry_id: str
    score: float
    answer_text: str
    coverage: float = 0.0  # IDF-weighted share of the question the entry explains


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    terms: frozenset[str]
    text: str  # its terms, sorted and joined, for rapidfuzz
    mass: float  # the IDF of its terms, summed


class FaqIndex:
    """The FAQ entries and clinic facts, indexed for fast, typo-tolerant matching."""

    def __init__(self, entries: Sequence[KnowledgeEntry], neutral: Iterable[str] = ()) -> None:
        self.entries = tuple(entries)
        #: Words that identify no entry, such as the clinic's name and city: dropped.
        self._neutral = frozenset(term for text in neutral for term in terms(text))
        weighted = [self._entry_terms(entry) for entry in self.entries]
        self._lengths = [len(terms_of) for terms_of in weighted]
        self._average_length = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, terms_of in enumerate(weighted):
            for term, weight in terms_of.items():
                self._postings.setdefault(term, []).append((index, weight))
        count = len(self.entries)
        self._idf = {t: _idf(count, len(p)) for t, p in self._postings.items()}
        #: A term no entry has weighs like the rarest ones: the question asks something
        #: the clinic's texts never mention.
        self._unknown_idf = _idf(count, 1)
        self._phrasings: list[list[_Phrasing]] = [[] for _ in self.entries]
        for index, entry in enumerate(self.entries):
            for question in entry.questions:
                found = frozenset(terms(question)) - self._neutral
                if found:
                    mass = sum(self._idf[t] for t in found)
                    text = " ".join(sorted(found))
                    self._phrasings[index].append(_Phrasing(index, found, text, mass))
        known = {
            word
            for entry in self.entries
            for text in (*entry.questions, *(answer for _, answer in entry.answers))
            for word in raw_words(text)
        }
        self._mender = TypoMender(known | set(concept_words()))
        self._norms = [
            (K1 + 1) / (1 + K1 * (1 - B + B * length / self._average_length))
            for length in self._lengths
        ]

    def _entry_terms(self, entry: KnowledgeEntry) -> dict[str, float]:
        """An entry's terms: its phrasings', and at a lower weight its answers' own words."""
        weights: dict[str, float] = {}
        for _, answer in entry.answers:
            for term in terms(answer):
                weights[term] = ANSWER_WEIGHT
        for question in entry.questions:
            for term in terms(question):
                weights[term] = 1.0
        return {term: weight for term, weight in weights.items() if term not in self._neutral}

    @classmethod
    def build(cls, faq: FaqFile, clinic: ClinicConfig, *, today: date | None = None) -> FaqIndex:
        """The index of a clinic's FAQ entries and the facts of its ``clinic.yaml``."""
        return cls(build_knowledge(faq, clinic, today=today), neutral=_clinic_words(clinic))

    def entry(self, entry_id: str) -> KnowledgeEntry:
        """The entry with this id (``KeyError`` if there is none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def search(self, text: str, language: str, limit: int = 5) -> list[Match]:
        """The entries that best fit a question, best first (possibly none)."""
        text = question_part(text)
        query = [term for term in self._mender.terms(text) if term not in self._neutral]
        if not query:
            return []
        weights = {t: self._idf.get(t, self._unknown_idf) for t in query}
        ideal = sum(weights.values())
        bm25: dict[int, float] = {}
        covered: dict[int, float] = {}
        for term, weight in weights.items():
            for index, strength in self._postings.get(term, ()):
                bm25[index] = bm25.get(index, 0.0) + weight * strength * self._norms[index]
                covered[index] = covered.get(index, 0.0) + weight * strength
        if not bm25:
            return []
        ranked = sorted(bm25, key=bm25.__getitem__, reverse=True)[:CANDIDATES]
        query_text = " ".join(sorted(weights))
        matches = []
        for index in ranked:
            fit = self._phrasing_fit(index, weights, query_text)
            relevance = min(bm25[index] / ideal, 1.0)
            score = BM25_WEIGHT * relevance + (1 - BM25_WEIGHT) * fit
            entry = self.entries[index]
            if entry.source == "fact":
                score *= FACT_WEIGHT
            coverage = covered[index] / ideal
            matches.append(Match(entry.id, round(score, 4), entry.answer(language), coverage))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]

    def _phrasing_fit(self, index: int, weights: dict[str, float], query_text: str) -> float:
        """How well the entry's closest phrasing fits: its share covered, and fuzzy likeness."""
        best = 0.0
        for phrasing in self._phrasings[index]:
            shared = sum(self._idf[t] for t in phrasing.terms if t in weights)
            share = shared / phrasing.mass if phrasing.mass else 0.0
            likeness = fuzz.token_sort_ratio(query_text, phrasing.text) / 100
            best = max(best, 0.5 * share + 0.5 * likeness)
        return best

    def best(self, text: str, language: str) -> Match | None:
        """The one entry a question clearly asks for, or ``None`` when unsure."""
        found = self.search(text, language, limit=2)
        if not found:
            return None
        top = found[0]
        if top.score < MIN_SCORE or top.coverage < MIN_COVERAGE:
            return None
        if len(found) > 1 and top.score - found[1].score < MIN_MARGIN:
            return None
        return top

    def suggestions(self, text: str, language: str) -> list[Match]:
        """The entries a question may be about when no answer is sure: two or three, best first.

        Offered as buttons ("Is your question about: …"): a wrong confident answer costs
        more than a question back, so this is where near-misses go.
        """
        found = self.search(text, language, limit=SUGGESTIONS + 2)
        if not found:
            return []
        floor = max(SUGGEST_MIN_SCORE, SUGGEST_WITHIN * found[0].score)
        kept = [m for m in found if m.score >= floor and m.coverage >= SUGGEST_MIN_COVERAGE]
        return kept[:SUGGESTIONS]


#: A message longer than this is searched by its question, not its whole story.
LONG_MESSAGE = 300
_SENTENCES = re.compile(r"[^.!?\n]*\?|[^.!?\n]+[.!\n]?")


def question_part(text: str) -> str:
    """What to search in a long message: its sentences that ask ("…?"), else its end.

    "Bonjour, ma voisine m'a parlé de vous… Où se garer ?" is about parking: the story
    before it would only dilute the question's terms.
    """
    if len(text) <= LONG_MESSAGE:
        return text
    asked = [s.strip() for s in _SENTENCES.findall(text) if s.strip().endswith("?")]
    return " ".join(asked)[-LONG_MESSAGE:] if asked else text[-LONG_MESSAGE:]


def _clinic_words(clinic: ClinicConfig) -> list[str]:
    """The clinic's name and town: in questions they say nothing about the topic."""
    town = [part for part in clinic.clinic.address.split(",")[1:] if part.strip()]
    return [clinic.clinic.name, *town]


def _idf(count: int, frequency: int) -> float:
    """BM25's inverse document frequency (always positive)."""
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))
