"""The red-flag catalogue of safety triage: what patients write when it is an emergency.

Data, not logic: :mod:`faq.triage` reads a message with it. Everything here is
matched against *canonical* text — lowercase ASCII words separated by single
spaces, SMS spelling expanded ("jarrive pa" → "j arrive pas", "cant" →
"can t"), glued words split ("heartattack") and typos of red-flag words mended
("poitrinne") — in which "." ends a sentence and "," a clause.

The catalogue generalises by grammar rather than by listing sentences: a body
part near a symptom word ("<pain> … <chest>"), a person, a swallowing verb and a
substance, a wish and a way to die. Concepts (``<chest>``) are word lists; a
rule's pattern combines them with word gaps ``(?:\\w+ ){0,N}``, which never swallow
a negation ("veux pas mourir" is no "veux … mourir"). A rule may also require
other words near the match (``also``: a child, an allergen, a fever) or be ruled
out by some (``unless``). Each rule has a :class:`Level` saying how sure its
wording is:

* ``ACUTE`` — a symptom happening ("j'arrive plus à respirer"): an emergency
  unless denied, past, or hedged;
* ``MODERATE`` — worrying but often benign ("essoufflé", "arm feels numb"):
  an *uncertain* emergency unless something says it is sudden, severe or recent;
* ``NAMED`` — only the condition's name ("AVC", "seizure", "overdose"): it
  depends on the frame — "he is having a stroke" is one, "a stroke in 2019, can I
  book physio" is not.

Rules are kept per kind in priority order; the first kind with a certain flag
wins (a plain symptom before a vague one made certain by its context). A rule's
*anchor* — the element marked ``@`` in its pattern, else its rarest
required word or concept, worked out from the pattern itself — is what the message
must contain for the rule to be tried at all, and only around it: it keeps triage
fast on long messages without changing what it finds.

Below the catalogue sit the words of context (time, denial, hedges, frames) that
:mod:`faq.triage` weighs each match with, and the look-alikes it blanks out first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


class Level(Enum):
    """How much a rule's wording alone says about an emergency."""

    ACUTE = "acute"
    MODERATE = "moderate"
    NAMED = "named"


@dataclass(frozen=True)
class Spec:
    """A rule as written: its level, pattern, and what else the message must (not) say."""

    level: Level
    source: str
    also: tuple[str, ...] = ()
    unless: str | None = None
    #: A sign seen, not a feeling: "lips a bit blue" is no milder for the "a bit".
    firm: bool = False


def acute(source: str, *also: str, unless: str | None = None, firm: bool = False) -> Spec:
    """A symptom happening now: an emergency unless denied, past or (unless ``firm``) hedged."""
    return Spec(Level.ACUTE, source, also, unless, firm)


def moderate(source: str, *also: str, unless: str | None = None) -> Spec:
    """Worrying wording that is often benign: unsure unless sudden, severe or recent."""
    return Spec(Level.MODERATE, source, also, unless)


def named(source: str, *also: str, unless: str | None = None) -> Spec:
    """A condition's name: an emergency only in a present frame."""
    return Spec(Level.NAMED, source, also, unless)


# ---------------------------------------------------------------------------
# Canonical spelling: SMS words, glued words, typo-mending exceptions
# ---------------------------------------------------------------------------

# fmt: off
#: Phone spellings and contractions, by the canonical words they stand for.
SMS: Mapping[str, str] = {
    # French
    "g": "j ai", "jai": "j ai", "jsuis": "je suis", "jsui": "je suis", "chui": "je suis",
    "chuis": "je suis", "jss": "je suis", "jpeux": "je peux", "jpeu": "je peux",
    "jveux": "je veux", "jve": "je veux", "jvais": "je vais", "jvai": "je vais",
    "jcrois": "je crois", "jpense": "je pense", "jsais": "je sais", "jsai": "je sais",
    "jen": "j en", "jme": "je me", "jte": "je te", "jpp": "j en peux plus", "pa": "pas",
    "pk": "pourquoi", "pq": "pourquoi", "bcp": "beaucoup", "bcq": "beaucoup", "tjs": "toujours",
    "tjrs": "toujours", "tt": "tout", "tte": "toute", "ds": "dans", "ke": "que", "ki": "qui",
    "koi": "quoi", "qd": "quand", "qnd": "quand", "kan": "quand", "pr": "pour", "ptit": "petit",
    "ptite": "petite", "bb": "bebe", "ya": "y a", "yavait": "y avait", "mnt": "maintenant",
    "mtn": "maintenant", "mtnt": "maintenant", "auj": "aujourd hui", "ajd": "aujourd hui",
    "tro": "trop", "plu": "plus", "pu": "plus", "bi1": "bien", "jamai": "jamais", "mn": "min",
    "lheure": "l heure", "lair": "l air", "loeil": "l oeil", "jarive": "j arrive",
    "arive": "arrive", "enceint": "enceinte", "respir": "respire", "veu": "veux",
    "jveu": "je veux", "jpe": "je peux", "jvx": "je veux",
    "medoc": "medocs", "cacheton": "cachet", "cachetons": "cachets", "sui": "suis",
    # English
    "u": "you", "ur": "your", "r": "are", "im": "i m", "ive": "i ve", "cant": "can t",
    "dont": "don t", "wont": "won t", "didnt": "didn t", "doesnt": "doesn t", "isnt": "isn t",
    "wasnt": "wasn t", "couldnt": "couldn t", "shouldnt": "shouldn t", "aint": "ain t",
    "havent": "haven t", "hasnt": "hasn t", "arent": "aren t", "hes": "he s", "shes": "she s",
    "theyre": "they re", "theres": "there s", "thats": "that s", "wanna": "want to",
    "gonna": "going to", "gotta": "got to", "kinda": "kind of", "pls": "please",
    "plz": "please", "rn": "right now", "bc": "because", "cuz": "because", "coz": "because",
    "2day": "today", "2nite": "tonight", "tonite": "tonight", "2moro": "tomorrow",
    "2morrow": "tomorrow", "tmrw": "tomorrow", "b4": "before", "ppl": "people", "w": "with",
    "nd": "and", "abt": "about", "smth": "something", "sth": "something",
    "kms": "kill myself", "idk": "i don t know", "dunno": "don t know", "preg": "pregnant",
    "preggo": "pregnant", "preggers": "pregnant", "bub": "baby", "bubba": "baby",
    "lil": "little", "hrs": "hours", "hr": "hour", "mins": "minutes", "yr": "year",
    "yrs": "years", "yo": "year old", "wk": "week", "wks": "weeks", "mo": "month",
    "meds": "meds", "breathe": "breathe", "od": "overdose", "odd": "odd",
}

#: Real words one typo away from a red-flag word: never "mended" into it.
NOT_TYPOS = frozenset({
    "signe", "signes", "signer", "soigne", "soigner", "soignee", "soignes", "breeding",
    "spelling", "crashing", "enceintes", "mourait", "douceur", "douceurs", "travaux",
    "presser", "prissure", "bleeping", "drooling", "threat", "threats", "strike", "strikes",
    "striking", "stroked", "breath", "breaths", "bleed", "bleeds", "coupe", "coupes",
    "courir", "couvert", "poitou", "respect", "respecte", "toute",
    "toutes", "trouve", "trouver", "trouble", "double", "souffler", "souffre", "souffert",
    "souhaite", "chaise", "choses", "chosen", "cheese", "choice", "choose", "closes",
    "closed", "closer", "cloche", "sweating", "swimming", "swelling", "passed", "pasted",
    "posted", "pressed", "dressed", "blessed", "bessie", "mouche", "bouche", "touche",
    "couche", "couches", "boucle", "bougie", "bouger", "bouge", "manger", "mangue",
    "changer", "danger", "dangers", "ranger", "langue", "langues", "longue", "lounge",
    "pilule", "pilules", "pillow", "pillows", "tablet", "tablets", "tables", "battery",
    "batterie", "piles", "plies", "poison", "prison", "person", "persons", "maison",
    "saison", "raison", "raisons", "seizure", "leisure", "measure", "pleasure", "fissure",
    "breathing", "bleeding", "blending", "feeding", "needing", "reading",
    "heading", "vomits", "vomi", "moins", "mains", "mines", "facture", "factures", "paques",
    "combien", "conges", "prices", "price", "masque", "masques", "marque", "marques", "cheque",
    "cheques", "libres", "clinique", "cliniques", "expire", "corner", "garder", "handed",
    "shared", "nearby", "reveal", "parlent", "waited", "waiting", "marked", "stored", "stores",
    "serves", "prevenu", "register", "property", "inquieter", "formulation", "passer",
    "passes", "passez", "derriere", "dessous", "entree", "orthophonie", "retiree", "repondu",
    "voyant", "pharmacy", "template", "password", "something", "understand", "pourquoi",
    "quelles", "couvrir", "tablette", "tablettes", "plaque", "bouton", "boutons", "salade",
    "malade", "malades", "maladie", "douche", "couleur", "couleurs", "traite",
    "pilote", "piloter", "bruler", "coupon", "coupons", "poignee",
    "seance", "seances", "sirene", "sirop", "fracas", "brulant", "brulante", "blessing",
    "blesser", "chaleur", "chasse", "chercher", "heureux", "laisser", "mourant", "meurtre",
})

#: Single letters and articles that may be glued to a red-flag word ("jarrive", "lagorge").
GLUE_PREFIXES = (
    "j", "m", "t", "s", "l", "n", "d", "qu", "ma", "la", "sa", "ta", "le", "my", "mon", "son",
    "ton", "au", "du", "des", "les", "mes", "ses",
)
# fmt: on

# ---------------------------------------------------------------------------
# Concepts: word lists the rules combine (entries are regex fragments)
# ---------------------------------------------------------------------------

