"""What the bot may answer from: the staff's FAQ entries plus facts read from ``clinic.yaml``.

Patients ask the FAQ's questions, but also "what time do you close?", "how much
is a blood test?" or "who is Dr Benali?", which ``clinic.yaml`` already
answers. :func:`build_knowledge` turns those facts into entries like the FAQ's —
phrasings plus an answer in French and in English — with ids such as
``fact:hours`` or ``fact:service:blood-test``, so that retrieval and the LLM see
one knowledge base.

The staff's text wins: a fact one of whose phrasings the FAQ already asks (the
same terms, e.g. "Quelle est votre adresse ?") is left out, and its phrasings
are lent to that FAQ entry instead, whose answer stays the staff's, verbatim.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.numbers import format_currency

from clinic.config import WEEKDAYS, ClinicConfig, DayHours, Practitioner, Service
from clinic.model import TimeRange
from faq.model import FaqFile
from faq.terms import reads_as, terms

FACT_PREFIX = "fact:"

_DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_LANGUAGE_NAMES = {
    "fr": {"fr": "français", "en": "anglais"},
    "en": {"fr": "French", "en": "English"},
}


@dataclass(frozen=True)
class KnowledgeEntry:
    """One thing the bot can answer: phrasings patients use and the answer per language."""

    id: str
    questions: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]  # (language, text), the clinic's languages
    source: str  # "faq" (staff text) or "fact" (rendered from clinic.yaml)

    def answer(self, language: str) -> str:
        """The answer in ``language``, else French, else whatever there is."""
        texts = dict(self.answers)
        return texts.get(language) or texts.get("fr") or next(iter(texts.values()), "")

    def title(self, language: str) -> str:
        """The phrasing that names this entry best in ``language`` (for a suggestion button)."""
        return max(self.questions, key=lambda q: reads_as(q, language), default=self.id)


def build_knowledge(
    faq: FaqFile, clinic: ClinicConfig, *, today: date | None = None
) -> tuple[KnowledgeEntry, ...]:
    """The FAQ entries, then the clinic facts the FAQ does not already answer.

    ``today`` (the clinic's local date) adds the closures still to come; without
    it no dated closure is mentioned, so a stale one can never be.
    """
    entries = {
        entry.id: KnowledgeEntry(
            id=entry.id,
            questions=tuple(entry.questions),
            answers=tuple(
                (lang, text)
                for lang in clinic.clinic.languages
                if (text := getattr(entry.answer, lang, None))
            ),
            source="faq",
        )
        for entry in faq.entries
    }
    asked = {terms(q): entry_id for entry_id, e in entries.items() for q in e.questions}
    facts: list[KnowledgeEntry] = []
    for fact in clinic_facts(clinic, today=today):
        covering = Counter(asked[t] for q in fact.questions if (t := terms(q)) in asked)
        if not covering:
            facts.append(fact)
            continue
        owner_id = covering.most_common(1)[0][0]
        owner = entries[owner_id]
        lent = tuple(q for q in fact.questions if q not in owner.questions)
        entries[owner_id] = KnowledgeEntry(
            owner.id, owner.questions + lent, owner.answers, owner.source
        )
    return (*entries.values(), *facts)


# ---------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------


def clinic_facts(clinic: ClinicConfig, *, today: date | None = None) -> Iterator[KnowledgeEntry]:
    """Every fact ``clinic.yaml`` answers, as knowledge entries."""
    yield _hours_fact(clinic, today)
    yield _address_fact(clinic)
    yield _phone_fact(clinic)
    yield _languages_fact(clinic)
    yield _team_fact(clinic)
    yield _services_fact(clinic)
    for service in clinic.services:
        yield _service_fact(clinic, service)
    for practitioner in clinic.practitioners:
        yield _practitioner_fact(clinic, practitioner)


def _fact(
    fact_id: str, questions: Sequence[str], fr: str, en: str, clinic: ClinicConfig
) -> KnowledgeEntry:
    texts = {"fr": fr, "en": en}
    answers = tuple((lang, texts[lang]) for lang in clinic.clinic.languages)
    return KnowledgeEntry(FACT_PREFIX + fact_id, tuple(questions), answers, "fact")


def _clock(moment: TimeRange, language: str) -> str:
    """ "8h–12h30" in French, "8:00–12:30" in English."""

    def one(hour: int, minute: int) -> str:
        if language == "fr":
            return f"{hour}h{minute:02d}" if minute else f"{hour}h"
        return f"{hour}:{minute:02d}"

    end = moment.end
    end_text = "24h" if end.hour == 23 and end.minute == 59 else one(end.hour, end.minute)
    if language == "en" and end_text == "24h":
        end_text = "24:00"
    return f"{one(moment.start.hour, moment.start.minute)}–{end_text}"


def _day_hours_text(day: DayHours, language: str) -> str:
    ranges = [_clock(r, language) for r in day.working_ranges()]
    return (" et " if language == "fr" else " and ").join(ranges)


def _week_text(schedule_days: Sequence[DayHours | None], language: str) -> str:
    """ "lundi–vendredi 8h–19h, samedi 9h–12h30": runs of days with the same hours."""
    names = _DAY_NAMES[language]
    parts: list[str] = []
    index = 0
    while index < 7:
        day = schedule_days[index]
        if day is None:
            index += 1
            continue
        text = _day_hours_text(day, language)
        last = index
        while last + 1 < 7 and schedule_days[last + 1] is not None:
            following = schedule_days[last + 1]
            if following is None or _day_hours_text(following, language) != text:
                break
            last += 1
        days = names[index] if last == index else f"{names[index]}–{names[last]}"
        parts.append(f"{days} {text}")
        index = last + 1
    return ", ".join(parts)


def _schedule_days(clinic: ClinicConfig) -> list[DayHours | None]:
    return [clinic.opening_hours.for_weekday(i) for i in range(7)]


def _closed_days(clinic: ClinicConfig, language: str) -> str:
    days = _schedule_days(clinic)
    return ", ".join(_DAY_NAMES[language][i] for i in range(7) if days[i] is None)


def _upcoming_closures(clinic: ClinicConfig, today: date | None, language: str) -> str:
    if today is None:
        return ""
    horizon = today + timedelta(days=60)
    found = []
    for closure in clinic.closures:
        end = closure.end or closure.start
        if end >= today and closure.start <= horizon:
            span = (
                closure.start.strftime("%d/%m/%Y")
                if end == closure.start
                else f"{closure.start:%d/%m/%Y}–{end:%d/%m/%Y}"
            )
            found.append(span)
    if not found:
        return ""
    if language == "fr":
        return f" Fermeture exceptionnelle : {', '.join(found)}."
    return f" Exceptionally closed: {', '.join(found)}."


def _hours_fact(clinic: ClinicConfig, today: date | None) -> KnowledgeEntry:
    days = _schedule_days(clinic)
    holidays_fr = " et les jours fériés" if clinic.public_holidays else ""
    holidays_en = " and on public holidays" if clinic.public_holidays else ""
    closed_fr, closed_en = _closed_days(clinic, "fr"), _closed_days(clinic, "en")
    fr = f"L'accueil est ouvert : {_week_text(days, 'fr')}."
    en = f"The front desk is open: {_week_text(days, 'en')}."
    if closed_fr:
        fr += f" Fermé le {closed_fr}{holidays_fr}."
        en += f" Closed on {closed_en}{holidays_en}."
    fr += _upcoming_closures(clinic, today, "fr")
    en += _upcoming_closures(clinic, today, "en")
    questions = (
        "Quels sont vos horaires ?",
        "Quels sont vos horaires d'ouverture ?",
        "À quelle heure ouvrez-vous ?",
        "À quelle heure fermez-vous ?",
        "Êtes-vous ouverts le samedi ?",
        "Êtes-vous ouverts le dimanche ?",
        "Quand êtes-vous ouverts ?",
        "What are your opening hours?",
        "What time do you open?",
        "What time do you close?",
        "Are you open on Saturday?",
        "Are you open on Sundays?",
        "When are you open?",
    )
    return _fact("hours", questions, fr, en, clinic)


def _address_fact(clinic: ClinicConfig) -> KnowledgeEntry:
    info = clinic.clinic
    questions = (
        "Quelle est votre adresse ?",
        "Où êtes-vous situés ?",
        "Où se trouve la clinique ?",
        "What is your address?",
        "Where are you located?",
        "Where is the clinic?",
    )
    fr = f"{info.name} se trouve au {info.address}."
    en = f"{info.name} is at {info.address}."
    return _fact("address", questions, fr, en, clinic)


def _phone_fact(clinic: ClinicConfig) -> KnowledgeEntry:
    info = clinic.clinic
    hours_fr = _week_text(_schedule_days(clinic), "fr")
    hours_en = _week_text(_schedule_days(clinic), "en")
    fr = f"Vous pouvez joindre l'accueil au {info.phone} ({hours_fr})."
    en = f"You can reach the front desk on {info.phone} ({hours_en})."
    if info.email:
        fr += f" Par e-mail : {info.email}."
        en += f" By email: {info.email}."
    questions = (
        "Quel est votre numéro de téléphone ?",
        "Comment vous joindre ?",
        "Comment vous contacter ?",
        "Quel est votre e-mail ?",
        "What is your phone number?",
        "How can I contact you?",
        "How do I call the clinic?",
        "What is your email?",
    )
    return _fact("phone", questions, fr, en, clinic)


def _names(practitioners: Sequence[Practitioner], language: str) -> str:
    names = [p.name for p in practitioners]
    if len(names) < 2:
        return "".join(names)
    word = " et " if language == "fr" else " and "
    return ", ".join(names[:-1]) + word + names[-1]


def _languages_fact(clinic: ClinicConfig) -> KnowledgeEntry:
    spoken = sorted({lang for p in clinic.practitioners for lang in p.languages})
    texts = {}
    for language in ("fr", "en"):
        names = _LANGUAGE_NAMES[language]
        parts = []
        for lang in spoken:
            speakers = [p for p in clinic.practitioners if lang in p.languages]
            label = names.get(lang, lang)
            colon = " :" if language == "fr" else ":"
            parts.append(f"{label}{colon} {_names(speakers, language)}")
        texts[language] = "; ".join(parts)
    questions = (
        "Parlez-vous anglais ?",
        "Quelles langues parlez-vous ?",
        "Do you speak English?",
        "Which languages do you speak?",
    )
    fr = f"Langues parlées par l'équipe — {texts['fr']}."
    en = f"Languages the team speaks — {texts['en']}."
    return _fact("languages", questions, fr, en, clinic)


def _team_fact(clinic: ClinicConfig) -> KnowledgeEntry:
    fr = ", ".join(f"{p.name} ({p.title.get('fr')})" for p in clinic.practitioners)
    en = ", ".join(f"{p.name} ({p.title.get('en')})" for p in clinic.practitioners)
    titles = Counter(p.title.get("fr") for p in clinic.practitioners)
    shared = [
        title
        for title, count in titles.items()
        if count > 1  # a title one person holds is asked about on their own fact
    ]
    questions = (
        "Qui sont les médecins ?",
        "Quels praticiens travaillent ici ?",
        "Qui travaille à la clinique ?",
        "Who are the doctors?",
        "Which practitioners work here?",
        "Who works at the clinic?",
        *(f"Avez-vous un {title.lower()} ?" for title in shared),
        *(
            f"Do you have a {p.title.get('en').lower()}?"
            for p in clinic.practitioners
            if titles[p.title.get("fr")] > 1
        ),
    )
    return _fact(
        "team", tuple(dict.fromkeys(questions)), f"L'équipe : {fr}.", f"The team: {en}.", clinic
    )


def _money(clinic: ClinicConfig, service: Service, language: str) -> str:
    amount = Decimal(service.price)
    return str(format_currency(amount, clinic.price_currency(service), locale=language))


def _duration(minutes: int, language: str) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    if language == "fr":
        return f"{hours} h {rest:02d}" if rest else f"{hours} h"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _services_fact(clinic: ClinicConfig) -> KnowledgeEntry:
    fr = ", ".join(f"{s.name.get('fr')} ({_money(clinic, s, 'fr')})" for s in clinic.services)
    en = ", ".join(f"{s.name.get('en')} ({_money(clinic, s, 'en')})" for s in clinic.services)
    questions = (
        "Quels soins proposez-vous ?",
        "Quelles sont vos prestations ?",
        "Quels services proposez-vous ?",
        "What services do you offer?",
        "What treatments do you offer?",
        "What can I book?",
    )
    return _fact(
        "services", questions, f"Rendez-vous possibles : {fr}.", f"You can book: {en}.", clinic
    )


def _service_fact(clinic: ClinicConfig, service: Service) -> KnowledgeEntry:
    name_fr, name_en = service.name.get("fr"), service.name.get("en")
    minutes = int(service.duration.total_seconds() // 60)
    who = clinic.practitioners_for(service.id)
    fr = f"{name_fr} : {_money(clinic, service, 'fr')}, durée {_duration(minutes, 'fr')}."
    en = f"{name_en}: {_money(clinic, service, 'en')}, {_duration(minutes, 'en')}."
    if who:
        fr += f" Avec {_names(who, 'fr')}."
        en += f" With {_names(who, 'en')}."
    if service.description:
        fr += f" {service.description.get('fr')}"
        en += f" {service.description.get('en')}"
    if service.preparation:
        fr += f" À prévoir : {service.preparation.text.get('fr')}"
        en += f" Before your visit: {service.preparation.text.get('en')}"
    questions = [
        f"Combien coûte {name_fr} ?",
        f"Quel est le prix de {name_fr} ?",
        f"Tarif {name_fr}",
        f"Combien de temps dure {name_fr} ?",
        f"How much is {name_en}?",
        f"What is the price of {name_en}?",
        f"How long does {name_en} take?",
    ]
    if service.keywords:  # one phrasing, so that no single keyword stands for the service
        questions.append(f"Prix {name_fr} ({', '.join(service.keywords)})")
    if service.preparation:
        questions += [
            f"Comment se préparer pour {name_fr} ?",
            f"Que faut-il prévoir pour {name_fr} ?",
            f"How do I prepare for {name_en}?",
            f"What do I need for {name_en}?",
        ]
    return _fact(f"service:{service.id}", tuple(dict.fromkeys(questions)), fr, en, clinic)


def _practitioner_fact(clinic: ClinicConfig, practitioner: Practitioner) -> KnowledgeEntry:
    name = practitioner.name
    services = [clinic.service(s) for s in practitioner.services if _has_service(clinic, s)]
    days = [i for i in range(7) if getattr(practitioner.schedule, WEEKDAYS[i]) is not None]
    texts = {}
    for lang in ("fr", "en"):
        spoken = ", ".join(_LANGUAGE_NAMES[lang].get(x, x) for x in practitioner.languages)
        booked = ", ".join(s.name.get(lang) for s in services)
        on = ", ".join(_DAY_NAMES[lang][i] for i in days)
        title = practitioner.title.get(lang)
        if lang == "fr":
            texts[lang] = (
                f"{name} — {title}. Langues : {spoken}. Rendez-vous : {booked}. Consulte le {on}."
            )
        else:
            texts[lang] = (
                f"{name} — {title}. Speaks {spoken}. Appointments: {booked}. Consults on {on}."
            )
    unique_title = (
        sum(p.title.get("fr") == practitioner.title.get("fr") for p in clinic.practitioners) == 1
    )
    questions = [
        f"Qui est {name} ?",
        f"Que fait {name} ?",
        f"Quand consulte {name} ?",
        f"Quels jours travaille {name} ?",
        f"Who is {name}?",
        f"What does {name} do?",
        f"When does {name} work?",
        f"Which days is {name} in?",
    ]
    if unique_title:
        questions += [
            f"Avez-vous un {practitioner.title.get('fr').lower()} ?",
            f"Do you have a {practitioner.title.get('en').lower()}?",
        ]
    return _fact(f"practitioner:{practitioner.id}", questions, texts["fr"], texts["en"], clinic)


def _has_service(clinic: ClinicConfig, service_id: str) -> bool:
    return any(s.id == service_id for s in clinic.services)
