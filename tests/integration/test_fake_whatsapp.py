"""The fake WhatsApp Cloud API, driven over HTTP with plain httpx.

These tests pin down what the fake answers so that carebot's WhatsApp adapter can trust
it: Meta's success and error bodies, the interactive limits, templates, the 24-hour
window, media, signed webhooks in both directions and what the fake records.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

from tests.fakes.whatsapp_api import (
    DEFAULT_APP_SECRET,
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    SERVICE_WINDOW_SECONDS,
    SIGNATURE_HEADER,
    FakeWhatsApp,
    running_fake_whatsapp,
    sign,
)

PATIENT = "33612345678"
VERIFY_TOKEN = "verify-me"
START = 1_750_000_000.0


class Clock:
    """A settable epoch clock for the fake's 24-hour window."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Receiver:
    """A tiny FastAPI webhook endpoint that checks signatures as carebot's must."""

    url: str = ""
    answers: deque[int] = field(default_factory=deque)  # statuses to answer first
    bodies: list[bytes] = field(default_factory=list)  # signed POSTs, raw
    refused: int = 0  # POSTs with a bad signature

    def clear(self) -> None:
        """Forget what was received and the queued answers."""
        self.answers.clear()
        self.bodies.clear()
        self.refused = 0

    def payloads(self) -> list[dict[str, Any]]:
        """The received webhook bodies, parsed."""
        return [json.loads(body) for body in self.bodies]

    def messages(self) -> list[dict[str, Any]]:
        """Every ``value.messages[]`` entry received."""
        return [m for p in self.payloads() for m in _value(p).get("messages", [])]

    def statuses(self) -> list[dict[str, Any]]:
        """Every ``value.statuses[]`` entry received."""
        return [s for p in self.payloads() for s in _value(p).get("statuses", [])]


def _value(payload: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]
    return value


def _receiver_app(receiver: Receiver) -> FastAPI:
    app = FastAPI()

    @app.get("/webhook")
    async def handshake(request: Request) -> Response:
        params = request.query_params
        if params.get("hub.mode") == "subscribe" and params.get("hub.verify_token") == (
            VERIFY_TOKEN
        ):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("forbidden", status_code=403)

    @app.post("/webhook")
    async def webhook(request: Request) -> Response:
        body = await request.body()  # raw bytes: the signature covers exactly these
        expected = sign(body, DEFAULT_APP_SECRET)
        if not hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, ""), expected):
            receiver.refused += 1
            return Response(status_code=403)
        if receiver.answers:
            return Response(status_code=receiver.answers.popleft())
        receiver.bodies.append(body)
        return Response(status_code=200)

    return app


@contextlib.contextmanager
def _serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1 in a thread; yield its root URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.005)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()
    with _serve(_receiver_app(receiver)) as root:
        receiver.url = f"{root}/webhook"
        yield receiver


@pytest.fixture(scope="module")
def fake_server(clock: Clock, receiver_server: Receiver) -> Iterator[FakeWhatsApp]:
    """One server for the module: starting uvicorn costs ~0.2 s."""
    with running_fake_whatsapp(webhook_url=receiver_server.url, clock=clock) as server:
        yield server


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    receiver_server.clear()
    return receiver_server


@pytest.fixture
def fake(fake_server: FakeWhatsApp, clock: Clock, receiver: Receiver) -> FakeWhatsApp:
    clock.now = START
    fake_server.reset()  # drops webhooks still queued by the previous test
    fake_server.wait_for(lambda: fake_server.idle)
    receiver.clear()  # in case one was already on the wire
    fake_server.webhook_retry_delay = 0.01
    return fake_server


@pytest.fixture
def client(fake: FakeWhatsApp) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    with httpx.Client(base_url=fake.base_url, headers=headers, timeout=5.0) as http:
        yield http


def send(client: httpx.Client, message: dict[str, Any], to: str = PATIENT) -> httpx.Response:
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    return client.post(f"/{DEFAULT_PHONE_NUMBER_ID}/messages", json={**payload, **message})


def text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"preview_url": False, "body": body}}


def buttons(*titles: str, body: str = "Confirmer le rendez-vous ?") -> dict[str, Any]:
    replies = [
        {"type": "reply", "reply": {"id": f"b{i}", "title": title}}
        for i, title in enumerate(titles)
    ]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": replies}},
    }


