"""Turning questions into the terms retrieval compares: French and English, typos tolerated.

A text becomes a list of *terms*: :func:`common.text.normalize`-d words (no case,
accents or punctuation), without the words every question has ("je", "the",
"pouvez", "please"), plurals folded ("tarifs" → "tarif"), and the words of one
family — in either language — replaced by one concept ("garer", "stationner",
"park", "voiture" → ``~park``). That concept table is what lets "Je peux laisser
ma voiture quelque part ?" meet "Où puis-je me garer ?": it holds the everyday
vocabulary of a clinic's front desk, nothing specific to one clinic. A clinic
improves recall for its own wording by adding phrasings to ``faq.yaml``.

Three more things keep a question's terms about its topic: where-phrases that
only locate it are dropped ("oublié mon parapluie *dans la salle d'attente*" is
about lost property), numbers are dropped (ages, minutes), and "son"/"car" read
as English words only in a message that reads as English.

Typos are mended against the words the index knows (:class:`TypoMender`): one
edit from five letters, two from eight, as ``bot.nlu`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from common.text import normalize

#: The whole message, up to Telegram's limit: after a long story the question comes last.
MAX_CHARS = 4096

# fmt: off
#: Words that tell nothing about what is asked: FR/EN function words, politeness, the
#: verbs of asking ("pouvez", "need", "cherche"), people around the patient, fillers.
STOPWORDS = frozenset({
    "le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "et", "ou", "a", "au", "aux",
    "en", "dans", "sur", "sous", "pour", "par", "avec", "chez", "ce", "cet", "cette", "ces",
    "c", "ca", "cela", "ceci", "mon", "ma", "mes", "ton", "ta", "tes", "son", "sa", "ses",
    "notre", "nos", "votre", "vos", "leur", "leurs", "je", "j", "tu", "il", "elle", "on",
    "nous", "vous", "ils", "elles", "me", "m", "moi", "te", "t", "toi", "se", "s", "y", "lui",
    "est", "es", "sont", "suis", "etre", "etes", "ete", "ai", "as", "avons", "avez", "ont",
    "avoir", "eu", "qui", "que", "qu", "quoi", "quel", "quelle", "quels", "quelles", "dont",
    "ne", "n", "pas", "plus", "tres", "bien", "si", "alors", "donc", "mais", "car", "puis",
    "peux", "peut", "pouvons", "pouvez", "peuvent", "pourrais", "pourriez", "pourrait", "dois",
    "doit", "devons", "devez", "faut", "falloir", "fait", "faire", "faites", "fais", "font",
    "est-ce", "estce", "svp", "stp", "merci", "bonjour", "bonsoir", "salut", "coucou",
    "madame", "monsieur", "mme", "mr", "mrs", "ms", "dr", "docteur", "doctor", "doctors",
    "medecin", "medecins", "voudrais", "voulais", "veux", "voulez", "souhaite", "souhaiterais",
    "aimerais", "savoir", "sais", "sait", "demander", "demande", "question", "juste", "aussi",
    "encore", "deja", "quand", "comment", "pourquoi", "sans", "the", "an", "and", "or", "of",
    "to", "in", "at", "for", "with", "without", "by", "from", "about", "my", "your", "our",
    "their", "his", "her", "its", "i", "you", "we", "they", "he", "she", "it", "us", "them",
    "is", "am", "are", "was", "were", "be", "been", "being", "do", "does", "did", "doing",
    "have", "has", "had", "can", "could", "would", "should", "will", "shall", "may", "might",
    "must", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "this",
    "that", "these", "those", "there", "here", "any", "some", "please", "hi", "hello", "hey",
    "thanks", "thank", "just", "also", "get", "got", "know", "wondering", "wonder", "ask",
    "asking", "want", "wanted", "like", "possible", "tell", "let", "im", "ive", "id", "cant",
    "ll", "re", "ve", "o", "oui", "non", "yes", "no", "ok", "okay", "bjr", "slt", "cc", "pls",
    "plz", "cest", "ya", "quelqu", "quelque", "chose", "part", "thing", "something",
    "anything", "anyone", "anybody", "someone", "somebody", "accept", "accepte", "acceptez",
    "accepting", "accepted", "take", "takes", "taking", "prenez", "prends", "prend", "prendre",
    "prise", "need", "needs", "besoin", "cherche", "cherchons", "looking", "voir", "see",
    "mettre", "put", "wear", "porter", "use", "uses", "make", "devant", "facilement", "facile",
    "exactement", "exacte", "exact", "exactly", "probleme", "problem", "only", "seulement",
    "sorry", "desole", "desolee", "yet", "back", "retour", "if", "grave", "serious", "min",
    "minute", "minutes", "ans", "year", "years", "old", "kg", "demain", "tomorrow", "aujourd",
    "hui", "today", "maintenant", "now", "soir", "tonight", "mere", "mother", "mum", "mom",
    "pere", "father", "dad", "mari", "husband", "femme", "wife", "parent", "parents",
    "famille", "family", "clinique", "clinic", "cabinet", "centre", "center", "building",
    "batiment", "practice", "surgery", "office", "soigner", "soignez", "soigne", "soignent",
    "treat", "treats", "treating", "pratique", "pratiquez", "pratiquent", "proposez",
    "propose", "proposer", "offrez", "offre", "offer", "offers", "accompagner", "accompagne",
    "accompagnee", "accompany", "recu", "received", "serai", "serait", "sera", "passer",
    "passe", "come", "vais", "va", "vas", "allons", "vont", "irai", "dire", "dit", "donner",
    "donne", "laisser", "laisse", "arriver", "arrive", "arrivee", "faudrait", "faudra",
    "aurai", "aurais", "aura", "aurez", "auront", "avais", "avait", "serais", "seront",
    "etais", "etait", "peu", "beaucoup", "trop", "assez", "comme", "contre", "genre",
    "vraiment", "toujours", "jamais", "rien", "tout", "tous", "toute", "toutes", "autre",
    "autres", "meme", "fois", "ici", "bientot", "apres", "avant", "pendant", "depuis", "vers",
    "entre", "parce", "parceque", "go", "goes", "going", "went", "gets", "getting", "leave",
    "leaving", "give", "gives", "say", "said", "told", "find", "procedure", "process", "way",
    "running", "really", "actually", "very", "much", "many", "lot", "little", "bit", "all",
    "every", "other", "another", "same", "things", "still", "ever", "never", "always",
    "before", "after", "during", "since", "until", "fine", "right", "well", "sure", "enough",
    "again", "already", "soon", "jusqu", "jusque", "till", "pres", "proche", "near", "nearby",
    "autour", "around", "cote", "first", "premier", "premiere", "apply", "appliquez",
    "applique", "work", "works", "marche", "fonctionne", "recupere", "recuperer", "obtenir",
    "obtain", "receive", "ran", "out", "moment", "currently", "actuellement", "noir", "noire",
    "black", "blanc", "white", "rouge", "red", "bleu", "blue", "vert", "green", "new",
    "nouveau", "nouvelle", "one", "disponible", "available", "dispo",
})

#: Words that are function words in French but content in English ("son", "car"): read
#: as English only in a message that reads as English.
ENGLISH_READINGS = {"son": "child", "car": "park"}
# fmt: off
_ENGLISH_MARKERS = frozenset({
    "the", "my", "your", "is", "are", "do", "does", "can", "i", "what", "how", "where", "when",
    "which", "there", "have", "has", "will", "of", "for", "with", "at", "this", "that",
})
# fmt: on
# fmt: off
_FRENCH_MARKERS = frozenset({
    "le", "la", "les", "mon", "ma", "mes", "est", "sont", "je", "vous", "nous", "il", "elle",
    "des", "du", "une", "un", "pour", "avec", "et", "ou", "pas", "que", "qui", "quel",
    "quelle",
})
# fmt: on

#: Where-phrases that locate a question rather than say what it is about: "j'ai oublié mon
#: parapluie *dans la salle d'attente*" is about lost property, not the waiting room.
LOCATIVES = (
    "dans la salle d attente",
    "en salle d attente",
    "in the waiting room",
    "in the waiting area",
    "dans la clinique",
    "a la clinique",
    "at the clinic",
    "at your clinic",
    "in the clinic",
    "chez vous",
    "at your place",
    "on site",
    "sur place",
)

#: Word families, each a concept; multi-word entries are phrases matched before single words.
CONCEPTS: Mapping[str, tuple[str, ...]] = {
    "park": (
        "garer",
        "stationner",
        "stationnement",
        "parking",
        "parkings",
        "park",
        "parked",
        "parquer",
        "voiture",
        "car park",
        "carpark",
        "my car",
        "the car",
        "cars",
        "drive",
        "driving",
        "se garer",
        "place",
        "places",
        "place de parking",
    ),
    "transport": (
        "metro",
        "tram",
        "tramway",
        "bus",
        "transport",
        "transports",
        "en commun",
        "transports en commun",
        "public transport",
        "train",
        "subway",
        "underground",
        "tube",
        "station",
        "arret",
        "velo",
        "velov",
        "bike",
        "ligne",
        "gare",
        "sans voiture",
        "without a car",
        "sans vehicule",
    ),
    "address": (
        "adresse",
        "address",
        "situe",
        "situee",
        "situes",
        "located",
        "location",
        "localisation",
        "trouver",
        "find",
        "itineraire",
        "directions",
        "get there",
        "venir",
        "viens",
        "vient",
        "aller",
        "c est ou",
        "ou est",
        "ou se trouve",
        "ou etes vous",
        "vous etes ou",
        "ou sont",
        "where is",
        "where are",
        "where s",
        "get to",
    ),
    "access": (
        "accessible",
        "accessibilite",
        "fauteuil",
        "roulant",
        "wheelchair",
        "handicap",
        "handicape",
        "pmr",
        "mobilite reduite",
        "disabled",
        "disability",
        "ascenseur",
        "lift",
        "elevator",
        "marche",
        "marches",
        "stairs",
        "escalier",
        "escaliers",
        "step free",
        "poussette",
        "pram",
        "buggy",
        "plain pied",
    ),
    "bring": ("apporter", "amener", "ramener", "emmener", "bring", "prevoir", "prendre avec"),
    "documents": (
        "papier",
        "papiers",
        "document",
        "documents",
        "paperwork",
        "piece d identite",
        "identite",
        "carte vitale",
        "vitale",
        "health card",
        "insurance card",
        "health insurance card",
    ),
    "pay": (
        "payer",
        "paie",
        "paye",
        "paiement",
        "payment",
        "pay",
        "paying",
        "regler",
        "reglement",
        "cb",
        "carte bancaire",
        "carte bleue",
        "card",
        "cards",
        "especes",
        "cash",
        "liquide",
        "cheque",
        "cheques",
        "check",
        "contactless",
        "sans contact",
        "visa",
        "mastercard",
        "amex",
        "apple pay",
        "credit card",
        "debit card",
        "argent",
        "money",
        "monnaie",
    ),
    "reimburse": (
        "rembourse",
        "remboursee",
        "remboursement",
        "rembourser",
        "reimbursed",
        "reimburse",
        "reimbursement",
        "refund",
        "refunded",
        "tiers payant",
        "avance des frais",
        "avancer les frais",
        "avancer",
        "upfront",
        "up front",
        "secu",
        "securite sociale",
        "assurance maladie",
        "ameli",
        "mutuelle",
        "complementaire",
        "feuille de soins",
        "insurance",
        "claim",
        "covered",
        "cover",
        "pris en charge",
        "prise en charge",
    ),
    "price": (
        "prix",
        "tarif",
        "tarifs",
        "cout",
        "coute",
        "couter",
        "coutent",
        "cost",
        "costs",
        "price",
        "prices",
        "pricing",
        "fee",
        "fees",
        "charge",
        "charges",
        "expensive",
        "cher",
        "chere",
        "honoraires",
        "depassement",
        "depassements",
        "how much",
        "combien",
        "euros",
        "euro",
        "cheap",
    ),
    "duration": (
        "duree",
        "dure",
        "durent",
        "combien de temps",
        "how long",
        "long",
        "longtemps",
        "last",
        "lasts",
        "take long",
    ),
    "video": (
        "teleconsultation",
        "teleconsultations",
        "teleconsult",
        "video",
        "visio",
        "visioconference",
        "online",
        "en ligne",
        "a distance",
        "remote",
        "remotely",
        "zoom",
        "skype",
        "webcam",
        "virtual",
        "video call",
        "appel video",
        "appel visio",
    ),
    "cancel": (
        "annuler",
        "annule",
        "annulation",
        "cancel",
        "cancelling",
        "canceling",
        "cancelled",
        "canceled",
        "cancellation",
        "deplacer",
        "decaler",
        "reporter",
        "changer",
        "modifier",
        "reschedule",
        "rescheduling",
        "move",
        "change",
        "pas venir",
        "make it",
        "pourrai pas venir",
        "peux pas venir",
    ),
    "late": (
        "retard",
        "late",
        "en retard",
        "delay",
        "delayed",
        "running late",
        "bouchons",
        "bouchon",
        "coince",
        "coincee",
        "stuck",
        "traffic",
        "embouteillage",
        "embouteillages",
    ),
    "child": (
        "enfant",
        "enfants",
        "fils",
        "fille",
        "bebe",
        "mineur",
        "mineure",
        "mineurs",
        "ado",
        "adolescent",
        "adolescente",
        "child",
        "children",
        "kid",
        "kids",
        "son",
        "daughter",
        "minor",
        "minors",
        "teenager",
        "teen",
        "baby",
        "under 18",
        "moins de 18",
    ),
    "home": (
        "domicile",
        "a la maison",
        "chez moi",
        "chez elle",
        "chez lui",
        "chez nous",
        "home",
        "house",
        "housecall",
        "house call",
        "se deplacer",
        "deplace",
        "deplacent",
        "my house",
        "at home",
    ),
    "certificate": (
        "certificat",
        "certificats",
        "certificate",
        "certificates",
        "sick note",
        "arret de travail",
        "arret maladie",
        "doctor s note",
        "aptitude",
        "licence",
        "license",
        "non contre indication",
        "travail",
        "for work",
        "pour le travail",
        "job",
        "boulot",
        "employeur",
        "employer",
        "ecole",
        "school",
    ),
    "sport": (
        "sport",
        "sports",
        "foot",
        "football",
        "gym",
        "salle de sport",
        "club",
        "rugby",
        "tennis",
        "basket",
        "natation",
        "swimming",
        "marathon",
        "judo",
        "danse",
        "competition",
    ),
    "prescription": (
        "ordonnance",
        "ordonnances",
        "ordo",
        "prescription",
        "prescriptions",
        "renouveler",
        "renouvellement",
        "renew",
        "renewal",
        "repeat",
        "refaire",
        "reconduire",
        "refill",
        "medicament",
        "medicaments",
        "medication",
        "medications",
        "meds",
        "medocs",
    ),
    "results": (
        "resultat",
        "resultats",
        "result",
        "results",
        "labo",
        "laboratoire",
        "lab",
        "compte rendu",
        "analyse",
        "analyses",
    ),
    "language": (
        "anglais",
        "english",
        "langue",
        "langues",
        "language",
        "languages",
        "parle",
        "parlez",
        "parlent",
        "speak",
        "speaks",
        "speaking",
        "spoken",
        "francais",
        "french",
        "traducteur",
        "interprete",
        "interpreter",
        "translator",
        "espagnol",
        "spanish",
        "arabe",
        "arabic",
        "allemand",
        "german",
        "italien",
        "italian",
        "anglophone",
        "anglophones",
        "francophone",
        "english speaking",
        "english speaker",
    ),
    "wifi": ("wifi", "wi fi", "internet", "mot de passe", "password", "reseau", "network"),
    "waiting": (
        "salle d attente",
        "waiting room",
        "attente",
        "waiting",
        "attendre",
        "wait",
        "coin enfants",
        "coin jeux",
        "jouets",
        "toys",
        "play area",
    ),
    "mask": ("masque", "masques", "mask", "masks", "face mask", "face covering"),
    "pet": (
        "chien",
        "chiens",
        "chat",
        "chats",
        "animal",
        "animaux",
        "dog",
        "dogs",
        "cat",
        "cats",
        "pet",
        "pets",
        "chien guide",
        "guide dog",
        "toutou",
    ),
    "lost": (
        "oublie",
        "oubliee",
        "oublier",
        "perdu",
        "perdue",
        "perdus",
        "lost",
        "forgot",
        "forgotten",
        "left behind",
        "objets trouves",
        "objet trouve",
        "lost and found",
        "lost property",
        "retrouve",
        "retrouver",
        "trouve",
        "found",
        "hand in",
        "handed in",
        "rapporte",
        "parapluie",
        "umbrella",
        "lunettes",
        "glasses",
        "sac",
        "bag",
        "cles",
        "keys",
        "echarpe",
        "scarf",
        "gants",
        "gloves",
        "veste",
        "jacket",
        "manteau",
        "coat",
        "doudou",
        "portefeuille",
        "wallet",
    ),
    "new_patient": (
        "nouveau patient",
        "nouveaux patients",
        "nouvelle patiente",
        "new patient",
        "new patients",
        "medecin traitant",
        "regular gp",
        "register",
        "registering",
        "inscrire",
        "emmenage",
        "demenage",
        "moved",
        "just moved",
        "take on",
        "sign up",
        "devenir",
        "become",
    ),
    "hours": (
        "horaire",
        "horaires",
        "heures d ouverture",
        "opening hours",
        "hours",
        "ouvert",
        "ouverte",
        "ouverts",
        "ouvertes",
        "ouvre",
        "ouvrez",
        "ouverture",
        "open",
        "opening",
        "opens",
        "closing",
        "close",
        "closes",
        "fermez",
        "fermeture",
        "a quelle heure",
        "what time",
        "quelle heure",
        "matin",
        "morning",
        "apres midi",
        "afternoon",
        "midi",
        "lunch",
    ),
    "phone": (
        "telephone",
        "tel",
        "numero",
        "phone",
        "number",
        "call",
        "appeler",
        "joindre",
        "contacter",
        "ring",
        "contact",
        "telephoner",
        "mail",
        "email",
        "e mail",
        "courriel",
        "adresse mail",
        "adresse email",
        "adresse e mail",
        "email address",
        "e mail address",
    ),
    "desk": ("accueil", "front desk", "reception", "secretariat", "secretary", "secretaire"),
    "gp": (
        "generaliste",
        "generalistes",
        "medecine generale",
        "medecin generaliste",
        "gp",
        "gps",
        "general practitioner",
        "family doctor",
        "general consultation",
        "general practice",
    ),
    "dentist": (
        "dentiste",
        "dentistes",
        "dentaire",
        "dentaires",
        "dent",
        "dents",
        "tooth",
        "teeth",
        "dental",
        "dentist",
        "chirurgien dentiste",
        "carie",
        "caries",
    ),
    "checkup": ("controle", "check up", "checkup", "visite de controle", "bilan dentaire"),
    "cleaning": ("detartrage", "tartre", "scaling", "cleaning", "clean", "nettoyage"),
    "physio": (
        "kine",
        "kines",
        "kinesitherapeute",
        "kinesitherapie",
        "kinesi",
        "physio",
        "physios",
        "physiotherapy",
        "physiotherapist",
        "physical therapy",
        "reeducation",
        "rehab",
        "masseur kinesitherapeute",
    ),
    "nurse": ("infirmiere", "infirmier", "infirmieres", "nurse", "nurses", "ide"),
    "vaccine": (
        "vaccin",
        "vaccins",
        "vaccination",
        "vaccinations",
        "vacciner",
        "vaccine",
        "vaccines",
        "vaccinated",
        "jab",
        "jabs",
        "shot",
        "rappel",
        "booster",
        "grippe",
        "flu",
        "covid",
    ),
    "blood_test": (
        "prise de sang",
        "prises de sang",
        "analyse de sang",
        "analyses de sang",
        "bilan sanguin",
        "blood test",
        "blood tests",
        "blood work",
        "bloods",
        "blood sample",
        "test sanguin",
        "sang",
        "blood",
    ),
    "team": (
        "equipe",
        "team",
        "staff",
        "praticien",
        "praticiens",
        "practitioner",
        "practitioners",
        "who works",
        "qui travaille",
    ),
    "appointment": (
        "rendez vous",
        "rdv",
        "rendezvous",
        "appointment",
        "appointments",
        "appt",
        "visit",
        "visite",
        "visits",
        "visites",
    ),
    "services": ("prestations", "prestation", "services", "soins", "treatments"),
    "free": ("gratuit", "gratuite", "gratuits", "free", "payant", "payante"),
    "weekend": ("samedi", "dimanche", "week end", "weekend", "saturday", "sunday"),
    "night": ("nuit", "night", "garde", "on call", "out of hours", "after hours"),
    "sick": ("malade", "malades", "sick", "ill", "unwell", "souffrant"),
}
# fmt: on

_PLURAL = re.compile(r"(?<=[a-z]{3})(?<!s)s$")
CONCEPT_MARK = "~"


def fold_plural(word: str) -> str:
    """Drop a plural "s" and a feminine double "e": "tarifs" → "tarif", "situee" → "situe"."""
    word = _PLURAL.sub("", word)
    return word[:-1] if word.endswith("ee") and len(word) > 4 else word


def folded_words(text: str) -> list[str]:
    """Normalized words, plurals folded: what every table below is written in."""
    return [fold_plural(word) for word in normalize(text[:MAX_CHARS]).split()]


_STOP = frozenset(fold_plural(word) for word in STOPWORDS)


_LOCATIVE_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(" ".join(folded_words(p))) for p in LOCATIVES) + r")\b"
)


def _concept_tables() -> tuple[dict[str, str], re.Pattern[str] | None, dict[str, str]]:
    """Single words → concept, one regex for the phrases, phrase → concept."""
    words: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for concept, members in CONCEPTS.items():
        for member in members:
            folded = " ".join(folded_words(member))
            if " " in folded:
                phrases.setdefault(folded, concept)
            else:
                words.setdefault(folded, concept)
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b") if ordered else None
    return words, pattern, phrases


_WORD_CONCEPT, _PHRASE_PATTERN, _PHRASE_CONCEPT = _concept_tables()


def _phrase_token(match: re.Match[str]) -> str:
    return f" {CONCEPT_MARK}{_PHRASE_CONCEPT[match.group(0)]} "


def raw_words(text: str) -> tuple[str, ...]:
    """Folded words with phrase concepts already marked (``~price``), stopwords kept."""
    return _raw_words(text[:MAX_CHARS])  # cut first: the cache must not keep long texts


@lru_cache(maxsize=16384)
def _raw_words(text: str) -> tuple[str, ...]:
    folded = _LOCATIVE_PATTERN.sub(" ", " ".join(folded_words(text)))
    if _PHRASE_PATTERN is not None:
        folded = _PHRASE_PATTERN.sub(_phrase_token, folded)
    words = folded.split()
    if _reads_english(words):
        words = [CONCEPT_MARK + ENGLISH_READINGS[w] if w in ENGLISH_READINGS else w for w in words]
    return tuple(words)


def reads_as(text: str, language: str) -> int:
    """How much a text reads as ``language`` ("fr" or "en"): its markers of it, less the other's."""
    words = normalize(text).split()
    english = sum(word in _ENGLISH_MARKERS for word in words)
    french = sum(word in _FRENCH_MARKERS for word in words)
    return english - french if language == "en" else french - english


