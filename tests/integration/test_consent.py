"""The privacy notice as patients answer it: in words or buttons, in French or English.

Each test is a script of what a patient who has not agreed yet says or presses and
what the bot answers, through the real engine and flows, on SQLite and PostgreSQL.
Nothing is answered before they agree; everything they asked meanwhile is answered,
in order, once they do; nothing is kept if they refuse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.consent import KEEP_AT_MOST, NOTICE_IN_VIEW, PENDING
from bot.engine import Engine
from clinic.config import ClinicConfig
from storage.db import Database
from storage.models import ConsentRecord, Conversation
from tests.chat import MovableClock, ScriptedPatient

#: Wednesday 2 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
NOTICE_FR, NOTICE_EN = "Avant de commencer", "Before we start"
REMINDER_FR = "je garde votre message"


@pytest.fixture
def clock() -> MovableClock:
    """The test's clock, at START."""
    return MovableClock(START)


@pytest.fixture
def zoe(engine: Engine) -> ScriptedPatient:
    """A French-speaking patient who has not agreed to anything yet."""
    return ScriptedPatient(engine, "zoe", locale="fr", auto_consent=False)


@pytest.fixture
def bob(engine: Engine) -> ScriptedPatient:
    """An English-speaking patient who has not agreed to anything yet."""
    return ScriptedPatient(engine, "bob", locale="en", auto_consent=False)


def consent_of(engine: Engine, patient: ScriptedPatient) -> ConsentRecord | None:
    """The patient's consent in force, if any."""
    with engine.database.unit_of_work(read_only=True) as uow:
        record = uow.patients.by_identity(patient.channel, patient.sender_id)
        assert record is not None
        return uow.consents.current(record.id or 0)


def conversation_of(engine: Engine, patient: ScriptedPatient) -> Conversation:
    """The patient's conversation row as stored."""
    with engine.database.unit_of_work(read_only=True) as uow:
        return uow.session.exec(
            select(Conversation).where(
                Conversation.channel == patient.channel,
                Conversation.external_id == patient.sender_id,
            )
        ).one()


def store_kept(engine: Engine, patient: ScriptedPatient, kept: Any) -> None:
    """Overwrite what the conversation keeps aside (e.g. with a row of an older version)."""
    with engine.database.unit_of_work() as uow:
        conversation = uow.conversations.get_or_create_locked(
            patient.channel, patient.sender_id, "fr", now=START
        )
        conversation.data = {PENDING: kept}
        uow.conversations.save(conversation, now=START)
        uow.commit()


@pytest.mark.parametrize(
    "agreement", ["ok j'accepte", "oui", "d'accord", "je suis d'accord", "c bon", "👍", "ok"]
)
def test_typed_agreement_in_french_answers_the_first_request(
    zoe: ScriptedPatient, engine: Engine, agreement: str
) -> None:
    """Typing agreement instead of pressing the button gives consent; the request written
    before is answered, not replaced by the "ok"."""
    zoe.says("je voudrais un rendez-vous pour un vaccin")
    assert zoe.sees(NOTICE_FR) and not zoe.sees("Avec qui")
    zoe.says(agreement)
    assert zoe.sees("Avec qui"), "the vaccination booking goes on"
    assert not zoe.sees(NOTICE_FR)
    assert consent_of(engine, zoe) is not None


@pytest.mark.parametrize("agreement", ["I agree", "yes ok", "I accept", "agreed", "I agre"])
def test_typed_agreement_in_english_answers_the_first_request(
    bob: ScriptedPatient, engine: Engine, agreement: str
) -> None:
    """The same in English, typos tolerated."""
    bob.says("I would like an appointment for a vaccine")
    assert bob.sees(NOTICE_EN)
    bob.says(agreement)
    assert bob.sees("Who would you like to see")
    assert consent_of(engine, bob) is not None


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("zoe", "non merci"),
        ("zoe", "je refuse"),
        ("zoe", "je ne suis pas d'accord"),
        ("bob", "no thanks"),
        ("bob", "I don't agree"),
    ],
)
def test_typed_refusal_forgets_what_was_written(
    request: pytest.FixtureRequest, engine: Engine, who: str, refusal: str
) -> None:
    """A typed refusal is a refusal (not a request): how to reach the clinic, no consent,
    and the messages kept aside are dropped — agreeing later does not bring them back."""
    patient: ScriptedPatient = request.getfixturevalue(who)
    patient.says("je voudrais un rendez-vous pour un vaccin" if who == "zoe" else "a flu shot")
    patient.says(refusal)
    assert patient.sees("Sans votre accord" if who == "zoe" else "Without your agreement")
    assert patient.sees("+33 4 78 60 12 34")
    assert consent_of(engine, patient) is None
    assert PENDING not in conversation_of(engine, patient).data
    patient.presses("✅")
    assert patient.sees("bienvenue" if who == "zoe" else "welcome to"), "the welcome only"
    assert not patient.sees("Avec qui") and not patient.sees("Who would you like")