def list_message(rows: list[dict[str, str]], *, footer: str | None = None) -> dict[str, Any]:
    interactive: dict[str, Any] = {
        "type": "list",
        "header": {"type": "text", "text": "Créneaux"},
        "body": {"text": "Choisissez un créneau"},
        "action": {"button": "Voir les créneaux", "sections": [{"title": "Mardi", "rows": rows}]},
    }
    if footer is not None:
        interactive["footer"] = {"text": footer}
    return {"type": "interactive", "interactive": interactive}


def rows(
    count: int, *, title: str = "09:00", description: str = "Dr Martin"
) -> list[dict[str, str]]:
    return [{"id": f"slot-{i}", "title": title, "description": description} for i in range(count)]


def template(name: str, language: str, *params: str) -> dict[str, Any]:
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]
    return {
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components},
    }


def assert_graph_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"]
    return error


# ---------------------------------------------------------------------- sending


def test_text_inside_the_window_is_accepted_with_sent_and_delivered_statuses(
    fake: FakeWhatsApp, client: httpx.Client, receiver: Receiver
) -> None:
    """A reply within 24 h of the patient's message gets Meta's success body, is
    recorded, and is followed by signed ``sent`` then ``delivered`` status webhooks."""
    fake.push_text(PATIENT, "Bonjour")

    response = send(client, text("Bonjour, que puis-je faire pour vous ?"))

    assert response.status_code == 200
    body = response.json()
    wamid = body["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    assert body == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": PATIENT, "wa_id": PATIENT}],
        "messages": [{"id": wamid}],
    }
    [sent] = fake.sent_to(PATIENT)
    assert (sent.wamid, sent.type, sent.text) == (wamid, "text", body_text(sent.payload))
    fake.wait_for(lambda: fake.statuses_for(wamid) == ["sent", "delivered"])
    statuses = [s for s in receiver.statuses() if s["id"] == wamid]
    assert [s["status"] for s in statuses] == ["sent", "delivered"]
    assert statuses[0]["recipient_id"] == PATIENT
    assert statuses[0]["timestamp"] == str(int(START))


def body_text(payload: dict[str, Any]) -> str:
    return str(payload["text"]["body"])


def test_wrong_token_is_401_oauth_190(fake: FakeWhatsApp, client: httpx.Client) -> None:
    """A bad access token answers 401 with Graph's code 190 body."""
    response = client.post(
        f"/{DEFAULT_PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", **text("x"), "to": PATIENT},
        headers={"Authorization": "Bearer nope"},
    )

    error = assert_graph_error(response, 401, 190)
    assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
    assert fake.sent == []
    assert [(r.status_code, r.code) for r in fake.rejected] == [(401, 190)]


@pytest.mark.parametrize(
    ("message", "code", "expected"),
    [
        (
            buttons("Oui", "Non", "Plus tard", "Jamais"),
            131009,
            "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3",
        ),
        (
            buttons("Oui", "x" * 21),
            131009,
            "Button title length invalid. Min length: 1, Max length: 20",
        ),
        (
            buttons("Oui", body="x" * 1025),
            131009,
            "Body text length invalid. Min length: 1, Max length: 1024",
        ),
        (list_message(rows(11)), 131009, "Total row count exceed max allowed count: 10"),
        (
            list_message(rows(2, title="x" * 25)),
            131009,
            "Row title is too long. Max length is 24",
        ),
        (
            list_message(rows(2, description="x" * 73)),
            131009,
            "Row description is too long. Max length is 72",
        ),
        (
            list_message(rows(2), footer="x" * 61),
            131009,
            "Footer text length invalid. Min length: 0, Max length: 60",
        ),
    ],
    ids=[
        "4-buttons",
        "21-char-title",
        "1025-char-body",
        "11-rows",
        "25-char-row",
        "73-desc",
        "footer",
    ],
)
def test_interactive_limits_give_metas_131009(
    fake: FakeWhatsApp,
    client: httpx.Client,
    message: dict[str, Any],
    code: int,
    expected: str,
) -> None:
    """Each interactive limit violation is a 400 "(#131009) Parameter value is not valid"
    whose ``error_data.details`` names the limit, and nothing is sent."""
    fake.push_text(PATIENT, "Bonjour")

    error = assert_graph_error(send(client, message), 400, code)

    assert error["message"] == "(#131009) Parameter value is not valid"
    assert error["error_data"] == {"messaging_product": "whatsapp", "details": expected}
    assert fake.sent == []
    assert fake.rejected[-1].details == expected


