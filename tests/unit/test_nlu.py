"""What patients type, and what carebot understands from it (``bot.nlu``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.nlu import (
    Intent,
    When,
    detect_intent,
    is_question,
    match_choice,
    match_practitioner,
    match_service,
    understand_when,
    warm_up,
)
from clinic.config import ClinicConfig
from clinic.model import PartOfDay
from common.text import normalize

PARIS = ZoneInfo("Europe/Paris")
#: A Wednesday morning.
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)
#: A Sunday, the last day of January (February has no 29th, 30th or 31st in 2027).
MONTH_END = datetime(2027, 1, 31, 10, 0, tzinfo=PARIS)
#: 01:30 in Paris on Sunday 28 March 2027; at 02:00 the clocks jump to 03:00.
BEFORE_DST = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
#: 00:30 in Paris on 28 March 2027, while it is still the 27th in UTC.
PARIS_PAST_MIDNIGHT = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)

MORNING, AFTERNOON, EVENING = PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING


def load_sample_clinic() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "examples" / "clinic.yaml"
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def clinic() -> ClinicConfig:
    return ClinicConfig.model_validate(load_sample_clinic())


def when(
    day: str | None = None,
    at: str | None = None,
    part: PartOfDay | None = None,
    problem: str | None = None,
) -> When:
    return When(
        day=date.fromisoformat(day) if day else None,
        at=time.fromisoformat(at) if at else None,
        part=part,
        problem=problem,  # type: ignore[arg-type]
    )


# --- normalize ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Déplacer   mon RDV !! ", "deplacer mon rdv"),
        ("Rendez-vous l'après-midi 👍", "rendez vous l apres midi"),
        ("ŒUVRE ÇA", "oeuvre ca"),
        ("quelqu’un", "quelqu un"),
        ("🙂🙂", ""),
        ("", ""),
    ],
)
def test_normalize_folds_case_accents_punctuation_and_emoji(text: str, expected: str) -> None:
    """Matching ignores case, accents, punctuation and emoji."""
    assert normalize(text) == expected


# --- detect_intent -----------------------------------------------------------

INTENTS = {
    Intent.BOOK: [
        "je voudrais un rendez-vous",
        "prendre rdv",
        "can I see the dentist on Friday?",
        "book",
        "réserver",
        "Bonjour, je voudrais prendre rdv chez le dentiste svp",
        "jveux un rdv",
        "rendevous demain",
        "appointement please",
        "I need to see a doctor",
        "rdv kiné mardi",
        "vous avez de la place demain ?",
        "avez-vous des disponibilités jeudi ?",
        "hi, I'd like to book a blood test",
        "help me book",
        "comment prendre rdv ?",
        "dentiste",
    ],
    Intent.MY_APPOINTMENTS: [
        "mes rdv",
        "my appointments",
        "quand est mon rendez-vous",
        "c'est quand mon rdv ?",
        "what time is my appointment?",
        "do I have an appointment tomorrow?",
        "mes rendez vous",
    ],
    Intent.RESCHEDULE: [
        "déplacer mon rdv",
        "reschedule",
        "reschedual",
        "changer l'heure",
        "move my appointment",
        "can I change my appointment to friday",
        "je voudrais déplacer mon rendez vous de jeudi",
    ],
    Intent.CANCEL: [
        "annuler mon rendez-vous",
        "cancel my appointment",
        "anuler mon rdv",
        "je voudrais annuler",
        "cancel it",
        "je ne pourrai pas venir demain",
        "I can't make it",
    ],
    Intent.MENU: ["annuler", "cancel", "menu", "retour", "back", "Annuler svp", "laisse tomber"],
    Intent.HUMAN: [
        "parler à quelqu'un",
        "un humain",
        "a real person",
        "talk to someone",
        "agent",
        "je voudrais parler au docteur",
        "pouvez vous me rappeler",
        "speak to a human please",
    ],
    Intent.YES: [
        "oui",
        "yes",
        "ok",
        "d'accord",
        "👍",
        "👍🏽",
        "ouiii",
        "OK merci",
        "oui je veux bien",
    ],
    Intent.NO: ["non", "no", "non merci", "nope", "👎", "non pas ce jour là"],
    Intent.STOP: ["stop", "arrêt", "ARRET", "STOPPPP", "stop les rappels", "unsubscribe"],
    Intent.GREETING: ["bonjour", "hello", "salut", "coucou", "bonjour docteur", "Bonsoir !"],
    Intent.THANKS: ["merci", "thanks", "mercii", "thank you very much", "merci beaucoup 🙏"],
    Intent.HELP: ["aide", "help", "j'ai besoin d'aide", "aidez-moi svp"],
    Intent.LANGUAGE: [
        "english",
        "français",
        "langue",
        "do you speak english?",
        "changer de langue",
    ],
    Intent.UNKNOWN: [
        "où se garer ?",
        "is there parking?",
        "quels sont vos horaires",
        "combien coûte une consultation ?",
        "bonjour, où se garer ?",
        "Hello, what are your opening hours?",
        # Look-alikes of intent words, which typo tolerance must not swallow:
        "j'ai un cancer",  # cancel
        "bilan annuel",  # annulé
        "combien d'argent",  # agent
        "longue attente",  # langue
        "quel arrêt de bus ?",  # arrêt (STOP would unsubscribe the patient)
        "",
        "🙂",
        "asdfghjkl",
    ],
}


@pytest.mark.parametrize(
    ("text", "intent"),
    [(text, intent) for intent, texts in INTENTS.items() for text in texts],
)
def test_detect_intent_reads_what_patients_type(text: str, intent: Intent) -> None:
    """Short French/English messages, typos and emoji included, map to the right intent."""
    assert detect_intent(text) is intent


def test_a_long_message_is_read_from_its_start() -> None:
    """A pasted novel does not slow the bot down nor hide the request at its start."""
    assert detect_intent("je voudrais un rendez-vous " + "blabla " * 1000) is Intent.BOOK


# --- match_service and match_practitioner --------------------------------------


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("dentiste", "dental-checkup"),
        ("dentsite", "dental-checkup"),
        ("prise de sang", "blood-test"),
        ("analyse de sang", "blood-test"),
        ("blood test", "blood-test"),
        ("kiné", "physio"),
        ("j'ai mal au dos", "physio"),
        ("vaccin grippe", "vaccination"),
        ("vacin", "vaccination"),
        ("détartrage", "dental-cleaning"),
        ("dental cleaning", "dental-cleaning"),
        ("consultation", "consult-gp"),
        ("certificat de sport", "certificate"),
        ("Consultation dentaire", "dental-checkup"),
        ("je veux un rdv", None),
        ("covid test", None),  # vaccination or blood test: ask
        ("", None),
    ],
)
def test_match_service_from_names_and_keywords(
    clinic: ClinicConfig, text: str, service: str | None
) -> None:
    """Services are found by name or keyword, accents and typos aside; unsure → None."""
    assert match_service(text, clinic, "fr") == service


def test_match_service_reads_english_names(clinic: ClinicConfig) -> None:
    """An English-speaking patient names services in English."""
    assert match_service("General consultation", clinic, "en") == "consult-gp"
    assert match_service("physiotherapy session please", clinic, "en") == "physio"


def test_a_keyword_of_punctuation_only_is_ignored() -> None:
    """Staff may write an odd keyword; it matches nothing and breaks nothing."""
    data = load_sample_clinic()
    data["services"][0]["keywords"].append("!!")
    odd = ClinicConfig.model_validate(data)
    assert match_service("dentiste", odd, "fr") == "dental-checkup"


@pytest.mark.parametrize(
    ("text", "practitioner"),
    [
        ("Dr Martin", "dr-martin"),
        ("martin", "dr-martin"),
        ("le docteur Benali", "dr-benali"),
        ("Claire", "dr-martin"),
        ("avec Thomas", "kine-durand"),
        ("Dr Roussell", "dr-roussel"),
        ("la dentiste", "dr-roussel"),
        ("l'infirmière", "ide-petit"),
        ("Mme Petit", "ide-petit"),
        ("un petit rdv demain", None),  # "petit" is a word before it is a surname
        ("un médecin", None),  # two general practitioners
        ("xyz", None),
    ],
)
def test_match_practitioner_by_name_or_unique_title(
    clinic: ClinicConfig, text: str, practitioner: str | None
) -> None:
    """Practitioners are found by surname, given name or a title only they hold."""
    assert match_practitioner(text, clinic) == practitioner


# --- match_choice --------------------------------------------------------------

SLOTS = ["Jeu. 3 déc. 09:00", "Jeu. 3 déc. 09:15", "Ven. 4 déc. 14:30"]
DOCTORS = ["Dr Claire Martin", "Dr Karim Benali"]


@pytest.mark.parametrize(
    ("text", "labels", "index"),
    [
        ("2", DOCTORS, 1),
        ("1", DOCTORS, 0),
        ("option 2", SLOTS, 1),
        ("le premier", SLOTS, 0),
        ("the first one", SLOTS, 0),
        ("la dernière", SLOTS, 2),
        ("the last", SLOTS, 2),
        ("9h15", SLOTS, 1),
        ("14h30", SLOTS, 2),
        ("2h30", SLOTS, 2),  # nobody books 2:30 a.m.
        ("vendredi", SLOTS, 2),
        ("Ven. 4 déc. 14:30", SLOTS, 2),
        ("martin", DOCTORS, 0),
        ("Dr Benali svp", DOCTORS, 1),
        ("benalli", DOCTORS, 1),
        ("jeudi", SLOTS, None),  # two Thursday slots
        ("3", SLOTS, None),  # the third button, or the slots of the 3rd?
        ("9h30", SLOTS, None),  # not offered
        ("dr", DOCTORS, None),
        ("aucun", SLOTS, None),
        ("pas le premier", SLOTS, None),
        ("5", DOCTORS, None),
        ("", DOCTORS, None),
        ("1", [], None),
    ],
)
def test_match_choice_from_free_text(text: str, labels: list[str], index: int | None) -> None:
    """A patient may type a number, an ordinal, a time or words of the label they want."""
    assert match_choice(text, labels) == index


# --- understand_when -----------------------------------------------------------

WHEN_FR = [
    ("demain", when("2026-12-03")),
    ("demain après-midi", when("2026-12-03", part=AFTERNOON)),
    ("demain aprem", when("2026-12-03", part=AFTERNOON)),
    ("après-demain", when("2026-12-04")),
    ("aujourd'hui", when("2026-12-02")),
    ("ce soir", when("2026-12-02", part=EVENING)),
    ("mardi", when("2026-12-08")),
    ("mercredi", when("2026-12-09")),  # today is a Wednesday: the next one
    ("aujourd'hui mercredi", when("2026-12-02")),
    ("mardi prochain 15h", when("2026-12-08", "15:00")),
    ("mardi à 15h30", when("2026-12-08", "15:30")),
    ("mardi à 9", when("2026-12-08", "09:00")),
    ("mardi de la semaine prochaine", when("2026-12-08")),
    ("le 3", when("2026-12-03")),
    ("le 1er", when("2027-01-01")),
    ("le 2", when("2026-12-02")),
    ("le 3 décembre", when("2026-12-03")),
    ("le 3 à 9h", when("2026-12-03", "09:00")),
    ("15 janvier", when("2027-01-15")),
    ("3/12", when("2026-12-03")),
    ("12/03", when("2027-03-12")),
    ("2026-12-24", when("2026-12-24")),
    ("dans 2 semaines", when("2026-12-16")),
    ("dans quinze jours", when("2026-12-16")),
    ("deux semaines", when("2026-12-16")),  # read by dateparser
    ("dans 2 heures", when("2026-12-02", "12:00")),
    ("matin", when(part=MORNING)),
    ("le matin", when(part=MORNING)),
    ("apres midi", when(part=AFTERNOON)),
    ("15h", when(at="15:00")),
    ("15h30", when(at="15:30")),
    ("15:30", when(at="15:30")),
    ("à 9h", when(at="09:00")),
    ("à midi", when(at="12:00")),
    ("demain 3h", when("2026-12-03", "15:00")),  # nobody books 3 a.m.
    ("demain 7h30", when("2026-12-03", "07:30")),  # the nurse starts at 07:30
    ("8h du soir", when(at="20:00", part=EVENING)),
    ("Je voudrais demain matin vers 10h svp", when("2026-12-03", "10:00", MORNING)),
    ("tommorow", when("2026-12-03")),
    ("mecredi matin", when("2026-12-09", part=MORNING)),
    ("hier", when("2026-12-01", problem="past")),
    ("1er janvier 2020", when("2020-01-01", problem="past")),
    ("le 1er décembre", when("2026-12-01", problem="past")),
    ("aujourd'hui à 9h", when("2026-12-02", "09:00", problem="past")),
    ("mardi 3 décembre", when(problem="ambiguous")),  # the 3rd is a Thursday
    ("la semaine prochaine", when(problem="ambiguous")),  # a week, not a day
    ("bonjour", None),
    ("Dr Martin", None),
    ("je voudrais un rdv", None),
    ("31/02", None),
    ("", None),
]

WHEN_EN = [
    ("next Friday morning", when("2026-12-04", part=MORNING)),
    ("tomorrow at 3pm", when("2026-12-03", "15:00")),
    ("tomorrow at 3:30 p.m.", when("2026-12-03", "15:30")),
    ("friday", when("2026-12-04")),
    ("on the 3rd", when("2026-12-03")),
    ("Dec 3", when("2026-12-03")),
    ("December the 3rd", when("2026-12-03")),
    ("in 2 weeks", when("2026-12-16")),
    ("in a fortnight", when("2026-12-16")),
    ("3 weeks from now", when("2026-12-23")),
    ("3 weeks", when("2026-12-23")),  # read by dateparser
    ("this afternoon", when("2026-12-02", part=AFTERNOON)),
    ("tonight", when("2026-12-02", part=EVENING)),
    ("morning", when(part=MORNING)),
    ("3pm", when(at="15:00")),
    ("12am", when(at="00:00")),
    ("yesterday", when("2026-12-01", problem="past")),
    ("13/03", when("2027-03-13")),
    ("03/13", when("2027-03-13")),
    ("12/03", when(problem="ambiguous")),
    ("3/12", when(problem="ambiguous")),
    ("12/12", when("2026-12-12")),
    ("good morning", None),
]

WHEN_MONTH_END = [
    ("demain", when("2027-02-01")),
    ("le 31", when("2027-01-31")),
    ("le 30", when("2027-03-30")),  # no 30 February
    ("le 3", when("2027-02-03")),
    ("dans 1 mois", when("2027-02-28")),
    ("lundi", when("2027-02-01")),
    ("dimanche", when("2027-02-07")),
    ("le 31 à 9h", when("2027-01-31", "09:00", problem="past")),
    ("ce matin", when("2027-01-31", part=MORNING)),
    ("5/2", when("2027-02-05")),
]


@pytest.mark.parametrize(("text", "expected"), WHEN_FR)
def test_understand_when_in_french(text: str, expected: When | None) -> None:
    """French dates and times, relative to Wednesday 2 December 2026, 10:00 in Paris."""
    assert understand_when(text, now=NOW, zone=PARIS, language="fr") == expected


@pytest.mark.parametrize(("text", "expected"), WHEN_EN)
def test_understand_when_in_english(text: str, expected: When | None) -> None:
    """English dates: month/day only when it cannot be day/month, else ambiguous."""
    assert understand_when(text, now=NOW, zone=PARIS, language="en") == expected


@pytest.mark.parametrize(("text", "expected"), WHEN_MONTH_END)
def test_understand_when_at_a_month_end(text: str, expected: When | None) -> None:
    """On Sunday 31 January, dates roll into February (which has no 30th) and March."""
    assert understand_when(text, now=MONTH_END, zone=PARIS, language="fr") == expected


def test_this_morning_in_the_afternoon_is_past() -> None:
    """Asking for "this morning" once the morning is over is pointed out as past."""
    afternoon = NOW.replace(hour=15)
    found = understand_when("ce matin", now=afternoon, zone=PARIS, language="fr")
    assert found == when("2026-12-02", part=MORNING, problem="past")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aujourd'hui", when("2027-03-28")),
        ("demain", when("2027-03-29")),
        ("dimanche", when("2027-04-04")),
    ],
)
def test_days_are_local_when_now_is_given_in_utc(text: str, expected: When) -> None:
    """At 00:30 in Paris it is still yesterday in UTC: days are the clinic's local days."""
    found = understand_when(text, now=PARIS_PAST_MIDNIGHT, zone=PARIS, language="fr")
    assert found == expected


