"""Rule-based understanding of what patients type, in French and English.

Patients write short, typo-ridden messages on phones. This module turns them into
an :class:`Intent`, a service or practitioner id, one of the offered choices, or a
:class:`When` (a local day, time and part of day). Everything is a pure function
of its arguments — ``now`` is passed in, never read from the clock — and no
function raises on any text, however odd.

Matching works on :func:`normalize`-d text, so case, accents, punctuation and
emoji do not matter, and longer words may carry a typo or two (rapidfuzz OSA
distance, where a swapped pair of letters counts as one).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

import dateparser
from rapidfuzz import process
from rapidfuzz.distance import OSA

from clinic.config import ClinicConfig, Practitioner, Service
from clinic.model import PartOfDay
from common.lexicon import is_ordinary, ordinary_words
from common.text import fold, normalize

_Key = TypeVar("_Key")

#: The whole message is read, up to Telegram's limit (a request may come after a long story).
MAX_CHARS = 4096

# ---------------------------------------------------------------------------
# Text normalization and typo-tolerant words
# ---------------------------------------------------------------------------


def squeeze(text: str) -> str:
    """Collapse repeated letters, so "ouiii", "okk" and "anuler" meet their dictionary form."""
    return re.sub(r"(.)\1+", r"\1", text)


def _typo_budget(length: int) -> int:
    # One typo in a 5–7 letter word, two from 8 letters; shorter words must be exact
    # ("non"/"nom", "dent"/"dont" are different words, not typos).
    return 0 if length < 5 else 1 if length < 8 else 2


def closest_word(word: str, vocabulary: Sequence[str]) -> str | None:
    """The vocabulary word ``word`` is a typo of, if any (never when it is a real word)."""
    budget = _typo_budget(len(word))
    if not budget or is_ordinary(word):
        return None
    found = process.extractOne(word, vocabulary, scorer=OSA.distance, score_cutoff=budget)
    return None if found is None else str(found[0])


@lru_cache(maxsize=65536)
def _likeness(word: str, target: str) -> float:
    """How well a typed word stands for a dictionary word: 1 exact, less for typos and stems."""
    if word == target:
        return 1.0
    if len(target) >= 4 and word.startswith(target):
        return 0.8  # an inflection: "vaccins", "dentaire" for "dent"
    if is_ordinary(word):
        return 0.0  # a real word is no typo of another: "matin" is not "Martin"
    budget = _typo_budget(max(len(word), len(target)))
    # The distance is at least the difference in length: skip the hopeless pairs.
    near = min(len(word), len(target)) >= 4 and abs(len(word) - len(target)) <= budget
    if near and OSA.distance(word, target, score_cutoff=budget) <= budget:
        return 0.8
    if len(word) >= 4 and target.startswith(word):
        return 0.6  # an abbreviation: "kine" for "kinesitherapeute"
    return 0.0


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(normalize(text).split())


def _phrase_likeness(words: Sequence[str], phrase: Sequence[str]) -> float:
    """Best likeness of ``phrase`` to a run of consecutive ``words`` (0 when absent)."""
    if not phrase:
        return 0.0  # a keyword that was only punctuation
    if len(phrase) == 1:  # most terms: each distinct word once
        return max((_likeness(word, phrase[0]) for word in dict.fromkeys(words)), default=0.0)
    best = 0.0
    for start in range(len(words) - len(phrase) + 1):
        # A run is no better than its first word: skip it unless that word could win.
        if _likeness(words[start], phrase[0]) <= best:
            continue
        run = words[start : start + len(phrase)]
        best = max(best, min(_likeness(w, p) for w, p in zip(run, phrase, strict=True)))
    return best


# ---------------------------------------------------------------------------
# Intents
# ---------------------------------------------------------------------------


class Intent(StrEnum):
    """What a patient's message asks for."""

    BOOK = "book"
    MY_APPOINTMENTS = "my_appointments"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    HUMAN = "human"
    HELP = "help"
    MENU = "menu"
    LANGUAGE = "language"
    GREETING = "greeting"
    THANKS = "thanks"
    YES = "yes"
    NO = "no"
    STOP = "stop"
    UNKNOWN = "unknown"


def _phrases(*texts: str) -> frozenset[str]:
    return frozenset(squeeze(normalize(text)) for text in texts)


# fmt: off
# (vocabulary tables read better as paragraphs than as one word per line)

#: Whole messages (fillers like "svp" removed) and what they mean. A bare "cancel" or
#: "back" means "get me out of this flow", not "cancel my appointment".
_WHOLE_MESSAGES: Mapping[Intent, frozenset[str]] = {
    Intent.YES: _phrases(
        "oui", "ouais", "ouai", "ok", "okay", "okey", "oki", "d'accord", "daccord", "dac",
        "yes", "yep", "yup", "yeah", "ya", "y", "o", "sure", "of course", "bien sûr",
        "absolument", "exactement", "exact", "parfait", "perfect", "ça marche", "ça me va",
        "c'est bon", "c'est parfait", "c'est ça", "je confirme", "confirmer", "confirme",
        "confirm", "confirmed", "i confirm", "go", "vas-y", "allez", "carrément", "nickel",
        "top", "super", "great", "good", "fine", "alright", "all right", "sounds good",
        "k", "oui merci", "ok merci", "yes please", "yes thanks", "ok thanks", "oui c'est bon",
        "correct", "that's right", "right", "bien", "très bien", "tres bien", "entendu",
    ),
    Intent.NO: _phrases(
        "non", "no", "nope", "nan", "nah", "n", "pas du tout", "non merci", "no thanks",
        "no thank you", "jamais", "never", "négatif", "pas maintenant", "not now", "aucun",
        "aucune", "none", "ni l'un ni l'autre", "neither", "pas ça", "not that",
    ),
    Intent.STOP: _phrases(
        "stop", "arrêt", "arret", "arrête", "arrêter", "arrêtez", "stopper", "unsubscribe",
        "désabonner", "se désabonner", "désinscrire", "désinscription", "stop sms",
        "stop messages", "stop all", "opt out", "optout",
    ),
    Intent.MENU: _phrases(
        "menu", "retour", "back", "go back", "annuler", "annule", "annulé", "cancel",
        "accueil", "home", "start", "restart", "recommencer", "quitter", "quit", "exit",
        "sortir", "main menu", "menu principal", "revenir", "laisse tomber", "laissez tomber",
        "never mind", "nevermind", "forget it", "abandonner", "abandon", "début", "/start",
    ),
    Intent.GREETING: _phrases(
        "bonjour", "bonsoir", "salut", "hello", "hi", "hey", "coucou", "bjr", "slt", "cc",
        "yo", "good morning", "good afternoon", "good evening", "hola", "allo", "bonjour bonjour",
        "hello there", "hi there", "salut ça va", "bonjour madame", "bonjour monsieur",
        "bonjour docteur", "bonjour dr", "hello doctor", "hi doctor", "bonjour à tous",
    ),
    Intent.THANKS: _phrases(
        "merci", "merci beaucoup", "thanks", "thank you", "thx", "ty", "merci bien",
        "thanks a lot", "many thanks", "super merci", "merci à vous", "thank you so much",
        "top merci", "parfait merci", "great thanks", "cool merci", "merci infiniment",
    ),
    Intent.HELP: _phrases(
        "aide", "help", "aidez-moi", "aide-moi", "help me", "comment ça marche", "sos",
        "how does it work", "how does this work", "que peux-tu faire", "what can you do",
        "que pouvez-vous faire", "j'ai besoin d'aide", "i need help", "besoin d'aide",
    ),
    Intent.LANGUAGE: _phrases(
        "english", "anglais", "français", "francais", "french", "langue", "language",
        "en", "fr", "in english", "en anglais", "en français", "in french", "lang",
        "change language", "changer de langue", "changer la langue", "english please",
    ),
    Intent.BOOK: _phrases(
        "book", "réserver", "reserver", "rdv", "appointment", "prendre rdv", "booking",
        "new appointment", "nouveau rdv", "un rdv", "réservation", "an appointment",
    ),
    Intent.MY_APPOINTMENTS: _phrases(
        "mes rdv", "my appointments", "my appointment", "mon rdv", "my bookings",
        "mes réservations",
    ),
    Intent.RESCHEDULE: _phrases(
        "reschedule", "déplacer", "reporter", "décaler", "modifier", "changer", "change", "move",
    ),
    Intent.HUMAN: _phrases(
        "humain", "un humain", "human", "a human", "agent", "opérateur", "operator",
        "conseiller", "secrétaire", "secrétariat", "someone", "quelqu'un", "une personne",
        "a person", "real person", "a real person", "vraie personne", "une vraie personne",
        "person", "receptionist", "réceptionniste", "staff",
    ),
}
# fmt: on
_WHOLE_MESSAGE_INTENT = {
    phrase: intent for intent, phrases in _WHOLE_MESSAGES.items() for phrase in phrases
}
_SINGLE_WORDS = tuple(p for p in _WHOLE_MESSAGE_INTENT if " " not in p and len(p) >= 5)

