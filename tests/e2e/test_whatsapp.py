"""Patients on WhatsApp: carebot's webhook and Cloud API client against the fake Graph API.

carebot runs as `carebot run` does; the fake plays Meta and the patients, signs
its webhooks, enforces Meta's limits and the 24-hour window.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import select

from bot.bootstrap import System, bootstrap
from bot.consent import ACCEPT as CONSENT
from bot.runner import start, stop_running
from bot.settings import DEFAULT_CLINIC_FILE, Settings
from bot.web import WHATSAPP_WEBHOOK_PATH
from storage.models import OutboxMessage, ProcessedInbound
from tests.chat import MovableClock
from tests.e2e.turns import turn_done
from tests.fakes.whatsapp_api import FakeWhatsApp, SentMessage, running_fake_whatsapp, sign
from tests.ports import free_port

STAFF_GROUP = -1007770001
#: Wednesday 2 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
TEMPLATES = """
whatsapp:
  templates:
    reminder:
      name: appointment_reminder
      languages: {fr: fr, en: en_US}
      parameters: [when, practitioner, address]
"""


def _clinic_file(tmp_path: Path, extra_gps: int = 0) -> Path:
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8").replace(
        "telegram_group_id: null", f"telegram_group_id: {STAFF_GROUP}"
    )
    doctors = "".join(
        f"""
  - id: dr-extra-{n}
    name: Dr Remplaçant Numéro {n} Avec Un Nom Très Long
    title: {{fr: Médecin généraliste, en: General practitioner}}
    languages: [fr, en]
    services: [consult-gp]
    schedule:
      mon: "09:00-12:00"
"""
        for n in range(extra_gps)
    )
    text = text.replace("\nservices:\n", doctors + "\nservices:\n", 1)
    text = text[: text.index("\nwhatsapp:")] + TEMPLATES
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@asynccontextmanager
async def carebot(
    tmp_path: Path, *, extra_gps: int = 0
) -> AsyncIterator[tuple[System, FakeWhatsApp, MovableClock, int]]:
    """carebot with WhatsApp on, the fake Graph API sending it webhooks, a shared clock."""
    clock = MovableClock(START)
    port = free_port()
    with running_fake_whatsapp(
        webhook_url=f"http://127.0.0.1:{port}{WHATSAPP_WEBHOOK_PATH}",
        clock=lambda: clock.now.timestamp(),
    ) as fake:
        fake.add_template("appointment_reminder", "fr", 3)
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'carebot.db'}",
            clinic_file=_clinic_file(tmp_path, extra_gps),
            whatsapp_token="TEST-wa-token",
            whatsapp_phone_number_id="1234567890",
            whatsapp_app_secret="test-app-secret",
            whatsapp_verify_token="verify-me",
            whatsapp_base_url=fake.base_url,
            web_port=port,
        )
        system = bootstrap(settings, clock=clock, configure_logs=False)
        running = await start(system, asyncio.Event())
        try:
            yield system, fake, clock, port
        finally:
            await stop_running(running, timeout=5)
            system.database.dispose()


class WhatsAppPatient:
    """A WhatsApp user writing to the clinic's number."""

    def __init__(self, fake: FakeWhatsApp, system: System, wa_id: str) -> None:
        self.fake, self.system, self.wa_id = fake, system, wa_id
        self.seen = 0

    async def _settled(self, wamid: str) -> list[SentMessage]:
        await self.fake.wait_for_async(
            lambda: turn_done(self.system.database, "whatsapp", wamid), timeout=10
        )
        new = self.fake.sent_to(self.wa_id)[self.seen :]
        self.seen += len(new)
        if any(b.get("id") == CONSENT for m in new for b in m.buttons):
            # Agree to the privacy notice, as most patients do.
            return await self._settled(self.fake.push_button_reply(self.wa_id, CONSENT, "ok"))
        return new

    async def says(self, text: str) -> list[SentMessage]:
        """Type a message."""
        return await self._settled(self.fake.push_text(self.wa_id, text))

    def _options(self) -> list[dict[str, str]]:
        for message in reversed(self.fake.sent_to(self.wa_id)):
            if message.buttons or message.rows:
                return [
                    {
                        "id": str(o["id"]),
                        "title": str(o["title"]),
                        "full": f"{o['title']} {o.get('description', '')}",
                    }
                    for o in message.buttons or message.rows
                ]
        raise AssertionError("no buttons or list was sent")

    async def picks(self, title: str) -> list[SentMessage]:
        """Tap a reply button or a list row whose title contains ``title``."""
        for option in self._options():
            if title.casefold() in option["full"].replace("\xa0", " ").casefold():
                return await self.picks_id(option["id"], option["title"])
        raise AssertionError(f"no option {title!r} in {self._options()}")

    async def picks_nth(self, index: int) -> list[SentMessage]:
        """Tap the n-th option."""
        option = self._options()[index]
        return await self.picks_id(option["id"], option["title"])

    async def picks_id(self, option_id: str, title: str) -> list[SentMessage]:
        """Tap an option by id (a button reply or a list reply, as the last message had)."""
        last = next(m for m in reversed(self.fake.sent_to(self.wa_id)) if m.buttons or m.rows)
        push = self.fake.push_button_reply if last.buttons else self.fake.push_list_reply
        return await self._settled(push(self.wa_id, option_id, title))