# fmt: off
_WORDS: dict[str, str] = {
    # People
    "person": (
        "bebe|nourrisson|enfant|fils|fille|petit|petite|ado|mari|femme|pere|mere|papa|maman|"
        "conjoint|conjointe|compagnon|compagne|copain|copine|frere|soeur|ami|amie|voisin|"
        "voisine|grand pere|grand mere|papi|papy|mamie|mamy|collegue|coloc|colocataire|oncle|"
        "tante|cousin|cousine|patient|patiente|gamin|gamine|homme|baby|child|son|daughter|kid|"
        "toddler|infant|newborn|husband|wife|partner|mother|mum|mom|mam|father|dad|daddy|"
        "friend|brother|sister|grandma|grandpa|granny|grandad|grandfather|grandmother|nan|nana|"
        "neighbour|neighbor|flatmate|roommate|colleague|boyfriend|girlfriend|uncle|aunt|man|"
        "woman|lady|guy|boy|girl|he|she|il|elle|him|her|someone|quelqu un|lui"
    ),
    "child_noun": (
        "bebe|bebes|nourrisson|nouveau ne|nouveau nee|enfant|enfants|fils|fille|filles|gamin|"
        "gamine|loulou|ado|baby|babies|newborn|infant|toddler|child|kid|kids|son|daughter|boy|"
        "girl|little one|bub|lo"
    ),
    "baby": (
        "bebe|bebes|nourrisson|nouveau ne|nouveau nee|baby|babies|newborn|infant|bub|neonate|"
        "little one"
    ),
    # Chest pain
    "chest": (
        "poitrine|thorax|thoracique|thoraciques|chest|sternum|torse|cage thoracique|plexus|"
        "breastbone|breast bone|ribcage|rib cage"
    ),
    "pain": (
        "douleur|douleurs|mal|pain|pains|painful|ache|aching|hurt|hurts|hurting|serrement|serre|"
        "serrer|sere|oppression|oppresse|pression|pressure|poids|etau|brulure|brule|ecrasement|"
        "ecrase|tightness|tight|heavy|heaviness|discomfort|gene|squeezing|squeeze|squeezed|"
        "crushing|crushed|burning|pointe|pointes|stabbing|sharp|elephant|weight|tiraillement|"
        "compression|barre|coup de poignard|point|points"
    ),
    "pain_not_mal": (
        "douleur|douleurs|pain|pains|serrement|serre|sere|oppression|pression|pressure|poids|"
        "etau|ecrasement|tightness|heaviness|squeezing|crushing|stabbing|sharp pain|"
        "coup de poignard"
    ),
    "heart": "coeur|heart",
    # Stroke
    "face": (
        "visage|figure|face|bouche|levre|levres|sourire|smile|mouth|joue|cheek|lip|lips|"
        "paupiere|eyelid|faciale|facial"
    ),
    "droop": (
        "de travers|tordu|tordue|deforme|deformee|tombe|tombante|tombait|affaisse|affaissee|"
        "paralyse|paralysee|drooping|droops|droopy|drooped|droop|lopsided|crooked|sagging|saggy|"
        "fallen|uneven|wonky|twisted|asymetrique|asymmetric|asymmetrical|ne bouge plus|"
        "bouge plus|paralysed|paralyzed|pendante|qui pend"
    ),
    "limb": (
        "bras|jambe|la main|sa main|ma main|une main|mains|pied|cote|arm|arms|leg|hand|hands|"
        "foot|side|moitie du corps|half of his body|half of her body|half of my body|"
        "half his body|half her body|half my body"
    ),
    "weak": (
        "faible|faibles|faiblesse|paralyse|paralysee|paralysie|inerte|engourdi|engourdie|"
        "engourdis|engourdissement|engourdissements|weak|weakness|numb|numbness|paralysed|"
        "paralyzed|limp|floppy|useless|insensible|ne repond plus|no strength|plus de force|"
        "sans force|went weak|gone weak|gave way|lache"
    ),
    "sudden": (
        "soudain|soudaine|soudainement|subitement|brutal|brutale|brutalement|d un coup|"
        "tout d un coup|d un seul coup|tout a coup|sudden|suddenly|all of a sudden|"
        "out of nowhere|out of the blue|without warning|sans prevenir|du jour au lendemain"
    ),
    # Breathing
    "cant": (
        "can t|cannot|can not|couldn t|could not|unable to|not able to|can barely|can hardly|"
        "barely|hardly|struggling to|struggle to|struggles to|struggled to|fighting to|"
        "can t even"
    ),
    "inhaler": (
        "ventoline|ventolin|inhaler|inhalers|inhalateur|puffer|pompe|spray|aerosol|salbutamol|"
        "bronchodilatateur|nebuliser|nebulizer|bricanyl|airomir|symbicort|seretide|turbuhaler|"
        "blue inhaler"
    ),
    "not_working": (
        "ne fait rien|fait rien|fait plus rien|ne fait plus rien|fait plus effet|fait pas effet|"
        "fait aucun effet|ne fait plus effet|ne fait pas effet|ne marche pas|marche pas|"
        "ne marche plus|marche plus|ne fonctionne pas|fonctionne pas|ne fonctionne plus|"
        "fonctionne plus|ne soulage pas|soulage pas|ne soulage plus|soulage plus|sert a rien|"
        "ne sert a rien|ne sert plus a rien|ne suffit pas|suffit pas|ne suffit plus|suffit plus|"
        "n agit pas|agit pas|no effect|not working|isn t working|doesn t work|doesn t help|"
        "didn t work|didn t help|does nothing|did nothing|not doing anything|no help|"
        "no relief|not relieving|not helping|isn t helping|won t work|stopped working|"
        "not touching it|has no effect|had no effect|aucun effet|sans effet|without effect|"
        "ca passe pas|ca ne passe pas|passe pas|ne passe pas|passe toujours pas|"
        "ne passe toujours pas|isn t passing|not easing|won t ease|still wheezing|"
        "toujours aussi essouffle|still can t breathe|still struggling"
    ),
    # Allergy
    "airway": "langue|levre|levres|bouche|luette|palais|tongue|lip|lips|mouth|uvula",
    "throat": "gorge|throat|larynx|larynge|airway|airways|voies respiratoires",
    "face_other": (
        "visage|figure|face|paupiere|paupieres|yeux|oeil|eyes|eye|eyelids|eyelid|joues|cheeks"
    ),
    "swell": (
        "gonfle|gonflee|gonfles|gonflees|gonflent|gonfler|gonflement|enfle|enflee|enfles|"
        "enflees|enflent|enfler|enflure|oedeme|double de volume|triple de volume|swell|swells|"
        "swelling|swollen|swelled|swelling up|puffy|puffed up|puffing up|blown up|ballooning|"
        "ballooned|huge|enormous|enorme|enormes|closing|closing up|closes|close up|se ferme|"
        "se referme|se resserre|resserre|se resserrer|constrict|constricting|constricted|"
        "closing in|grossit|grossi|grossie|tightening|getting bigger|gets bigger|growing|"
        "enlarging|plus gros|plus grosse|double de taille|doubled in size"
    ),
    "tight": "tight|serree|se serre|bloquee|tightness|blocked|qui serre|gonflee|swollen|swelling",
    "hives": (
        "urticaire|plaques|plaque|boutons|hives|welts|rash|rougeurs|eruption"
    ),
    "allergen_event": (
        r"(?:apres|depuis|since|after|suite a) (?:\w+ ){0,4}(?:mange|manger|pris|prise|"
        r"eating|ate|eaten|taking|took|taken|piqure|pique|sting|stung|bite|bitten|injection|"
        r"vaccin|vaccine|crabe|crevettes?|fruits de mer|cacahuetes?|arachides?|noix|noisettes?|"
        r"peanuts?|nuts?|shellfish|prawns?|shrimps?|oeufs?|eggs?|sesame|kiwi|poisson|fish|"
        r"antibiotiques?|antibiotics?|amoxicilline|amoxicillin|penicilline|penicillin|"
        r"augmentin|medicaments?|medication|medicine|comprimes?|pills?|guepe|abeille|frelon|"
        r"wasp|bee|hornet|insecte|insect|nouveau \w+|new \w+|cookie|gateau|biscuit)"
        r"|(?:pique|piquee|piqu\w+|stung|sting|bitten) (?:\w+ ){0,3}(?:guepe|abeille|frelon|"
        r"insecte|wasp|bee|hornet|insect|meduse|jellyfish)"
        r"|(?:mange|manger|ate|eaten|eating|avale|swallowed|pris|took|taken) (?:\w+ ){0,4}"
        r"(?:crabe|crevettes?|fruits de mer|cacahuetes?|arachides?|noix|noisettes?|peanuts?|"
        r"nuts?|shellfish|prawns?|shrimps?|sesame|kiwi|antibiotiques?|antibiotics?|"
        r"amoxicilline|amoxicillin|penicilline|penicillin|augmentin)"
        r"|(?:crabe|crevettes?|fruits de mer|cacahuetes?|arachides?|noix|noisettes?|peanuts?|"
        r"peanut \w+|nuts?|shellfish|prawns?|shrimps?|sesame|kiwi|antibiotiques?|antibiotics?|"
        r"amoxicilline|amoxicillin|penicilline|penicillin|augmentin|wasp sting|bee sting|"
        r"piqure de guepe|piqure d abeille|nouveau medicament|new medicine|new medication|"
        r"new antibiotic|nouvel antibiotique)"
    ),
    "wheeze": (
        "wheezing|wheezy|wheeze|wheezes|sifflement|sifflements|siffle|sifflante|respire mal|"
        "du mal a respirer|can t breathe|struggling to breathe|short of breath"
    ),
    "swallow_trouble": (
        r"(?:du mal|difficulte|difficultes|peine|peux plus|peut plus|arrive plus|arrive pas|"
        r"n arrive plus|n arrive pas) a avaler|(?:can t|cannot|trouble|difficulty|hard to|"
        r"struggling to|unable to) swallow\w*"
    ),
    "epipen": (
        "epipen|epi pen|epipens|anapen|jext|emerade|stylo d adrenaline|stylo adrenaline|"
        "adrenaline|adrenaline pen|auto injecteur|autoinjecteur|auto injector"
    ),
    # Bleeding
    "blood_any": (
        r"saign\w*|sang|pertes? de sang|pertes? rouges?|pertes? marron|pertes? brunes?|"
        r"pertes? sanglantes?|hemorragie\w*|bleed\w*|bled|blood|bloody|spotting|spotted|"
        r"traces? de sang"
    ),
    "pregnant": (
        r"enceinte|grossesse|pregnant|pregnancy|gestation|(?:\d+|un|deux|trois|quatre|cinq|six|"
        r"sept|huit) (?:semaines?|sa|sem|weeks?|mois|months?) (?:de grossesse|d amenorrhee|"
        r"pregnant|along|of pregnancy)"
    ),
    # Injury, burns
    "height": (
        "toit|echelle|echafaudage|balcon|fenetre|etage|etages|arbre|mur|falaise|pont|hauteur|"
        "mezzanine|roof|ladder|scaffold|scaffolding|balcony|window|tree|wall|cliff|bridge|"
        "height|storey|first floor|second floor|upstairs window"
    ),
    "low_fall": (
        "escalier|escaliers|stairs|staircase|steps|lit|bed|table a langer|changing table|"
        "chaise|chair|velo|bike|trampoline|cheval|horse|climbing frame|toboggan|slide|canape|"
        "sofa|poussette|pram|buggy|high chair|chaise haute|balancoire|swing"
    ),
    "head": "tete|crane|head|skull|front|forehead",
    "head_red": (
        r"vomi\w*|vomit\w*|throwing up|threw up|thrown up|being sick|been sick|is sick|somnolen\w*|"
        r"endormi\w*|drowsy|sleepy|dort tout le temps|confus\w*|confused|perdu connaissance|"
        r"knocked out|out cold|passed out|evanoui\w*|saign\w*|bleed\w*|blood|sang|pupil\w*|"
        r"convuls\w*|seizure|fitting|bizarre|weird|strange|not himself|not herself|"
        r"pas normal|pas normale|pas dans son etat normal|mal de tete|headache|clear fluid|"
        r"liquide|ne (?:me |nous )?reconnait|doesn t recogni[sz]e|can t remember|"
        r"se souvient (?:plus|pas)|amnes\w*|dizzy|vertige\w*|bosse enorme|huge lump|"
        r"hard to wake|difficile a reveiller|not making sense|making no sense|talking nonsense|"
        r"n importe quoi|confus\w*|not responding|ne repond"
    ),
    "burn_word": (
        "brule|brulee|brules|brulees|brulure|brulures|ebouillante|ebouillantee|ebouillantes|"
        "burn|burns|burnt|burned|scald|scalded|scalds|scalding|crame|cramee"
    ),
    "burn_severe": (
        r"grave|graves|grosse|grosses|importante?s?|etendue?s?|profonde?s?|[23] ?e(?:me)? degre|"
        r"troisieme degre|deuxieme degre|second degre|2nd degree|3rd degree|tout le|toute la|"
        r"tout son|toute sa|large|big|huge|severe|serious|bad|deep|third degree|second degree|"
        r"all over|whole|entire|everywhere|partout|cloques?|blisters?|blistered|blistering|"
        r"peau (?:blanche|noire|qui part|arrachee|qui pele|qui se decolle|carbonisee)|"
        r"skin (?:is |looks |came |peeling |coming |has come )?(?:white|black|charred|off|"
        r"peeling|leathery)|major|massive|enorme|horrible|terrible|badly|severely|seriously|"
        r"gravement|serieusement|in a fire|in the fire|dans un incendie|dans l incendie|by fire|"
        r"by the fire|flames|flammes|par le feu"
    ),
    "burn_critical_area": (
        "visage|figure|face|yeux|eyes|eye|oeil|parties|parties intimes|genitals|bouche|mouth|"
        "cou|neck|gorge|throat|airway|voies respiratoires"
    ),
    "hot_thing": (
        "eau bouillante|boiling water|hot water|eau chaude|eau tres chaude|huile chaude|"
        "huile bouillante|hot oil|boiling oil|hot tea|hot coffee|hot drink|hot soup|the chaud|"
        "the bouillant|cafe chaud|cafe bouillant|soupe chaude|soupe bouillante|bouilloire|"
        "kettle|casserole|pot|pan|poele|friteuse|deep fryer|chip pan|fer a repasser|iron|"
        "acide|acid|soude|produit chimique|chemical|chemicals|feu|fire|flammes|flames|"
        "explosion|petard|firework|fireworks|barbecue|bbq|four|oven|plaque de cuisson|hob|"
        "radiateur|radiator|vapeur|steam|lait chaud|biberon trop chaud|bain trop chaud|"
        "bath too hot|hot bath"
    ),
    "spill": (
        r"spilled|spilt|spill|pulled|tipped|poured|knocked|splashed|dropped|threw|fell|"
        r"renverse\w*|verse\w*|tombe\w*|recu|recue|projet\w*|eclabouss\w*|tire|tiree|"
        r"plonge\w*|mis la main|touche|touched|grabbed|attrape\w*"
    ),
    # Overdose, poisoning
    "ingest": (
        "avale|avalee|avales|avalees|avaler|pris|prise|prises|bu|bue|mange|mangee|manger|"
        "ingere|ingeree|gobe|gobee|croque|mache|leche|lechee|swallowed|swallow|swallowing|"
        "took|taken|ate|eaten|drank|drunk|chewed|licked|ingested|popped|downed|necked|"
        "prendre|avoir pris|avoir avale"
    ),
    "eat": (
        "avale|avalee|avales|avalees|avaler|mange|mangee|manger|croque|croquee|mache|machee|"
        "leche|lechee|gobe|gobee|bu|bue|boit|bois|goute|goutee|suce|sucee|ingere|ingeree|"
        "swallowed|swallow|swallows|ate|eaten|eat|chewed|chewing|licked|licking|drank|drunk|"
        "drinking|drink|sucked|sucking|tasted|ingested|got into|put in his mouth|"
        "put in her mouth|put it in his mouth|put it in her mouth|mis dans sa bouche|"
        "mis a la bouche|a la bouche"
    ),
    "meds": (
        "medicament|medicaments|medocs|comprime|comprimes|cachet|cachets|pilule|pilules|"
        "gelule|gelules|pastille|pastilles|doliprane|dafalgan|efferalgan|paracetamol|"
        "ibuprofene|ibuprofen|advil|nurofen|spifen|aspirine|aspirin|kardegic|somnifere|"
        "somniferes|anxiolytique|anxiolytiques|antidepresseur|antidepresseurs|antidepressant|"
        "antidepressants|xanax|lexomil|temesta|stilnox|zolpidem|valium|seresta|atarax|lithium|"
        "insuline|insulin|tramadol|codeine|morphine|oxycodone|fentanyl|methadone|subutex|"
        "opioid|opioids|benzo|benzos|pill|pills|tablet|tablets|capsule|capsules|meds|"
        "medicine|medicines|medication|medications|painkiller|painkillers|sleeping pills|"
        "sleeping tablets|co codamol|cocodamol|iron tablets|vitamines|vitamins|gummies|"
        "antibiotique|antibiotiques|antibiotics|antihistamine|antihistamines|levothyrox|"
        "warfarine|anticoagulant|anticoagulants|neuroleptique|neuroleptiques|traitement|"
        "plaquette|plaquettes|strip|blister|propranolol|paroxetine|sertraline|fluoxetine|"
        "prozac|seroquel|quetiapine|amitriptyline|diazepam|alprazolam|lorazepam|clonazepam|"
        "rivotril|olanzapine|venlafaxine|effexor|laroxyl|imovane|zopiclone|melatonine|"
        "melatonin|sirop|syrup|calpol"
    ),
    "meds_strong": (
        "medicament|medicaments|medocs|comprime|comprimes|cachet|cachets|pilule|pilules|"
        "gelule|gelules|doliprane|dafalgan|efferalgan|paracetamol|ibuprofene|ibuprofen|advil|"
        "nurofen|aspirine|aspirin|kardegic|somnifere|somniferes|anxiolytique|anxiolytiques|"
        "antidepresseur|antidepresseurs|antidepressant|antidepressants|xanax|lexomil|temesta|"
        "stilnox|zolpidem|valium|seresta|lithium|insuline|insulin|tramadol|codeine|morphine|"
        "oxycodone|fentanyl|methadone|subutex|opioid|opioids|pill|pills|tablet|tablets|"
        "meds|medicine|medicines|medication|medications|painkiller|"
        "painkillers|sleeping pills|sleeping tablets|co codamol|cocodamol|iron tablets|"
        "levothyrox|warfarine|anticoagulant|anticoagulants|neuroleptique|neuroleptiques|"
        "plaquette|plaquettes|propranolol|diazepam|amitriptyline|laroxyl|imovane|zopiclone"
    ),
    "accidental": (
        "avale|avalee|avales|avalees|mange|mangee|croque|croquee|mache|machee|gobe|gobee|"
        "leche|lechee|swallowed|ate|eaten|chewed|licked|got into|got hold of|ingested|ingere|"
        "ingeree|bu|bue|drank|drunk|goute|goutee|tasted|found and ate|trouve et mange|"
        "trouve et avale"
    ),
    "big_count": (
        r"(?:[5-9]|[1-9]\d+)(?! (?:mg|g|ml|mcg|ug|ui|iu|units?|unites?|gouttes?|drops?|mm|kg|"
        r"cl|l|h|min|minutes|heures?|hours?|jours?|days?|fois|times|ans|years?)\b)|cinq|six|"
        r"sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|cinquante|cent|five|six|"
        r"seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|"
        r"dozen|a dozen|dizaine|vingtaine|trentaine|douzaine|une dizaine de|une vingtaine de|"
        r"une trentaine de|une douzaine de|a handful|handful|handfuls|une poignee|poignee|"
        r"plein de|beaucoup de|trop de|un tas de|des tas de|tout le|tout un|tout mon|tout son|"
        r"tout sa|toute la|toute une|toute ma|toute sa|toute son|toutes (?:mes|ses|les|leurs)|"
        r"tous (?:mes|ses|les|leurs)|all (?:my|his|her|their|the|of (?:my|his|her|their|the))|"
        r"the whole|a whole|an entire|the entire|a full|lots of|loads of|a lot of|a bunch of|"
        r"a load of|load of|heaps of|tons of|un paquet de|une tonne de|une boite entiere|"
        r"une plaquette entiere|a whole packet|"
        r"too many|too much|a bottle|a box|a pack|a packet|the bottle|the box|the pack|"
        r"the packet|une boite|une plaquette|un flacon|la boite|la plaquette|le flacon|"
        r"le tube|un tube|triple|masses of"
    ),
    "poison": (
        "eau de javel|javel|bleach|produit menager|produits menagers|produit d entretien|"
        "produits d entretien|produit toxique|produit chimique|produits chimiques|"
        "produit vaisselle|produit pour le lave vaisselle|produit pour la vaisselle|"
        "produit lave vaisselle|produit wc|produit pour les toilettes|liquide vaisselle|"
        "liquide lave vaisselle|pastille lave vaisselle|pastilles lave vaisselle|"
        "tablette lave vaisselle|dishwasher liquid|dishwasher tablet|dishwasher tablets|"
        "dishwasher pod|dishwasher pods|dishwasher detergent|washing up liquid|washing liquid|"
        "laundry pod|laundry pods|laundry capsule|laundry capsules|laundry detergent|"
        "capsule de lessive|capsules de lessive|lessive|detergent|white spirit|essence|"
        "petrole|kerosene|paraffin|lamp oil|antigel|antifreeze|lave glace|screenwash|"
        "mort aux rats|rat poison|raticide|insecticide|pesticide|desherbant|weedkiller|"
        "weed killer|acide|acid|soude|caustic|lye|ammoniac|ammonia|deboucheur|drain cleaner|"
        "oven cleaner|nettoyant|cleaner|cleaning product|cleaning products|dettol|domestos|"
        "methanol|alcool a bruler|methylated spirits|meths|huile essentielle|"
        "huiles essentielles|essential oil|essential oils|cigarette|cigarettes|megot|megots|"
        "e liquide|vape liquid|nicotine|pile|piles|pile bouton|pile plate|button battery|"
        "button batteries|battery|batteries|aimant|aimants|magnet|magnets|poison|chemical|"
        "chemicals|mothballs|naphtaline|dissolvant|nail polish remover|vernis|javelle|"
        "chlore|chlorine|gel hydroalcoolique|hand sanitiser|hand sanitizer|mouthwash"
    ),
    "wild_food": (
        "champignon|champignons|mushroom|mushrooms|baies|baie|berries|berry|plante|plantes|"
        "plant|plants|feuilles|leaves|fleurs|flowers|graines|seeds|fruits rouges"
    ),
    "alcohol": (
        "alcool|alcohol|vodka|whisky|whiskey|rhum|vin|wine|biere|beer|drinks|booze|gin|"
        "pastis|champagne|spirits"
    ),
    "sedative": (
        "somnifere|somniferes|sleeping pills|sleeping tablets|xanax|benzo|benzos|valium|"
        "lexomil|temesta|stilnox|zolpidem|imovane|zopiclone|tramadol|codeine|morphine|"
        "oxycodone|opioid|opioids|medicaments|medocs|cachets|pills|comprimes|anxiolytiques|"
        "antidepresseurs|antidepressants|painkillers|meds|tablets|seroquel|diazepam"
    ),
    # Infants, fever, meningitis, sepsis
    "fever": (
        r"fievre|fievres|temperature|temp|febrile|fever|fevers|feverish|burning up|brulant|"
        r"brulante|high temp|(?:3[89]|4[0-2])(?: \d)?(?= |$)(?! (?:ans|semaines|kg|mois|"
        r"years|weeks|sa|min|minutes|jours|days)\b)|(?:10[0-6])(?: \d)? ?(?:f|fahrenheit)\b|"
        r"chaud|chaude|tres chaud|hot|feels hot|burning hot"
    ),
    "high_fever": (
        r"(?:39 [5-9]|4[0-2](?: \d)?)(?= |$)(?! (?:ans|semaines|kg|mois|years|weeks|sa|min|"
        r"minutes|jours|days|ml|mg)\b)|(?:fievre|temperature|temp|fever) (?:\w+ ){0,3}"
        r"(?:tres (?:forte|haute|elevee)|very high|really high|super high|huge|enorme|de cheval|"
        r"through the roof|over 40|above 40|plus de 40)|(?:tres forte|tres haute|very high|"
        r"super high|massive|huge|enorme|grosse|grosse grosse) (?:fievre|fever|temperature|temp)|"
        r"burning up|brulant de fievre|brulante de fievre"
    ),
    "shiver_or_confused": (
        r"frissons?|grelott\w*|claque des dents|tremble\w*|shivering|shivers|shivery|shaking|"
        r"rigors|chills|confus\w*|confused|a l ouest|out of it|delir\w*|somnolen\w*|drowsy|"
        r"n importe quoi|desoriente\w*|disoriented|marbr\w*|mottled|tres faible|very weak|"
        r"can t stand|peut plus se lever|ne tient plus debout|hard to wake|difficile a reveiller"
    ),
    "confused_only": (
        r"confus\w*|confused|a l ouest|out of it|delir\w*|n importe quoi|desoriente\w*|"
        r"disoriented|incoherent\w*|ne (?:me |nous )?reconnait (?:plus|pas)|"
        r"doesn t recogni[sz]e|not making sense|making no sense|talking nonsense|"
        r"hard to wake|difficile a reveiller|tres somnolent\w*|very drowsy"
    ),
    "young_infant": (
        r"(?<!depuis )(?<!since )(?<!for )(?<!il y a )(?<!y a )(?<!pendant )(?<!dans )(?<!in )"
        r"(?<!during )(?:[1-9]|1[0-2]|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|"
        r"onze|douze|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a) "
        r"(?:semaines?|sem|jours?|weeks?|week|days?|day)(?! ago)|(?<!depuis )(?<!since )"
        r"(?<!for )(?<!il y a )(?<!y a )(?<!pendant )(?<!dans )(?<!in )(?<!during )"
        r"(?:1|2|un|deux|one|two|a) (?:mois|months?|month)(?! ago)|nouveau ne|nouveau nee|"
        r"newborn|neonate|new born|tout petit bebe"
    ),
    "photophobia": (
        r"supporte (?:pas|plus) la lumiere|la lumiere (?:lui |me |leur )?fait mal|photophob\w*|"
        r"light (?:hurts|is hurting|bothers|really bothers)|can t (?:stand|bear|look at|handle) "
        r"(?:the )?light|sensitive to light|hates the light|gene par la lumiere"
    ),
    "purple_rash": (
        r"(?:taches?|boutons?|plaques?|rash|spots?|marks?|petechi\w*|rougeurs?|"
        r"eruption) (?:\w+ ){0,4}(?:violet\w*|pourpre\w*|purple|purplish|rouges? fonces?|"
        r"rouges? sombres?|dark red|"
        r"bruise like|like bruises|comme des bleus)|purpura\w*"
    ),
    "head_pain": (
        "mal de tete|mal a la tete|mal au crane|mal de crane|maux de tete|cephalee|cephalees|"
        "migraine|migraines|headache|headaches|head ache|head pain|head hurts|tete qui explose|"
        "douleur a la tete|douleur dans la tete|douleur au crane"
    ),
    "confused": (
        r"confus|confuse|confuses|desoriente\w*|disoriented|disorientated|confused|"
        r"incoherent\w*|delire\w*|delirious|n importe quoi|nonsense|gibberish|a l ouest|"
        r"out of it|doesn t know where|ne sait plus ou|ne sait plus qui|"
        r"ne (?:me |nous |la |le )?reconnait (?:plus|pas)|doesn t recogni[sz]e|"
        r"not making sense|making no sense|hallucin\w*|not himself|not herself|"
        r"pas lui meme|pas elle meme|dazed|hebete\w*"
    ),
    # Suicidal intent: a wish or plan, and a way of dying or of ceasing to be
    "intent": (
        "want|wants|wanted|wanna|wish|wishes|plan to|planning to|planning|"
        "think about|thinking about|thinking of|thought about|tempted to|ready to|"
        "need to|deserve to|would rather|d rather|longing to|can t wait to|veux|veut|"
        "voudrais|voudrait|envie de|envie d|pense a|songe a|compte|prefererais|"
        "aimerais|merite de|besoin de|hate de|decide de|prete a|pret a|tente de|tentee de"
    ),
    "future": "going to|gonna|about to|will|ll|vais|va|vas|allons|je vais|il va|elle va",
    "self_ending": (
        "end it|end it all|end everything|end my life|end things|kill myself|overdose|"
        "en finir|me tuer|me suicider|me jeter|me pendre|take my life|take my own life|"
        "do it tonight|le faire ce soir|passer a l acte|jump|sauter"
    ),
    "ending": (
        "die|be dead|end it|end it all|end everything|end my life|kill myself|not wake up|"
        "never wake up|sleep forever|disappear forever|disappear for good|not exist|"
        "stop existing|not be here|not be alive|overdose|overdosing|mourir|crever|en finir|"
        "me tuer|me suicider|disparaitre pour toujours|disparaitre a jamais|"
        "ne plus me reveiller|ne pas me reveiller|dormir pour toujours|"
        "tout arreter definitivement|tout arreter pour toujours|partir pour toujours|"
        "partir pour de bon|me jeter|ne plus exister|ne plus etre la|ne plus vivre|"
        "tout arreter|go to sleep and not wake up|go to sleep and never wake up|"
        "sleep and not wake up|not be around|be gone|go away forever"
    ),
    # Time and frames, used by the rules' `also` and `unless`
    "appointment": (
        r"rdv|rendez vous|appointment|appointments|appt|reschedule|move|moving|deplacer|"
        r"decaler|reporter|annuler|cancel|book|booking|available|disponible|dispo|absent|"
        r"away|holiday|holidays|vacances|travel|voyage|trip|conge|rendez|slot|creneau|visit"
    ),
    "would": r"would|wouldn t|d|will|won t|serait|seraient|serais",
}
# fmt: on

# ---------------------------------------------------------------------------
# The catalogue: kind → rules, kinds in priority order
# ---------------------------------------------------------------------------