_EMOJI_INTENTS = (
    ("👍👌✅🆗☑✔", Intent.YES),
    ("👎❌🚫✖", Intent.NO),
    ("🙏", Intent.THANKS),
    ("👋", Intent.GREETING),
    ("🛑⛔", Intent.STOP),
)

_FILLERS = re.compile(
    r"\b(?:s il vous plait|s il te plait|svp|stp|please|pls|plz|euh|heu|bah|ben|hmm|hm|"
    r"alors|well|just|juste)\b"
)
# Common spellings of "rendez-vous" and "quelqu'un", rewritten before word matching.
_REWRITES = (
    (re.compile(r"\br[ae]n?d[ae]?[zs]?\s?v(?:ou|o|u)?[sz]?\b|\brdvs\b"), "rdv"),
    (re.compile(r"\bquelqu\s?un\b|\bqqn\b|\bquelqun\b|\bqq1\b"), "quelquun"),
    (re.compile(r"\bcan\s?t\b|\bcannot\b|\bwon\s?t\b"), "cannot"),
)

# fmt: off
#: Word families the intent rules look for. Words in ``_FUZZY_CONCEPTS`` also match
#: with a typo; the others are short or common enough that a typo would be a new word.
_CONCEPTS: Mapping[str, tuple[str, ...]] = {
    "appt": (
        "rdv", "appointment", "appointments", "appt", "appts", "booking", "bookings",
        "reservation", "reservations", "consultation", "creneau", "creneaux", "slot",
        "slots", "visite", "visit", "dispo", "dispos", "disponibilite", "disponibilites",
        "availability", "available", "disponible", "disponibles", "place", "places",
    ),
    "book": ("book", "reserver", "reserve", "reservez", "booker", "schedule", "prendre"),
    "want": (
        "voudrais", "veux", "voulais", "souhaite", "souhaiterais", "aimerais", "want",
        "need", "besoin", "like", "fixer", "make", "get", "avoir", "peux", "puis", "can",
        "could", "pourrais", "cherche", "looking",
    ),
    "see": ("voir", "see", "consulter", "consult", "rencontrer", "meet"),
    "med": (
        "docteur", "doctor", "medecin", "dentiste", "dentist", "kine", "kinesitherapeute",
        "physio", "physiotherapist", "infirmiere", "infirmier", "nurse", "generaliste",
        "gp", "vaccin", "vaccine", "vaccination", "dr", "doc", "toubib", "osteo",
    ),
    "cancel": (
        "annuler", "annule", "annulez", "annulation", "cancel", "cancelled", "canceled",
        "cancellation", "supprimer", "delete", "decommander", "desister",
    ),
    "move": (
        "deplacer", "reporter", "decaler", "reschedule", "rescheduling", "postpone", "repousser",
        "avancer", "reprogrammer", "rebook", "deplace", "decale", "reporte", "remplacer",
    ),
    "change": ("changer", "change", "modifier", "modify", "move", "bouger", "changement"),
    "timeword": ("heure", "date", "jour", "horaire", "time", "day", "it", "le", "la", "l"),
    "mine": ("mes", "mon", "ma", "my", "mine"),
    "when": ("quand", "when"),
    "human": (
        "humain", "humaine", "human", "agent", "agents", "operateur", "operatrice",
        "operator", "conseiller", "conseillere", "secretaire", "secretariat",
        "receptionist", "receptionniste", "standardiste", "staff",
    ),
    "person": (
        "personne", "person", "quelquun", "someone", "somebody", "anyone", "anybody",
        "people", "vrai", "vraie", "real", "gens",
    ),
    "talk": (
        "parler", "talk", "speak", "discuter", "joindre", "contacter", "contact",
        "appeler", "call", "rappeler", "chat", "parle", "parlez",
    ),
    "help": ("aide", "aider", "aidez", "help", "assistance"),
    "thanks": ("merci", "thanks", "thank", "thx", "remercie"),
    "greet": ("bonjour", "bonsoir", "salut", "hello", "hi", "hey", "coucou", "bjr", "slt"),
    "language": ("english", "anglais", "francais", "french", "langue", "language", "langage"),
    "stop": (
        "unsubscribe", "desabonner", "desabonnement", "desinscrire", "desinscription",
        "optout",
    ),
    "halt": ("stop", "arret", "arrete", "arreter", "arretez", "stopper"),
    "notify": (
        "messages", "message", "sms", "rappels", "notifications", "notification",
        "reminders", "texts", "envoyer", "sending", "recevoir", "contacter",
    ),
    "faq": (
        "where", "combien", "prix", "price", "prices", "tarif", "tarifs", "cout", "coute",
        "cost", "costs", "horaires", "hours", "opening", "ouvert", "ouverte", "ouverts",
        "open", "parking", "garer", "park", "adresse", "address", "acces", "access",
        "rembourse", "remboursement", "insurance", "mutuelle", "vitale", "payer",
        "paiement", "pay", "payment", "cb", "cheque", "wifi", "toilettes", "handicap",
        "wheelchair", "fauteuil", "ferme", "closed", "bus", "metro", "tram",
    ),
    "wh": ("ou", "quel", "quels", "quelle", "quelles", "what", "which", "how", "comment"),
    "yes": ("oui", "ouais", "ok", "okay", "yes", "yep", "yeah", "daccord", "parfait", "sure"),
    "no": ("non", "no", "nope", "nan"),
}
_FUZZY_CONCEPTS = frozenset({
    "appt", "book", "cancel", "move", "human", "talk", "help", "thanks", "greet", "stop", "med",
})
# fmt: on
_CONCEPT_OF = {word: concept for concept, words in _CONCEPTS.items() for word in words}
#: First words of a question, wh- or yes/no ("est-ce que", "do you", "y a-t-il").
_QUESTION_STARTS = frozenset(
    {
        *_CONCEPTS["wh"],
        "do",
        "does",
        "is",
        "are",
        "can",
        "could",
        "will",
        "would",
        "should",
        "est",
        "estce",
        "avez",
        "faites",
        "acceptez",
        "prenez",
        "puis",
        "peut",
        "peuton",
        "y",
        "vous",
        "combien",
        "quand",
        "when",
        "who",
        "qui",
        "why",
        "pourquoi",
    }
)
_CONCEPT_OF_SQUEEZED = {squeeze(word): concept for word, concept in _CONCEPT_OF.items()}
#: Only words of seven letters or more take typos: shorter ones have neighbours that
#: mean something else ("cancel"/"cancer", "agent"/"argent", "annule"/"annuel").
_FUZZY_VOCABULARY = tuple(
    word
    for concept, words in _CONCEPTS.items()
    if concept in _FUZZY_CONCEPTS
    for word in words
    if len(word) >= 7
)
_CANNOT_COME = re.compile(
    r"\b(?:(?:peux|peut|pourrai|pourrais|pourrons|pourra) pas (?:venir|etre la|y aller)|"
    r"cannot (?:make it|come|attend|be there)|not able to (?:come|make it))\b"
)
_CALL_ME = re.compile(
    r"\b(?:me rappeler|rappelez moi|rappelle moi|me telephoner|appelez moi|call me|ring me|"
    r"callback|call back)\b"
)
_ASK_MINE = re.compile(
    r"\b(?:ai je|est ce que j ai|j ai (?:un )?rdv|do i have|have i got|i have an? rdv)\b"
)


