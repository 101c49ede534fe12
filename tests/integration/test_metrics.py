"""What Prometheus reads on /metrics about the LLM fallback and the messages sent.

Counters are process-wide: every test compares a value after what it does with
the value before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest

from bot.delivery import Delivery
from bot.engine import Engine
from bot.metrics import REGISTRY, sent_kind
from bot.settings import DEFAULT_CLINIC_FILE
from bot.web import create_app
from clinic.loader import load_clinic_file
from faq.llm import LlmAnswerer
from faq.llm_result import LlmFailure, LlmResult
from faq.loader import load_faq_file
from scheduler.dispatcher import OutboxDispatcher
from storage.db import Database
from tests.chat import MovableClock, ScriptedPatient
from tests.fakes.anthropic_api import FAKE_API_KEY, FakeAnthropic, running_fake_anthropic
from tests.fakes.collecting import CollectingSender
from tests.integration.test_reminders import START, book, run_until

ROOT = Path(__file__).resolve().parents[2]
CLINIC = load_clinic_file(ROOT / "examples" / "clinic.yaml")
FAQ = load_faq_file(ROOT / "examples" / "faq.yaml", CLINIC.clinic.languages)
PARKING_FR = FAQ.entry("parking").answer.fr or ""
TOKEN_FIELDS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_input_tokens",
    "cache_write": "cache_creation_input_tokens",
}


def sample(name: str, **labels: str) -> float:
    """A sample's current value in the process's registry (0 when not yet there)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def calls(outcome: str) -> float:
    """``carebot_llm_calls_total`` for one outcome."""
    return sample("carebot_llm_calls_total", outcome=outcome)


def tokens() -> dict[str, float]:
    """``carebot_llm_tokens_total`` by kind."""
    return {kind: sample("carebot_llm_tokens_total", kind=kind) for kind in TOKEN_FIELDS}


def sent(kind: str) -> float:
    """``carebot_messages_sent_total`` on the terminal channel for one kind."""
    return sample("carebot_messages_sent_total", channel="terminal", kind=kind)


async def scrape() -> str:
    """/metrics as Prometheus reads it from the web app."""
    app = create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    """A fresh fake Anthropic API (its prompt cache empty)."""
    with running_fake_anthropic() as server:
        yield server


Usage = dict[str, Any]
MakeAnswerer = Callable[..., LlmAnswerer]


@pytest.fixture
def wire() -> list[Usage]:
    """The ``usage`` of every reply the fake sent, as read off the wire."""
    return []


@pytest.fixture
def answerer_for(fake: FakeAnthropic, wire: list[Usage]) -> Iterator[MakeAnswerer]:
    """Makes answerers whose real SDK client talks to the fake (one retry, as
    make_answerer sets up); each reply's ``usage`` is noted in ``wire``."""
    made: list[LlmAnswerer] = []

    def note_usage(response: Any) -> None:  # an httpx2.Response: the SDK's own httpx
        response.read()
        if response.status_code == 200:
            wire.append(response.json()["usage"])

    def make(*, timeout: float = 5.0, budget: float = 10.0) -> LlmAnswerer:
        http = anthropic.DefaultHttpxClient(event_hooks={"response": [note_usage]})
        client = anthropic.Anthropic(
            api_key=FAKE_API_KEY,
            base_url=fake.base_url,
            timeout=timeout,
            max_retries=1,
            http_client=http,
        )
        answerer = LlmAnswerer(
            client, "claude-haiku-4-5", timeout, FAQ, CLINIC, budget_seconds=budget
        )
        made.append(answerer)
        return answerer

    yield make
    for answerer in made:
        answerer.close()


async def test_answers_their_tokens_and_a_cache_hit_show_on_metrics(
    fake: FakeAnthropic, answerer_for: MakeAnswerer, wire: list[Usage]
) -> None:
    """Two fallback answers: two calls answered; the tokens are those the API reported
    (the first call writes the prompt cache, the second reads it: one cache hit)."""
    answered, needs_human, tokens_before = calls("answered"), calls("needs_human"), tokens()
    hits = sample("carebot_llm_cache_hits_total")
    answerer = answerer_for()
    fake.answer_with(PARKING_FR, ["parking"])
    fake.answer_with(PARKING_FR, ["parking"])
    assert answerer.answer("Je peux laisser ma voiture où ?", "fr") is not None
    assert answerer.answer("Où se garer ?", "fr") is not None
    assert calls("answered") - answered == 2
    assert calls("needs_human") == needs_human
    spent = {kind: tokens()[kind] - tokens_before[kind] for kind in TOKEN_FIELDS}
    assert spent == {kind: sum(u[field] for u in wire) for kind, field in TOKEN_FIELDS.items()}
    assert wire[0]["cache_creation_input_tokens"] > 1024 and wire[0]["cache_read_input_tokens"] == 0
    assert wire[1]["cache_read_input_tokens"] == wire[0]["cache_creation_input_tokens"]
    assert sample("carebot_llm_cache_hits_total") - hits == 1
    metrics = await scrape()
    assert 'carebot_llm_calls_total{outcome="answered"}' in metrics
    assert 'carebot_llm_tokens_total{kind="cache_read"}' in metrics
    assert "carebot_llm_cache_hits_total" in metrics