# fmt: off
CATALOGUE: dict[str, tuple[Spec, ...]] = {
    # -------------------------------------------------------------- suicide
    "suicide": (
        acute(r"suicid\w*"),
        acute(r"unalive\w*"),
        acute(r"(?:me|se|te|nous|vous|m|s) (?:suis |est |sommes |etes |etais |etait )?"
              r"@(?:tuer|suicider|suicide|suicidee|pendre|pendu|pendue|flinguer|buter|"
              r"defenestrer|foutre en l air|mettre en l air|tirer une balle|tirer dessus)"),
        acute(r"(?:me|se|te|m) @(?:jeter|lancer) (?:sous|du|d un|de la|par la|par une|"
              r"d une|depuis)"),
        acute(r"(?:me|se|te|m) (?:\w+ )?@(?:ouvrir|ouvert|ouverte|couper|coupe|coupee|"
              r"taillader|tailladee|taillade|trancher) les veines"),
        acute(r"(?:me|se|te) @noyer(?! dans)"),
        acute(r"(?:me|se|te) @supprimer(?! (?:de|d|du|des|la|le|les|mon|ma|mes|ce|cette|son|sa|"
              r"ses|votre|vos|leur|leurs|tout|toute|toutes|tous)\b)"),
        acute(r"mettre @fin a (?:mes|ses|tes|nos|vos|mon|son|ma|sa|ta|leurs?) "
              r"(?:jours|vie|existence|souffrance)"),
        acute(r"mettre un @terme a (?:ma|sa|ta|mon|son) (?:vie|existence)"),
        acute(r"en @finir(?! avec (?!(?:la vie|ma vie|sa vie|cette vie|tout|moi|lui|elle|"
              r"l existence|mon existence|le monde)\b))"),
        acute(r"(?:envie|veux|veut|voudrais|voudrait|aimerais|aimerait|prefererais|prefere|"
              r"souhaite|souhaiterais|pense|penser|songe|envisage|compte|decide|"
              r"decidee|hate|faudrait|mieux|plutot|merite|merites|meriterais|devrais|parle|parlent|"
              r"parlait|parler|dit|disait|ecrit|menace|menacait|reve|obsede|obsedee) "
              r"(?:de |d |a )?(?:\w+ )?@(?:mourir|crever|disparaitre|mourrir)"
              r"(?! (?:que|qu|sous terre|sous (?:la|ma) couette|de (?:faim|soif|rire|chaud|"
              r"froid|ennui|honte|peur|fatigue|envie|"
              r"impatience|curiosite)|d (?:ennui|envie|impatience)|de (?:vos|votre|la|ta|cette|"
              r"ces) (?:liste|fichier|base|newsletter|mailing)))"),
        acute(r"(?:plus|pas|aucune|aucun|pas la moindre|plus aucune|plus aucun|plus de|pas de|"
              r"plus l|pas l|ni|sans) (?:\w+ )?@(?:envie|raison|raisons|interet|but|force|"
              r"gout|sens) (?:\w+ ){0,2}(?:de |a |d |pour )?(?:vivre|continuer a vivre|exister|"
              r"la vie|rester en vie|vivre encore)"),
        acute(r"(?:vois|voit|trouve|trouvent) (?:plus|pas|aucun|aucune|plus aucun|plus aucune) "
              r"(?:l |le |la |d |de )?(?:\w+ )?@(?:interet|sens|raison|but|issue|solution) "
              r"(?:a |de |d |pour |a la )?(?:\w+ ){0,2}(?:vivre|vie|exister|continuer a vivre)"),
        moderate(r"(?:vois|voit|trouve) (?:plus|pas|aucune|plus aucune) (?:d )?@issue"),
        acute(r"(?:la |ma |sa )?@vie (?:\w+ ){0,2}(?:n a plus|a plus|n a aucun|n a pas|n a "
              r"vraiment plus|ne vaut plus|vaut plus|ne vaut pas|vaut pas) (?:de |d |aucun )?"
              r"(?:sens|interet|la peine|rien|le coup)"),
        acute(r"(?:veux|veut|voudrais|voudrait|aimerais|souhaite|veulent) (?:plus|pas|jamais plus) "
              r"@(?:vivre|exister|etre en vie|continuer a vivre|etre vivant|etre vivante|etre la|"
              r"etre ici|etre sur terre|etre de ce monde|etre au monde)"
              r"(?! (?:avec|comme ca|comme cela|ici|la|dans|a|en|sans)\b)"),
        acute(r"(?:veux|voudrais|aimerais|want|wish|souhaite) (?:que )?(?:ma|sa|cette|my|this) "
              r"@(?:vie|life) (?:s arrete|s arreter|se termine|finisse|cesse|to end|to stop|ends|"
              r"would end|would stop|was over|soit finie|s acheve)"),
        acute(r"(?:not sure|unsure|don t know if|do not know if|ne sais (?:pas|plus) si|pas sur|"
              r"pas sure|plus sur|plus sure) (?:\w+ )?(?:i |je |j |de |d )?(?:still )?(?:want|"
              r"wanna|veux|vouloir|veuille|have the strength|ai envie de|ai encore envie de|"
              r"can|peux|pouvoir) (?:to )?(?:encore )?@(?:live|be alive|be here|vivre|continuer|"
              r"go on|carry on|exister|keep going|keep living|tenir)"),
        acute(r"(?:marre|ras le bol|fatigue|fatiguee|fatigues|lasse|las|epuise|epuisee|degoute|"
              r"degoutee|en ai assez|en a assez) (?:\w+ )?(?:de |d )@(?:vivre|exister|la vie|"
              r"cette vie|ma vie|sa vie|etre en vie|etre vivant|etre vivante)"),
        acute(r"en @(?:peux|peut|pouvais|pouvait) plus (?:de |d )?(?:vivre|la vie|cette vie|"
              r"ma vie|sa vie|exister|tout|moi|me battre|lutter|souffrir)"),
        moderate(r"en @(?:peux|peut) plus(?! (?:de|d|avec|du|des|a|au|aux|mdr|lol|ptdr|xd)\b)"
                 r"(?! \w+ (?:de|d|avec|du|des|a|au)\b)"),
        acute(r"(?:serait|seraient|serais|seront|serez|sera|serions|sont|est|etaient) "
              r"(?:\w+ ){0,2}(?:mieux|plus heureux|plus heureuse|plus heureuses|tranquilles?|"
              r"soulage\w*|libere\w*) @sans moi"),
        acute(r"(?:mieux|heureux|heureuse|tranquille|tranquilles) @sans moi"),
        acute(r"si je (?:n etais|n etait|etais|ne suis|suis) (?:plus|pas) @(?:la|ici|de ce monde|"
              r"en vie|vivant|vivante)"),
        acute(r"si je @(?:disparaissais|mourais|crevais|me tuais|partais pour de bon)"),
        acute(r"si (?:j |je )(?:etais|etait|n etais plus) (?:\w+ )?@(?:mort|morte|morts|"
              r"decede|decedee|plus la|plus de ce monde|plus en vie)"),
        acute(r"(?:pour|afin de) ne (?:plus|jamais|plus jamais) (?:me |se |te )?@reveiller|"
              r"(?:pour|afin de) @(?:mourir|en finir|me tuer|me suicider|disparaitre|partir pour "
              r"de bon)(?! (?:de|d)\b)|so (?:that )?(?:i|he|she) (?:don t|won t|wouldn t|never|"
              r"doesn t) @wake up|in order to @die|(?:took|taken|swallowed|pris|avale|avalee) "
              r"(?:\w+ ){0,4}(?:to|pour) (?:\w+ )?@(?:die|mourir|end it|en finir|end my life)"),
        acute(r"(?:un|une|le|la|qu un|qu une) @(?:poids|fardeau|boulet|charge) "
              r"(?:\w+ )?(?:pour|a) (?:tout le monde|ma famille|mes proches|vous|les autres|"
              r"tous|mes enfants|mon mari|ma femme|mes parents|tout mon entourage|son entourage|"
              r"mon entourage|eux)"),
        acute(r"@autant (?:que je|me) (?:parte|disparaisse|meure|creve|m en aille|tuer|"
              r"en finir|mourir|disparaitre)"),
        acute(r"(?:lettres?|mots?|message|messages) d @adieu"),
        acute(r"@adieu (?:a tous|a tout le monde|pour toujours|a la vie|mes amis|a vous|"
              r"a jamais|ce monde|monde)"),
        acute(r"(?:dire|dis|fais|faire|fait|faits) (?:mes |ses |nos )?@adieux?(?! (?:a (?:mon|"
              r"ma|la|le|mes|ce|cette) (?:rdv|rendez|appartement|boulot|travail|poste|"
              r"ancien\w*)))", unless=r"docteur|dr|medecin|collegue|retraite|demenage\w*|depart|"
              r"secretaire|infirmiere|cabinet"),
        acute(r"mes @adieux"),
        acute(r"(?:laisse|laisse|laisser|ecrit|ecrire|redige|prepare) (?:un |une |des |mes |"
              r"ses )?@(?:mot|mots|lettre|lettres) (?:\w+ )?(?:a|pour) (?:mes|ma|mon|sa|son|"
              r"ses|nos|leurs?|tout le monde|toute la famille|la famille)"
              r" (?:\w+ )?(?:parents|enfants|famille|proches|mari|femme|mere|pere|fils|fille|"
              r"amis|copain|copine|frere|soeur|monde|gosses)"),
        acute(r"c est @(?:fini|la fin|termine) pour moi"),
        acute(r"(?:ne |n )?@(?:serai|serais|sera|serons) plus (?:la|ici|de ce monde|vivant|vivante|"
              r"en vie|parmi vous|parmi nous)(?! (?:pour|a|au|aux|le|la|les|lundi|mardi|mercredi|"
              r"jeudi|vendredi|samedi|dimanche|cet|ce|en|du)\b)", unless="<appointment>"),
        acute(r"(?:je |j )?(?:vais|veux|voudrais|prefere|aimerais) (?:\w+ )?@partir "
              r"(?:pour de bon|pour toujours|definitivement|a jamais|pour l eternite)"),
        acute(r"@disparaitre (?:pour de bon|pour toujours|definitivement|a jamais|de ce monde)"),
        acute(r"(?:plus|jamais|pas) (?:me |se |te )?@reveiller(?! (?:a |avant|tot|la nuit|"
              r"pendant|au milieu)\b)", r"(?:veux|voudrais|veut|aimerais|envie|prefererais|"
              r"souhaite|dormir)"),
        acute(r"@dormir (?:pour toujours|a jamais|et ne plus (?:me |jamais )?(?:me )?reveiller|"
              r"et ne jamais me reveiller|pour de bon|definitivement)"),
        acute(r"(?:idees|pensees|envies) @(?:noires|suicidaires|de mort|morbides|de suicide)"),
        acute(r"@(?:scarif\w*|automutil\w*|auto mutil\w*)"),
        acute(r"(?:me|se|te|m|s) (?:suis |est |sommes |etais |etait |suis encore |"
              r"suis re )?@(?:mutiler|mutile|mutilee|mutiles|scarifier|scarifie|scarifiee|"
              r"taillade|tailladee|taillader)"),
        acute(r"(?:me|se|te|m|s) (?:suis |est |sommes |etais |etait )?(?:encore |re )?"
              r"@(?:coupe|coupee|couper|griffe|griffee|griffer|taillade|tailladee) (?:\w+ )?"
              r"(?:expres|volontairement|les bras|les poignets|le poignet|les cuisses|la peau|"
              r"pour (?:me |se )?(?:soulager|punir|sentir|calmer|faire mal))"),
        acute(r"(?:me|se|te|m|s) (?:suis |est |sommes |etais |etait )?(?:encore |re )?"
              r"@(?:brule|brulee|bruler|frappe|frapper|blesse|blessee|blesser|cogne|cogner) "
              r"(?:\w+ )?(?:expres|volontairement|pour (?:me |se )?(?:soulager|punir|sentir|"
              r"calmer|faire mal))"),
        acute(r"(?:me|se|te|m) (?:faire|fais|fait|ferai|ferais|suis fait|suis faite|refaire) "
              r"du @mal(?! (?:au|aux|a la|a l|en|dans|pour|quand|a force|sans le vouloir|"
              r"en tombant)\b)"),
        acute(r"@kill (?:myself|meself|my self|himself|herself|themselves|themself)"),
        acute(r"@killing (?:myself|meself|himself|herself|themselves|themself)"),
        acute(r"@(?:end|ending|ended|take|taking|took) (?:my|his|her|their|your|one s) "
              r"(?:own )?(?:life|lives)"),
        acute(r"@(?:end|ending) (?:it all|everything|this life|my suffering|it now|it tonight|"
              r"it for good|it once and for all|all of it|it today)"),
        acute(r"(?:want|wanna|wants|wanted|going|gonna|plan|plans|planning|planned|decided|"
              r"ready|thinking about|thinking of|think about|thought about|how to|need|needs|"
              r"about|try|trying|tried|should|could|might|will|ll|d|just) (?:to )?(?:just )?"
              r"@(?:end|ending) (?:things|it)(?! (?:with|off|up|between|for (?:him|her|them|"
              r"us)|before)\b)"),
        acute(r"(?:want|wanna|wants|wanted|wish|wishes|wishing|ready|plan|plans|planning|"
              r"talks about|talking about|talked about|talk about|keeps talking about|"
              r"says (?:he|she|they) (?:wants|want)|writes about|writing about|"
              r"thinking about|thinking of|think about|thought about|thought of|"
              r"would like|d like|d rather|would rather|prefer|need|rather|longing|long|"
              r"decided|deserve|deserves) (?:to )?(?:just )?@(?:die|be dead|not exist|"
              r"stop existing|not be alive|not be here|not wake up|never wake up|"
              r"disappear forever|disappear for good|sleep forever|go to sleep forever|"
              r"sleep and never wake up|sleep and not wake up|dying|not existing)(?! than)"),
        acute(r"@wish (?:i|he|she) (?:was|were|wasn t|weren t|had never been|d never been|"
              r"could disappear|could die|was never born|were never born|d die|would die|"
              r"didn t exist|didn t wake up|could just die|could sleep forever|would not wake|"
              r"wouldn t wake|could just disappear|could end it|was gone|were gone)"),
        acute(r"(?:don t|do not|no longer|doesn t|does not|didn t|not) (?:\w+ )?"
              r"@(?:want|wish|wanna|feel like) (?:to )?(?:live|be alive|be here anymore|"
              r"be here any more|be here any longer|exist|wake up|go on|carry on|keep going|"
              r"keep living|be on this earth|be around)(?! (?:like this )?(?:with|without|"
              r"because|at|in|for|until|till|to|early|before)\b)"),
        acute(r"(?:don t|do not|can t|cannot|no longer|doesn t|does not) (?:\w+ )?"
              r"@see (?:the |any |a )?(?:point|reason|purpose|future|way out)(?: (?:in |of |to "
              r"|for )?(?:living|life|going on|carrying on|anything|being alive|it all|trying|"
              r"continuing|anymore|any more))?"),
        acute(r"(?:no|not any|not much|zero|without (?:any|a)|nothing) @(?:point|reason|"
              r"purpose) (?:in |to |of |for )?(?:living|live|life|going on|go on|carry on|"
              r"keep going|continue|continuing|carrying on|"
              r"being alive|be alive|keep going|keeping going|existing|anymore|any more|"
              r"staying alive|continuing)"),
        acute(r"@nothing (?:left )?(?:to|for me to) live for"),
        acute(r"(?:<intent>) (?:\w+ ){0,4}@<ending>(?! (?:of|de|d|from|to|with|this|the|my|"
              r"ce|cette|mon|ma|le|la|les|du|avec|a|au|laughing|rire|than|que|qu)\b)"),
        acute(r"(?:<future>) (?:\w+ ){0,4}@<self_ending>(?! (?:of|de|d|from|to|with|this|the|my|"
              r"ce|cette|mon|ma|le|la|les|du|avec|a|au|in|into|on|over|off the|sur|dans)\b)"),
        acute(r"(?:<intent>|<future>) (?:to |de |d )?@(?:jump|sauter)(?= [.,]|$)"),
        acute(r"(?:don t|do not|doesn t|does not|didn t) @(?:deserve|merit) (?:to )?(?:live|"
              r"be alive|exist|be here|be happy)"),
        acute(r"(?:merite|merites|meritent|meritais) (?:pas|plus) (?:de |d )@(?:vivre|exister|"
              r"etre en vie|etre la|etre heureux|etre heureuse)"),
        acute(r"de @trop (?:sur|dans|ici sur) (?:cette|la|ce) (?:terre|monde|vie|planete)"),
        moderate(r"(?:suis|est|sens|feel) (?:\w+ )?de @trop(?= [.,]|$)"),
        acute(r"(?:what s|what is|whats|wats) the @point(?: (?:anymore|any more|of anything|in "
              r"anything|of it all|of going on|of trying))?(?= [.,]|$)"),
        acute(r"(?:no|not any|isn t any) @point (?:in |to )?(?:anything|anymore|any more|trying "
              r"anymore|going on)"),
        acute(r"(?:plus rien|rien) (?:n a|n a plus|a plus) (?:de |d )?@(?:sens|interet)"),
        acute(r"(?:pas|plus|aucune|aucun) d (?:autre|autres) @(?:solution|choix|issue|option) "
              r"(?:\w+ )?(?:que|than) (?:de |d |to )?(?:partir|mourir|en finir|me tuer|"
              r"disparaitre|la mort|die|end it|kill myself|dying)"),
        acute(r"(?:only|seule) (?:\w+ )?@(?:way out|option|solution|issue) (?:\w+ ){0,2}(?:is |"
              r"c est |est )?(?:to )?(?:die|death|dying|end it|kill myself|la mort|mourir|en finir|"
              r"de mourir|d en finir)"),
        acute(r"(?:giving|given|gave|give) @away (?:all )?(?:my|mes) (?:things|stuff|belongings|"
              r"possessions)|(?:donne|donnee|distribue|distribuee) (?:toutes )?(?:mes|toutes mes) "
              r"@(?:affaires|biens)|won t @need (?:them|it|my things) (?:anymore|any more|"
              r"where i m going)"),
        acute(r"(?:what s|what is|whats|wats) the @point (?:of|in) (?:living|life|going on|"
              r"carrying on|being alive|anything|it all|trying|me|existing|waking up)"),
        acute(r"a quoi @bon (?:vivre|continuer|exister|me lever|tout ca|se battre)"),
        acute(r"personne ne (?:me |m )?@(?:regrettera|regretterait|manquera|pleurera|"
              r"remarquera mon absence|regretter)"),
        acute(r"(?:nobody|no one|noone|no body) (?:will|would|d|is going to|s going to) "
              r"(?:even |ever )?@(?:miss me|notice if i|care if i|cry for me|notice i m gone|"
              r"care when i m gone|notice when i m gone)"),
        acute(r"(?:pense|pensee|pensees|penser|pensais|thinking|think|thoughts|thought|"
              r"obsede\w*|obsessed|reve|dream|dreaming) (?:\w+ ){0,2}(?:a la |about |of |a )?"
              r"@(?:mort|death|dying|mourir|ma mort|my death|my own death)(?! (?:de|d|of|du)\b)"),
        acute(r"(?:going to|gonna|will|ll|vais|va|about to|planning to|plan to|think about|"
              r"thinking about|thinking of|thought about|thought of|tempted to|pense a|penser a|"
              r"envie de|want to|wanna|veux) (?:\w+ )?"
              r"@(?:take|taking|prendre|avaler|swallow|swallowing|overdose on|gober) (?:\w+ )?"
              r"(?:all|toute|toutes|tous|every|the whole|a whole|la boite|the bottle|the box)"
              r"(?: \w+){0,3} (?:pills|tablets|meds|medicaments|medocs|cachets|comprimes|"
              r"somniferes|pilules|painkillers|sleeping pills|boite|bottle|box|pack|plaquette)"),
        acute(r"(?:and|et|to|then|puis|just) @(?:end|ending|finish) (?:it|it all|things|"
              r"everything)(?= [.,]|$)"),
        acute(r"@life (?:is|isn t|s|isnt|is not|just isn t|really isn t) (?:not )?"
              r"(?:really )?(?:worth (?:it|living)|pointless|meaningless|worthless|over|"
              r"not worth)"),
        acute(r"not @worth (?:living|being alive|staying alive)"),
        acute(r"@(?:done|finished|through) with (?:life|living|being alive|this life|existing|"
              r"this world)"),
        moderate(r"@(?:done|finished) with (?:it all|everything)(?! (?:at|in|for|today|on)\b)"),
        acute(r"(?:tired|sick and tired|sick|exhausted|weary|fed up) (?:of|with) "
              r"@(?:living|life|being alive|existing|being here|this life)"),
        acute(r"(?:can t|cannot|can not|couldn t|could not) @(?:go on|carry on|keep going|"
              r"keep living|keep on living|live like this|live anymore|live any more)"
              r"(?! (?:with|without|because|at|in|for|until|till|to)\b)"),
        moderate(r"(?:can t|cannot|can not|couldn t) @(?:take|do|handle|cope with|bear|stand) "
                 r"(?:it|this|life|this life|things)(?: (?:anymore|any more|any longer))?"
                 r"(?! (?:with|without|because|at|in|for|until|till|to)\b)",
                 r"\b(?:anymore|any more|any longer|life|myself|die|end)\b"),
        acute(r"(?:better|happier|easier) (?:off )?@without me"),
        acute(r"(?:world|everyone|everybody|family|kids|children|people|tout le monde|le monde|"
              r"sa famille|ses enfants|ma famille|mes enfants) (?:\w+ ){0,3}(?:be |serait |"
              r"seraient |would be |d be )?(?:better|happier|mieux|plus heureux|plus heureuse) "
              r"(?:off )?@(?:without|sans) (?:him|her|them|lui|elle|eux|moi|me)"),
        acute(r"(?:don t think|do not think|doubt|not sure|ne pense pas|ne crois pas|crois pas|"
              r"pense pas) (?:\w+ )?(?:i |je |j )?(?:can|could|peux|pourrai|pourrais|arrive|"
              r"arriverai) (?:a |to )?@(?:keep living|keep going|go on|carry on|continuer|"
              r"tenir|vivre|live)(?! (?:with|without|avec|sans|to|a|at|au)\b)"),
        acute(r"if i (?:was|were|wasn t|weren t|m|am|d|had) (?:\w+ )?@(?:gone|dead|not here|"
              r"not around|no longer here|no longer around|died|disappeared|here no more|"
              r"never born)", r"<would>"),
        acute(r"if i (?:wasn t|weren t|was not|were not) (?:\w+ )?@(?:around|here|alive)",
              r"<would>"),
        acute(r"(?:vais|va|veux|peur de|envie de|tente de|risque de|sur le point de) (?:\w+ )?"
              r"(?:faire|commettre) (?:une |un )?@(?:betise|connerie|grosse betise|grosse connerie)"
              r"(?! (?:a l ecole|au travail|avec|en classe)\b)"),
        acute(r"(?:faire|fait|commettre|commis) (?:une |un )?(?:geste|acte|betise|connerie) "
              r"@(?:irreparable|definitif|desespere|fatal|de desespoir)"),
        moderate(r"(?:achete|bought|got|procured|trouve|found) (?:\w+ )?(?:une |a |la |the )?"
                 r"@(?:corde|rope|noose|arme|gun|fusil|pistol)",
                 unless=r"escalade|climbing|camping|bateau|boat|sport|jardin|garden|chien|dog|"
                        r"bagage|luggage|demenagement|moving"),
        acute(r"if i @(?:died|disappeared|killed myself|left for good|was to die)",
              r"<would>"),
        acute(r"@burden (?:to|on|for) (?:everyone|everybody|my family|you all|others|my kids|"
              r"my husband|my wife|them|my parents|the people)"),
        acute(r"(?:won t|wont|will not|ll not|shan t|won t be) be @(?:here|around|alive) "
              r"(?:tomorrow|anymore|any more|much longer|for long|by tomorrow|by tonight|"
              r"by morning|after tonight|after today|next week|after this)",
              unless="<appointment>"),
        acute(r"@goodbye (?:letter|letters|note|notes|message|messages|forever|everyone|"
              r"everybody|world|cruel world|for good|for ever|to everyone|to everybody|"
              r"to you all|to the world|to my (?:kids|family|friends|children|parents))"),
        acute(r"this is (?:my |our )?(?:last |final )?@goodbye"),
        acute(r"(?:say|saying|said|wrote|writing|write) (?:my|our|his|her|their) "
              r"(?:last |final )?@goodbyes?"),
        acute(r"(?:wrote|writing|write|written) (?:a |my |the )?(?:last |final )?@goodbye"),
        acute(r"my (?:last|final) @goodbye"),
        acute(r"@farewell (?:letter|letters|note|notes|message|messages)"),
        acute(r"@suicide (?:note|letter|letters|notes)"),
        acute(r"(?:wrote|written|writing|left|leaving|leave|write) (?:a |my |the |some |his |"
              r"her )?(?:last |final )?@(?:will|note|notes|letter|letters) (?:to|for) "
              r"(?:my|his|her|the|our) (?:kids|children|family|parents|wife|husband|mum|mom|dad|"
              r"friends|partner|boyfriend|girlfriend)"),
        acute(r"(?:jump|jumping|jumped|throw myself|throwing myself|sauter|saute) "
              r"(?:\w+ ){0,3}(?:du|d un|d une|de la|par la|par une|off|from|in front of|under|"
              r"sous|devant|out of) (?:\w+ ){0,2}@(?:pont|fenetre|balcon|toit|immeuble|"
              r"falaise|train|metro|tgv|bridge|building|roof|window|cliff|car|bus|tower|"
              r"balcony|lorry|truck|voiture|camion|rer|tram|viaduc|viaduct|parking|car park)"),
        acute(r"(?:hang|hanging|hanged) @(?:myself|himself|herself|themselves)"),
        acute(r"(?:slit|slitting|cut|cutting|open|opening|slash|slashing|slashed) "
              r"(?:my |his |her |their )?@(?:wrists|wrist|veins|throat)"),
        acute(r"(?:gun|pistol|fusil|arme|revolver) (?:\w+ ){0,2}(?:to|on|a|sur|against|contre) "
              r"(?:my|ma|mon|his|her|sa|son) @(?:head|tempe|tete|temple|mouth|bouche)"),
        acute(r"(?:the |my |les |mes |des )?(?:pills|tablets|meds|medicaments|medocs|cachets|"
              r"comprimes|rope|corde) (?:\w+ )?(?:are |is |sont |est )?@(?:ready|prets|pretes|"
              r"prete|pret|de cote|ready to go)", unless=r"pharmac\w*|collect\w*|pick up|"
              r"pickup|retirer|recuperer|ordonnance|prescription|renouvel\w*|refill"),
        acute(r"@(?:stockpil\w*|hoarding|hoarded|saving up|stashing|stashed) (?:\w+ )?"
              r"(?:pills|tablets|meds|medication|painkillers|sleeping pills)"),
        acute(r"(?:garde|garde|stocke|stocke|mis de cote|accumule|accumule|amasse|amasse|"
              r"economise|cache|cache) (?:\w+ ){0,3}@(?:medicaments|medocs|cachets|comprimes|"
              r"pilules|somniferes) (?:pour|afin|au cas)"),
        acute(r"(?:cut|cutting|hurt|hurting|harm|harming|burn|burning|punish|punishing|injure|"
              r"injuring|starve|starving|cuts) @(?:myself|meself|himself|herself|themselves)"
              r" (?:on purpose|deliberately|again|intentionally|to feel|to cope|every|most days|"
              r"a lot|daily|at night|to punish)"),
        acute(r"(?:want|wanna|wants|need|needs|urge|urges|thinking about|thought about|"
              r"going|tempted|trying not|feel like|scared i ll|scared i will|afraid i ll|"
              r"afraid i will|might|could) (?:to |of )?@(?:hurt|harm|cut|burn|injure|punish)"
              r"(?:ing)? (?:myself|meself|himself|herself)"),
        acute(r"(?:hurting|harming|cutting|burning) @(?:myself|meself|himself|herself)"),
        acute(r"@(?:cutting|cut|cuts|slashing|scratching|burning) (?:my|his|her|their) "
              r"(?:own )?(?:arms|arm|wrists|wrist|legs|thighs|skin|body|stomach|tummy|forearms)"
              r"(?! (?:on|with|while|when|by accident|accidentally|shaving|cooking)\b)",
              r"\b(?:keep|keeps|kept|again|started|been|always|on purpose|deliberately|"
              r"every|myself|because|to feel|to cope|self)\b"),
        acute(r"@(?:self|auto) (?:harm\w*|injur\w*|mutilation)"),
        acute(r"@selfharm\w*"),
        acute(r"(?:plan|plans|planned|planning|prepare|prepared|preparing|prepare|prepare) "
              r"(?:\w+ ){0,3}@(?:suicide|die|dying|ending|end it|kill)"),
        acute(r"(?:prepare|prepare|prepare) (?:\w+ )?(?:de quoi|ce qu il faut pour|tout pour) "
              r"@(?:partir|en finir|mourir|me tuer|disparaitre)"),
        moderate(r"@(?:no way out|pas d issue|aucune issue|sans issue|plus d issue|"
                 r"plus aucune issue)"),
        moderate(r"(?:veux|voudrais|aimerais) que (?:ca|cela|tout ca|tout) @s arrete(?= [.,]|$)",
                 unless=r"douleur|douleurs|mal|pain|toux|cough|itch\w*|demangeaisons|bruit|"
                        r"noise|travaux|saignement"),
        moderate(r"(?:veux|voudrais|aimerais|want|wants|need|needs) (?:que |it |everything |"
                 r"this |that |it all |all this |all of this |this life |ma vie |cette vie )?"
                 r"(?:tout |ca |cela |la vie )?@(?:s arrete|s arreter|arrete|stop|stops|end|ends|"
                 r"finisse|cesse|to stop|to end)(?: (?:pour toujours|pour de bon|"
                 r"definitivement|forever|for good|once and for all|une bonne fois|a jamais|"
                 r"now|maintenant))?(?! (?:de|d|the|my|la|le|les|mon|ma|mes|with|avec|hurting|"
                 r"coughing|bleeding|itching)\b)",
                 r"\b(?:tout|everything|it all|all this|all of this|life|vie|pour toujours|"
                 r"forever|for good|a jamais|definitivement|une bonne fois)\b"),
        acute(r"(?:veux|voudrais|aimerais|want|wants|need|needs) (?:que |it |everything |"
              r"this |it all |all this |all of this |this life |ma vie |cette vie )?"
              r"(?:tout |ca |la vie )?@(?:s arrete|s arreter|arrete|stop|stops|end|ends|finisse|"
              r"cesse|to stop|to end) (?:pour toujours|pour de bon|definitivement|forever|"
              r"for good|once and for all|une bonne fois|a jamais)"),
        moderate(r"plus la @force (?:de (?:continuer|me battre|lutter|tenir|avancer|vivre)|"
                 r"pour (?:continuer|vivre))"),
        moderate(r"no @strength (?:left )?(?:to (?:go on|fight|keep going|carry on|live))"),
    ),
    # --------------------------------------------------------- unconscious
    "unconscious": (
        acute(r"@(?:inconscient|inconsciente|inconscients|inconscientes|inanime|inanimee|"
              r"inanimes|lifeless|unresponsive|unconscious|inerte)"),
        acute(r"(?:perdu|perd|perte de|perdre|perdue|perdant|perdait) @connaissance"),
        acute(r"@(?:evanoui|evanouie|evanouis|evanouies|evanouir|evanouit|evanouissement|"
              r"evanouissements)"),
        acute(r"tombe\w* dans les @(?:pommes|vapes|pomes)"),
        acute(r"dans le @coma|@coma\b"),
        acute(r"ne se @reveille (?:pas|plus)|se @reveille (?:pas|plus)(?! (?:la nuit|avant|tot|"
              r"a l heure|le matin)\b)"),
        acute(r"(?:impossible|pas moyen|n arrive pas|arrive pas|n arrive plus|arrive plus) "
              r"(?:a |de )(?:le |la |l )@reveiller"),
        acute(r"(?:can t|cannot|couldn t|unable to|can not) @(?:wake|rouse) (?:him|her|them|my|"
              r"his|her|the baby|the child|mum|mom|dad)"),
        acute(r"<person> (?:(?!(?:visage|bras|jambe|jambes|main|mains|pied|pieds|cote|bouche|"
              r"oeil|yeux|doigt|doigts|tete|face|arm|leg|hand|foot|mouth|eye|finger|dent|dents|"
              r"epaule|genou|cou|nuque|langue|levre|levres)\b)\w+ ){0,5}(?:ne |n )?"
              r"@(?:repond|reagit|bouge|reagis|reponds) "
              r"(?:plus|pas|presque plus|presque pas|plus du tout|pas du tout)"
              r"(?! (?:au|aux|a mes|a nos|a vos|a ses|a l|a mon|a ma|a son|a sa|a leur|a leurs|"
              r"a la|sur|par|son|sa|ses|le|la|les|mon|ma|mes|depuis \w+ (?:jours|semaines))\b)"),
        acute(r"<person> (?:\w+ ){0,3}(?:is |s |isn t |isnt |has |has been |s been |is still |"
              r"keeps )?(?:not |no longer |stopped )?@(?:responding|reacting|moving|waking)"
              r"(?! (?:to (?:my|our|your|the|his|her|texts|messages|calls|emails|treatment|"
              r"the treatment|the medication|antibiotics)|his|her|their|the|my|on|in|out|"
              r"house|home|flat|forward|well|around|properly|fine)\b)",
              r"\b(?:not|no longer|stopped|isn t|isnt|hasn t|won t|wont)\b"),
        acute(r"(?:won t|wont|will not|isn t|is not) @(?:wake|waking)(?: up)?(?! (?:at night|"
              r"early|before|in the night|for|in the morning|on time|when)\b)"),
        acute(r"not @waking(?: up)?"),
        acute(r"@(?:blacked out|black out|blacking out|knocked out|passed out|passing out|"
              r"out cold|collapsed|collapse|collapsing)(?! (?:lung|vein|building|shelf|"
              r"ceiling|roof|tent|bridge|market|company|deal)\b)"),
        acute(r"@(?:fainted|fainting)(?! (?:spell|spells)\b)"),
        acute(r"@(?:effondre|effondree|effondres|effondrees|s effondre|s est effondre|"
              r"s est effondree)"),
        acute(r"@malaise (?:\w+ ){0,3}(?:perte de connaissance|ne (?:repond|bouge|reagit)|"
              r"inconscient\w*|inerte|par terre|au sol|ne se reveille)"),
        acute(r"(?:par terre|au sol|on the floor|on the ground) (?:\w+ ){0,4}(?:et |and )?"
              r"(?:ne |n )?@(?:repond|bouge|reagit|responding|moving|reacting|breathing)"
              r"(?: (?:pas|plus))?"),
        moderate(r"(?:about|going|gonna|feel|feels|feeling|might|think i m going) (?:to |like )?"
                 r"(?:i m going to |i could |i might |i ll )?@(?:faint|pass out|black out|"
                 r"collapse)"),
        moderate(r"(?:vais|va|sens que je vais|impression que je vais|sur le point de) "
                 r"(?:\w+ )?@(?:tomber dans les pommes|m evanouir|s evanouir|perdre connaissance|"
                 r"tourner de l oeil)"),
    ),
    # -------------------------------------------------------- severe allergy
    "severe_allergy": (
        acute(r"@<airway> (?:\w+ ){0,4}(?:<swell>)"),
        acute(r"@<throat> (?:\w+ ){0,4}(?:closing|closing up|closes|close up|se ferme|se referme|"
              r"se resserre|resserre|se resserrer|constrict|constricting|constricted|"
              r"closing in|tightening|is shutting|se bouche|qui gonfle|gonfle|se gonfle|enfle|"
              r"qui enfle|gonflent|enflent|is swelling|swelling up|swells|swells up|"
              r"s is swelling|keeps swelling|getting bigger|grossit)(?! (?:gland|glands|"
              r"ganglion|ganglions|amygdales|tonsils)\b)"),
        acute(r"@<throat> (?:\w+ ){0,4}(?:<swell>|<tight>)", r"<allergen_event>"),
        moderate(r"@<throat> (?:\w+ ){0,4}(?:<tight>|<swell>)(?! (?:gland|glands|ganglion|"
                 r"ganglions|amygdales|tonsils)\b)", unless=r"angine|sore throat|mal a la gorge|"
                 r"amygdal\w*|tonsil\w*|rhume|cold|flu|grippe|angoisse|anxi\w*|stress\w*|"
                 r"pleur\w*|cry\w*"),
        acute(r"(?:<swell>) (?:\w+ ){0,2}(?:de la |du |des |of (?:the |my |his |her )?|"
              r"(?:my|his|her|their) |la |le |les )?@<airway>"),
        acute(r"(?:<swell>) (?:\w+ ){0,2}(?:de la |du |of (?:the |my |his |her )?|"
              r"(?:my|his|her|their) |la |le )?@<throat>", r"<allergen_event>"),
        moderate(r"(?:<swell>) (?:\w+ ){0,2}(?:de la |du |of (?:the |my |his |her )?|"
                 r"(?:my|his|her|their) |la |le )?@<throat>", unless=r"angine|sore throat|"
                 r"mal a la gorge|amygdal\w*|tonsil\w*|rhume|cold|flu|grippe"),
        acute(r"@<face_other> (?:\w+ ){0,3}(?:<swell>)", r"<allergen_event>|<hives>"),
        acute(r"@<hives> (?:\w+ ){0,6}(?:<wheeze>|<swallow_trouble>|<swell>|malaise|vomi\w*|"
              r"vomit\w*|dizzy|faint|tete qui tourne|vertiges?|du mal a respirer)",
              r"<allergen_event>"),
        acute(r"(?:<wheeze>|<swallow_trouble>) (?:\w+ ){0,6}@<hives>", r"<allergen_event>"),
        acute(r"@<wheeze>", r"<allergen_event>"),
        acute(r"@<swallow_trouble>", r"<allergen_event>"),
        named(r"choc @anaphylactique|@anaphyla\w*|oedeme de @quincke|@quincke|"
              r"@(?:angioedem\w*|angio oedeme|angio-oedeme)"),
        named(r"reaction @(?:allergique|allergic) (?:\w+ )?(?:grave|severe|forte|importante|"
              r"violente|serieuse|massive|enorme)"),
        named(r"(?:severe|serious|bad|big|major|massive|violent|huge|strong) @allergic "
              r"reaction"),
        acute(r"(?:ai|a|as|avons|avez|ont|viens de|vient de|venons de|du|du|fallu) (?:\w+ )?"
              r"(?:utilise|utiliser|fait|faire|injecte|injecter|mis|mettre|donne|donner|pique|"
              r"piquer|plante|planter) (?:\w+ ){0,3}@<epipen>"),
        acute(r"(?:used|gave|given|injected|administered|had to use|have to use|jabbed|"
              r"stabbed|needed|just used|ve used) (?:\w+ ){0,3}@<epipen>"),
        acute(r"@<epipen> (?:\w+ ){0,3}(?:used|injected|given|administered|dans la cuisse|"
              r"in (?:his|her|my) thigh|utilise|injecte|fait)"),
        named(r"@<epipen>"),
    ),
    # ----------------------------------------------------------- breathing
    "breathing": (
        acute(r"(?:arrive|arrives|arrivent|parviens|parvient|arrivait|arrivais) (?:plus|pas|"
              r"presque plus|presque pas|plus du tout|pas du tout|pas bien|mal|difficilement|"
              r"plus trop|pas trop|vraiment pas|quasiment plus|quasiment pas)(?: du tout)? "
              r"(?:a |bien )?@(?:respirer|respire|reprendre|inspirer|souffler|retrouver)"
              r"(?! (?:par le nez|du nez|le nez)\b)"),
        acute(r"(?:peux|peut|pouvons|pouvez|peuvent|pouvait|pouvais|pourrais|pourrait) "
              r"(?:plus|pas|presque plus|presque pas|plus du tout|pas du tout|quasiment plus|"
              r"quasiment pas|plus trop|pas bien) (?:bien )?@(?:respirer|reprendre (?:mon|son|"
              r"sa|ma|leur) (?:souffle|respiration)|inspirer)(?! (?:par le nez|du nez)\b)"),
        acute(r"(?:du mal|de la peine|difficulte|difficultes|gene|peine|tellement de mal|"
              r"beaucoup de mal) (?:a|pour) @(?:respirer|respire|respiree|respires|"
              r"reprendre (?:mon|son|sa|ma) "
              r"(?:souffle|respiration))(?! (?:par le nez|du nez)\b)"),
        acute(r"@(?:difficulte|difficultes|detresse|insuffisance|gene|arret) respiratoires?"),
        acute(r"ne @respire (?:plus|pas|presque plus|presque pas|mal|difficilement|plus du tout)"
              r"(?! (?:par le nez|du nez|bien par)\b)"),
        acute(r"@respire (?:plus|pas|presque pas|presque plus|plus du tout)(?! (?:par|du|le|"
              r"bien par|la fumee|l odeur)\b)"),
        acute(r"@(?:respire|respirait|respiration) (?:\w+ ){0,2}(?:mal|difficilement|bizarrement|"
              r"bizarre|bizarement|avec difficulte|avec peine|par a coups|de maniere bizarre|"
              r"anormalement|en sifflant fort|tres mal)(?! (?:par le nez|du nez)\b)"),
        moderate(r"@(?:respire|respirait|respiration) (?:\w+ ){0,2}(?:tres vite|trop vite|"
                 r"super vite|vite|fort|bruyamment|rapide|rapidement|courte|superficielle|"
                 r"sifflante|bruyante|difficile|haletante)"),
        acute(r"@(?:etouffe|etouffes|etouffent|etouffait|etouffais|etouffer|etouffement|"
              r"suffoque|suffoques|suffoquent|suffoquer|suffoquait|suffocation|suffocating|"
              r"suffocate|suffocates|asphyxie|asphyxia|asphyxiating)"),
        acute(r"@(?:choking|choke|choked|chokes|s etrangle|etrangle)(?! (?:up|back)\b)"),
        acute(r"@manque d (?:air|oxygene)|@manque de (?:souffle|respiration)"),
        acute(r"(?:a bout de|plus de|pas de|sans) @souffle(?! (?:au|a la|apres|quand|en)\b)"),
        acute(r"@souffle (?:coupe|court)(?! (?:au|a la|apres|quand|en)\b)"),
        moderate(r"@(?:essouffle|essoufflee|essouffles|essoufflement|dyspnee|dyspnoea|dyspnea|"
                 r"breathless|breathlessness|hors d haleine|souffle court)"),
        moderate(r"short(?:ness)? of @breath|out of @breath"),
        moderate(r"@(?:wheezing|wheezy|wheeze|wheezes|sifflement|sifflements|sifflante|siffle)"
                 r"(?! (?:dans l oreille|in my ear|in my ears|dans les oreilles)\b)"),
        moderate(r"(?:crise|attaque|crises) d @asthme|@asthma (?:attack|attacks|flare|flare up)|"
                 r"@bronchospasm\w*"),
        acute(r"<cant> (?:to )?@(?:breathe|breath|breathing|respire|respirer)"
              r"(?! (?:through (?:my|his|her) nose|through the nose|properly through)\b)"),
        acute(r"<cant> (?:get|catch|take|draw|pull) (?:\w+ ){0,3}@(?:air|breath|breaths|oxygen)"
              r"(?! (?:through (?:my|his|her) nose)\b)"),
        acute(r"(?:struggling|struggle|struggles|struggled|hard|trouble|difficulty|difficult|"
              r"fighting|gasping|labou?red|laboring|labouring|problem|problems|hardly) "
              r"(?:to |for |with |at |in )?@(?:breathe|breath|breathing)"
              r"(?! (?:through (?:my|his|her) nose|in cold|when running)\b)"),
        acute(r"(?:not|stopped|isn t|isnt|stop|stops|has stopped|wasn t|no longer|is not|"
              r"s not|keeps stopping|stopping) @breathing", firm=True),
        acute(r"@(?:gasping|gasps|gasped)"),
        acute(r"(?:struggling|gasping|fighting) for @air"),
        acute(r"(?:blue|grey|gray|purple|bluish|blueish) @(?:lips|lip)", firm=True),
        acute(r"@(?:lips|lip) (?:\w+ ){0,3}(?:are |look |looks |turning |going |went |gone |"
              r"is |are going |have gone |looking )?(?:blue|grey|gray|purple|bluish|blueish)",
              firm=True),
        acute(r"@(?:levres|levre) (?:\w+ ){0,2}(?:bleues?|violettes?|grises?|bleutees?|"
              r"violacees?)", firm=True),
        acute(r"(?:going|turning|gone|went|goes|turns|looks) @(?:blue|grey|gray|purple)"
              r"(?! (?:in the face|with cold)\b)", r"<person>"),
        acute(r"(?:devient|devenu|devenue|tout|toute|est) @(?:bleu|bleue|violet|violette|gris|"
              r"grise)(?! (?:de froid|fonce|marine|ciel|clair|clair)\b)",
              r"<person>|<baby>|<child_noun>"),
        moderate(r"@breathing (?:\w+ ){0,2}(?:is |s |very |really |so )?(?:fast|rapid|weird|"
                 r"strange|funny|noisy|laboured|labored|heavy|shallow|irregular|odd|raspy|"
                 r"rattly|fast and shallow|quick)"),
        acute(r"@(?:grunting|grunts|grunt)(?! (?:work|when he poos|when she poos)\b)"),
        acute(r"@(?:cotes|cote) (?:\w+ ){0,3}(?:se creusent|creusent|qui se creusent|rentrent|"
              r"qui rentrent|s enfoncent)"),
        acute(r"(?:ribs|chest|tummy|belly|stomach|neck|skin) (?:\w+ ){0,2}@(?:sucking|pulling|"
              r"sucks|pulls|sinking|caving) (?:in|under)"),
        acute(r"@tirage(?! au sort)"),
        acute(r"@<inhaler> (?:\w+ ){0,5}<not_working>"),
        acute(r"<not_working> (?:\w+ ){0,3}(?:avec |with |from )?(?:la |le |my |his |her |"
              r"mon |ma |sa |son |the )?@<inhaler>"),
        acute(r"(?:[4-9]|\d\d|plusieurs|many|several|loads of|lots of|so many|dix|ten|six|five|"
              r"cinq|huit|eight) (?:times|fois|puffs|bouffees|doses|pulverisations|sprays|coups) "
              r"(?:de |d |of (?:my |the |his |her )?)?@<inhaler>"),
        acute(r"@<inhaler> (?:\w+ ){0,4}(?:[4-9]|\d\d|plusieurs|many|several|loads of|lots of|"
              r"so many|dix|ten|six|five|cinq|huit|eight) (?:times|fois|puffs|bouffees|doses|"
              r"pulverisations|sprays)"),
        acute(r"@(?:noyade|noye|noyee|noyes|drowning|drowned|drown)(?! (?:in paperwork|in work|"
              r"sous|dans|in emails|in debt)\b)"),
    ),
    # ----------------------------------------------------------- chest pain
    "chest_pain": (
        acute(r"<pain> (?:\w+ ){0,5}@<chest>(?! (?:x ray|xray|radio|scan|infection|physio|"
              r"hair|size|measurement|press)\b)"),
        acute(r"@<chest> (?:\w+ ){0,3}(?:<pain>|sore|(?:feels |is )?like (?:\w+ ){0,4}(?:sitting|"
              r"crushing|squeezing|vice|weight|elephant|band|belt|clamp)|en feu|on fire|"
              r"dans un etau|comme (?:\w+ ){0,3}(?:etau|poids|elephant|ecrase\w*|serre\w*))"),
        acute(r"(?:<pain_not_mal>|sensation|comme|like) (?:\w+ ){0,3}(?:au |du |dans le |a |"
              r"in (?:my |his |her |the )?|around (?:my |his |her )?|on (?:my |his |her )?|"
              r"sur le |autour du )(?:niveau (?:du |de )|region (?:du |de )|"
              r"cote (?:du |de ))?@<heart>"),
        acute(r"mal (?:au|du) niveau (?:du|de la) @(?:coeur|poitrine)"),
        acute(r"(?:sitting|standing|pressing|pushing|weighing|squeezing|crushing|assis|assise|"
              r"debout|appuie|appuyait|pese|pesait|ecrase|ecrasait|serre|serrait|kneeling) "
              r"(?:\w+ ){0,2}(?:on|sur|against|contre) (?:my|his|her|their|ma|sa|la|le|mon|son) "
              r"@<chest>"),
        acute(r"(?:se plaint|se plaignait|complains|complaining|complained) (?:\w+ ){0,2}"
              r"(?:du|de la|de sa|de son|of|about|of (?:his|her)|about (?:his|her)) "
              r"@(?:coeur|heart|poitrine|chest|thorax)"),
        acute(r"@<heart> (?:\w+ ){0,5}(?:serre|sere|oppresse|comprime|ecrase|squeezing|"
              r"crushing)"),
        acute(r"(?:clutching|clutches|clutched|holding|holds|grabbing|grabs|clasping|se tient|"
              r"tient|tenait|se tenait|agrippe|serre|presse) (?:\w+ ){0,2}@<chest>"),
        acute(r"<pain> (?:\w+ ){0,4}(?:irradie\w*|qui part|part|qui descend|descend|qui monte|"
              r"monte|spread\w*|radiat\w*|shoot\w*|going|goes|moving|moves|travels|travelling) "
              r"(?:\w+ ){0,3}@(?:bras|arm|machoire|jaw|epaule|shoulder|machoire)"),
        named(r"(?:crise|arret|attaque) @cardiaque|@infarctus|@heart attack|@heart attacks|"
              r"@cardiac arrest|angine de @poitrine|@angina|syndrome @coronarien|"
              r"@myocardial infarction|@heartattack|@crise cardiaque|@infarct\w*"),
    ),
    # --------------------------------------------------------------- stroke
    "stroke": (
        acute(r"@<face> (?:\w+ ){0,3}(?:de travers|tordu|tordue|deforme|deformee|tombe|"
              r"tombante|tombait|affaisse|affaissee|paralyse|paralysee|drooping|droops|droopy|"
              r"drooped|droop|lopsided|crooked|sagging|saggy|fallen|uneven|wonky|twisted|"
              r"asymetrique|asymmetric|asymmetrical|ne bouge plus|bouge plus|paralysed|"
              r"paralyzed|pendante|qui pend|dropped|has dropped|slipped|pulling to one side|"
              r"d un cote|on one side)"),
        moderate(r"@<face> (?:\w+ ){0,3}(?:numb|engourdi|engourdie|insensible|tingling)"),
        acute(r"@(?:paralysie|paralysed|paralyzed|drooping|droopy|affaissement|deformation|"
              r"drooped) (?:\w+ ){0,2}(?:de la |du |d un cote du |of (?:the |his |her |my )?)?"
              r"<face>"),
        acute(r"(?:n arrive (?:plus|pas) a|ne (?:peut|peux) (?:plus|pas)|peut plus|peux plus|"
              r"arrive plus a|n arrive plus|du mal a|difficulte a|difficultes a) "
              r"@(?:articuler|trouver (?:ses|mes|les) mots|s exprimer|m exprimer|parler "
              r"correctement|parler normalement)"),
        acute(r"(?:n arrive plus a|ne (?:peut|peux) plus|peut plus|peux plus|arrive plus a) "
              r"@parler"),
        moderate(r"(?:n arrive pas a|ne (?:peut|peux) pas|arrive pas a|du mal a) @parler",
                 r"<sudden>|<face>|bouche|bras|arm|jambe"),
        moderate(r"@(?:parle|parlait|parler) (?:\w+ )?(?:bizarre|bizarrement|bizarement|"
                 r"difficilement|avec difficulte|de travers|lentement|comme (?:un |une |s il "
                 r"|si elle )?(?:etait )?(?:ivre|saoul|saoule|bourre|bourree)|n importe comment|"
                 r"mal d un coup|plus normalement|bizzare|etrangement|de facon bizarre)"),
        acute(r"voix @(?:pateuse|pateux|bizarre soudain)|@bafouill\w*|n @articule (?:plus|pas)|"
              r"@articule (?:mal|plus)|@aphasi\w*|@dysarthri\w*"),
        acute(r"@(?:slurr\w*|slured)"),
        moderate(r"@speech (?:\w+ )?(?:is |s |sounds |went |got |has gone |seems )?(?:slurred|"
                 r"weird|strange|garbled|jumbled|funny|odd|off|muddled|confused|gone|drunk|"
                 r"not right|all wrong|slow)"),
        moderate(r"@words (?:\w+ )?(?:are |were |come out |coming out |came out )?(?:all )?"
                 r"(?:jumbled|mixed up|garbled|muddled|wrong|slurred|nonsense|coming out wrong|"
                 r"not making sense)"),
        moderate(r"(?:can t|cannot|couldn t|unable to) (?:find|get) (?:his|her|my|their) "
                 r"@words"),
        moderate(r"(?:can t|cannot|couldn t|unable to) @(?:speak|talk) (?:properly|clearly|"
                 r"normally|right|at all)|(?:lost|losing) (?:his|her|my) @speech|"
                 r"(?:trouble|difficulty|struggling) @(?:speaking|talking)"),
        moderate(r"@<limb> (?:\w+ ){0,3}(?:<weak>)(?! (?:after|since|from|when|apres|depuis|"
                 r"quand) (?:\w+ ){0,2}(?:sleeping|dormi|sport|gym|workout|chute|fall|fell|"
                 r"accident|injection|vaccin|vaccine)\b)"),
        moderate(r"(?:<weak>) (?:\w+ ){0,4}(?:in |of |on |down |du |de la |de l |de |dans )?"
                 r"(?:my |his |her |their |son |sa |mon |ma |the |le |la |tout le |toute la )?"
                 r"(?:left |right |gauche |droit |droite )?@<limb>"),
        acute(r"(?:<weak>) (?:\w+ ){0,4}(?:on |down |of |d )?(?:one|the left|the right|left|"
              r"right|un|un seul|le|tout le) @(?:side|cote)(?: (?:gauche|droit))?(?! of (?:the|my|"
              r"his|her) (?:mouth|face|tongue|lip|head)\b)"),
        acute(r"@(?:cote|side) (?:gauche |droit |left |right )?(?:\w+ ){0,3}(?:<weak>)",
              r"<sudden>|<face>|parle|speech|talk"),
        moderate(r"(?:n arrive|arrive|peut|peux|ne peut|ne peux|can t|cannot|unable to|"
                 r"couldn t|n arrive plus a|arrive plus a|arrive pas a) (?:plus |pas )?(?:a )?"
                 r"(?:lever|bouger|soulever|lift|move|raise|use|feel|sentir|serrer|grip) "
                 r"(?:le |la |les |son |sa |ses |mon |ma |mes |his |her |my |their |the )?"
                 r"(?:left |right )?@(?:bras|arm|jambe|leg|main|hand|pied|foot)"),
        acute(r"(?:n arrive|arrive|peut|peux|ne peut|ne peux|can t|cannot|unable to|couldn t|"
              r"n arrive plus a|arrive plus a) (?:plus |pas )?(?:a )?(?:bouger|move|feel|sentir) "
              r"(?:le |la |son |sa |his |her |my |the |tout le |toute la |one )?(?:left |right |"
              r"gauche |droit |droite )?@(?:side|cote|half|moitie)(?: (?:gauche|droit|droite|du "
              r"corps|of (?:his|her|my|the) body))?"),
        moderate(r"(?:sent|sens|feel|feels|felt|sentait) (?:plus|pas|nothing in|anything in) "
                 r"(?:sa |son |ma |mon |his |her |my )(?:left |right )?@(?:main|bras|jambe|"
                 r"pied|hand|arm|leg|foot|visage|face)"),
        moderate(r"(?:ne )?@(?:vois|voit|voyait|voyais) (?:plus rien|plus du tout|double|"
                 r"plus clair|plus net|plus bien|plus correctement|plus|rien)(?= [.,]|$| "
                 r"(?:de l|d un|du tout|soudain|d un coup|depuis|tout a coup|avec (?:l|un|mon|"
                 r"son)|de (?:mon|son|ma|sa) oeil|et|and)\b)"),
        acute(r"(?:ne )?@(?:vois|voit|voyait|voyais) (?:plus|plus rien|rien|plus du tout) "
              r"(?:\w+ ){0,2}(?:de l|d un|d un seul|avec l|avec un|de mon|de son|du cote) "
              r"(?:\w+ )?(?:oeil|yeux)"),
        moderate(r"(?:can t|cannot|couldn t) @see (?:anything|out of|with|properly)|"
                 r"(?:lost|losing) (?:the |his |her |my )?@(?:vision|sight|eyesight)|"
                 r"@(?:vision|sight|eyesight) (?:\w+ )?(?:went|goes|is|has gone|gone|going|"
                 r"turned) (?:all )?(?:black|dark|blurry|blurred|double|grey|gray|dim)|"
                 r"(?:went|gone|going) @blind|@(?:double vision|perdu la vue|aveugle)|"
                 r"@perte (?:de la |de |d )?(?:vue|vision)|(?:vision|sight) @loss|loss of "
                 r"@(?:vision|sight)|"
                 r"(?:vue|vision) @(?:trouble|floue|brouillee|noire)|voile @noir|rideau @noir|"
                 r"@curtain (?:over|across|coming down)"),
        acute(r"(?:can t|cannot|couldn t) @see (?:\w+ ){0,2}(?:out of|with|in) (?:my|his|her|"
              r"one) (?:left |right )?eye"),
        named(r"@avc|@accident vasculaire|attaque @cerebrale|@(?:stroke|strokes)|mini @stroke|"
              r"@tia|@hemipleg\w*|@hemipares\w*|@ait(?= (?:\w+ )?(?:hier|ce matin|aujourd|"
              r"il y a|transitoire))"),
    ),
    # ------------------------------------------------------------- seizure
    "seizure": (
        acute(r"@convuls\w*"),
        named(r"crise (?:d |de )?@(?:epilepsie|epileptique|convulsive|convulsion|convulsions|"
              r"tonico clonique)"),
        named(r"@(?:seizure|seizures|seizing|seized)(?! (?:medication|meds|medicine|tablets|"
              r"drug|drugs|clinic|plan|action plan|free)\b)"),
        acute(r"yeux @revulses|@(?:eyes) (?:rolled|rolling|rolls|rolled back|rolling back) "
              r"(?:back|up|into)"),
        acute(r"@(?:jerking|twitching|spasming|shaking|convulsing|thrashing) (?:\w+ ){0,2}"
              r"(?:on the floor|all over|uncontrollably|violently|everywhere|his whole body|"
              r"her whole body|whole body|and foaming|and jerking|and twitching|and shaking)"),
        acute(r"(?:shaking|jerking|twitching) and @(?:jerking|shaking|twitching|stiff|rigid)"),
        acute(r"@(?:bave|bavait|mousse) (?:\w+ ){0,5}(?:raide|tremble|convuls\w*|secousse\w*|"
              r"yeux|par terre|crise|aux levres|de la bouche)"),
        acute(r"(?:raide|tremble|secousses|par terre|crise) (?:\w+ ){0,3}(?:et )?"
              r"(?:il |elle )?@(?:bave|bavait)"),
        acute(r"@(?:foaming|foams|frothing) at the mouth"),
        acute(r"@fitting|having a @fit\b(?! of)|epileptic @fit|(?:had|has|having) (?:a )?@fits"
              r"(?! of)"),
        moderate(r"@tremble (?:\w+ )?(?:de partout|de tout son corps|tout le corps|violemment|"
                 r"sans s arreter|sans arret|comme une feuille)"),
        moderate(r"@secousses (?:\w+ ){0,3}(?:bras|jambes|corps|partout|incontrol\w*|"
                 r"violentes?)"),
        moderate(r"(?:fait|fais|faisait|en train de faire) une @crise (?:\w+ ){0,3}"
                 r"(?:raide|bave|tremble|secousses|par terre|yeux)"),
    ),
    # -------------------------------------------------------- pregnancy bleeding
    "pregnancy_bleeding": (
        acute(r"@<blood_any>(?! (?:test|tests|pressure|sugar|type|group|work|results?|"
              r"donation|count|glucose)\b)",
              r"<pregnant>", unless=r"(?:gencives?|gums?|nez|nose|nosebleed|piles|"
              r"hemorroides?|haemorrhoids?|hemorrhoids?) (?:\w+ ){0,3}(?:saign\w*|bleed\w*|"
              r"sang|blood)|(?:saign\w*|bleed\w*|sang|blood) (?:\w+ ){0,3}(?:gencives?|gums?|"
              r"du nez|nez|nose|urine|pee)"),
        named(r"fausse @couche|@miscarr\w*|@ectopic|grossesse @extra uterine|@geu\b"),
    ),
    # ------------------------------------------------------------- bleeding
    "bleeding": (
        acute(r"@(?:saigne|saignes|saignent|saignait|saigner|saigne|saignee) (?:\w+ ){0,2}"
              r"(?:beaucoup|abondamment|enormement|sans arret|a flots|tres fort|trop|fort|"
              r"de partout|comme un boeuf|comme jamais|a grosses gouttes|non stop|"
              r"tellement|grave|a mort|vraiment beaucoup|abondament|depuis (?:plus d )?"
              r"(?:\d+|une|deux|trois|des|plusieurs) (?:heure|heures|h|min|minutes|mn))"),
        acute(r"@(?:saignement|saignements|hemorragie|hemorragies) (?:\w+ ){0,2}(?:abondant\w*|"
              r"important\w*|massif\w*|grave\w*|enorme\w*|qui ne s arrete (?:pas|plus)|"
              r"qui s arrete (?:pas|plus)|incontrol\w*|qui dure|tres fort\w*|fort\w*|"
              r"depuis (?:\d+|une|deux|plus d une) (?:heure|heures|h|min|minutes))"),
        acute(r"@(?:hemorragie|hemorragies|hemorrhage|haemorrhage|hemorrhaging|haemorrhaging|"
              r"hemorraghie|hemoragie)"),
        acute(r"(?:saigne|saignement|saigner|saignent|saignements|sang|ca) (?:\w+ ){0,3}"
              r"(?:ne )?s @arrete (?:pas|plus)"),
        acute(r"(?:arrete|arretent|arrive|arrivons|arrivent) (?:pas|plus) (?:de |a )?"
              r"(?:arreter (?:le |les |de )?)?@(?:saigner|saignement|saignements)"),
        acute(r"(?:n arrive pas|arrive pas|impossible|pas moyen|n arrivons pas) (?:a |d )"
              r"arreter (?:le |les |la )?@(?:saignement|saignements|hemorragie|sang)"),
        acute(r"(?:perd|perds|perdu|perdait|perdre|perdent) (?:\w+ ){0,2}(?:beaucoup|enormement|"
              r"plein|trop|une grande quantite|des litres|un litre|tellement) (?:de |d )@sang"),
        acute(r"(?:beaucoup|plein|flaque|mare|litres|enormement|trop|masse|tellement|caillots) "
              r"(?:de |d )@sang"),
        acute(r"@sang (?:partout|de partout|qui coule|qui gicle|qui pisse|gicle|jaillit|"
              r"coule a flots|coule beaucoup|qui jaillit|coule sans arret|pisse)"),
        acute(r"@(?:pisse|pisser|pissent|pissait) le sang"),
        acute(r"(?:gicle|giclent|jaillit|pisse|coule) (?:\w+ ){0,2}@sang"),
        acute(r"(?:vomi|vomis|vomit|vomir|vomissements|vomissement|vomissait|crache|craches|"
              r"cracher|recrache|crachats|tousse|tousse) (?:\w+ ){0,3}(?:du |de |plein de |"
              r"beaucoup de |des caillots de |que )?@sang"),
        acute(r"(?:coughing|cough|coughed|coughs|vomiting|vomited|vomit|vomits|throwing|threw|"
              r"spitting|spat|spit|bringing|brought|puking|puked|sick) (?:up )?(?:\w+ ){0,2}"
              r"@blood"),
        acute(r"@(?:hematemes\w*|haematemes\w*|hemoptysie|hemoptysis|haemoptysis)"),
        acute(r"@bleeding (?:\w+ ){0,2}(?:heavily|a lot|badly|profusely|everywhere|non stop|"
              r"nonstop|won t stop|wont stop|will not stop|doesn t stop|does not stop|"
              r"isn t stopping|not stopping|keeps|so much|like crazy|really bad|loads|"
              r"for (?:\d+|an|over an|more than an|over|more than) (?:\w+ )?(?:hour|hours|"
              r"min|mins|minutes))"),
        acute(r"(?:heavy|heavily|severe|massive|uncontrolled|uncontrollable|serious|profuse|"
              r"major|lots of|a lot of|so much|excessive) @(?:bleeding|bleed)"),
        acute(r"(?:won t|wont|will not|doesn t|does not|can t|cannot|unable to|couldn t|"
              r"not able to) stop (?:the |her |his |my )?@(?:bleeding|bleed)"),
        acute(r"(?:lots|lot|loads|load|so much|pool|puddle|pints|litres|liters|tons|buckets|"
              r"cups|clots) of @blood"),
        acute(r"(?:losing|lost|lose|loses) (?:\w+ ){0,2}@blood"),
        acute(r"@blood (?:\w+ ){0,3}(?:everywhere|pouring|gushing|spurting|pumping|squirting|"
              r"won t stop|wont stop|keeps coming|keeps pouring|soaking|soaked through|"
              r"all over|dripping everywhere|streaming|pours|gushes|spurts)"),
        acute(r"@bleeding out|@bled out|@bleed out"),
        acute(r"(?:cut|wound|gash|plaie|coupure|entaille|it|ca|nose|nez|blessure|jambe|bras|"
              r"leg|arm|head|tete) (?:\w+ ){0,2}(?:is |s |keeps )?@(?:gushing|spurting|pouring|"
              r"pumping|squirting|gicle|pisse|jaillit|pissing)"),
        acute(r"@(?:soaking|soaked|drenching|going through|trempe|traverse|change|changing) "
              r"(?:\w+ ){0,2}(?:a |one |une |un )?(?:pad|pads|tampon|tampons|serviette|serviettes|"
              r"towel|towels|protection|protections) (?:\w+ )?(?:every|toutes les|an hour|"
              r"par heure|in an hour|each hour|every hour|en moins d une heure|chaque heure)"),
        acute(r"(?:ca |sang |il |elle |blood |it s |it is )?@(?:coule|pisse|pour|pours|pouring|"
              r"streaming|gushing) (?:\w+ )?(?:beaucoup|enormement|a flots|sans arret|partout|"
              r"everywhere|non stop|out)", r"<blood_any>"),
        acute(r"(?:towel|towels|serviette|serviettes|bandage|bandages|pansement|pansements|"
              r"tshirt|t shirt|shirt|compresse|compresses|torchon|tissue|tissues|mouchoirs|"
              r"mouchoir|tea towel|sheets|draps|pad|pads|serviette hygienique|dressing) "
              r"(?:\w+ ){0,3}(?:is |are |sont |est )?(?:completely |totalement |all |deja |"
              r"already |tout |toute |toutes )?@(?:soaked|drenched|trempe|trempes|trempee|"
              r"trempees|imbibe\w*|full of blood|plein de sang|pleine de sang|pleins de sang|"
              r"saturated|red|rouge|rouges)"),
        moderate(r"@blood (?:in|dans) (?:my |his |her |the |mes |ses |les )?(?:poo|stool|"
                 r"stools|vomit|sick|poop|selles|vomi)|@sang dans (?:les |ses |mes )?"
                 r"(?:selles|vomi\w*|crachats)|@selles (?:\w+ )?(?:noires|black)|"
                 r"black (?:tarry )?@(?:stool|stools|poo|poop)|@(?:melena|meleana|rectorragie)"),
        moderate(r"(?:saigne|saignement|bleeding|nosebleed|nose bleed|@saigne du nez) (?:\w+ )"
                 r"{0,4}(?:depuis|for|since) (?:plus d |over |more than )?(?:\d+|une|an|one|"
                 r"half an|deux|two) (?:\w+ )?(?:heure|heures|h|hour|hours|min|minutes|mins)"),
    ),
    # --------------------------------------------------------------- poisoning
    "poisoning": (
        acute(r"(?:<eat>) (?:\w+ ){0,4}@<poison>(?! (?:de|d|of|dans|du)\b)"),
        acute(r"@<poison> (?:\w+ ){0,3}(?:<eat>|dans (?:sa|la) bouche|in (?:his|her|their) "
              r"mouth)(?! (?:pas|not)\b)", r"<child_ref>|<person>"),
        acute(r"(?:<eat>) (?:\w+ ){0,4}@<wild_food>", r"(?:sauvage\w*|cueilli\w*|ramasse\w*|"
              r"wild|picked|foraged|du jardin|from the garden|de la foret|in the woods|"
              r"in the park|au parc|toxique\w*|veneneu\w*|poisonous|inconnu\w*|unknown|"
              r"on sait pas|on ne sait pas|don t know what|no idea what|lesquel\w*|which ones|"
              r"vomi\w*|vomit\w*|throwing up|sick|hallucin\w*|not sure what)"),
        acute(r"(?:<eat>) (?:\w+ ){0,4}@<alcohol>", r"<child_ref>"),
        acute(r"@(?:monoxyde|carbon monoxide)|detecteur de @co|@co (?:alarm|detector)"),
        acute(r"centre @(?:antipoison|anti poison|antipoisons)|@poison (?:control|centre|"
              r"center)"),
        named(r"@(?:empoisonne|empoisonnee|empoisonnes|empoisonnement|poisoned|poisoning|"
              r"intoxique|intoxiquee|intoxication)(?! (?:alimentaire|food)\b)"),
        moderate(r"(?:inhale\w*|breathed in|breathing in|respire|respire|inspire) (?:\w+ ){0,3}"
                 r"@(?:fumes|vapeurs|fumee|fumees|gas|gaz|chlore|chlorine|ammoniac|ammonia|"
                 r"smoke)"),
        acute(r"(?:melange|mixed|mixing) (?:\w+ ){0,3}(?:javel|bleach) (?:\w+ ){0,3}"
              r"@(?:ammoniac|ammonia|vinaigre|vinegar|acide|acid|detartrant|toilet cleaner|"
              r"produit wc)"),
    ),
    # --------------------------------------------------------------- overdose
    "overdose": (
        named(r"@(?:overdose|overdoses|overdosed|overdosing|surdose|surdosage|od d|oded)"
              r"(?! (?:de|of|on) (?:chocolat|chocolate|travail|work|boulot|sucre|sugar|series|"
              r"netflix|reunions|meetings|paperasse|paperwork|info\w*|news|love|amour|cute\w*|"
              r"mignon\w*|cafe|coffee|caffeine|sport|soleil)\b)"),
        acute(r"@intox\w* (?:medicamenteuse|aux medicaments|au paracetamol|aux somniferes)"),
        acute(r"(?:<ingest>) (?:\w+ ){0,3}(?:<big_count>) (?:\w+ ){0,3}@<meds>"
              r"(?! (?:a|par|per|each|every|chaque|tous|toutes) (?:day|jour|jours|journee|"
              r"semaine|week|night|nuit|matin|morning|evening|soir)\b)(?! (?:daily|par jour|"
              r"a day|as prescribed|comme prescrit|comme d habitude|as usual|comme indique|"
              r"as directed|this morning as)\b)"),
        acute(r"(?:<big_count>) (?:\w+ ){0,3}@<meds> (?:\w+ ){0,2}(?:avale\w*|pris|swallowed|"
              r"taken|ingere\w*|took|d un coup|at once|in one go|en une fois|at the same time)"),
        acute(r"(?:<accidental>) (?:(?!(?:son|sa|ses|his|her|their|leur|leurs|its)\b)\w+ ){0,5}"
              r"@<meds_strong>", r"<child_ref>"),
        acute(r"@(?:toute la bouteille|tout le flacon|toute la boite|toute la plaquette|"
              r"tout le tube|the whole bottle|a whole bottle|the whole box|the whole pack|"
              r"the whole packet|the whole strip|all of the bottle|half the bottle|"
              r"la moitie de la bouteille|la moitie du flacon)",
              r"<accidental>", r"<child_ref>|<baby>"),
        acute(r"(?:pris|took|taken|trouve|found|a pris|ont pris) (?:\w+ ){0,2}(?:mes|my|nos|"
              r"our|de mes|de ma|de mon|mum s|mom s|dad s|grandma s|nan s|granny s|grandad s|"
              r"grandpa s|his grandma s|her grandma s|ceux de|the pills of|les medicaments de) "
              r"(?:\w+ ){0,2}@<meds_strong>", r"<child_ref>"),
        acute(r"@<alcohol> (?:\w+ ){0,4}(?:<sedative>)", r"(?:melange\w*|mixed|mixing|"
              r"combine\w*)"),
        acute(r"@<sedative> (?:\w+ ){0,4}(?:avec|with|and|et|plus|on top of) (?:\w+ ){0,2}"
              r"<alcohol>", r"(?:melange\w*|mixed|mixing|combine\w*)"),
        moderate(r"@<alcohol> (?:\w+ ){0,4}(?:<sedative>)", r"(?:pris|took|taken|avale\w*|"
                 r"swallowed|bu|drank|downed|necked)"),
        moderate(r"@double dose|deux fois (?:la |sa |ma |leur |son |mon )?@dose|"
                 r"(?:took|taken|pris) (?:\w+ ){0,2}(?:meds|pills|dose|medicaments|comprimes|"
                 r"traitement) @twice|(?:ses|mes|son|mon) (?:medicaments|comprimes|traitement) "
                 r"@deux fois"),
    ),
    # ----------------------------------------------------------------- infant
    "infant": (
        acute(r"@<fever>", r"<young_infant>", r"<baby>|<child_noun>|old|d age|de vie"),
        acute(r"(?:tout |toute |very |really |so |super |completely )?@(?:mou|molle|floppy|limp|"
              r"hypotonique|ramollo|ramollie)", r"<baby>|<young_infant>|<child_ref>"),
        acute(r"@(?:sans|no) (?:tonus|tone|muscle tone)|comme une @poupee de chiffon|"
              r"like a @rag doll", r"<baby>|<young_infant>|<child_ref>"),
        acute(r"(?:ne |n )?@(?:tete|boit|avale) (?:plus|pas|rien|presque rien|presque plus|"
              r"plus rien|quasiment rien|quasi rien|plus du tout|pas du tout)(?! (?:la|de la|"
              r"l|d) (?:eau|soupe|jus|compote|puree)\b)", r"<baby>|<young_infant>"),
        acute(r"(?:ne |n )?(?:prend|veut|mange) (?:plus|pas|rien|presque rien|plus rien) "
              r"(?:son |ses |le |les |de |du |un |aucun )?@(?:biberon|biberons|sein|lait|tetee|"
              r"tetees)", r"<baby>|<young_infant>"),
        acute(r"@refuse (?:de (?:boire|manger|teter|prendre)|(?:tous |toutes )?(?:le|les|ses|son|"
              r"sa|tout|toute) (?:biberons?|sein|tetees?|repas|lait|boissons?))",
              r"<baby>|<young_infant>"),
        acute(r"(?:won t|wont|will not|isn t|isnt|not|stopped|refusing|refuses|refused|"
              r"doesn t want to|can t|hasn t|hasnt|hasn t been|has not) (?:been )?"
              r"@(?:feed|feeding|feeds|fed|drink|drinking|drank)(?: (?:the |a |her |his |any |"
              r"a single )?(?:bottle|bottles|breast|feed|feeds|milk))?",
              r"<baby>|<young_infant>"),
        acute(r"(?:won t|wont|will not|isn t|not|refusing|refuses|refused|stopped) "
              r"(?:taking |take |having )?(?:the |a |her |his |any )?@(?:bottle|bottles|breast|"
              r"feeds|milk)", r"<baby>|<young_infant>"),
        acute(r"(?:pas|plus|aucune|aucun|no|not(?: a| one)?(?: single)?|hasn t had(?: a| any)?|"
              r"haven t had(?: a| any)?|n a pas eu de|pas eu de|without(?: a| any)?) (?:de )?"
              r"(?:wet|dirty|full) @(?:nappy|nappies|diaper|diapers)"),
        acute(r"(?:pas|plus|aucune|aucun|n a pas eu de|pas eu de) (?:de )?(?:couche |couches )?"
              r"@(?:couche|couches) (?:mouillee|mouillees|pleine|pleines|humide|humides|de pipi)"),
        acute(r"(?:pas|plus|n a pas|n a plus|hasn t|has not|not|no|didn t|did not|hasnt) "
              r"(?:\w+ )?@(?:mouille|mouillee|wet|wetted|soaked) (?:sa |ses |la |les |his |her |"
              r"a |any |one )?(?:couche|couches|nappy|nappies|diaper|diapers)"),
        acute(r"@couches? (?:toute |toutes )?(?:seche|seches|sec)|(?:nappy|nappies|diaper|"
              r"diapers) (?:\w+ ){0,2}@dry|(?:hasn t|has not|hasnt|not|hasn t been) "
              r"(?:\w+ )?@(?:peed|weed|wee d|wet|weeing|peeing)|(?:n a pas|pas|plus) fait "
              r"@pipi", r"<baby>|<young_infant>|<child_ref>"),
        acute(r"(?:difficile|dur|dure|compliquee?|hard|difficult|impossible) (?:a |to )"
              r"@(?:reveiller|wake|rouse)", r"<baby>|<young_infant>|<child_ref>"),
        acute(r"@(?:letharg\w*|apathique|amorphe)|(?:very|really|so|tres|super|unusually) "
              r"@(?:sleepy|drowsy|somnolent|somnolente|endormi|endormie)|"
              r"@(?:dort|sleeping) (?:tout le temps|all the time|all day)",
              r"<baby>|<young_infant>"),
        acute(r"@fontanelle (?:bombee|gonflee|tendue|creusee|enfoncee|bombe)|(?:bulging|"
              r"sunken|swollen|tense) @(?:fontanelle|soft spot)|@soft spot (?:\w+ ){0,2}"
              r"(?:bulging|sunken|swollen|sticking out)"),
        moderate(r"@(?:geint|gemit|gemissements|moaning|moans|whimpering)",
                 r"<young_infant>|<baby>"),
        moderate(r"@(?:cri|cris|pleure|pleurs|crying|cry|cries|screaming|hurle|gemit|geint)"
                 r" (?:\w+ ){0,3}(?:aigu\w*|strident\w*|high pitched|inhabituel\w*|unusual|weak|"
                 r"faible|gemi\w*|moaning|inconsolable|won t stop|n arrete pas|sans arret|"
                 r"non stop)", r"<young_infant>|<baby>"),
        acute(r"(?:tout |toute )?@(?:bleu|bleue|gris|grise|marbre|marbree|blue|grey|gray|"
              r"mottled|blotchy)", r"<baby>|<young_infant>",
              unless=r"(?:yeux|eyes|pyjama|body|vetement|dress|robe|bonnet|hat)"
                     r" (?:\w+ )?(?:bleu|bleue|blue|gris|grey)"),
    ),
    # ------------------------------------------------------------- meningitis
    "meningitis": (
        acute(r"@<purple_rash> (?:\w+ ){0,8}(?:(?:qui )?(?:ne |n )?(?:s efface|s effacent|"
              r"disparait|disparaissent|part|partent|palit|palissent|blanchit|blanchissent|"
              r"s estompe|s estompent) (?:pas|plus)|(?:doesn t|does not|don t|do not|won t|"
              r"didn t|isn t|aren t|not) (?:\w+ )?(?:fade|fading|go away|disappear|blanch|"
              r"change|go|going))"),
        acute(r"@(?:taches?|boutons?|plaques?|rash|spots?|marks?|points?|rougeurs?|eruption) "
              r"(?:\w+ ){0,8}(?:(?:qui )?(?:ne |n )?(?:s efface|s effacent|disparait|"
              r"disparaissent|part|partent|palit|palissent|blanchit|blanchissent) (?:pas|plus) "
              r"(?:\w+ )?(?:sous|avec|a la pression|quand (?:on|j|je) (?:appuie|presse))|"
              r"(?:doesn t|does not|don t|do not|won t|didn t|isn t|aren t) (?:\w+ )?"
              r"(?:fade|go away|disappear|blanch) (?:\w+ ){0,2}(?:glass|pressed|press|verre|"
              r"pressure))"),
        acute(r"@<purple_rash>", r"<fever>|<child_ref>|<baby>"),
        moderate(r"@<purple_rash>"),
        acute(r"@nuque (?:\w+ ){0,2}(?:raide|raidie|bloquee|rigide|tendue|dure)|@raideur "
              r"(?:de |a |dans |du )?(?:la )?(?:nuque|cou)|(?:stiff|rigid|sore stiff|very stiff) "
              r"@neck|@neck (?:\w+ ){0,2}(?:stiff|rigid|stiffness)|@cou (?:\w+ ){0,2}(?:raide|"
              r"bloque|rigide)|(?:can t|cannot) (?:bend|touch|move|put) (?:his|her|my) "
              r"@chin|@menton (?:\w+ ){0,3}poitrine|(?:ne peut|ne peux|n arrive|peut|peux|"
              r"can t|cannot) (?:plus |pas )?(?:a )?(?:plier|baisser|bend|flex|pencher) "
              r"(?:la |le |sa |son |his |her |my )?@(?:nuque|cou|tete|neck|head)",
              r"<fever>|<photophobia>|<purple_rash>"),
        moderate(r"@nuque (?:\w+ ){0,2}(?:raide|raidie|rigide)|@raideur (?:de |a |dans |du )?"
                 r"(?:la )?nuque|(?:stiff|rigid) @neck",
                 r"<head_pain>|vomi\w*|vomit\w*|throwing up"),
        named(r"@(?:meningite|meningites|meningitis|meningococ\w*|encephalit\w*|purpura "
              r"fulminans)"),
    ),
    # ----------------------------------------------------------------- sepsis
    "sepsis": (
        acute(r"@(?:marbrure|marbrures|marbre|marbree|marbres|marbrees|mottled|mottling)"
              r"(?! (?:floor|sol|table|marble)\b)"),
        acute(r"@peau (?:\w+ ){0,2}(?:bleue|grise|violacee|bleutee|marbree|grisatre|"
              r"froide et moite|cyanosee)"),
        acute(r"@skin (?:\w+ ){0,3}(?:blue|bluish|blueish|grey|gray|mottled|blotchy and (?:blue|"
              r"purple|grey)|purple|ashen|pale and cold|cold and clammy|cold and blue|greyish)"),
        acute(r"je me sens @(?:mourir|partir)(?! (?:en vacances|en voyage|au travail)\b)|"
              r"(?:impression|sensation|sentiment|peur) (?:\w+ ){0,2}(?:de|que je vais|qu il va|"
              r"qu elle va) @mourir(?! de (?:rire|faim|soif|honte|ennui|froid|chaud))|"
              r"je (?:sens|crois|pense) que je vais @mourir(?! de)|je vais @mourir"
              r"(?! (?:de|d|si|quand|un jour)\b)"),
        acute(r"(?:feel|feels|feeling|felt) like (?:i m|i am|im|he s|she s|i|he is|she is) "
              r"(?:going to |about to )?@(?:dying|die)(?! (?:of|laughing|from embarrassment|"
              r"inside)\b)|(?:i think|i feel) (?:i m|i am|im) @dying(?! (?:of|to|for)\b)|"
              r"(?:i m|i am|im) @dying(?! (?:to|of|for|laughing|inside|here|over|with)\b)|"
              r"(?:i m|i am|im) going to @die(?! (?:of|laughing|from|if|when|one day|of "
              r"embarrassment)\b)|@mort imminente|impending @doom"),
        acute(r"@<high_fever>", r"<shiver_or_confused>"),
        acute(r"@<fever> (?:\w+ ){0,6}(?:<confused_only>)"),
        acute(r"(?:<confused_only>) (?:\w+ ){0,6}@<fever>"),
        named(r"@(?:sepsis|septic|septique|septicemie|septicaemia|septicemia|choc septique|"
              r"septic shock)"),
    ),
    # ----------------------------------------------------------- headache
    "headache": (
        acute(r"@pire (?:\w+ )?(?:<head_pain>|douleur|migraine|mal) (?:\w+ ){0,2}(?:de|of|in) "
              r"(?:ma|sa|toute ma|toute sa|my|his|her|my entire|my whole|leur) (?:vie|life)"),
        acute(r"@worst (?:\w+ )?(?:headache|head pain|migraine|pain in my head|pain) (?:\w+ )"
              r"{0,2}(?:of|in) (?:my|his|her|their) (?:\w+ )?(?:life)|@worst (?:headache|"
              r"head pain|migraine) (?:ever|i ve ever had|i have ever had|he s ever had|"
              r"she s ever had)"),
        acute(r"(?:jamais eu|never had|never felt|jamais ressenti) (?:\w+ )?(?:aussi|autant|un "
              r"tel|une telle|such a|such|this|so|a) (?:\w+ ){0,2}@(?:mal a la tete|mal de tete|"
              r"headache|migraine|head pain|mal au crane|douleur a la tete)"),
        acute(r"@thunderclap|coup de @tonnerre (?:\w+ ){0,4}(?:tete|crane|head)|"
              r"(?:tete|crane|head) (?:\w+ ){0,4}coup de @tonnerre"),
        acute(r"@<head_pain> (?:\w+ ){0,4}(?:comme un coup de (?:\w+ )?(?:marteau|massue|batte|"
              r"poignard|tonnerre|poing|fusil)|like (?:being )?(?:hit|struck|kicked|punched|"
              r"smacked)|like a (?:bomb|explosion|bang|gunshot|hammer|baseball bat|bat|"
              r"thunderclap)|explosive|exploded|explosion|explose|en coup de|qui explose)"),
        acute(r"@(?:explosive|exploding) (?:headache|head)|(?:tete|head|crane) (?:\w+ )?"
              r"(?:qui |is )?@(?:explose|exploding|explode)"),
        acute(r"(?:<sudden>) (?:\w+ ){0,2}(?:severe|violent|violente|atroce|horrible|terrible|"
              r"excruciating|intense|enorme|unbearable|insupportable|massive|huge|splitting|"
              r"blinding|aveuglant|aveuglante|pounding|crushing|"
              r"grosse|gros|tres fort|tres forte) (?:\w+ )?@<head_pain>"),
        acute(r"(?:severe|violent|violente|atroce|horrible|terrible|excruciating|intense|"
              r"enorme|unbearable|insupportable|massive|huge|splitting|grosse|gros) (?:\w+ )?"
              r"@<head_pain> (?:\w+ ){0,3}(?:<sudden>)"),
        acute(r"@worst (?:\w+ )?(?:ever|yet|i ve ever had|i have ever had|of my life)",
              r"<head_pain>"),
        moderate(r"(?:<sudden>) (?:\w+ ){0,3}(?:\w+ )?@<head_pain>"),
        moderate(r"@<head_pain> (?:\w+ ){0,4}(?:<sudden>)"),
    ),
    # ------------------------------------------------------------ confusion
    "confusion": (
        acute(r"(?:<sudden>) (?:\w+ ){0,4}@<confused>"),
        acute(r"@<confused> (?:\w+ ){0,5}(?:<sudden>)"),
        moderate(r"@(?:dit|raconte|disait|racontait) n importe quoi|ne (?:me |nous |la |le |"
                 r"les )?@(?:reconnait|reconnaissait) (?:plus|pas)|doesn t @(?:recognise|"
                 r"recognize) (?:me|us|anyone|her|him|anybody)|@talking (?:nonsense|gibberish|"
                 r"rubbish|nonsensical)|not making @sense|making no @sense|"
                 r"@(?:desoriente\w*|disorient\w*|incoherent\w*|delir\w*)|"
                 r"@(?:confus|confuse|confused)(?! (?:about|by|sur|par|with|avec|quant|as to|"
                 r"regarding)\b)|ne sait plus @(?:ou|qui|quel)|doesn t @know (?:where|who) "
                 r"(?:she|he|they) (?:is|are)"),
    ),
    # ----------------------------------------------------------------- injury
    "injury": (
        acute(r"(?:tombe|tombee|tombes|tombees|chute|chutes|fell|fallen|fall|falls|jumped|"
              r"saute|sautee|falling) (?:\w+ ){0,3}(?:du|d un|d une|de la|de l|des|de|from|off|"
              r"out of|down|par|dans|through) (?:\w+ ){0,2}@<height>"),
        acute(r"@(?:tombe|tombee|chute|fell|fall|fallen|falls) (?:\w+ ){0,4}(?:\d+|deux|trois|"
              r"quatre|cinq|plusieurs|several|two|three|four|five|ten|dix) (?:metres|metre|m|"
              r"meters|meter|feet|ft|etages|etage|floors|storeys|stories)"),
        moderate(r"(?:tombe|tombee|tombes|tombees|chute|fell|fallen|fall|falls|falling) "
                 r"(?:\w+ ){0,4}@<low_fall>"),
        acute(r"(?:cogne|cognee|cognes|tape|tapee|heurte|heurtee|choc|coup|hit|hits|banged|"
              r"bang|bumped|bump|knocked|struck|smashed|fell|tombe|tombee|landed|atterri|"
              r"atterrie|chute|cracked|blow|fracture|fractured) (?:\w+ ){0,4}@<head>",
              r"<head_red>"),
        acute(r"@<head> (?:\w+ ){0,3}(?:injury|trauma|blessure|traumatisme|contre|first|"
              r"la premiere|en premier|hit|sur le sol|on the floor|on the ground)",
              r"<head_red>"),
        named(r"@traumatisme cranien|@commotion\w*|@concussion|@head injury|@fracture du crane|"
              r"@skull fracture|@fractured skull"),
        acute(r"@(?:os|bone|bones) (?:\w+ ){0,3}(?:qui )?(?:sort|sortir|depasse|visible|apparent|"
              r"sticking|poking|showing|protruding|through|out|perce|traverse)"),
        acute(r"on voit l @os|(?:see|seeing|visible|showing) (?:the |his |her )?@bone|"
              r"(?:fracture|break) @ouverte|@open (?:fracture|break)|@compound fracture"),
        moderate(r"@(?:jambe|bras|leg|arm|poignet|wrist|ankle|cheville|hip|hanche|genou|knee|"
                 r"cuisse|thigh) (?:\w+ ){0,3}(?:looks |is |est |a |looking |went |bent )?"
                 r"(?:completely |totally |all |really |clearly )?(?:wrong|bent|deformed|"
                 r"deforme\w*|tordue? dans le mauvais sens|a l envers|the wrong way|wrong way|"
                 r"backwards|at a weird angle|at a funny angle|pas dans le bon sens|"
                 r"dans un angle bizarre|sideways)"),
        acute(r"@(?:coupure|entaille|plaie|cut|gash|wound|laceration|blessure|lacerations) "
              r"(?:\w+ ){0,3}(?:profonde|profondes|beante|beantes|deep|gaping|wide open|"
              r"jusqu a l os|to the bone|tres profonde|enorme|huge)"),
        acute(r"(?:deep|gaping|profonde|grosse|enorme|huge|massive|horrible|nasty deep) "
              r"@(?:cut|gash|wound|laceration|coupure|entaille|plaie|wounds|cuts)"),
        moderate(r"(?:big|large|bad|nasty|grande|vilaine|sale) @(?:cut|gash|wound|laceration|"
                 r"coupure|entaille|plaie)"),
        acute(r"(?:on voit|can see|i can see|you can see|voit|vois|see) (?:\w+ ){0,2}"
              r"@(?:l interieur|la graisse|le gras|les tendons|tendon|tendons|fat|inside|muscle|"
              r"the muscle|the fat|the tendon)"),
        acute(r"accident (?:de |d )?@(?:voiture|la route|moto|scooter|velo|la circulation|"
              r"trottinette|auto|camion|bus)|@(?:car|road|motorbike|motorcycle|bike|traffic|"
              r"scooter|cycling) (?:crash|accident|collision|wreck|smash)|@(?:renverse|"
              r"renversee|renverses|percute|percutee|fauche|fauchee) (?:par|by)|(?:hit|knocked "
              r"down|knocked over|run over|struck|mowed down|ran over) by (?:a |the )?"
              r"@(?:car|bus|truck|lorry|van|motorbike|vehicle|train|taxi|bike|cyclist|tram)|"
              r"@crashed (?:his|her|my|the|our|into|their)|@carambolage|@(?:collision) "
              r"(?:avec|with)|(?:got|been|was|were|s been) hit by a @car"),
        acute(r"@(?:knife|knives|couteau|arme blanche|balle|bullet|gun|shotgun) "
              r"(?:wound|wounds|injury|in (?:his|her|my|the)|dans (?:le|la|son|sa)|"
              r"plante|plantee|wounded)"),
        acute(r"blessure\w* (?:par|au|a l|a la) @(?:couteau|arme blanche|balle|arme a feu)"),
        acute(r"@(?:poignarde|poignardee|stabbed|stab wound|gunshot|blesse par balle|"
              r"blessee par balle|coup de couteau|coups de couteau|impaled|empale|empalee|"
              r"shot in the|shot by|been shot|got shot|was shot|tire dessus|tire dessus)"),
        acute(r"@(?:electrocut\w*|electrise\w*|electrocution|foudroye\w*|struck by lightning)"),
        acute(r"(?:ne )?(?:sent|sens|feel|feels|sentait|can t feel|cannot feel) (?:plus |pas |"
              r"nothing in |anything in )?(?:ses |mes |les |his |her |my |the |their )"
              r"@(?:jambes|legs)"),
        acute(r"(?:can t|cannot|couldn t) (?:move|feel) (?:his|her|my|their|the) @legs"),
        moderate(r"@(?:crush\w*|ecrase|ecrasee|coince|coincee|trapped|pinned) (?:\w+ ){0,3}"
                 r"(?:sous|under|by|par) (?:\w+ ){0,2}(?:voiture|car|machine|arbre|tree|"
                 r"mur|wall|meuble|furniture|tracteur|tractor|poutre|beam)"),
    ),
    # ------------------------------------------------------------------- burn
    "burn": (
        acute(r"@<burn_word> (?:\w+ ){0,4}(?:<burn_severe>)"),
        acute(r"(?:<burn_severe>) (?:\w+ ){0,2}@<burn_word>"),
        acute(r"@<burn_word> (?:\w+ ){0,3}(?:au |a la |a l |aux |le |la |les |l |sur le |"
              r"sur la |sur les |sur l |son |sa |ses |on (?:the |his |her |my )?|(?:his|her|my) "
              r"|the |in the )?(?:<burn_critical_area>)"),
        acute(r"@(?:ebouillante|ebouillantee|ebouillantes|scalded|scald|scalds)",
              r"<child_ref>|<baby>"),
        acute(r"(?:s est|se|s|est|a ete|got|been|was|is|has|ont|sont|suis|me suis) "
              r"(?:\w+ )?@(?:brule|brulee|brules|brulees|burnt|burned|ebouillante|ebouillantee|"
              r"scalded|crame|cramee)|@(?:burnt|burned|scalded) (?:himself|herself|his|her|"
              r"their|themselves|itself|by)|@(?:brulure|brulures|burn|burns|scald|scalds)"
              r"(?! (?:when|quand|en|while)\b)", r"<child_ref>|<baby>"),
        moderate(r"@<burn_word> (?:\w+ ){0,3}(?:au |a la |le |la |les |sur le |sur la |son |sa |"
                 r"ses |on (?:the |his |her |my )?|(?:his|her|my) )?(?:main|mains|bras|jambe|"
                 r"jambes|ventre|dos|torse|corps|pied|pieds|hand|hands|arm|arms|leg|legs|"
                 r"tummy|belly|back|chest|body|foot|feet|poitrine)",
                 r"<hot_thing>"),
        acute(r"(?:<spill>) (?:\w+ ){0,6}@<hot_thing>", r"<child_ref>|<baby>"),
        acute(r"@<hot_thing> (?:\w+ ){0,4}(?:<spill>|sur (?:lui|elle|son|sa|ses|moi|mon|ma)|"
              r"over (?:him|her|me|himself|herself|myself|his|her|my)|on (?:him|her|his|my))",
              r"<child_ref>|<baby>"),
        moderate(r"(?:<spill>) (?:\w+ ){0,6}@<hot_thing> (?:\w+ ){0,3}(?:sur|on|over|onto|dans|"
                 r"in)"),
        acute(r"(?:produit|acide|acid|chemical|chemicals|javel|bleach|soude|chaux|lime) "
              r"(?:\w+ ){0,3}(?:dans |in )(?:l |les |son |ses |mon |mes |his |her |my |the )?"
              r"@(?:oeil|yeux|eye|eyes)"),
        acute(r"@(?:incendie|house fire|on fire|en feu|feu a pris|caught fire|pris feu)",
              r"<person>|<child_noun>|<burn_word>|<pain>"),
    ),
}
# fmt: on

