"""The ``carebot`` command: chat in the terminal, check the config, set up a clinic."""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from pydantic import ValidationError

from bot.config_check import check_config
from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE, Settings
from bot.settings import safe_url as _safe_url
from clinic.loader import ConfigError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.bootstrap import System
    from bot.stats import Period

app = typer.Typer(
    help="carebot — an AI front desk for clinics.",
    no_args_is_help=True,
    add_completion=False,
)


def _bootstrap(settings: Settings) -> System:
    """Build the system, or print the configuration's problems (or why the database cannot
    be used) and exit 1."""
    from bot.bootstrap import DatabaseUnavailableError, bootstrap

    try:
        return bootstrap(settings)
    except ConfigError as error:
        _refuse_config([str(problem) for problem in error.problems])
    except DatabaseUnavailableError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def _refuse_config(problems: list[str]) -> NoReturn:
    """Print config files' problems (as check-config does) and exit 1."""
    for problem in problems:
        typer.echo(problem, err=True)
    typer.echo("Fix these, then try again (carebot check-config checks them).", err=True)
    raise typer.Exit(1)


def _typed_lines(prompt: str) -> Iterator[str]:
    """Lines typed at the terminal until end of input or Ctrl-C."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return


@app.command()
def chat(
    as_: str = typer.Option(
        None, "--as", help="Chat as this patient (each name is a separate patient)."
    ),
    language: str = typer.Option(None, "--language", help="fr or en (default: the clinic's)."),
) -> None:
    """Talk to carebot in the terminal, as a patient would in Telegram or WhatsApp."""
    from bot.handlers.terminal import TerminalChat

    settings = _quiet_settings()  # turn logs would drown the conversation
    system = _bootstrap(settings)
    patient = as_ or getpass.getuser() or "patient"
    clinic = system.clinic()
    llm = "on" if system.knowledge.llm_enabled else "off (set ANTHROPIC_API_KEY to turn it on)"
    typer.echo(
        f"carebot — {clinic.clinic.name} — chatting as '{patient}' "
        f"(database: {_safe_url(settings.database_url)}; "
        f"FAQ: {system.knowledge.entries} entries; LLM fallback: {llm}).\n"
        "Type your messages; type the number of a choice to press it; /quit to leave.\n"
    )
    terminal = TerminalChat(system.engine, patient, output=typer.echo, locale=language)
    terminal.send("/start")
    terminal.run(_typed_lines("you> "))
    system.database.dispose()


@app.command()
def run() -> None:
    """Run carebot: the configured channels (Telegram polling or webhook, WhatsApp
    webhook), the scheduler and outbox dispatcher, the web app (webhooks, /healthz, /readyz,
    /metrics). Refuses to start, saying what to fix, on a bad configuration; stops cleanly
    on SIGTERM or Ctrl-C."""
    import asyncio

    from bot.runner import StartRefusedError, run_forever, settings_problems

    settings = _run_settings()
    problems = settings_problems(settings)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise typer.Exit(2)
    report = check_config(settings.clinic_file, settings.faq_file)
    if not report.ok:
        _refuse_config([str(problem) for problem in report.problems])
    try:
        asyncio.run(run_forever(_bootstrap(settings)))
    except StartRefusedError as refusal:
        typer.echo(str(refusal), err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were in place
        raise typer.Exit(130) from None


def _run_settings() -> Settings:
    """The settings, or each invalid one named (never its value) and exit 2."""
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            typer.echo(f"{name}: {problem['msg']} — fix it in .env or the environment", err=True)
        raise typer.Exit(2) from None


@app.command("check-config")
def check_config_command(
    clinic: Path = typer.Option(None, help="clinic.yaml to check (default: CLINIC_FILE)."),
    faq: Path = typer.Option(None, help="faq.yaml to check (default: FAQ_FILE)."),
) -> None:
    """Check clinic.yaml and faq.yaml; print every problem as file:line: field: what — fix."""
    settings = Settings()
    report = check_config(clinic or settings.clinic_file, faq or settings.faq_file)
    if not report.ok:
        for problem in report.problems:
            typer.echo(str(problem), err=True)
        count = len(report.problems)
        typer.echo(f"{count} problem{'s' if count > 1 else ''} found.", err=True)
        raise typer.Exit(1)
    for line in report.summary_lines():
        typer.echo(line)


@app.command()
def init(
    directory: Path = typer.Argument(..., help="Folder to create the clinic files in."),
) -> None:
    """Copy the sample clinic (clinic.yaml, faq.yaml, .env) into DIRECTORY to start from."""
    directory.mkdir(parents=True, exist_ok=True)
    targets = {
        DEFAULT_CLINIC_FILE: directory / "clinic.yaml",
        DEFAULT_FAQ_FILE: directory / "faq.yaml",
    }
    existing = [str(t) for t in targets.values() if t.exists()]
    if existing:
        typer.echo(f"Not overwriting {', '.join(existing)}: move them away first.", err=True)
        raise typer.Exit(1)
    for source, target in targets.items():
        shutil.copyfile(source, target)
    env = directory / ".env"
    if not env.exists():
        env.write_text(
            f"CLINIC_FILE={targets[DEFAULT_CLINIC_FILE].resolve()}\n"
            f"FAQ_FILE={targets[DEFAULT_FAQ_FILE].resolve()}\n"
            f"DATABASE_URL=sqlite:///{(directory / 'carebot.db').resolve()}\n",
            encoding="utf-8",
        )
    typer.echo(
        f"Created {directory}/clinic.yaml, faq.yaml and .env.\n"
        f"Edit them, then: cd {directory} && carebot check-config && carebot chat"
    )


appointments_app = typer.Typer(help="Appointments, for staff and operators.", no_args_is_help=True)
reminders_app = typer.Typer(help="Planned reminders and follow-ups.", no_args_is_help=True)
app.add_typer(appointments_app, name="appointments")
app.add_typer(reminders_app, name="reminders")


@appointments_app.command("mark-no-show")
def mark_no_show_command(
    appointment_id: int = typer.Argument(..., help="The appointment's number."),
) -> None:
    """Record that the patient did not come; the kind follow-up messages are planned."""
    from bot.engine import system_clock
    from scheduler.messages import mark_no_show

    system = _bootstrap(_quiet_settings())
    try:
        with system.database.unit_of_work() as uow:
            appointment = mark_no_show(
                uow, system.clinic(), appointment_id, actor="operator", now=system_clock()
            )
            uow.commit()
    except (LookupError, ValueError) as error:
        typer.echo(f"Appointment {appointment_id}: {error}", err=True)
        raise typer.Exit(1) from None
    local = appointment.start.astimezone(system.clinic().zone)
    typer.echo(f"Appointment {appointment_id} of {local:%Y-%m-%d %H:%M} marked as a no-show.")


def _parse_date(value: str) -> date:
    """A YYYY-MM-DD day (not at the ends of the calendar, where a day more overflows)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-12-07") from None
    if not date.min < day < date.max:
        raise typer.BadParameter(f"{value} is too far off")
    return day


