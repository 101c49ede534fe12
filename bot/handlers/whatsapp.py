"""The WhatsApp channel (Cloud API): signed webhooks in, messages out, with a thin httpx client.

Why not pywa: its Graph base URL is fixed (WHATSAPP_BASE_URL must reach
providers and the tests' fake), its duplicate filter lives in one process's
memory (ours is in the database), and its webhook handler parses before we
can check the signature on the raw bytes. What we need of the API is four
calls (messages, media upload), so a small client is the simpler piece.

Meta's limits are enforced here, so a long practitioner name never gets a
message rejected: reply buttons ≤ 3 with titles ≤ 20 characters, lists ≤ 10
rows (titles ≤ 24, descriptions ≤ 72), bodies ≤ 1024 in interactive
messages; more than 10 choices are paged with a "more" row.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import structlog

from bot.delivery import Delivery, Rejected, RetryLater, SendResult, Sent, Unreachable
from bot.engine import Engine
from bot.i18n import catalogue
from bot.messages import Choice, Inbound, InboundKind, Reply
from bot.pacing import Pacing
from clinic.config import ClinicConfig, WhatsAppTemplates
from scheduler.alerts import alert_staff

log = structlog.get_logger("carebot.whatsapp")

CHANNEL = "whatsapp"
MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ID = 200
MORE = "wa:more:"
SHARE_PHONE = "wa:phone"
#: Error codes Meta sends (in responses or "failed" statuses) and what they mean here.
WINDOW_CLOSED = 131047
PAIR_RATE = 131056
THROUGHPUT = 130429
UNDELIVERABLE = 131026


def signature_ok(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``X-Hub-Signature-256`` is the HMAC-SHA256 of the raw body (constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256="), expected)


# --- webhooks in ---


@dataclass(frozen=True)
class Status:
    """A delivery status of a message we sent."""

    message_id: str
    status: str
    error_code: int | None = None
    error_title: str = ""


def parse_webhook(payload: dict[str, Any]) -> tuple[list[Inbound], list[Status]]:
    """The patients' messages and the delivery statuses in one webhook call."""
    inbound: list[Inbound] = []
    statuses: list[Status] = []
    for entry in payload.get("entry", []) or []:
        for change in entry.get("changes", []) or []:
            value = change.get("value", {}) or {}
            names = {
                c.get("wa_id"): (c.get("profile") or {}).get("name")
                for c in value.get("contacts", []) or []
            }
            for message in value.get("messages", []) or []:
                parsed = _message(message, names)
                if parsed is not None:
                    inbound.append(parsed)
            for status in value.get("statuses", []) or []:
                errors = status.get("errors") or [{}]
                code = errors[0].get("code")
                statuses.append(
                    Status(
                        str(status.get("id", "")),
                        str(status.get("status", "")),
                        int(code) if code is not None else None,
                        str(errors[0].get("title", "")),
                    )
                )
    return inbound, statuses


def _message(message: dict[str, Any], names: dict[Any, Any]) -> Inbound | None:
    sender = message.get("from")
    message_id = message.get("id")
    if not sender or not message_id:
        return None
    base = {
        "channel": CHANNEL,
        "sender_id": str(sender),
        "message_id": str(message_id),
        "first_name": names.get(sender),
    }
    kind = message.get("type")
    if kind == "text":
        body = (message.get("text") or {}).get("body", "")
        return Inbound(kind=InboundKind.TEXT, text=str(body), **base)  # type: ignore[arg-type]
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        data = str(reply.get("id", ""))
        if data == SHARE_PHONE:
            # WhatsApp has no "share contact" button: the sender's own number is their id.
            return Inbound(kind=InboundKind.CONTACT, contact_phone=str(sender), **base)  # type: ignore[arg-type]
        return Inbound(kind=InboundKind.BUTTON, button=data, **base)  # type: ignore[arg-type]
    if kind == "button":  # a template's quick-reply button
        data = str((message.get("button") or {}).get("payload", ""))
        return Inbound(kind=InboundKind.BUTTON, button=data, **base)  # type: ignore[arg-type]
    return Inbound(kind=InboundKind.UNSUPPORTED, **base)  # type: ignore[arg-type]