@dataclass(frozen=True)
class _Message:
    """A message as the intent rules see it: its words, their word families, its shape."""

    text: str
    words: tuple[str, ...]
    concepts: frozenset[str]

    def has(self, *concepts: str) -> bool:
        """Whether any of ``concepts`` occurs in the message."""
        return not self.concepts.isdisjoint(concepts)

    @property
    def is_faq(self) -> bool:
        """Whether it reads like a question for the FAQ (where, how much, opening hours…)."""
        return self.has("faq") or (bool(self.words) and self.words[0] in _CONCEPTS["wh"])


@lru_cache(maxsize=8192)
def _concept(word: str) -> str | None:
    if word in _CONCEPT_OF:
        return _CONCEPT_OF[word]
    if squeeze(word) in _CONCEPT_OF_SQUEEZED:
        return _CONCEPT_OF_SQUEEZED[squeeze(word)]
    closest = closest_word(word, _FUZZY_VOCABULARY)
    return None if closest is None else _CONCEPT_OF[closest]


def _read_message(words_text: str) -> _Message:
    for pattern, replacement in _REWRITES:
        words_text = pattern.sub(replacement, words_text)
    words = tuple(words_text.split())
    concepts = frozenset(c for c in map(_concept, words) if c is not None)
    return _Message(words_text, words, concepts)


def detect_intent(text: str) -> Intent:
    """What a patient's message asks for, in French or English, typos tolerated."""
    words_text = normalize(text[:MAX_CHARS])
    if not words_text:
        return _emoji_intent(text[:MAX_CHARS])
    whole = _whole_message_intent(words_text)
    if whole is not None:
        return whole
    message = _read_message(words_text)
    for rule, intent in _RULES:
        if rule(message):
            return intent
    return Intent.UNKNOWN


def is_question(text: str) -> bool:
    """Whether a message reads like a question (a "?", or where/how much/when…)."""
    if "?" in text[:MAX_CHARS]:
        return True
    words_text = normalize(text[:MAX_CHARS])
    if not words_text:
        return False
    message = _read_message(words_text)
    return message.is_faq or message.words[0] in _QUESTION_STARTS


#: Wanting something: "je voudrais", "I need", "il me faut" (a request whatever follows).
_DESIRE = (
    r"je (?:voudrais|veux|voulais|souhaite|souhaiterais|souhaiterai|aimerais|dois)|j aimerais|"
    r"il me faut|on voudrait|i d like|id like|i would like|i want|i wanna|i need|i have to|"
    r"i ll need|merci de|besoin d"
)
#: Asking whether one may or whether they can: a request only when an action follows
#: ("can I book…", "pouvez-vous annuler…"), not "can I pay by card?".
_MODAL = (
    r"can i|could i|may i|can we|could we|puis je|pourrais je|est ce que je (?:peux|pourrais)|"
    r"je peux|je pourrais|can you|could you|would you|pouvez vous|pourriez vous|vous pouvez|"
    r"tu peux|peux tu|please|svp|stp|s il vous plait"
)
_ACTION_VERBS = (
    r"book|booking|reserve|reserver|prendre|avoir|get|have|make|schedule|fixer|annuler|cancel|"
    r"move|deplacer|decaler|reporter|changer|change|reschedule|voir|see|consulter|venir|come|"
    r"rdv|appointment|me|m|moi"
)
_REQUEST = re.compile(rf"\b(?:{_DESIRE})\b|\b(?:{_MODAL}) (?:\w+ ){{0,2}}(?:{_ACTION_VERBS})\b")
#: Asking how something works or what the rules are, not for it to be done: "comment
#: annuler ?", "what if I'm late?", "do I need to pay up front?".
_PROCEDURE = re.compile(
    r"\b(?:comment|how|what if|what happens|what s the (?:procedure|policy|rule)|que se passe|"
    r"qu est ce qui se passe|et si|procedure|policy|politique|regles?|rules?|est ce que je dois|"
    r"dois je|faut il|est ce qu il faut|do i (?:need|have) to|do you (?:need|have)|"
    r"is it (?:necessary|mandatory|compulsory)|est ce (?:obligatoire|necessaire)|"
    r"combien|how much|how long|payer?|pay|paid|frais|fees?|charged?|facture|quoi)\b"
)


@dataclass(frozen=True)
class Reading:
    """How a message reads, for routing: its intent, and whether it asks, requests or enquires."""

    intent: Intent
    #: A "?", or starts like a question (where, how much…), or talks of FAQ topics.
    question: bool
    #: Asks for something to be done ("je voudrais", "can you", "book me").
    request: bool
    #: Asks how something works or what the rules are ("comment annuler ?").
    procedure: bool
    #: Words that name an appointment or booking ("rdv", "créneau", "book"), not only a doctor.
    names_appointment: bool


def read(text: str) -> Reading:
    """Intent, question, request and procedure markers of a message (FR/EN)."""
    words_text = normalize(text[:MAX_CHARS])
    message = _read_message(words_text) if words_text else None
    rewritten = message.text if message is not None else ""
    return Reading(
        intent=detect_intent(text),
        question=is_question(text),
        request=bool(_REQUEST.search(rewritten)),
        procedure=bool(_PROCEDURE.search(rewritten)),
        names_appointment=message is not None and message.has("appt", "book"),
    )


