"""The staff side in Telegram: one forum topic per handed-off conversation, replies relayed
to the patient, /done, and the staff commands (in the group or in a private chat).

Only Telegram users listed in clinic.yaml (staff.telegram_user_ids) are heard;
anyone else gets a refusal, and the attempt is audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import structlog
from telegram import Bot, Message, Update
from telegram.error import TelegramError

from bot.delivery import Delivery
from bot.engine import Clock, Outgoing
from bot.handoff import close_handoff, relay_to_patient, staff_group
from bot.i18n import catalogue
from bot.messages import Reply
from bot.staff import StaffContext, is_staff, refuse, run_staff_button, run_staff_command
from clinic.config import ClinicConfig
from storage.db import Database, UnitOfWork

log = structlog.get_logger("carebot.telegram.staff")

DONE = "/done"


def _command(text: str) -> str:
    """ "/done@carebot_bot now" → "/done"."""
    return text.split()[0].split("@")[0].lower() if text.startswith("/") else ""


class StaffDesk:
    """Staff updates from Telegram, and the forum topics of open handoffs."""

    def __init__(
        self,
        bot: Bot,
        database: Database,
        clinic: Callable[[], ClinicConfig],
        clock: Clock,
        delivery: Delivery,
        faq_file: Path | None = None,
    ) -> None:
        self.bot = bot
        self.database = database
        self.clinic = clinic
        self.clock = clock
        self.delivery = delivery
        #: Where `/faqadd` writes a patient's wording (None: not offered).
        self.faq_file = faq_file

    def is_staff_update(self, update: Update) -> bool:
        """An update from the staff group, or a staff member's command in private."""
        clinic = self.clinic()
        message = update.effective_message
        chat = update.effective_chat
        if chat is None:
            return False
        if chat.id == staff_group(clinic):
            return True
        user = update.effective_user
        text = message.text if isinstance(message, Message) and message.text else ""
        data = update.callback_query.data if update.callback_query else ""
        wants_staff = _command(text) not in ("", "/start", "/help") or (data or "").startswith(
            "st:"
        )
        return wants_staff and is_staff(clinic, user.id if user else None)

    async def process(self, update: Update) -> None:
        """Handle one staff update (claimed once, like patients' updates)."""
        outgoing = await asyncio.to_thread(self._handle, update)
        await self.delivery.deliver(outgoing)

    def _handle(self, update: Update) -> list[Outgoing]:
        clinic = self.clinic()
        now = self.clock()
        chat = update.effective_chat
        user = update.effective_user
        if chat is None:
            return []
        with self.database.unit_of_work() as uow:
            if not uow.inbound.claim("telegram", str(update.update_id), now):
                return []
            message = update.effective_message
            # A reply chain in General also has a thread id; only real topics count.
            in_topic = isinstance(message, Message) and message.is_topic_message
            thread = message.message_thread_id if in_topic and message else None
            if not is_staff(clinic, user.id if user else None):
                replies = self._refusal(uow, clinic, update, user.id if user else None)
            else:
                ctx = StaffContext(
                    uow=uow,
                    clinic=clinic,
                    staff_user_id=user.id if user else 0,
                    staff_name=user.first_name if user else "",
                    now=now,
                    language=clinic.clinic.default_language,
                    faq_file=self.faq_file,
                )
                replies = self._as_staff(uow, clinic, ctx, update, thread)
            outgoing = self._enqueue(uow, update, chat.id, thread, replies)
            uow.commit()
        return outgoing

    def _refusal(
        self, uow: UnitOfWork, clinic: ClinicConfig, update: Update, user_id: int | None
    ) -> list[Reply]:
        message = update.effective_message
        text = message.text if isinstance(message, Message) and message.text else ""
        if not (_command(text) or update.callback_query):
            return []  # chatter in the group by non-staff members is not for the bot
        return refuse(clinic, uow, user_id, _command(text) or "button", self.clock())

    def _as_staff(
        self,
        uow: UnitOfWork,
        clinic: ClinicConfig,
        ctx: StaffContext,
        update: Update,
        thread: int | None,
    ) -> list[Reply]:
        if update.callback_query is not None:
            return run_staff_button(ctx, update.callback_query.data or "")
        message = update.effective_message
        text = message.text if isinstance(message, Message) and message.text else ""
        handoff = uow.handoffs.by_topic(thread) if thread is not None else None
        if handoff is not None and handoff.status == "open":
            if _command(text) == DONE:
                close_handoff(uow, clinic, handoff, by=f"staff:{ctx.staff_user_id}", now=ctx.now)
                return [Reply(ctx_text(clinic, "handoff.closed_staff"))]
            if text and not text.startswith("/"):
                relay_to_patient(
                    uow,
                    clinic,
                    handoff,
                    staff_name=ctx.staff_name,
                    text=text,
                    key=str(update.update_id),
                    now=ctx.now,
                )
                return []
        if text.startswith("/"):
            return run_staff_command(ctx, text)
        return []

    def _enqueue(
        self,
        uow: UnitOfWork,
        update: Update,
        chat_id: int,
        thread: int | None,
        replies: list[Reply],
    ) -> list[Outgoing]:
        outgoing = []
        for index, reply in enumerate(replies):
            placed = Reply(
                reply.text, reply.choices, reply.document, thread_id=thread or reply.thread_id
            )
            row = uow.outbox.enqueue(
                idempotency_key=f"staff:{update.update_id}:{index}",
                channel="telegram",
                external_id=str(chat_id),
                kind="reply",
                payload=placed.to_payload(),
                not_before=self.clock(),
                now=self.clock(),
            )
            if row is not None and row.id is not None:
                outgoing.append(Outgoing(row.id, "telegram", str(chat_id), placed))
        return outgoing

    async def ensure_topics(self) -> int:
        """Open a forum topic for each handoff that has none yet."""
        group = staff_group(self.clinic())
        if group is None:
            return 0
        missing = await asyncio.to_thread(self._handoffs_without_topic)
        for handoff_id, name in missing:
            try:
                topic = await self.bot.create_forum_topic(group, name[:128])
            except TelegramError as error:
                log.error("staff.topic_failed", handoff=handoff_id, error=error.message)
                continue
            await asyncio.to_thread(self._save_topic, handoff_id, topic.message_thread_id)
        return len(missing)

    def _handoffs_without_topic(self) -> list[tuple[int, str]]:
        with self.database.unit_of_work(read_only=True) as uow:
            found = []
            for handoff in uow.handoffs.open_ones():
                if handoff.topic_id is None and handoff.id is not None:
                    patient = uow.patients.get(handoff.patient_id)
                    who = patient.display_name if patient and patient.display_name else ""
                    found.append((handoff.id, f"#{handoff.patient_id} {who}".strip()))
            return found

    def _save_topic(self, handoff_id: int, topic_id: int) -> None:
        with self.database.unit_of_work() as uow:
            handoff = uow.handoffs.get(handoff_id)
            if handoff is not None:
                handoff.topic_id = topic_id
                uow.handoffs.save(handoff)
            uow.commit()


def ctx_text(clinic: ClinicConfig, key: str) -> str:
    """A staff-facing text in the clinic's language."""
    return catalogue(clinic.clinic.default_language)[key]
