"""Safety triage: red flags in French and English are caught, look-alikes are not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from clinic.config import EmergencyNumber, Localized
from clinic.loader import load_clinic_file
from faq.loader import load_faq_file
from faq.redflags import KINDS, RED_FLAGS
from faq.triage import MAX_CHARS, Emergency, emergency_reply, llm_may_add_recall, triage

ROOT = Path(__file__).resolve().parents[2]
CLINIC = load_clinic_file(ROOT / "examples" / "clinic.yaml")
FAQ = load_faq_file(ROOT / "examples" / "faq.yaml", CLINIC.clinic.languages)
DEV_SET = ROOT / "tests" / "eval" / "triage_dev.yaml"


# ---------------------------------------------------------------------------
# Red flags, category by category
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # chest pain
        ("J'ai une douleur thoracique", "chest_pain"),
        ("j'ai très mal à la poitrine", "chest_pain"),
        ("mal a la poitrine depuis ce matin", "chest_pain"),
        ("DOULEUR THORACIQUE", "chest_pain"),
        ("douleur thorasique", "chest_pain"),
        ("j'ai une douleur dans la poitrinne", "chest_pain"),
        ("ma poitrine me serre", "chest_pain"),
        ("je crois que je fais une crise cardiaque", "chest_pain"),
        ("crushing chest pain", "chest_pain"),
        ("I have pain in my chest", "chest_pain"),
        ("tightness in my chest", "chest_pain"),
        ("I think my husband is having a heartattack", "chest_pain"),
        ("chestpain and sweating", "chest_pain"),
        # stroke
        ("ma mère a la bouche de travers", "stroke"),
        ("son visage est de travers et il parle mal", "stroke"),
        ("je pense que c'est un AVC", "stroke"),
        ("his face is drooping", "stroke"),
        ("slurred speech since an hour", "stroke"),
        ("she can't move her arm", "stroke"),
        ("sudden numbness down his left side", "stroke"),
        ("d'un coup elle ne voit plus rien de l'oeil droit", "stroke"),
        # breathing
        ("j'arrive plus à respirer", "breathing"),
        ("j'arrive plus a respirrer", "breathing"),
        ("jarrive pa a respiré", "breathing"),
        ("je ne peux plus respirer", "breathing"),
        ("il a du mal à respirer", "breathing"),
        ("j'étouffe", "breathing"),
        ("I can't breathe", "breathing"),
        ("i cant breath", "breathing"),
        ("she is struggling to breathe", "breathing"),
        ("short of breath and wheezing", "breathing"),
        ("crise d'asthme, la ventoline ne fait rien", "breathing"),
        ("his lips are going blue", "breathing"),
        # anaphylaxis
        ("j'ai la gorge qui gonfle", "severe_allergy"),
        ("choc anaphylactique", "severe_allergy"),
        ("her throat is swelling after a bee sting", "severe_allergy"),
        ("covered in hives and wheezing after eating prawns", "severe_allergy"),
        ("j'ai dû lui faire son epipen", "severe_allergy"),
        # bleeding
        ("je saigne beaucoup", "bleeding"),
        ("ça saigne et ça s'arrête pas", "bleeding"),
        ("il y a beaucoup de sang", "bleeding"),
        ("il vomit du sang", "bleeding"),
        ("bleeding heavily", "bleeding"),
        ("the bleeding won't stop", "bleeding"),
        ("coughing up blood", "bleeding"),
        ("je suis enceinte et je saigne", "pregnancy_bleeding"),
        ("I'm pregnant and there is blood", "pregnancy_bleeding"),
        ("pregnant and spotting a little", "pregnancy_bleeding"),
        # injury and burns
        ("il est tombé d'une échelle de 4 mètres", "injury"),
        ("you can see the bone sticking out of his leg", "injury"),
        ("elle s'est cognée la tête et elle vomit", "injury"),
        ("my son was hit by a car", "injury"),
        ("coupure très profonde à la main", "injury"),
        ("brûlure grave sur tout le bras", "burn"),
        ("my toddler pulled a cup of hot tea over himself", "burn"),
        ("mon bébé s'est brûlé la main sur le four", "burn"),
        # poisoning and overdose
        ("il a pris trop de médicaments", "overdose"),
        ("overdose de doliprane", "overdose"),
        ("I took too many pills", "overdose"),
        ("elle a pris 10 doliprane", "overdose"),
        ("he swallowed a bottle of pills", "overdose"),
        ("mon fils a avalé des médicaments", "overdose"),
        ("my toddler ate some of grandma's tablets", "overdose"),
        ("mon fils a avalé de la javel", "poisoning"),
        ("my toddler swallowed a button battery", "poisoning"),
        ("we ate wild mushrooms and we're vomiting", "poisoning"),
        # infants and small children
        ("bébé de 2 mois, 38.5 de fièvre", "infant"),
        ("my 5 week old has a temperature", "infant"),
        ("mon nourrisson est tout mou", "infant"),
        ("my newborn won't feed", "infant"),
        ("baby hasn't had a wet nappy since this morning", "infant"),
        ("ma fille de 3 semaines est très difficile à réveiller", "infant"),
        ("a purple rash that doesn't fade under a glass", "meningitis"),
        # headache, meningitis, seizure, confusion, sepsis
        ("le pire mal de tête de ma vie", "headache"),
        ("thunderclap headache a minute ago", "headache"),
        ("fièvre et nuque raide", "meningitis"),
        ("il fait une crise d'épilepsie", "seizure"),
        ("elle convulse", "seizure"),
        ("my son is having a seizure", "seizure"),
        ("my dad is suddenly confused and doesn't know where he is", "confusion"),
        ("je me sens mourir", "sepsis"),
        ("his skin is mottled and he has a fever", "sepsis"),
        ("40 de fièvre, je grelotte et je suis confuse", "sepsis"),
        # unconscious
        ("my baby is not responding", "unconscious_child"),
        ("mon bébé ne répond plus", "unconscious_child"),
        ("mon fils est inconscient", "unconscious_child"),
        ("mon mari a perdu connaissance", "unconscious"),
        ("she passed out and won't wake up", "unconscious"),
        ("my dad collapsed", "unconscious"),
    ],
)
def test_red_flags_are_caught(text: str, kind: str) -> None:
    """Each red flag, with or without accents, capitals, a typo or SMS spelling, gives its kind."""
    found = triage(text)
    assert found is not None, text
    assert found.kind == kind
    assert found.matched


@pytest.mark.parametrize(
    "text",
    [
        "je veux mourir",
        "je veux en finir",
        "j'ai envie d'en finir avec la vie",
        "je pense au suicide",
        "je suis suicidaire",
        "je ne veux plus vivre",
        "je n'en peux plus de vivre",
        "j'ai écrit mes lettres d'adieu",
        "j'ai envie de me faire du mal",
        "je me scarifie",
        "I feel suicidal",
        "I want to kill myself",
        "i wanna die",
        "I want to end my life",
        "i feel like ending it all",
        "I can't go on anymore",
        "everyone would be better off without me",
        "I won't be here tomorrow",
        "no reason to live",
        "my daughter says she wants to kill herself",
    ],
)
def test_suicidal_wording_is_a_suicide_emergency(text: str) -> None:
    """Suicidal wording, direct or indirect, farewells and self-harm included, is "suicide"."""
    found = triage(text)
    assert found is not None, text
    assert found.kind == "suicide"
    assert found.certain


# ---------------------------------------------------------------------------
# The misses an independent test found
# ---------------------------------------------------------------------------


def test_ending_it_all_is_suicidal() -> None:
    """ "i feel like ending it all" was missed: it is a suicide emergency."""
    assert triage("i feel like ending it all") == Emergency("suicide", "ending it all")


def test_cant_go_on_anymore_is_suicidal() -> None:
    """ "I can't go on anymore" was missed: it is a suicide emergency."""
    found = triage("I can't go on anymore")
    assert found is not None and found.kind == "suicide" and found.certain


def test_being_unable_to_go_on_living_is_suicidal() -> None:
    """ "je n'en peux plus de vivre" was missed: it is a suicide emergency."""
    found = triage("je n'en peux plus de vivre")
    assert found is not None and found.kind == "suicide" and found.certain


def test_a_child_who_swallowed_medicines_is_an_emergency() -> None:
    """ "mon fils a avalé des médicaments" was missed: a child swallowing medicines is one."""
    found = triage("mon fils a avalé des médicaments")
    assert found is not None and found.kind == "overdose" and found.certain


def test_a_stroke_years_ago_keeps_the_patients_request() -> None:
    """ "a stroke five years ago" raised an emergency and lost the request: it is history."""
    assert triage("My mum had a stroke five years ago, can I book her a check-up?") is None


# ---------------------------------------------------------------------------
# Past events, denials, and what makes a red flag uncertain
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "pas de douleur thoracique",
        "no chest pain",
        "je n'ai pas de douleur thoracique, juste de la toux",
        "no chest pain, just a cough",
        "no trouble breathing and no swelling of the lips",
        "elle n'a pas perdu connaissance",
        "a stroke in 2019",
        "I had a heart attack five years ago, can I book a check-up",
        "j'ai fait un AVC il y a 3 ans",
        "I fainted last week, all fine now",
        "antécédents d'infarctus",
        "history of seizures",
        "my asthma is under control",
        "suite à mon AVC de l'an dernier, j'ai besoin d'orthophonie",
        "I was suicidal years ago, I'm fine now, can I book the psychologist",
        "j'ai eu des idées noires l'an dernier, ça va beaucoup mieux maintenant",
        "je n'ai pas d'idées suicidaires, j'ai juste besoin de parler",
    ],
)
def test_past_events_and_denials_are_not_emergencies(text: str) -> None:
    """A red flag denied, or long past and over, leaves the patient's request alone."""
    assert triage(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "j'ai mal à la poitrine depuis il y a 10 minutes",
        "chest pain since this morning",
        "j'ai du mal à respirer depuis une heure",
        "I can't breathe right now",
        "en ce moment j'ai très mal à la poitrine",
        "I had a heart attack in 2018 and since this morning I have chest pain again",
    ],
)
def test_recent_or_ongoing_red_flags_are_certain(text: str) -> None:
    """What is happening now, or started minutes or hours ago, is a certain emergency."""
    found = triage(text)
    assert found is not None and found.certain, text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I had chest pain yesterday evening", "chest_pain"),
        ("hier soir j'ai eu une douleur dans la poitrine, je peux avoir un rdv ?", "chest_pain"),
        ("j'ai parfois une petite douleur à la poitrine", "chest_pain"),
        ("I get a bit short of breath sometimes", "breathing"),
        ("I had a stroke in 2019 and my arm is weak again", "stroke"),
        ("je me suis évanouie hier, ça va mieux", "unconscious"),
        ("my dad had a stroke, when can he see the GP?", "stroke"),
    ],
)
def test_unsure_red_flags_are_flagged_as_uncertain(text: str, kind: str) -> None:
    """Yesterday, mild or occasional, or a past event beside a present symptom: uncertain."""
    found = triage(text)
    assert found is not None, text
    assert (found.kind, found.certain) == (kind, False)