#: "I'll be there", "je serai là": what a patient answers to a reminder.
_COMING = re.compile(
    r"\b(?:je (?:serai|viendrai|viens|confirme)|j y serai|nous serons|on sera|i ll be there|"
    r"i will be there|i ll come|i will come|i m coming|we ll be there|i confirm|confirmed|"
    r"c est confirme|je suis toujours ok|still on|toujours d accord|sans probleme je viens)\b"
)


def confirms_coming(text: str, reading: Reading) -> bool:
    """Whether a message says yes to coming ("oui je confirme", "I'll be there")."""
    if reading.intent is Intent.YES:
        return True
    if reading.intent not in (Intent.UNKNOWN, Intent.THANKS):
        return False
    return bool(_COMING.search(normalize(text[:MAX_CHARS])))


#: Words that say nothing of what is wanted, for :func:`content_words`.
_FUNCTION_WORDS = frozenset(
    {
        "je",
        "j",
        "voudrais",
        "veux",
        "aimerais",
        "souhaite",
        "il",
        "me",
        "faut",
        "un",
        "une",
        "des",
        "de",
        "du",
        "la",
        "le",
        "les",
        "l",
        "d",
        "pour",
        "avec",
        "svp",
        "stp",
        "merci",
        "bonjour",
        "i",
        "would",
        "like",
        "want",
        "need",
        "a",
        "an",
        "the",
        "for",
        "with",
        "please",
        "thanks",
        "hello",
        "hi",
        "to",
        "book",
        "get",
        "have",
        "rdv",
        "appointment",
        "faire",
        "prendre",
        "avoir",
        "mon",
        "ma",
        "my",
        "et",
        "and",
        "s",
        "vous",
        "plait",
        "is",
        "are",
        "do",
        "does",
        "there",
        "est",
        "ce",
        "que",
        "qu",
        "on",
        "y",
        "t",
        "can",
        "could",
        "au",
        "of",
        "in",
        "en",
        "it",
        "moi",
        "you",
        "your",
        "votre",
        "vos",
        "ai",
        "am",
    }
)


def content_words(text: str) -> int:
    """How many words of a message say what is wanted (function words and politeness aside)."""
    return sum(word not in _FUNCTION_WORDS for word in _words(text[:MAX_CHARS]))


def _emoji_intent(text: str) -> Intent:
    for emojis, intent in _EMOJI_INTENTS:
        if any(emoji in text for emoji in emojis):
            return intent
    return Intent.HELP if "?" in text else Intent.UNKNOWN  # a bare "??" asks what to do


def _whole_message_intent(words_text: str) -> Intent | None:
    """The intent of a message that is one known word or phrase, fillers aside."""
    core = " ".join(_FILLERS.sub(" ", words_text).split()) or words_text
    for pattern, replacement in _REWRITES:
        core = pattern.sub(replacement, core)
    squeezed = squeeze(core)
    if squeezed in _WHOLE_MESSAGE_INTENT:
        return _WHOLE_MESSAGE_INTENT[squeezed]
    if " " in squeezed:
        return None
    closest = closest_word(squeezed, _SINGLE_WORDS)
    return None if closest is None else _WHOLE_MESSAGE_INTENT[closest]


def _wants_stop(m: _Message) -> bool:
    # STOP unsubscribes from every message, so it needs an unambiguous wording:
    # "quel arrêt de bus ?" must not opt anyone out.
    return m.has("stop") or (m.has("halt") and (m.has("notify") or len(m.words) <= 2))


def _wants_human(m: _Message) -> bool:
    real_person = ("real" in m.words or "vraie" in m.words) and m.has("person")
    talk_to = m.has("talk") and m.has("person", "med")  # "parler au docteur": not a booking
    wants_person = m.has("person") and m.has("want")
    return m.has("human") or real_person or talk_to or wants_person or bool(_CALL_ME.search(m.text))


def _wants_language(m: _Message) -> bool:
    return m.has("language") and not m.has("appt", "book", "cancel", "med")


def _wants_cancel(m: _Message) -> bool:
    return m.has("cancel") or bool(_CANNOT_COME.search(m.text))


def _wants_reschedule(m: _Message) -> bool:
    return m.has("move") or (m.has("change") and m.has("appt", "mine", "timeword"))


def _wants_my_appointments(m: _Message) -> bool:
    asks_mine = m.has("mine", "when") or bool(_ASK_MINE.search(m.text))
    books = m.has("book") and not m.has("when")  # "book my appointment" is a booking
    return m.has("appt") and asks_mine and not books


def _wants_booking(m: _Message) -> bool:
    if m.has("book") and ("prendre" not in m.words or m.has("appt", "med")):
        return True
    if m.has("want", "see") and m.has("appt", "med"):
        return True
    return m.has("appt", "med") and not m.is_faq


def _wants_help(m: _Message) -> bool:
    return m.has("help") and not m.has("thanks") and not m.is_faq


def _says_yes(m: _Message) -> bool:
    return _CONCEPT_OF.get(m.words[0]) == "yes"


def _says_no(m: _Message) -> bool:
    return _CONCEPT_OF.get(m.words[0]) == "no"


def _says_thanks(m: _Message) -> bool:
    return m.has("thanks") and not m.is_faq


def _greets(m: _Message) -> bool:
    # "Bonjour, où se garer ?" is a question for the FAQ, not a greeting.
    return m.has("greet") and len(m.words) <= 3 and not m.is_faq


_RULES: tuple[tuple[Callable[[_Message], bool], Intent], ...] = (
    (_wants_stop, Intent.STOP),
    (_wants_human, Intent.HUMAN),
    (_wants_language, Intent.LANGUAGE),
    (_wants_cancel, Intent.CANCEL),
    (_wants_reschedule, Intent.RESCHEDULE),
    (_wants_my_appointments, Intent.MY_APPOINTMENTS),
    (_wants_booking, Intent.BOOK),
    (_wants_help, Intent.HELP),
    (_says_yes, Intent.YES),
    (_says_no, Intent.NO),
    (_says_thanks, Intent.THANKS),
    (_greets, Intent.GREETING),
)

# ---------------------------------------------------------------------------
# Services and practitioners
# ---------------------------------------------------------------------------

#: Words too common to identify a service or a person on their own.
# fmt: off
_STOPWORDS = frozenset({
    "de", "du", "des", "la", "le", "les", "l", "d", "un", "une", "et", "en", "a", "au", "aux",
    "pour", "of", "the", "an", "and", "for", "with", "avec", "mon", "ma", "mes", "my", "je",
    "j", "i", "me", "moi", "voudrais", "veux", "want", "need", "rdv", "seance", "session",
})
_HONORIFICS = frozenset({
    "dr", "dre", "docteur", "doctor", "doc", "pr", "prof", "professeur", "mme", "madame", "mlle",
    "mademoiselle", "m", "mr", "mrs", "ms", "miss", "monsieur", "le", "la",
})
_TITLES = _HONORIFICS - {"le", "la"}
#: Surnames that are also everyday words: "un petit rdv" is not "Sophie Petit".
_COMMON_SURNAMES = frozenset({
    "petit", "grand", "blanc", "noir", "brun", "roux", "bon", "long", "court", "gros", "fort",
    "rose", "lebon", "young", "little", "white", "black", "brown", "green", "king", "rich",
    "small", "short", "good", "best", "bell", "page", "march", "may",
})
# fmt: on