def test_limits_themselves_are_accepted(fake: FakeWhatsApp, client: httpx.Client) -> None:
    """Exactly at each limit the message goes through (3 buttons of 20, 10 rows of 24/72)."""
    fake.push_text(PATIENT, "Bonjour")

    ok_buttons = send(client, buttons("a" * 20, "b" * 20, "c" * 20, body="x" * 1024))
    ok_list = send(client, list_message(rows(10, title="t" * 24, description="d" * 72)))
    ok_text = send(client, text("x" * 4096))

    assert [r.status_code for r in (ok_buttons, ok_list, ok_text)] == [200, 200, 200]
    sent = fake.sent_to(PATIENT)
    assert [b["title"] for b in sent[0].buttons] == ["a" * 20, "b" * 20, "c" * 20]
    assert len(sent[1].rows) == 10


def test_text_over_4096_is_a_code_100_param_error(fake: FakeWhatsApp, client: httpx.Client) -> None:
    """A text body over 4096 characters is Graph's "(#100) Param text['body'] …" error."""
    fake.push_text(PATIENT, "Bonjour")

    error = assert_graph_error(send(client, text("x" * 4097)), 400, 100)

    assert error["message"] == "(#100) Param text['body'] must be at most 4096 characters long."


def test_duplicate_button_titles_are_refused(fake: FakeWhatsApp, client: httpx.Client) -> None:
    """Reply-button titles must be unique within a message."""
    fake.push_text(PATIENT, "Bonjour")

    error = assert_graph_error(send(client, buttons("Oui", "Oui")), 400, 131009)

    assert error["error_data"]["details"] == "Button title must be unique"


# ---------------------------------------------------------------------- templates and window


def test_template_goes_through_outside_the_window(
    fake: FakeWhatsApp, client: httpx.Client, receiver: Receiver
) -> None:
    """A registered template with the right parameters is accepted for a patient who never
    wrote, and is delivered (templates ignore the 24-hour window)."""
    fake.add_template("rappel_rdv", "fr", body_param_count=2)

    response = send(client, template("rappel_rdv", "fr", "Mme Durand", "mardi 10:30"))

    assert response.status_code == 200
    wamid = response.json()["messages"][0]["id"]
    [sent] = fake.templates_sent
    assert (sent.template_name, sent.template_params) == (
        "rappel_rdv",
        ["Mme Durand", "mardi 10:30"],
    )
    fake.wait_for(lambda: fake.statuses_for(wamid) == ["sent", "delivered"])


def test_unknown_template_and_wrong_parameter_count(
    fake: FakeWhatsApp, client: httpx.Client
) -> None:
    """An unknown template (or language) is 132001; a wrong body parameter count is 132000."""
    fake.add_template("rappel_rdv", "fr", body_param_count=2)

    unknown = assert_graph_error(
        send(client, template("rappel_rdv", "en_US", "a", "b")), 404, 132001
    )
    mismatch = assert_graph_error(send(client, template("rappel_rdv", "fr", "a")), 400, 132000)

    assert unknown["message"] == "(#132001) Template name does not exist in the translation"
    assert unknown["error_data"]["details"] == "template name (rappel_rdv) does not exist in en_US"
    assert mismatch["message"] == (
        "(#132000) Number of parameters does not match the expected number of params"
    )
    assert mismatch["error_data"]["details"] == (
        "body: number of localizable_params (1) does not match the expected number of params (2)"
    )
    assert fake.templates_sent == []


def test_text_after_24_hours_is_accepted_then_fails_with_131047(
    fake: FakeWhatsApp, client: httpx.Client, receiver: Receiver, clock: Clock
) -> None:
    """Outside the customer-service window a free-form message gets 200, then a signed
    ``failed`` status webhook with error 131047; no ``sent``/``delivered`` follows."""
    fake.push_text(PATIENT, "Bonjour")
    clock.now += SERVICE_WINDOW_SECONDS + 1
    assert not fake.window_open(PATIENT)

    response = send(client, text("Votre rendez-vous est demain"))

    assert response.status_code == 200
    wamid = response.json()["messages"][0]["id"]
    fake.wait_for(lambda: fake.statuses_for(wamid) == ["failed"])
    [status] = [s for s in receiver.statuses() if s["id"] == wamid]
    assert status["status"] == "failed"
    assert status["recipient_id"] == PATIENT
    [error] = status["errors"]
    assert error["code"] == 131047
    assert error["title"] == "Re-engagement message"
    assert error["error_data"]["details"].startswith(
        "Message failed to send because more than 24 hours have passed"
    )
    assert receiver.refused == 0  # the receiver checked the signature on the raw body
    assert fake.sent_to(PATIENT)[0].in_window is False


