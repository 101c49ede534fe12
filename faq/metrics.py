"""What the LLM fallback costs and how it fares: calls, tokens, prompt-cache hits.

The counters are created here, beside the code that counts, but registered in no
registry: ``bot.metrics`` adds them to the process's one registry, so that faq/
never imports bot/ and ``/metrics`` still shows everything in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from prometheus_client import Counter


class LlmOutcome(StrEnum):
    """The ``outcome`` label of :data:`LLM_CALLS`: how one HTTP call to the API ended."""

    ANSWERED = "answered"  # a grounded answer the patient receives
    NEEDS_HUMAN = "needs_human"  # the model says a person should answer
    UNUSABLE = "unusable"  # malformed, uncited or with a number from nowhere: dropped
    TIMEOUT = "timeout"  # no reply within the timeout
    FAILED = "failed"  # an API error (429, 5xx, 401…) or a connection failure


LLM_CALLS = Counter(
    "carebot_llm_calls",
    "HTTP calls to the Anthropic Messages API, retries included, by how they ended",
    ["outcome"],
    registry=None,
)
LLM_TOKENS = Counter(
    "carebot_llm_tokens",
    "Tokens the API reported: input (not cached), output, cache_read, cache_write",
    ["kind"],
    registry=None,
)
LLM_CACHE_HITS = Counter(
    "carebot_llm_cache_hits",
    "API replies that read the prompt from Anthropic's cache (cache_read_input_tokens > 0)",
    registry=None,
)
#: Every collector of this module, for the registry that exports them.
COLLECTORS = (LLM_CALLS, LLM_TOKENS, LLM_CACHE_HITS)
TOKEN_KINDS = ("input", "output", "cache_read", "cache_write")

# Every label value shows from the start, at 0: a rate over a series that
# appears only with its first failure would miss that failure.
for _outcome in LlmOutcome:
    LLM_CALLS.labels(_outcome)
for _kind in TOKEN_KINDS:
    LLM_TOKENS.labels(_kind)


class TokenUsage(Protocol):
    """The ``usage`` of an API reply (``anthropic.types.Usage`` has these fields)."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...

    @property
    def cache_read_input_tokens(self) -> int | None: ...

    @property
    def cache_creation_input_tokens(self) -> int | None: ...


def count_reply(outcome: LlmOutcome, usage: TokenUsage) -> None:
    """Count one call the API answered: its outcome, its tokens, a cache hit if any."""
    LLM_CALLS.labels(outcome).inc()
    # The SDK does not validate replies: any of these may be None (absent).
    cache_read = usage.cache_read_input_tokens or 0
    counts = (
        usage.input_tokens or 0,
        usage.output_tokens or 0,
        cache_read,
        usage.cache_creation_input_tokens or 0,
    )
    for kind, tokens in zip(TOKEN_KINDS, counts, strict=True):
        LLM_TOKENS.labels(kind).inc(max(tokens, 0))
    if cache_read > 0:
        LLM_CACHE_HITS.inc()


def count_failure(outcome: LlmOutcome) -> None:
    """Count one call that brought no reply (a timeout or an API error)."""
    LLM_CALLS.labels(outcome).inc()
