"""Telling requests for medical advice from practical questions, in French and English."""

from __future__ import annotations

import pytest

from faq.medical import is_medical_question


@pytest.mark.parametrize(
    "text",
    [
        "Que dois-je prendre pour une migraine ?",
        "qu'est-ce que je peux donner à mon fils pour la fièvre",
        "Can I take ibuprofen with my blood pressure pills?",
        "what should I take for a sore throat",
        "Quelle est la posologie du Doliprane pour un enfant ?",
        "how many mg of paracetamol a day",
        "J'ai mal au ventre depuis hier, c'est grave ?",
        "is it serious if my cough lasts two weeks?",
        "should I worry about a lump in my neck?",
        "Mon taux de fer est bas, c'est normal ?",
        "What do my results mean?",
        "Que veulent dire mes résultats ?",
        "What do my blood test results mean?",
        "J'ai de la fièvre depuis 3 jours",
        "I have a rash on my arm",
        "Je suis enceinte, je peux me faire vacciner ?",
        "Le vaccin contre la grippe est-il dangereux ?",
        "prescris-moi des antibiotiques",
        "j'ai la grippe, je fais quoi ?",
    ],
)
def test_medical_questions(text: str) -> None:
    """Advice on symptoms, medicines, doses and results is for the team."""
    assert is_medical_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "Où puis-je me garer ?",
        "Combien coûte une prise de sang ?",
        "Quand aurai-je mes résultats de prise de sang ?",
        "Where are my test results?",
        "Je tousse, dois-je porter un masque ?",
        "I have a cough, do I need to wear a mask?",
        "J'ai besoin d'un certificat médical pour le sport",
        "Que faire si je suis malade la nuit ?",
        "who do I call at night if my kid is sick?",
        "si j'ai 10 minutes de retard c'est grave ?",
        "Je voudrais renouveler mon ordonnance",
        "je n'ai plus de médicaments, il me faut une nouvelle ordonnance",
        "c'est combien le vaccin contre la grippe ?",
        "Can I get a sick note for work?",
        "",
    ],
)
def test_practical_questions(text: str) -> None:
    """Logistics around care — even around a symptom — are not medical advice."""
    assert not is_medical_question(text)