# ---------------------------------------------------------------------------
# Words that look like red flags and are not, removed before matching
# ---------------------------------------------------------------------------

# fmt: off
LOOK_ALIKES = (
    # Blood that is a test, not a bleed
    r"prises? de sang|analyses? de sang|bilans? sanguins?|tests? sanguins?|groupe sanguin|"
    r"don du sang|don de sang|donner (?:mon |son |du |de mon |le )?sang|"
    r"blood (?:tests?|work|sample|samples|donation|type|group|pressure|sugar|sugars|results?|"
    r"count|draw|glucose|panel)|give blood|giving blood|donate blood|bloods|sang froid|"
    r"prelevement sanguin|taux de sucre dans le sang|sugar in (?:my |the )?blood",
    # Services and tests, not symptoms
    r"kine respiratoire|respiratory physio\w*|physio respiratoire|reeducation respiratoire|"
    r"radio (?:du |de la |des )?(?:thorax|poumons|poitrine)|chest (?:x ray|xray|scan|clinic|"
    r"infection|physio|hair|size|measurement|press|day|workout|drain)|scanner thoracique|"
    r"tour de poitrine|chirurgi\w* thoracique|cardiac (?:rehab\w*|clinic|nurse|check|"
    r"screening)|prevention du suicide|suicide prevention|prevention suicide|"
    r"ligne (?:d ecoute|suicide)|numero (?:national )?(?:de )?prevention|"
    r"intoxications? alimentaires?|food poisoning|burn ?out|burnt out|burned out|"
    r"brulures? d estomac|heart ?burn|acid reflux|reflux acide|"
    r"brul\w* (?:quand|en|lorsque) (?:je |j |il |elle )?(?:urine|fais pipi|pisse|fait pipi)|"
    r"burn\w* (?:when|while) (?:i |he |she )?(?:pee|wee|urinate|peeing|weeing)|"
    r"brulures? urinaires?|coups? de soleil|sun ?burn\w*|razor burn|feu du rasoir|"
    r"test (?:d allergie|allergique|allergy)|allergy tests?|tests? d allergie",
    # Idioms about dying, killing, suffocating, breath
    r"(?:mort|morte|morts|mortes) de (?:rire|fatigue|faim|soif|peur|honte|froid|chaud|ennui|"
    r"trouille|envie|impatience)|(?:meurs|meurt|mourais|mourrais|mourir|mourrai|meure) "
    r"(?:de|d) (?:faim|soif|chaud|froid|rire|fatigue|envie|honte|peur|ennui|impatience|"
    r"curiosite)|crev\w* de (?:chaud|faim|soif|froid|fatigue|rire)|dying (?:to|for|of "
    r"(?:boredom|laughter|embarrassment|curiosity|hunger|thirst|shame|heat))|"
    r"(?:died|dying|die) (?:laughing|of laughter|of embarrassment)|(?:dead|dying) tired|"
    r"killing (?:time|it)|(?:is|are|s|re|was) killing (?:me|us)|me tue (?:a la tache|au travail|"
    r"le dos|les pieds)|(?:se|me|te|nous|vous) tue[rs]? (?:a la tache|au travail|au boulot)|"
    r"(?:ca|cela|ce \w+|cette \w+|tu|il|elle|vous|on|ils|elles) (?:va|vas|vont|allez|finira "
    r"par|finit par|finissent par) (?:me|nous) tuer|hate d en finir|lifesavers?|life savers?|"
    r"(?:a|m a|vous m avez|vous avez) sauve la vie|saved my life|heart ?break\w*|"
    r"broken heart\w*|heart is broken|coeur brise|brise (?:le|mon) coeur|"
    r"fit of (?:giggles|laughter|rage|anger|jealousy|pique)|crise de (?:fou rire|rire|nerfs|"
    r"colere|larmes|jalousie|panique|angoisse|foie|la quarantaine)|panic attacks?|"
    r"crises? d angoisse|stroke of (?:luck|genius|midnight|the pen)|"
    r"strok(?:e|ed|es|ing) (?:the |my |his |her |a )?(?:cat|dog|hair|back|beard)|"
    r"breath ?taking|took my breath away|coupe le souffle|a couper le souffle|"
    r"(?:j ai |il a |elle a |a |as |avais )?failli (?:faire |avoir |me faire )?(?:une |un )?"
    r"(?:crise cardiaque|infarctus|attaque|avc|arret cardiaque)|(?:nearly|almost) (?:had|have|"
    r"gave me|give me) (?:a )?(?:heart attack|stroke|cardiac arrest)|(?:gave|give|giving) "
    r"(?:me|him|her|us) (?:a )?(?:heart attack|stroke)|(?:m a|me donne|va me donner) "
    r"(?:une )?crise cardiaque|avale de travers|went down the wrong (?:way|pipe)|"
    r"disparaitre (?:de|des) (?:vos|votre|la|ta|cette|ces|leurs?) (?:liste|listes|fichier|"
    r"fichiers|base|bases|newsletter|mailing|registre|systeme)|"
    r"(?:en peux plus|epuise) (?:mdr|lol|ptdr|xd|haha\w*)|sick to death|"
    r"(?:chaleur|heat|air|room|salle|atmosphere|ambiance|it|this|c est|il fait|humidity|"
    r"humidite|weather|temps) (?:\w+ ){0,3}(?:suffocating|stifling|etouffant\w*|etouffe)|"
    r"on etouffe (?:ici|dans|de chaud|avec)|etouffe de chaleur|choked up|"
    r"je me noie (?:sous|dans)|drowning in (?:work|paperwork|emails|debt)|"
    r"(?:etouffe|etouffes|etouffer|suffoque) (?:dans|a|en|avec) (?:cette|ce|mon|ma|mes|cet|la|le|"
    r"les) (?:\w+ )?(?:ville|boulot|travail|job|couple|relation|appart\w*|maison|famille|vie|"
    r"bureau|quartier|pays|region|mariage|ambiance)|suffocating (?:in|at) (?:this|my|the) "
    r"(?:\w+ )?(?:town|city|job|relationship|marriage|house|flat|office|family)|"
    r"(?:mon|ma|mes|le|la|les|son|sa|ce|cette|ces|notre|votre) \w+ (?:\w+ )?(?:va|vont|finira "
    r"par|finit par) (?:me|nous) tuer|(?:my|the|his|her|our|your) \w+ (?:\w+ )?(?:is going to|"
    r"s going to|will|ll|gonna|going to) kill (?:me|us)",
)
# fmt: on