def test_every_message_before_agreeing_is_answered_in_order(zoe: ScriptedPatient) -> None:
    """Hello, a question about her appointments, a booking request, then the time she
    wants: after "ok", each is answered in turn, the booking carrying on from one to the
    next; the greeting gets the hello, not a second welcome."""
    zoe.says("bonjour")
    assert zoe.sees(NOTICE_FR)
    zoe.says("mes rendez-vous")
    zoe.says("je voudrais un rdv mardi avec le dentiste")
    zoe.says("10h")
    assert zoe.sees(REMINDER_FR) and not zoe.sees("mardi 8 décembre")
    zoe.says("ok")
    text = zoe.text
    assert text.startswith("Bonjour, ici l'assistant")
    assert text.count("bienvenue") == 0, "the greeting is not answered as a request"
    order = [text.find(s) for s in ("aucun rendez-vous", "mardi 8 décembre", "À quel nom")]
    assert -1 not in order and order == sorted(order), text


def test_a_request_after_the_notice_gets_a_short_reminder_not_the_notice_again(
    zoe: ScriptedPatient, clock: MovableClock
) -> None:
    """The notice is shown once; further messages get one line saying they are kept, with
    the same buttons. Back after a while, the patient sees the whole notice again."""
    zoe.says("bonjour")
    zoe.says("je voudrais un rdv")
    assert zoe.sees(REMINDER_FR) and not zoe.sees(NOTICE_FR)
    assert [c.data for c in zoe.choices] == ["cs:yes", "cs:no", "lang:en"]
    zoe.says("c'est pour un vaccin")
    assert zoe.sees(REMINDER_FR)
    clock.advance(NOTICE_IN_VIEW + timedelta(minutes=1))
    zoe.says("vous êtes là ?")
    assert zoe.sees(NOTICE_FR)


def test_agreeing_and_asking_in_one_message_asks_for_a_clear_agreement(
    zoe: ScriptedPatient, engine: Engine
) -> None:
    """ "oui je voudrais un rdv": consent must be unambiguous, so the request is kept and
    she is asked to agree; her next "oui" agrees and the request is answered."""
    zoe.says("bonjour")
    zoe.says("oui je voudrais un rdv pour un vaccin")
    assert zoe.sees(REMINDER_FR)
    assert consent_of(engine, zoe) is None
    zoe.says("oui")
    assert zoe.sees("Avec qui")


def test_words_that_decide_nothing_ask_again(zoe: ScriptedPatient, engine: Engine) -> None:
    """ "oui non" or "ok ?" is neither yes nor no: asked again, nothing recorded or kept."""
    zoe.says("je voudrais un rdv")
    for unclear in ("oui non", "ok ?", "merci"):
        zoe.says(unclear)
        assert zoe.sees("Acceptez-vous la notice"), unclear
    assert consent_of(engine, zoe) is None
    assert [m["text"] for m in conversation_of(engine, zoe).data[PENDING]] == ["je voudrais un rdv"]


def test_a_yes_before_seeing_the_notice_is_not_consent(
    zoe: ScriptedPatient, engine: Engine
) -> None:
    """A first message "ok" agrees to nothing: the patient has not read the notice yet."""
    zoe.says("ok")
    assert zoe.sees(NOTICE_FR)
    assert consent_of(engine, zoe) is None


