"""A scripted patient for conversation tests: says things, presses buttons, reads replies.

Tests read like a script::

    alice.says("/start")
    alice.presses("Prendre rendez-vous")
    assert alice.sees("Pour quel type de rendez-vous")
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.consent import ACCEPT as CONSENT
from bot.engine import Engine
from bot.messages import Choice, Inbound, InboundKind, Reply
from clinic.config import ClinicConfig

_message_ids = itertools.count(1)


def plain(text: str) -> str:
    """Text with Babel's non-breaking spaces as plain spaces, for comparing."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


@dataclass
class MovableClock:
    """A clock the test moves by hand: time never passes by sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self.now += delta

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self.now = moment.astimezone(UTC)


@dataclass
class ScriptedPatient:
    """A patient on one channel, talking to the engine."""

    engine: Engine
    sender_id: str
    channel: str = "terminal"
    locale: str | None = "fr"
    replies: list[Reply] = field(default_factory=list)
    history: list[Reply] = field(default_factory=list)
    #: Agree to the privacy notice when it is shown, as most patients do (tests of the
    #: notice itself turn this off).
    auto_consent: bool = True

    def send(self, inbound: Inbound) -> list[Reply]:
        """Send a raw inbound and remember the replies."""
        outgoing = self.engine.handle(inbound)
        for item in outgoing:
            self.engine.mark_sent(item, None)
        self.replies = [item.reply for item in outgoing]
        self.history += self.replies
        if self.auto_consent and any(c.data == CONSENT for c in self.choices):
            return self.press_data(CONSENT)
        return self.replies

    def _inbound(self, **values: object) -> Inbound:
        message_id = f"m{next(_message_ids)}"
        return Inbound(self.channel, self.sender_id, message_id, locale=self.locale, **values)  # type: ignore[arg-type]

    def says(self, text: str) -> list[Reply]:
        """Type a message."""
        return self.send(self._inbound(kind=InboundKind.TEXT, text=text))

    def presses(self, label: str) -> list[Reply]:
        """Press the button whose label contains ``label`` among the last replies."""
        return self.press_data(self.choice(label).data)

    def press_data(self, data: str) -> list[Reply]:
        """Press a button by its data (e.g. an old button kept from earlier)."""
        return self.send(self._inbound(kind=InboundKind.BUTTON, button=data))

    def shares_contact(self, phone: str) -> list[Reply]:
        """Share a phone number with the platform's contact button."""
        return self.send(self._inbound(kind=InboundKind.CONTACT, contact_phone=phone))

    def sends_sticker(self) -> list[Reply]:
        """Send something that is not text."""
        return self.send(self._inbound(kind=InboundKind.UNSUPPORTED))

    @property
    def choices(self) -> list[Choice]:
        """Every button offered in the last replies."""
        return [choice for reply in self.replies for choice in reply.choices]

    def choice(self, label: str) -> Choice:
        """The offered button whose label contains ``label``."""
        for choice in self.choices:
            if plain(label).casefold() in plain(choice.label).casefold():
                return choice
        offered = [c.label for c in self.choices]
        raise AssertionError(f"no button {label!r} among {offered}")

    @property
    def text(self) -> str:
        """All the text of the last replies."""
        return plain("\n".join(reply.text for reply in self.replies))

    def sees(self, fragment: str) -> bool:
        """Whether the last replies contain ``fragment`` (case-insensitive)."""
        return plain(fragment).casefold() in plain(self.text).casefold()


def with_staff(
    clinic: ClinicConfig, *, group: int | None = None, users: Sequence[int] = ()
) -> ClinicConfig:
    """The clinic with a staff group and/or staff members on its list."""
    update: dict[str, object] = {}
    if group is not None:
        update["telegram_group_id"] = group
    if users:
        update["telegram_user_ids"] = list(users)
    return clinic.model_copy(update={"staff": clinic.staff.model_copy(update=update)})