# --- messages out ---


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _split(text: str, limit: int) -> list[str]:
    """Long text in parts at paragraph or line ends."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(
            text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit)
        )
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text] if text or not parts else parts


def interactive_for(
    choices: tuple[Choice, ...], body: str, language: str, page: int = 0
) -> dict[str, Any]:
    """Reply buttons for up to 3 short choices, else a list (paged past 10)."""
    texts = catalogue(language)
    # Buttons only when every label fits whole; a list shows long labels in full.
    if len(choices) <= MAX_BUTTONS and all(len(c.label) <= MAX_BUTTON_TITLE for c in choices):
        buttons = [
            {
                "type": "reply",
                "reply": {"id": c.data[:MAX_ID], "title": _cut(c.label, MAX_BUTTON_TITLE)},
            }
            for c in choices
        ]
        return {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}
    per_page = MAX_ROWS if len(choices) <= MAX_ROWS else MAX_ROWS - 1
    shown = choices[page * per_page : (page + 1) * per_page]
    rows = [_row(c) for c in shown]
    if (page + 1) * per_page < len(choices):
        rows.append({"id": f"{MORE}{page + 1}", "title": _cut(texts["wa.more"], MAX_ROW_TITLE)})
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": _cut(texts["wa.choose"], MAX_BUTTON_TITLE),
            "sections": [{"title": _cut(texts["wa.choices"], MAX_ROW_TITLE), "rows": rows}],
        },
    }


def _row(choice: Choice) -> dict[str, str]:
    row = {"id": choice.data[:MAX_ID], "title": _cut(choice.label, MAX_ROW_TITLE)}
    if len(choice.label) > MAX_ROW_TITLE:
        row["description"] = _cut(choice.label, MAX_ROW_DESCRIPTION)
    return row


class WhatsAppSender:
    """Sends replies through the Cloud API and says how each send went."""

    channel = CHANNEL

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        phone_number_id: str,
        language_of: Callable[[str], str],
        window_open: Callable[[str], bool],
        templates: Callable[[], WhatsAppTemplates],
        pacing: Pacing | None = None,
    ) -> None:
        self.templates = templates
        self.client = client
        self.phone_number_id = phone_number_id
        self.language_of = language_of
        self.window_open = window_open
        # Meta: 80 messages/s per number by default; about one per second per user.
        self.pacing = pacing or Pacing(overall_per_second=80)

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send one reply (text, buttons or list, document); outside the 24-hour window a
        message we start goes as its pre-approved template. Classify Meta's answer."""
        if reply.template is not None and not self.window_open(recipient):
            return await self._as_template(recipient, reply)
        try:
            message_id = await self._send(recipient, reply)
        except _ApiError as error:
            return error.result
        except httpx.HTTPError as error:
            return RetryLater(5.0, f"whatsapp: network: {type(error).__name__}")
        return Sent(message_id)

    async def _send(self, to: str, reply: Reply) -> str | None:
        language = self.language_of(to)
        message_id = None
        texts = _split(reply.text, MAX_TEXT) if reply.text else []
        choices = reply.choices
        if reply.contact_button:
            choices = (Choice(SHARE_PHONE, catalogue(language)["wa.use_this_number"]),)
        if choices and texts:
            # The interactive message carries the last part (≤ 1024); any earlier text first.
            last = texts.pop()
            texts += _split(last, MAX_BODY)
            last = texts.pop()
            for part in texts:
                message_id = await self._post(to, {"type": "text", "text": {"body": part}})
            body = interactive_for(choices, last, language)
            message_id = await self._post(to, {"type": "interactive", "interactive": body})
        else:
            for part in texts:
                message_id = await self._post(to, {"type": "text", "text": {"body": part}})
        if reply.document is not None:
            media = await self._upload(
                reply.document.filename, reply.document.mime_type, reply.document.content
            )
            document = {"id": media, "filename": reply.document.filename}
            message_id = await self._post(to, {"type": "document", "document": document})
        return message_id

    async def _post(self, to: str, message: dict[str, Any]) -> str | None:
        await self.pacing(to)
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            **message,
        }
        response = await self.client.post(f"/{self.phone_number_id}/messages", json=body)
        data = _checked(response)
        messages = data.get("messages") or [{}]
        return str(messages[0].get("id")) if messages[0].get("id") else None

    async def _upload(self, filename: str, mime_type: str, content: bytes) -> str:
        response = await self.client.post(
            f"/{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        return str(_checked(response).get("id", ""))

    async def _as_template(self, to: str, reply: Reply) -> SendResult:
        templates = self.templates().templates
        config = templates.get(reply.template or "")  # type: ignore[call-overload]
        if config is None:
            return Rejected(
                f"whatsapp: no template configured for '{reply.template}' (clinic.yaml)"
            )
        language = self.language_of(to)
        code = config.languages.get(language) or next(iter(config.languages.values()))
        values = [reply.template_values.get(name, "") for name in config.parameters]
        return await self.send_template(to, config.name, code, values)

    async def send_template(
        self, to: str, name: str, language_code: str, parameters: list[str]
    ) -> SendResult:
        """A pre-approved template (for messages outside the 24-hour window)."""
        components = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
        ]
        template = {"name": name, "language": {"code": language_code}, "components": components}
        try:
            message_id = await self._post(to, {"type": "template", "template": template})
        except _ApiError as error:
            return error.result
        except httpx.HTTPError as error:
            return RetryLater(5.0, f"whatsapp: network: {type(error).__name__}")
        return Sent(message_id)


