"""Random input at every step of every flow: each turn answers and leaves a valid state.

Hypothesis reaches a step with a short script, then throws a random
sequence at it: random text (emoji, right-to-left, control characters, very
long), buttons offered, forged button data, stickers, shared contacts.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.engine import Engine
from bot.flows.base import State
from bot.flows.router import step_of
from bot.messages import Inbound, InboundKind
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.loader import load_clinic_file
from storage.db import Database
from storage.models import Conversation, TurnLog
from tests.chat import MovableClock, ScriptedPatient

START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
_senders = itertools.count()

#: Scripts that reach each step: ("says", text), ("presses", label), ("nth", button index),
#: ("contact", phone), or ("then", another path's name) to continue from it.
PATHS: dict[str, list[tuple[str, str | int]]] = {
    "menu": [("says", "/start")],
    "question": [("says", "/start"), ("presses", "Poser une question")],
    "language": [("says", "/language")],
    "service": [("says", "/book")],
    "practitioner": [("says", "/book"), ("presses", "médecine générale")],
    "time": [
        ("says", "/book"),
        ("presses", "Vaccination"),
        ("presses", "Sophie Petit"),
        ("nth", 0),
    ],
    "name": [("then", "practitioner"), ("presses", "premier disponible"), ("nth", 2), ("nth", 0)],
    "phone": [("then", "name"), ("says", "Alice Martin")],
    "confirm": [("then", "phone"), ("contact", "33612345678")],
    "appointments": [("then", "confirm"), ("presses", "Confirmer"), ("says", "mes rendez-vous")],
    "cancel": [("then", "appointments"), ("presses", "Annuler n°1")],
    "cancel-reason": [("then", "cancel"), ("presses", "Oui")],
    "reschedule": [("then", "appointments"), ("presses", "Déplacer n°1")],
}


def _walk(patient: ScriptedPatient, path: str) -> None:
    for verb, value in PATHS[path]:
        if verb == "then":
            _walk(patient, str(value))
        elif verb == "says":
            patient.says(str(value))
        elif verb == "presses":
            patient.presses(str(value))
        elif verb == "nth":
            patient.press_data(patient.choices[int(value)].data)
        else:
            patient.shares_contact(str(value))


random_text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=1000, max_size=5000, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(
        [
            "oui",
            "non",
            "annuler",
            "menu",
            "demain",
            "le 3",
            "15h",
            "1",
            "99",
            "/start",
            "/foo",
            "🦷",
            "مرحبا",
            "\u202edlrow",
            "",
            "   ",
            "Dr Martin",
            "06 12 34 56 78",
        ]
    ),
)

action = st.one_of(
    st.tuples(st.just("text"), random_text),
    st.tuples(st.just("offered"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("forged"), st.text(max_size=64)),
    st.tuples(st.just("sticker"), st.none()),
    st.tuples(st.just("contact"), st.text(alphabet="+0123456789 ", max_size=20)),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One engine and SQLite database for all examples; each example is a new patient."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}")
    database.migrate()
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    return Engine(database, lambda: clinic, clock=MovableClock(START))


def _act(patient: ScriptedPatient, kind: str, value: object) -> None:
    if kind == "text":
        patient.says(str(value))
    elif kind == "offered":
        choices = patient.choices
        if choices:
            patient.press_data(choices[int(str(value)) % len(choices)].data)
        else:
            patient.says("?")
    elif kind == "forged":
        patient.press_data(str(value))
    elif kind == "sticker":
        patient.sends_sticker()
    else:
        patient.send(
            Inbound(
                patient.channel,
                patient.sender_id,
                f"c{next(_senders)}",
                InboundKind.CONTACT,
                contact_phone=str(value),
            )
        )


def _check_turn(engine: Engine, patient: ScriptedPatient) -> None:
    assert patient.replies, "every turn gets an answer"
    with engine.database.unit_of_work(read_only=True) as uow:
        conversation = uow.session.exec(
            select(Conversation).where(
                Conversation.channel == patient.channel,
                Conversation.external_id == patient.sender_id,
            )
        ).one()
        state = State(conversation.flow, conversation.step, conversation.data)
        assert step_of(state) is not None, f"invalid state {state}"
        last = uow.session.exec(
            select(TurnLog)
            .where(TurnLog.conversation_id == conversation.id)
            .order_by(TurnLog.id.desc())  # type: ignore[union-attr]
        ).first()
        assert last is not None and last.outcome != "error", "the turn crashed"


@pytest.mark.parametrize("path", list(PATHS))
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=5))
def test_random_input_at_every_step_answers_and_keeps_a_valid_state(
    engine: Engine, path: str, actions: list[tuple[str, object]]
) -> None:
    """Whatever arrives at any step, the bot answers, does not crash, and the stored state
    is one the flows know."""
    patient = ScriptedPatient(engine, f"prop-{next(_senders)}", locale="fr")
    _walk(patient, path)
    for kind, value in actions:
        _act(patient, kind, value)
        _check_turn(engine, patient)
