"""One forced tool call to Claude within a deadline: what the answerer and understanding share.

Both LLM uses in faq/ send a static system prompt, one tool the model must call
(``tool_choice: {"type": "tool", …}``) and one user turn, and read back the
tool's input. This module holds what they have in common: the settings they read,
the client, the retry loop inside a deadline, the metrics and the logs.

Retries happen here rather than in the SDK, within one deadline: the SDK sleeps
for as long as a ``retry-after`` header says, which could hold a patient's turn for
minutes. ``x-should-retry`` and ``retry-after`` are honoured when they fit in the
deadline. Every HTTP call (retries included), its tokens and its prompt-cache hits
are counted (:mod:`faq.metrics`); failures are logged with their kind and status,
never with the patient's words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import anthropic
import structlog
from anthropic.types import Message, MessageParam, TextBlockParam, ToolChoiceToolParam, ToolParam
from pydantic import SecretStr

from faq.metrics import LlmOutcome, TokenUsage, count_failure, count_reply

log = structlog.get_logger("carebot.faq.llm")

#: No attempt is started with less time than this left.
MIN_ATTEMPT_SECONDS = 1.0
#: First wait between attempts when the server gives no ``retry-after``.
INITIAL_BACKOFF_SECONDS = 0.5
#: How the user turn names the patient's language to the model.
LANGUAGE_NAMES = {"fr": "French", "en": "English"}


class LlmSettings(Protocol):
    """The settings the LLM factories read (``bot.settings.Settings`` has them)."""

    @property
    def anthropic_api_key(self) -> SecretStr | None: ...

    @property
    def anthropic_base_url(self) -> str | None: ...

    @property
    def anthropic_model(self) -> str: ...

    @property
    def anthropic_timeout_seconds(self) -> float: ...


def make_client(settings: LlmSettings, *, max_retries: int) -> anthropic.Anthropic | None:
    """The SDK client the settings describe, or None without an API key.

    ``max_retries`` is how many retries :class:`ForcedToolCall` makes, within its budget.
    """
    if settings.anthropic_api_key is None:
        return None
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.anthropic_timeout_seconds,
        max_retries=max_retries,
    )


def fence(text: str) -> str:
    """The patient's text with angle brackets as look-alikes, so it cannot close its fence."""
    return text.replace("<", "‹").replace(">", "›")


class ForcedToolCall:
    """Calls the Messages API with one forced tool, retrying inside a deadline; never raises."""

    def __init__(
        self,
        client: anthropic.Anthropic | None,
        model: str,
        timeout: float,
        *,
        budget_seconds: float,
        purpose: str,
        max_tokens: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.budget_seconds = budget_seconds
        self.purpose = purpose
        self.max_tokens = max_tokens
        self._sleep = sleep
        self._clock = clock
        # The client's max_retries says how many retries we may make; our loop makes
        # them, within the deadline, because the SDK's would sleep unbounded.
        self.attempts = 1 + max(client.max_retries, 0) if client is not None else 0
        self.client = client.with_options(max_retries=0) if client is not None else None

    def close(self) -> None:
        """Close the HTTP connections (at shutdown; unusable afterwards)."""
        if self.client is not None:
            self.client.close()

    def call(
        self,
        system: Sequence[TextBlockParam],
        tool: ToolParam,
        content: str,
        budget: float | None = None,
    ) -> Message | None:
        """The API's reply to one user turn, or None (no client, errors, or out of time);
        ``budget`` shortens the call's time budget (what is left of the turn's)."""
        if self.client is None:
            return None
        seconds = self.budget_seconds if budget is None else min(budget, self.budget_seconds)
        if seconds <= 0:
            self._warn("budget_spent", attempt=0)
            return None
        deadline = self._clock() + seconds
        messages: list[MessageParam] = [{"role": "user", "content": content}]
        tool_choice: ToolChoiceToolParam = {"type": "tool", "name": tool["name"]}
        for attempt in range(1, self.attempts + 1):
            remaining = deadline - self._clock()
            # The first attempt gets the whole budget, however short; a retry needs a second.
            if attempt > 1 and remaining < MIN_ATTEMPT_SECONDS:
                self._warn("budget_spent", attempt=attempt)
                return None
            try:
                return self.client.messages.create(
                    model=self.model,
                    max_tokens=self.max_tokens,
                    system=list(system),
                    tools=[tool],
                    tool_choice=tool_choice,
                    messages=messages,
                    timeout=min(self.timeout, remaining),
                )
            except anthropic.APIStatusError as error:
                wait = _retry_wait(error, attempt)
                failure: anthropic.AnthropicError = error
            except anthropic.APIConnectionError as error:  # includes APITimeoutError
                wait = INITIAL_BACKOFF_SECONDS * 2 ** (attempt - 1)
                failure = error
            except anthropic.AnthropicError as error:  # anything else the SDK raises
                wait, failure = None, error
            last = wait is None or attempt == self.attempts
            self._log_failure(failure, attempt, retrying=not last)
            count_failure(
                LlmOutcome.TIMEOUT
                if isinstance(failure, anthropic.APITimeoutError)
                else LlmOutcome.FAILED
            )
            if wait is None or last:
                return None
            if self._clock() + wait + MIN_ATTEMPT_SECONDS > deadline:
                self._warn("retry_would_exceed_budget", wait=wait)
                return None
            self._sleep(wait)
        return None

    def record(self, outcome: LlmOutcome, usage: TokenUsage, **fields: Any) -> None:
        """Count a reply the API gave and log it: its outcome, tokens and cache use."""
        count_reply(outcome, usage)
        log.info(
            "llm.replied",
            purpose=self.purpose,
            outcome=str(outcome),
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_input_tokens=usage.cache_read_input_tokens,
            cache_creation_input_tokens=usage.cache_creation_input_tokens,
            **fields,
        )

    def _warn(self, reason: str, **fields: Any) -> None:
        log.warning("llm.failed", purpose=self.purpose, reason=reason, **fields)

    def _log_failure(
        self, error: anthropic.AnthropicError, attempt: int, *, retrying: bool
    ) -> None:
        """Log an API failure: its kind and status, never the patient's words or the reply."""
        body = getattr(error, "body", None)
        inner = body.get("error") if isinstance(body, Mapping) else None
        self._warn(
            type(error).__name__,
            status=getattr(error, "status_code", None),
            error_type=inner.get("type") if isinstance(inner, Mapping) else None,
            request_id=getattr(error, "request_id", None),
            attempt=attempt,
            retrying=retrying,
        )


def tool_input(message: Message, name: str) -> Mapping[str, Any] | None:
    """The input of the reply's call to tool ``name``, if it made one with an object."""
    for block in message.content:
        if block.type == "tool_use" and block.name == name:
            return block.input if isinstance(block.input, Mapping) else None
    return None


def _retry_wait(error: anthropic.APIStatusError, attempt: int) -> float | None:
    """Seconds to wait before retrying, or ``None`` when this error is not worth a retry."""
    headers = error.response.headers
    should = headers.get("x-should-retry")
    if should == "false":
        return None
    status = error.status_code
    if should != "true" and status not in (408, 409, 429) and status < 500:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value: str | None = headers.get(name)
        try:
            seconds = float(value) * scale if value is not None else None
        except ValueError:
            seconds = None  # an HTTP date: rare, and back-off does as well
        if seconds is not None and seconds >= 0:
            return seconds
    return float(INITIAL_BACKOFF_SECONDS * 2 ** (attempt - 1))
