"""A fake WhatsApp Business Cloud API (Graph API) that a real HTTP client talks to.

The fake is a FastAPI app served by uvicorn on 127.0.0.1 in a background thread
(DESIGN.md, "Fakes over mocks"), like :mod:`tests.fakes.telegram_api`. Point a client at
``fake.base_url`` (``http://127.0.0.1:PORT/v21.0``) instead of
``https://graph.facebook.com/v21.0``; it posts to ``{base_url}/{phone_number_id}/messages``
and ``{base_url}/{phone_number_id}/media`` with ``Authorization: Bearer <token>``::

    with running_fake_whatsapp(webhook_url=receiver_url) as fake:
        fake.push_text("33612345678", "Bonjour")          # a patient writes (signed webhook)
        ...                                                 # the bot under test answers
        reply = fake.wait_for(lambda: fake.sent_to("33612345678"))[-1]
        assert reply.text.startswith("Bonjour")

Answers follow Meta's Graph error shape, ``{"error": {"message": "(#131009) Parameter
value is not valid", "type": "OAuthException", "code": 131009, "error_data":
{"messaging_product": "whatsapp", "details": "…"}, "fbtrace_id": "…"}}``. The texts were
checked against Meta's error-code reference and against error bodies captured from the
live API and quoted in public code; the few the fake had to make up follow Meta's
patterns and are marked ``(inferred)`` where they are defined.

Behaviour worth knowing:

* **24-hour customer-service window.** The push helpers record, per ``wa_id``, when the
  user last wrote (read from ``clock``). A non-template message to someone whose window is
  closed (or never opened) is accepted with 200, then fails asynchronously: a ``failed``
  status webhook with error 131047 "Re-engagement message", as Meta does. Templates go
  through at any time.
* **Status webhooks.** Each accepted message gets ``sent`` then ``delivered`` status
  webhooks while :attr:`FakeWhatsApp.auto_statuses` is true; :meth:`FakeWhatsApp.push_status`
  sends any other (``read``, ``failed`` with 131026…). They may reach the receiver before
  the client has read its 200 (Meta promises no order either), so match them on the wamid.
* **Webhooks** are POSTed to :attr:`FakeWhatsApp.webhook_url`, one at a time and in order,
  signed with ``X-Hub-Signature-256: sha256=<HMAC-SHA256(app_secret, raw body)>``, and
  retried a few times on anything but 2xx. With no ``webhook_url`` they are dropped (the
  window still opens). JSON is compact and ASCII-escaped (emoji as ``\\ud83d…``), as Meta
  sends it, so a receiver that re-serialises before checking the signature fails.

Where the fake is deliberately simpler than Meta: no real throughput or pair-rate limits
(use :meth:`FakeWhatsApp.force_error`), no media download endpoint, template components
other than the body's parameter count are not checked, and a recipient is any digit
string (``wa_id`` = ``to``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.multipart import Part, header_param, parse_multipart
from tests.fakes.serving import app_with_worker, serve_in_thread, wait_until, wait_until_async

JsonDict = dict[str, Any]
T = TypeVar("T")

GRAPH_VERSION = "v21.0"
DEFAULT_TOKEN = "TEST-wa-token"
DEFAULT_PHONE_NUMBER_ID = "1234567890"
DEFAULT_APP_SECRET = "test-app-secret"
DISPLAY_PHONE_NUMBER = "15550001234"
WABA_ID = "102290129340398"
SIGNATURE_HEADER = "X-Hub-Signature-256"
SERVICE_WINDOW_SECONDS = 24 * 60 * 60
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

MAX_TEXT_BODY = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_BUTTON_TEXT = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_SECTION_TITLE = 24
MAX_HEADER_TEXT = 60
MAX_FOOTER_TEXT = 60

# Graph error messages, as the API sends them.
INVALID_TOKEN = "Invalid OAuth access token - Cannot parse access token"
PARAMETER_VALUE_NOT_VALID = "(#131009) Parameter value is not valid"
TEMPLATE_NOT_FOUND = "(#132001) Template name does not exist in the translation"
TEMPLATE_PARAM_COUNT = "(#132000) Number of parameters does not match the expected number of params"
TEXT_TOO_LONG = f"(#100) Param text['body'] must be at most {MAX_TEXT_BODY} characters long."
INTERACTIVE_BODY_REQUIRED = "(#100) The parameter interactive['body']['text'] is required."
TEXT_BODY_REQUIRED = "(#100) The parameter text['body'] is required."  # (inferred)
MESSAGING_PRODUCT_REQUIRED = "(#100) The parameter messaging_product is required."  # (inferred)
FILE_REQUIRED = "(#100) The parameter file is required."  # (inferred)
# `error_data.details` of the 131009 answers.
BODY_LENGTH_INVALID = f"Body text length invalid. Min length: 1, Max length: {MAX_INTERACTIVE_BODY}"
BUTTONS_COUNT_INVALID = (
    f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: {MAX_BUTTONS}"
)
BUTTON_TITLE_LENGTH_INVALID = (
    f"Button title length invalid. Min length: 1, Max length: {MAX_BUTTON_TITLE}"
)
ROWS_COUNT_EXCEEDED = f"Total row count exceed max allowed count: {MAX_LIST_ROWS}"
ROW_TITLE_TOO_LONG = f"Row title is too long. Max length is {MAX_ROW_TITLE}"
ROW_DESCRIPTION_TOO_LONG = f"Row description is too long. Max length is {MAX_ROW_DESCRIPTION}"
FOOTER_LENGTH_INVALID = f"Footer text length invalid. Min length: 0, Max length: {MAX_FOOTER_TEXT}"
# (inferred) from the pattern of the verified texts above.
HEADER_LENGTH_INVALID = f"Header text length invalid. Min length: 1, Max length: {MAX_HEADER_TEXT}"
BUTTON_ID_LENGTH_INVALID = f"Button id length invalid. Min length: 1, Max length: {MAX_BUTTON_ID}"
BUTTON_TITLES_NOT_UNIQUE = "Button title must be unique"
BUTTON_IDS_NOT_UNIQUE = "Button id must be unique"
LIST_BUTTON_TEXT_INVALID = (
    f"Button text length invalid. Min length: 1, Max length: {MAX_LIST_BUTTON_TEXT}"
)
ROW_ID_TOO_LONG = f"Row id is too long. Max length is {MAX_ROW_ID}"
SECTION_TITLE_TOO_LONG = f"Section title is too long. Max length is {MAX_SECTION_TITLE}"
ROWS_REQUIRED = "At least one row is required"

# Errors a send can fail with synchronously, for force_error: (HTTP status, message, details).
FORCEABLE_ERRORS: dict[int, tuple[int, str, str]] = {
    130429: (429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    131056: (
        400,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
    ),
    131000: (
        500,
        "(#131000) Something went wrong",
        "Message failed to send due to an unknown error.",
    ),
}
# Errors a status webhook can carry: code -> (title, details).
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    131026: ("Message undeliverable", "Message Undeliverable."),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
}
STATUSES = frozenset({"sent", "delivered", "read", "failed"})
_DIGITS = re.compile(r"^\+?\d{5,20}$")


class GraphApiError(Exception):
    """An error answer of the Graph API: ``{"error": {"message", "type", "code", …}}``."""

    def __init__(
        self,
        status_code: int,
        code: int,
        message: str,
        details: str | None = None,
        *,
        error_type: str = "OAuthException",
        error_subcode: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.error_type = error_type
        self.error_subcode = error_subcode

    def to_json(self) -> JsonDict:
        """The JSON body Meta sends for this error."""
        error: JsonDict = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.error_subcode is not None:
            error["error_subcode"] = self.error_subcode
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return {"error": error}


def _not_valid(details: str) -> GraphApiError:
    return GraphApiError(400, 131009, PARAMETER_VALUE_NOT_VALID, details)


def _invalid_parameter(message: str) -> GraphApiError:
    return GraphApiError(400, 100, message)


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted (HTTP 200) on ``/messages``."""

    to: str
    type: str
    payload: JsonDict
    wamid: str
    at: float
    in_window: bool

    @property
    def text(self) -> str | None:
        """What the user reads first: a text body, an interactive body, a caption."""
        if self.type == "text":
            return str(self.payload.get("text", {}).get("body", ""))
        if self.type == "interactive":
            return str(self.payload["interactive"].get("body", {}).get("text", ""))
        if self.type == "document":
            caption = self.payload["document"].get("caption")
            return None if caption is None else str(caption)
        return None

    @property
    def buttons(self) -> list[JsonDict]:
        """The reply buttons of an interactive button message, as ``{"id", "title"}``."""
        if self.type != "interactive" or self.payload["interactive"].get("type") != "button":
            return []
        action = self.payload["interactive"].get("action", {})
        return [dict(button.get("reply", {})) for button in action.get("buttons", [])]

    @property
    def rows(self) -> list[JsonDict]:
        """The rows of an interactive list message, every section in order."""
        if self.type != "interactive" or self.payload["interactive"].get("type") != "list":
            return []
        sections = self.payload["interactive"].get("action", {}).get("sections", [])
        return [dict(row) for section in sections for row in section.get("rows", [])]

    @property
    def template_name(self) -> str | None:
        """The template's name, for template messages."""
        return str(self.payload["template"]["name"]) if self.type == "template" else None

    @property
    def template_params(self) -> list[str]:
        """The body parameters of a template message, as texts."""
        if self.type != "template":
            return []
        return [str(p.get("text", "")) for p in _body_parameters(self.payload["template"])]


