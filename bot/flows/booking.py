"""Booking and rescheduling: service → practitioner → day → time → details → confirm.

Rescheduling is the same flow started at the day step with the service and
practitioner of the appointment being moved (``data["moving"]``). See
``booking.mmd`` for the diagram.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import phonenumbers

from bot import nlu
from bot.calendar_file import appointment_ics
from bot.desk import SlotQuery
from bot.flows.base import IDLE, Outcome, State, Step, TurnContext, go, misunderstood, say
from bot.messages import Choice, Document, InboundKind, Reply
from clinic.model import PartOfDay, Slot
from storage.models import Appointment
from storage.repositories import SlotTaken

FLOW = "booking"
ANY = "any"
MAX_NAME = 80


class BookingStep(StrEnum):
    """The steps of the booking flow."""

    SERVICE = "service"
    PRACTITIONER = "practitioner"
    DAY = "day"
    TIME = "time"
    NAME = "name"
    PHONE = "phone"
    CONFIRM = "confirm"


# --- encoding choices compactly (Telegram allows 64 bytes of callback data) ---


def encode_slot(slot: Slot) -> str:
    """Button data for a slot: practitioner and start in minutes since the epoch."""
    minutes = int(slot.start.timestamp()) // 60
    return f"s:{slot.practitioner_id}:{minutes:x}"


def decode_slot(data: str, ctx: TurnContext, service_id: str) -> Slot | None:
    """The slot a button stands for, or None if the data is not a valid slot."""
    try:
        _, practitioner_id, minutes = data.split(":")
        start = datetime.fromtimestamp(int(minutes, 16) * 60, UTC)
        service = ctx.clinic.service(service_id)
        ctx.clinic.practitioner(practitioner_id)
    except (ValueError, KeyError, OverflowError, OSError):
        return None
    end = start + service.duration
    return Slot(start, end, end + service.buffer_after, practitioner_id, service_id)


def slot_to_data(slot: Slot) -> dict[str, Any]:
    """A slot as JSON for the conversation state."""
    return {"practitioner": slot.practitioner_id, "start": slot.start.isoformat()}


def slot_from_data(ctx: TurnContext, state: State) -> Slot | None:
    """The slot chosen earlier in this conversation."""
    chosen = state.data.get("slot")
    if not chosen:
        return None
    start = datetime.fromisoformat(chosen["start"])
    return decode_slot(
        f"s:{chosen['practitioner']}:{int(start.timestamp()) // 60:x}", ctx, state.data["service"]
    )


# --- labels ---


def service_label(ctx: TurnContext, service_id: str) -> str:
    """ "Consultation · 20 min · 30,00 €"."""
    service = ctx.clinic.service(service_id)
    minutes = int(service.duration.total_seconds() // 60)
    price = ctx.t.money(service.price, ctx.clinic.price_currency(service))
    return f"{service.name.get(ctx.language)} · {ctx.t.minutes(minutes)} · {price}"


def practitioner_label(ctx: TurnContext, practitioner_id: str) -> str:
    """ "Dr Claire Martin (Médecin généraliste)"."""
    practitioner = ctx.clinic.practitioner(practitioner_id)
    return f"{practitioner.name} ({practitioner.title.get(ctx.language)})"


def slot_label(ctx: TurnContext, slot: Slot, *, with_day: bool, with_name: bool) -> str:
    """A slot button: "15:30", "mar. 3 déc. 15:30" or "15:30 · Dr Martin"."""
    label = ctx.t.time(slot.start)
    if with_day:
        label = f"{ctx.t.short_day(slot.start.astimezone(ctx.clinic.zone).date())} {label}"
    if with_name:
        label = f"{label} · {ctx.clinic.practitioner(slot.practitioner_id).name}"
    return label


def _query(state: State) -> SlotQuery:
    practitioner = state.data.get("practitioner")
    day = state.data.get("day")
    part = state.data.get("part")
    after = state.data.get("after")
    return SlotQuery(
        service_id=state.data["service"],
        practitioner_id=None if practitioner in (None, ANY) else practitioner,
        on_day=date.fromisoformat(day) if day else None,
        after=datetime.fromisoformat(after) if after else None,
        part_of_day=PartOfDay(part) if part else None,
    )


# --- starting the flow ---


def start(ctx: TurnContext, **prefill: Any) -> Outcome:
    """Begin booking, skipping the steps the patient already answered."""
    if len(ctx.desk.upcoming(ctx.patient.id or 0)) >= ctx.clinic.booking.max_upcoming_per_patient:
        limit = ctx.clinic.booking.max_upcoming_per_patient
        return say(IDLE, Reply(ctx.t("booking.too_many", count=limit), _menu_back(ctx)))
    state = State(FLOW, BookingStep.SERVICE, {k: v for k, v in prefill.items() if v is not None})
    return go(skip_answered(ctx, state))


def start_at_slot(ctx: TurnContext, data: str) -> Outcome:
    """A slot offered outside a booking (after a missed visit): book it if still free."""
    try:
        _, service_id, rest = data.split(":", 2)
    except ValueError:
        return go(IDLE, Reply(ctx.t("common.stale")))
    slot = decode_slot(f"s:{rest}", ctx, service_id)
    if slot is None:
        return go(IDLE, Reply(ctx.t("common.stale")))
    state = State(
        FLOW, BookingStep.TIME, {"service": service_id, "practitioner": slot.practitioner_id}
    )
    return choose_slot(ctx, state, slot)


def start_reschedule(ctx: TurnContext, appointment: Appointment) -> Outcome:
    """Begin moving an appointment: same service and practitioner, pick a new time."""
    state = State(
        FLOW,
        BookingStep.DAY,
        {
            "service": appointment.service_id,
            "practitioner": appointment.practitioner_id,
            "moving": appointment.id,
        },
    )
    intro = Reply(ctx.t("reschedule.intro", when=ctx.t.when(appointment.start)))
    return go(state, intro)


def skip_answered(ctx: TurnContext, state: State) -> State:
    data = state.data
    if "service" not in data:
        return state.at(BookingStep.SERVICE)
    if "practitioner" not in data:
        practitioners = ctx.clinic.practitioners_for(data["service"])
        if len(practitioners) > 1:
            return state.at(BookingStep.PRACTITIONER)
        state = state.at(BookingStep.PRACTITIONER, practitioner=practitioners[0].id)
    if "slot" in data:
        return _after_slot(ctx, state)
    if "day" in data or "after" in data:
        return state.at(BookingStep.TIME)
    return state.at(BookingStep.DAY)


def _after_slot(ctx: TurnContext, state: State) -> State:
    if state.data.get("moving"):
        return state.at(BookingStep.CONFIRM)
    if not (ctx.patient.display_name or state.data.get("name")):
        return state.at(BookingStep.NAME)
    if not (ctx.patient.phone or state.data.get("phone")):
        return state.at(BookingStep.PHONE)
    return state.at(BookingStep.CONFIRM)


def _wait_choice(ctx: TurnContext, state: State) -> Choice:
    """ "Tell me when a time frees up" for what the patient is looking for."""
    who = state.data.get("practitioner") or ANY
    return Choice(f"wl:s:{state.data['service']}:{who}", ctx.t("waitlist.ask_any"))


def _menu_back(ctx: TurnContext) -> tuple[Choice, ...]:
    return (Choice("m:menu", ctx.t("common.menu")),)


# --- service ---


def prompt_service(ctx: TurnContext, state: State) -> list[Reply]:
    """Which service?"""
    choices = tuple(Choice(f"svc:{s.id}", service_label(ctx, s.id)) for s in ctx.clinic.services)
    return [Reply(ctx.t("booking.ask_service"), choices)]


def handle_service(ctx: TurnContext, state: State) -> Outcome:
    """Take the service from a button or from what the patient typed."""
    service_id = _picked(ctx, "svc:", [s.id for s in ctx.clinic.services])
    if service_id is None and ctx.text:
        service_id = nlu.match_service(ctx.text, ctx.clinic, ctx.language)
        if service_id is None:
            labels = [service_label(ctx, s.id) for s in ctx.clinic.services]
            index = nlu.match_choice(ctx.text, labels)
            service_id = ctx.clinic.services[index].id if index is not None else None
    if service_id is None:
        return misunderstood(state)
    return go(skip_answered(ctx, state.without("practitioner").at(state.step, service=service_id)))


def _picked(ctx: TurnContext, prefix: str, allowed: list[str]) -> str | None:
    """The value of a pressed button with ``prefix``, if it is one of ``allowed``."""
    button = ctx.button
    if button and button.startswith(prefix) and button[len(prefix) :] in allowed:
        return button[len(prefix) :]
    return None


# --- practitioner ---


def prompt_practitioner(ctx: TurnContext, state: State) -> list[Reply]:
    """With whom?"""
    ids = [p.id for p in ctx.clinic.practitioners_for(state.data["service"])]
    choices = (
        Choice(f"pr:{ANY}", ctx.t("booking.first_available")),
        *(Choice(f"pr:{pid}", practitioner_label(ctx, pid)) for pid in ids),
    )
    return [Reply(ctx.t("booking.ask_practitioner"), choices)]


def handle_practitioner(ctx: TurnContext, state: State) -> Outcome:
    """Take a practitioner, or "first available"."""
    ids = [p.id for p in ctx.clinic.practitioners_for(state.data["service"])]
    chosen = _picked(ctx, "pr:", [ANY, *ids])
    if chosen is None and ctx.text:
        named = nlu.match_practitioner(ctx.text, ctx.clinic)
        chosen = named if named in ids else None
        if chosen is None and nlu.detect_intent(ctx.text) in (nlu.Intent.YES,):
            chosen = ANY
        if chosen is None:
            labels = [ctx.t("booking.first_available")] + [practitioner_label(ctx, i) for i in ids]
            index = nlu.match_choice(ctx.text, labels)
            chosen = ([ANY, *ids])[index] if index is not None else None
    if chosen is None:
        return misunderstood(state)
    return go(skip_answered(ctx, state.at(state.step, practitioner=chosen)))


# --- day ---


def prompt_day(ctx: TurnContext, state: State) -> list[Reply]:
    """Which day? Offers the next days with free time, and free text."""
    days = ctx.desk.free_days(_query(state.without("day", "after")), limit=6)
    if not days:
        return [Reply(ctx.t("booking.no_days"), (_wait_choice(ctx, state), *_menu_back(ctx)))]
    choices = tuple(Choice(f"day:{d.isoformat()}", ctx.t.short_day(d)) for d in days)
    part = state.data.get("part")
    text = ctx.t("booking.ask_day_part", part=ctx.t(f"part.{part}")) if part else ""
    return [Reply(text or ctx.t("booking.ask_day"), choices)]


def handle_day(ctx: TurnContext, state: State) -> Outcome:
    """Take a day from a button or a free-text date ("mardi prochain 15h")."""
    button = ctx.button
    if button and button.startswith("day:"):
        try:
            day = date.fromisoformat(button[4:])
        except ValueError:
            return misunderstood(state)
        return go(state.without("after").at(BookingStep.TIME, day=day.isoformat()))
    return _understand_when(ctx, state)


def _understand_when(ctx: TurnContext, state: State) -> Outcome:
    """Read a free-text date/time, echo it back, and move to the time step."""
    if not ctx.text:
        return misunderstood(state)
    when = nlu.understand_when(ctx.text, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language)
    if when is None:
        return misunderstood(state)
    if when.problem == "past":
        return go(state, Reply(ctx.t("booking.date_past")))
    if when.problem == "ambiguous":
        return go(state, Reply(ctx.t("booking.date_ambiguous")))
    return go(*apply_when(ctx, state, when))


def absorb_details(ctx: TurnContext, state: State) -> Outcome | None:
    """A detail typed at another step ("avec le Dr Benali" when asked the day, "plutôt
    vendredi" at the confirmation): applied, and the next unanswered step asked."""
    if not ctx.text or state.step in (BookingStep.NAME, BookingStep.PHONE):
        return None
    echo: list[Reply] = []
    practitioner = nlu.match_practitioner(ctx.text, ctx.clinic)
    service = state.data.get("service")
    if (
        practitioner is not None
        and practitioner != state.data.get("practitioner")
        and not state.data.get("moving")
        and (service is None or service in ctx.clinic.practitioner(practitioner).services)
    ):
        state = state.without("slot").at(state.step, practitioner=practitioner)
        echo.append(Reply(ctx.t("booking.understood", when=practitioner_label(ctx, practitioner))))
    when = nlu.understand_when(ctx.text, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language)
    if when is not None and not when.problem and state.step != BookingStep.DAY:
        state, said = apply_when(ctx, state.without("slot"), when)
        echo.append(said)
    if not echo:
        return None
    return go(skip_answered(ctx, state), *echo)


def apply_when(ctx: TurnContext, state: State, when: nlu.When) -> tuple[State, Reply]:
    """Record what was understood of a date and say it back."""
    data: dict[str, Any] = {"part": when.part.value if when.part else None}
    echo_parts: list[str] = []
    if when.day:
        data["day"] = when.day.isoformat()
        echo_parts.append(ctx.t.day(when.day))
    if when.part:
        echo_parts.append(ctx.t(f"part.{when.part.value}"))
    if when.at:
        echo_parts.append(ctx.t("booking.around", time=when.at.strftime("%H:%M")))
        data["at"] = when.at.strftime("%H:%M")
    # A time alone ("16h") keeps the day already chosen.
    forget = ("day", "after", "at", "part") if when.day else ("after", "at", "part")
    day = data.get("day") or state.data.get("day")
    if not when.day and day:
        echo_parts.insert(0, ctx.t.day(date.fromisoformat(day)))
    new = state.without(*forget).at(
        BookingStep.TIME if day or when.at else BookingStep.DAY,
        **{k: v for k, v in data.items() if v is not None},
    )
    return new, Reply(ctx.t("booking.understood", when=" ".join(echo_parts)))


# --- time ---


#: Time buttons shown at once; a fuller day is sampled evenly (typing "16h" finds the rest).
SHOWN_SLOTS = 8


def _offered_slots(ctx: TurnContext, state: State) -> list[Slot]:
    """The slots the time step shows: that day's, else the nearest after it."""
    query = _query(state)
    if query.on_day:
        slots = _spread(ctx.desk.free_slots(query, limit=60), SHOWN_SLOTS)
    else:
        slots = ctx.desk.free_slots(query, limit=SHOWN_SLOTS)
    if not slots and query.on_day:
        after = datetime.combine(query.on_day, datetime.min.time(), ctx.clinic.zone)
        slots = ctx.desk.free_slots(
            SlotQuery(query.service_id, query.practitioner_id, after=after), limit=6
        )
    at = state.data.get("at")
    if at and slots:
        # The slots nearest the asked time, shown in chronological order.
        wanted = _minutes(datetime.strptime(at, "%H:%M").time())
        every = ctx.desk.free_slots(query, limit=60) if query.on_day else slots
        every.sort(key=lambda s: abs(_minutes(s.start.astimezone(ctx.clinic.zone).time()) - wanted))
        slots = sorted(every[:6], key=lambda s: s.start)
    return slots


def _spread(slots: list[Slot], count: int) -> list[Slot]:
    """``count`` slots spread evenly over a day, first and last included."""
    if len(slots) <= count:
        return slots
    step = (len(slots) - 1) / (count - 1)
    return [slots[round(i * step)] for i in range(count)]


def _minutes(value: Any) -> int:
    return int(value.hour * 60 + value.minute)


def prompt_time(ctx: TurnContext, state: State) -> list[Reply]:
    """Free times on the chosen day (or the nearest ones)."""
    slots = _offered_slots(ctx, state)
    if not slots:
        return [Reply(ctx.t("booking.no_slots"), (Choice("m:book", ctx.t("menu.book")),))]
    day = date.fromisoformat(state.data["day"]) if state.data.get("day") else None
    days_offered = {s.start.astimezone(ctx.clinic.zone).date() for s in slots}
    same_day = days_offered == {day}
    with_name = state.data.get("practitioner") in (None, ANY)
    choices = (
        *(
            Choice(encode_slot(s), slot_label(ctx, s, with_day=not same_day, with_name=with_name))
            for s in slots
        ),
        Choice("other-day", ctx.t("booking.other_day")),
    )
    if day and same_day:
        text = ctx.t("booking.ask_time", day=ctx.t.day(day))
    elif day:
        text = ctx.t("booking.nearest", day=ctx.t.day(day))
    else:
        text = ctx.t("booking.ask_time_any")
    return [Reply(text, choices)]


def handle_time(ctx: TurnContext, state: State) -> Outcome:
    """Take a slot from a button or free text; re-check it is still free."""
    button = ctx.button
    if button == "other-day":
        return go(state.without("day", "after", "at", "part").at(BookingStep.DAY))
    if button and button.startswith("s:"):
        slot = decode_slot(button, ctx, state.data["service"])
        return choose_slot(ctx, state, slot)
    if not ctx.text:
        return misunderstood(state)
    offered = _offered_slots(ctx, state)
    labels = [slot_label(ctx, s, with_day=True, with_name=True) for s in offered]
    index = nlu.match_choice(ctx.text, [ctx.t.time(s.start) for s in offered])
    if index is None:
        index = nlu.match_choice(ctx.text, labels)
    if index is not None:
        return choose_slot(ctx, state, offered[index])
    return _understand_when(ctx, state)


def choose_slot(ctx: TurnContext, state: State, slot: Slot | None) -> Outcome:
    """Go on with a chosen slot, if it is still free for this patient."""
    if slot is None or slot.service_id != state.data["service"]:
        return go(state, Reply(ctx.t("common.stale")))
    wanted = state.data.get("practitioner")
    if wanted not in (None, ANY) and slot.practitioner_id != wanted:
        return go(state, Reply(ctx.t("common.stale")))
    if not ctx.desk.is_bookable(slot):
        return go(_nearest(state, slot), Reply(ctx.t("booking.slot_gone")))
    return go(_after_slot(ctx, state.at(state.step, slot=slot_to_data(slot))))


def _nearest(state: State, slot: Slot) -> State:
    """The time step showing the free slots nearest a lost one."""
    return state.without("day", "slot", "at").at(
        BookingStep.TIME, after=(slot.start - timedelta(hours=2)).isoformat()
    )


# --- patient details ---


def prompt_name(ctx: TurnContext, state: State) -> list[Reply]:
    """What is your name?"""
    return [Reply(ctx.t("booking.ask_name"))]


def handle_name(ctx: TurnContext, state: State) -> Outcome:
    """Take the patient's full name (letters, 2–80 characters)."""
    name = " ".join(ctx.text.split())
    letters = sum(ch.isalpha() for ch in name)
    if not (2 <= len(name) <= MAX_NAME and letters >= 2 and letters >= len(name) // 2):
        return misunderstood(state)
    return go(_after_slot(ctx, state.at(state.step, name=name)))


def prompt_phone(ctx: TurnContext, state: State) -> list[Reply]:
    """What is your phone number? (with a share-contact button where the channel has one)"""
    return [Reply(ctx.t("booking.ask_phone"), contact_button=ctx.t("booking.share_contact"))]


def handle_phone(ctx: TurnContext, state: State) -> Outcome:
    """Take a phone number from a shared contact or typed text, normalized to E.164."""
    if ctx.inbound.kind is InboundKind.CONTACT:
        # Contacts carry international numbers, often without the leading "+".
        raw = "+" + (ctx.inbound.contact_phone or "").lstrip("+")
    else:
        raw = ctx.text
    phone = normalize_phone(raw, ctx.clinic.clinic.phone)
    if phone is None:
        return say(
            state, Reply(ctx.t("booking.bad_phone"), contact_button=ctx.t("booking.share_contact"))
        )
    noted = Reply(ctx.t("booking.phone_noted"), remove_keyboard=True)
    return go(_after_slot(ctx, state.at(state.step, phone=phone)), noted)


def normalize_phone(raw: str, clinic_phone: str) -> str | None:
    """A valid phone number in E.164, read in the clinic's country by default."""
    if not raw or len(raw) > 40:
        return None
    region = phonenumbers.region_code_for_number(phonenumbers.parse(clinic_phone, "FR"))
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- confirm ---


def prompt_confirm(ctx: TurnContext, state: State) -> list[Reply]:
    """The summary, and confirm / change / cancel."""
    slot = slot_from_data(ctx, state)
    if slot is None:
        return prompt_time(ctx, state.at(BookingStep.TIME))
    key = "reschedule.summary" if state.data.get("moving") else "booking.summary"
    choices = (
        Choice("ok", ctx.t("booking.confirm")),
        Choice("other-time", ctx.t("booking.change_time")),
        Choice("m:menu", ctx.t("booking.abandon")),
    )
    return [Reply(ctx.t(key, **summary_values(ctx, slot)), choices)]


def summary_values(ctx: TurnContext, slot: Slot) -> dict[str, str]:
    """The facts a patient checks before confirming, formatted."""
    service = ctx.clinic.service(slot.service_id)
    minutes = int(service.duration.total_seconds() // 60)
    return {
        "service": service.name.get(ctx.language),
        "practitioner": practitioner_label(ctx, slot.practitioner_id),
        "when": ctx.t.when(slot.start),
        "duration": ctx.t.minutes(minutes),
        "price": ctx.t.money(service.price, ctx.clinic.price_currency(service)),
        "address": ctx.clinic.clinic.address,
    }


def handle_confirm(ctx: TurnContext, state: State) -> Outcome:
    """Book (or move) on "yes"; on "slot taken" offer the nearest free ones."""
    answer = ctx.button or ""
    if ctx.text:
        intent = nlu.detect_intent(ctx.text)
        answer = {nlu.Intent.YES: "ok", nlu.Intent.NO: "other-time"}.get(intent, "")
    if answer == "other-time":
        return go(state.without("slot").at(BookingStep.DAY))
    if answer != "ok":
        return misunderstood(state)
    slot = slot_from_data(ctx, state)
    if slot is None:
        return go(state.at(BookingStep.TIME))
    return _commit(ctx, state, slot)


def _commit(ctx: TurnContext, state: State, slot: Slot) -> Outcome:
    moving = state.data.get("moving")
    if moving:
        result = ctx.desk.reschedule(int(moving), slot)
    else:
        ctx.desk.save_patient_details(ctx.patient, state.data.get("name"), state.data.get("phone"))
        result = ctx.desk.book(ctx.patient.id or 0, slot)
    if isinstance(result, SlotTaken):
        return go(_nearest(state, slot), Reply(ctx.t("booking.slot_taken")))
    if state.data.get("waitlist"):
        ctx.desk.waitlist_done(int(state.data["waitlist"]))
    ctx.events.append("appointment.rescheduled" if moving else "appointment.booked")
    key = "reschedule.done" if moving else "booking.done"
    text = ctx.t(key, **summary_values(ctx, slot)) + "\n\n" + ctx.t("booking.after_done")
    ics = Document(
        f"rendez-vous-{result.id}.ics" if ctx.language == "fr" else f"appointment-{result.id}.ics",
        "text/calendar",
        appointment_ics(ctx.clinic, result, ctx.language),
    )
    return say(IDLE, Reply(text, _done_choices(ctx, result), document=ics))


def _done_choices(ctx: TurnContext, appointment: Appointment) -> tuple[Choice, ...]:
    return (
        Choice(f"wl:a:{appointment.id}", ctx.t("waitlist.ask_earlier")),
        Choice("m:appts", ctx.t("menu.appointments")),
        Choice("m:menu", ctx.t("common.menu")),
    )


STEPS: dict[str, Step] = {
    BookingStep.SERVICE: Step(prompt_service, handle_service),
    BookingStep.PRACTITIONER: Step(prompt_practitioner, handle_practitioner),
    BookingStep.DAY: Step(prompt_day, handle_day),
    BookingStep.TIME: Step(prompt_time, handle_time),
    BookingStep.NAME: Step(prompt_name, handle_name),
    BookingStep.PHONE: Step(prompt_phone, handle_phone),
    BookingStep.CONFIRM: Step(prompt_confirm, handle_confirm),
}