def _confident_best(scores: Mapping[_Key, float], minimum: float) -> _Key | None:
    """The top-scoring id, or ``None`` when nothing scores or two ids come close."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < minimum:
        return None
    if len(ranked) > 1 and ranked[1][1] >= 0.8 * ranked[0][1]:
        return None
    return ranked[0][0]


#: A service as far as naming it goes: id, French name, English name, keywords.
_ServiceNames = tuple[str, str, str, tuple[str, ...]]
#: Per service id, the phrases naming it and what a match of each is worth.
_ServiceTable = tuple[tuple[str, tuple[tuple[tuple[str, ...], float], ...]], ...]


def _service_names(service: Service) -> _ServiceNames:
    names = (service.name.get("fr"), service.name.get("en"))
    return (service.id, *names, tuple(service.keywords))


def _service_terms(service: _ServiceNames, language: str) -> dict[tuple[str, ...], float]:
    """The phrases naming a service, weighted: keywords and whole names above single name words."""
    service_id, name_fr, name_en, keywords = service
    terms: dict[tuple[str, ...], float] = {}
    for lang, text in (("fr", name_fr), ("en", name_en)):
        name = _words(text)
        weight = 1.0 if lang == language else 0.9
        for term, term_weight in ((name, weight), *(((w,), weight / 2) for w in name)):
            if term and term[0] not in _STOPWORDS:
                terms[term] = max(terms.get(term, 0.0), term_weight)
    for keyword in (*keywords, service_id.replace("-", " ")):
        terms[_words(keyword)] = 1.0
    return terms


@lru_cache(maxsize=16)
def _service_table(services: tuple[_ServiceNames, ...], language: str) -> _ServiceTable:
    """Each service's terms, worth their length, shared worth for terms several services use."""
    terms = {service[0]: _service_terms(service, language) for service in services}
    sharing: dict[tuple[str, ...], int] = {}
    for service_terms in terms.values():
        for term in service_terms:
            sharing[term] = sharing.get(term, 0) + 1
    return tuple(
        (service_id, tuple((t, w * len("".join(t)) / sharing[t]) for t, w in service_terms.items()))
        for service_id, service_terms in terms.items()
    )


def match_service(text: str, clinic: ClinicConfig, language: str) -> str | None:
    """The id of the service a patient names ("dentiste", "prise de sang"), if clear."""
    words = _words(text[:MAX_CHARS])
    if not words:
        return None
    table = _service_table(tuple(map(_service_names, clinic.services)), language)
    scores = {
        service_id: sum(worth * _phrase_likeness(words, term) for term, worth in terms)
        for service_id, terms in table
    }
    return _confident_best(scores, minimum=2.0)


def _name_score(words: Sequence[str], practitioner: Practitioner) -> float:
    """How clearly ``words`` name this practitioner: surname 3, given name 2, typos less."""
    name = [word for word in _words(practitioner.name) if word not in _HONORIFICS]
    if not name:
        return 0.0
    *given, surname = name
    score = 0.0
    # Each word once, with whether a title comes before it: a long message repeats words.
    seen = dict.fromkeys(
        (word, index > 0 and words[index - 1] in _TITLES) for index, word in enumerate(words)
    )
    everyday = _everyday(surname)
    for word, titled in seen:
        bare_ok = titled or len(words) == 1 or not everyday
        if bare_ok:
            score = max(score, 3 * _exactish(word, surname))
        score += max((2 * _exactish(word, first) for first in given), default=0.0)
    return score


def _everyday(surname: str) -> bool:
    """A surname that is also a common word ("Petit", "Marchand"): named only with a title."""
    return surname in _COMMON_SURNAMES or is_ordinary(surname)


def _exactish(word: str, target: str) -> float:
    # Names match exactly or with a typo, never by prefix ("mart" is not "Martin").
    likeness = _likeness(word, target)
    return likeness if likeness >= 0.8 and len(word) >= min(len(target), 4) else 0.0


def _title_score(words: Sequence[str], practitioner: Practitioner) -> float:
    titles = {_words(practitioner.title.get(lang)) for lang in ("fr", "en")}
    terms = {(word,) for title in titles for word in title if word not in _STOPWORDS}
    return max((_phrase_likeness(words, term) for term in terms), default=0.0)


def match_practitioner(text: str, clinic: ClinicConfig) -> str | None:
    """The id of the practitioner a patient names ("Dr Martin", "benali", "la dentiste")."""
    words = _words(text[:MAX_CHARS])
    if not words:
        return None
    by_name = {p.id: _name_score(words, p) for p in clinic.practitioners}
    if any(by_name.values()):
        return _confident_best(by_name, minimum=1.5)
    # No name: a title only one practitioner holds ("la dentiste") still points at them.
    by_title = {p.id: _title_score(words, p) for p in clinic.practitioners}
    return _confident_best(by_title, minimum=0.6)


# ---------------------------------------------------------------------------
# Choosing among offered buttons
# ---------------------------------------------------------------------------

_ORDINALS: Mapping[str, int] = {
    **dict.fromkeys(("premier", "premiere", "1er", "1re", "first", "1st", "un", "one"), 0),
    **dict.fromkeys(("deuxieme", "second", "seconde", "2e", "2eme", "2nd", "deux", "two"), 1),
    **dict.fromkeys(("troisieme", "third", "3e", "3eme", "3rd", "trois", "three"), 2),
    **dict.fromkeys(("quatrieme", "fourth", "4e", "4eme", "4th", "quatre", "four"), 3),
    **dict.fromkeys(("cinquieme", "fifth", "5e", "5eme", "5th", "cinq", "five"), 4),
    **dict.fromkeys(("dernier", "derniere", "last"), -1),
}
# fmt: off
_CHOICE_FILLERS = frozenset({
    "le", "la", "l", "les", "the", "one", "option", "choix", "choice", "celui", "celle", "ci",
    "number", "numero", "num", "no", "n", "je", "j", "prends", "prend", "prendrai", "take",
    "i", "ll", "will", "veux", "want", "voudrais", "svp", "please", "stp", "plz", "ok", "alors",
    "bouton", "button", "creneau", "slot", "horaire", "rdv", "merci", "thanks",
})
_REFUSALS = frozenset({"pas", "not", "aucun", "aucune", "none", "neither", "ni", "autre", "other"})
# fmt: on


def match_choice(text: str, labels: Sequence[str]) -> int | None:
    """The index of the offered label a patient picks ("2", "le premier", "9h15"), if clear."""
    words = _words(text[:MAX_CHARS])
    if not words or not labels:
        return None
    normalized = [" ".join(_words(label)) for label in labels]
    if " ".join(words) in normalized:
        return normalized.index(" ".join(words))
    if not _REFUSALS.isdisjoint(words):
        return None
    for finder in (_choice_by_rank, _choice_by_facts, _choice_by_words):
        found = finder(text[:MAX_CHARS], words, labels)
        if found is not None:
            return found
    return None


def _choice_by_rank(text: str, words: Sequence[str], labels: Sequence[str]) -> int | None:
    """A position in the list: "2", "n°2", "le premier", "the last one"."""
    core = [word for word in words if word not in _CHOICE_FILLERS]
    if len(core) != 1:
        return None
    word = core[0]
    if word.isdigit() and len(word) <= 2:
        index = int(word) - 1
        # "3" when a label says "3 déc" may mean that day, not the third button.
        clashes = any(word in _words(label) for i, label in enumerate(labels) if i != index)
        return index if 0 <= index < len(labels) and not clashes else None
    rank = _ORDINALS.get(word)
    if rank is None or rank >= len(labels):
        return None
    return rank % len(labels)