@dataclass(frozen=True)
class Rejection:
    """A request the fake answered with an error."""

    path: str
    to: str | None
    status_code: int
    code: int
    message: str
    details: str | None
    at: float


@dataclass(frozen=True)
class UploadedMedia:
    """A file uploaded on ``/media``."""

    media_id: str
    filename: str | None
    mime_type: str | None
    data: bytes = field(repr=False)
    type: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST a webhook; ``kind`` is ``"message"`` or ``"status"``."""

    kind: str
    ref: str  # the inbound message's wamid, or the wamid whose status this is
    attempt: int
    url: str
    status_code: int | None
    error: str | None
    payload: JsonDict
    at: float

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx, which is what stops Meta's retries."""
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class _Job:
    kind: str
    ref: str
    body: bytes
    payload: JsonDict
    generation: int


@dataclass(frozen=True)
class _Template:
    name: str
    language: str
    body_param_count: int


class FakeWhatsApp:
    """State and behaviour of one fake business number; serve it with
    :func:`running_fake_whatsapp`.

    Public methods are safe to call from the test's thread while the server thread answers
    the client; state is guarded by one lock.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        app_secret: str = DEFAULT_APP_SECRET,
        webhook_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.display_phone_number = DISPLAY_PHONE_NUMBER
        self.base_url = ""
        self._initial_webhook_url = webhook_url
        self._clock = clock
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[_Job] | None = None
        self._closing = False
        self._generation = 0
        self._pending = 0  # queued or in-flight webhooks; survives reset() on purpose
        self.reset()
        self.app = self._build_app()

    def reset(self) -> None:
        """Forget windows, templates, media and records; restore the knobs and webhook URL.

        Lets one server serve many tests (a module-scoped fixture calls it before each).
        Webhooks still queued from before are dropped, not delivered into the next test.
        """
        with self._lock:
            self._generation += 1
            self.webhook_url: str | None = self._initial_webhook_url
            self.auto_statuses = True
            self.webhook_max_attempts = 3
            self.webhook_retry_delay = 0.05
            self._sent: list[SentMessage] = []
            self._rejected: list[Rejection] = []
            self._media: dict[str, UploadedMedia] = {}
            self._deliveries: list[WebhookDelivery] = []
            self._templates: dict[tuple[str, str], _Template] = {}
            self._last_inbound: dict[str, float] = {}
            self._inbound: dict[str, _Job] = {}
            self._forced: deque[int] = deque()

    # ------------------------------------------------------------------ records

    @property
    def sent(self) -> list[SentMessage]:
        """Every accepted message, oldest first."""
        with self._lock:
            return list(self._sent)

    def sent_to(self, wa_id: str) -> list[SentMessage]:
        """The accepted messages to one user, oldest first."""
        with self._lock:
            return [message for message in self._sent if message.to == wa_id]

    @property
    def templates_sent(self) -> list[SentMessage]:
        """The accepted template messages, oldest first."""
        with self._lock:
            return [message for message in self._sent if message.type == "template"]

    @property
    def rejected(self) -> list[Rejection]:
        """Every request answered with an error, oldest first."""
        with self._lock:
            return list(self._rejected)

    @property
    def media(self) -> list[UploadedMedia]:
        """Every uploaded file, oldest first."""
        with self._lock:
            return list(self._media.values())

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook POST attempt, failed ones included, in order."""
        with self._lock:
            return list(self._deliveries)

    def statuses_for(self, wamid: str) -> list[str]:
        """The statuses delivered (2xx) for one sent message, in order."""
        with self._lock:
            return [
                d.payload["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
                for d in self._deliveries
                if d.kind == "status" and d.ref == wamid and d.ok
            ]

    @property
    def idle(self) -> bool:
        """Whether no webhook is waiting to be delivered."""
        with self._lock:
            return self._pending == 0

    def window_open(self, wa_id: str) -> bool:
        """Whether the user wrote within the last 24 hours (by ``clock``)."""
        with self._lock:
            last = self._last_inbound.get(wa_id)
            return last is not None and self._clock() - last < SERVICE_WINDOW_SECONDS

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Poll ``predicate`` until it returns something truthy and return it.

        Blocks the calling thread: from an ``async`` test whose code under test runs on the
        same event loop use :meth:`wait_for_async`.
        """
        return wait_until(predicate, timeout, lambda: self._timeout_report(timeout))

    async def wait_for_async(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Like :meth:`wait_for`, but yields to the event loop between checks."""
        return await wait_until_async(predicate, timeout, lambda: self._timeout_report(timeout))

    def _timeout_report(self, timeout: float) -> str:
        with self._lock:
            sent = [(m.to, m.type, m.text) for m in self._sent[-5:]]
            rejected = [(r.code, r.details or r.message) for r in self._rejected[-5:]]
            hooks = [(d.kind, d.status_code, d.error) for d in self._deliveries[-5:]]
        return (
            f"condition not met within {timeout} s; last sent: {sent}; "
            f"last rejected: {rejected}; last webhooks: {hooks}"
        )

    # ------------------------------------------------------------------ knobs

    def add_template(self, name: str, language: str, body_param_count: int = 0) -> None:
        """Register an approved template; sends must match its name, language and
        number of body parameters."""
        with self._lock:
            self._templates[(name, language)] = _Template(name, language, body_param_count)

    def force_error(self, code: int, times: int = 1) -> None:
        """Fail the next ``times`` sends on ``/messages`` with ``code`` (see
        :data:`FORCEABLE_ERRORS`: 130429 throughput, 131056 pair rate, 131000)."""
        if code not in FORCEABLE_ERRORS:
            raise ValueError(f"force_error knows {sorted(FORCEABLE_ERRORS)}, not {code}")
        with self._lock:
            self._forced.extend([code] * times)

    # ------------------------------------------------------------------ the user's side

    def push_text(self, wa_id: str, text: str, *, name: str = "Patient") -> str:
        """The user writes ``text``; returns the message's wamid."""
        return self._push(wa_id, name, "text", {"text": {"body": text}})

    def push_button_reply(
        self, wa_id: str, button_id: str, title: str, *, name: str = "Patient"
    ) -> str:
        """The user taps a reply button of the last interactive message sent to them."""
        interactive = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
        return self._push(wa_id, name, "interactive", {"interactive": interactive}, context=True)

    def push_list_reply(
        self,
        wa_id: str,
        row_id: str,
        title: str,
        *,
        description: str | None = None,
        name: str = "Patient",
    ) -> str:
        """The user picks a row of the last list message sent to them."""
        reply: JsonDict = {"id": row_id, "title": title}
        if description is not None:
            reply["description"] = description
        interactive = {"type": "list_reply", "list_reply": reply}
        return self._push(wa_id, name, "interactive", {"interactive": interactive}, context=True)

    def push_image(self, wa_id: str, *, caption: str | None = None, name: str = "Patient") -> str:
        """The user sends a photo (the fake does not serve its bytes)."""
        image: JsonDict = {
            "mime_type": "image/jpeg",
            "sha256": secrets.token_urlsafe(32),
            "id": self._new_media_id(),
        }
        if caption is not None:
            image["caption"] = caption
        return self._push(wa_id, name, "image", {"image": image})

    def push_location(
        self,
        wa_id: str,
        latitude: float = 48.8566,
        longitude: float = 2.3522,
        *,
        name: str = "Patient",
    ) -> str:
        """The user shares their current location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._push(wa_id, name, "location", {"location": location})

    def push_reaction(
        self,
        wa_id: str,
        emoji: str,
        *,
        message_id: str | None = None,
        name: str = "Patient",
    ) -> str:
        """The user reacts to a message (by default the last one sent to them);
        ``emoji=""`` removes a reaction."""
        target = message_id or self._last_sent_wamid(wa_id) or "wamid.unknown"
        reaction = {"message_id": target, "emoji": emoji}
        return self._push(wa_id, name, "reaction", {"reaction": reaction})

    def deliver_again(self, message_id: str) -> None:
        """Deliver an inbound message's webhook again, byte for byte, as Meta retries."""
        with self._lock:
            job = self._inbound.get(message_id)
        if job is None:
            raise ValueError(f"no pushed message {message_id}")
        self._enqueue(job)

    def push_status(
        self,
        wamid: str,
        status: str,
        *,
        error_code: int | None = None,
        error_title: str | None = None,
        error_details: str | None = None,
    ) -> None:
        """Send a status webhook for a sent message (``read``, ``failed`` with 131026…)."""
        if status not in STATUSES:
            raise ValueError(f"status is one of {sorted(STATUSES)}, not {status!r}")
        with self._lock:
            message = next((m for m in self._sent if m.wamid == wamid), None)
        if message is None:
            raise ValueError(f"no sent message {wamid}")
        error: JsonDict | None = None
        if error_code is not None:
            title, details = STATUS_ERRORS.get(error_code, (error_title, error_details))
            if title is None or details is None:
                raise ValueError(f"give error_title and error_details for code {error_code}")
            error = _status_error(error_code, error_title or title, error_details or details)
        self._send_status(message, status, error)

    # ------------------------------------------------------------------ webhook payloads

    def _push(
        self, wa_id: str, name: str, kind: str, content: JsonDict, *, context: bool = False
    ) -> str:
        wamid = self._new_wamid()
        with self._lock:
            now = self._clock()
            self._last_inbound[wa_id] = now
            message: JsonDict = {}
            last = self._last_sent_wamid(wa_id)
            if context and last is not None:
                message["context"] = {"from": self.display_phone_number, "id": last}
            message.update({"from": wa_id, "id": wamid, "timestamp": str(int(now)), "type": kind})
            message.update(content)
            value: JsonDict = {
                "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                "messages": [message],
            }
            job = self._job("message", wamid, value)
            self._inbound[wamid] = job
        self._enqueue(job)
        return wamid

    def _send_status(self, message: SentMessage, status: str, error: JsonDict | None) -> None:
        entry: JsonDict = {
            "id": message.wamid,
            "status": status,
            "timestamp": str(int(self._clock())),
            "recipient_id": message.to,
        }
        if error is not None:
            entry["errors"] = [error]
        elif status in ("sent", "delivered", "read"):
            category = "utility" if message.type == "template" else "service"
            entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": category}
        self._enqueue(self._job("status", message.wamid, {"statuses": [entry]}))

    def _job(self, kind: str, ref: str, value: JsonDict) -> _Job:
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": self.display_phone_number,
                                    "phone_number_id": self.phone_number_id,
                                },
                                **value,
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }
        # Compact and ASCII-escaped, as Meta's bodies are; the signature covers these bytes.
        body = json.dumps(payload, separators=(",", ":")).encode()
        return _Job(kind, ref, body, payload, self._generation)

    def _last_sent_wamid(self, wa_id: str) -> str | None:
        with self._lock:
            sent = [m for m in self._sent if m.to == wa_id]
            return sent[-1].wamid if sent else None

    def _new_wamid(self) -> str:
        return "wamid." + secrets.token_urlsafe(36).replace("-", "A").replace("_", "B")

    def _new_media_id(self) -> str:
        return str(1_037_543_291_500_000 + next(self._ids))

    # ------------------------------------------------------------------ delivery

    def _enqueue(self, job: _Job) -> None:
        loop, queue = self._loop, self._queue
        if loop is None or queue is None or self._closing:
            return
        with self._lock:
            self._pending += 1
        loop.call_soon_threadsafe(queue.put_nowait, job)

    async def _worker(self, client: httpx.AsyncClient) -> None:
        assert self._queue is not None
        while True:
            job = await self._queue.get()
            try:
                await self._deliver(client, job)
            finally:
                with self._lock:
                    self._pending -= 1

    async def _deliver(self, client: httpx.AsyncClient, job: _Job) -> None:
        """POST one webhook until the receiver answers 2xx, like Meta retrying."""
        for attempt in range(1, self.webhook_max_attempts + 1):
            with self._lock:
                url = self.webhook_url
                if not url or job.generation != self._generation:
                    return
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(job.body, self.app_secret),
            }
            status: int | None = None
            error: str | None = None
            try:
                response = await client.post(url, content=job.body, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{exc.__class__.__name__}: {exc}"
            else:
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            with self._lock:
                self._deliveries.append(
                    WebhookDelivery(
                        job.kind, job.ref, attempt, url, status, error, job.payload, time.time()
                    )
                )
            if error is None:
                return
            await asyncio.sleep(self.webhook_retry_delay)

    def verify_handshake(
        self, url: str, verify_token: str, challenge: str = "1158201444"
    ) -> tuple[int, str]:
        """Do Meta's subscription check, ``GET url?hub.mode=subscribe&…``; return the
        receiver's (status, text). A correct receiver echoes ``challenge`` with 200.

        Blocking: from async code whose receiver runs on the same loop use
        :meth:`verify_handshake_async`.
        """
        params = _handshake_params(verify_token, challenge)
        response = httpx.get(url, params=params, timeout=5.0)
        return response.status_code, response.text

    async def verify_handshake_async(
        self, url: str, verify_token: str, challenge: str = "1158201444"
    ) -> tuple[int, str]:
        """Like :meth:`verify_handshake`, without blocking the event loop."""
        params = _handshake_params(verify_token, challenge)
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url, params=params)
        return response.status_code, response.text

    # ------------------------------------------------------------------ app

    def _build_app(self) -> FastAPI:
        def start() -> None:
            self._loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()

        app = app_with_worker(start, self._worker)
        app.add_api_route("/{version}/{phone_number_id}/messages", self._messages, methods=["POST"])
        app.add_api_route("/{version}/{phone_number_id}/media", self._upload, methods=["POST"])
        return app

    async def _messages(self, request: Request) -> JSONResponse:
        body = await request.body()
        to: str | None = None
        try:
            self._check_request(request)
            try:
                payload = json.loads(body)
            except ValueError as exc:
                raise _invalid_parameter("(#100) Invalid parameter") from exc
            if not isinstance(payload, dict):
                raise _invalid_parameter("(#100) Invalid parameter")
            to = _str_or_none(payload.get("to"))
            with self._lock:
                if self._forced:
                    code = self._forced.popleft()
                    status, message, details = FORCEABLE_ERRORS[code]
                    raise GraphApiError(status, code, message, details)
                sent = self._accept(payload)
        except GraphApiError as error:
            return self._reject(request, to, error)
        if not sent.in_window:
            self._send_status(sent, "failed", _status_error(131047, *STATUS_ERRORS[131047]))
        elif self.auto_statuses:
            self._send_status(sent, "sent", None)
            self._send_status(sent, "delivered", None)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": sent.to, "wa_id": sent.to}],
                "messages": [{"id": sent.wamid}],
            }
        )

    def _accept(self, payload: JsonDict) -> SentMessage:
        """Validate a send as Meta does and record it; the caller holds the lock."""
        if payload.get("messaging_product") != "whatsapp":
            raise _invalid_parameter(MESSAGING_PRODUCT_REQUIRED)
        to = str(payload.get("to") or "")
        if not _DIGITS.match(to):
            raise _invalid_parameter("(#100) Invalid parameter")
        kind = payload.get("type", "text")
        checks: dict[str, Callable[[JsonDict], None]] = {
            "text": _check_text,
            "interactive": _check_interactive,
            "document": self._check_document,
            "template": self._check_template,
        }
        check = checks.get(kind)
        if check is None:
            raise _invalid_parameter(f"(#100) Param type '{kind}' is not supported by this fake")
        check(payload)
        wa_id = to.removeprefix("+")
        in_window = kind == "template" or self.window_open(wa_id)
        sent = SentMessage(wa_id, kind, payload, self._new_wamid(), time.time(), in_window)
        self._sent.append(sent)
        return sent

    def _check_document(self, payload: JsonDict) -> None:
        document = payload.get("document")
        if not isinstance(document, dict) or not (document.get("id") or document.get("link")):
            raise _invalid_parameter("(#100) The parameter document['id'] is required.")
        media_id = document.get("id")
        if media_id is not None and str(media_id) not in self._media:
            raise _invalid_parameter(
                "(#100) Param document['id'] is not a valid whatsapp business account media "
                "attachment ID"
            )

    def _check_template(self, payload: JsonDict) -> None:
        template = payload.get("template")
        if not isinstance(template, dict) or not template.get("name"):
            raise _invalid_parameter("(#100) The parameter template['name'] is required.")
        name = str(template["name"])
        language = str((template.get("language") or {}).get("code") or "")
        registered = self._templates.get((name, language))
        if registered is None:
            raise GraphApiError(
                404,
                132001,
                TEMPLATE_NOT_FOUND,
                f"template name ({name}) does not exist in {language}",
            )
        given = len(_body_parameters(template))
        if given != registered.body_param_count:
            raise GraphApiError(
                400,
                132000,
                TEMPLATE_PARAM_COUNT,
                f"body: number of localizable_params ({given}) does not match the expected "
                f"number of params ({registered.body_param_count})",
            )

    async def _upload(self, request: Request) -> JSONResponse:
        try:
            self._check_request(request)
            content_type = request.headers.get("content-type", "")
            boundary = header_param(content_type, "boundary")
            if not content_type.lower().startswith("multipart/form-data") or not boundary:
                raise _invalid_parameter(FILE_REQUIRED)
            fields: dict[str, str] = {}
            upload: Part | None = None
            for part in parse_multipart(await request.body(), boundary):
                if part.filename is None:
                    fields[part.name] = part.data.decode()
                elif part.name == "file":
                    upload = part
            if fields.get("messaging_product") != "whatsapp":
                raise _invalid_parameter(MESSAGING_PRODUCT_REQUIRED)
            if upload is None:
                raise _invalid_parameter(FILE_REQUIRED)
            media = UploadedMedia(
                self._new_media_id(),
                upload.filename,
                fields.get("type") or upload.content_type,
                upload.data,
                fields.get("type"),
            )
            with self._lock:
                self._media[media.media_id] = media
        except GraphApiError as error:
            return self._reject(request, None, error)
        return JSONResponse({"id": media.media_id})

    def _check_request(self, request: Request) -> None:
        """Token first, then the phone number id, as the Graph API checks them."""
        authorization = request.headers.get("authorization", "")
        if authorization != f"Bearer {self.token}":
            raise GraphApiError(401, 190, INVALID_TOKEN)
        object_id = request.path_params["phone_number_id"]
        if object_id != self.phone_number_id:
            raise GraphApiError(
                400,
                100,
                f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation. "
                "Please read the Graph API documentation at "
                "https://developers.facebook.com/docs/graph-api",
                error_type="GraphMethodException",
                error_subcode=33,
            )

    def _reject(self, request: Request, to: str | None, error: GraphApiError) -> JSONResponse:
        with self._lock:
            self._rejected.append(
                Rejection(
                    request.url.path,
                    to,
                    error.status_code,
                    error.code,
                    error.message,
                    error.details,
                    time.time(),
                )
            )
        return JSONResponse(error.to_json(), status_code=error.status_code)


