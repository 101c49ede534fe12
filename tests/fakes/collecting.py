"""A channel sender that collects what it is asked to send (the test stand-in of a channel)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.delivery import SendResult, Sent
from bot.messages import Reply


@dataclass
class CollectingSender:
    """Records every reply "sent" on one channel; always succeeds."""

    channel: str = "terminal"
    sent: list[tuple[str, Reply]] = field(default_factory=list)

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Keep the reply; report success."""
        self.sent.append((recipient, reply))
        return Sent(f"m{len(self.sent)}")

    def texts_to(self, recipient: str) -> list[str]:
        """The texts sent to one chat, in order."""
        return [reply.text for to, reply in self.sent if to == recipient]