def _choice_by_facts(text: str, words: Sequence[str], labels: Sequence[str]) -> int | None:
    """The one label with the time and/or weekday written: "9h15", "jeudi"."""
    folded = _fold_for_dates(text)
    times = _clock_times(folded, guess_afternoon=True)
    weekdays = _weekdays_in(word for word in folded.split() if len(word) >= 5)
    if not times and not weekdays:
        return None
    facts = [_label_facts(label) for label in labels]
    check_weekdays = bool(weekdays) and any(label_days for _, label_days in facts)
    candidates = [
        index
        for index, (label_times, label_days) in enumerate(facts)
        if (not times or times & label_times) and (not check_weekdays or weekdays & label_days)
    ]
    return candidates[0] if len(candidates) == 1 else None


@lru_cache(maxsize=1024)
def _label_facts(label: str) -> tuple[frozenset[time], frozenset[int]]:
    folded = _fold_for_dates(label)
    times = _clock_times(folded, guess_afternoon=False)
    return frozenset(times), frozenset(_weekdays_in(folded.split()))


def _choice_by_words(text: str, words: Sequence[str], labels: Sequence[str]) -> int | None:
    """The label sharing words no other label has: "Dr Martin", "le vaccin"."""
    content = [word for word in words if word not in _CHOICE_FILLERS | _STOPWORDS]
    label_words = [set(_words(label)) for label in labels]
    scores = {}
    for index, own in enumerate(label_words):
        others = set().union(*(w for i, w in enumerate(label_words) if i != index))
        scores[index] = sum(
            1.0 for word in content if _matches_any(word, own) and not _matches_any(word, others)
        )
    return _confident_best(scores, minimum=1.0)


def _matches_any(word: str, targets: Iterable[str]) -> bool:
    return any(_likeness(word, target) >= 0.6 for target in targets)


def _clock_times(folded: str, *, guess_afternoon: bool) -> set[time]:
    """Every clock time in date-folded text ("09:15", "9h15", "3pm"); "3h" may be 15:00."""
    found = set()
    for pattern in (_TIME_MERIDIEM, _TIME_FRENCH, _TIME_COLON):
        for match in pattern.finditer(folded):
            clock = _clock_from(match, pattern)
            if clock is not None:
                found.add(clock)
    if guess_afternoon:
        found |= {clock.replace(hour=clock.hour + 12) for clock in found if 1 <= clock.hour <= 6}
    return found


def _weekdays_in(words: Iterable[str]) -> set[int]:
    return {day for word in words if (day := _WEEKDAY_OF.get(word.rstrip("."))) is not None}


# ---------------------------------------------------------------------------
# Dates and times
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A moment a patient asks for, in the clinic's local time; any part may be missing."""

    day: date | None
    at: time | None
    part: PartOfDay | None
    problem: Literal["past", "ambiguous"] | None = None
    echo: str = ""


_WEEKDAY_NAMES = (
    ("lundi", "monday", "mon"),
    ("mardi", "tuesday", "tue", "tues"),
    ("mercredi", "wednesday", "wed", "mer"),
    ("jeudi", "thursday", "thu", "thur", "thurs", "jeu"),
    ("vendredi", "friday", "fri", "ven"),
    ("samedi", "saturday", "sat", "sam"),
    ("dimanche", "sunday", "sun", "dim"),
)
#: Weekday words, abbreviations included, as they appear in the bot's own button labels.
_WEEKDAY_OF = {name: day for day, names in enumerate(_WEEKDAY_NAMES) for name in names}
_MONTH_NAMES = (
    ("janvier", "janv", "january", "jan"),
    ("fevrier", "fevr", "fev", "february", "feb"),
    ("mars", "march"),
    ("avril", "avr", "april", "apr"),
    ("mai", "may"),
    ("juin", "june", "jun"),
    ("juillet", "juil", "july", "jul"),
    ("aout", "august", "aug"),
    ("septembre", "sept", "september", "sep"),
    ("octobre", "october", "oct"),
    ("novembre", "november", "nov"),
    ("decembre", "december", "dec"),
)
_MONTH_OF = {name: month for month, names in enumerate(_MONTH_NAMES, 1) for name in names}
_NUMBER_WORDS = {
    "un": 1, "une": 1, "a": 1, "an": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3,
    "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8,
    "eight": 8, "dix": 10, "ten": 10, "quinze": 15,
}  # fmt: skip
#: Long date words a typo may hide ("tommorow", "mecredi"); months and parts of day are
#: left out on purpose: "marche" is not March, "Martin" is not "matin".
_DATE_VOCABULARY = (
    "demain", "tomorrow", "aujourdhui", "yesterday", "today", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday",
)  # fmt: skip

_MONTH = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
_NUMBER = r"\d{1,3}|" + "|".join(_NUMBER_WORDS)
_ORDINAL = r"(?:er|re|e|eme|ieme|st|nd|rd|th)"

_GOOD_DAY = re.compile(r"\bgood (?:morning|afternoon|evening|night)\b")
_PART_TODAY = re.compile(
    r"\b(?:ce (matin)|this (morning)|cet? (apres ?midi|aprem)|this (afternoon)|"
    r"ce (soir)|this (evening)|(tonight))\b"
)
_PART = re.compile(
    r"\b(matin(?:ee)?|morning|apres ?midi|aprem|apm|afternoon|soir(?:ee)?|evening|night|nuit)\b"
)
_RELATIVE_HOURS = re.compile(
    rf"\b(?:dans|in)\s+({_NUMBER})\s*(h|hr?s?|heures?|hours?|min|mins|minutes?)\b"
)
_TIME_MERIDIEM = re.compile(r"\b(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])m\b")
_TIME_FRENCH = re.compile(
    r"\b(\d{1,2})\s*(?:h|heures?)\s*(?:(\d{2})|et\s+(demie?|quart))?(?![a-z0-9])"
)
_TIME_COLON = re.compile(r"\b(\d{1,2})[:](\d{2})\b")
_TIME_OCLOCK = re.compile(r"\b(\d{1,2})\s*o\s?clock\b")
_TIME_WORD = re.compile(r"\b(midi|noon|minuit|midnight)\b")
_TIME_AFTER_WORD = re.compile(
    r"\b(?:a|at|vers|around|avant|apres|before|after|des|from)\s+(\d{1,2})(?:[.](\d{2}))?\b"
    r"(?!\s*(?:[/:]|jours?|days?|semaines?|weeks?|mois|months?|ans?|years?|min))"
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,4})[/.\-](\d{1,2})(?:[/.\-](\d{2,4}))?\b(?![/.\-]\d)")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}}){_ORDINAL}?\s+(?:de\s+|of\s+)?({_MONTH})\b\.?(?:\s+(\d{{4}}))?"
)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(?:the\s+)?(\d{{1,2}}){_ORDINAL}?\b(?:\s*(\d{{4}}))?")
_RELATIVE_DAYS = re.compile(
    rf"\b(?:(dans|in|d ici)\s+)?({_NUMBER})\s+(jours?|days?|semaines?|weeks?|mois|months?)"
    r"(?:\s+(from now|from today|later|plus tard))?\b"
    r"|\b(?:in|dans) (?:a |une )?(fortnight|quinzaine)\b"
)
_DAY_WORDS = re.compile(
    r"\b(apres ?demain|day after tomorrow|surlendemain|avant ?hier|day before yesterday|"
    r"aujourd ?hui|auj|ajd|today|demain|tomorrow|tmrw|tmr|2moro|hier|yesterday)\b"
)
_DAY_OFFSETS = {  # spaces removed; any other day word means today
    "apresdemain": 2, "dayaftertomorrow": 2, "surlendemain": 2, "avanthier": -2,
    "daybeforeyesterday": -2, "hier": -1, "yesterday": -1, "demain": 1, "tomorrow": 1,
    "tmrw": 1, "tmr": 1, "2moro": 1,
}  # fmt: skip
_WEEKDAY = re.compile(
    r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|tues?|wed|thu|thurs?|fri|sat|sun)s?\b"
)
_NEXT_WEEK = re.compile(r"\b(?:(?:la )?semaine prochaine|next week)\b")
_DAY_OF_MONTH = re.compile(rf"\b(le|du|au|on|the|on the)?\s*\b(\d{{1,2}})({_ORDINAL})?\b")
#: dateparser only sees leftovers with a number and a unit or month ("3 weeks", "three
#: weeks from now"): alone, it reads "mai" as 2 May, "3" as March and "a" as January.
_DATEPARSER_WORTHY = re.compile(
    rf"\b(?:\d+|{'|'.join(_NUMBER_WORDS)})\b.*"
    rf"\b(?:{_MONTH}|jours?|days?|semaines?|weeks?|mois|months?)\b"
)
#: When a part of the day is over, for "ce matin" asked in the afternoon.
_PART_ENDS = {
    PartOfDay.MORNING: time(12, 0),
    PartOfDay.AFTERNOON: time(18, 0),
}