# ---------------------------------------------------------------------------
# Context: negation, time, hedges, frames
# ---------------------------------------------------------------------------

# fmt: off
#: Words that deny what follows ("pas de", "no"), and what may stand between.
NEGATORS = (
    r"pas|(?<!en )(?<!de )plus|jamais|aucun|aucune|sans|ni|non|nul|nulle|no|not|never|"
    r"without|nor|none|neither|denies|deny|denied|(?:don|doesn|didn|isn|wasn|aren|weren|"
    r"haven|hasn|hadn) t|n avait"
)
NEGATION_FILLERS = (
    r"de|d|du|des|la|le|les|l|un|une|eu|ete|fait|ressenti|senti|vraiment|trop|tres|"
    r"signe|signes|symptome|symptomes|any|a|an|the|real|really|have|had|has|been|having|"
    r"got|get|feel|felt|feeling|experienced|experience|noticed|notice|sign|signs|of|more|"
    r"my|his|her|their|other|autre|autres|again|complain|complains|complained|presente|"
    r"suffer|suffering|souffre|problem|problems|probleme|problemes|history|actual|"
    r"current|signs of|at all|du tout|ever|so far|yet|encore|idees|pensees|envies|thoughts|"
    r"tendencies|tendances|ideation|feelings|sentiments"
)
#: After a denied red flag, words that make it an intensifier ("never had chest pain this bad").
NOT_A_DENIAL_AFTER = (
    r"like this|like that|this bad|so bad|as bad|that bad|this strong|before|comme ca|"
    r"comme cela|pareil\w*|de ma vie|of my life|aussi fort|aussi forte|autant|in my life|"
    r"de toute ma vie|comme celle ci|comme celle la|comme aujourd hui|this severe"
)