# ---------------------------------------------------------------------- validation


def _check_text(payload: JsonDict) -> None:
    text = payload.get("text")
    body = text.get("body") if isinstance(text, dict) else None
    if not isinstance(body, str) or not body:
        raise _invalid_parameter(TEXT_BODY_REQUIRED)
    if len(body) > MAX_TEXT_BODY:
        raise _invalid_parameter(TEXT_TOO_LONG)


def _check_interactive(payload: JsonDict) -> None:
    interactive = payload.get("interactive")
    if not isinstance(interactive, dict):
        raise _invalid_parameter("(#100) The parameter interactive is required.")
    body = (interactive.get("body") or {}).get("text")
    if not isinstance(body, str) or not body:
        raise _invalid_parameter(INTERACTIVE_BODY_REQUIRED)
    if len(body) > MAX_INTERACTIVE_BODY:
        raise _not_valid(BODY_LENGTH_INVALID)
    header = interactive.get("header")
    header_text = header.get("text") if isinstance(header, dict) else None
    if header_text is not None and not 1 <= len(str(header_text)) <= MAX_HEADER_TEXT:
        raise _not_valid(HEADER_LENGTH_INVALID)
    footer = interactive.get("footer")
    if isinstance(footer, dict) and len(str(footer.get("text") or "")) > MAX_FOOTER_TEXT:
        raise _not_valid(FOOTER_LENGTH_INVALID)
    action = interactive.get("action") or {}
    kind = interactive.get("type")
    if kind == "button":
        _check_buttons(action.get("buttons"))
    elif kind == "list":
        _check_list(action)
    else:
        raise _invalid_parameter(
            f"(#100) Param interactive['type'] '{kind}' is not supported by this fake"
        )