class _Scan:
    """Text being read: each piece understood is blanked, so no other rule reads it again."""

    def __init__(self, text: str) -> None:
        self.text = f" {text} "

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first match of ``pattern``, now blanked out of the text."""
        match = pattern.search(self.text)
        if match:
            self.blank(match)
        return match

    def blank(self, match: re.Match[str]) -> None:
        """Blank a match out of the text."""
        start, end = match.span()
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]


@dataclass
class _Reading:
    """What has been read so far from a date/time message."""

    today: date
    day: date | None = None
    at: time | None = None
    part: PartOfDay | None = None
    exact_clock: bool = False  # "3pm", "midi", "dans 2h": no afternoon guess
    weekday: int | None = None
    week_of: date | None = None
    ambiguous: bool = False


@lru_cache(maxsize=4096)
def _date_word(word: str) -> str:
    if not word.isalpha() or word in _CONCEPT_OF or word in _MONTH_OF:
        return word
    return closest_word(word, _DATE_VOCABULARY) or word


def _fold_for_dates(text: str) -> str:
    """Casefolded, accent-free ASCII keeping ``: / . -`` between digits; typos fixed."""
    folded = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", fold(text))
    folded = re.sub(r"[^a-z0-9:/.\-]+", " ", folded)
    folded = re.sub(r"(?<![0-9])[:/.\-]|[:/.\-](?![0-9])", " ", folded)
    return " ".join(_date_word(word) for word in folded.split())


def understand_when(text: str, *, now: datetime, zone: ZoneInfo, language: str) -> When | None:
    """The day, time and part of day a patient asks for, relative to ``now``; None if none."""
    local = now.astimezone(zone)
    scan = _Scan(_fold_for_dates(text[:MAX_CHARS]))
    reading = _Reading(today=local.date())
    try:
        for step in _STEPS:
            step(scan, reading, local, language)
    except OverflowError:  # "dans 999 mois" from a `now` near year 9999
        return None
    return _conclude(reading, local)


def _read_relative_hours(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """A moment counted from now: "dans 2 heures", "in 30 min"."""
    match = scan.take(_RELATIVE_HOURS)
    if not match:
        return
    amount = _number(match.group(1))
    unit = timedelta(minutes=1) if match.group(2).startswith("m") else timedelta(hours=1)
    # Add in UTC: aware arithmetic within one zone is wall-clock and skips DST changes.
    moment = (local.astimezone(UTC) + amount * unit).astimezone(local.tzinfo)
    r.day, r.at = moment.date(), moment.time().replace(second=0, microsecond=0)
    r.exact_clock = True


def _read_part(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """The part of the day: "ce soir", "demain après-midi", "morning"."""
    scan.take(_GOOD_DAY)
    today = scan.take(_PART_TODAY)
    found = today or scan.take(_PART)
    if not found:
        return
    word = next(group for group in found.groups() if group)
    r.part = _part_named(word)
    if today:
        r.day = r.day or r.today


def _part_named(word: str) -> PartOfDay:
    if word.startswith(("mat", "morn")):
        return PartOfDay.MORNING
    if word.startswith(("apr", "apm", "after")):
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


def _read_time(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """A clock time, as written: "15h30", "3pm", "15:30", "midi"."""
    if r.at is not None:
        return
    for pattern in (_TIME_MERIDIEM, _TIME_FRENCH, _TIME_COLON, _TIME_OCLOCK, _TIME_WORD):
        match = scan.take(pattern)
        if match:
            r.at = _clock_from(match, pattern)
            r.exact_clock = pattern is _TIME_MERIDIEM or pattern is _TIME_WORD
            return


def _read_late_time(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """A bare hour after a preposition ("à 9", "at 3"), read once dates are out of the way."""
    if r.at is None and (match := scan.take(_TIME_AFTER_WORD)):
        r.at = _clock_from(match, _TIME_AFTER_WORD)


def _clock_from(match: re.Match[str], pattern: re.Pattern[str]) -> time | None:
    """The time a clock pattern matched, or ``None`` if it is no valid time."""
    if pattern is _TIME_WORD:
        return time(12, 0) if match.group(1) in ("midi", "noon") else time(0, 0)
    hour, minute = int(match.group(1)), _minutes(match)
    if pattern is _TIME_MERIDIEM:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match.group(3) == "p" else 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _minutes(match: re.Match[str]) -> int:
    groups = match.groups()
    if len(groups) > 1 and groups[1] and groups[1].isdigit():
        return int(groups[1])
    if len(groups) > 2 and groups[2] in ("demi", "demie", "quart"):
        return 15 if groups[2] == "quart" else 30
    return 0


def _read_relative_days(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """A day counted from today: "dans 2 semaines", "in 3 days", "in a fortnight"."""
    for match in _RELATIVE_DAYS.finditer(scan.text):
        if match.group(5):
            r.day = r.today + timedelta(days=14)
        elif match.group(1) or match.group(4):
            r.day = _add(r.today, _number(match.group(2)), match.group(3))
        else:
            continue
        if match.group(3) and match.group(3).startswith(("sem", "week")):
            r.week_of = r.day
        scan.blank(match)
        return


def _add(day: date, amount: int, unit: str) -> date | None:
    """``day`` plus some days, weeks or months (a month end clamps: 31 Jan + 1 month → 28 Feb)."""
    if unit.startswith(("sem", "week")):
        return day + timedelta(weeks=amount)
    if unit.startswith(("mois", "month")):
        year, month = divmod(day.year * 12 + day.month - 1 + amount, 12)
        if year > 9999:
            return None
        return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
    # French "dans huit/quinze jours" means one/two weeks.
    return day + timedelta(days={8: 7, 15: 14}.get(amount, amount) if unit == "jours" else amount)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 1)


def _read_numeric_date(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """Numeric dates ("3/12", "2026-12-03"): day/month, or month/day in English when clear."""
    for match in _NUMERIC_DATE.finditer(scan.text):
        first, second = int(match.group(1)), int(match.group(2))
        year = _year(match.group(3))
        if len(match.group(1)) == 4:
            found = _date_or_none(first, second, int(match.group(3) or 0))
        elif language == "en" and first <= 12 and second <= 12 and first != second:
            r.ambiguous = True
            found = None
        elif language == "en" and first <= 12 < second:
            found = _yearless(r.today, second, first, year)
        else:
            found = _yearless(r.today, first, second, year)
        if found or r.ambiguous:
            r.day = found
            scan.blank(match)
            return


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _date_or_none(year: int, month: int, day: int) -> date | None:
    if 1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]:
        return date(year, month, day)
    return None


def _yearless(today: date, day: int, month: int, year: int | None) -> date | None:
    """A day and month in ``year``, else the next one to come — unless it passed lately.

    A date that passed up to 90 days ago is kept (and reported as past): "le 1er
    décembre" on 2 December is a mistake to point out, not a booking next year.
    """
    if year is not None:
        return _date_or_none(year, month, day)
    this_year = _date_or_none(today.year, month, day)
    if this_year is not None and this_year >= today - timedelta(days=90):
        return this_year
    return _date_or_none(today.year + 1, month, day) or this_year


def _read_month_date(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """Dates with a month name: "le 3 décembre", "1er janvier 2020", "Dec 3"."""
    if r.day is not None or r.ambiguous:
        return
    match = scan.take(_DAY_MONTH)
    if match:
        day, month, year = match.group(1), match.group(2), match.group(3)
    elif match := scan.take(_MONTH_DAY):
        month, day, year = match.group(1), match.group(2), match.group(3)
    else:
        return
    r.day = _yearless(r.today, int(day), _MONTH_OF[month], _year(year))
    r.ambiguous = r.day is None  # "31 février"


def _read_day_word(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """Day words: "demain", "après-demain", "aujourd'hui", "hier", "tomorrow"."""
    match = scan.take(_DAY_WORDS)
    if match is None:
        return
    day = r.today + timedelta(days=_DAY_OFFSETS.get(match.group(1).replace(" ", ""), 0))
    if r.day is not None and r.day != day:
        r.ambiguous = True  # "demain le 5"
    r.day = day


def _read_weekday(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """Weekdays: "mardi", "next friday", "mardi de la semaine prochaine"."""
    if scan.take(_NEXT_WEEK):
        r.week_of = r.today + timedelta(weeks=1)
    match = scan.take(_WEEKDAY)
    if match is None or (language == "fr" and match.group(1) in ("sat", "sun")):
        return
    r.weekday = _WEEKDAY_OF[match.group(1)]


def _read_day_of_month(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """A day of the month ("le 3", "on the 3rd", "mardi 8"): the next one, today included."""
    if r.day is not None or r.ambiguous:
        return
    for match in _DAY_OF_MONTH.finditer(scan.text):
        if not (match.group(1) or match.group(3) or r.weekday is not None):
            continue  # a bare number is no date ("2 personnes")
        r.day = _next_day_of_month(r.today, int(match.group(2)))
        scan.blank(match)
        return


def _next_day_of_month(today: date, day: int) -> date | None:
    """The ``day``-th of this month if still ahead, else of the next month that has one."""
    year, month = today.year, today.month
    for _ in range(12):
        found = _date_or_none(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _read_with_dateparser(scan: _Scan, r: _Reading, local: datetime, language: str) -> None:
    """What is left, if it talks of days or months, read by dateparser (date only)."""
    rest = " ".join(scan.text.split())
    if r.day is not None or r.ambiguous or r.weekday is not None or len(rest) > 60:
        return
    if not _DATEPARSER_WORTHY.search(rest):
        return
    found = _dateparser_date(rest, local.replace(tzinfo=None))
    # dateparser reads "a week from today" as last week: trust it for days to come only.
    if found is not None and found >= r.today:
        r.day = found


def warm_up() -> None:
    """Load dateparser's language data and the word lists now (~0.8 s), not on a patient."""
    ordinary_words()
    _dateparser_date("3 weeks", datetime(2000, 1, 1))


