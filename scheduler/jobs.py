"""The sweeps APScheduler runs inside the bot process, and the operators' preview.

APScheduler only triggers; the plan and the history are in our tables (its FAQ
warns that sharing its job store between processes duplicates or misses
runs). Every sweep is idempotent, so a restart or a second worker repeats
nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import String, cast, exists, literal
from sqlmodel import col, select

from bot.engine import Clock
from bot.handoff import handoff_timers
from bot.privacy import purge_old_messages
from clinic.config import ClinicConfig
from scheduler.dispatcher import OutboxDispatcher
from scheduler.messages import UPCOMING, plan_appointment
from scheduler.waitlist import offer_freed_slots
from storage.db import Database
from storage.models import Appointment, OutboxMessage, OutboxStatus, Patient

log = structlog.get_logger("carebot.jobs")

#: A message still "sending" this long after its claim was lost with its worker: send it
#: again. Chats are delivered in parallel, so a crash may repeat at most one message per
#: chat that was being delivered (its send may have reached the channel).
STUCK_AFTER = timedelta(minutes=5)
PLANNED_KINDS = ("reminder", "instructions", "noshow", "waitlist")


#: Appointments planned per transaction: the sweep never holds the write lock for long.
REPLAN_CHUNK = 500


def replan_upcoming(database: Database, clinic: ClinicConfig, now: datetime) -> int:
    """Plan the messages of upcoming appointments that have none yet (a missed plan, or
    appointments from before a policy existed), a chunk per transaction."""
    # Keys "appt:<id>:…" sort between "appt:<id>:" and "appt:<id>;" (";" follows ":"):
    # a range the unique index on the key answers, unlike LIKE on both databases.
    prefix = literal("appt:") + cast(Appointment.id, String)
    key = col(OutboxMessage.idempotency_key)
    planned = exists().where(key >= prefix + literal(":"), key < prefix + literal(";"))
    added, last_id = 0, 0
    while True:
        with database.unit_of_work() as uow:
            statement = (
                select(Appointment)
                .where(
                    col(Appointment.status).in_(UPCOMING),
                    col(Appointment.start) > now,
                    col(Appointment.id) > last_id,
                    ~planned,
                )
                .order_by(col(Appointment.id))
                .limit(REPLAN_CHUNK)
            )
            chunk = list(uow.session.exec(statement))
            for appointment in chunk:
                added += plan_appointment(uow, clinic, appointment, now)
            uow.commit()
        if len(chunk) < REPLAN_CHUNK:
            break
        last_id = chunk[-1].id or 0
    if added:
        log.info("jobs.replanned", messages=added)
    return added


def _offer_freed(database: Database, clinic: ClinicConfig, now: datetime) -> int:
    with database.unit_of_work() as uow:
        offers = offer_freed_slots(uow, clinic, now)
        uow.commit()
    return offers


def _handoff_timers(database: Database, clinic: ClinicConfig, now: datetime) -> int:
    with database.unit_of_work() as uow:
        acted = handoff_timers(uow, clinic, now)
        uow.commit()
    return acted


def reclaim_stuck(database: Database, now: datetime) -> int:
    """Put back messages a crashed worker left "sending" (in their original order: their
    ``not_before`` is untouched)."""
    with database.unit_of_work() as uow:
        statement = select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENDING.value,
            col(OutboxMessage.claimed_at) < now - STUCK_AFTER,
        )
        stuck = list(uow.session.exec(statement))
        for message in stuck:
            message.status = OutboxStatus.PENDING.value
        uow.commit()
    if stuck:
        log.warning("jobs.reclaimed_stuck", messages=len(stuck))
    return len(stuck)


def purge_old(database: Database, now: datetime, keep: timedelta) -> int:
    """The retention sweep: old delivered messages and processed-message records go."""
    with database.unit_of_work() as uow:
        purged = purge_old_messages(uow, now, keep)
        uow.commit()
    if purged:
        log.info("jobs.purged", rows=purged)
    return purged


def build_scheduler(
    database: Database,
    clinic: Callable[[], ClinicConfig],
    clock: Clock,
    dispatcher: OutboxDispatcher,
) -> AsyncIOScheduler:
    """The sweeps: dispatch due messages, keep plans complete, reclaim stuck sends."""
    scheduler = AsyncIOScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    )

    async def dispatch() -> None:
        # Keep going while batches come back full: a tick skipped while a long batch
        # was still sending would leave the channel idle.
        while await dispatcher.run_once() >= dispatcher.batch:
            pass

    scheduler.add_job(dispatch, "interval", seconds=2, id="dispatch")

    async def replan() -> None:
        await asyncio.to_thread(replan_upcoming, database, clinic(), clock())

    async def reclaim() -> None:
        await asyncio.to_thread(reclaim_stuck, database, clock())

    async def waitlist() -> None:
        await asyncio.to_thread(_offer_freed, database, clinic(), clock())

    async def handoffs() -> None:
        await asyncio.to_thread(_handoff_timers, database, clinic(), clock())

    scheduler.add_job(replan, "interval", minutes=10, id="replan", next_run_time=clock())
    scheduler.add_job(handoffs, "interval", minutes=1, id="handoff-timers")
    scheduler.add_job(waitlist, "interval", minutes=1, id="waitlist")
    scheduler.add_job(reclaim, "interval", minutes=1, id="reclaim")

    async def retention() -> None:
        keep = clinic().privacy.message_retention
        await asyncio.to_thread(purge_old, database, clock(), keep)

    scheduler.add_job(retention, "interval", days=1, id="retention", next_run_time=clock())
    return scheduler


@dataclass(frozen=True)
class PreviewLine:
    """One planned message, as staff check their policy with it."""

    local_time: datetime
    kind: str
    key: str
    patient: str
    channel: str


def preview(
    database: Database, clinic: ClinicConfig, start: datetime, end: datetime
) -> list[PreviewLine]:
    """What would be sent between two moments, in order, without sending anything."""
    with database.unit_of_work(read_only=True) as uow:
        statement = (
            select(OutboxMessage, Patient)
            .join(Patient, col(Patient.id) == col(OutboxMessage.patient_id))
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                col(OutboxMessage.kind).in_(PLANNED_KINDS),
                col(OutboxMessage.not_before) >= start,
                col(OutboxMessage.not_before) < end,
            )
            .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
        )
        return [
            PreviewLine(
                message.not_before.astimezone(clinic.zone),
                message.kind,
                message.idempotency_key,
                patient.display_name or f"patient {patient.id}",
                message.channel,
            )
            for message, patient in uow.session.exec(statement)
        ]
