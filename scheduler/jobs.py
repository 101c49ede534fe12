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
from sqlmodel import col, select

from bot.engine import Clock
from bot.handoff import handoff_timers
from clinic.config import ClinicConfig
from scheduler.dispatcher import OutboxDispatcher
from scheduler.messages import UPCOMING, plan_appointment
from scheduler.waitlist import offer_freed_slots
from storage.db import Database
from storage.models import Appointment, OutboxMessage, OutboxStatus, Patient

log = structlog.get_logger("carebot.jobs")

#: A message still "sending" after this long was lost with its worker: send it again.
STUCK_AFTER = timedelta(minutes=5)
PLANNED_KINDS = ("reminder", "instructions", "noshow", "waitlist")


def replan_upcoming(database: Database, clinic: ClinicConfig, now: datetime) -> int:
    """Make sure every upcoming appointment has its planned messages (new policy, a
    missed plan); keys already in the outbox are left alone."""
    added = 0
    with database.unit_of_work() as uow:
        statement = select(Appointment).where(
            col(Appointment.status).in_(UPCOMING), col(Appointment.start) > now
        )
        for appointment in uow.session.exec(statement):
            added += plan_appointment(uow, clinic, appointment, now)
        uow.commit()
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
    """Put back messages a crashed worker left "sending" (at most that one may repeat)."""
    with database.unit_of_work() as uow:
        statement = select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENDING.value,
            # While sending, not_before is when the message was claimed.
            col(OutboxMessage.not_before) < now - STUCK_AFTER,
        )
        stuck = list(uow.session.exec(statement))
        for message in stuck:
            message.status = OutboxStatus.PENDING.value
        uow.commit()
    if stuck:
        log.warning("jobs.reclaimed_stuck", messages=len(stuck))
    return len(stuck)


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
    scheduler.add_job(dispatcher.run_once, "interval", seconds=2, id="dispatch")

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
