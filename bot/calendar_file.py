"""The ``.ics`` file sent with a booking, so the appointment lands in the patient's calendar."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Alarm, Calendar, Event

from bot.i18n import catalogue
from clinic.config import ClinicConfig
from storage.models import Appointment


def appointment_ics(clinic: ClinicConfig, appointment: Appointment, language: str) -> bytes:
    """An iCalendar file for one appointment, with the clinic's address and a reminder."""
    service = clinic.service(appointment.service_id)
    practitioner = clinic.practitioner(appointment.practitioner_id)
    calendar = Calendar()
    calendar.add("prodid", "-//carebot//appointment//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@{clinic.clinic.id}.carebot")
    event.add("dtstamp", appointment.created_at)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", f"{service.name.get(language)} — {clinic.clinic.name}")
    event.add("location", clinic.clinic.address)
    event.add(
        "description",
        catalogue(language)["ics.description"].format(
            practitioner=practitioner.name, phone=clinic.clinic.phone
        ),
    )
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", service.name.get(language))
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
