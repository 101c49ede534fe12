"""The front desk's use cases over one unit of work: find slots, book, move, cancel.

Flows call this instead of touching a database session; it joins the pure
scheduling domain (``clinic/``) to the repositories (``storage/``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.i18n import Translator
from bot.messages import Choice, Reply
from clinic.config import ClinicConfig
from clinic.model import Busy, PartOfDay, Slot
from clinic.slots import BusyCalendar, free_days, next_free_slots, slot_is_bookable
from faq.privacy import mask_personal_data
from scheduler.busy import busy_calendar
from scheduler.messages import plan_appointment, unplan_appointment
from storage.db import UnitOfWork
from storage.models import (
    Appointment,
    AppointmentStatus,
    FaqQuestionOutcome,
    Patient,
    WaitlistStatus,
)
from storage.repositories import SlotTaken

CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp", "terminal": "terminal"}

#: Busy intervals are loaded a window at a time, a short one first: most searches end in
#: it, and loading busy time is most of a search's cost.
FIRST_WINDOW = timedelta(days=3)
SEARCH_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class SlotQuery:
    """What the patient is looking for."""

    service_id: str
    practitioner_id: str | None = None
    on_day: date | None = None
    after: datetime | None = None
    part_of_day: PartOfDay | None = None


class Desk:
    """Appointment use cases for one turn, inside the turn's unit of work."""

    def __init__(
        self, uow: UnitOfWork, clinic: ClinicConfig, now: datetime, patient_id: int | None = None
    ) -> None:
        self.uow = uow
        self.clinic = clinic
        self.now = now
        #: Whose turn it is: times held for them on the waitlist are free to them.
        self.patient_id = patient_id

    def _calendar(
        self, start: datetime, end: datetime, practitioners: Sequence[str]
    ) -> BusyCalendar:
        return busy_calendar(
            self.uow,
            self.clinic,
            start,
            end,
            practitioners,
            now=self.now,
            except_patient=self.patient_id,
        )

    def _practitioners(self, query: SlotQuery) -> list[str]:
        if query.practitioner_id:
            return [query.practitioner_id]
        return [p.id for p in self.clinic.practitioners_for(query.service_id)]

    def _windows(
        self, start: datetime, query: SlotQuery
    ) -> Iterator[tuple[datetime, datetime, BusyCalendar]]:
        """Successive search windows up to the horizon, each with its busy time loaded."""
        horizon = self.now + self.clinic.booking.max_horizon
        size = FIRST_WINDOW
        while start < horizon:
            # Windows end at local midnight, so no day is split between two windows.
            last_day = (start + size).astimezone(self.clinic.zone).date()
            midnight = datetime.combine(last_day, datetime.min.time(), self.clinic.zone)
            end = min(midnight, horizon)
            # A day's slots may run a little past the window's end: load a day more.
            yield (
                start,
                end,
                self._calendar(start, end + timedelta(days=1), self._practitioners(query)),
            )
            start, size = end, SEARCH_WINDOW

    def free_slots(self, query: SlotQuery, limit: int = 6) -> list[Slot]:
        """The next free slots matching ``query``, earliest first."""
        start = max(self.now, query.after or self.now)
        if query.on_day:
            midnight = datetime.combine(query.on_day, datetime.min.time(), self.clinic.zone)
            start = max(start, midnight)
        found: list[Slot] = []
        for window_start, window_end, calendar in self._windows(start, query):
            found += next_free_slots(
                self.clinic,
                query.service_id,
                now=self.now,
                busy=calendar,
                practitioner_id=query.practitioner_id,
                after=window_start,
                on_day=query.on_day,
                part_of_day=query.part_of_day,
                until=window_end,
                limit=limit - len(found),
            )
            if len(found) >= limit or query.on_day:
                break
        return found

    def free_days(self, query: SlotQuery, limit: int = 6) -> list[date]:
        """Local dates with at least one free slot, for a "pick a day" menu."""
        found: list[date] = []
        for window_start, window_end, calendar in self._windows(self.now, query):
            days = free_days(
                self.clinic,
                query.service_id,
                now=self.now,
                busy=calendar,
                practitioner_id=query.practitioner_id,
                limit=limit - len(found),
                part_of_day=query.part_of_day,
                after=window_start,
                until=window_end,
            )
            found += [day for day in days if day not in found]
            if len(found) >= limit:
                break
        return found

    def is_bookable(self, slot: Slot) -> bool:
        """Whether a slot offered earlier can still be booked now."""
        calendar = self._calendar(slot.start, slot.busy_until, [slot.practitioner_id])
        return slot_is_bookable(self.clinic, slot, now=self.now, busy=calendar)

    def book(self, patient_id: int, slot: Slot) -> Appointment | SlotTaken:
        """Book a slot for a patient; ``SlotTaken`` if it is gone or no longer allowed."""
        if not self.is_bookable(slot):
            return SlotTaken(slot)
        booked = self.uow.appointments.book(
            patient_id=patient_id, slot=slot, actor="patient", now=self.now
        )
        if isinstance(booked, Appointment):
            plan_appointment(self.uow, self.clinic, booked, self.now)
        return booked

    def reschedule(self, appointment_id: int, slot: Slot) -> Appointment | SlotTaken:
        """Move an appointment; the old time is released only if the new one is taken."""
        old = self.uow.appointments.get(appointment_id)
        calendar = busy_calendar(
            self.uow,
            self.clinic,
            slot.start,
            slot.busy_until,
            [slot.practitioner_id],
            now=self.now,
            except_patient=self.patient_id,
            # The appointment being moved does not block its own new time.
            ignore=Busy(old.practitioner_id, old.start, old.busy_until) if old else None,
        )
        if not slot_is_bookable(self.clinic, slot, now=self.now, busy=calendar):
            return SlotTaken(slot)
        moved = self.uow.appointments.reschedule(
            appointment_id, slot, actor="patient", now=self.now
        )
        if isinstance(moved, Appointment):
            # Same transaction: the old reminders go and the new ones come, or neither.
            unplan_appointment(self.uow, appointment_id)
            plan_appointment(self.uow, self.clinic, moved, self.now)
        return moved

    def cancel(self, appointment_id: int, reason: str) -> Appointment:
        """Cancel an appointment, releasing its time and its pending reminders."""
        cancelled = self.uow.appointments.cancel(
            appointment_id, reason=reason, actor="patient", now=self.now
        )
        unplan_appointment(self.uow, appointment_id)
        return cancelled

    def confirm(self, appointment_id: int) -> Appointment:
        """The patient confirms they will come (staff see it)."""
        return self.uow.appointments.set_status(
            appointment_id, AppointmentStatus.CONFIRMED, "patient", self.now
        )

    def record_cancel_reason(self, appointment_id: int, reason: str) -> None:
        """Keep the reason a patient gave after cancelling (for the clinic's statistics)."""
        self.uow.appointments.record_cancel_reason(
            appointment_id, reason, actor="patient", now=self.now
        )

    def save_patient_details(self, patient: Patient, name: str | None, phone: str | None) -> None:
        """Store the name and phone number the patient gave while booking."""
        if patient.id is None or not (name or phone):
            return
        if name:
            self.uow.patients.update(patient.id, display_name=name)
        if phone:
            self.uow.patients.update(patient.id, phone=phone)
            self.offer_link(patient)

    def offer_link(self, patient: Patient) -> None:
        """The same phone number is known from another channel: ask there (where that
        person proves they are) whether to join the two into one patient."""
        if patient.id is None or patient.phone is None:
            return
        for other in self.uow.patients.by_phone(patient.phone):
            identities = self.uow.patients.identities(other.id or 0)
            mine = {i.channel for i in self.uow.patients.identities(patient.id)}
            if other.id == patient.id or not identities or identities[-1].channel in mine:
                continue
            target = identities[-1]
            t = Translator(other.language, self.clinic.zone)
            channel = sorted(mine)[0] if mine else "?"
            choices = (
                Choice(f"lk:y:{patient.id}", t("link.yes")),
                Choice(f"lk:n:{patient.id}", t("link.no")),
            )
            self.uow.outbox.enqueue(
                idempotency_key=f"link:{patient.id}:{other.id}",
                channel=target.channel,
                external_id=target.external_id,
                kind="reply",
                payload=Reply(
                    t("link.ask", channel=CHANNEL_NAMES.get(channel, channel)), choices
                ).to_payload(),
                not_before=self.now,
                patient_id=other.id,
                now=self.now,
            )
            return

    def link(self, patient: Patient, other_id: int) -> bool:
        """This patient confirms the other record (same phone) is them: join them."""
        other = self.uow.patients.get(other_id)
        if patient.id is None or other is None or other.phone != patient.phone or not other.phone:
            return False
        self.uow.patients.merge(other_id, patient.id, self.now)
        self.uow.audit.record(
            "patient", "patient.linked", f"patient:{patient.id}", {"merged": other_id}, self.now
        )
        return True

    def waitlist_done(self, entry_id: int) -> None:
        """The patient took the time offered from the waitlist: stop waiting."""
        entry = self.uow.waitlist.get(entry_id)
        if entry is not None:
            self.uow.waitlist.close(entry, WaitlistStatus.DONE)

    def note_faq_question(
        self, patient_id: int | None, language: str, text: str, suggested: Sequence[str] = ()
    ) -> int:
        """Keep a question the FAQ did not answer for sure (masked), for `carebot faq gaps`:
        left unanswered, or with the entries suggested; its id."""
        keep = [p.name for p in self.clinic.practitioners] + [self.clinic.clinic.name]
        row = self.uow.faq_questions.record(
            patient_id=patient_id,
            language=language,
            text=mask_personal_data(text, keep=keep),
            outcome=FaqQuestionOutcome.SUGGESTED if suggested else FaqQuestionOutcome.UNANSWERED,
            suggested=suggested,
            now=self.now,
        )
        return row.id or 0

    def note_faq_choice(self, patient_id: int | None, question_id: int, entry_id: str) -> None:
        """The patient pressed a suggested entry: their wording belongs to it."""
        self.uow.faq_questions.choose(question_id, patient_id, entry_id)

    def set_opted_out(
        self, patient: Patient, opted_out: bool, *, keeps_reminders: bool = False
    ) -> None:
        """Record that the patient wants (or no longer wants) the messages we start; they
        may keep their appointment reminders only."""
        if patient.id is not None:
            self.uow.patients.update(
                patient.id, opted_out=opted_out, keeps_reminders=keeps_reminders
            )

    def upcoming(self, patient_id: int) -> list[Appointment]:
        """A patient's appointments still to come."""
        return self.uow.appointments.upcoming_for_patient(patient_id, self.now)

    def owned_upcoming(self, patient_id: int, appointment_id: int) -> Appointment | None:
        """The patient's own upcoming appointment with this id, if still active."""
        for appointment in self.upcoming(patient_id):
            if appointment.id == appointment_id:
                return appointment
        return None

    def inside_cutoff(self, appointment: Appointment) -> bool:
        """Whether it is too late to cancel or move this appointment by chat."""
        return appointment.start - self.now < self.clinic.booking.cancellation_cutoff
