"""Pacing sends to a channel's rate limits, overall and per chat (aiolimiter buckets)."""

from __future__ import annotations

import time

from aiolimiter import AsyncLimiter


class Pacing:
    """A channel's limits: so many messages/s overall, about 1/s per chat (short bursts ok);
    defaults are Telegram's (30/s overall)."""

    def __init__(self, overall_per_second: float = 30, per_chat_burst: int = 3) -> None:
        # A bucket of one, refilled every 1/30 s: AsyncLimiter(30, 1) would let 30 through at
        # once after a pause, then 30 more in the same second (bench/sweep.py saw 429s).
        self.overall = AsyncLimiter(1, 1 / overall_per_second)
        self.per_chat_burst = per_chat_burst
        self._chats: dict[str, tuple[AsyncLimiter, float]] = {}

    def chat(self, chat_id: str) -> AsyncLimiter:
        """The limiter of one chat (forgotten after a minute without sends)."""
        now = time.monotonic()
        if len(self._chats) > 10_000:
            self._chats = {k: v for k, v in self._chats.items() if now - v[1] < 60}
        limiter = self._chats.get(chat_id, (None, 0.0))[0]
        if limiter is None:
            limiter = AsyncLimiter(self.per_chat_burst, self.per_chat_burst)
        self._chats[chat_id] = (limiter, now)
        return limiter

    async def __call__(self, chat_id: str) -> None:
        """Wait until one more message may go to ``chat_id``."""
        await self.chat(chat_id).acquire()
        await self.overall.acquire()