def test_the_notice_offers_to_switch_language(engine: Engine) -> None:
    """A patient writing in English to a French clinic (no locale from the platform):
    the French notice has an "English" button; pressed, the notice again in English, and
    the conversation goes on in English."""
    ann = ScriptedPatient(engine, "ann", locale=None, auto_consent=False)
    ann.says("I would like an appointment for a vaccine")
    assert ann.sees(NOTICE_FR)
    ann.presses("English")
    assert ann.sees(NOTICE_EN)
    assert [c.label for c in ann.choices] == ["✅ I agree", "No thanks", "Français"]
    ann.presses("I agree")
    assert ann.sees("Who would you like to see")
    with engine.database.unit_of_work(read_only=True) as uow:
        patient = uow.patients.by_identity(ann.channel, ann.sender_id)
        assert patient is not None and patient.language == "en"


@pytest.mark.parametrize("asked", ["english", "en anglais", "in English please"])
def test_typing_a_language_before_agreeing_switches_to_it(engine: Engine, asked: str) -> None:
    """Naming a language does what its button does, and is not kept as a request."""
    ann = ScriptedPatient(engine, "ann", locale=None, auto_consent=False)
    ann.says("bonjour")
    ann.says(asked)
    assert ann.sees(NOTICE_EN)
    ann.says("yes")
    assert ann.sees("welcome to")


def test_a_greeting_or_telegram_start_is_not_answered_as_a_request(
    zoe: ScriptedPatient,
) -> None:
    """Telegram's /start, then "bonjour", then agreeing: the welcome once, nothing
    "not understood"."""
    zoe.says("/start")
    zoe.says("bonjour")
    zoe.presses("J'accepte")
    assert zoe.text.count("bienvenue") == 1
    assert not zoe.sees("pas compris")


def test_only_the_latest_messages_are_kept(zoe: ScriptedPatient, engine: Engine) -> None:
    """A patient who writes on and on: the last few messages are kept, the oldest dropped,
    and a message sent twice in a row is kept once."""
    zoe.says("bonjour")
    for number in range(KEEP_AT_MOST + 2):
        zoe.says(f"question numéro {number}")
    zoe.says(f"question numéro {KEEP_AT_MOST + 1}")
    kept = [m["text"] for m in conversation_of(engine, zoe).data[PENDING]]
    assert kept == [f"question numéro {n}" for n in range(2, KEEP_AT_MOST + 2)]


@pytest.mark.parametrize("answer", ["oui", "press"])
def test_a_request_kept_by_an_older_version_is_still_answered(
    zoe: ScriptedPatient, engine: Engine, answer: str
) -> None:
    """Conversations saved before lists were kept hold one message as a dict: agreeing,
    by the button or in words, answers it."""
    zoe.says("bonjour")
    store_kept(engine, zoe, {"kind": "text", "text": "mes rendez-vous", "button": None})
    if answer == "press":
        zoe.presses("J'accepte")
    else:
        zoe.says(answer)
    assert zoe.sees("aucun rendez-vous à venir")
    assert PENDING not in conversation_of(engine, zoe).data


def test_an_older_row_holding_only_a_greeting_shows_the_welcome(
    zoe: ScriptedPatient, engine: Engine
) -> None:
    """A bare "bonjour" kept by an older version is not replayed as a request."""
    zoe.says("bonjour")
    store_kept(engine, zoe, {"kind": "text", "text": "bonjour", "button": None})
    zoe.says("d'accord")
    assert zoe.text.count("bienvenue") == 1


def test_an_emergency_is_answered_before_the_notice(zoe: ScriptedPatient, engine: Engine) -> None:
    """Consent never stands between a patient and the emergency numbers; an "ok" after
    them acknowledges the emergency, it does not agree to the notice."""
    zoe.says("bonjour")
    zoe.says("je n'arrive plus à respirer")
    assert zoe.sees("112") and not zoe.sees(NOTICE_FR) and not zoe.sees(REMINDER_FR)
    zoe.says("ok")
    assert zoe.sees(NOTICE_FR)
    assert consent_of(engine, zoe) is None


def test_the_clinic_languages_decide_the_buttons(clinic: ClinicConfig, database: Database) -> None:
    """A clinic speaking only French offers no language button."""
    french = clinic.model_copy(
        update={"clinic": clinic.clinic.model_copy(update={"languages": ["fr"]})}
    )
    only_french = Engine(database, lambda: french, clock=MovableClock(START))
    paul = ScriptedPatient(only_french, "paul", auto_consent=False)
    paul.says("bonjour")
    assert [c.data for c in paul.choices] == ["cs:yes", "cs:no"]
    paul.says("english")
    assert paul.sees(NOTICE_FR)