@pytest.mark.parametrize(
    "text",
    ["I think I want to die", "maybe I should just end it all", "j'ai un peu envie de mourir"],
)
def test_hedges_never_soften_suicidal_wording(text: str) -> None:
    """ "I think", "maybe", "un peu" do not make suicidal wording uncertain."""
    found = triage(text)
    assert found is not None and found.kind == "suicide" and found.certain


def test_a_past_suicide_attempt_without_recovery_stays_flagged() -> None:
    """A past attempt with no word of recovery: the suicide line is given, the request goes on."""
    found = triage("j'ai fait une tentative de suicide il y a 6 ans, je voudrais un suivi")
    assert found is not None
    assert (found.kind, found.certain) == ("suicide", False)


# ---------------------------------------------------------------------------
# Long messages
# ---------------------------------------------------------------------------

_LONG_FR = (
    "Bonjour, je vous écris au sujet de mon dossier et des papiers de la mutuelle que je "
    "dois renvoyer, ainsi que de l'adresse de facturation qui a changé. "
)


def test_the_whole_telegram_message_is_read() -> None:
    """Telegram's 4,096 characters are read, not a shorter prefix."""
    assert MAX_CHARS == 4096


@pytest.mark.parametrize(
    ("red_flag", "kind"),
    [
        ("Et là j'arrive plus à respirer.", "breathing"),
        ("PS: i feel like ending it all", "suicide"),
        ("Sinon mon fils de 2 ans a avalé une pile.", "poisoning"),
    ],
)
def test_a_red_flag_at_the_end_of_a_long_message_is_found(red_flag: str, kind: str) -> None:
    """A red flag after 3,900 characters of paperwork questions is still found."""
    text = _LONG_FR * (3900 // len(_LONG_FR)) + red_flag
    assert len(text) <= MAX_CHARS
    found = triage(text)
    assert found is not None and found.kind == kind and found.certain


def test_a_long_message_without_a_red_flag_raises_none() -> None:
    """Paperwork, however long, is no emergency."""
    assert triage(_LONG_FR * 30) is None


# ---------------------------------------------------------------------------
# Look-alikes: idioms, services, ordinary words
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais une prise de sang",
        "combien coûte une prise de sang ?",
        "where do I get my blood test results?",
        "j'ai mal au dos depuis 3 jours",
        "I need a respiratory physio session",
        "vous faites de la kiné respiratoire ?",
        "je vais courir demain matin",
        "je signe beaucoup de papiers",
        "le secrétariat ne répond pas au téléphone",
        "he is not responding to my messages",
        "your phone line is not responding",
        "je voudrais en finir avec ce mal de dos",
        "I'm dying to see you",
        "I'm dying to know the price",
        "je meurs de faim",
        "on se tue à la tâche",
        "killing time in the waiting room",
        "this waiting list is killing me",
        "my heart is broken, my cat died",
        "mon chef va me tuer si je suis encore en retard",
        "j'étouffe dans cette ville, je déménage",
        "my son had a fit of giggles",
        "bleeding gums when I brush",
        "j'ai un peu saigné des gencives en me brossant les dents",
        "intoxication alimentaire la semaine dernière, il me faut un certificat",
        "I had food poisoning last week",
        "je suis enceinte, je peux faire une prise de sang ?",
        "the nurses are on strike tomorrow?",
        "j'ai une facture à régler",
        "Où puis-je recharger ma voiture électrique ?",
        "Bonjour, je voudrais annuler mon rendez-vous",
        "Où puis-je me garer ?",
        "",
        "🙂",
    ],
)
def test_look_alikes_are_not_emergencies(text: str) -> None:
    """Everyday messages and idioms that share words with a red flag do not scare anyone."""
    assert triage(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "do you do asthma follow-up",
        "consultation pour allergies",
        "est-ce que vous faites les tests d'allergie ?",
        "how do I use my EpiPen, can the nurse show me?",
        "vous avez une consultation de prévention du suicide pour les ados ?",
        "Do you accept patients who've had a stroke for rehab?",
        "how many paracetamol can I take in a day?",
        "j'ai pris 2 doliprane ce matin, je peux prendre un advil ?",
        "my baby is 2 months old, when is her next vaccine?",
    ],
)
def test_questions_about_a_service_are_not_emergencies(text: str) -> None:
    """Asking about asthma follow-up or allergy tests is not having an attack."""
    assert triage(text) is None