def test_hours_from_now_cross_the_dst_change() -> None:
    """Two hours after 01:30 on the night clocks spring forward is 04:30, not 03:30."""
    found = understand_when("dans 2 heures", now=BEFORE_DST, zone=PARIS, language="fr")
    assert found == when("2027-03-28", "04:30")


def test_a_wall_clock_time_on_the_dst_day_is_kept_as_written() -> None:
    """The local time asked for is returned as is; turning it into an instant is the flow's job."""
    found = understand_when("demain 10h", now=BEFORE_DST, zone=PARIS, language="fr")
    assert found == when("2027-03-29", "10:00")


def test_warm_up_loads_dateparser_ahead_of_patients() -> None:
    """Bootstrap can pay dateparser's loading time before the first patient writes."""
    warm_up()
    found = understand_when("3 weeks", now=NOW, zone=PARIS, language="en")
    assert found == when("2026-12-23")


# --- robustness ----------------------------------------------------------------

ODD_TEXTS = [
    "",
    " ",
    "🙂" * 50,
    "x" * 5000,
    "demain " * 800,
    "غدا في الساعة الثالثة",  # Arabic, right to left
    "\u202edemain\u202c",  # RTL override around a word
    "\u200b\u200d\ufeff",
    "le 99",
    "99/99/9999",
    "31/12/9999",
    "dans 999 mois",
    "dans 999 semaines",
    "25h61",
    "le 0",
    "\x00\x01\x02",
    "𝓭𝓮𝓶𝓪𝓲𝓷",  # mathematical letters that NFKD folds into "demain"
    "١٢/٣",  # Arabic-Indic digits
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_inputs_never_raise(clinic: ClinicConfig, text: str) -> None:
    """Emoji, RTL text, control characters and huge messages are answered, not crashed on."""
    detect_intent(text)
    match_service(text, clinic, "fr")
    match_practitioner(text, clinic)
    match_choice(text, SLOTS)
    for language in ("fr", "en"):
        understand_when(text, now=NOW, zone=PARIS, language=language)


_DATEISH = st.lists(
    st.sampled_from(
        [*"0123456789/:.-h ", "le ", "dans ", "mois", "semaines", "pm", "demain", "à ", "er"]
    )
).map("".join)


@settings(deadline=None, max_examples=300)
@given(text=st.one_of(st.text(), _DATEISH), language=st.sampled_from(["fr", "en"]))
def test_understand_when_never_raises(text: str, language: str) -> None:
    """Any text gets an answer, and a date without a problem is never in the past."""
    found = understand_when(text, now=NOW, zone=PARIS, language=language)
    if found is not None and found.day is not None and found.problem is None:
        assert found.day >= NOW.date()


@settings(deadline=None, max_examples=200)
@given(
    now=st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, PARIS, ZoneInfo("America/New_York")]),
    ),
    text=st.sampled_from([text for text, _ in WHEN_FR + WHEN_EN]),
)
def test_understand_when_works_from_any_now(now: datetime, text: str) -> None:
    """Whatever the day, known phrases are read without error and never land in the past."""
    found = understand_when(text, now=now, zone=PARIS, language="fr")
    if found is not None and found.day is not None and found.problem is None:
        assert found.day >= now.astimezone(PARIS).date()


@settings(deadline=None, max_examples=300)
@given(text=st.text(), labels=st.lists(st.text(), max_size=6))
def test_matchers_never_raise(clinic: ClinicConfig, text: str, labels: list[str]) -> None:
    """Intent, service, practitioner and choice matching take any text."""
    assert isinstance(detect_intent(text), Intent)
    match_service(text, clinic, "en")
    match_practitioner(text, clinic)
    index = match_choice(text, labels)
    assert index is None or 0 <= index < len(labels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Où puis-je me garer ?", True),
        ("combien coute une prise de sang", True),
        ("quels sont vos horaires", True),
        ("is there parking", True),
        ("je voudrais une prise de sang", False),
        ("prise de sang", False),
        ("dentiste mardi", False),
    ],
)
def test_is_question_tells_questions_from_requests(text: str, expected: bool) -> None:
    """A question goes to the FAQ; a bare request for a service goes to booking."""
    assert is_question(text) is expected
