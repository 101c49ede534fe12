"""Conversations as a patient lives them: booking, moving, cancelling, in French and English.

Each test is a script of what the patient says or presses and what the bot
answers, through the real engine and flows, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from sqlmodel import col, select

from bot.engine import Engine
from bot.logs import configure_logging
from bot.messages import Inbound, InboundKind
from clinic.config import ClinicConfig
from clinic.model import Slot
from storage.db import Database
from storage.models import Appointment, OutboxMessage, TurnLog
from tests.chat import MovableClock, ScriptedPatient, plain

#: Wednesday 2 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    """The test's clock, at START."""
    return MovableClock(START)


@pytest.fixture
def alice(engine: Engine) -> ScriptedPatient:
    """A French-speaking patient on the terminal channel."""
    return ScriptedPatient(engine, "alice", locale="fr")


@pytest.fixture
def bob(engine: Engine) -> ScriptedPatient:
    """An English-speaking patient."""
    return ScriptedPatient(engine, "bob", locale="en")


def appointments(engine: Engine) -> list[Appointment]:
    """Every appointment in the database, oldest first."""
    with engine.database.unit_of_work(read_only=True) as uow:
        return list(uow.session.exec(select(Appointment).order_by(Appointment.id)))  # type: ignore[arg-type]


def book_gp(patient: ScriptedPatient, *, day_index: int = 2, slot_index: int = 0) -> None:
    """Book a GP consultation with the first available doctor, all by buttons; by default
    on the third day offered, outside the 24-hour cancellation cut-off."""
    patient.says("/start")
    patient.presses("rendez-vous" if patient.locale == "fr" else "Book")
    patient.presses("médecine générale" if patient.locale == "fr" else "General consultation")
    patient.presses("premier disponible" if patient.locale == "fr" else "First available")
    patient.press_data(patient.choices[day_index].data)
    patient.press_data(patient.choices[slot_index].data)  # a time that day
    if patient.sees("nom") or patient.sees("name"):
        patient.says("Alice Martin" if patient.locale == "fr" else "Bob Smith")
    if patient.sees("téléphone") or patient.sees("phone number"):
        patient.shares_contact("33612345678")
    patient.presses("Confirm")


def test_a_full_booking_in_french_with_buttons(alice: ScriptedPatient, engine: Engine) -> None:
    """Service with price and duration → first available → day → time → name → contact →
    summary → booked, with an .ics file carrying the clinic's address."""
    alice.says("/start")
    assert alice.sees("bienvenue au Centre médical Lumière")
    alice.presses("Prendre rendez-vous")
    assert alice.sees("Pour quel type de rendez-vous")
    gp = alice.choice("Consultation de médecine générale")
    assert "20 min" in gp.label and "30,00 €" in plain(gp.label)
    alice.press_data(gp.data)
    assert alice.sees("Avec qui")
    alice.presses("premier disponible")
    # Wednesday 09:00 with 2 h notice: the first free GP day is today (Dr Benali, afternoon).
    assert alice.choices[0].label.startswith("mer. 2 déc.")
    alice.presses("mer. 2 déc.")
    assert alice.sees("Créneaux libres le mercredi 2 décembre")
    assert alice.choices[0].label == "11:00 · Dr Karim Benali"
    alice.presses("11:00")
    assert alice.sees("À quel nom")
    alice.says("Alice Martin")
    assert alice.sees("numéro de téléphone")
    assert alice.replies[-1].contact_button == "📱 Partager mon numéro"
    alice.shares_contact("33612345678")
    assert alice.sees("Je récapitule")
    assert alice.sees("mercredi 2 décembre à 11:00")
    assert alice.sees("Dr Karim Benali") and alice.sees("30,00 €") and alice.sees("20 min")
    assert not appointments(engine), "nothing is booked before the patient confirms"
    alice.presses("Confirmer")
    assert alice.sees("C'est réservé ✅")
    ics = alice.replies[0].document
    assert ics is not None and ics.filename.endswith(".ics")
    assert b"LOCATION:12 rue des Lilas" in ics.content
    assert b"DTSTART:20261202T100000Z" in ics.content
    [booked] = appointments(engine)
    assert (booked.practitioner_id, booked.service_id) == ("dr-benali", "consult-gp")
    assert booked.start == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    with engine.database.unit_of_work(read_only=True) as uow:
        patient = uow.patients.get(booked.patient_id)
        assert patient is not None
        assert (patient.display_name, patient.phone) == ("Alice Martin", "+33612345678")


