"""Does a question ask for medical advice? Rule-based, French and English.

Such questions go to the team, never to the FAQ or the LLM: the bot gives
practical information only. A question is medical when it

* asks what to take or how to treat something ("que dois-je prendre pour…",
  "can I take ibuprofen", a dose, "prescris-moi…");
* asks what results or measures mean ("what do my results mean", "mon taux de…");
* asks whether something is serious or normal ("c'est grave ?", "should I worry",
  "too high") — unless it is about practicalities only ("10 minutes de retard,
  c'est grave ?");
* describes a symptom or condition ("j'ai mal à la gorge", "rash", "enceinte") —
  unless it asks about practicalities around it ("je tousse, faut-il un masque ?",
  "qui appeler la nuit ?").

It reads :func:`common.text.normalize`-d text, so case and accents do not matter.
Emergencies are not its business: :mod:`faq.triage` runs before it.
"""

from __future__ import annotations

import re

from common.text import normalize

MAX_CHARS = 4096  # the whole message (Telegram's limit): the question may come last

_MEDICINES = re.compile(
    r"\b(?:medicaments?|medocs?|cachets?|comprimes?|gelules?|sirops?|antibiotiques?|doliprane|"
    r"paracetamol|ibuprofene|advil|nurofen|aspirine|spasfon|smecta|dafalgan|efferalgan|"
    r"anti ?inflammatoires?|antihistaminiques?|cortisone|pilule|posologie|amoxicilline|"
    r"antidepresseurs?|insuline|somniferes?|ibuprofen|acetaminophen|tylenol|aspirin|"
    r"antibiotics?|amoxicillin|medications?|medicines?|meds|pills?|tablets?|painkillers?|"
    r"antidepressants?|insulin|sleeping pills?)\b"
)
#: Asking what to take, how much, whether one may, or for a prescription outright.
_ADVICE_VERBS = re.compile(
    r"\b(?:prendre|prends|prend|donner|donne|take|taking|give|mix|melanger|combiner|associer|"
    r"avec|with|pendant|while|combien|how many|how much|dose|prescri\w*|arreter|stop)\b"
)
_ADVICE = re.compile(
    r"\b(?:(?:que|quoi|qu est ce que) (?:\w+ ){0,3}(?:prendre|donner) pour|quoi prendre|"
    r"que prendre|que faire pour (?:soigner|calmer|soulager|faire passer)|"
    r"comment (?:soigner|soulager|traiter|calmer|faire passer|guerir)|remedes?|"
    r"traitement (?:pour|contre)|"
    r"what (?:should|can|could|do) (?:i|we|he|she) (?:take|give|use|do for)|what to take|"
    r"how (?:do|can|should) (?:i|we) (?:treat|cure|get rid of)|how to (?:treat|cure)|"
    r"remed(?:y|ies)|treatment for|cure for|"
    r"posologie|dosage|doses?|mg|milligrammes?|milligrams?|diagnosti\w*|diagnos\w*|"
    r"prescri\w* moi|prescribe me)\b"
)
_RESULTS = re.compile(
    r"\b(?:(?:que|qu est ce que) (?:veut|veulent|veux) dire|que signifie\w*|signification|"
    r"interpret\w*|what (?:do|does|did) (?:my|the|these|this|those) (?:\w+ ){0,3}mean|"
    r"mean for (?:me|my)|mon taux|ma glycemie|mes taux|taux de|my (?:levels|level|count)|"
    r"levels? of)\b"
)
_SERIOUS = re.compile(
    r"\b(?:c est grave|est ce (?:que c est )?grave|est ce grave|grave docteur|"
    r"(?:is|it s|isn t) (?:it |this |that )?(?:serious|dangerous|bad|normal|worrying)|"
    r"dangereux|dangereuse|est ce normal|c est normal|normal que|normal qu|"
    r"should i (?:be )?worr\w*|worried about|worry about|"
    r"(?:dois je|je dois|faut il|faut il s|dois je m) (?:m )?inquieter|m inquieter|inquietant|"
    r"too (?:high|low)|trop (?:haut|haute|eleve|elevee|bas|basse))\b"
)
_SYMPTOMS = re.compile(
    r"(?<!pas )\bmal (?:a|au|aux|de|partout|dans)\b|\b(?:j ai|il a|elle a|a|as|avez) "
    r"(?:tres |un peu |super |trop )?mal\b|"
    r"\b(?:douleurs?|fievre|temperature|toux|tousse|tousser|rhume|nez qui coule|nausees?|"
    r"vomi\w*|diarrhees?|constipe\w*|vertiges?|migraines?|maux|boutons?|eruptions?|"
    r"rougeurs?|plaques? rouges?|demangeaisons?|gratte|brulures?|infections?|infecte\w*|"
    r"gonfle\w*|bosses?|grosseurs?|boules?|saigne\w*|saignements?|sang|tension|diabetes?|"
    r"cholesterol|symptomes?|angine|otite|cystite|mycose|eczema|asthme|allergies?|"
    r"allergique|fatigue\w*|insomnies?|anxiete|angoisses?|depression|enceinte|grossesse|"
    r"pain|pains|ache|aches|aching|hurts?|hurting|sore|fever|feverish|cough\w*|"
    r"runny nose|nausea|nauseous|vomit\w*|throwing up|diarrh\w*|constipat\w*|dizzy|"
    r"dizziness|headaches?|rash|rashes|itch\w*|spots|lumps?|swollen|swelling|infected|"
    r"bleed\w*|blood|blood pressure|diabetic|symptoms?|sore throat|asthma|allerg\w*|"
    r"tired|fatigue|insomnia|anxiety|depressed|pregnant|pregnancy)\b"
)
#: The flu named for its vaccine is no symptom: "le vaccin contre la grippe".
_FLU = re.compile(r"\b(?:grippe|flu)\b")
_VACCINE = re.compile(r"\b(?:vaccin\w*|vaccine\w*|jab|shot)\b")
#: Blood that is a test, not a symptom.
_BLOOD_TESTS = re.compile(
    r"\b(?:prises? de sang|analyses? de sang|bilans? sanguins?|tests? sanguins?|"
    r"blood (?:tests?|work|sample)|bloods)\b"
)
#: Practicalities around a symptom: a mask, a certificate, an appointment, whom to call.
_LOGISTICS = re.compile(
    r"\b(?:masques?|masks?|certificats?|certificates?|sick note|arret (?:de travail|maladie)|"
    r"rdv|rendez vous|appointments?|retard|late|appeler|call|garde|on call|out of hours|"
    r"numero|phone|telephone|venir|come|coming|ordonnance|prescription|parking|horaires?|"
    r"hours|prix|tarif|price|cost|rembourse\w*|reimburs\w*)\b"
)


def is_medical_question(text: str) -> bool:
    """Whether a message asks for medical advice (or describes a symptom) rather than logistics."""
    words = normalize(text[:MAX_CHARS])
    if not words:
        return False
    words = " ".join(_BLOOD_TESTS.sub(" ", words).split())
    if _ADVICE.search(words) or _RESULTS.search(words):
        return True
    logistics = _LOGISTICS.search(words) is not None
    if _MEDICINES.search(words) and (_ADVICE_VERBS.search(words) or not logistics):
        return True
    symptom = _symptom(words)
    if _SERIOUS.search(words) and (symptom or not logistics):
        return True
    return symptom and not logistics


def _symptom(words: str) -> bool:
    found = _SYMPTOMS.search(words)
    if found is not None:
        return True
    # "grippe"/"flu" is a symptom, unless it names a vaccine.
    return _FLU.search(words) is not None and _VACCINE.search(words) is None
