"""Does a message try to make the front desk do or reveal what it must not? Rule-based, FR/EN.

A patient may only act on their own appointments and ask the clinic's practical
questions. Messages that try something else are refused before any flow, FAQ
lookup or LLM call — they never start a booking or a cancellation, and never
reach the model:

* overriding the assistant's instructions or role ("ignore your instructions",
  "tu es maintenant…", "pretend you are", "system prompt", "jailbreak");
* claiming authority to act for others ("I'm the doctor", "je suis la
  secrétaire", "admin mode");
* asking for other people's data or for many people at once ("other patients",
  "who had an appointment at 9", "le dossier de Mme X", "all appointments",
  "the personal number of Dr X");
* bulk actions ("book 30 slots", "cancel everything").

It reads :func:`common.text.normalize`-d text. It looks for the shape of such a
request (a verb of override, an authority claim, other people as the object),
not for one sentence: ordinary patients' messages do not use these shapes.
"""

from __future__ import annotations

import re

from common.text import normalize

MAX_CHARS = 4096

_OVERRIDE = re.compile(
    r"\b(?:ignore|ignorez?|oublie|oubliez|forget|disregard|bypass|override|contourne\w*)\b"
    r"(?: \w+){0,4} (?:instructions?|consignes?|regles?|rules?|prompt|programmation|"
    r"system|systeme|guidelines?|restrictions?|limites?|previous|precedent\w*|above|ci dessus)\b"
    r"|\b(?:system prompt|prompt systeme|jailbreak|dan mode|developer mode|mode developpeur|"
    r"mode admin|admin mode|sudo|root access)\b"
    r"|\b(?:tu es|you are|vous etes) (?:maintenant|desormais|now|from now on)\b"
    r"|\b(?:pretend|imagine) (?:you|to be|that you|tu|que tu)\b|\bfais semblant\b"
    r"|\b(?:act|behave) as\b|\bjoue(?:z)? (?:le role|un role)\b|\brole ?play\b"
    r"|\b(?:reveal|show|print|repeat|affiche|montre|repete|donne) (?:\w+ ){0,3}"
    r"(?:instructions?|consignes?|prompt|configuration|config|code source|source code)\b"
)
#: "I am the doctor / the secretary": a claim to act for the clinic.
_AUTHORITY = re.compile(
    r"\b(?:i m|im|i am|je suis|c est) (?:the |a |le |la |un |une |l )?(?:doctor|dr|doc|nurse|"
    r"secretary|receptionist|admin|administrator|administrateur|manager|owner|boss|staff|"
    r"police|policier|gendarme|docteur|medecin|secretaire|infirmiere|infirmier|directeur|"
    r"directrice|responsable|gerant|gerante|patron|patronne)\b(?! de garde)"
)
#: Other people's data: "other patients", "le dossier de Mme X", "who is coming today".
_OTHERS = re.compile(
    r"\b(?:other|others|another|autres?|all the|tous les|toutes les|all|every|la liste des|"
    r"list of|liste des?) (?:patients?|clients?|people|personnes|gens|rdv|appointments?|"
    r"bookings?|reservations?|dossiers?|records?)\b"
    r"|\b(?:dossier|dossiers|record|records|file|donnees|data|infos?|informations?|"
    r"adresse|address|numero|number|phone|telephone|rdv|appointment|resultats?|results?) "
    r"(?:\w+ ){0,2}(?:de|du|of|for) (?:mme|mr|mrs|ms|m|madame|monsieur|mademoiselle|"
    r"ma voisine|mon voisin|my neighbou?r|someone|quelqu un|quelquun|l autre patient)\b"
    r"|\b(?:who|qui) (?:\w+ ){0,3}(?:had|has|have|a eu|avait|a) (?:an? |un )?"
    r"(?:appointment|rdv|booking)\b"
    r"|\b(?:previous|last|dernier|precedent) (?:patient|client)\b"
    r"|\b(?:personal|private|perso|personnel|prive) (?:phone |mobile |cell )?(?:number|numero|"
    r"phone|address|adresse|email|mail)\b"
    r"|\b(?:numero|number|phone|adresse|address|email) (?:\w+ ){0,2}(?:personnel|perso|prive|"
    r"personal|private|home)\b"
)
#: Many slots or everyone's at once.
_BULK = re.compile(
    r"\b(?:book|reserve|reserver|prends?|prendre|cancel|annule\w*|supprime\w*|delete)"
    r"(?: \w+){0,2} (?:[2-9]\d|\d{3,}|all|every|tous|toutes) (?:the |les |des )?"
    r"(?:slots?|creneaux|rdv|appointments?|reservations?|bookings?|patients?)\b"
    r"|\b(?:[2-9]\d|\d{3,}) (?:slots?|creneaux|rdv|appointments?|reservations?)\b"
)
#: What someone claiming authority asks for when it is not their own care.
_ACTS_FOR_OTHERS = re.compile(
    r"\b(?:donne|donnez|give|list|liste|lister|send|envoie|envoyez|show|montre|montrez|"
    r"cancel|annule|annulez|acces|access|export|exporte|delete|supprime)\b"
)


def is_manipulation(text: str) -> bool:
    """Whether a message tries to override the assistant or reach beyond the patient's own."""
    words = normalize(text[:MAX_CHARS])
    if not words:
        return False
    if any(shape.search(words) for shape in (_OVERRIDE, _OTHERS, _BULK)):
        return True
    # A nurse may book for herself: a claim of authority counts only with an act for others.
    return bool(_AUTHORITY.search(words) and _ACTS_FOR_OTHERS.search(words))
