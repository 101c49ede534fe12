"""What the LLM answerer returns, without importing the Anthropic SDK (about 40 MB and
0.8 s at start): a process without an API key never loads it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The LLM's whole time in one turn (understanding the message, then answering it): it
#: must fit in the drain of a clean stop (bot.runner), so a question asked just before
#: SIGTERM is still answered.
TURN_LLM_SECONDS = 7.0


@dataclass(frozen=True)
class LlmResult:
    """The model's reply: its text, the entries it rests on, whether a person should take over."""

    answer: str
    faq_ids: list[str]
    needs_human: bool


class LlmFailure(StrEnum):
    """Why there is no usable reply."""

    UNAVAILABLE = "unavailable"  # no client, an API error, or a timeout
    MALFORMED = "malformed"  # no ``answer`` tool call, or one with wrong fields
    UNCITED = "uncited"  # cites no known entry: not grounded
    UNGROUNDED = "ungrounded"  # a number (with its unit) that is in none of the cited entries
    MEDICAL = "medical"  # medical advice or reassurance in the answer: for the team