def test_a_full_booking_in_english(bob: ScriptedPatient, engine: Engine) -> None:
    """The same booking in English, with English dates, times and prices."""
    bob.says("/start")
    assert bob.sees("welcome to Centre médical Lumière")
    bob.presses("Book an appointment")
    assert "€30.00" in plain(bob.choice("General consultation").label)
    bob.presses("General consultation")
    bob.presses("First available")
    bob.presses("Wed, Dec 2")
    assert bob.sees("Free times on Wednesday, December 2")
    assert plain(bob.choices[0].label) == "11:00 AM · Dr Karim Benali"
    bob.press_data(bob.choices[0].data)
    bob.says("Bob Smith")
    bob.says("+44 7911 123456")
    assert bob.sees("Let me sum up") and bob.sees("Wednesday, December 2 at 11:00 AM")
    bob.presses("Confirm")
    assert bob.sees("You're booked ✅")
    assert len(appointments(engine)) == 1


def test_a_booking_from_a_free_text_sentence(bob: ScriptedPatient) -> None:
    """ "Can I see the dentist next Friday morning?" pre-fills the service, the day and the
    part of day, echoes the date back, and offers only that morning's times."""
    bob.says("/start")
    bob.says("can I see the dentist next Friday morning?")
    assert bob.sees("Got it: Friday, December 4 in the morning")
    assert bob.sees("Free times on Friday, December 4")
    times = [c.label for c in bob.choices if c.data.startswith("s:")]
    assert times and all(label.endswith("AM") for label in times)
    bob.press_data(bob.choices[0].data)
    bob.says("Bob Smith")
    bob.says("07911 123456")
    assert bob.sees("valid"), "a UK number without country code is not valid in France"
    bob.says("+44 7911 123456")
    assert bob.sees("Dental check-up") and bob.sees("Dr Hélène Roussel")
    bob.presses("Confirm")
    assert bob.sees("booked")


def test_a_free_text_date_in_the_day_step_is_echoed_and_past_dates_are_refused(
    alice: ScriptedPatient,
) -> None:
    """At the day step the patient can type "demain après-midi"; "hier" is refused."""
    alice.says("/start")
    alice.says("je voudrais une prise de sang")
    assert alice.sees("Avec qui")
    alice.presses("premier disponible")
    alice.says("hier")
    assert alice.sees("déjà passée")
    alice.says("vendredi matin")
    assert alice.sees("C'est noté : vendredi 4 décembre le matin")
    assert alice.sees("Créneaux libres le vendredi 4 décembre")


def test_rescheduling_moves_the_appointment_and_releases_the_old_time(
    alice: ScriptedPatient, engine: Engine
) -> None:
    """Move #1 → new day and time → confirm: the new time is booked and the old one freed."""
    book_gp(alice)
    [old] = appointments(engine)
    alice.presses("Mes rendez-vous")
    assert alice.sees("Vos prochains rendez-vous") and alice.sees("vendredi 4 décembre à 08:30")
    alice.presses("Déplacer n°1")
    assert alice.sees("Déplaçons votre rendez-vous du vendredi 4 décembre à 08:30")
    alice.presses("lun. 7 déc.")
    alice.says("9h")  # a full day shows a sample of its times: typing one finds it
    assert alice.sees("C'est noté : lundi 7 décembre vers 09:00")
    alice.presses("09:00")
    assert alice.sees("Je déplace votre rendez-vous") and alice.sees("lundi 7 décembre à 09:00")
    alice.presses("Confirmer")
    assert alice.sees("C'est déplacé ✅")
    rows = appointments(engine)
    assert [a.status for a in rows] == ["cancelled", "booked"]
    assert rows[1].rescheduled_from_id == old.id
    assert rows[1].practitioner_id == old.practitioner_id
    alice.presses("Mes rendez-vous")
    assert alice.sees("lundi 7 décembre à 09:00") and not alice.sees("vendredi 4 décembre")


def test_cancelling_takes_one_tap_then_asks_why(alice: ScriptedPatient, engine: Engine) -> None:
    """Cancel #1 → yes: cancelled at once; the optional reason is recorded afterwards."""
    book_gp(alice, slot_index=3)
    alice.says("mes rendez-vous")
    alice.presses("Annuler n°1")
    assert alice.sees("Annuler ce rendez-vous ?")
    alice.presses("Oui, annuler")
    assert alice.sees("C'est annulé")
    assert appointments(engine)[0].status == "cancelled"
    assert alice.sees("pourquoi")
    alice.presses("Je vais mieux")
    assert alice.sees("Merci")
    assert appointments(engine)[0].cancel_reason == "better"