def texts(messages: list[SentMessage]) -> str:
    """What the patient reads, with non-breaking spaces made plain."""
    return "\n".join(m.text or "" for m in messages).replace("\xa0", " ").replace("\u202f", " ")


async def test_a_patient_books_moves_and_cancels_on_whatsapp(tmp_path: Path) -> None:
    """Lists and reply buttons within Meta's limits, the phone number taken from WhatsApp,
    the .ics uploaded as a document; then moving and cancelling."""
    async with carebot(tmp_path) as (system, fake, _, _):
        alice = WhatsAppPatient(fake, system, "33611111111")
        sent = await alice.says("Bonjour")
        assert "bienvenue au Centre médical Lumière" in texts(sent)
        assert sent[-1].rows, "four menu choices come as a list"
        await alice.picks("Prendre rendez-vous")
        await alice.picks("médecine générale")
        await alice.picks("premier disponible")
        await alice.picks_nth(2)
        await alice.picks_nth(0)
        sent = await alice.says("Alice Martin")
        assert [b["title"] for b in sent[-1].buttons] == ["📱 Ce numéro"]
        sent = await alice.picks("Ce numéro")
        assert "Je récapitule" in texts(sent)
        sent = await alice.picks("Confirmer")
        assert "C'est réservé ✅" in texts(sent)
        [document] = [m for m in sent if m.type == "document"]
        [media] = fake.media
        assert (media.filename or "").endswith(".ics") and b"12 rue des Lilas" in media.data
        assert document.payload["document"]["id"]
        await alice.says("mes rendez-vous")
        await alice.picks("Déplacer")
        await alice.picks_nth(1)
        await alice.picks_nth(0)
        sent = await alice.picks("Confirmer")
        assert "C'est déplacé ✅" in texts(sent)
        await alice.says("mes rendez-vous")
        await alice.picks("Annuler")
        sent = await alice.picks("Oui")
        assert "C'est annulé" in texts(sent)
        assert not fake.rejected, [r.message for r in fake.rejected]


async def test_a_reminder_days_after_the_last_message_goes_as_a_template(tmp_path: Path) -> None:
    """Three days after the patient last wrote, the 48 h reminder is the approved template
    with the appointment's time, practitioner and address."""
    async with carebot(tmp_path) as (system, fake, clock, _):
        bob = WhatsAppPatient(fake, system, "33622222222")
        await bob.says("/book")
        await bob.picks("médecine générale")
        await bob.picks("Claire Martin")
        await bob.picks("ven. 11 déc.")
        await bob.picks_nth(0)
        await bob.says("Bob Martin")
        await bob.picks("Ce numéro")
        await bob.picks("Confirmer")
        clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))  # a week later, 48 h before
        await fake.wait_for_async(lambda: fake.templates_sent, timeout=15)
        [template] = fake.templates_sent
        assert template.template_name == "appointment_reminder"
        assert template.template_params[0] == "vendredi 11 décembre à 08:30"
        assert template.template_params[1] == "Dr Claire Martin"


