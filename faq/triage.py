"""Safety triage: emergency red flags in a patient's message, French and English, no LLM.

Runs before any flow, retrieval or LLM call, and depends on nothing that can be
down. It reads :func:`bot.nlu.normalize`-d text (case, accents and punctuation
do not matter), first mends typos in the words that carry a red flag
("respirrer", "poitrinne", "suicidaire"), then looks for phrases, kind by kind.

It errs on the side of flagging — the reply only says "if this is an emergency,
call now" — but avoids the look-alikes that would scare patients for nothing:
"prise de sang" is no bleeding, "j'ai mal au dos" no emergency, "kiné
respiratoire" no breathing trouble, and a red flag denied just before ("pas de
douleur thoracique", "no chest pain") is not one.

An LLM may later *add* recall (flag what the rules miss); it may never remove a
flag: see :func:`llm_may_add_recall`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.nlu import normalize
from clinic.config import ClinicConfig, EmergencyNumber

#: Longer messages are cut: a red flag is said early, and it bounds the work.
MAX_CHARS = 600


@dataclass(frozen=True)
class Emergency:
    """A red flag found in a message: what kind, and the words that raised it."""

    kind: str
    matched: str


# ---------------------------------------------------------------------------
# Typo mending: only words that carry a red flag, only plausible typos
# ---------------------------------------------------------------------------

# fmt: off
_RED_FLAG_WORDS = frozenset({
    "respirer", "respire", "respirez", "poitrine", "thoracique", "thorax", "douleur",
    "douleurs", "saigne", "saignement", "saignements", "saigner", "hemorragie", "inconscient",
    "inconsciente", "evanoui", "evanouie", "connaissance", "suicide", "suicider", "suicidaire",
    "mourir", "convulsions", "convulse", "epilepsie", "epileptique", "anaphylactique",
    "overdose", "surdose", "enceinte", "grossesse", "etouffe", "comprimes", "medicaments",
    "infarctus", "cardiaque", "paralyse", "paralysie", "travers", "reveille", "nourrisson",
    "breathe", "breath", "breathing", "bleeding", "unconscious", "unresponsive", "suicidal",
    "seizure", "seizures", "responding", "crushing", "pregnant", "pregnancy", "swelling", "swollen",
    "poisoning", "poisoned", "fainted", "collapsed", "anaphylaxis", "overdosed", "drooping",
    "slurred", "tightness", "pressure", "haemorrhage", "hemorrhage", "convulsing", "myself",
})
#: Real words one typo away from a red-flag word: never "mended" into it.
_NOT_TYPOS = frozenset({
    "signe", "signes", "signer", "soigne", "soigner", "soignee", "soignes", "breeding",
    "spelling", "crashing", "responding", "enceintes", "mourait", "douceur", "douceurs",
    "travaux", "travers", "presser", "prissure", "bleeping", "drooling",
})
# fmt: on


def _typo_budget(word: str) -> int:
    # Short words have real neighbours ("mourir"/"courir"): six letters for one typo.
    return 0 if len(word) < 6 else 1 if len(word) < 9 else 2


@lru_cache(maxsize=1)
def _vocabulary_by_initial() -> dict[str, tuple[str, ...]]:
    # Typos seldom hit the first letter, and it spares "courir" → "mourir".
    by_initial: dict[str, list[str]] = {}
    for word in sorted(_RED_FLAG_WORDS):
        by_initial.setdefault(word[0], []).append(word)
    return {initial: tuple(words) for initial, words in by_initial.items()}


@lru_cache(maxsize=8192)
def _mend(word: str) -> str:
    """The red-flag word ``word`` is a typo of, else ``word`` itself."""
    budget = _typo_budget(word)
    if not budget or word in _RED_FLAG_WORDS or word in _NOT_TYPOS:
        return word
    squeezed = re.sub(r"(.)\1+", r"\1", word)  # "respiiirer", "poitrinne"
    if squeezed in _RED_FLAG_WORDS:
        return squeezed
    candidates = _vocabulary_by_initial().get(word[0], ())
    found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=budget)
    return word if found is None else str(found[0])


def _mended(text: str) -> str:
    return " ".join(_mend(word) for word in text.split())


# ---------------------------------------------------------------------------
# Red-flag phrases, on normalized text (lowercase ASCII words, single spaces)
# ---------------------------------------------------------------------------

_W = r"(?:\w+ )"  # any one word and its space: "_W{0,3}" allows up to three words between
_CANT = r"(?:can t|cant|cannot|can not|couldn t|couldnt|could not|unable to)"
_PERSON = (
    r"(?:bebe|enfant|fils|fille|petit|petite|nourrisson|ado|mari|femme|pere|mere|papa|maman|"
    r"conjoint|compagnon|compagne|frere|soeur|ami|amie|voisin|voisine|grand pere|grand mere|"
    r"baby|child|son|daughter|kid|toddler|infant|newborn|husband|wife|partner|mother|mum|mom|"
    r"father|dad|friend|brother|sister|grandma|grandpa|he|she|il|elle)"
)
#: What a person "does not answer" that is no emergency: the phone, messages.
_NOT_ABOUT_MESSAGES = (
    r"(?! (?:au|aux|a mes|a nos|a vos|a ses|a l|a mon|to (?:my|our|your|the|his|her)))"
)
_CHILD = re.compile(
    r"\b(?:bebe|enfant|fils|fille|petit|petite|nourrisson|ado|baby|child|son|daughter|kid|"
    r"toddler|infant|newborn|nourisson)\b"
)

_PATTERNS: dict[str, tuple[str, ...]] = {
    "unconscious": (
        r"\binconscient(?:e|s|es)?\b",
        r"\b(?:perdu|perd|perte de|perdre) connaissance\b",
        r"\bevanoui(?:e|s|es)?\b",
        r"\btombee? dans les pommes\b",
        r"\bne (?:se )?reveille (?:pas|plus)\b",
        rf"\b{_PERSON} {_W}{{0,3}}(?:ne|n) (?:repond|reagit|bouge) (?:plus|pas|presque plus)\b"
        + _NOT_ABOUT_MESSAGES,
        r"\bunconscious\b",
        r"\bunresponsive\b",
        r"\bpassed out\b",
        r"\bfainted\b",
        r"\bcollapsed\b",
        r"\b(?:won t|wont|will not|doesn t|does not|can t|cannot) wake (?:up|him|her)\b",
        r"\bnot waking up\b",
        rf"\b{_PERSON} (?:is |s |isn t |isnt )?{_W}{{0,2}}(?:not )?(?:responding|reacting)\b"
        + _NOT_ABOUT_MESSAGES,
    ),
    "breathing": (
        r"\b(?:arrive|arrives|parviens|parvient) (?:plus|pas|presque plus|plus du tout) "
        r"a respirer\b",
        r"\b(?:peux|peut|pouvons|pouvez|pourrais) (?:plus|pas|presque plus) respirer\b",
        r"\b(?:du mal|de la peine|difficultes?) (?:a|pour) respirer\b",
        r"\bdifficultes? respiratoires?\b",
        r"\bdetresse respiratoire\b",
        r"\b(?:j |il |elle |on |s |m )?(?:etouffe|etouffes|etouffent|suffoque|suffoques)\b",
        r"\bne respire (?:plus|pas|presque plus|mal)\b",
        r"\brespire (?:tres |vraiment |de plus en plus )?mal\b",
        r"\bmanque d air\b",
        r"\blevres? (?:toutes? )?(?:bleues?|violettes?)\b",
        rf"\b{_CANT} (?:to )?(?:breathe|breath|breathing|get (?:any )?air)\b",
        r"\b(?:struggling|struggle|hard|trouble|difficulty|difficult|hardly) "
        r"(?:to )?breath(?:e|ing)?\b",
        r"\b(?:not|stopped|isn t|isnt) breathing\b",
        r"\bshort(?:ness)? of breath\b",
        r"\bgasping\b",
        r"\bchoking\b",
        r"\bsuffocating\b",
        r"\b(?:blue lips|lips (?:are |turning |going )?blue)\b",
    ),
    "chest_pain": (
        rf"\bdouleurs? {_W}{{0,3}}(?:poitrine|thoracique|thoraciques|thorax)\b",
        rf"\bmal {_W}{{0,2}}(?:a|dans) la poitrine\b",
        r"\bmal au thorax\b",
        r"\b(?:poitrine|thorax) (?:qui |me )?"
        r"(?:serre|brule|comprime|ecrase|oppresse|fait (?:tres )?mal)\b",
        rf"\b(?:serrement|oppression|pression|poids|etau|brulure|ecrasement) {_W}{{0,3}}"
        r"(?:poitrine|thorax|thoracique)\b",
        r"\b(?:crise|arret) cardiaque\b",
        r"\binfarctus\b",
        r"\bchest (?:pain|pains|hurts|hurting|tightness|is tight|feels tight|pressure|"
        r"discomfort)\b",
        rf"\bpains? {_W}{{0,3}}chest\b",
        rf"\b(?:tight|tightness|pressure|crushing|squeezing|heaviness) {_W}{{0,3}}chest\b",
        r"\bcrushing pain\b",
        r"\b(?:heart attack|cardiac arrest)\b",
    ),
    "stroke": (
        rf"\bbouche {_W}?(?:de travers|tordue|deformee|qui tombe)\b",
        rf"\bvisage {_W}?(?:de travers|paralyse|deforme|qui tombe|tordu)\b",
        rf"\b(?:moitie|cote) du visage {_W}?(?:paralyse|tombe|ne bouge plus|engourdi)\b",
        r"\bparalysie (?:faciale|du visage|d un cote|soudaine)\b",
        r"\b(?:n arrive plus|ne peut plus|ne peux plus) (?:a )?"
        r"(?:parler|articuler|bouger (?:le|la|son|sa|mon|ma) (?:bras|jambe))\b",
        rf"\b(?:bras|jambe) {_W}?(?:paralyse|paralysee|inerte|engourdi d un cote)\b",
        r"\bn articule plus\b",
        r"\b(?:avc|accident vasculaire|attaque cerebrale)\b",
        r"\bstroke\b",
        r"\bface (?:is )?(?:drooping|droops|droopy|lopsided)\b",
        r"\bdrooping (?:face|mouth|side|smile)\b",
        r"\bslurr(?:ed|ing)\b",
        rf"\b{_CANT} (?:move|feel) (?:my|his|her|their) (?:arm|leg|face|side)\b",
        r"\bnumb(?:ness)? (?:on|down) one side\b",
        r"\bone side of (?:my|his|her|the|their) (?:face|body)\b",
    ),
    "severe_allergy": (
        r"\b(?:choc anaphylactique|oedeme de quincke|quincke)\b",
        r"\banaphyla\w*",
        rf"\b(?:gorge|langue|levres?|visage|bouche|paupieres?) {_W}{{0,2}}"
        r"(?:gonfle\w*|enfle\w*|se ferme|se serre|serree)\b",
        r"\breaction allergique (?:\w+ )?(?:grave|severe|forte|importante|violente)\b",
        r"\b(?:epipen|epi pen|anapen|stylo d adrenaline)\b",
        rf"\b(?:throat|tongue|lips?|face|mouth|eyelids?) {_W}{{0,2}}"
        r"(?:swelling|swollen|swell|swells|closing|tight)\b",
        r"\bsevere allergic reaction\b",
    ),
    "seizure": (
        r"\bconvuls\w*",
        r"\bcrise (?:d epilepsie|epileptique|convulsive|de convulsions?)\b",
        r"\bseizures?\b",
        r"\bseizing\b",
        r"\b(?:having|had|has) a fit\b(?! of)",
        r"\bepileptic fit\b",
        r"\b(?:is|s) fitting\b",
    ),
    "overdose": (
        r"\b(?:overdos\w*|surdose)\b",
        r"\btrop de (?:medicaments|medocs|comprimes|cachets|pilules|gelules|doliprane|"
        r"paracetamol|dafalgan|efferalgan|ibuprofene|advil|somniferes|anxiolytiques|insuline)\b",
        r"\b(?:avale|pris|prise|bu) (?:toute? (?:la|une|ma|sa) (?:boite|plaquette)|"
        r"tout (?:le|mon|son) (?:tube|flacon)|"
        r"toutes? (?:mes|ses|les) (?:pilules|comprimes|cachets|medicaments))\b",
        r"\bintoxication medicamenteuse\b",
        r"\btoo many (?:pills|tablets|painkillers|paracetamol|sleeping pills|meds|"
        r"of (?:my|his|her) pills)\b",
        r"\b(?:took|swallowed|taken|has taken|ate) (?:a whole|the whole|all (?:my|his|her|the)) "
        r"(?:bottle|box|pack|packet|pills|tablets)\b",
    ),
    "poisoning": (
        r"\bempoisonn\w*",
        rf"\b(?:avale|bu|boit|mange|ingere|bois) {_W}{{0,3}}(?:eau de javel|javel|produit "
        r"(?:menager|d entretien|toxique|chimique|vaisselle)|detergent|lessive|piles?|"
        r"batterie|white spirit|antigel|mort aux rats|champignons? (?:toxiques?|veneneux))\b",
        r"\bintoxication (?:au|a la|aux) (?:monoxyde|champignons?)\b",
        r"\bmonoxyde de carbone\b",
        r"\bcentre anti ?poison\b",
        r"(?<!food )\bpoison(?:ed|ing|ous)?\b",
        rf"\b(?:swallowed|drank|drunk|ate|ingested) {_W}{{0,3}}(?:bleach|detergent|cleaning "
        r"product|chemicals?|battery|batteries|antifreeze|rat poison|laundry pods?|washing "
        r"tablets?|dishwasher tablets?)\b",
        r"\bcarbon monoxide\b",
    ),
    "pregnancy_bleeding": (),  # two conditions at once: see _pregnancy_bleeding
    "bleeding": (
        rf"\bsaigne {_W}{{0,2}}(?:beaucoup|abondamment|enormement|sans arret|a flots|"
        r"tres fort|fort|de partout|comme un boeuf)\b",
        rf"\b(?:saignements?|hemorragies?) {_W}{{0,2}}(?:abondante?s?|importante?s?|massife?s?|"
        r"massives?|graves?|enormes?|qui ne s arrete pas)\b",
        r"\bhemorragie\b",
        rf"\b(?:saigne|saignement) {_W}{{0,3}}(?:ne s arrete|s arrete) pas\b",
        r"\barrete pas de saigner\b",
        rf"\bperd(?:s|u)? {_W}{{0,2}}beaucoup de sang\b",
        r"\b(?:beaucoup|plein|flaque) de sang\b",
        r"\b(?:crache|cracher|vomi|vomit|vomis|vomir) du sang\b",
        r"\bpisse le sang\b",
        rf"\bplaie {_W}?(?:profonde|beante)\b",
        rf"\bbleeding {_W}{{0,2}}(?:heavily|a lot|badly|profusely|everywhere|non stop|nonstop|"
        r"won t stop|wont stop|will not stop|doesn t stop|does not stop)\b",
        r"\b(?:heavy|severe|massive|uncontrolled|serious|heavily) bleeding\b",
        r"\b(?:won t|wont|will not|doesn t|does not|can t|cannot) stop (?:the )?bleeding\b",
        r"\blots? of blood\b",
        rf"\blosing {_W}?blood\b",
        r"\b(?:coughing|vomiting|throwing|spitting) (?:up )?blood\b",
        r"\bha?emorrhag(?:e|ing)\b",
        r"\bbleeding out\b",
        r"\bdeep (?:cut|wound|gash)\b",
    ),
    "suicide": (
        r"\bsuicid\w*",
        r"\b(?:me|se|te) (?:tuer|suicider|pendre|foutre en l air)\b",
        r"\bmettre fin a (?:mes|ses|ma|sa) (?:jours|vie)\b",
        r"\ben finir\b(?! avec\b)",
        r"\ben finir avec (?:la vie|ma vie|tout|moi)\b",
        rf"\b(?:envie|veux|voudrais|veut|aimerais|prefererais) {_W}?(?:de )?mourir\b",
        r"\b(?:veux|veut|voudrais) plus vivre\b",
        r"\b(?:plus|pas) envie de vivre\b",
        r"\bmarre de (?:la vie|vivre)\b",
        r"\bidees (?:noires|suicidaires)\b",
        r"\bpensees suicidaires\b",
        r"\b(?:me faire du mal|m automutiler|me scarifier|me mutiler)\b",
        r"\bsauter (?:du|d un|par la|de la) (?:pont|fenetre|balcon|toit|immeuble)\b",
        r"\bkill (?:myself|meself|himself|herself)\b",
        r"\b(?:end|take) (?:my|his|her) (?:own )?life\b",
        r"\bend it all\b",
        rf"\b(?:want|wanna|wish|going|ready) {_W}?(?:to )?die\b",
        r"\bwish i (?:was|were) dead\b",
        r"\bbetter off dead\b",
        r"\b(?:don t|do not|dont) want to (?:live|be alive|be here anymore|wake up)\b",
        r"\bno reason to live\b",
        r"\b(?:hurt|harm|cut) myself\b",
        r"\bself harm\w*",
    ),
}
# fmt: on

_COMPILED: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = tuple(
    (kind, tuple(re.compile(pattern) for pattern in patterns))
    for kind, patterns in _PATTERNS.items()
)

_PREGNANT = re.compile(r"\b(?:enceinte|grossesse|pregnant|pregnancy)\b")
_BLEEDING_WORD = re.compile(
    r"\b(?:saigne\w*|saignements?|sang|pertes? de sang|bleeding|bleed|blood|spotting)\b"
)
#: Blood that is a test, not a bleed: removed before looking for bleeding.
_BLOOD_TESTS = re.compile(
    r"\b(?:prises? de sang|analyses? de sang|bilans? sanguins?|tests? sanguins?|"
    r"groupe sanguin|don du sang|donner mon sang|blood (?:tests?|work|sample|donation|type|group)|"
    r"bloods)\b"
)
#: A red flag right after one of these is denied: "pas de douleur thoracique".
_NEGATIONS = frozenset(
    {"pas", "aucune", "aucun", "sans", "jamais", "no", "not", "without", "never"}
)


def triage(text: str) -> Emergency | None:
    """The emergency a message describes, if any (rule-based, FR/EN, typo-tolerant)."""
    words = normalize(text[:MAX_CHARS])
    if not words:
        return None
    mended = _mended(words)
    cleaned = _BLOOD_TESTS.sub(" ", mended)
    for kind, patterns in _COMPILED:
        if kind == "pregnancy_bleeding":
            found = _pregnancy_bleeding(cleaned)
            if found is not None:
                return found
            continue
        for pattern in patterns:
            for match in pattern.finditer(cleaned):
                if not _denied(cleaned, match.start()):
                    return Emergency(_refine(kind, cleaned), match.group(0).strip())
    return None


def _pregnancy_bleeding(text: str) -> Emergency | None:
    """Bleeding of any amount while pregnant."""
    pregnant = _PREGNANT.search(text)
    bleeding = _BLEEDING_WORD.search(text)
    if pregnant is None or bleeding is None or _denied(text, bleeding.start()):
        return None
    return Emergency("pregnancy_bleeding", f"{pregnant.group(0)} … {bleeding.group(0)}")


def _denied(text: str, start: int) -> bool:
    """Whether one of the three words before ``start`` denies what follows."""
    before = text[:start].split()[-3:]
    return not _NEGATIONS.isdisjoint(before)


def _refine(kind: str, text: str) -> str:
    # An unconscious child is its own kind: the reply (and the team) must know.
    if kind == "unconscious" and _CHILD.search(text):
        return "unconscious_child"
    return kind


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


def _is_suicide_line(number: EmergencyNumber) -> bool:
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
        (listening if _is_suicide_line(number) else urgent).append(number)
    return listening, urgent


def emergency_reply(emergency: Emergency, clinic: ClinicConfig, language: str) -> str:
    """What to tell a patient whose message raised a red flag: call now, with the numbers."""
    listening, urgent = _split_numbers(clinic.emergency_numbers)
    urgent = urgent or listening  # a clinic listing only one kind of number
    fr = language == "fr"
    if emergency.kind == "suicide" and listening:
        if fr:
            return (
                "Merci de nous l'avoir écrit. Vous n'êtes pas seul·e : appelez maintenant "
                f"{_numbers_text(listening, 'fr')} pour parler à quelqu'un. Si vous êtes en "
                f"danger immédiat, appelez {_numbers_text(urgent, 'fr')}."
            )
        return (
            "Thank you for telling us. You are not alone: call "
            f"{_numbers_text(listening, 'en')} now to talk to someone. If you are in "
            f"immediate danger, call {_numbers_text(urgent, 'en')}."
        )
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