def _period(start: str | None, end: str | None, zone: ZoneInfo, now: datetime) -> Period:
    """The days asked for, by the staff page's rules; a clear message and exit 2 if they
    cannot be read (not a date, years away, reversed, longer than a year)."""
    from bot.i18n import Translator
    from bot.stats import PeriodError, parse_period

    try:
        return parse_period(start, end, now.astimezone(zone).date())
    except PeriodError as error:
        raise typer.BadParameter(Translator("en", zone)(error.key, **error.values)) from None


@reminders_app.command("preview")
def reminders_preview(
    start: str = typer.Option(..., "--from", help="First day, e.g. 2026-12-07."),
    end: str = typer.Option(..., "--to", help="Last day (included)."),
) -> None:
    """List what would be sent when (local time, patient, kind, channel), sending nothing."""
    from scheduler.jobs import preview

    system = _bootstrap(_quiet_settings())
    zone = system.clinic().zone
    first = datetime.combine(_parse_date(start), time(), zone)
    last = datetime.combine(_parse_date(end) + timedelta(days=1), time(), zone)
    lines = preview(system.database, system.clinic(), first, last)
    for line in lines:
        typer.echo(
            f"{line.local_time:%a %Y-%m-%d %H:%M}  {line.kind:<12} {line.patient:<24} "
            f"{line.channel:<9} {line.key}"
        )
    typer.echo(f"{len(lines)} message{'s' if len(lines) != 1 else ''} planned.")


