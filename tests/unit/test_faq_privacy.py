"""Masking personal data before a question leaves the process."""

from __future__ import annotations

import pytest

from faq.privacy import mask_personal_data


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("mon mail : marie.dupont+rdv@gmail.com", "marie.dupont", "[email]"),
        ("my email is john_smith@example.co.uk", "john_smith", "[email]"),
        ("appelez-moi au 06 12 34 56 78", "06 12 34 56 78", "[phone]"),
        ("tel 06.12.34.56.78", "06.12.34.56.78", "[phone]"),
        ("tel 0612345678", "0612345678", "[phone]"),
        ("tel +33 6 12 34 56 78", "6 12 34 56 78", "[phone]"),
        ("tel 0033 (0)6 12 34 56 78", "12 34 56 78", "[phone]"),
        ("call me on +44 20 7946 0958", "7946 0958", "[phone]"),
        ("call +1 (415) 555-0100", "555-0100", "[phone]"),
        ("je suis née le 12/03/1985", "12/03/1985", "[date]"),
        ("né le 12-03-85", "12-03-85", "[date]"),
        ("DOB 1985-03-12", "1985-03-12", "[date]"),
        ("née le 12 mars 1985", "12 mars 1985", "[date]"),
        ("born on March 12, 1985", "March 12, 1985", "[date]"),
        ("je suis né en 1985", "1985", "[date]"),
        ("mon numéro de sécu : 1 85 03 69 123 456 78", "123 456", "[social-security-number]"),
        ("NIR 185036912345678", "185036912345678", "[social-security-number]"),
        ("j'habite 5 rue des Acacias", "Acacias", "[address]"),
        ("dossier n° 12345678", "12345678", "[number]"),
        ("je m'appelle Marie Dupont", "Dupont", "[name]"),
        ("je m'appelle marie dupont", "dupont", "[name]"),
        ("my name is John Smith", "Smith", "[name]"),
        ("c'est pour mon fils Lucas", "Lucas", "[name]"),
        ("Mme Durand voudrait venir", "Durand", "[name]"),
        ("Merci, cordialement, Jean-Pierre Moreau", "Moreau", "[name]"),
    ],
)
def test_personal_data_is_masked(text: str, secret: str, placeholder: str) -> None:
    """The identifying part is gone and a placeholder says what was there."""
    masked = mask_personal_data(text)
    assert secret not in masked
    assert placeholder in masked


def test_everything_in_one_message() -> None:
    """A message full of identifiers keeps its question and loses every identifier."""
    text = (
        "Bonjour, je m'appelle Marie Dupont, née le 12/03/1985, tel 06 12 34 56 78, "
        "marie.dupont@example.com. Où puis-je me garer ?"
    )
    masked = mask_personal_data(text)
    for secret in ("Marie", "Dupont", "12/03/1985", "06 12 34 56 78", "example.com"):
        assert secret not in masked
    assert masked.endswith("Où puis-je me garer ?")


@pytest.mark.parametrize(
    "text",
    [
        "Où puis-je me garer ?",
        "Combien coûte un détartrage ? 43.38 € ?",
        "ma tension est à 150/95",
        "je suis enceinte de 3 mois",
        "Est-ce que Dr Martin parle anglais ?",
        "rdv à 14h30 mardi",
    ],
)
def test_ordinary_questions_are_left_alone(text: str) -> None:
    """Prices, measures, times and a practitioner's name are not personal data."""
    assert mask_personal_data(text) == text


def test_the_clinics_own_names_are_kept() -> None:
    """A practitioner named after a cue stays, so the question keeps its meaning."""
    masked = mask_personal_data("c'est pour Mme Petit", keep=["Sophie Petit"])
    assert masked == "c'est pour Mme Petit"
    assert mask_personal_data("c'est pour Mme Petit") == "c'est pour Mme [name]"