def _dateparser_date(text: str, base: datetime) -> date | None:
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(text, languages=["fr", "en"], settings=settings)
    except Exception:  # a third-party parser on arbitrary text: no answer beats a crash
        return None
    return parsed.date() if isinstance(parsed, datetime) else None


_STEPS: tuple[Callable[[_Scan, _Reading, datetime, str], None], ...] = (
    _read_relative_hours,
    _read_part,
    _read_time,
    _read_relative_days,
    _read_numeric_date,
    _read_month_date,
    _read_day_word,
    _read_weekday,
    _read_late_time,  # before "le 3", so that "mardi à 9" is not read as Tuesday the 9th
    _read_day_of_month,
    _read_with_dateparser,
)


def _conclude(r: _Reading, local: datetime) -> When | None:
    """Put the pieces together: weekday against day, afternoon hours, past and ambiguity."""
    _place_weekday(r)
    at = _afternoon_hour(r)
    if r.ambiguous:
        return When(day=None, at=at, part=r.part, problem="ambiguous")
    if r.day is None and at is None and r.part is None:
        return None
    past = r.day is not None and _is_past(r.day, at, r.part, local)
    return When(day=r.day, at=at, part=r.part, problem="past" if past else None)


def _place_weekday(r: _Reading) -> None:
    """Resolve a weekday: within a named week, against a given date, or the next one."""
    if r.weekday is None:
        if r.week_of is not None and r.day is None:
            r.ambiguous = True  # "la semaine prochaine": a week, not a day
        return
    if r.week_of is not None:
        monday = r.week_of - timedelta(days=r.week_of.weekday())
        r.day = monday + timedelta(days=r.weekday)
    elif r.day is None:
        r.day = r.today + timedelta(days=(r.weekday - r.today.weekday() - 1) % 7 + 1)
    elif r.day.weekday() != r.weekday:
        r.ambiguous = True  # "mardi 3 décembre" when the 3rd is a Thursday


def _afternoon_hour(r: _Reading) -> time | None:
    """Read "3h" or "8h du soir" as afternoon/evening: nobody books a clinic at 3 a.m."""
    if r.at is None or r.exact_clock or r.at.hour >= 12:
        return r.at
    later = r.part in (PartOfDay.AFTERNOON, PartOfDay.EVENING) or (
        r.part is None and 1 <= r.at.hour <= 6
    )
    return r.at.replace(hour=r.at.hour + 12) if later else r.at


def _is_past(day: date, at: time | None, part: PartOfDay | None, local: datetime) -> bool:
    if day != local.date():
        return day < local.date()
    clock = local.time()
    if at is not None:
        return at < clock.replace(second=0, microsecond=0)
    return part in _PART_ENDS and _PART_ENDS[part] <= clock