def test_every_retry_is_a_call(fake: FakeAnthropic, answerer_for: MakeAnswerer) -> None:
    """Overloaded once, then an answer: two calls, one failed and one answered."""
    failed, answered = calls("failed"), calls("answered")
    fake.fail(529)
    fake.answer_with(PARKING_FR, ["parking"])
    assert answerer_for().answer("parking ?", "fr") is not None
    assert len(fake.requests) == 2
    assert (calls("failed") - failed, calls("answered") - answered) == (1, 1)


def test_timeouts_are_counted_apart(fake: FakeAnthropic, answerer_for: MakeAnswerer) -> None:
    """A stalled API: both attempts time out, and count as timeouts, not failures."""
    timeouts, failed = calls("timeout"), calls("failed")
    fake.stall(30, times=2)
    assert answerer_for(timeout=0.5, budget=2.5).answer("parking ?", "fr") is None
    assert (calls("timeout") - timeouts, calls("failed") - failed) == (2, 0)


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        (lambda fake: fake.answer_with("Je transmets.", [], needs_human=True), "needs_human"),
        (lambda fake: fake.answer_with("Venez quand vous voulez.", []), "unusable"),
        (
            lambda fake: fake.reply_with_content([{"type": "text", "text": "Hi"}], "end_turn"),
            "unusable",
        ),
    ],
    ids=["needs-human", "uncited", "no-tool-call"],
)
def test_a_reply_nobody_receives_still_counts_its_tokens(
    fake: FakeAnthropic,
    answerer_for: MakeAnswerer,
    wire: list[Usage],
    script: Callable[[FakeAnthropic], None],
    outcome: str,
) -> None:
    """A reply handed to a person or dropped is a call with its outcome, and its
    tokens are paid for all the same."""
    before, tokens_before = calls(outcome), tokens()
    script(fake)
    result = answerer_for().ask("Je peux venir sans rendez-vous ?", "fr")
    assert isinstance(result, LlmResult) == (outcome == "needs_human")
    assert result is not LlmFailure.UNAVAILABLE
    assert calls(outcome) - before == 1
    assert tokens()["output"] - tokens_before["output"] == wire[0]["output_tokens"] > 0


def test_a_reminder_counts_as_a_reminder_not_a_reply(database: Database) -> None:
    """The 48 h reminder, sent by the dispatcher, adds one to messages_sent{kind="reminder"}
    and nothing to kind="reply"."""
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    clock = MovableClock(START)
    engine = Engine(database, lambda: clinic, clock=clock)
    sender = CollectingSender()
    dispatcher = OutboxDispatcher(
        database, Delivery(database, [sender], clock), clock, lambda: clinic
    )
    book(
        ScriptedPatient(engine, "alice"),
        "médecine générale",
        "Claire Martin",
        "jeu. 10 déc.",
        "10:00",
    )
    asyncio.run(dispatcher.run_once())  # anything of the booking still due
    replies, reminders, other = sent("reply"), sent("reminder"), sent("other")
    already = len(sender.sent)
    run_until(dispatcher, clock, datetime(2026, 12, 8, 9, 5, tzinfo=UTC))
    [(_, reminder)] = sender.sent[already:]
    assert reminder.text.startswith("Rappel")
    assert sent("reminder") - reminders == 1
    assert (sent("reply"), sent("other")) == (replies, other)


def test_the_kind_label_stays_a_short_list() -> None:
    """Known outbox kinds keep their name; a kind nobody listed counts as "other"."""
    assert [sent_kind(k) for k in ("reminder", "noshow", "staff_alert", "reply")] == [
        "reminder",
        "noshow",
        "staff_alert",
        "reply",
    ]
    assert sent_kind("birthday_wishes") == "other" and sent_kind(None) == "other"