_NUM = (
    r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|"
    r"trente|quarante|cinquante|quelques|plusieurs|a|an|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|few|a few|several|"
    r"couple of|a couple of|many|plus de \d+|more than \d+|over \d+|almost \d+|nearly \d+|"
    r"about \d+|environ \d+|presque \d+|pres de \d+)"
)
_MONTHS = (
    r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|"
    r"decembre|january|february|march|april|may|june|july|august|september|october|"
    r"november|december)"
)

#: Happening now or within the last hours: an emergency is current.
RECENT = (
    rf"(?:il )?y a (?:{_NUM} |moins d une |moins de {_NUM} |a peine )?(?:min|mins|minute|"
    rf"minutes|mn|sec|secondes?|h|heure|heures|instant|un instant|une heure|une demi heure|"
    rf"peu)\b|depuis (?:{_NUM} )?(?:min|mins|minute|minutes|mn|h|heure|heures)\b|"
    rf"depuis (?:ce matin|cet apres midi|ce soir|cette nuit|tout a l heure|hier|hier soir|"
    rf"hier matin|une heure|une demi heure|quelques minutes|le reveil|mon reveil|son reveil|"
    rf"midi|le dejeuner|le diner|ce midi|\d+ ?h(?: ?\d+)?|tout de suite)\b|"
    rf"\b\d+ ?(?:min|mins|minutes|h|hours?|hrs?) ago\b|(?:ca fait|cela fait|it s been|"
    rf"it has been) (?:{_NUM} |une |an |half an )?(?:min|mins|minute|minutes|mn|h|heure|heures|"
    rf"hours?|hrs?)\b|(?:{_NUM} )?(?:min|mins|minutes|hours?|"
    rf"hrs?|an hour|half an hour|seconds?) ago\b|since (?:this morning|this afternoon|"
    rf"this evening|last night|yesterday|an hour|{_NUM} (?:min|mins|minutes|hours?|hrs?|h)|"
    rf"lunch|lunchtime|breakfast|dinner|i woke up|waking up|he woke up|she woke up|"
    rf"earlier today|earlier|\d+ ?(?:am|pm|h))\b|"
    rf"\b(?:right now|just now|at the moment|currently|as we speak|en ce moment|maintenant|"
    rf"actuellement|a l instant|a l heure actuelle|tout de suite|now|still|toujours(?! eu| ete"
    rf"| fait| pris)|encore(?! eu| ete)|de nouveau|again|ongoing|en cours|keeps|keep|"
    rf"won t stop|wont stop|n arrete pas|ne s arrete pas|s aggrave|s aggraver|empire|"
    rf"getting worse|worse and worse|de plus en plus|just started|just happened|"
    rf"vient de|viens de|venons de|viennent de|venait de|this morning|ce matin|"
    rf"cet apres midi|this afternoon|tonight|ce soir|cette nuit|this evening|la maintenant|"
    rf"right away|immediately|urgent|urgence|help|aidez moi|au secours|vite)\b"
)
#: The weak part of RECENT: "still", "again", "now" — current, but beside a past event
#: ("a stroke in 2019 and my arm is weak again") it leaves a doubt.
RECENT_WEAK = (
    r"now|still|toujours|encore|de nouveau|again|keeps|keep|la maintenant|maintenant|"
    r"actuellement|currently|ongoing|en cours"
)
#: How long it has lasted: current unless it is told about yesterday or long ago.
DURATION = (
    rf"(?:for|pendant|during|over) (?:the (?:last|past) )?(?:{_NUM} |an |half an |half |"
    rf"a half |over an |more than an |plus d une |une |une demi )?(?:min|mins|minute|minutes|"
    rf"mn|hours?|hrs?|h|heure|heures)\b"
)
#: Long enough ago that it is history, not an emergency.
PAST = (
    rf"(?:il )?y a (?:plus de |presque |environ |pres de |bien |au moins )?{_NUM} (?:ans|an|"
    rf"annees|annee|mois|semaines|semaine)\b|(?:il )?y a (?:longtemps|des annees|des mois|"
    rf"des semaines|quelque temps|un bail)\b|{_NUM} (?:years?|yrs?|months?|weeks?|wks?) "
    rf"(?:ago|back|earlier|before)\b|(?:long|a long time|ages|a while|years|months|"
    rf"some time) ago\b|(?<!ne )(?<!nee )(?<!born )(?:en|in|since|depuis|back in|from|de|"
    rf"during|pendant) (?:19[4-9]\d|20[0-4]\d)\b|(?:last|l an|l annee|la semaine|le mois|"
    rf"l ete|l hiver|le printemps|l automne) (?:year|month|week|summer|winter|spring|autumn|"
    rf"fall|christmas|dernier|derniere|passe|passee)\b|(?:when|quand|lorsque|lorsqu) "
    rf"(?:i|he|she|they|j|il|elle|on|we) (?:was|were|etais|etait|etaient|avais|avait|had) "
    rf"(?:a|an|petit|petite|young|little|jeune|enfant|bebe|baby|kid|child|teen|teenager|"
    rf"ado|adolescent|adolescente|pregnant|enceinte|{_NUM} ans|\d+|younger|at school|"
    rf"at university|a l ecole|au lycee|au college|etudiant|etudiante|student)|"
    rf"as a (?:child|kid|baby|teenager|teen|student)|dans mon enfance|in my childhood|"
    rf"etant (?:petit|petite|enfant|jeune|ado)|(?:en|in|was in|back in|fin|debut|end of|"
    rf"early|late|mid) {_MONTHS}\b(?! (?:prochain|next)\b)|"
    rf"dans le passe|in the past|autrefois|jadis|il y a longtemps|deja eu|deja fait|"
    rf"already had|used to|survivor|survivant|survivante|survived|rescape|rescapee|"
    rf"years back|at the time|a l epoque|back then|in my (?:teens|twenties|thirties|forties|"
    rf"fifties|youth|childhood)|dans ma jeunesse|a l adolescence|as a young (?:man|woman)"
)
#: Words that make a condition's name history: "history of seizures", "antécédents d'AVC".
HISTORY = (
    r"history of|hx of|antecedents?|atcd|a history|my history|past medical|medical history|"
    r"previous|previously|prior|ancien|ancienne|anciens|anciennes|suivi|follow up|"
    r"followup|apres (?:mon|son|sa|ma|leur)|after (?:my|his|her|their)|since (?:my|his|her|"
    r"their)|depuis (?:mon|son|sa|ma|leur)|suite a (?:mon|son|sa|ma|leur)|post|survivor|"
    r"risk of|risque d|risque de|family history|antecedents familiaux|rehab|reeducation"
)
#: Recent, but over: "hier soir", "last night", "il y a 2 jours".
YESTERDAY = (
    rf"(?<!depuis )(?<!since )\b(?:hier|yesterday|avant hier|last night|the other day|"
    rf"l autre jour|this weekend|ce week end|ce weekend|le week end dernier|last weekend|"
    rf"earlier this week|en debut de semaine|the night before|la veille|over the weekend|"
    rf"at the weekend|le week end|pendant le week end|samedi|dimanche|saturday|sunday)\b|"
    rf"(?:il )?y a (?:{_NUM} )?(?:jours?|nuits?)\b|{_NUM} (?:days?|nights?) ago\b"
)
#: It is over and the patient is well: "ça va mieux", "all fine now".
RECOVERED = (
    r"(?:ca|cela|tout|il|elle|je|on) (?:\w+ )?(?:va|vais|vont|allait|est) (?:\w+ )?"
    r"(?:mieux|bien|tres bien|beaucoup mieux|parfaitement bien|nettement mieux)|"
    r"(?:fine|ok|okay|better|well|good|normal|great|recovered|stable) (?:now|since|again|"
    r"since then|depuis)|back to normal|(?:much|a lot|feeling|feel|felt|doing|getting) "
    r"(?:better|fine|well|great)|recovering|recovered|remis|remise|retabli|retablie|gueri|"
    r"guerie|c est passe|ca (?:s est|est) passe|passe maintenant|gone now|went away|"
    r"resolved|under control|well controlled|bien controle|bien controlee|bien equilibre|"
    r"bien equilibree|stabilise|stabilisee|no longer|n a plus rien|"
    r"nothing since|since then|depuis ca va|all (?:fine|good|ok|okay|well) now|"
    r"everything s been fine|everything has been fine|all good|tout va bien|nothing now|"
    r"rien maintenant|plus rien maintenant|gone now|tout est rentre "
    r"dans l ordre|revenu a la normale|redevenu normal|reparti|went back to normal|"
    r"is back|came back to normal|plus de symptomes|no more symptoms|no symptoms since|"
    r"ne (?:l |la |le )?(?:ai|a) (?:plus|jamais) (?:refait|eu)|clean for|sober for|"
    r"sobre depuis|abstinent\w*|(?:i m|i am|im|he s|she s|he is|she is|je suis|il est|"
    r"elle est|je me sens|i feel) (?:\w+ )?(?:well|fine|ok|okay|better|recovered|stable|"
    r"gueri|guerie|retabli|retablie|en forme|en bonne sante|mieux|bien)(?! (?:\w+ )?"
    r"(?:but|mais|except|sauf))"
)
#: Happening for a long time, not a new emergency: "dementia", "depuis des mois".
CHRONIC = (
    r"dementia|demence|alzheimer|parkinson|chronique|chronic|depuis des (?:mois|annees|ans|"
    r"semaines)|for (?:months|years|weeks|ages)|depuis (?:\d+|plusieurs|quelques|deux|trois) "
    r"(?:mois|ans|annees|semaines)|for (?:\d+|several|a few|many|two|three) (?:months|years|"
    r"weeks)|toujours eu|always had|always been|all the time|tout le temps|regularly|"
    r"regulierement|souvent|often|gets (?:confused|breathless|short of breath)|"
    r"comme d habitude|as usual|suivi pour|treated for|under treatment|"
    r"(?:is|are|has been) known|connu pour"
)
#: Words that make a symptom mild or occasional: "un peu", "a bit", "parfois".
HEDGES = (
    r"un peu|un petit peu|un tout petit peu|legere|leger|legerement|petite douleur|"
    r"petites douleurs|petit mal|a bit|a little(?! (?:one|girl|boy|brother|sister|baby))|"
    r"a little bit|slight|slightly|mild|mildly|minor|parfois|des fois|de temps en temps|"
    r"de temps a autre|occasionally|sometimes|from time to time|now and then|"
    r"every now and then|on and off|once in a while|rarement|rarely|pas tres|not very|"
    r"not too|not really|nothing major|nothing serious|rien de grave|pas grand chose|"
    r"a peine|kind of|sort of|genre un peu|vaguely|vaguement|tiny|petit peu|"
    r"quand je tousse|when i cough|when coughing|en toussant"
)
#: Symptoms brought on by effort: not an emergency at rest.
EXERTION = (
    r"quand je (?:cours|fais du sport|monte|marche vite|fais un effort|me baisse|fais "
    r"de l exercice|porte)|a l effort(?! minime)|pendant (?:le|mon|du) sport|apres le sport|"
    r"en montant|en courant|quand je fais du velo|when i (?:run|exercise|climb|walk fast|"
    r"work out|jog|go running|do sport)|when climbing|climbing (?:the )?stairs|"
    r"after (?:running|exercise|exercising|a run|the gym|sport)|during (?:exercise|sport|a run)|"
    r"at the gym|a la salle de sport|going up (?:the )?stairs|up the stairs"
)
#: Makes a MODERATE symptom certain: severe, sudden or getting worse.
INTENSE = (
    r"tres|trop|super|vraiment|hyper|grave|gravement|severe|serious|fort|forte|forts|"
    r"intense|violent|violente|atroce|horrible|terrible|insupportable|unbearable|"
    r"excruciating|really|so|very|extremely|badly|a lot|beaucoup|enormement|de plus en plus|"
    r"worse|worsening|s aggrave|getting worse|au repos|at rest|meme assise?|even (?:when )?"
    r"(?:sitting|resting|lying)|sans bouger|without moving|au moindre effort|can t talk|"
    r"can t speak|peut plus parler|peux plus parler|full sentences|going blue|turning blue|"
    r"lips blue|levres bleues|panique|panicking|d un coup|soudain\w*|brutal\w*|sudden\w*|"
    r"out of nowhere|all of a sudden|tout a coup|subitement|one side|un cote|d un cote|"
    r"feel faint|feeling faint|je me sens partir|dizzy|malaise|tete qui tourne|pale|"
    r"sweating|sueurs?|transpire|clammy|still|toujours|won t stop|n arrete pas|keeps|"
    r"help|urgent|urgence|aidez|au secours|vite|emergency|scared|peur|inquiet|inquiete|"
    r"worried|can t stop"
)
#: Talking about suicide rather than feeling suicidal: a film, prevention, how to help.
TALK_ABOUT = (
    r"article|documentaire|documentary|film|movie|serie|series|a book|the book|this book|"
    r"livre|roman|novel|chanson|song|podcast|reportage|school project|expose|"
    r"what are the (?:signs|symptoms)|"
    r"quels sont les (?:signes|symptomes)|how (?:to|do i|can i|should i|do you|can we) "
    r"(?:recognise|recognize|spot|help|talk|support|tell)|comment (?:reconnaitre|aider|parler|"
    r"soutenir|savoir)|prevent\w*|prevenir|statistics|statistiques|patients who|people who|"
    r"those who|ceux qui|les gens qui|les personnes qui|formation|training|first aid"
)
#: A general question about what may cause a symptom, not a report of one.
CAUSE_QUESTION = (
    r"peut (?:il |elle |on )?(?:\w+ )?(?:donner|provoquer|causer|entrainer|declencher)|"
    r"(?:can|could|does|do|may|might) (?:\w+ ){0,4}(?:cause|give|trigger|lead to|bring on)|"
    r"effets? secondaires?|side effects?|est ce que (?:\w+ ){0,4}(?:peut|peuvent) "
    r"(?:donner|provoquer|causer)|is it (?:normal|common|possible) (?:for|that) (?:a|an|babies|"
    r"children|kids|people)|est il (?:normal|frequent) qu (?:un|une)"
)
#: Someone's own case, not a general question: "mon bébé", "my son", "j'ai".
OWN_CASE = (
    r"mon|ma|mes|notre|nos|my|our|his|her|j ai|i have|i ve got|il a|elle a|he has|she has|"
    r"je suis|i m|i am|he s|she s"
)
#: Puts a condition's name in the present: "is having a stroke", "je crois que c'est un AVC".
PRESENT_FRAME = (
    r"en train d|is having|s having|are having|am having|m having|re having|"
    r"having (?:a|an|another) (?:\w+ )?$|is in the middle|is going into|going into|"
    r"fait (?:un|une) (?:\w+ )?$|fais (?:un|une) (?:\w+ )?$|faire (?:un|une) (?:\w+ )?$|"
    r"est en (?:\w+ )?$|je crois|je pense|jcrois|on dirait|il semble|ca ressemble|"
    r"looks like|seems like|seem to be|appears to be|i think|i believe|think (?:it s|he s|"
    r"she s|this is|its|he is|she is|it is|i m|i am|we re)|(?:could|can|might) (?:it|this) be|"
    r"is (?:it|this) (?:a|an)|c est (?:un|une)(?: \w+)? $|est ce (?:un|une)|i m having|"
    r"suspect\w*|soupcon\w*|en cours|right now|maintenant|en ce moment|currently|"
    r"showing signs|montre des signes|presente des signes|signs of (?:a|an)|call|appeler|"
    r"appelle|ambulance|samu|pompiers|911|999|112|15|help|aidez|au secours|urgence|urgent"
)
#: Words that make a condition's name hypothetical, a question, or an idiom.
HYPOTHETICAL = (
    r"failli|nearly|almost|peur d|peur de|peur que|afraid of|scared of|worried about|"
    r"inquiet de|inquiete de|risk of|risque d|risque de|risques|prevent\w*|prevenir|"
    r"depistage|screening|en cas d|in case of|que faire (?:si|en cas)|what (?:to do|should i do|"
    r"do i do) if|what are the (?:signs|symptoms)|quels sont les (?:signes|symptomes)|"
    r"comment reconnaitre|how to (?:recognise|recognize|spot|tell|prevent|avoid)|"
    r"how do (?:i|you|we) know|si jamais|if ever|first aid|premiers secours|formation|"
    r"training|first aid course|learn|apprendre|family history|antecedents familiaux|"
    r"dans ma famille|in my family|runs in the family|died of|decede d|mort d un|mort d une|"
    r"deces|death|mourir d un|die of|dying of|test for|tester|article|documentaire|"
    r"documentary|film|movie|serie|series|book|livre|assurance|insurance|vaccin|vaccine|"
    r"traitement (?:preventif|de fond)|what is|qu est ce qu|c est quoi|difference entre|"
    r"difference between|statistics|statistiques|patients who|patients qui|people who|"
    r"(?:the|les|tell me the|what are the|quels sont les) (?:signs|symptoms|signes|symptomes) "
    r"(?:of|d|de|du)|"
    r"those who|someone who|anyone who|ceux qui|celles qui|les personnes qui|les gens qui|"
    r"quelqu un qui|kids who|children who|enfants qui|personnes ayant|patients ayant|"
    r"people with|patients with|personnes avec"
)
#: A question about a service, not an event: "consultation pour", "do you treat".
SERVICE_FRAME = (
    r"rdv|rendez vous|appointment|appt|book|booking|reserver|consultation|consult|"
    r"check up|checkup|controle|bilan|ordonnance|prescription|renouvel\w*|renew\w*|refill|"
    r"repeat prescription|certificat|certificate|reeducation|rehab\w*|physio|kine|"
    r"orthophon\w*|specialiste|specialist|cardiologue|cardiologist|neurologue|neurologist|"
    r"vous faites|do you (?:do|treat|offer|have|see|take)|prenez vous|traitez vous|"
    r"est ce que vous|how do i|how can i|comment (?:utiliser|faire|on|je|l utiliser)|"
    r"show me|montrer|medication|traitement|treatment|dossier|file|record|note it|"
    r"noter|insurance|assurance|driving|conduire|permis|sport|see the gp|see a doctor|"
    r"voir un medecin|voir le medecin|see someone|when can|quand est ce|pouvez vous|can you|"
    r"could you|est ce possible|is it possible|need a|need an|besoin d|besoin de"
)
#: Puts a condition's name firmly in the present: "is having a stroke", "en train de".
STRONG_PRESENT = (
    r"en train d|is having|s having|are having|am having|m having|re having|i m having|"
    r"right now|en ce moment|currently|as we speak|is going into|going into|en cours"
)
#: A past tense in a clause: then its time markers may sit elsewhere in the sentence.
PAST_TENSE_IN_CLAUSE = (
    r"had|has had|have had|was|were|did|used to|suffered|survived|fell|fainted|"
    r"(?:ai|a|as|avait|avais|avons|avez|ont) (?:deja )?(?:eu|fait|subi|vecu|ete)|"
    r"(?:suis|est|s est|me suis|etait|etais) (?:\w+ )?(?:tombe\w*|evanoui\w*|brule\w*|"
    r"coupe\w*|casse\w*|cogne\w*|blesse\w*|fracture\w*)"
)
#: Someone else's suicide, told in the past: grief, not a crisis in progress.
BEREAVEMENT = (
    r"(?:s est|s etait|se sont) (?:\w+ )?(?:suicide|suicidee|suicides|donne la mort|tue|tuee|"
    r"pendu|pendue)|committed suicide|died by suicide|took (?:his|her|their) own life|"
    r"killed (?:himself|herself|themselves)|lost (?:\w+ ){1,3}to suicide"
)
#: A past tense just before a red flag: "j'ai eu", "had", "a fait".
PAST_TENSE = (
    r"(?:had|d had|suffered|survived|went through|"
    r"(?:ai|a|as|avait|avais|avons|avez|ont|avaient) (?:deja )?(?:eu|fait|subi|vecu|"
    r"connu)|was diagnosed|diagnosed|diagnostique\w*)(?: \w+){0,3}$"
)
#: A possessive just before a condition's name: "my stroke", "son AVC" — a known event.
POSSESSIVE = r"(?:mon|ma|mes|son|sa|ses|my|his|her|their|our|notre|nos|leur|leurs|\w+ s)$"
#: Laughter: "j'en peux plus mdr" is a joke.
LAUGHTER = r"mdr|ptdr|lol|haha\w*|hihi\w*|xd|lmao|lmfao|rofl|mort de rire|jpp mdr"