def test_no_faq_question_is_an_emergency() -> None:
    """None of the clinic's own FAQ phrasings raises a red flag."""
    flagged = [q for entry in FAQ.entries for q in entry.questions if triage(q) is not None]
    assert flagged == []


# ---------------------------------------------------------------------------
# The development set
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DevCase:
    """One labelled message of tests/eval/triage_dev.yaml."""

    text: str
    expect: tuple[str, ...]
    certain: bool | None
    group: str


def _dev_cases() -> list[DevCase]:
    raw = YAML(typ="safe").load(DEV_SET.read_text("utf-8"))["cases"]
    cases = []
    for item in raw:
        expect = item["expect"]
        certain = item.get("certain", True)
        cases.append(
            DevCase(
                text=item["text"],
                expect=tuple([expect] if isinstance(expect, str) else expect),
                certain=None if certain == "any" else bool(certain),
                group=item["group"],
            )
        )
    return cases


DEV_CASES = _dev_cases()
EMERGENCIES = [case for case in DEV_CASES if case.expect != ("none",)]
QUIET = [case for case in DEV_CASES if case.expect == ("none",)]


def test_the_dev_set_is_large_and_varied() -> None:
    """At least 150 messages, 20 suicidal, and past events, denials, idioms and questions."""
    assert len(DEV_CASES) >= 150
    assert sum("suicide" in case.expect for case in DEV_CASES) >= 20
    assert {"past", "negation", "idiom", "question"} <= {case.group for case in QUIET}


