"""Safety triage: red flags in French and English are caught, look-alikes are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.config import EmergencyNumber, Localized
from clinic.loader import load_clinic_file
from faq.loader import load_faq_file
from faq.triage import Emergency, emergency_reply, llm_may_add_recall, triage

ROOT = Path(__file__).resolve().parents[2]
CLINIC = load_clinic_file(ROOT / "examples" / "clinic.yaml")
FAQ = load_faq_file(ROOT / "examples" / "faq.yaml", CLINIC.clinic.languages)


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
        # breathing
        ("j'arrive plus à respirer", "breathing"),
        ("j'arrive plus a respirrer", "breathing"),
        ("je ne peux plus respirer", "breathing"),
        ("il a du mal à respirer", "breathing"),
        ("j'étouffe", "breathing"),
        ("I can't breathe", "breathing"),
        ("i cant breath", "breathing"),
        ("she is struggling to breathe", "breathing"),
        ("short of breath and wheezing", "breathing"),
        # stroke
        ("ma mère a la bouche de travers", "stroke"),
        ("son visage est de travers et il parle mal", "stroke"),
        ("je pense que c'est un AVC", "stroke"),
        ("his face is drooping", "stroke"),
        ("slurred speech since an hour", "stroke"),
        ("she can't move her arm", "stroke"),
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
        # suicide
        ("je veux mourir", "suicide"),
        ("je veux en finir", "suicide"),
        ("j'ai envie d'en finir avec la vie", "suicide"),
        ("je pense au suicide", "suicide"),
        ("je suis suicidaire", "suicide"),
        ("je ne veux plus vivre", "suicide"),
        ("I feel suicidal", "suicide"),
        ("I want to kill myself", "suicide"),
        ("i wanna die", "suicide"),
        ("I want to end my life", "suicide"),
        # unconscious
        ("my baby is not responding", "unconscious_child"),
        ("mon bébé ne répond plus", "unconscious_child"),
        ("mon fils est inconscient", "unconscious_child"),
        ("mon mari a perdu connaissance", "unconscious"),
        ("she passed out and won't wake up", "unconscious"),
        ("my dad collapsed", "unconscious"),
        # allergy, overdose, poisoning, seizure
        ("j'ai la gorge qui gonfle", "severe_allergy"),
        ("choc anaphylactique", "severe_allergy"),
        ("her throat is swelling after a bee sting", "severe_allergy"),
        ("il a pris trop de médicaments", "overdose"),
        ("overdose de doliprane", "overdose"),
        ("I took too many pills", "overdose"),
        ("mon fils a avalé de la javel", "poisoning"),
        ("my toddler swallowed a button battery", "poisoning"),
        ("il fait une crise d'épilepsie", "seizure"),
        ("elle convulse", "seizure"),
        ("my son is having a seizure", "seizure"),
    ],
)
def test_red_flags_are_caught(text: str, kind: str) -> None:
    """Each red flag, with or without accents, capitals or a typo, gives its kind."""
    found = triage(text)
    assert found is not None, text
    assert found.kind == kind
    assert found.matched


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais une prise de sang",
        "combien coûte une prise de sang ?",
        "where do I get my blood test results?",
        "j'ai mal au dos depuis 3 jours",
        "I need a respiratory physio session",
        "vous faites de la kiné respiratoire ?",
        "je n'ai pas de douleur thoracique, juste de la toux",
        "no chest pain, just a cough",
        "je vais courir demain matin",
        "je signe beaucoup de papiers",
        "le secrétariat ne répond pas au téléphone",
        "he is not responding to my messages",
        "your phone line is not responding",
        "je voudrais en finir avec ce mal de dos",
        "I'm dying to know the price",
        "my son had a fit of giggles",
        "j'ai un peu saigné des gencives en me brossant les dents",
        "intoxication alimentaire la semaine dernière, il me faut un certificat",
        "I had food poisoning last week",
        "je suis enceinte, je peux faire une prise de sang ?",
        "Bonjour, je voudrais annuler mon rendez-vous",
        "Où puis-je me garer ?",
        "",
        "🙂",
    ],
)
def test_look_alikes_are_not_emergencies(text: str) -> None:
    """Everyday messages that share words with a red flag do not scare the patient."""
    assert triage(text) is None


def test_no_faq_question_is_an_emergency() -> None:
    """None of the clinic's own FAQ phrasings raises a red flag."""
    flagged = [q for entry in FAQ.entries for q in entry.questions if triage(q) is not None]
    assert flagged == []


def test_a_long_message_is_read_only_up_to_its_start() -> None:
    """A red flag in the first lines is found however long the message is."""
    assert triage("j'arrive plus à respirer " + "bla " * 2000) is not None


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


def test_suicide_reply_without_a_listening_line_gives_the_emergency_numbers() -> None:
    """A clinic that lists no suicide line still gets 15 and 112 in the reply."""
    numbers = [EmergencyNumber(number="112", label=Localized(fr="Urgences", en="Emergency"))]
    clinic = CLINIC.model_copy(update={"emergency_numbers": numbers})
    reply = emergency_reply(Emergency("suicide", "suicidal"), clinic, "en")
    assert "112 (Emergency)" in reply


def test_an_llm_may_add_a_flag_but_never_remove_one() -> None:
    """The rules' verdict stands whatever the LLM says; the LLM only adds recall."""
    rules = Emergency("chest_pain", "douleur thoracique")
    llm = Emergency("stroke", "llm")
    assert llm_may_add_recall(rules, None) is rules
    assert llm_may_add_recall(rules, llm) is rules
    assert llm_may_add_recall(None, llm) is llm
    assert llm_may_add_recall(None, None) is None
