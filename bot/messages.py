"""What crosses the channel boundary: ``Inbound`` from a patient, ``Reply`` to them.

Channel adapters (Telegram, WhatsApp, the terminal) translate platform
updates into these values and back; flows speak only these (as in Rasa's
``rasa/core/channels/channel.py``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class InboundKind(StrEnum):
    """What the patient sent."""

    TEXT = "text"
    BUTTON = "button"
    CONTACT = "contact"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Inbound:
    """One message or button press from a patient, channel-neutral."""

    channel: str
    sender_id: str
    message_id: str
    kind: InboundKind = InboundKind.TEXT
    text: str = ""
    button: str | None = None
    contact_phone: str | None = None
    contact_name: str | None = None
    locale: str | None = None
    first_name: str | None = None


@dataclass(frozen=True)
class Choice:
    """A button: ``data`` comes back in an ``Inbound`` of kind BUTTON.

    ``data`` is at most 64 bytes (Telegram's ``callback_data`` limit).
    """

    data: str
    label: str


@dataclass(frozen=True)
class Document:
    """A file attached to a reply, such as an ``.ics`` calendar entry."""

    filename: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    """One message to a patient: text, optional buttons, optional document."""

    text: str
    choices: tuple[Choice, ...] = ()
    document: Document | None = None
    #: Label of a "share my phone number" button, where the channel has one.
    contact_button: str | None = None
    remove_keyboard: bool = False
    #: A forum topic of the staff group (Telegram's message_thread_id).
    thread_id: int | None = None
    #: A message we start (reminder, …): the channel may send it as this pre-approved
    #: template with these values (WhatsApp, outside the 24-hour window).
    template: str | None = None
    template_values: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_payload(self) -> dict[str, Any]:
        """Serialize for the outbox (JSON-safe)."""
        payload: dict[str, Any] = {"text": self.text}
        if self.choices:
            payload["choices"] = [[c.data, c.label] for c in self.choices]
        if self.document:
            payload["document"] = {
                "filename": self.document.filename,
                "mime_type": self.document.mime_type,
                "content": base64.b64encode(self.document.content).decode("ascii"),
            }
        if self.contact_button:
            payload["contact_button"] = self.contact_button
        if self.remove_keyboard:
            payload["remove_keyboard"] = True
        if self.thread_id is not None:
            payload["thread_id"] = self.thread_id
        if self.template is not None:
            payload["template"] = {"kind": self.template, "values": self.template_values}
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        """Rebuild a reply from its outbox payload."""
        document = payload.get("document")
        return cls(
            text=str(payload.get("text", "")),
            choices=tuple(Choice(data, label) for data, label in payload.get("choices", [])),
            document=Document(
                document["filename"],
                document["mime_type"],
                base64.b64decode(document["content"]),
            )
            if document
            else None,
            contact_button=payload.get("contact_button"),
            remove_keyboard=bool(payload.get("remove_keyboard", False)),
            thread_id=payload.get("thread_id"),
            template=(payload.get("template") or {}).get("kind"),
            template_values=dict((payload.get("template") or {}).get("values", {})),
        )