def test_cancelling_inside_the_cutoff_is_refused_and_offers_a_person(
    alice: ScriptedPatient, engine: Engine, clock: MovableClock
) -> None:
    """Less than 24 h before: explain, give the phone number, offer a person; keep the booking."""
    clock.set(datetime(2026, 12, 3, 7, 0, tzinfo=UTC))
    book_gp(alice, day_index=0)
    [booked] = appointments(engine)
    assert booked.start - clock.now < timedelta(hours=24)
    alice.says("je veux annuler mon rendez-vous")
    assert alice.sees("moins de 24 h") and alice.sees("+33 4 78 60 12 34")
    assert alice.choice("Parler à quelqu'un")
    assert appointments(engine)[0].status == "booked"


def test_a_slot_taken_meanwhile_is_not_booked_and_the_nearest_are_offered(
    alice: ScriptedPatient, engine: Engine, clock: MovableClock
) -> None:
    """Alice reaches the summary; someone else books that time; her confirmation says so
    and offers the nearest free times instead."""
    alice.says("/start")
    alice.presses("Prendre rendez-vous")
    alice.presses("Vaccination")
    alice.presses("Sophie Petit")
    alice.presses("jeu. 3 déc.")
    alice.presses("07:30")
    alice.says("Alice Martin")
    alice.says("06 12 34 56 78")
    assert alice.sees("Je récapitule")
    taken = Slot(
        datetime(2026, 12, 3, 6, 30, tzinfo=UTC),
        datetime(2026, 12, 3, 6, 45, tzinfo=UTC),
        datetime(2026, 12, 3, 6, 45, tzinfo=UTC),
        "ide-petit",
        "vaccination",
    )
    with engine.database.unit_of_work() as uow:
        other = uow.patients.create_with_identity("terminal", "carol", "fr", now=clock.now)
        assert uow.appointments.book(
            patient_id=other.id or 0, slot=taken, actor="patient", now=clock.now
        )
        uow.commit()
    alice.presses("Confirmer")
    assert alice.sees("vient d'être pris") or alice.sees("n'est plus disponible")
    assert not alice.sees("C'est réservé")
    offered = [c.label for c in alice.choices if c.data.startswith("s:")]
    assert offered and not any(label.endswith("07:30") for label in offered)
    assert len(appointments(engine)) == 1


def test_stale_buttons_get_a_clear_answer_and_change_nothing(
    alice: ScriptedPatient, engine: Engine, clock: MovableClock
) -> None:
    """An old slot button, a cancelled appointment's button, a slot from yesterday."""
    book_gp(alice)
    old_slot_button = next(
        r for r in alice.history if r.choices and r.choices[0].data.startswith("s:")
    )
    alice.press_data(old_slot_button.choices[1].data)
    assert alice.sees("n'est plus valable")
    assert len(appointments(engine)) == 1
    [booked] = appointments(engine)
    alice.says("mes rendez-vous")
    alice.presses("Annuler n°1")
    alice.presses("Oui, annuler")
    alice.press_data(f"cx:{booked.id}")
    assert alice.sees("déjà passé ou annulé")
    alice.press_data(f"mv:{booked.id}")
    assert alice.sees("déjà passé ou annulé")
    # A time offered yesterday, pressed today in a booking in progress.
    alice.says("/book")
    alice.presses("médecine générale")
    alice.presses("premier disponible")
    alice.press_data(alice.choices[0].data)
    yesterday_button = alice.choices[0].data
    clock.advance(timedelta(days=1))
    alice.press_data(yesterday_button)
    assert alice.sees("n'est plus disponible") or alice.sees("n'est plus valable")
    assert [a.status for a in appointments(engine)] == ["cancelled"]


def test_switching_language_mid_flow_keeps_the_booking_going(alice: ScriptedPatient) -> None:
    """/language during booking → English → the same question again, in English."""
    alice.says("/book")
    alice.presses("médecine générale")
    assert alice.sees("Avec qui")
    alice.says("/language")
    alice.presses("English")
    assert alice.sees("continue in English")
    assert alice.sees("Who would you like to see?")
    alice.presses("First available")
    assert alice.sees("Which day")