def test_a_new_patient_message_reopens_the_window(
    fake: FakeWhatsApp, client: httpx.Client, clock: Clock
) -> None:
    """The window runs from the patient's last message, not the first."""
    fake.push_text(PATIENT, "Bonjour")
    clock.now += SERVICE_WINDOW_SECONDS + 1
    fake.push_text(PATIENT, "Toujours là ?")

    wamid = send(client, text("Oui !")).json()["messages"][0]["id"]

    fake.wait_for(lambda: fake.statuses_for(wamid) == ["sent", "delivered"])


# ---------------------------------------------------------------------- media


def test_upload_then_send_a_document(fake: FakeWhatsApp, client: httpx.Client) -> None:
    """A multipart upload returns a media id that a document message can use; an unknown
    media id is Graph's code 100 error."""
    fake.push_text(PATIENT, "Bonjour")
    pdf = b"%PDF-1.4 consignes avant la visite\x00\xff"

    upload = client.post(
        f"/{DEFAULT_PHONE_NUMBER_ID}/media",
        data={"messaging_product": "whatsapp", "type": "application/pdf"},
        files={"file": ("consignes.pdf", pdf, "application/pdf")},
    )
    media_id = upload.json()["id"]
    document = {"id": media_id, "filename": "consignes.pdf", "caption": "À lire"}
    sent = send(client, {"type": "document", "document": document})
    bogus = send(client, {"type": "document", "document": {"id": "999", "filename": "x.pdf"}})

    assert upload.status_code == 200
    assert list(upload.json()) == ["id"]
    [media] = fake.media
    assert (media.media_id, media.filename, media.mime_type, media.data) == (
        media_id,
        "consignes.pdf",
        "application/pdf",
        pdf,
    )
    assert sent.status_code == 200
    assert fake.sent_to(PATIENT)[0].payload["document"]["filename"] == "consignes.pdf"
    error = assert_graph_error(bogus, 400, 100)
    assert error["message"] == (
        "(#100) Param document['id'] is not a valid whatsapp business account media attachment ID"
    )


# ---------------------------------------------------------------------- errors on demand


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (130429, 429, "(#130429) Rate limit hit"),
        (131056, 400, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    ],
)
def test_force_error_fails_the_next_sends_only(
    fake: FakeWhatsApp, client: httpx.Client, code: int, status: int, message: str
) -> None:
    """``force_error`` fails exactly ``times`` sends with Meta's body, then sends work."""
    fake.push_text(PATIENT, "Bonjour")
    fake.force_error(code, times=2)

    first, second, third = (send(client, text(f"essai {i}")) for i in range(3))

    for response in (first, second):
        error = assert_graph_error(response, status, code)
        assert error["message"] == message
        assert error["error_data"]["messaging_product"] == "whatsapp"
    assert third.status_code == 200
    assert [r.code for r in fake.rejected] == [code, code]
    assert len(fake.sent) == 1


def test_push_status_reports_an_undeliverable_message(
    fake: FakeWhatsApp, client: httpx.Client, receiver: Receiver
) -> None:
    """``push_status(…, "failed", error_code=131026)`` sends Meta's failed status shape."""
    fake.auto_statuses = False
    fake.push_text(PATIENT, "Bonjour")
    wamid = send(client, text("Rappel")).json()["messages"][0]["id"]

    fake.push_status(wamid, "failed", error_code=131026)

    fake.wait_for(lambda: fake.statuses_for(wamid) == ["failed"])
    [status] = [s for s in receiver.statuses() if s["id"] == wamid]
    assert status["errors"][0]["code"] == 131026
    assert status["errors"][0]["title"] == "Message undeliverable"


# ---------------------------------------------------------------------- webhooks to the bot