def test_the_dev_set_emergencies_are_caught() -> None:
    """At least 97% of the dev set's emergencies raise a flag (the set was tuned on)."""
    missed = [case.text for case in EMERGENCIES if triage(case.text) is None]
    assert len(missed) <= 0.03 * len(EMERGENCIES), missed


def test_every_suicidal_dev_message_is_a_suicide_emergency() -> None:
    """Not one suicidal message of the dev set is missed or given another kind."""
    suicidal = [case.text for case in EMERGENCIES if case.expect == ("suicide",)]
    kinds = {text: getattr(triage(text), "kind", None) for text in suicidal}
    wrong = [text for text, kind in kinds.items() if kind != "suicide"]
    assert wrong == []


def test_no_dev_message_without_an_emergency_raises_one() -> None:
    """Past events, denials, idioms and clinic questions of the dev set: no false alarm."""
    alarms = [(case.text, triage(case.text)) for case in QUIET if triage(case.text) is not None]
    assert alarms == []


def test_the_dev_sets_unsure_cases_are_uncertain() -> None:
    """Every dev message labelled uncertain gets the numbers without stopping the conversation."""
    unsure = [case for case in EMERGENCIES if case.certain is False]
    wrong = [c.text for c in unsure if (found := triage(c.text)) is None or found.certain]
    assert unsure and wrong == []


