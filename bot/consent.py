"""Consent before anything personal is kept: a short notice and an explicit "I agree".

Until the patient agrees to the clinic's current notice, their messages are not
processed. Each request is kept aside (oldest first, at most :data:`KEEP_AT_MOST`) and
the notice is shown — then only a one-line reminder while it is still just above. Once
they agree, with the button or in words ("ok j'accepte", "I agree", "👍"), every kept
request is answered in order, as if it had just arrived. A refusal, with the button or
in words ("non merci", "I don't agree"), forgets them: they are personal data we were
not allowed to keep. The notice also offers the clinic's other languages, by button or
by naming one ("english", "en français"). Emergencies are answered before all this, in
the engine, consent or not.

Words count as an answer only once the notice has been shown, and agreement only when
the message says nothing else ("ok", "oui d'accord", "yes I agree", "c bon"). A message
that agrees *and* asks for something ("oui je voudrais un rdv") is kept as a request and
the patient is asked to agree explicitly: consent must be unambiguous, and a "oui" at
the start of a sentence is often a way of talking (or an answer to the notice's
"Bonjour !") rather than a decision. It costs one tap, and the reminder says the
request is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot import nlu
from bot.flows.base import Outcome, State, TurnContext
from bot.i18n import LANGUAGE_NAMES
from bot.messages import Choice, Inbound, InboundKind, Reply
from common.text import normalize
from storage.db import UnitOfWork
from storage.models import Conversation

ACCEPT = "cs:yes"
DECLINE = "cs:no"
#: The language buttons' prefix, the same as the router's global language buttons.
LANGUAGE = "lang:"

#: Conversation data: the requests kept aside, oldest first, each ``{"kind", "text",
#: "button"}`` (rows written before lists were kept hold one such dict instead).
PENDING = "consent_pending"
#: Conversation data: the notice version shown, and when it was last shown in full
#: (``None`` once something else was said after it).
SHOWN = "consent_notice"
#: Requests kept at most (the oldest go first) and characters kept of each: enough for
#: a patient who writes in several short messages, bounded for one who pastes a lot.
KEEP_AT_MOST = 10
KEPT_CHARS = 4096
#: Within this time after the full notice it is still just above in the chat, so
#: another message gets a one-line reminder with the buttons instead of a second copy.
NOTICE_IN_VIEW = timedelta(hours=1)

Gate = tuple[Outcome, list[Reply]]
#: One turn of the flows (the router's ``run_turn``), handed in by the engine.
RunTurn = Callable[[TurnContext, State, int], Gate]


class Answer(StrEnum):
    """What a typed message says to the notice."""

    AGREE = "agree"
    REFUSE = "refuse"
    #: Answer-like words that decide nothing: "merci", "oui non", "ok ?".
    UNCLEAR = "unclear"


class ConsentCache:
    """Patients known to have agreed to a notice version: saves a query on most turns.
    Only a cache (the database is the truth): a consent is never withdrawn in place —
    erasure gives the chat a new patient — so an entry cannot go stale."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._agreed: dict[int, str] = {}

    def knows(self, patient_id: int, version: str) -> bool:
        """Whether this patient is known to have agreed to this version."""
        return self._agreed.get(patient_id) == version

    def remember(self, patient_id: int, version: str) -> None:
        """Note an agreement (forgetting everything when full: it is only a cache)."""
        if len(self._agreed) >= self.size:
            self._agreed.clear()
        self._agreed[patient_id] = version


@dataclass(frozen=True)
class Agreed:
    """The patient agreed just now: the requests kept aside, to answer oldest first."""

    messages: tuple[Inbound, ...]
    #: Where the conversation resumes, without the consent bookkeeping.
    state: State

    def replay(self, ctx: TurnContext, run_turn: RunTurn, misunderstandings: int) -> Gate:
        """Answer each kept request as its own step, the state carried from one to the
        next; all the replies, in order. Questions left for the LLM are asked together
        after the commit, so none is lost to a later one."""
        replies: list[Reply] = []
        questions: list[str] = []
        outcome = Outcome(self.state)
        for message in self.messages:
            ctx.inbound, ctx.pending_question = message, None
            outcome, said = run_turn(ctx, outcome.state, misunderstandings)
            replies += said
            misunderstandings = 0 if outcome.understood else misunderstandings + 1
            if ctx.pending_question:
                questions.append(ctx.pending_question)
        ctx.pending_question = "\n".join(questions) or None
        return Outcome(outcome.state, replies, understood=outcome.understood), replies