def test_menu_and_annuler_leave_any_flow(alice: ScriptedPatient) -> None:
    """ "annuler" or "menu" mid-flow goes back to the menu, nothing booked."""
    alice.says("/book")
    alice.presses("Vaccination")
    alice.says("annuler")
    assert alice.sees("on s'arrête là") and alice.sees("Que souhaitez-vous faire")
    alice.says("/book")
    alice.says("menu")
    assert alice.sees("Que souhaitez-vous faire")


def test_two_misunderstandings_in_a_row_offer_a_person(alice: ScriptedPatient) -> None:
    """Gibberish at a step re-prompts with the options; the second time, a person is offered."""
    alice.says("/book")
    alice.says("blorp")
    assert alice.sees("je n'ai pas compris") and alice.sees("Pour quel type")
    assert not alice.sees("parler à une personne")
    alice.says("zzzz qqq")
    assert alice.sees("parler à une personne de l'équipe")
    assert alice.choice("Parler à quelqu'un")
    alice.presses("Vaccination")
    alice.says("xyzzy")
    assert not alice.sees("parler à une personne"), "the count restarts after an answer"


def test_a_message_delivered_twice_is_processed_once(engine: Engine) -> None:
    """The same channel message id twice: the second delivery gets no reply and no effect."""
    message = Inbound("telegram", "42", "update-1", InboundKind.TEXT, text="/start", locale="fr")
    assert engine.handle(message)
    assert engine.handle(message) == []


def test_odd_inputs_get_a_clear_answer(alice: ScriptedPatient) -> None:
    """Stickers, empty text, 5,000 characters, emoji, right-to-left text: an answer each."""
    alice.says("/book")
    alice.sends_sticker()
    assert alice.sees("messages écrits") and alice.sees("Pour quel type")
    for text in ["", "   ", "a" * 5000, "🦷🦷🦷", "مرحبا أريد موعد", "\x00\x07"]:
        replies = alice.says(text)
        assert replies, f"no reply to {text[:20]!r}"
    alice.says("dentiste")
    assert alice.sees("Quel jour")


def test_a_restart_in_the_middle_of_a_conversation_continues_it(
    engine: Engine, clinic: ClinicConfig, clock: MovableClock
) -> None:
    """A new engine (a restarted process) on the same database picks up at the same step."""
    first = ScriptedPatient(engine, "dora", locale="fr")
    first.says("/book")
    first.presses("Vaccination")
    assert first.sees("Avec qui")
    restarted = Engine(engine.database, lambda: clinic, clock=clock)
    again = ScriptedPatient(restarted, "dora", locale="fr")
    again.press_data(first.choice("Sophie Petit").data)
    assert again.sees("Quel jour")


def test_every_turn_is_logged_without_personal_data(alice: ScriptedPatient, engine: Engine) -> None:
    """Turn logs record flow, step and latency; neither they nor the log lines carry names,
    phone numbers or message texts."""
    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    try:
        book_gp(alice)
    finally:
        structlog.reset_defaults()
    with engine.database.unit_of_work(read_only=True) as uow:
        turns = list(uow.session.exec(select(TurnLog)))
    assert len(turns) >= 7
    assert {t.flow for t in turns} >= {"booking", "menu"}
    assert all(t.latency_ms > 0 for t in turns)
    logged = buffer.getvalue()
    assert '"event": "turn"' in logged
    for secret in ("Alice Martin", "33612345678", "+33612345678", "médecine"):
        assert secret not in logged


def test_stop_opts_out_and_start_opts_back_in(alice: ScriptedPatient, engine: Engine) -> None:
    """/stop or "STOP" (even mid-flow) records the opt-out; /start turns messages back on."""
    alice.says("/book")
    alice.says("STOP")
    assert alice.sees("vous ne recevrez plus de rappels")

    def opted_out() -> bool:
        with engine.database.unit_of_work(read_only=True) as uow:
            patient = uow.patients.by_identity("terminal", "alice")
            assert patient is not None
            return patient.opted_out

    assert opted_out()
    alice.says("/start")
    assert alice.sees("Les rappels sont réactivés") and alice.sees("bienvenue")
    assert not opted_out()
    alice.says("/stop")
    assert opted_out()


