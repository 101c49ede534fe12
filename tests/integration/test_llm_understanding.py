"""The LLM's understanding with the real anthropic SDK against the fake Messages API."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from bot.settings import Settings
from clinic.loader import load_clinic_file
from common.commands import (
    AskQuestion,
    Clarify,
    Confirm,
    Decline,
    Refuse,
    SetSlot,
    SmallTalk,
    StartFlow,
    Understanding,
)
from faq.llm_understanding import LlmUnderstanding, make_understanding
from tests.fakes.anthropic_api import FAKE_API_KEY, FakeAnthropic, running_fake_anthropic

ROOT = Path(__file__).resolve().parents[2]
CLINIC = load_clinic_file(ROOT / "examples" / "clinic.yaml")
MODEL = "claude-haiku-4-5"


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    """A fresh fake Anthropic API for the test."""
    with running_fake_anthropic() as server:
        yield server


MakeUnderstanding = Callable[..., LlmUnderstanding]


@pytest.fixture
def understanding_for(fake: FakeAnthropic) -> Iterator[MakeUnderstanding]:
    """Makes understandings whose real SDK client talks to the fake, with no retry as
    make_understanding sets up; closes their connections after the test."""
    made: list[LlmUnderstanding] = []

    def make(*, timeout: float = 5.0, budget: float = 3.0, retries: int = 0) -> LlmUnderstanding:
        client = anthropic.Anthropic(
            api_key=FAKE_API_KEY, base_url=fake.base_url, timeout=timeout, max_retries=retries
        )
        made.append(LlmUnderstanding(client, MODEL, timeout, CLINIC, budget_seconds=budget))
        return made[-1]

    yield make
    for understanding in made:
        understanding.close()


def reply_with(fake: FakeAnthropic, tool_input: Any, name: str = "understand") -> None:
    """Script the model's next reply: a call to the tool with this input."""
    block = {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:24]}", "name": name}
    fake.reply_with_content([{**block, "input": tool_input}])


def commands(*items: Any, urgent: bool = False) -> dict[str, Any]:
    """The tool input the model sends."""
    return {"urgent": urgent, "commands": list(items)}


AT_MENU = {"flow": "idle", "step": "menu", "language": "fr"}


def test_a_booking_request_becomes_commands_with_ids(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """Start booking, with the practitioner and service as the clinic's ids and the day as
    the patient wrote it; source "llm"."""
    reply_with(
        fake,
        commands(
            {"type": "start_flow", "flow": "book"},
            {"type": "set_slot", "name": "practitioner", "value": "dr-benali"},
            {"type": "set_slot", "name": "service", "value": "consult-gp"},
            {"type": "set_slot", "name": "when", "value": "vendredi matin"},
        ),
    )
    understood = understanding_for().understand(
        "Je voudrais voir le Dr Benali vendredi matin pour une consultation", **AT_MENU
    )
    assert understood == Understanding(
        (
            StartFlow("book"),
            SetSlot("practitioner", "dr-benali"),
            SetSlot("service", "consult-gp"),
            SetSlot("when", "vendredi matin"),
        ),
        urgent=False,
        source="llm",
    )


def test_every_kind_of_command_is_read(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """Questions, small talk, yes, no, refusals and a choice between flows all come through."""
    reply_with(
        fake,
        commands(
            {"type": "confirm"},
            {"type": "ask_question"},
            {"type": "small_talk", "kind": "thanks"},
            {"type": "decline"},
            {"type": "refuse"},
            {"type": "clarify", "options": ["cancel", "move"]},
        ),
    )
    understood = understanding_for().understand("Oui merci, et…", **AT_MENU)
    assert understood is not None
    assert understood.commands == (
        Confirm(),
        AskQuestion(),
        SmallTalk("thanks"),
        Decline(),
        Refuse(),
        Clarify(("cancel", "move")),
    )


def test_unknown_commands_flows_kinds_and_ids_are_dropped(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """Only what the clinic has and the vocabulary names survives: a made-up service or
    doctor never reaches the booking flow."""
    reply_with(
        fake,
        commands(
            {"type": "start_flow", "flow": "teleport"},
            {"type": "set_slot", "name": "service", "value": "botox"},
            {"type": "set_slot", "name": "practitioner", "value": "dr-house"},
            {"type": "set_slot", "name": "practitioner", "value": "Dr Karim Benali"},
            {"type": "set_slot", "name": "insurance", "value": "mutuelle"},
            {"type": "small_talk", "kind": "joke"},
            {"type": "dance"},
            {"type": "clarify", "options": ["cancel", "fly"]},
            "start_flow",
            {"type": "start_flow", "flow": "book"},
            {"type": "set_slot", "name": "service", "value": "blood-test"},
        ),
    )
    understood = understanding_for().understand("Un botox avec le Dr House ?", **AT_MENU)
    assert understood == Understanding(
        (StartFlow("book"), SetSlot("service", "blood-test")), source="llm"
    )


@pytest.mark.parametrize(
    ("tool_input", "expected"),
    [
        (commands(urgent=True), Understanding((), urgent=True, source="llm")),
        (
            commands({"type": "ask_question"}, urgent=True),
            Understanding((AskQuestion(),), urgent=True, source="llm"),
        ),
        (
            commands({"type": "ask_question"}),
            Understanding((AskQuestion(),), urgent=False, source="llm"),
        ),
    ],
    ids=["urgent-alone", "urgent-question", "not-urgent"],
)
def test_the_urgent_flag_is_read(
    fake: FakeAnthropic,
    understanding_for: MakeUnderstanding,
    tool_input: dict[str, Any],
    expected: Understanding,
) -> None:
    """urgent=true comes through, even with no command: a possible emergency is never lost."""
    reply_with(fake, tool_input)
    message = "Mon père a une douleur dans la poitrine"
    assert understanding_for().understand(message, **AT_MENU) == expected


@pytest.mark.parametrize(
    "content",
    [
        [{"type": "text", "text": "You want to book."}],
        [
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "answer",
                "input": commands({"type": "ask_question"}),
            }
        ],
        [{"type": "tool_use", "id": "toolu_1", "name": "understand", "input": "book"}],
        [
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "understand",
                "input": {"urgent": "no", "commands": []},
            }
        ],
        [
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "understand",
                "input": {"urgent": False, "commands": {"type": "ask_question"}},
            }
        ],
        [{"type": "tool_use", "id": "toolu_1", "name": "understand", "input": commands()}],
        [
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "understand",
                "input": commands({"type": "dance"}, {"type": "start_flow", "flow": "fly"}),
            }
        ],
    ],
    ids=[
        "no-tool-call",
        "other-tool",
        "input-not-object",
        "urgent-not-bool",
        "commands-not-list",
        "empty",
        "nothing-valid",
    ],
)
def test_a_malformed_or_empty_reply_gives_none(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding, content: list[dict[str, Any]]
) -> None:
    """Nothing usable: None, so the caller falls back on the rules."""
    fake.reply_with_content(content)
    assert understanding_for().understand("je veux un rdv", **AT_MENU) is None