def has_consented(uow: UnitOfWork, ctx: TurnContext, cache: ConsentCache) -> bool:
    """Whether the patient agreed to the clinic's current notice."""
    return agreed_to(uow, ctx.patient.id or 0, ctx.clinic.privacy.notice_version, cache)


def agreed_to(uow: UnitOfWork, patient_id: int, version: str, cache: ConsentCache) -> bool:
    """Whether a patient agreed to this notice version (the cache spares a query)."""
    if cache.knows(patient_id, version):
        return True
    record = uow.consents.current(patient_id)
    if record is not None and record.notice_version == version:
        cache.remember(patient_id, version)
        return True
    return False


def consent_gate(
    uow: UnitOfWork,
    ctx: TurnContext,
    conversation: Conversation,
    state: State,
    cache: ConsentCache,
) -> Gate | Agreed | None:
    """None when consent is in force; the kept requests to answer now that the patient
    agreed; or what to say while they have not. ``state`` is where the flows would
    resume (the engine's view of the conversation)."""
    if has_consented(uow, ctx, cache):
        return None
    keep = State(conversation.flow, conversation.step, dict(conversation.data))
    if ctx.button == ACCEPT:
        return _agree(uow, ctx, keep, state)
    if ctx.button == DECLINE:
        return _decline(ctx, keep)
    if ctx.button and ctx.button.startswith(LANGUAGE):
        return _notice_in(ctx, keep, ctx.button.removeprefix(LANGUAGE))
    language = named_language(ctx.text, ctx.clinic.clinic.languages) if ctx.text else None
    if language is not None:
        return _notice_in(ctx, keep, language)
    answer = read_answer(ctx.text) if ctx.text else None
    if answer is Answer.AGREE and _seen(keep, ctx):
        return _agree(uow, ctx, keep, state)
    if answer is Answer.REFUSE and _seen(keep, ctx):
        return _decline(ctx, keep)
    if answer is None and worth_answering(ctx.inbound):
        _keep_aside(keep, ctx.inbound)
        return _remind(ctx, keep, "consent.reminder")
    return _remind(ctx, keep, "consent.unclear")