def test_inbound_webhooks_are_signed_and_shaped_like_metas(
    fake: FakeWhatsApp, client: httpx.Client, receiver: Receiver
) -> None:
    """Every push helper delivers one signed ``whatsapp_business_account`` webhook whose
    message carries the returned wamid and the type-specific object."""
    fake.auto_statuses = False
    text_id = fake.push_text(PATIENT, "Bonjour 👋", name="Mme Durand")
    menu = send(client, buttons("Oui", "Non")).json()["messages"][0]["id"]
    ids = [
        text_id,
        fake.push_button_reply(PATIENT, "b0", "Oui"),
        fake.push_list_reply(PATIENT, "slot-1", "09:00"),
        fake.push_image(PATIENT),
        fake.push_location(PATIENT),
        fake.push_reaction(PATIENT, "👍"),
    ]

    fake.wait_for(lambda: len(receiver.bodies) == 6)
    payload = receiver.payloads()[0]
    assert payload["object"] == "whatsapp_business_account"
    change = payload["entry"][0]["changes"][0]
    assert change["field"] == "messages"
    assert change["value"]["metadata"]["phone_number_id"] == DEFAULT_PHONE_NUMBER_ID
    assert change["value"]["contacts"] == [{"profile": {"name": "Mme Durand"}, "wa_id": PATIENT}]
    assert b"\\ud83d\\udc4b" in receiver.bodies[0]  # Meta escapes non-ASCII
    messages = receiver.messages()
    assert [m["id"] for m in messages] == ids
    assert [m["type"] for m in messages] == [
        "text",
        "interactive",
        "interactive",
        "image",
        "location",
        "reaction",
    ]
    assert all(m["from"] == PATIENT for m in messages)
    assert messages[0]["text"] == {"body": "Bonjour 👋"}
    assert messages[1]["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "b0", "title": "Oui"},
    }
    assert messages[1]["context"]["id"] == menu
    assert messages[2]["interactive"]["list_reply"] == {"id": "slot-1", "title": "09:00"}
    assert set(messages[3]["image"]) >= {"id", "mime_type", "sha256"}
    assert set(messages[4]["location"]) == {"latitude", "longitude"}
    assert messages[5]["reaction"] == {"message_id": menu, "emoji": "👍"}
    assert receiver.refused == 0


def test_deliver_again_repeats_the_same_bytes(fake: FakeWhatsApp, receiver: Receiver) -> None:
    """A redelivery is byte-identical, so the bot must dedupe on the wamid."""
    wamid = fake.push_text(PATIENT, "Bonjour")
    fake.deliver_again(wamid)

    fake.wait_for(lambda: len(receiver.bodies) == 2)
    assert receiver.bodies[0] == receiver.bodies[1]
    assert [d.ref for d in fake.webhook_deliveries] == [wamid, wamid]


def test_failed_webhook_deliveries_are_retried(fake: FakeWhatsApp, receiver: Receiver) -> None:
    """A non-2xx answer is retried; every attempt is recorded with its status."""
    receiver.answers.extend([500, 503])

    fake.push_text(PATIENT, "Bonjour")

    fake.wait_for(lambda: fake.idle and len(fake.webhook_deliveries) == 3)
    deliveries = fake.webhook_deliveries
    assert [(d.attempt, d.status_code, d.ok) for d in deliveries] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert len(receiver.bodies) == 1


def test_forged_signature_is_refused_by_a_checking_receiver(
    fake: FakeWhatsApp, receiver: Receiver
) -> None:
    """``sign`` lets tests forge requests: a body signed with another secret is refused."""
    body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()

    good = httpx.post(
        receiver.url, content=body, headers={SIGNATURE_HEADER: sign(body, DEFAULT_APP_SECRET)}
    )
    bad = httpx.post(receiver.url, content=body, headers={SIGNATURE_HEADER: sign(body, "other")})

    assert (good.status_code, bad.status_code) == (200, 403)
    assert sign(b"", "k") == "sha256=" + (
        "8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620"
    )


def test_verify_handshake_echoes_the_challenge(fake: FakeWhatsApp, receiver: Receiver) -> None:
    """Meta's GET subscription check: the challenge comes back only for the right token."""
    assert fake.verify_handshake(receiver.url, VERIFY_TOKEN, "4242") == (200, "4242")
    assert fake.verify_handshake(receiver.url, "wrong")[0] == 403