async def test_forged_webhooks_are_refused_and_duplicates_answered_once(tmp_path: Path) -> None:
    """No or a wrong signature: 403, nothing processed. Meta's retry: one answer."""
    async with carebot(tmp_path) as (system, fake, _, port):
        url = f"http://127.0.0.1:{port}{WHATSAPP_WEBHOOK_PATH}"
        body = (
            b'{"object":"whatsapp_business_account","entry":[{"changes":[{"value":'
            b'{"messages":[{"from":"33600000000","id":"wamid.FORGED","type":"text",'
            b'"text":{"body":"/start"}}]}}]}]}'
        )
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, content=body)
            wrong = await client.post(
                url, content=body, headers={"X-Hub-Signature-256": sign(body, "guess")}
            )
            verify = await client.get(
                url,
                params={
                    "hub.mode": "subscribe",
                    "hub.verify_token": "verify-me",
                    "hub.challenge": "42",
                },
            )
            bad_verify = await client.get(
                url,
                params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"},
            )
        assert (missing.status_code, wrong.status_code) == (403, 403)
        assert (verify.status_code, verify.text, bad_verify.status_code) == (200, "42", 403)
        with system.database.unit_of_work(read_only=True) as uow:
            assert uow.session.get(ProcessedInbound, ("whatsapp", "wamid.FORGED")) is None
        carol = WhatsAppPatient(fake, system, "33633333333")
        wamid = fake.push_text(carol.wa_id, "/start")
        assert await carol._settled(wamid)
        count = len(fake.sent_to(carol.wa_id))
        deliveries = len(fake.webhook_deliveries)
        fake.deliver_again(wamid)
        await fake.wait_for_async(lambda: len(fake.webhook_deliveries) > deliveries, timeout=5)
        await asyncio.sleep(0.3)
        assert len(fake.sent_to(carol.wa_id)) == count


async def test_a_failed_delivery_status_reaches_the_staff(tmp_path: Path) -> None:
    """Meta says a message could not be delivered (131026): the outbox row fails, the
    patient is marked unreachable, and the staff group is alerted."""
    async with carebot(tmp_path) as (system, fake, _, _):
        dan = WhatsAppPatient(fake, system, "33644444444")
        sent = await dan.says("/start")
        fake.push_status(sent[-1].wamid, "failed", error_code=131026)

        def alerted() -> bool:
            with system.database.unit_of_work(read_only=True) as uow:
                return (
                    uow.session.exec(
                        select(OutboxMessage).where(OutboxMessage.kind == "staff_alert")
                    ).first()
                    is not None
                )

        await fake.wait_for_async(alerted, timeout=10)
        with system.database.unit_of_work(read_only=True) as uow:
            patient = uow.patients.by_identity("whatsapp", dan.wa_id)
            row = uow.outbox.by_provider_id(sent[-1].wamid)
        assert patient is not None and patient.unreachable
        assert row is not None and row.status == "failed"


async def test_fourteen_practitioners_page_within_the_list_limits(tmp_path: Path) -> None:
    """Fifteen choices (first available + 14 doctors): pages of at most 10 rows with a
    "more" row, every title within 24 characters; the second page shows the rest."""
    async with carebot(tmp_path, extra_gps=12) as (system, fake, _, _):
        erin = WhatsAppPatient(fake, system, "33655555555")
        await erin.says("/book")
        sent = await erin.picks("médecine générale")
        rows = sent[-1].rows
        assert len(rows) == 10 and "Plus de choix" in rows[-1]["title"]
        assert all(len(r["title"]) <= 24 for r in rows)
        before = len(fake.sent_to(erin.wa_id))
        await erin.picks("Plus de choix")  # answered directly, not as a turn: wait for it
        await fake.wait_for_async(lambda: len(fake.sent_to(erin.wa_id)) > before, timeout=5)
        more_rows = fake.sent_to(erin.wa_id)[-1].rows
        assert 1 <= len(more_rows) <= 10
        titles = {r["title"] for r in rows[:-1]} | {
            r["title"] for r in more_rows if "Plus" not in r["title"]
        }
        assert len(titles) == 15
        assert not fake.rejected
