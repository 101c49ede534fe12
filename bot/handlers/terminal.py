"""The terminal channel: a chat in the console, for demos, staff training and tests.

Buttons show as numbered choices (type the number), documents are written
to a folder and shown as file paths. It goes through the same engine,
database and flows as Telegram and WhatsApp.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.engine import Engine, Outgoing
from bot.messages import Choice, Inbound, InboundKind, Reply

CHANNEL = "terminal"
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


class TerminalChat:
    """One patient talking to the engine through text lines."""

    def __init__(
        self,
        engine: Engine,
        patient: str,
        *,
        output: Callable[[str], None] = print,
        documents_dir: Path = Path("carebot-out"),
        locale: str | None = None,
    ) -> None:
        self.engine = engine
        self.patient = patient
        self.output = output
        self.documents_dir = documents_dir
        self.locale = locale
        self.choices: tuple[Choice, ...] = ()

    def inbound_for(self, line: str) -> Inbound:
        """A typed line as an Inbound: a number picks one of the last choices."""
        message_id = uuid.uuid4().hex
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            choice = self.choices[int(text) - 1]
            return Inbound(
                CHANNEL,
                self.patient,
                message_id,
                InboundKind.BUTTON,
                button=choice.data,
                locale=self.locale,
            )
        return Inbound(CHANNEL, self.patient, message_id, text=line, locale=self.locale)

    def send(self, line: str) -> list[Reply]:
        """Send one typed line; print and return the bot's replies."""
        outgoing = self.engine.handle(self.inbound_for(line))
        if outgoing:
            # Numbers always refer to the buttons of the bot's latest answer.
            self.choices = ()
        for item in outgoing:
            self._show(item)
        return [item.reply for item in outgoing]

    def _show(self, item: Outgoing) -> None:
        reply = item.reply
        self.output(f"bot> {reply.text}")
        if reply.choices:
            self.choices = reply.choices
            for number, choice in enumerate(reply.choices, start=1):
                self.output(f"   [{number}] {choice.label}")
        if reply.document:
            self.documents_dir.mkdir(parents=True, exist_ok=True)
            path = self.documents_dir / reply.document.filename
            path.write_bytes(reply.document.content)
            self.output(f"   📎 {path}")
        self.engine.mark_sent(item, None)

    def run(self, lines: Iterable[str]) -> None:
        """Chat until the lines run out or the patient types /quit."""
        for line in lines:
            if line.strip().lower() in QUIT_WORDS:
                break
            self.send(line)