def _reads_english(words: list[str]) -> bool:
    english = sum(word in _ENGLISH_MARKERS for word in words)
    return english > sum(word in _FRENCH_MARKERS for word in words)


def word_term(word: str) -> str | None:
    """The term a (typo-free, folded) word stands for: a concept, the word, or None."""
    if word.startswith(CONCEPT_MARK):
        return word
    if word in _STOP or word.isdigit():
        return None  # numbers: ages, minutes, times — never what an entry is about
    concept = _WORD_CONCEPT.get(word)
    return CONCEPT_MARK + concept if concept is not None else stem(word)


_STEMMERS = (snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's stem, so "blanchir" meets "blanchiment" and "whiter" meets "whitening".

    Snowball's French and English stemmers (the words of a message are not tagged with a
    language): the shorter stem wins, and never under four letters, where stems of
    different words collide.
    """
    stems = [s for s in (stemmer.stemWord(word) for stemmer in _STEMMERS) if len(s) >= 4]
    return min(stems, key=len, default=word)


def terms(text: str) -> tuple[str, ...]:
    """The terms of a text as written (no typo mending): for the index's own texts."""
    found = (word_term(word) for word in raw_words(text))
    return tuple(dict.fromkeys(term for term in found if term is not None))


def concept_words() -> Iterable[str]:
    """Every single (folded) word the concept table and stopwords know."""
    for members in CONCEPTS.values():
        for member in members:
            yield from folded_words(member)
    yield from _STOP