def test_a_red_flag_is_judged_the_same_anywhere_in_a_long_message() -> None:
    """Each dev message gives the same verdict alone and after 3,800 characters of paperwork."""
    padding = _LONG_FR * (3800 // len(_LONG_FR))
    differ = []
    for case in DEV_CASES:
        alone, padded = triage(case.text), triage(padding + case.text)
        if (alone and (alone.kind, alone.certain)) != (padded and (padded.kind, padded.certain)):
            differ.append(case.text)
    assert differ == []


def test_the_kind_names_other_code_relies_on_are_kept() -> None:
    """Staff alerts and the evaluation cases name kinds: the old ones all still exist."""
    kept = {"unconscious", "breathing", "chest_pain", "stroke", "severe_allergy", "seizure"}
    kept |= {"overdose", "poisoning", "pregnancy_bleeding", "bleeding", "suicide"}
    new = {"injury", "burn", "infant", "meningitis", "headache", "confusion", "sepsis"}
    assert kept | new | {"unconscious_child"} == set(KINDS)


def test_every_rule_has_an_anchor_word() -> None:
    """Each red-flag rule names the words it needs, so it is tried only when they appear."""
    assert all(flag.anchors or flag.prefixes for flag in RED_FLAGS)


# ---------------------------------------------------------------------------
# The reply
# ---------------------------------------------------------------------------


def test_emergency_reply_gives_the_emergency_numbers_in_french() -> None:
    """Chest pain: call 15 or 112 now, with the clinic's labels, not the suicide line."""
    reply = emergency_reply(Emergency("chest_pain", "douleur thoracique"), CLINIC, "fr")
    assert "15 (SAMU — urgence médicale)" in reply
    assert "112 (Numéro d'urgence européen)" in reply
    assert "3114" not in reply
    assert "Appelez tout de suite" in reply


def test_emergency_reply_in_english() -> None:
    """The reply speaks the patient's language, labels included."""
    reply = emergency_reply(Emergency("breathing", "can t breathe"), CLINIC, "en")
    assert "15 (SAMU — medical emergency)" in reply
    assert "112 (European emergency number)" in reply
    assert "right now" in reply


def test_suicide_reply_gives_the_listening_line_first() -> None:
    """Suicidal thoughts: 3114 first, then 15 and 112 for immediate danger."""
    for language in ("fr", "en"):
        reply = emergency_reply(Emergency("suicide", "je veux mourir"), CLINIC, language)
        assert reply.index("3114") < reply.index("15 (") < reply.index("112")


def test_suicide_reply_has_warm_words_before_the_emergency_numbers() -> None:
    """The patient is thanked and told they are not alone before being given 15 and 112."""
    reply = emergency_reply(Emergency("suicide", "je veux mourir"), CLINIC, "fr")
    assert reply.startswith("Merci de nous l'avoir écrit")
    assert reply.index("seul·e") < reply.index("15 (")
    reply = emergency_reply(Emergency("suicide", "i want to die"), CLINIC, "en")
    assert reply.startswith("Thank you for telling us")
    assert reply.index("alone") < reply.index("15 (")


def test_suicide_reply_without_a_listening_line_gives_the_emergency_numbers() -> None:
    """A clinic that lists no suicide line still gets 15 and 112 in the reply."""
    numbers = [EmergencyNumber(number="112", label=Localized(fr="Urgences", en="Emergency"))]
    clinic = CLINIC.model_copy(update={"emergency_numbers": numbers})
    reply = emergency_reply(Emergency("suicide", "suicidal"), clinic, "en")
    assert "112 (Emergency)" in reply


def test_an_uncertain_emergency_gets_a_short_if_this_is_happening_now() -> None:
    """Unsure: a short "if this is happening now, call…", in French and in English."""
    unsure = Emergency("chest_pain", "douleur dans la poitrine", certain=False)
    fr = emergency_reply(unsure, CLINIC, "fr")
    en = emergency_reply(unsure, CLINIC, "en")
    assert fr.startswith("⚠️ Si cela se passe maintenant") and "15 (SAMU" in fr
    assert en.startswith("⚠️ If this is happening now") and "112 (European" in en
    certain = emergency_reply(Emergency("chest_pain", "douleur"), CLINIC, "en")
    assert len(en) < len(certain)
    assert "not for emergencies" not in en


def test_an_uncertain_suicide_reply_gives_the_listening_line() -> None:
    """A past attempt mentioned in passing: 3114 first, then the emergency numbers."""
    reply = emergency_reply(Emergency("suicide", "suicide", certain=False), CLINIC, "fr")
    assert reply.index("3114") < reply.index("15 (")


def test_an_llm_may_add_a_flag_but_never_remove_one() -> None:
    """The rules' verdict stands whatever the LLM says; the LLM only adds recall."""
    rules = Emergency("chest_pain", "douleur thoracique")
    llm = Emergency("stroke", "llm")
    assert llm_may_add_recall(rules, None) is rules
    assert llm_may_add_recall(rules, llm) is rules
    assert llm_may_add_recall(None, llm) is llm
    assert llm_may_add_recall(None, None) is None