def notice(ctx: TurnContext) -> Reply:
    """The privacy notice, with its accept, decline and language buttons."""
    clinic = ctx.clinic
    days = int(clinic.privacy.message_retention.total_seconds() // 86400)
    text = ctx.t("consent.notice", clinic=clinic.clinic.name, days=days)
    if clinic.clinic.privacy_policy_url:
        text += "\n" + ctx.t("consent.policy", url=clinic.clinic.privacy_policy_url)
    return Reply(text, _buttons(ctx))


def worth_answering(message: Inbound) -> bool:
    """Whether a message kept before consent is a request to answer afterwards: not a
    bare greeting, thanks, "ok"/"yes" or /start (the welcome is shown anyway), nor a
    contact or a sticker (not ours to keep before consent)."""
    if message.kind is InboundKind.BUTTON:
        return message.button not in (None, ACCEPT, DECLINE)
    if message.kind is not InboundKind.TEXT or not message.text.strip():
        return False
    if message.text.split()[0].split("@")[0].casefold() == "/start":
        return False
    chit_chat = (nlu.Intent.GREETING, nlu.Intent.THANKS)
    return read_answer(message.text) is None and nlu.detect_intent(message.text) not in chit_chat


def kept_messages(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The requests kept aside in a conversation's data, oldest first (either shape)."""
    raw = data.get(PENDING)
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return [item for item in items if isinstance(item, dict)]


# ---------------------------------------------------------------------------
# The gate's answers
# ---------------------------------------------------------------------------


def _agree(uow: UnitOfWork, ctx: TurnContext, keep: State, state: State) -> Agreed:
    """Record the consent; the kept requests (or /start, for the welcome) to answer."""
    uow.consents.record(ctx.patient.id or 0, ctx.clinic.privacy.notice_version, ctx.now)
    ctx.events.append("consent.accepted")
    kept = (_as_inbound(ctx.inbound, item) for item in kept_messages(keep.data))
    requests = tuple(message for message in kept if worth_answering(message))
    start = replace(ctx.inbound, kind=InboundKind.TEXT, text="/start", button=None)
    return Agreed(requests or (start,), state.without(PENDING, SHOWN))


def _decline(ctx: TurnContext, keep: State) -> Gate:
    """Forget the kept requests (we may not keep them) and say how to reach the clinic."""
    ctx.events.append("consent.declined")
    state = keep.without(PENDING)
    shown = state.data.get(SHOWN)
    if isinstance(shown, dict):
        # Still seen (a typed "ok" later counts), but no longer the last thing said.
        state.data[SHOWN] = {**shown, "at": None}
    text = ctx.t("consent.declined", phone=ctx.clinic.clinic.phone)
    return Outcome(state), [Reply(text, _buttons(ctx))]


def _notice_in(ctx: TurnContext, keep: State, language: str) -> Gate:
    """Switch to an offered language (if it is one) and show the whole notice in it."""
    if language in ctx.clinic.clinic.languages:
        ctx.switch_language(language)
    return _full_notice(ctx, keep)


def _remind(ctx: TurnContext, keep: State, key: str) -> Gate:
    """A one-line reminder with the buttons while the notice is just above; else the notice."""
    if not _in_view(keep, ctx):
        return _full_notice(ctx, keep)
    accept, decline = ctx.t("consent.accept"), ctx.t("consent.decline")
    return Outcome(keep), [Reply(ctx.t(key, accept=accept, decline=decline), _buttons(ctx))]


def _full_notice(ctx: TurnContext, keep: State) -> Gate:
    version = ctx.clinic.privacy.notice_version
    keep.data[SHOWN] = {"version": version, "at": ctx.now.isoformat()}
    return Outcome(keep), [notice(ctx)]


def _buttons(ctx: TurnContext) -> tuple[Choice, ...]:
    languages = tuple(
        Choice(f"{LANGUAGE}{code}", LANGUAGE_NAMES.get(code, code))
        for code in ctx.clinic.clinic.languages
        if code != ctx.language
    )
    accept, decline = ctx.t("consent.accept"), ctx.t("consent.decline")
    return (Choice(ACCEPT, accept), Choice(DECLINE, decline), *languages)


# ---------------------------------------------------------------------------
# What the conversation remembers
# ---------------------------------------------------------------------------


def _keep_aside(keep: State, message: Inbound) -> None:
    item = {"kind": message.kind.value, "text": message.text[:KEPT_CHARS], "button": message.button}
    kept = kept_messages(keep.data)
    if kept and kept[-1] == item:
        return  # the same message again, as patients do when no answer comes: answer it once
    keep.data[PENDING] = [*kept, item][-KEEP_AT_MOST:]


def _as_inbound(current: Inbound, item: Mapping[str, Any]) -> Inbound:
    """A kept request as a message of this turn (this turn's ids, its own content)."""
    try:
        kind = InboundKind(item.get("kind", InboundKind.TEXT.value))
    except ValueError:
        kind = InboundKind.UNSUPPORTED  # a kind from another version: not replayed
    button = item.get("button")
    return replace(
        current,
        kind=kind,
        text=str(item.get("text") or "")[:KEPT_CHARS],
        button=button if isinstance(button, str) else None,
    )


def _seen(keep: State, ctx: TurnContext) -> bool:
    """Whether the patient was shown this notice, so that typed words answer it. Rows
    from before this was recorded hold a kept request only once the notice was shown."""
    shown = keep.data.get(SHOWN)
    if isinstance(shown, dict):
        return shown.get("version") == ctx.clinic.privacy.notice_version
    return bool(kept_messages(keep.data))


def _in_view(keep: State, ctx: TurnContext) -> bool:
    """Whether the full notice was the last thing shown, recently enough to be just above."""
    shown = keep.data.get(SHOWN)
    if not _seen(keep, ctx) or not isinstance(shown, dict):
        return False
    try:
        at = datetime.fromisoformat(str(shown.get("at")))
    except ValueError:
        return False
    return at.tzinfo is not None and timedelta(0) <= ctx.now - at < NOTICE_IN_VIEW


# ---------------------------------------------------------------------------
# Reading typed answers
# ---------------------------------------------------------------------------

_AGREE, _REFUSE, _NOT, _FILLER, _OTHER = "agree", "refuse", "not", "filler", "other"

# fmt: off
# (word lists read better as paragraphs than one word per line)
_WORDS: Mapping[str, tuple[str, ...]] = {
    _AGREE: (
        "oui", "ouais", "ouai", "ouep", "ouaip", "wi", "ok", "okay", "okey", "oki", "oke", "okok",
        "k", "o", "yes", "yep", "yup", "yeah", "ya", "y", "sure", "accept", "accepts", "accepted",
        "accepte", "accepter", "acceptes", "acceptez", "agree", "agre", "agrees", "agreed",
        "accord", "daccord", "dac", "dacc", "acc", "consent", "consens", "confirm", "confirme",
        "confirmer", "valide", "valider", "approve", "approuve", "bon", "marche", "parfait",
        "perfect", "super", "top", "nickel", "cool", "genial", "great", "good", "fine", "alright",
        "entendu", "volontiers", "absolument", "absolutely", "certainement", "certainly",
        "evidemment", "carrement", "exactement", "go",
    ),
    _REFUSE: (
        "non", "no", "nope", "nan", "nah", "nein", "refuse", "refuses", "refused", "refuser",
        "refusez", "refus", "decline", "declines", "declined", "disagree", "disagrees",
        "disagreed", "jamais", "never", "negatif", "negative", "aucun", "aucune", "none", "stop",
    ),
    # Negations turn agreement into refusal: "pas d'accord", "I don't agree", "n'accepte pas".
    _NOT: (
        "ne", "n", "pas", "not", "dont", "cant", "cannot", "wont", "isnt", "doesnt", "didnt",
        "nor", "ni",
    ),
    # Words that go with an answer without changing it: pronouns, politeness, greetings,
    # and what one agrees to ("j'accepte les conditions", "I accept the privacy policy").
    _FILLER: (
        "je", "j", "suis", "moi", "me", "m", "i", "im", "am", "it", "its", "s", "is", "c", "ce",
        "cest", "est", "ca", "cela", "va", "pour", "for", "by", "with", "to", "that", "this",
        "les", "la", "le", "l", "de", "d", "du", "des", "the", "a", "an", "all", "et", "and",
        "so", "alors", "donc", "mais", "but", "oh", "ah", "eh", "euh", "heu", "hum", "hmm", "bah",
        "ben", "well", "merci", "thanks", "thank", "thx", "ty", "you", "vous", "tu", "te",
        "beaucoup", "much", "lot", "bien", "tres", "very", "really", "vraiment", "tout", "fait",
        "totally", "totalement", "completely", "completement", "bonjour", "bonsoir", "salut",
        "hello", "hi", "hey", "coucou", "madame", "monsieur", "docteur", "svp", "stp", "please",
        "pls", "plz", "sil", "il", "plait", "veux", "want", "do", "ai", "lu", "read", "have", "ve",
        "conditions", "condition", "terms", "cgu", "notice", "politique", "policy", "privacy",
        "confidentialite", "regles", "rules", "donnees", "data", "vos", "votre", "your", "mes",
        "my", "now", "maintenant", "instant", "moment", "sounds",
    ),
}
# fmt: on
#: Several words meaning one answer, read as that answer before the words one by one
#: ("pas de souci" agrees although "pas" negates; "don't" is one negation).
_PHRASES = (
    (
        r"pas de (?:souci|soucis|probleme|problemes|pb)|aucun (?:souci|probleme)"
        r"|sans (?:souci|probleme)|no (?:problem|problemo|prob|worries)|not a problem"
        r"|pourquoi pas|why not|bien sur|of course|ca me va|veux bien|go ahead|vas y|allez y"
        r"|i do",
        "ok",
    ),
    (r"pas question|hors de question|no way|pas du tout|not at all", "non"),
    (r"(?:do|does|did|ca|wo|is|are|was|were|have|has|had|could|would|should|must|ai)n t", "not"),
)
_PHRASE_PATTERNS = tuple((re.compile(rf"\b(?:{p})\b"), f" {r} ") for p, r in _PHRASES)
_KIND_OF = {word: kind for kind, words in _WORDS.items() for word in words}
#: Only the words of the decision itself take a typo ("acepte", "agre", "refuze"); short
#: or common words have neighbours that mean something else ("never"/"fever").
_FUZZY_WORDS = (
    "accept", "accepte", "accepter", "accepted", "agree", "agreed", "daccord", "refuse",
    "refuser", "refused", "decline", "declined", "disagree", "confirme", "confirm",
)  # fmt: skip
_EMOJI_ANSWERS = {
    nlu.Intent.YES: Answer.AGREE,
    nlu.Intent.NO: Answer.REFUSE,
    nlu.Intent.STOP: Answer.REFUSE,
}
#: Names of the languages a patient may ask for ("en" alone, since "en français" is French).
_LANGUAGE_WORDS: Mapping[str, tuple[str, ...]] = {
    "en": ("english", "anglais", "eng", "ingles"),
    "fr": ("francais", "french", "france"),
}


def read_answer(text: str) -> Answer | None:
    """What a typed message answers to the notice, in French or English, typos tolerated;
    None when it is something else (a request, a question)."""
    words = _answer_words(text)
    if not words:  # emoji only: 👍 / 👎
        return _EMOJI_ANSWERS.get(nlu.detect_intent(text), Answer.UNCLEAR)
    kinds = {_word_kind(word) for word in words}
    if _OTHER in kinds:
        return _whole_message_answer(text, words)
    if "?" in text:
        return Answer.UNCLEAR  # "ok ?" asks, it does not decide
    agrees, refuses, negates = _AGREE in kinds, _REFUSE in kinds, _NOT in kinds
    if agrees and negates:
        return Answer.REFUSE  # "je ne suis pas d'accord", "I don't agree"
    if agrees and refuses:
        return Answer.UNCLEAR  # "oui non"
    if refuses or negates:
        return Answer.REFUSE
    return Answer.AGREE if agrees else Answer.UNCLEAR


def named_language(text: str, offered: Sequence[str]) -> str | None:
    """The language a message asks for ("english", "en français", "do you speak English?"):
    its code; "" when it asks for a language without naming one offered; None when it does
    not ask for a language."""
    if nlu.detect_intent(text) is not nlu.Intent.LANGUAGE:
        return None
    words = normalize(text).split()
    if words in (["en"], ["fr"]):
        named = {words[0]}
    else:
        named = {
            code
            for code, names in _LANGUAGE_WORDS.items()
            if any(word in names or nlu.closest_word(word, names) for word in words)
        }
    return named.pop() if len(named) == 1 and named <= set(offered) else ""


def _answer_words(text: str) -> list[str]:
    words_text = normalize(text[: nlu.MAX_CHARS])
    for pattern, replacement in _PHRASE_PATTERNS:
        words_text = pattern.sub(replacement, words_text)
    return words_text.split()


def _word_kind(word: str) -> str:
    squeezed = nlu.squeeze(word)  # "ouiii", "okkk", "nonnn"
    kind = _KIND_OF.get(word) or _KIND_OF.get(squeezed)
    if kind is None:
        close = nlu.closest_word(word, _FUZZY_WORDS) or nlu.closest_word(squeezed, _FUZZY_WORDS)
        kind = _KIND_OF[close] if close else _OTHER
    return kind


def _whole_message_answer(text: str, words: Sequence[str]) -> Answer | None:
    """A message our words do not cover may still be a known whole answer: a one-word
    "exactement" or "daccrod", or a stop ("arrêtez les messages") which refuses."""
    intent = nlu.detect_intent(text)
    if intent is nlu.Intent.STOP:
        return Answer.REFUSE
    if len(words) > 1:
        return None
    if intent in (nlu.Intent.GREETING, nlu.Intent.THANKS):
        return Answer.UNCLEAR
    return _EMOJI_ANSWERS.get(intent)