#: A reference to a child, for "unconscious_child" and for the child-only rules.
CHILD_REF = (
    r"(?:mon|ma|mes|notre|nos|le|la|les|son|sa|ses|leur|leurs|un|une|my|our|the|his|her|"
    r"their|a) (?:\w+ )?(?:bebe|bebes|nourrisson|nouveau ne|nouveau nee|enfant|enfants|fils|"
    r"fille|gamin|gamine|loulou|ado|baby|newborn|infant|toddler|child|kid|son|daughter|boy|"
    r"girl|little one|bub|lo|petit fils|petite fille|grandson|granddaughter|petits)\b|"
    r"(?:mon|ma|notre|le|la) (?:petit|petite)(?= (?:a|est|s|ne|n|vient|de \d|dernier|"
    r"derniere|fait|fils|fille|garcon|bout)\b)|(?:de|aged|age de|agee de|age de|age) "
    r"(?:[1-9]|1[0-5]|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|"
    r"\d+ (?:mois|semaines|jours)) ?(?:ans|an|mois|semaines|jours)?\b|"
    r"\d+ (?:years?|months?|weeks?|days?|yr|mo|wk) old|\b(?:bebe|bebes|nourrisson|baby|"
    r"newborn|infant|toddler|toddlers)\b"
)
# fmt: on