class TypoMender:
    """Mends a patient's typos against the words an index knows."""

    def __init__(self, known: Iterable[str]) -> None:
        words = {w for w in known if not w.startswith(CONCEPT_MARK)}
        self.known = frozenset(words)
        self._by_initial: dict[str, tuple[str, ...]] = {}
        for initial in {w[0] for w in words}:
            self._by_initial[initial] = tuple(sorted(w for w in words if w[0] == initial))
        self._cache: dict[str, str] = {}

    def mend(self, word: str) -> str:
        """The known word ``word`` is a typo of, else ``word``."""
        if word in self.known or word.startswith(CONCEPT_MARK):
            return word
        cached = self._cache.get(word)
        if cached is None:
            cached = self._closest(word)
            if len(self._cache) < 65536:
                self._cache[word] = cached
        return cached

    def _closest(self, word: str) -> str:
        budget = 0 if len(word) < 5 else 1 if len(word) < 8 else 2
        if not budget or word.isdigit():
            return word
        squeezed = re.sub(r"(.)\1+", r"\1", word)
        if squeezed in self.known:
            return squeezed
        # Typos seldom hit the first letter; it also keeps the search to a slice.
        candidates = self._by_initial.get(word[0], ())
        found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=budget)
        return word if found is None else str(found[0])

    def terms(self, text: str) -> tuple[str, ...]:
        """The terms of a patient's text, typos mended."""
        found = (word_term(self.mend(word)) for word in raw_words(text))
        return tuple(dict.fromkeys(term for term in found if term is not None))