@pytest.mark.parametrize(
    "script",
    [
        lambda fake: fake.fail(529),
        lambda fake: fake.fail(429, retry_after=1),
        lambda fake: fake.fail(500),
    ],
    ids=["overloaded", "rate-limited", "server-error"],
)
def test_an_api_failure_gives_none_at_once(
    fake: FakeAnthropic,
    understanding_for: MakeUnderstanding,
    script: Callable[[FakeAnthropic], None],
) -> None:
    """An error is not retried inside the patient's turn: one request, None well under a
    second, and the rules take over."""
    script(fake)
    start = time.monotonic()
    assert understanding_for().understand("je veux un rdv", **AT_MENU) is None
    assert time.monotonic() - start < 1.0
    assert len(fake.requests) == 1


def test_a_slow_api_gives_none_within_the_budget(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """A stalled API: None once the budget is spent, though the timeout setting is longer."""
    fake.stall(30)
    start = time.monotonic()
    understood = understanding_for(timeout=8.0, budget=1.0).understand("je veux un rdv", **AT_MENU)
    elapsed = time.monotonic() - start
    assert understood is None
    assert 0.9 <= elapsed < 2.0
    assert len(fake.requests) == 1


def test_a_retry_allowed_still_ends_within_the_budget(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """With a retry allowed, a 529 then a reply is understood; a long retry-after is not
    waited for."""
    fake.fail(529)
    reply_with(fake, commands({"type": "start_flow", "flow": "list"}))
    understood = understanding_for(retries=1).understand("mes rdv", **AT_MENU)
    assert understood is not None and understood.commands == (StartFlow("list"),)
    fake.fail(429, retry_after=30)
    start = time.monotonic()
    assert understanding_for(retries=1).understand("mes rdv", **AT_MENU) is None
    assert time.monotonic() - start < 1.0


def test_the_request_forces_the_tool_and_caches_the_catalogue(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """One forced tool call; the rules and the clinic's services and practitioners are one
    static prompt whose last block is marked for caching, so the second call reads it."""
    understanding = understanding_for()
    with capture_logs() as logs:
        for _ in range(2):
            reply_with(fake, commands({"type": "ask_question"}))
            understanding.understand("Vous êtes où ?", flow="book", step="day", language="en")
    body = fake.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "understand"}
    assert [tool["name"] for tool in body["tools"]] == ["understand"]
    schema = body["tools"][0]["input_schema"]
    assert schema["required"] == ["urgent", "commands"]
    rules, catalogue = body["system"]
    assert "cache_control" not in rules
    assert "never give medical advice" in rules["text"]
    assert "urgent is true when the message may describe a medical emergency" in rules["text"]
    assert catalogue["cache_control"] == {"type": "ephemeral"}
    for service in CLINIC.services:
        assert f'id "{service.id}"' in catalogue["text"]
    for practitioner in CLINIC.practitioners:
        assert f'id "{practitioner.id}": {practitioner.name}' in catalogue["text"]
    user_turn = body["messages"][0]["content"]
    assert '<conversation flow="book" step="day" lang="en"/>' in user_turn
    assert fake.requests[1].body["system"] == body["system"]
    replied = [entry for entry in logs if entry["event"] == "llm.replied"]
    assert [entry["purpose"] for entry in replied] == ["understand", "understand"]
    assert replied[1]["cache_read_input_tokens"] == replied[0]["cache_creation_input_tokens"] > 0


def test_no_identifier_reaches_the_model(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """Name, phone, e-mail and date are masked before the request is sent; the clinic's
    own doctor and the weekday stay readable."""
    reply_with(fake, commands({"type": "start_flow", "flow": "book"}))
    message = (
        "Bonjour, je m'appelle Marie Dupont (06 12 34 56 78, marie.dupont@example.com), "
        "je voudrais un rdv avec le Dr Benali mardi ou le 12 mars"
    )
    understanding_for().understand(message, **AT_MENU)
    sent = fake.requests[0].text
    for secret in ("Marie", "Dupont", "06 12 34 56 78", "marie.dupont", "12 mars"):
        assert secret not in sent
    user_turn = fake.requests[0].body["messages"][0]["content"]
    for placeholder in ("[name]", "[phone]", "[email]", "[date]"):
        assert placeholder in user_turn
    assert "le Dr Benali mardi ou" in user_turn


def test_a_date_masking_hid_comes_back_in_the_when_slot(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """The model sees "[date] vers 10h" and copies it; the booking flow gets the patient's
    own words back. Words the message does not hold give the whole message instead."""
    message = "Je voudrais un rdv le 12 mars vers 10h"
    reply_with(
        fake,
        commands(
            {"type": "start_flow", "flow": "book"},
            {"type": "set_slot", "name": "when", "value": "[date] vers 10h"},
        ),
    )
    understanding = understanding_for()
    understood = understanding.understand(message, **AT_MENU)
    assert "12 mars" not in fake.requests[0].text
    assert understood is not None
    assert understood.slots() == {"when": "le 12 mars vers 10h"}
    reply_with(fake, commands({"type": "set_slot", "name": "when", "value": "March 12th"}))
    understood = understanding.understand(message, **AT_MENU)
    assert understood is not None and understood.slots() == {"when": message}


def test_logs_never_hold_the_message(
    fake: FakeAnthropic, understanding_for: MakeUnderstanding
) -> None:
    """Successes and failures are logged by kind, command names and tokens, not words."""
    secret = "ma-phrase-confidentielle"
    reply_with(
        fake,
        commands(
            {"type": "start_flow", "flow": "book"},
            {"type": "set_slot", "name": "when", "value": secret},
        ),
    )
    fake.fail(529)
    with capture_logs() as logs:
        understanding_for().understand(f"rdv {secret}", **AT_MENU)
        understanding_for().understand(f"rdv {secret}", **AT_MENU)
    assert [entry["event"] for entry in logs] == ["llm.replied", "llm.failed"]
    assert logs[0]["commands"] == ["StartFlow", "SetSlot"]
    assert all(secret not in repr(entry) for entry in logs)


def test_make_understanding_builds_the_client_from_settings(fake: FakeAnthropic) -> None:
    """With a key, the factory's client reaches the configured base URL; without, None."""
    settings = Settings(
        _env_file=None,
        anthropic_api_key=SecretStr(FAKE_API_KEY),
        anthropic_base_url=fake.base_url,
        anthropic_timeout_seconds=3.0,
    )
    understanding = make_understanding(settings, CLINIC)
    assert understanding is not None
    reply_with(fake, commands({"type": "small_talk", "kind": "greeting"}))
    understood = understanding.understand("Bonjour", **AT_MENU)
    understanding.close()
    assert understood == Understanding((SmallTalk("greeting"),), source="llm")
    assert fake.requests[0].body["model"] == settings.anthropic_model
    assert make_understanding(Settings(_env_file=None, anthropic_api_key=None), CLINIC) is None