class _ApiError(Exception):
    def __init__(self, result: SendResult) -> None:
        super().__init__(str(result))
        self.result = result


def _checked(response: httpx.Response) -> dict[str, Any]:
    """The JSON of a success, or an _ApiError saying what to do about Meta's error."""
    try:
        data: dict[str, Any] = response.json()
    except json.JSONDecodeError:
        data = {}
    if response.status_code < 400:
        return data
    error = data.get("error") or {}
    code = int(error.get("code") or 0)
    detail = f"whatsapp: {code} {error.get('message', response.reason_phrase)}"
    raise _ApiError(result_for(code, response.status_code, detail))


def result_for(code: int, http_status: int, detail: str) -> SendResult:
    """What a Meta error code means for this message."""
    if code in (THROUGHPUT, PAIR_RATE) or http_status == 429:
        return RetryLater(5.0 if code == PAIR_RATE else 1.0, f"{detail} (429)")
    if code == UNDELIVERABLE:
        return Unreachable(detail)
    if http_status >= 500:
        return RetryLater(10.0, detail)
    return Rejected(detail)


class WhatsAppChannel:
    """Turns WhatsApp webhooks into engine turns and delivery statuses into outbox state."""

    def __init__(
        self,
        engine: Engine,
        delivery: Delivery,
        clinic: Callable[[], ClinicConfig],
    ) -> None:
        self.engine = engine
        self.delivery = delivery
        self.database = engine.database
        self.clinic = clinic
        sender = delivery.senders.get(CHANNEL)
        if not isinstance(sender, WhatsAppSender):
            raise ValueError("the delivery has no WhatsApp sender")
        self.sender = sender

    async def process(self, payload: dict[str, Any]) -> None:
        """One webhook call: patients' messages in order, then statuses. Never raises."""
        try:
            inbound, statuses = parse_webhook(payload)
            for item in inbound:
                if item.kind is InboundKind.BUTTON and (item.button or "").startswith(MORE):
                    await self._next_page(item)
                    continue
                outgoing = await asyncio.to_thread(self.engine.handle, item)
                await self.delivery.deliver(outgoing)
            for status in statuses:
                await asyncio.to_thread(self._status, status)
        except Exception:
            log.exception("whatsapp.webhook_failed")

    async def _next_page(self, item: Inbound) -> None:
        """ "More choices" in a long list: the next page of the last list sent."""
        page = int((item.button or "").removeprefix(MORE) or 0)
        reply = await asyncio.to_thread(self._last_choices, item)
        if reply is None:
            return
        body = interactive_for(
            reply.choices, _cut(reply.text, MAX_BODY), self.sender.language_of(item.sender_id), page
        )
        with suppress(_ApiError, httpx.HTTPError):
            await self.sender._post(item.sender_id, {"type": "interactive", "interactive": body})

    def _last_choices(self, item: Inbound) -> Reply | None:
        with self.database.unit_of_work() as uow:
            if not uow.inbound.claim(CHANNEL, item.message_id, self.engine.clock()):
                return None
            row = uow.outbox.latest_with_choices(CHANNEL, item.sender_id)
            uow.commit()
        return Reply.from_payload(row.payload) if row is not None else None

    def _status(self, status: Status) -> None:
        """Act on what Meta says became of a message (statuses may come out of order)."""
        if status.status != "failed":
            return  # sent / delivered / read: the outbox already says "sent"
        now = self.engine.clock()
        with self.database.unit_of_work() as uow:
            row = uow.outbox.by_provider_id(status.message_id)
            if row is None or row.id is None:
                return
            detail = f"whatsapp: {status.error_code} {status.error_title}".strip()
            result = result_for(status.error_code or 0, 200, detail)
            if isinstance(result, RetryLater):
                uow.outbox.mark_failed(row.id, detail, now, retry_at=now + timedelta(seconds=30))
            else:
                uow.outbox.mark_failed(row.id, detail, now, retry_at=None)
                if status.error_code == UNDELIVERABLE and row.patient_id is not None:
                    uow.patients.update(row.patient_id, unreachable=True)
                clinic = self.clinic()
                text = catalogue(clinic.clinic.default_language)["staff.delivery_failed"].format(
                    patient=row.patient_id or "?", kind=row.kind, reason=_explain(status, clinic)
                )
                alert_staff(uow, clinic, key=f"delivery:{row.id}", text=text, now=now)
            uow.commit()


def _explain(status: Status, clinic: ClinicConfig) -> str:
    """A failure staff can act on."""
    key = {WINDOW_CLOSED: "wa.window_closed", UNDELIVERABLE: "wa.undeliverable"}.get(
        status.error_code or 0
    )
    if key is None:
        return f"{status.error_code} {status.error_title}"
    return catalogue(clinic.clinic.default_language)[key]