def test_the_same_person_on_two_channels_is_linked_once_they_confirm(
    engine: Engine, clock: MovableClock
) -> None:
    """Alice booked on Telegram; booking on WhatsApp with the same number asks her, on
    Telegram, whether it is her; once she says yes, either side lists both appointments."""
    on_telegram = ScriptedPatient(engine, "555", channel="telegram")
    book_gp(on_telegram)
    on_whatsapp = ScriptedPatient(engine, "33612345678", channel="whatsapp")
    on_whatsapp.says("/book")
    on_whatsapp.presses("Vaccination")
    on_whatsapp.presses("Sophie Petit")
    on_whatsapp.press_data(on_whatsapp.choices[2].data)
    on_whatsapp.press_data(on_whatsapp.choices[0].data)
    on_whatsapp.says("Alice Martin")
    on_whatsapp.says("06 12 34 56 78")
    on_whatsapp.presses("Confirmer")
    with engine.database.unit_of_work(read_only=True) as uow:
        ask = uow.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.idempotency_key).startswith("link:"))
        ).one()
    assert ask.channel == "telegram" and ask.external_id == "555"
    assert "sur WhatsApp" in ask.payload["text"]
    yes = ask.payload["choices"][0][0]
    on_telegram.press_data(yes)
    assert on_telegram.sees("vos deux comptes n'en font plus qu'un")
    on_whatsapp.says("mes rendez-vous")
    assert on_whatsapp.text.count(" — ") == 2, on_whatsapp.text


def test_nothing_is_done_before_the_patient_agrees_to_the_privacy_notice(
    engine: Engine, clinic: ClinicConfig
) -> None:
    """First contact: the notice (what is kept, how long, the policy link) and an explicit
    choice; the first message is answered only once they agree, and the agreement is
    recorded with the notice's version. An emergency is answered before any consent."""
    zoe = ScriptedPatient(engine, "zoe", auto_consent=False)
    zoe.says("je voudrais un rendez-vous pour un vaccin")
    assert zoe.sees("Avant de commencer") and zoe.sees("effacés au bout de 90 jours")
    assert not zoe.sees("Avec qui"), "nothing is processed before agreeing"
    assert zoe.sees("centre-lumiere.example/confidentialite")
    assert [c.label for c in zoe.choices] == ["✅ J'accepte", "Non merci", "English"]
    zoe.presses("Non merci")
    assert zoe.sees("Sans votre accord")
    zoe.says("mes rendez-vous")
    assert zoe.sees("Avant de commencer"), "asked again, nothing done"
    assert (
        ScriptedPatient(engine, "yann", auto_consent=False).says("mon fils ne respire plus")
        and engine
    )  # emergency before consent
    yann = ScriptedPatient(engine, "yann", auto_consent=False)
    yann.says("je n'arrive plus à respirer")
    assert yann.sees("15") and yann.sees("112") and not yann.sees("Avant de commencer")
    zoe.presses("J'accepte")
    assert zoe.sees("aucun rendez-vous à venir"), "the message kept aside is answered now"
    with engine.database.unit_of_work(read_only=True) as uow:
        patient = uow.patients.by_identity("terminal", "zoe")
        assert patient is not None
        record = uow.consents.current(patient.id or 0)
    assert record is not None and record.notice_version == clinic.privacy.notice_version


def test_a_new_notice_version_is_agreed_to_again(database: Database, clinic: ClinicConfig) -> None:
    """Staff change the notice (notice_version): every patient is asked again."""
    engine = Engine(database, lambda: clinic, clock=MovableClock(START))
    alice = ScriptedPatient(engine, "alice")
    alice.says("/start")
    updated = clinic.model_copy(
        update={"privacy": clinic.privacy.model_copy(update={"notice_version": "2"})}
    )
    again = ScriptedPatient(
        Engine(database, lambda: updated, clock=MovableClock(START)), "alice", auto_consent=False
    )
    again.says("/book")
    assert again.sees("Avant de commencer")
    again.presses("J'accepte")
    assert again.sees("Pour quel type de rendez-vous")


def test_message_texts_reach_the_logs_only_with_the_debug_switch(
    database: Database, clinic: ClinicConfig, tmp_path: Path
) -> None:
    """LOG_PERSONAL_DATA puts texts in the turn log lines and warns at start; off, never."""
    from bot.bootstrap import bootstrap
    from bot.settings import Settings

    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    try:
        settings = Settings(
            _env_file=None, database_url=f"sqlite:///{tmp_path / 'd.db'}", log_personal_data=True
        )
        system = bootstrap(settings, configure_logs=False)
        ScriptedPatient(system.engine, "debug").says("un texte à tracer")
        system.database.dispose()
    finally:
        structlog.reset_defaults()
    logged = buffer.getvalue()
    assert "logs.personal_data_on" in logged and "un texte à tracer" in logged