def _check_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise _not_valid(BUTTONS_COUNT_INVALID)
    titles: list[str] = []
    ids: list[str] = []
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if not isinstance(reply, dict) or button.get("type") != "reply":
            raise _invalid_parameter("(#100) Param interactive['action']['buttons'] is invalid")
        title, button_id = str(reply.get("title") or ""), str(reply.get("id") or "")
        if not 1 <= len(title) <= MAX_BUTTON_TITLE:
            raise _not_valid(BUTTON_TITLE_LENGTH_INVALID)
        if not 1 <= len(button_id) <= MAX_BUTTON_ID:
            raise _not_valid(BUTTON_ID_LENGTH_INVALID)
        titles.append(title)
        ids.append(button_id)
    if len(set(titles)) != len(titles):
        raise _not_valid(BUTTON_TITLES_NOT_UNIQUE)
    if len(set(ids)) != len(ids):
        raise _not_valid(BUTTON_IDS_NOT_UNIQUE)


def _check_list(action: JsonDict) -> None:
    if not 1 <= len(str(action.get("button") or "")) <= MAX_LIST_BUTTON_TEXT:
        raise _not_valid(LIST_BUTTON_TEXT_INVALID)
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise _not_valid(ROWS_REQUIRED)
    rows = [row for section in sections for row in (section.get("rows") or [])]
    if not rows:
        raise _not_valid(ROWS_REQUIRED)
    if len(rows) > MAX_LIST_ROWS:
        raise _not_valid(ROWS_COUNT_EXCEEDED)
    for section in sections:
        if len(str(section.get("title") or "")) > MAX_SECTION_TITLE:
            raise _not_valid(SECTION_TITLE_TOO_LONG)
    for row in rows:
        if not 1 <= len(str(row.get("title") or "")) <= MAX_ROW_TITLE:
            raise _not_valid(ROW_TITLE_TOO_LONG)
        if len(str(row.get("description") or "")) > MAX_ROW_DESCRIPTION:
            raise _not_valid(ROW_DESCRIPTION_TOO_LONG)
        if not 1 <= len(str(row.get("id") or "")) <= MAX_ROW_ID:
            raise _not_valid(ROW_ID_TOO_LONG)