# ---------------------------------------------------------------------------
# Compilation: every pattern built once, at import
# ---------------------------------------------------------------------------

_NEGATION_WORD = (
    r"(?:pas|jamais|not|no|never|aucun|aucune|sans|without|ni|nor|don|doesn|didn|isn|wasn)"
)
#: Any one word and its space, except a negation: gaps never swallow a "pas".
_GAP_WORD = rf"(?:(?!{_NEGATION_WORD}\b)\w+ )"


def _alternatives(group: str) -> list[str]:
    """The top-level alternatives of a pattern (``a|(?:b|c)|d`` → ``a``, ``(?:b|c)``, ``d``)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(group):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(group[start:index])
            start = index + 1
    parts.append(group[start:])
    return parts


def _concept(name: str) -> str:
    # Longest first: "mal a la tete" before "mal", for the most telling `matched`.
    entries = sorted(_alternatives(_WORDS[name]), key=len, reverse=True)
    return "(?:" + "|".join(entries) + ")"


def expand(source: str) -> str:
    """A pattern with its ``<concept>`` placeholders and word gaps written out."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "child_ref":
            return f"(?:{CHILD_REF})"
        return _concept(name)

    expanded = re.sub(r"<([a-z_0-9]+)>", replace, source)
    return expanded.replace(r"(?:\w+ )", _GAP_WORD)


def compile_words(source: str) -> re.Pattern[str]:
    """A pattern that matches whole words only."""
    return re.compile(rf"(?<![a-z0-9])(?:{expand(source)})(?![a-z0-9])")


@dataclass(frozen=True)
class RedFlag:
    """A compiled rule: a kind, how sure its wording is, and what the message must contain."""

    kind: str
    level: Level
    pattern: re.Pattern[str]
    anchors: frozenset[str]
    prefixes: tuple[str, ...]
    also: tuple[re.Pattern[str], ...]
    unless: re.Pattern[str] | None
    firm: bool


_PLAIN = re.compile(r"[a-z0-9]+")


def _word_list(text: str) -> list[str]:
    """The words of a space-separated list."""
    return text.split()


#: Words found in most messages: a poor anchor, chosen only when nothing rarer is required.
_COMMON = frozenset(
    _word_list(
        "le la les l un une des de du d et ou a au aux en dans sur pour par avec sans ce cet cette "
        "ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs je j tu il elle on "
        "nous vous ils elles me m te t se s lui y ne n pas plus que qu qui quoi est suis es sont "
        "ai as avons avez ont fait faire tres trop bien mal tout toute tous toutes comme mais "
        "donc car si oui non the an and or of to in on at for with by from is are was were be "
        "been am i you he she it we they my your his her its our their him them this that these "
        "those not no do does did have has had can just so very really what when how why who up "
        "out about if then there here all some any more get got go going one two c ca va vais "
        "peux peut veux veut"
    )
)
_Anchors = frozenset[tuple[str, bool]]


def _cost(anchors: _Anchors) -> int:
    """How often a rule would be tried for nothing: common words cost a hundred rare ones."""
    return sum(100 if word in _COMMON or len(word) < 3 else 1 + prefix for word, prefix in anchors)


def _group_end(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        depth += text[index] == "("
        depth -= text[index] == ")"
        if depth == 0:
            return index + 1
    raise ValueError(f"unbalanced group in a rule: {text!r}")


def _optional_after(text: str, index: int) -> tuple[bool, int]:
    """Whether the quantifier at ``index`` lets the element before it be absent, and its end."""
    if index < len(text) and text[index] in "?*":
        return True, index + 1 + (text[index + 1 : index + 2] == "?")
    if index < len(text) and text[index] == "{":
        end = text.index("}", index) + 1
        return text[index + 1] == "0", end
    if index < len(text) and text[index] == "+":
        return False, index + 1
    return False, index


def _sequence_anchors(sequence: str) -> _Anchors | None:
    """The cheapest set of words one of which every match of ``sequence`` contains.

    The sequence is read element by element — concepts, groups, literal words; an
    element marked ``@`` is chosen outright, otherwise the required element whose
    words are rarest. None when no required element has plain words.
    """
    options: list[tuple[bool, _Anchors]] = []
    index, forced = 0, False
    while index < len(sequence):
        char = sequence[index]
        anchors: _Anchors | None = None
        if char == "@":
            forced, index = True, index + 1
            continue
        if sequence.startswith(("(?!", "(?=", "(?<!", "(?<="), index):
            index, forced = _group_end(sequence, index), False
            continue
        if char == "(":
            end = _group_end(sequence, index)
            anchors = _alternatives_anchors(sequence[index + 3 : end - 1])
        elif char == "<":
            end = sequence.index(">", index) + 1
            anchors = _alternatives_anchors(_WORDS[sequence[index + 1 : end - 1]])
        elif _PLAIN.match(char):
            end = _PLAIN.match(sequence, index).end()  # type: ignore[union-attr]
            word, rest = sequence[index:end], sequence[end : end + 1]
            if rest and rest in "?*{":  # "taches?": the last letter is optional
                anchors = frozenset({(word[:-1], True)}) if len(word) > 1 else None
                _, end = _optional_after(sequence, end)
            elif rest and rest in "\\([":  # "suicid\w*", "respir(?:e|er)"
                anchors = frozenset({(word, True)})
            else:
                anchors = frozenset({(word, False)})
        elif char == "\\" or char == "[":
            end = sequence.index("]", index) + 1 if char == "[" else index + 2
            anchors = None
        else:
            end = index + 1
        optional, index = _optional_after(sequence, end)
        if char in "(<\\[" or _PLAIN.match(char):
            if forced and anchors is not None:
                return anchors
            if not optional and anchors is not None:
                options.append((False, anchors))
        forced = False
    if not options:
        return None
    return min((anchors for _, anchors in options), key=_cost)


def _alternatives_anchors(pattern: str) -> _Anchors | None:
    """Anchors for every alternative of ``pattern``, or None if one has none."""
    union: set[tuple[str, bool]] = set()
    for alternative in _alternatives(pattern):
        anchors = _sequence_anchors(alternative)
        if anchors is None:
            return None
        union |= anchors
    return frozenset(union)


def anchors(source: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """What a message must contain for a rule to be tried: exact words, or word prefixes."""
    anchors = _alternatives_anchors(source)
    if anchors is None:
        raise ValueError(f"a rule needs a required word or concept to anchor on: {source!r}")
    words = frozenset(word for word, prefix in anchors if not prefix)
    return words, tuple(sorted(word for word, prefix in anchors if prefix))


def _compile(kind: str, spec: Spec) -> RedFlag:
    words, prefixes = anchors(spec.source)
    return RedFlag(
        kind=kind,
        level=spec.level,
        pattern=compile_words(spec.source.replace("@", "")),
        anchors=words,
        prefixes=prefixes,
        also=tuple(compile_words(also) for also in spec.also),
        unless=None if spec.unless is None else compile_words(spec.unless),
        firm=spec.firm,
    )


#: Every rule, compiled, in priority order.
RED_FLAGS: tuple[RedFlag, ...] = tuple(
    _compile(kind, spec) for kind, specs in CATALOGUE.items() for spec in specs
)
#: Every kind triage reports, most urgent first ("unconscious_child" is "unconscious"
#: with a child in the message). Staff alerts and tests/eval/cases.yaml name them.
KINDS: tuple[str, ...] = (*CATALOGUE, "unconscious_child")


def _sources() -> list[str]:
    """Every pattern of the catalogue and its context, as written."""
    specs = [spec for specs in CATALOGUE.values() for spec in specs]
    context = [
        RECENT,
        DURATION,
        PAST,
        HISTORY,
        YESTERDAY,
        RECOVERED,
        CHRONIC,
        HEDGES,
        EXERTION,
        INTENSE,
        PRESENT_FRAME,
        HYPOTHETICAL,
        SERVICE_FRAME,
        NEGATORS,
        NEGATION_FILLERS,
        CHILD_REF,
        CAUSE_QUESTION,
        OWN_CASE,
        TALK_ABOUT,
        RECENT_WEAK,
        LAUGHTER,
        POSSESSIVE,
        PAST_TENSE,
        NOT_A_DENIAL_AFTER,
        STRONG_PRESENT,
        PAST_TENSE_IN_CLAUSE,
        BEREAVEMENT,
    ]
    return [
        *(spec.source for spec in specs),
        *(also for spec in specs for also in spec.also),
        *(spec.unless for spec in specs if spec.unless),
        *_WORDS.values(),
        *LOOK_ALIKES,
        *context,
    ]


#: Words that matter inside patterns without being a concept or an anchor.
_EXTRA_RED_WORDS = _word_list(
    "attack arrest breathe breathing respirer suicide suicidaire suicidal convulsion "
    "convulsions convulse seizure seizures overdose unconscious inconscient inconsciente "
    "hemorragie saignement saignements bleeding anaphylaxie anaphylactique allergique "
    "allergic swelling swollen gonfle gonflee poitrine thoracique douleur douleurs "
    "malaise evanouie evanoui scarification mutilation epilepsie epileptique meningite "
    "fievre temperature paracetamol doliprane medicaments comprimes ibuprofene enceinte "
    "grossesse pregnant pregnancy paralyse paralysee engourdi engourdie vomissements "
    "respiration souffle etouffe suffoque"
)
#: Concepts that are context, not red flags: never a typo target.
_CONTEXT_CONCEPTS = frozenset({"appointment", "would", "person", "allergen_event"})


def _red_words() -> frozenset[str]:
    """The words that carry a red flag: concept words, anchors, and a few more."""
    words = set(_EXTRA_RED_WORDS)
    for name, source in _WORDS.items():
        if name not in _CONTEXT_CONCEPTS:
            words.update(re.findall(r"(?<![a-z\\])[a-z]{3,}(?![a-z\\(?\[{])", source))
    for flag in RED_FLAGS:
        words.update(flag.anchors)
    return frozenset(words)


#: Red-flag words, for glued-word splitting ("heart" + "attack").
RED_WORDS = _red_words()
#: The words typos are mended into ("poitrinne" → "poitrine"): red-flag words of six
#: letters or more, minus real words one typo away from them.
VOCABULARY = frozenset(word for word in RED_WORDS if len(word) >= 6) - NOT_TYPOS
#: Every word the catalogue knows: these are never "mended".
KNOWN_WORDS = frozenset(word for source in _sources() for word in re.findall(r"[a-z]{3,}", source))
