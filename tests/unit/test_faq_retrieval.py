"""Retrieval: the FAQ entry or clinic fact a question asks for, and only when sure."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clinic.config import WeeklySchedule
from clinic.loader import load_clinic_file
from faq.knowledge import KnowledgeEntry, build_knowledge, clinic_facts
from faq.loader import load_faq_file
from faq.model import FaqFile
from faq.retrieval import FaqIndex, Match

ROOT = Path(__file__).resolve().parents[2]
CLINIC = load_clinic_file(ROOT / "examples" / "clinic.yaml")
FAQ = load_faq_file(ROOT / "examples" / "faq.yaml", CLINIC.clinic.languages)


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    """The sample clinic's index."""
    return FaqIndex.build(FAQ, CLINIC)


def best_id(index: FaqIndex, text: str, language: str = "fr") -> str | None:
    found = index.best(text, language)
    return None if found is None else found.entry_id


def test_every_faq_question_finds_its_own_entry(index: FaqIndex) -> None:
    """Each phrasing the staff wrote is answered by its entry (except the results'
    meaning, which the pipeline hands over before retrieval)."""
    misses = [
        (entry.id, question)
        for entry in FAQ.entries
        for question in entry.questions
        if best_id(index, question) != entry.id
    ]
    assert misses == []


def test_the_answer_is_the_staffs_text_in_the_patients_language(index: FaqIndex) -> None:
    """Answers are returned verbatim, in French or in English."""
    parking = FAQ.entry("parking")
    fr = index.best("Où puis-je me garer ?", "fr")
    en = index.best("Où puis-je me garer ?", "en")
    assert fr is not None and fr.answer_text == parking.answer.fr
    assert en is not None and en.answer_text == parking.answer.en


@pytest.mark.parametrize(
    "text",
    [
        "OÙ PUIS-JE ME GARER ?",
        "ou puis je me garer",
        "ou puis-je me garrer ?",
        "y a t il un parkinng ?",
        "Is there parkng?",
        "le stationnement est gratuit ?",
    ],
)
def test_case_accents_and_typos_do_not_matter(index: FaqIndex, text: str) -> None:
    """Capitals, missing accents and typos still find the entry."""
    assert best_id(index, text) == "parking"


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("combien coûte un détartrage ?", "fact:service:dental-cleaning"),
        ("how much is a blood test", "fact:service:blood-test"),
        ("une séance de kiné dure combien de temps ?", "fact:service:physio"),
        ("vous êtes ouverts le samedi ?", "fact:hours"),
        ("what time do you close?", "fact:hours"),
        ("c'est quoi votre numéro de téléphone ?", "fact:phone"),
        ("qui est le docteur Benali ?", "fact:practitioner:dr-benali"),
        ("quels médecins travaillent chez vous ?", "fact:team"),
    ],
)
def test_clinic_facts_answer_what_clinic_yaml_knows(
    index: FaqIndex, text: str, entry_id: str
) -> None:
    """Prices, durations, hours, phone and practitioners come from clinic.yaml."""
    assert best_id(index, text) == entry_id


def test_fact_answers_are_rendered_in_both_languages(index: FaqIndex) -> None:
    """A service fact gives the price, the duration and the preparation."""
    fr = index.entry("fact:service:blood-test").answer("fr")
    en = index.entry("fact:service:blood-test").answer("en")
    assert "15,00" in fr and "10 minutes" in fr and "à jeun" in fr
    assert "€15.00" in en and "10 minutes" in en and "fasting" in en
    hours = index.entry("fact:hours").answer("fr")
    assert "lundi–vendredi 8h–19h" in hours and "samedi 9h–12h30" in hours
    assert "dimanche" in hours


def test_a_fact_the_faq_already_answers_yields_to_the_staff_text() -> None:
    """The address fact is left out: the FAQ asks "Quelle est votre adresse ?" itself,
    and that entry learns the fact's other phrasings."""
    knowledge = {entry.id: entry for entry in build_knowledge(FAQ, CLINIC)}
    assert "fact:address" not in knowledge
    assert "fact:languages" not in knowledge
    assert "Where are you located?" in knowledge["public-transport"].questions
    assert knowledge["public-transport"].answer("fr") == FAQ.entry("public-transport").answer.fr


def test_without_an_faq_every_fact_is_there() -> None:
    """A clinic with no FAQ still answers its address and languages from clinic.yaml."""
    ids = {entry.id for entry in build_knowledge(FaqFile(entries=[]), CLINIC)}
    assert {"fact:address", "fact:languages", "fact:hours", "fact:phone"} <= ids
    assert {f"fact:service:{s.id}" for s in CLINIC.services} <= ids


def test_upcoming_closures_are_mentioned_only_when_today_is_given() -> None:
    """Closures need a date: without one, none is said, so none can be stale."""

    def hours(today: date | None) -> str:
        entry = next(e for e in clinic_facts(CLINIC, today=today) if e.id == "fact:hours")
        return entry.answer("fr")

    assert "24/12/2026" in hours(date(2026, 12, 1))
    assert "24/12/2026" not in hours(None)
    assert "24/12/2026" not in hours(date(2027, 1, 10))


def test_breaks_are_cut_out_of_the_opening_hours() -> None:
    """A lunch break shows as two ranges."""
    week = WeeklySchedule.model_validate(
        {"mon": {"hours": "08:00-18:00", "breaks": ["12:00-14:00"]}}
    )
    clinic = CLINIC.model_copy(update={"opening_hours": week})
    entry = next(e for e in clinic_facts(clinic) if e.id == "fact:hours")
    assert "lundi 8h–12h et 14h–18h" in entry.answer("fr")
    assert "Monday 8:00–12:00 and 14:00–18:00" in entry.answer("en")


@pytest.mark.parametrize(
    "text",
    [
        "Can I pay in bitcoin?",
        "Avez-vous un dermatologue ?",
        "Quel temps fait-il à Lyon ?",
        "Où se garer et quels sont vos horaires ?",  # two questions at once: not sure
        "bonjour",
        "???",
        "",
    ],
)
def test_no_confident_answer_when_there_is_none(index: FaqIndex, text: str) -> None:
    """Out of scope, two topics at once or nothing to read: no answer."""
    assert index.best(text, "fr") is None


def test_search_ranks_candidates_best_first(index: FaqIndex) -> None:
    """search() lists candidates with scores, best first, even when best() declines."""
    found = index.search("Où se garer et quels sont vos horaires ?", "fr")
    assert [m.entry_id for m in found[:2]] in (
        ["parking", "fact:hours"],
        ["fact:hours", "parking"],
    )
    assert all(isinstance(m, Match) for m in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_a_large_faq_still_finds_the_right_entry() -> None:
    """Among 500 synthetic entries the sample FAQ's answers are still found."""
    filler = [
        KnowledgeEntry(
            id=f"synthetic-{n}",
            questions=(f"Question synthétique {n} sur le sujet {n % 37} et l'option {n % 11}",),
            answers=(("fr", f"Réponse {n}"), ("en", f"Answer {n}")),
            source="faq",
        )
        for n in range(500)
    ]
    index = FaqIndex([*build_knowledge(FAQ, CLINIC), *filler])
    assert best_id(index, "ou puis je me garer ?") == "parking"
    assert best_id(index, "Do you do home visits?", "en") == "home-visits"