@app.command()
def stats(
    start: str | None = typer.Option(
        None, "--from", help="First day, e.g. 2026-11-02 (default: four weeks ago, a Monday)."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Last day, included (default: last Sunday; after --from alone, today)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
    language: str | None = typer.Option(None, help="fr or en (default: the clinic's)."),
    minutes: float | None = typer.Option(
        None,
        "--minutes-per-conversation",
        min=0.1,
        help="Staff minutes a settled conversation saves (default: clinic.yaml, 4).",
    ),
) -> None:
    """The clinic's KPI report: bookings, reminders, no-shows, answers, handoffs, time saved."""
    import json

    from bot.stats import build_report, format_table

    system = _bootstrap(_quiet_settings())
    clinic = system.clinic()
    now = system.engine.clock()
    # No dates: the last four full weeks; --from alone: up to today.
    period = _period(start, end, clinic.zone, now)
    try:
        report = build_report(
            system.database,
            clinic,
            period.start,
            period.end,
            now=now,
            minutes_per_conversation=minutes,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_table(report, clinic, language or clinic.clinic.default_language, now))


patients_app = typer.Typer(help="Patients' data: export and erasure.", no_args_is_help=True)
app.add_typer(patients_app, name="patients")


@patients_app.command("export")
def patients_export(
    patient_id: int = typer.Argument(..., help="The patient's number."),
) -> None:
    """Print everything stored about a patient (what /mydata sends them)."""
    from bot.engine import system_clock
    from bot.privacy import export_patient

    system = _bootstrap(_quiet_settings())
    with system.database.unit_of_work() as uow:
        patient = uow.patients.get(patient_id)
        if patient is None:
            typer.echo(f"Patient {patient_id}: no such patient.", err=True)
            raise typer.Exit(1)
        document = export_patient(uow, system.clinic(), patient_id, patient.language)
        uow.audit.record(
            "operator", "privacy.exported", f"patient:{patient_id}", {}, system_clock()
        )
        uow.commit()
    typer.echo(document.content.decode("utf-8"))


@patients_app.command("forget")
def patients_forget(
    patient_id: int = typer.Argument(..., help="The patient's number."),
    yes: bool = typer.Option(False, "--yes", help="Really erase: this cannot be undone."),
) -> None:
    """Erase a patient: cancel their upcoming appointments and delete what identifies them."""
    from bot.engine import system_clock
    from bot.privacy import forget_patient
    from storage.repositories import NotFoundError

    if not yes:
        typer.echo(f"This erases patient {patient_id} for good: add --yes to do it.", err=True)
        raise typer.Exit(1)
    system = _bootstrap(_quiet_settings())
    try:
        with system.database.unit_of_work() as uow:
            cancelled = forget_patient(uow, system.clinic(), patient_id, system_clock(), "operator")
            uow.commit()
    except NotFoundError as error:
        typer.echo(f"Patient {patient_id}: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Patient {patient_id} erased; {len(cancelled)} upcoming appointment(s) cancelled.")


def _quiet_settings() -> Settings:
    """Settings for one-shot commands: warnings only in the logs."""
    settings = Settings()
    if settings.log_level == "INFO":
        settings = settings.model_copy(update={"log_level": "WARNING"})
    return settings


faq_app = typer.Typer(
    help="The FAQ: what it did not answer, and adding wordings.", no_args_is_help=True
)
app.add_typer(faq_app, name="faq")


@faq_app.command("gaps")
def faq_gaps_command(
    days: int = typer.Option(30, help="How many days back to list."),
) -> None:
    """List the (masked) questions the FAQ did not answer for sure: unanswered, suggestions
    none of which was chosen, and wordings patients matched to an entry by a button."""
    from bot.engine import system_clock
    from bot.faq_gaps import gap_lines, since_days
    from bot.i18n import Translator

    system = _bootstrap(_quiet_settings())
    clinic = system.clinic()
    t = Translator(clinic.clinic.default_language, clinic.zone)
    with system.database.unit_of_work(read_only=True) as uow:
        lines = gap_lines(uow, t, since_days(system_clock(), days))
    if not lines:
        typer.echo(t("faqgaps.none", days=days))
        return
    typer.echo(t("faqgaps.title", count=len(lines), days=days))
    for line in lines:
        typer.echo(line)
    typer.echo("Add one: carebot faq add ID [ENTRY_ID]")


@faq_app.command("add")
def faq_add_command(
    question_id: int = typer.Argument(..., help="The question's number, from `carebot faq gaps`."),
    entry_id: str | None = typer.Argument(
        None, help="The FAQ entry to add it to (default: the one the patient chose)."
    ),
) -> None:
    """Add a patient's wording to an entry of faq.yaml (checked first; comments kept)."""
    from bot.engine import system_clock
    from bot.faq_gaps import add_gap
    from faq.editing import FaqEditError

    system = _bootstrap(_quiet_settings())
    try:
        with system.database.unit_of_work() as uow:
            entry = add_gap(uow, system.clinic(), system.settings.faq_file, question_id, entry_id)
            uow.audit.record("operator", "faq.phrasing_added", f"faq:{entry}", {}, system_clock())
            uow.commit()
    except FaqEditError as error:
        typer.echo(f"Not added: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Added question {question_id}'s wording to {entry} in {system.settings.faq_file}.")


eval_app = typer.Typer(help="Evaluations of the answers.")
app.add_typer(eval_app, name="eval")

#: The evaluation sets `carebot eval` plays by default: the one the rules were tuned on
#: (the sample clinic) and one written before any tuning, for a clinic of its own.
EVAL_SETS = (Path("tests/eval/cases.yaml"), Path("tests/eval/unseen.yaml"))


@eval_app.callback(invoke_without_command=True)
def eval_engine(
    context: typer.Context,
    cases: list[Path] = typer.Option(
        [], "--cases", help="A cases file (YAML) to play; repeat for several. Default: both sets."
    ),
    failures: bool = typer.Option(True, help="List the cases handled wrongly."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Play every case through the whole engine as a new patient would (consent, triage,
    understanding, flows, FAQ; no LLM) and report per category what happened."""
    if context.invoked_subcommand is not None:
        return
    import json

    from bot.evaluation import run_file
    from bot.logs import configure_logging

    configure_logging("ERROR")
    reports = []
    for path in cases or [p for p in EVAL_SETS if p.exists()]:
        try:
            report = run_file(path, DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE)
        except (ValueError, ConfigError) as error:
            typer.echo(f"{path}: {error}", err=True)
            raise typer.Exit(1) from None
        reports.append(report)
        if not as_json:
            typer.echo("\n".join(report.lines(failures=failures)))
    if as_json:
        typer.echo(json.dumps({r.name: r.summary() for r in reports}, indent=2))


@eval_app.command("faq")
def eval_faq(
    cases: Path = typer.Option(
        Path("tests/eval/cases.yaml"), help="The evaluation cases (YAML) to score."
    ),
) -> None:
    """Score triage and retrieval (no LLM) on the evaluation set, per category."""
    from clinic.loader import load_clinic_file
    from faq.evaluation import run_eval
    from faq.loader import load_faq_file

    settings = Settings()
    try:
        clinic = load_clinic_file(settings.clinic_file)
        faq = load_faq_file(settings.faq_file, clinic.clinic.languages)
    except ConfigError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    report = run_eval(cases, faq, clinic)
    for line in report.lines():
        typer.echo(line)
    if report.below_floors():
        raise typer.Exit(1)


@app.command()
def migrate() -> None:
    """Apply the database migrations (carebot also does this at start)."""
    from storage.db import Database

    settings = Settings()
    database = Database(settings.database_url)
    database.migrate()
    database.dispose()
    typer.echo(f"Database is up to date: {_safe_url(settings.database_url)}")


@app.command("staff-password")
def staff_password(
    name: str = typer.Argument(..., help="The staff member's user name for /staff."),
) -> None:
    """Print a NAME:$2b$… line (bcrypt) to add to STAFF_PASSWORD_FILE; the password is
    asked twice, hidden, or read from the first line of stdin when it is not a terminal."""
    import sys

    from bot.staff_web import password_file_line

    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != password:
            typer.echo("The two passwords differ; nothing written.", err=True)
            raise typer.Exit(1)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        typer.echo(password_file_line(name, password))
    except ValueError as error:
        typer.echo(f"Cannot use that: {error}.", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    """Entry point for ``python -m bot.cli``."""
    app()


if __name__ == "__main__":
    main()