def _body_parameters(template: JsonDict) -> list[JsonDict]:
    for component in template.get("components") or []:
        if isinstance(component, dict) and component.get("type") == "body":
            return [p for p in component.get("parameters") or [] if isinstance(p, dict)]
    return []


def _status_error(code: int, title: str, details: str) -> JsonDict:
    """An entry of ``statuses[].errors`` as Meta sends it (title repeated as message)."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_HREF,
    }


def _handshake_params(verify_token: str, challenge: str) -> dict[str, str]:
    return {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------- multipart


# ---------------------------------------------------------------------- server


@contextlib.contextmanager
def running_fake_whatsapp(
    *,
    token: str = DEFAULT_TOKEN,
    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
    app_secret: str = DEFAULT_APP_SECRET,
    webhook_url: str | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator[FakeWhatsApp]:
    """Serve a :class:`FakeWhatsApp` on 127.0.0.1 (a free port) for the ``with`` block.

    ``clock`` (epoch seconds, default ``time.time``) drives the 24-hour window and webhook
    timestamps, so tests move time instead of sleeping.
    """
    fake = FakeWhatsApp(
        token=token,
        phone_number_id=phone_number_id,
        app_secret=app_secret,
        webhook_url=webhook_url,
        clock=clock or time.time,
    )

    def close() -> None:
        fake._closing = True

    with serve_in_thread(fake.app, name="fake-whatsapp", on_close=close) as port:
        fake.base_url = f"http://127.0.0.1:{port}/{GRAPH_VERSION}"
        yield fake
